//! Python classes looked up once and kept, so hot paths compare pointers
//! instead of importing.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

/// Classes the JSON encoder writes natively beyond what `json` supports.
pub struct ExtraTypes {
    pub enum_: Py<PyAny>,
    pub datetime: Py<PyAny>,
    pub date: Py<PyAny>,
    pub time: Py<PyAny>,
    pub uuid: Py<PyAny>,
    pub decimal: Py<PyAny>,
}

static EXTRA_TYPES: PyOnceLock<ExtraTypes> = PyOnceLock::new();

impl ExtraTypes {
    pub fn get(py: Python<'_>) -> PyResult<&ExtraTypes> {
        EXTRA_TYPES.get_or_try_init(py, || {
            let datetime = py.import("datetime")?;
            Ok(ExtraTypes {
                enum_: py.import("enum")?.getattr("Enum")?.unbind(),
                datetime: datetime.getattr("datetime")?.unbind(),
                date: datetime.getattr("date")?.unbind(),
                time: datetime.getattr("time")?.unbind(),
                uuid: py.import("uuid")?.getattr("UUID")?.unbind(),
                decimal: py.import("decimal")?.getattr("Decimal")?.unbind(),
            })
        })
    }
}

static PACKAGE_ATTRS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// `serialkit.json.JSONDecodeError`, defined in Python so that it can
/// subclass the standard library's exception.
pub fn json_decode_error(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    PACKAGE_ATTRS
        .get_or_try_init(py, || {
            Ok::<_, PyErr>(
                py.import("serialkit.json")?
                    .getattr("JSONDecodeError")?
                    .unbind(),
            )
        })
        .map(|class| class.bind(py))
}

/// An exception class of `serialkit.pickle` (defined in Python so that they
/// subclass the standard library's).
pub fn pickle_class<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("serialkit.pickle")?.getattr(name)
}
