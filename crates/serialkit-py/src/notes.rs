//! Notes on exceptions (`BaseException.add_note`), which CPython's own
//! encoders use from 3.14 to say where in a document an error happened.

use pyo3::prelude::*;

/// `error` with `note` added (`BaseException.add_note`), or the error that
/// adding it raised.
#[cold]
#[inline(never)]
pub fn with_note(py: Python<'_>, error: PyErr, note: String) -> PyErr {
    match error
        .value(py)
        .call_method1(pyo3::intern!(py, "add_note"), (note,))
    {
        Ok(_) => error,
        Err(other) => other,
    }
}
