//! The memo: which objects were already written, by identity, and under
//! which index. It keeps each object alive: an address is only a safe key
//! while nothing else can be allocated there.

use crate::address_hash::AddressMap;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

/// Tables kept between calls hold no Python objects, only capacity; past
/// this many entries the memory is given back instead.
const MAX_SPARE_ENTRIES: usize = 1 << 16;

thread_local! {
    static SPARE: std::cell::RefCell<Option<Memo>> = const { std::cell::RefCell::new(None) };
}

#[derive(Default)]
pub struct Memo {
    index: AddressMap<usize>,
    keep: Vec<Py<PyAny>>,
    /// `Pickler.fast`: nothing is recorded, so nothing is shared and no
    /// PUT is written (CPython's `memo_put` returns early the same way).
    pub fast: bool,
}

impl Memo {
    #[inline]
    pub fn get(&self, obj: &Bound<'_, PyAny>) -> Option<usize> {
        self.index.get(&(obj.as_ptr() as usize)).copied()
    }

    /// Records `obj` and returns its index: the number of entries before it,
    /// as pickle numbers them. Recording an object twice renumbers it
    /// without growing the memo, as CPython's memo table does.
    pub fn put(&mut self, obj: &Bound<'_, PyAny>) -> usize {
        if self.fast {
            return 0;
        }
        let idx = self.keep.len();
        if self.index.insert(obj.as_ptr() as usize, idx).is_none() {
            self.keep.push(obj.clone().unbind());
        }
        idx
    }

    /// One lookup for an object without parts: its index if it is in the
    /// memo (`Ok`), else it is recorded at once, as [`Memo::put`] would,
    /// and its new index returned (`Err`). A caller whose write then fails
    /// takes the entry back with [`Memo::forget_last`].
    #[inline]
    pub fn get_or_put(&mut self, obj: &Bound<'_, PyAny>) -> Result<usize, usize> {
        use std::collections::hash_map::Entry;
        if self.fast {
            return Err(0);
        }
        let idx = self.keep.len();
        match self.index.entry(obj.as_ptr() as usize) {
            Entry::Occupied(entry) => Ok(*entry.get()),
            Entry::Vacant(entry) => {
                entry.insert(idx);
                self.keep.push(obj.clone().unbind());
                Err(idx)
            }
        }
    }

    /// Undoes the [`Memo::get_or_put`] that recorded `obj` last.
    pub fn forget_last(&mut self, obj: &Bound<'_, PyAny>) {
        if self.fast {
            return;
        }
        self.index.remove(&(obj.as_ptr() as usize));
        self.keep.pop();
    }

    /// `Pickler.memo.copy()`: `{id(obj): (index, obj)}`, as CPython's
    /// memo proxy returns it.
    pub fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let objects: AddressMap<&Py<PyAny>> = self
            .keep
            .iter()
            .map(|obj| (obj.as_ptr() as usize, obj))
            .collect();
        let dict = PyDict::new(py);
        for (&address, &idx) in self.index.iter() {
            if let Some(obj) = objects.get(&address) {
                dict.set_item(address, (idx, obj.clone_ref(py)))?;
            }
        }
        Ok(dict)
    }

    /// `Pickler.memo = {...}`: the entries of a dict shaped like
    /// [`Memo::to_dict`]'s, whose keys are ignored, as CPython ignores them.
    pub fn replace_from(&mut self, entries: &Bound<'_, PyDict>) -> PyResult<()> {
        let mut fresh = Memo {
            fast: self.fast,
            ..Memo::default()
        };
        for (_, value) in entries.iter() {
            let pair = value.cast::<PyTuple>().ok().filter(|pair| pair.len() == 2);
            let Some(pair) = pair else {
                return Err(PyTypeError::new_err("'memo' values must be 2-item tuples"));
            };
            let idx: usize = pair.get_item(0)?.extract()?;
            let obj = pair.get_item(1)?;
            if fresh.index.insert(obj.as_ptr() as usize, idx).is_none() {
                fresh.keep.push(obj.unbind());
            }
        }
        *self = fresh;
        Ok(())
    }

    pub fn clear(&mut self) {
        self.index.clear();
        self.keep.clear();
    }

    /// A memo for one `dumps` call, with the table of the previous call on
    /// this thread: growing the table from empty on every call was a fifth
    /// of the time of memo-heavy dumps.
    pub fn take_spare() -> Memo {
        SPARE
            .with(|spare| spare.borrow_mut().take())
            .unwrap_or_default()
    }

    /// Empties the memo (the GIL is held: it releases Python references)
    /// and keeps its table for the next call, unless it grew unusually
    /// large.
    pub fn give_back(mut self) {
        self.clear();
        if self.index.capacity() <= MAX_SPARE_ENTRIES {
            SPARE.with(|spare| *spare.borrow_mut() = Some(self));
        }
    }
}
