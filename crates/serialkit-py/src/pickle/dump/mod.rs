//! `pickle.dumps` in Rust: writes exactly the bytes CPython's C pickler
//! writes, walking Python objects directly. `serialkit._pickler` wraps
//! these in the `pickle` module's signatures.

mod fast;
mod global;
mod memo;
mod reduce;
mod save;
mod state;
mod writer;

use memo::Memo;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use save::{Hooks, Pickler};
use writer::Writer;

const HIGHEST_PROTOCOL: i32 = 5;

/// The protocol as `pickle.Pickler` resolves it: None is the running
/// interpreter's default (4, or 5 from Python 3.14), negative numbers the
/// highest.
fn resolve_protocol(py: Python<'_>, protocol: Option<&Bound<'_, PyAny>>) -> PyResult<u8> {
    let proto = match protocol {
        None => i32::from(state::State::get(py)?.default_protocol),
        Some(protocol) => protocol.extract::<i32>()?,
    };
    if proto < 0 {
        Ok(HIGHEST_PROTOCOL as u8)
    } else if proto > HIGHEST_PROTOCOL {
        Err(PyValueError::new_err(format!(
            "pickle protocol must be <= {HIGHEST_PROTOCOL}"
        )))
    } else {
        Ok(proto as u8)
    }
}

fn check_buffer_callback(proto: u8, buffer_callback: &Option<Bound<'_, PyAny>>) -> PyResult<()> {
    if buffer_callback.is_some() && proto < 5 {
        return Err(PyValueError::new_err("buffer_callback needs protocol >= 5"));
    }
    Ok(())
}

fn none_to_option(object: Option<Bound<'_, PyAny>>) -> Option<Bound<'_, PyAny>> {
    object.filter(|object| !object.is_none())
}

/// `pickle.dumps(obj, protocol, fix_imports=..., buffer_callback=...)`.
#[pyfunction]
#[pyo3(signature = (obj, protocol=None, *, fix_imports=None, buffer_callback=None))]
fn pickle_dumps<'py>(
    py: Python<'py>,
    obj: &Bound<'py, PyAny>,
    protocol: Option<&Bound<'py, PyAny>>,
    fix_imports: Option<&Bound<'py, PyAny>>,
    buffer_callback: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let proto = resolve_protocol(py, protocol)?;
    let fix_imports = fix_imports.map_or(Ok(true), |fix| fix.is_truthy())?;
    let buffer_callback = none_to_option(buffer_callback);
    check_buffer_callback(proto, &buffer_callback)?;
    let mut memo = Memo::take_spare();
    let hooks = Hooks {
        buffer_callback,
        ..Hooks::default()
    };
    let mut pickler = Pickler::new(py, proto, fix_imports, Writer::new(None), &mut memo, hooks)?;
    let result = pickler.dump(obj);
    let out = pickler.out.finish(py);
    memo.give_back();
    result?;
    Ok(out)
}

/// The state of a `serialkit._pickler.Pickler`: its settings and the memo,
/// which lasts from one `dump` to the next until `clear_memo`.
#[pyclass(module = "serialkit._native", name = "PicklerCore")]
struct PicklerCore {
    proto: u8,
    fix_imports: bool,
    buffer_callback: Option<Py<PyAny>>,
    memo: Memo,
}

#[pymethods]
impl PicklerCore {
    #[new]
    #[pyo3(signature = (protocol=None, fix_imports=None, buffer_callback=None))]
    fn new(
        py: Python<'_>,
        protocol: Option<&Bound<'_, PyAny>>,
        fix_imports: Option<&Bound<'_, PyAny>>,
        buffer_callback: Option<Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let proto = resolve_protocol(py, protocol)?;
        let fix_imports = fix_imports.map_or(Ok(true), |fix| fix.is_truthy())?;
        let buffer_callback = none_to_option(buffer_callback);
        check_buffer_callback(proto, &buffer_callback)?;
        Ok(PicklerCore {
            proto,
            fix_imports,
            buffer_callback: buffer_callback.map(Bound::unbind),
            memo: Memo::default(),
        })
    }

    #[getter]
    fn protocol(&self) -> u8 {
        self.proto
    }

    /// Pickles `obj`. With `write`, the pickle goes to it in pieces (a
    /// frame or a large payload at a time) and None is returned; without,
    /// the pickle is returned. The hooks are the Pickler's overrides;
    /// `has_dispatch_table` tells a `dispatch_table` set to None (which
    /// fails at the first lookup, as in CPython) from none at all.
    #[pyo3(signature = (
        obj, write=None, persistent_id=None, dispatch_table=None, reducer_override=None,
        has_dispatch_table=false,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn dump<'py>(
        &mut self,
        py: Python<'py>,
        obj: &Bound<'py, PyAny>,
        write: Option<Bound<'py, PyAny>>,
        persistent_id: Option<Bound<'py, PyAny>>,
        dispatch_table: Option<Bound<'py, PyAny>>,
        reducer_override: Option<Bound<'py, PyAny>>,
        has_dispatch_table: bool,
    ) -> PyResult<Option<Bound<'py, PyBytes>>> {
        let dispatch_table =
            has_dispatch_table.then(|| dispatch_table.unwrap_or_else(|| py.None().into_bound(py)));
        let hooks = Hooks {
            persistent_id: none_to_option(persistent_id),
            dispatch_table,
            reducer_override: none_to_option(reducer_override),
            buffer_callback: self.buffer_callback.as_ref().map(|cb| cb.bind(py).clone()),
        };
        let write = none_to_option(write);
        let streaming = write.is_some();
        let mut pickler = Pickler::new(
            py,
            self.proto,
            self.fix_imports,
            Writer::new(write),
            &mut self.memo,
            hooks,
        )?;
        pickler.dump(obj)?;
        if streaming {
            pickler.out.flush_to_file()?;
            Ok(None)
        } else {
            Ok(Some(pickler.out.finish(py)))
        }
    }

    fn clear_memo(&mut self) {
        self.memo.clear();
    }

    /// `Pickler.fast`: no memo, so nothing is shared.
    #[getter]
    fn fast(&self) -> bool {
        self.memo.fast
    }

    #[setter]
    fn set_fast(&mut self, fast: bool) {
        self.memo.fast = fast;
    }

    /// `Pickler.memo.copy()`.
    fn memo_copy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.memo.to_dict(py)
    }

    /// `Pickler.memo = entries`.
    fn set_memo(&mut self, entries: &Bound<'_, PyDict>) -> PyResult<()> {
        self.memo.replace_from(entries)
    }
}

/// Adds `pickle_dumps` and `PicklerCore` to `serialkit._native`.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(pickle_dumps, module)?)?;
    module.add_class::<PicklerCore>()?;
    Ok(())
}
