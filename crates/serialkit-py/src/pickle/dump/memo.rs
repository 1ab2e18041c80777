//! The memo: which objects were already written, by identity, and under
//! which index. It keeps each object alive: an address is only a safe key
//! while nothing else can be allocated there.

use pyo3::prelude::*;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Hashes object addresses. They are unique and spread well once their
/// alignment bits are dropped; SipHash's defence against chosen keys buys
/// nothing for addresses and dominated the profile of memo-heavy dumps.
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_usize(&mut self, address: usize) {
        self.0 = (address as u64 >> 4).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[derive(Default)]
pub struct Memo {
    index: HashMap<usize, usize, BuildHasherDefault<AddressHasher>>,
    keep: Vec<Py<PyAny>>,
}

impl Memo {
    pub fn get(&self, obj: &Bound<'_, PyAny>) -> Option<usize> {
        self.index.get(&(obj.as_ptr() as usize)).copied()
    }

    /// Records `obj` and returns its index: the number of entries before it,
    /// as pickle numbers them. Recording an object twice renumbers it
    /// without growing the memo, as CPython's memo table does.
    pub fn put(&mut self, obj: &Bound<'_, PyAny>) -> usize {
        let idx = self.keep.len();
        if self.index.insert(obj.as_ptr() as usize, idx).is_none() {
            self.keep.push(obj.clone().unbind());
        }
        idx
    }

    pub fn clear(&mut self) {
        self.index.clear();
        self.keep.clear();
    }
}
