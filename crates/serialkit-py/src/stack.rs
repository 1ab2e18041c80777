//! Guarding the native stack while walking nested data.
//!
//! The interpreter's recursion limit decides how deep nesting may go, as it
//! does for the standard library. But the limit can be raised beyond what
//! the thread's stack holds, and then the standard library crashes where
//! serialkit must not. So every level also checks the stack that is left.

use pyo3::exceptions::PyRecursionError;
use pyo3::{ffi, PyErr, PyResult, Python};
use std::ffi::CStr;

/// Room kept free below the current frame: enough for what one level calls
/// (hooks, `default`, CPython's allocator), yet small enough that threads
/// started with a small `threading.stack_size` can still load documents.
const MARGIN_BYTES: usize = 64 * 1024;

/// Fails with the interpreter's RecursionError when the native stack is
/// nearly used up. `context` completes the message as CPython's does.
pub fn ensure_room(context: &CStr) -> PyResult<()> {
    match stacker::remaining_stack() {
        Some(left) if left < MARGIN_BYTES => Err(PyRecursionError::new_err(format!(
            "maximum recursion depth exceeded{}",
            context.to_string_lossy()
        ))),
        _ => Ok(()),
    }
}

/// How often the native stack is measured: every this many levels. Reading
/// the stack limit is a thread-local lookup, measurable when paid per
/// container; 16 levels take a few kilobytes, far below the margin.
const CHECK_EVERY: usize = 16; // a power of two

/// Counts one walk's nesting: the interpreter's recursion limit at every
/// level, as CPython's json does, and the native stack every few levels.
#[derive(Default)]
pub struct Nesting {
    depth: usize,
}

impl Nesting {
    /// Enters one level. Callers pair a success with [`Nesting::leave`].
    pub fn enter(&mut self, py: Python<'_>, context: &'static CStr) -> PyResult<()> {
        if self.depth & (CHECK_EVERY - 1) == 0 {
            ensure_room(context)?;
        }
        // SAFETY: a plain C API call with a static C string, GIL held
        // (`py`). On failure it sets RecursionError and needs no Leave.
        if unsafe { ffi::Py_EnterRecursiveCall(context.as_ptr()) } != 0 {
            return Err(PyErr::fetch(py));
        }
        self.depth += 1;
        Ok(())
    }

    /// Levels entered and not yet left.
    pub fn depth(&self) -> usize {
        self.depth
    }

    pub fn leave(&mut self) {
        self.depth -= 1;
        // SAFETY: pairs a successful Py_EnterRecursiveCall in `enter`.
        unsafe { ffi::Py_LeaveRecursiveCall() }
    }
}
