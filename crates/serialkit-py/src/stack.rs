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

/// Enters one level of nesting: the native stack check above, then the
/// interpreter's own recursion count. Callers pair a success with
/// [`leave`].
pub fn enter(py: Python<'_>, context: &'static CStr) -> PyResult<()> {
    ensure_room(context)?;
    // SAFETY: a plain C API call with a static C string, GIL held (`py`).
    // On failure it sets RecursionError and needs no matching Leave.
    if unsafe { ffi::Py_EnterRecursiveCall(context.as_ptr()) } != 0 {
        return Err(PyErr::fetch(py));
    }
    Ok(())
}

pub fn leave() {
    // SAFETY: callers pair this with a successful `enter`.
    unsafe { ffi::Py_LeaveRecursiveCall() }
}
