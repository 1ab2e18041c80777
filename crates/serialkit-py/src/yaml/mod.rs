//! `serialkit.yaml`'s native half: `yaml_load` and `yaml_dump`.

mod build;
mod dump;

use crate::pystr::str_utf8;
use build::{BuildError, PyBuilder};
use dump::{DumpOptions, Dumper};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyList, PyString};
use serialkit::yaml::emit::{EmitOptions, Style};
use serialkit::yaml::{DuplicateKeys, LoadOptions, Quoting, Schema};
use serialkit::{ErrorKind, Limits, Position};
use std::collections::HashSet;

pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(yaml_load, module)?)?;
    module.add_function(wrap_pyfunction!(yaml_dump, module)?)?;
    Ok(())
}

/// Raises `serialkit.yaml.<class_name>(message, line, column)`.
fn yaml_error(py: Python<'_>, class_name: &str, message: String, at: Option<Position>) -> PyErr {
    let (line, column) = match at {
        Some(Position::Text { line, column, .. }) => (Some(line), Some(column)),
        _ => (None, None),
    };
    let class = match py
        .import("serialkit.yaml")
        .and_then(|module| module.getattr(class_name))
    {
        Ok(class) => class,
        Err(err) => return err,
    };
    match class.call1((message, line, column)) {
        Ok(instance) => PyErr::from_value(instance),
        Err(err) => err,
    }
}

fn convert_error(py: Python<'_>, err: BuildError) -> PyErr {
    match err {
        BuildError::Python(err) => err,
        BuildError::Constructor(message, at) => {
            yaml_error(py, "ConstructorError", message, Some(at))
        }
        BuildError::Yaml(err) => {
            let class = match err.kind() {
                ErrorKind::Limit { .. } => "LimitError",
                ErrorKind::Syntax(_) => "ParserError",
                _ => "ConstructorError",
            };
            yaml_error(py, class, err.kind().to_string(), err.position())
        }
    }
}

/// A lone surrogate in a `str`, reported as PyYAML's reader reports it.
fn surrogate_error(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyErr {
    let wtf8 = match data.call_method1("encode", ("utf-8", "surrogatepass")) {
        Ok(bytes) => bytes,
        Err(err) => return err,
    };
    let bytes = wtf8
        .cast::<PyBytes>()
        .map(|b| b.as_bytes())
        .unwrap_or_default();
    // A surrogate is ED A0..BF xx in WTF-8.
    let at = bytes
        .windows(2)
        .position(|pair| pair[0] == 0xED && pair[1] >= 0xA0)
        .unwrap_or(0);
    let code = bytes.get(at..at + 3).map_or(0xD800, |b| {
        0xD000 | (u32::from(b[1] & 0x3F) << 6) | u32::from(b[2] & 0x3F)
    });
    let before = &bytes[..at];
    let index = before.iter().filter(|&&b| (b & 0xC0) != 0x80).count();
    let at = Position::in_text(before, at);
    let error = yaml_error(
        py,
        "ReaderError",
        format!("unacceptable character #x{code:04x}: special characters are not allowed"),
        Some(at),
    );
    match error.value(py).setattr("position", index) {
        Ok(()) => error,
        Err(err) => err,
    }
}

/// Loads a stream: the list of its documents with `all`, else the one
/// document (`None` for an empty stream; a second document is an error).
#[pyfunction]
#[pyo3(signature = (data, *, schema="core", all=false, allow_duplicate_keys=false, allow=HashSet::new(), max_depth=Limits::DEFAULT_MAX_DEPTH, max_size=Limits::DEFAULT_MAX_INPUT_BYTES, max_expansion=Limits::DEFAULT_MAX_EXPANSION, python_tags=true))]
#[allow(clippy::too_many_arguments)]
fn yaml_load<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    schema: &str,
    all: bool,
    allow_duplicate_keys: bool,
    allow: HashSet<String>,
    max_depth: usize,
    max_size: usize,
    max_expansion: usize,
    python_tags: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let schema = match schema {
        "core" | "yaml12" => Schema::Core,
        "yaml11" => Schema::Yaml11,
        other => {
            return Err(PyValueError::new_err(format!(
                "schema must be 'core' or 'yaml11', not {other:?}"
            )))
        }
    };
    let options = LoadOptions {
        schema,
        duplicate_keys: if allow_duplicate_keys {
            DuplicateKeys::LastWins
        } else {
            DuplicateKeys::Error
        },
        limits: Limits {
            max_depth,
            max_input_bytes: max_size,
            max_expansion,
        },
    };
    let owned_bytes;
    let text: &str = if data.is_instance_of::<PyString>() {
        let bytes = str_utf8(data).ok_or_else(|| surrogate_error(py, data))?;
        // SAFETY: `str_utf8` succeeds only with CPython's UTF-8 form of a
        // str without lone surrogates, which is valid UTF-8.
        unsafe { std::str::from_utf8_unchecked(bytes) }
    } else {
        let bytes: &[u8] = if let Ok(bytes) = data.cast::<PyBytes>() {
            bytes.as_bytes()
        } else if let Ok(array) = data.cast::<PyByteArray>() {
            owned_bytes = array.to_vec();
            &owned_bytes
        } else {
            return Err(PyTypeError::new_err(format!(
                "expected str, bytes or a file, not {}",
                data.get_type().name()?
            )));
        };
        serialkit::yaml::input_text(bytes)
            .map_err(|err| yaml_error(py, "ReaderError", err.kind().to_string(), err.position()))?
    };
    serialkit::yaml::check_characters(text).map_err(|err| {
        let at = err.position();
        let error = yaml_error(py, "ReaderError", err.kind().to_string(), at);
        // PyYAML's ReaderError gives the character's index in the stream.
        let offset = at.map_or(0, |at| at.offset());
        let index = text
            .get(..offset)
            .map_or(0, |before| before.chars().count());
        match error.value(py).setattr("position", index) {
            Ok(()) => error,
            Err(err) => err,
        }
    })?;
    let mut builder = PyBuilder::new(py, allow, python_tags);
    let documents = serialkit::yaml::compose(text, &options, &mut builder, !all)
        .map_err(|err| convert_error(py, err))?;
    if all {
        return Ok(PyList::new(py, documents)?.into_any());
    }
    Ok(documents
        .into_iter()
        .next()
        .unwrap_or_else(|| py.None().into_bound(py)))
}

/// PyYAML's `default_style`: no style (None or empty), a quote, or a
/// block indicator; anything else ends up double-quoted, as there.
fn scalar_style(style: Option<&str>) -> Style {
    match style {
        None | Some("") => Style::Any,
        Some("'") => Style::SingleQuoted,
        Some("|") => Style::Literal,
        Some(">") => Style::Folded,
        Some(_) => Style::DoubleQuoted,
    }
}

/// Writes documents as one stream and returns the text.
#[pyfunction]
#[pyo3(signature = (documents, *, indent=2, width=80, sort_keys=false, default_flow_style=Some(false), explicit_start=false, allow_unicode=true, compat=false, explicit_end=false, canonical=false, default_style=None, line_break=None, directives=Vec::new(), tag_prefixes=Vec::new()))]
#[allow(clippy::too_many_arguments)]
fn yaml_dump<'py>(
    py: Python<'py>,
    documents: &Bound<'py, PyAny>,
    indent: usize,
    width: usize,
    sort_keys: bool,
    default_flow_style: Option<bool>,
    explicit_start: bool,
    allow_unicode: bool,
    compat: bool,
    explicit_end: bool,
    canonical: bool,
    default_style: Option<String>,
    line_break: Option<String>,
    directives: Vec<String>,
    tag_prefixes: Vec<(String, String)>,
) -> PyResult<String> {
    let options = DumpOptions {
        emit: EmitOptions {
            indent,
            width,
            allow_unicode,
            explicit_start,
            pyyaml_quirks: compat,
            canonical,
            explicit_end,
            line_break: line_break.unwrap_or_else(|| "\n".into()),
            default_style: scalar_style(default_style.as_deref()),
            directives,
            tag_prefixes,
        },
        sort_keys,
        flow: default_flow_style,
        quoting: if compat {
            Quoting::Yaml11
        } else {
            Quoting::BothSchemas
        },
        extra_types: !compat,
    };
    let mut dumper = Dumper::new(py, options);
    for document in documents.try_iter()? {
        dumper.document(&document?)?;
    }
    Ok(dumper.emitter.finish())
}
