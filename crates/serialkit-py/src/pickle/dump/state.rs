//! Objects the pickler consults, looked up once as the C `_pickle` module
//! looks them up when it is imported.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString};

pub struct State {
    pub pickling_error: Py<PyAny>,
    /// `copyreg.dispatch_table`, used when the pickler has no table of its own.
    pub dispatch_table: Py<PyDict>,
    pub extension_registry: Py<PyDict>,
    /// `_compat_pickle`'s mappings from Python 3 names to Python 2 names.
    pub name_mapping_3to2: Py<PyDict>,
    pub import_mapping_3to2: Py<PyDict>,
    pub getattr: Py<PyAny>,
    pub partial: Py<PyAny>,
    pub codecs_encode: Py<PyAny>,
    pub pickle_buffer: Py<PyAny>,
    /// Interned, so that it is the very object CPython's pickler memoizes.
    pub latin1: Py<PyString>,
    pub sys: Py<PyAny>,
    pub compat: Compat,
    /// `pickle.DEFAULT_PROTOCOL`: 4, or 5 from Python 3.14.
    pub default_protocol: u8,
}

/// Where the C pickler of the running interpreter differs from 3.11's.
/// Keyed on the version: these are changes to `_pickle.c` that nothing
/// cheaper than a full pickle would reveal.
pub struct Compat {
    /// Protocols 0-3 write a nested name as `getattr(GLOBAL, 'name')`
    /// with the outer object named afresh, not memoized (3.13 and later).
    pub nested_by_name: bool,
    /// The 3.14 wording of errors about globals and reductions.
    pub wording_314: bool,
    /// 3.13's wording for a local object ("Can't get local object").
    pub local_get: bool,
    /// Errors get "when serializing ..." notes saying where they happened
    /// (3.14 and later).
    pub notes: bool,
    /// A list whose size changed while a batch of its items was saved
    /// raises RuntimeError. A patch-release change (3.14 and 3.15 from
    /// July 2026), so it is not told by the version: `serialkit._pickler`
    /// tries the running C pickler once.
    pub list_size_checked: bool,
}

impl Compat {
    fn of(version: (u8, u8), list_size_checked: bool) -> Compat {
        Compat {
            nested_by_name: version >= (3, 13),
            wording_314: version >= (3, 14),
            local_get: version == (3, 13),
            notes: version >= (3, 14),
            list_size_checked,
        }
    }
}

static STATE: PyOnceLock<State> = PyOnceLock::new();

impl State {
    pub fn get(py: Python<'_>) -> PyResult<&'static State> {
        STATE.get_or_try_init(py, || {
            let copyreg = py.import("copyreg")?;
            let compat = py.import("_compat_pickle")?;
            let pickle = py.import("pickle")?;
            let dict = |module: &Bound<'_, PyModule>, name: &str| -> PyResult<Py<PyDict>> {
                Ok(module.getattr(name)?.cast_into::<PyDict>()?.unbind())
            };
            Ok(State {
                // serialkit's subclass of pickle.PicklingError.
                pickling_error: py
                    .import("serialkit.pickle")?
                    .getattr("PicklingError")?
                    .unbind(),
                dispatch_table: dict(&copyreg, "dispatch_table")?,
                extension_registry: dict(&copyreg, "_extension_registry")?,
                name_mapping_3to2: dict(&compat, "REVERSE_NAME_MAPPING")?,
                import_mapping_3to2: dict(&compat, "REVERSE_IMPORT_MAPPING")?,
                getattr: py.import("builtins")?.getattr("getattr")?.unbind(),
                partial: py.import("functools")?.getattr("partial")?.unbind(),
                codecs_encode: py.import("codecs")?.getattr("encode")?.unbind(),
                pickle_buffer: pickle.getattr("PickleBuffer")?.unbind(),
                latin1: PyString::intern(py, "latin1").unbind(),
                sys: py.import("sys")?.into_any().unbind(),
                default_protocol: pickle.getattr("DEFAULT_PROTOCOL")?.extract()?,
                compat: {
                    let version = py.version_info();
                    let list_size_checked = py
                        .import("serialkit._pickler")?
                        .getattr("_C_PICKLER_CHECKS_LIST_SIZE")?
                        .extract()?;
                    Compat::of((version.major, version.minor), list_size_checked)
                },
            })
        })
    }

    pub fn pickling_error(&self, py: Python<'_>, message: String) -> PyErr {
        match self.pickling_error.bind(py).call1((message,)) {
            Ok(error) => PyErr::from_value(error),
            Err(error) => error,
        }
    }
}
