//! The memo: which objects were already written, by identity, and under
//! which index. It keeps each object alive: an address is only a safe key
//! while nothing else can be allocated there.

use pyo3::prelude::*;
use std::collections::HashMap;

#[derive(Default)]
pub struct Memo {
    index: HashMap<usize, usize>,
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
