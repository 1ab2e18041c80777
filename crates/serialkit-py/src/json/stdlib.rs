//! What the running interpreter's `json` does where CPython versions
//! differ. Each point is probed once, by asking the standard library
//! itself, so that serialkit follows whichever version it runs in
//! (including patch releases that backport a change).

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList};

pub struct StdlibJson {
    /// A comma before `]` or `}` is reported as an illegal trailing comma,
    /// at the comma (3.13 and later).
    pub trailing_comma_error: bool,
    /// A `\uXXXX` escape may end the input (3.14 and later; before, one
    /// more character was wanted and the escape was called invalid).
    pub escape_may_end_input: bool,
    /// `dumps` with an indent runs the C encoder, with its wording, rather
    /// than the pure-Python one (3.13 and later).
    pub c_encoder_indents: bool,
    /// The C encoder names the non-finite float it rejects (3.12 and later).
    pub c_names_non_finite: bool,
    /// The encoder adds "when serializing ..." notes to errors, naming
    /// where in the document they happened (3.14 and later).
    pub notes: bool,
    /// The C encoder walks an exact dict in place (PyDict_Next), so a
    /// `default` that changes the dict is seen; before 3.12 it walked a
    /// snapshot of the items.
    pub c_encoder_walks_live: bool,
    /// With an indent, a dict whose keys `skipkeys` all dropped is `{}`
    /// rather than an empty indented block (3.14 and later).
    pub empty_when_all_skipped: bool,
}

static STDLIB_JSON: PyOnceLock<StdlibJson> = PyOnceLock::new();

impl StdlibJson {
    pub fn get(py: Python<'_>) -> PyResult<&StdlibJson> {
        STDLIB_JSON.get_or_try_init(py, || probe(py))
    }
}

/// The message of the exception `call` raises, with the exception.
fn failure<'py>(
    py: Python<'py>,
    call: impl FnOnce() -> PyResult<Bound<'py, PyAny>>,
) -> Option<(String, Bound<'py, PyAny>)> {
    let error = call().err()?;
    let value = error.into_value(py).into_bound(py).into_any();
    let message = value.str().map(|s| s.to_string()).unwrap_or_default();
    Some((message, value))
}

fn probe(py: Python<'_>) -> PyResult<StdlibJson> {
    let json = py.import("json")?;
    let loads = json.getattr("loads")?;
    let dumps = json.getattr("dumps")?;

    let trailing_comma_error = failure(py, || loads.call1(("[0,]",)))
        .is_some_and(|(message, _)| message.starts_with("Illegal trailing comma"));

    // The C encoder names a key's type by tp_name ("datetime.date"), the
    // Python one by __name__ ("date").
    let date = py
        .import("datetime")?
        .getattr("date")?
        .call1((2000, 1, 1))?;
    let bad_key = PyDict::new(py);
    bad_key.set_item(date, 0)?;
    let indent = PyDict::new(py);
    indent.set_item("indent", 1)?;
    let c_encoder_indents = failure(py, || dumps.call((&bad_key,), Some(&indent)))
        .is_some_and(|(message, _)| message.ends_with("datetime.date"));

    let strict = PyDict::new(py);
    strict.set_item("allow_nan", false)?;
    let c_names_non_finite = failure(py, || dumps.call((f64::INFINITY,), Some(&strict)))
        .is_some_and(|(message, _)| message.ends_with(": inf"));

    let unserializable = PyList::new(py, [py.import("builtins")?.getattr("object")?.call0()?])?;
    let notes = failure(py, || dumps.call1((unserializable,))).is_some_and(|(_, error)| {
        error
            .getattr("__notes__")
            .is_ok_and(|notes| notes.len().is_ok_and(|n| n > 0))
    });

    let skipped = PyDict::new(py);
    skipped.set_item(pyo3::types::PyTuple::empty(py), 0)?;
    let options = PyDict::new(py);
    options.set_item("indent", 1)?;
    options.set_item("skipkeys", true)?;
    let empty_when_all_skipped = dumps
        .call((skipped,), Some(&options))?
        .extract::<String>()?
        == "{}";

    let walked = PyDict::new(py);
    py.run(
        c"import json\nd = {'a': object(), 'b': 1}\nout = json.dumps(d, default=lambda o: d.update(b=2))",
        Some(&walked),
        None,
    )?;
    let c_encoder_walks_live = walked
        .get_item("out")?
        .is_some_and(|out| out.extract::<String>().is_ok_and(|out| out.ends_with("2}")));

    let escape_may_end_input = failure(py, || loads.call1(("\"\\u0041",)))
        .is_some_and(|(message, _)| message.starts_with("Unterminated"));

    Ok(StdlibJson {
        escape_may_end_input,
        empty_when_all_skipped,
        trailing_comma_error,
        c_encoder_indents,
        c_names_non_finite,
        c_encoder_walks_live,
        notes,
    })
}
