//! A cache of dict-key strings shared across calls: real documents repeat
//! the same keys, and handing back one `str` object both saves creating it
//! and reuses the hash CPython caches inside it. Integers past CPython's
//! small-int range get a table of their own, since documents repeat ids
//! (citm_catalog.json: 14,392 such ints, of which 802 differ); ints are
//! immutable, so sharing one is as invisible as sharing a str.

use crate::pystr::{ascii_str, known_ascii, utf8_str};
use pyo3::ffi;
use pyo3::prelude::*;
use std::sync::{Mutex, MutexGuard};

/// 1024 slots of 16 bytes fit in L1 cache; a larger table with the key
/// bytes inline measured slower on twitter.json because lookups missed it.
const SLOTS: usize = 1024;
const MAX_KEY_BYTES: usize = 64;

#[derive(Clone, Copy)]
struct Slot {
    hash: u64,
    /// A compact ASCII `str` owned by the cache, or null.
    object: *mut ffi::PyObject,
}

const EMPTY: Slot = Slot {
    hash: 0,
    object: std::ptr::null_mut(),
};

#[derive(Clone, Copy)]
struct IntSlot {
    value: i64,
    /// An `int` owned by the cache, or null.
    object: *mut ffi::PyObject,
}

const EMPTY_INT: IntSlot = IntSlot {
    value: 0,
    object: std::ptr::null_mut(),
};

/// 512 slots of 16 bytes: 8 KiB, beside the keys' 16 KiB.
const INT_SLOTS: usize = 512;

/// CPython hands out shared objects for these itself, without allocating.
const SMALL_INTS: std::ops::RangeInclusive<i64> = -5..=256;

pub struct KeyCache {
    slots: Vec<Slot>,
    ints: Vec<IntSlot>,
}

// SAFETY: the cache holds Python objects, which may only be touched with
// the GIL held. It is reached only through `KeyCache::lock`, called from
// functions that run attached to the interpreter, and the mutex keeps two
// calls (e.g. a hook re-entering `loads`) from sharing it.
unsafe impl Send for KeyCache {}

static CACHE: Mutex<KeyCache> = Mutex::new(KeyCache {
    slots: Vec::new(),
    ints: Vec::new(),
});

impl KeyCache {
    /// The shared cache, or `None` when a caller further up the stack (a
    /// hook that calls `loads` again) already holds it.
    pub fn lock() -> Option<MutexGuard<'static, KeyCache>> {
        match CACHE.try_lock() {
            Ok(guard) => Some(guard),
            Err(std::sync::TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => None,
        }
    }

    pub fn get<'py>(
        &mut self,
        py: Python<'py>,
        bytes: &[u8],
        ascii: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        // Non-ASCII keys are rare enough not to be worth a UTF-8 comparison.
        if !ascii {
            return utf8_str(py, bytes, true);
        }
        if bytes.len() > MAX_KEY_BYTES {
            return ascii_str(py, bytes);
        }
        if self.slots.is_empty() {
            self.slots = vec![EMPTY; SLOTS];
        }
        let hash = hash_bytes(bytes);
        let slot = &mut self.slots[(hash as usize) & (SLOTS - 1)];
        // SAFETY: a non-null slot owns a reference to a compact ASCII str
        // made by `ascii_str`, alive for as long as the slot holds it.
        if !slot.object.is_null()
            && slot.hash == hash
            && same_bytes(unsafe { known_ascii(slot.object) }, bytes)
        {
            // SAFETY: hands out a new reference, counted by Py_NewRef.
            return Ok(unsafe { Bound::from_owned_ptr(py, ffi::Py_NewRef(slot.object)) });
        }
        let key = ascii_str(py, bytes)?;
        if !slot.object.is_null() {
            // SAFETY: releases the reference the slot owned.
            unsafe { ffi::Py_DECREF(slot.object) };
        }
        slot.hash = hash;
        // SAFETY: the slot takes its own strong reference to the key.
        slot.object = unsafe { ffi::Py_NewRef(key.as_ptr()) };
        Ok(key)
    }
}

impl KeyCache {
    /// The `int` for `value`, shared with earlier loads of the same value.
    pub fn int<'py>(&mut self, py: Python<'py>, value: i64) -> PyResult<Bound<'py, PyAny>> {
        if SMALL_INTS.contains(&value) {
            return Ok(value.into_pyobject(py)?.into_any());
        }
        if self.ints.is_empty() {
            self.ints = vec![EMPTY_INT; INT_SLOTS];
        }
        // Fibonacci hashing: ids that differ in their low digits still
        // spread over the table.
        let index = ((value as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 55) as usize;
        let slot = &mut self.ints[index & (INT_SLOTS - 1)];
        if !slot.object.is_null() && slot.value == value {
            // SAFETY: the slot owns a reference to a live int; Py_NewRef
            // counts the new one handed out.
            return Ok(unsafe { Bound::from_owned_ptr(py, ffi::Py_NewRef(slot.object)) });
        }
        let object = value.into_pyobject(py)?.into_any();
        if !slot.object.is_null() {
            // SAFETY: releases the reference the slot owned.
            unsafe { ffi::Py_DECREF(slot.object) };
        }
        slot.value = value;
        // SAFETY: the slot takes its own strong reference to the int.
        slot.object = unsafe { ffi::Py_NewRef(object.as_ptr()) };
        Ok(object)
    }
}

/// Up to 16 bytes as two words that, with the length, determine them:
/// overlapping loads from both ends, so that no length needs a loop or a
/// byte-by-byte copy (most keys are this short; a loop's varying trip
/// count, and libc's `memcmp` dispatching on the length, mispredicted).
#[inline(always)]
fn short_words(bytes: &[u8]) -> Option<(u64, u64)> {
    let len = bytes.len();
    let word = |at: usize| {
        bytes
            .get(at..at + 8)
            .and_then(|chunk| chunk.try_into().ok())
            .map_or(0, u64::from_le_bytes)
    };
    let half = |at: usize| {
        bytes
            .get(at..at + 4)
            .and_then(|chunk| chunk.try_into().ok())
            .map_or(0, |chunk| u64::from(u32::from_le_bytes(chunk)))
    };
    let byte = |at: usize| bytes.get(at).copied().map_or(0, u64::from);
    // Tests rather than a match, which compiled to a jump table whose
    // indirect jump mispredicted more often than these do.
    if len >= 8 {
        (len <= 16).then(|| (word(0), word(len - 8)))
    } else if len >= 4 {
        Some((half(0), half(len - 4)))
    } else if len > 0 {
        Some((byte(0) | byte(len / 2) << 8 | byte(len - 1) << 16, 0))
    } else {
        Some((0, 0))
    }
}

/// Whether two keys are the same bytes.
#[inline(always)]
fn same_bytes(cached: &[u8], bytes: &[u8]) -> bool {
    if cached.len() != bytes.len() {
        return false;
    }
    match (short_words(cached), short_words(bytes)) {
        (Some(cached), Some(wanted)) => cached == wanted,
        _ => cached == bytes,
    }
}

#[inline(always)]
fn hash_bytes(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let len = bytes.len();
    let mut hash = len as u64;
    if let Some((low, high)) = short_words(bytes) {
        hash = (hash ^ low).wrapping_mul(K).rotate_left(29) ^ high;
    } else {
        let word_at =
            |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap_or([0; 8]));
        let mut at = 0;
        while at + 8 < len {
            hash = (hash ^ word_at(at)).wrapping_mul(K).rotate_left(29);
            at += 8;
        }
        // The last word overlaps the previous one rather than being copied
        // out byte by byte, which stalled on store forwarding.
        hash ^= word_at(len - 8);
    }
    hash = hash.wrapping_mul(K);
    hash ^ (hash >> 32)
}
