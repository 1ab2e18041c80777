//! Where the running interpreter's `marshal` differs from other CPython
//! releases. `serialkit.marshal` finds out at import, by probing the
//! standard library's marshal (not by version number), and says so here.

use pyo3::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

/// Interned strings always get FLAG_REF, even with a single reference
/// (so that .pyc files stay stable): added within the 3.11 series.
static ALWAYS_REF_INTERNED: AtomicBool = AtomicBool::new(false);
/// Version 5 (3.14): slices are written and TYPE_SLICE is read. Without
/// it, a slice is unmarshallable and TYPE_SLICE an unknown type code.
static SLICES: AtomicBool = AtomicBool::new(false);
/// Each set item is marshalled alone (for the order) while the set's
/// iterator holds a reference of its own to it, which counts for its
/// FLAG_REF (`_PySet_NextEntryRef`, from 3.13).
static SET_ITEM_HELD: AtomicBool = AtomicBool::new(false);
/// A one-byte bytes object is read as the interpreter's cached one, not
/// as a new object (3.14).
static CACHED_ONE_BYTE: AtomicBool = AtomicBool::new(false);

pub fn always_ref_interned() -> bool {
    ALWAYS_REF_INTERNED.load(Ordering::Relaxed)
}

pub fn slices() -> bool {
    SLICES.load(Ordering::Relaxed)
}

pub fn set_item_held() -> bool {
    SET_ITEM_HELD.load(Ordering::Relaxed)
}

pub fn cached_one_byte() -> bool {
    CACHED_ONE_BYTE.load(Ordering::Relaxed)
}

/// Records what `serialkit.marshal` found about the interpreter.
#[pyfunction]
#[pyo3(signature = (*, always_ref_interned, slices, set_item_held, cached_one_byte))]
pub fn marshal_quirks(
    always_ref_interned: bool,
    slices: bool,
    set_item_held: bool,
    cached_one_byte: bool,
) {
    ALWAYS_REF_INTERNED.store(always_ref_interned, Ordering::Relaxed);
    SLICES.store(slices, Ordering::Relaxed);
    SET_ITEM_HELD.store(set_item_held, Ordering::Relaxed);
    CACHED_ONE_BYTE.store(cached_one_byte, Ordering::Relaxed);
}
