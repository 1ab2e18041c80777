//! `Pickler.fast`: no memo, so shared objects are written again and a
//! cycle would recurse until the stack ran out. CPython guards lists and
//! dicts past a nesting of 50 by remembering the ones being written, and
//! reports a cycle as a ValueError; this does the same.

use std::collections::HashSet;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use super::save::{tp_name, type_of};

/// Nesting below which containers are not remembered (CPython's
/// `FAST_NESTING_LIMIT`).
const LIMIT: usize = 50;

#[derive(Default)]
pub struct FastGuard {
    nesting: usize,
    open: HashSet<usize>,
}

impl FastGuard {
    /// Enters the list or dict `obj`; an error if it is already open.
    pub fn enter(&mut self, obj: &Bound<'_, PyAny>) -> PyResult<()> {
        self.nesting += 1;
        if self.nesting >= LIMIT && !self.open.insert(obj.as_ptr() as usize) {
            self.nesting -= 1;
            return Err(PyValueError::new_err(format!(
                "fast mode: can't pickle cyclic objects including object type {} at {:p}",
                tp_name(type_of(obj)),
                obj.as_ptr()
            )));
        }
        Ok(())
    }

    pub fn leave(&mut self, obj: &Bound<'_, PyAny>) {
        if self.nesting >= LIMIT {
            self.open.remove(&(obj.as_ptr() as usize));
        }
        self.nesting -= 1;
    }
}
