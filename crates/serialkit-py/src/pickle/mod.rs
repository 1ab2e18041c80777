//! `serialkit.pickle`'s native half: the safe loader and the pickler.

mod dump;
mod memo;
mod policy;
mod sink;

use crate::gc::GcPause;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyString};
use serialkit::pickle::{Failure, LoadOptions, MemoTable, StringEncoding};
use sink::{PySink, Trust};
use std::collections::HashSet;

pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(pickle_load, module)?)?;
    module.add_class::<memo::UnpicklerMemo>()?;
    module.add_function(wrap_pyfunction!(pickle_end, module)?)?;
    dump::register(module)?;
    let names: Vec<String> = policy::SAFE_GLOBALS
        .iter()
        .map(|(module, name, _)| format!("{module}.{name}"))
        .collect();
    module.add("PICKLE_SAFE_GLOBALS", names)?;
    Ok(())
}

static CHECKS: PyOnceLock<policy::Checks> = PyOnceLock::new();

/// Loads the pickle that starts at byte `start` of `data`, returning the
/// object and the offset just past its STOP. `allow` holds full dotted
/// names; `find_class` (an Unpickler subclass's override) replaces the
/// policy; `trusted` resolves anything, as `pickle.loads` does. `memo`,
/// an Unpickler's, starts the load and keeps what it stores.
/// Positional only: `loads` of a small pickle is mostly this call's
/// overhead, and matching keyword names is a good part of it.
#[pyfunction]
#[pyo3(signature = (data, start, allow, trusted, fix_imports, encoding, errors, buffers, persistent_load, find_class, memo, /))]
#[allow(clippy::too_many_arguments)]
fn pickle_load<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyBytes>,
    start: usize,
    allow: HashSet<String>,
    trusted: bool,
    fix_imports: bool,
    encoding: Bound<'py, PyString>,
    errors: Bound<'py, PyString>,
    buffers: Option<Bound<'py, PyAny>>,
    persistent_load: Option<Bound<'py, PyAny>>,
    find_class: Option<Bound<'py, PyAny>>,
    memo: Option<Bound<'py, memo::UnpicklerMemo>>,
) -> PyResult<(Bound<'py, PyAny>, usize)> {
    // Python decodes Python 2 strings, with the caller's codec and error
    // handler, so that results and errors (UnicodeDecodeError) are exactly
    // pickle.loads'. Such strings are rare, so this costs little.
    let name = encoding.to_str()?;
    let bytes = name != "ASCII" && StringEncoding::from_name(name) == Some(StringEncoding::Bytes);
    let (encoding, python2_codec) = match bytes {
        true => (StringEncoding::Bytes, None),
        false => (StringEncoding::Delegated, Some((encoding, errors))),
    };
    let options = LoadOptions {
        fix_imports,
        encoding,
        ..LoadOptions::default()
    };
    let trust = match (find_class, trusted) {
        (Some(find_class), _) => Trust::FindClass(find_class.unbind()),
        (None, true) => Trust::Everything,
        (None, false) => Trust::Allowlist(allow),
    };
    let buffers = match buffers {
        Some(buffers) => Some(buffers.try_iter()?.into_any()),
        None => None,
    };
    let mut sink = PySink {
        py,
        trust,
        checks: CHECKS.get_or_try_init(py, || policy::Checks::new(py))?,
        persistent_load,
        buffers,
        python2_codec,
        newobj_checks: Default::default(),
        gc: GcPause::new(py),
    };
    let loaded = match memo {
        None => serialkit::pickle::load(data.as_bytes(), start, &options, &mut sink),
        Some(memo) => {
            // Taken out for the load, so that Python code the load runs
            // (find_class, __setstate__) cannot borrow it meanwhile.
            let kept = std::mem::take(&mut memo.borrow_mut().table);
            let mut table = kept.map(|handle| handle.into_bound(py));
            let loaded = serialkit::pickle::load_with_memo(
                data.as_bytes(),
                start,
                &options,
                &mut sink,
                &mut table,
            );
            let table: MemoTable<Py<PyAny>> = table.map(Bound::unbind);
            memo.borrow_mut().table = table;
            loaded
        }
    };
    loaded.map_err(|failure| match failure {
        Failure::Pickle(error) => unpickling_error(py, error.to_string()),
        Failure::Sink {
            error,
            offset,
            opcode,
        } => {
            let note = format!("while loading {opcode} at byte {offset} of the pickle");
            crate::notes::with_note(py, error, note)
        }
    })
}

/// Where the pickle that starts at `start` of `data` ends, if `data` holds
/// all of it and it is well formed (see `serialkit::pickle::pickle_end`);
/// nothing is built or called. `memo` is the one the load will use.
#[pyfunction]
#[pyo3(signature = (data, start, memo, /))]
fn pickle_end(
    data: &[u8],
    start: usize,
    memo: Option<Bound<'_, memo::UnpicklerMemo>>,
) -> Option<usize> {
    let mut shape = match memo {
        Some(memo) => memo.borrow().table.shape(),
        None => MemoTable::new(),
    };
    serialkit::pickle::pickle_end(data, start, &LoadOptions::default(), &mut shape)
}

fn unpickling_error(py: Python<'_>, message: String) -> PyErr {
    match crate::pytypes::pickle_class(py, "UnpicklingError")
        .and_then(|class| class.call1((message,)))
    {
        Ok(error) => PyErr::from_value(error),
        Err(err) => err,
    }
}
