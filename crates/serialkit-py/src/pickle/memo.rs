//! `Unpickler.memo`: the memo an unpickler keeps from one `load` to the
//! next, as CPython's does, readable and settable from Python.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyInt};
use serialkit::pickle::MemoTable;

#[pyclass(module = "serialkit._native", name = "UnpicklerMemo")]
#[derive(Default)]
pub struct UnpicklerMemo {
    pub table: MemoTable<Py<PyAny>>,
}

#[pymethods]
impl UnpicklerMemo {
    #[new]
    fn new() -> Self {
        Self::default()
    }

    fn __len__(&self) -> usize {
        self.table.len()
    }

    /// `{index: object}`, as `UnpicklerMemoProxy.copy()` returns it.
    fn copy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let copy = PyDict::new(py);
        for (key, value) in self.table.entries() {
            copy.set_item(key, value.bind(py))?;
        }
        Ok(copy)
    }

    fn clear(&mut self) {
        self.table.clear();
    }

    /// Replaces every entry with those of `entries` (`{index: object}`),
    /// checked as CPython's `Unpickler.memo` setter checks them; on an
    /// error the memo is left as it was.
    fn replace(&mut self, entries: &Bound<'_, PyDict>) -> PyResult<()> {
        let mut table = MemoTable::new();
        for (key, value) in entries.iter() {
            if !key.is_instance_of::<PyInt>() {
                return Err(PyTypeError::new_err("memo key must be integers"));
            }
            let index: i64 = key.extract()?;
            let index = u64::try_from(index)
                .map_err(|_| PyValueError::new_err("memo key must be positive integers."))?;
            table.insert(index, value.unbind());
        }
        self.table = table;
        Ok(())
    }
}
