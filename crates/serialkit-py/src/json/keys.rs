//! A cache of dict-key strings shared across calls: real documents repeat
//! the same keys, and handing back one `str` object both saves creating it
//! and reuses the hash CPython caches inside it.

use crate::pystr::{ascii_str, utf8_str};
use pyo3::ffi;
use pyo3::prelude::*;
use std::sync::{Mutex, MutexGuard};

const SLOTS: usize = 2048;
const MAX_KEY_BYTES: usize = 64;

#[derive(Clone, Copy)]
struct Slot {
    hash: u64,
    len: usize,
    bytes: [u8; MAX_KEY_BYTES],
    /// A strong reference owned by the cache, or null.
    object: *mut ffi::PyObject,
}

const EMPTY: Slot = Slot {
    hash: 0,
    len: 0,
    bytes: [0; MAX_KEY_BYTES],
    object: std::ptr::null_mut(),
};

pub struct KeyCache {
    slots: Vec<Slot>,
}

// SAFETY: the cache holds Python objects, which may only be touched with
// the GIL held. It is reached only through `KeyCache::lock`, called from
// functions that run attached to the interpreter, and the mutex keeps two
// calls (e.g. a hook re-entering `loads`) from sharing it.
unsafe impl Send for KeyCache {}

static CACHE: Mutex<KeyCache> = Mutex::new(KeyCache { slots: Vec::new() });

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
        if bytes.len() > MAX_KEY_BYTES {
            return make_key(py, bytes, ascii);
        }
        if self.slots.is_empty() {
            self.slots = vec![EMPTY; SLOTS];
        }
        let hash = hash_bytes(bytes);
        let slot = &mut self.slots[(hash as usize) & (SLOTS - 1)];
        if !slot.object.is_null() && slot.hash == hash && slot.bytes[..slot.len] == *bytes {
            // SAFETY: the slot owns a strong reference to a live str; the
            // new reference we hand out is counted by Py_NewRef.
            return Ok(unsafe { Bound::from_owned_ptr(py, ffi::Py_NewRef(slot.object)) });
        }
        let key = make_key(py, bytes, ascii)?;
        if !slot.object.is_null() {
            // SAFETY: releases the reference the slot owned.
            unsafe { ffi::Py_DECREF(slot.object) };
        }
        slot.hash = hash;
        slot.len = bytes.len();
        slot.bytes[..bytes.len()].copy_from_slice(bytes);
        // SAFETY: the slot takes its own strong reference to the key.
        slot.object = unsafe { ffi::Py_NewRef(key.as_ptr()) };
        Ok(key)
    }
}

fn make_key<'py>(py: Python<'py>, bytes: &[u8], ascii: bool) -> PyResult<Bound<'py, PyAny>> {
    if ascii {
        ascii_str(py, bytes)
    } else {
        // Keys reach the cache only from valid UTF-8 or WTF-8 input; the
        // surrogatepass decoder accepts both and is identical on UTF-8.
        utf8_str(py, bytes, true)
    }
}

fn hash_bytes(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut hash = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        hash = (hash ^ word).wrapping_mul(K).rotate_left(29);
    }
    let mut tail = [0u8; 8];
    tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    hash = (hash ^ u64::from_le_bytes(tail)).wrapping_mul(K);
    hash ^ (hash >> 32)
}
