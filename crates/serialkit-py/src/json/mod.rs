//! `serialkit.json`'s native half: `loads`, `raw_decode` and `dumps`.

mod decode;
pub(crate) mod encode;
pub(crate) mod keys;
mod stdlib;

use crate::pystr::{str_utf8, str_wtf8, utf8_str};
use crate::pytypes::json_decode_error;
use decode::{Hooks, PySink};
use encode::EncodeOptions;
use pyo3::exceptions::{PyRecursionError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyString};
use serialkit::json::{ErrorCode, Failure, ParseError, ParseOptions};

pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(json_loads, module)?)?;
    module.add_function(wrap_pyfunction!(json_raw_decode, module)?)?;
    module.add_function(wrap_pyfunction!(json_dumps, module)?)?;
    Ok(())
}

/// The text to parse and the `str` that error messages quote.
struct Document<'py> {
    /// UTF-8, or WTF-8 when `wtf8` is set.
    bytes: DocumentBytes<'py>,
    wtf8: bool,
    /// The string the input was, or decodes to; built lazily for bytes
    /// input since only errors need it.
    text: Option<Bound<'py, PyAny>>,
}

enum DocumentBytes<'py> {
    BorrowedStr(Bound<'py, PyAny>),
    BorrowedBytes(Bound<'py, PyBytes>, usize),
    Owned(Vec<u8>),
}

impl<'py> Document<'py> {
    fn bytes(&self) -> &[u8] {
        match &self.bytes {
            DocumentBytes::BorrowedStr(text) => str_utf8(text).unwrap_or_default(),
            DocumentBytes::BorrowedBytes(bytes, skip) => &bytes.as_bytes()[*skip..],
            DocumentBytes::Owned(bytes) => bytes,
        }
    }

    fn text(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match &self.text {
            Some(text) => Ok(text.clone()),
            None => utf8_str(py, self.bytes(), self.wtf8),
        }
    }

    fn from_str(text: &Bound<'py, PyAny>) -> PyResult<Self> {
        if str_utf8(text).is_some() {
            return Ok(Document {
                bytes: DocumentBytes::BorrowedStr(text.clone()),
                wtf8: false,
                text: Some(text.clone()),
            });
        }
        Ok(Document {
            bytes: DocumentBytes::Owned(str_wtf8(text)?),
            wtf8: true,
            text: Some(text.clone()),
        })
    }

    /// Follows `json.loads`: the encoding is detected as
    /// `json.detect_encoding` does and undecodable input raises the codec's
    /// error. Plain UTF-8 is parsed in place; everything else is decoded
    /// by Python first.
    fn from_bytes(py: Python<'py>, data: &Bound<'py, PyAny>) -> PyResult<Self> {
        let (raw, bytes_object): (Vec<u8>, Option<Bound<'py, PyBytes>>) =
            match data.cast::<PyBytes>() {
                Ok(bytes) => (Vec::new(), Some(bytes.clone())),
                // A bytearray can change under a hook, so parse a copy.
                Err(_) => (data.cast::<PyByteArray>()?.to_vec(), None),
            };
        let view: &[u8] = match &bytes_object {
            Some(bytes) => bytes.as_bytes(),
            None => &raw,
        };
        let needs_python_decode = starts_like_utf16_or_32(view);
        let skip = if view.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        if !needs_python_decode && std::str::from_utf8(&view[skip..]).is_ok() {
            let bytes = match bytes_object {
                Some(bytes) => DocumentBytes::BorrowedBytes(bytes, skip),
                None => DocumentBytes::Owned(raw[skip..].to_vec()),
            };
            return Ok(Document {
                bytes,
                wtf8: false,
                text: None,
            });
        }
        let json = py.import("json")?;
        let encoding = json.getattr("detect_encoding")?.call1((data,))?;
        let text = data.call_method1("decode", (encoding, "surrogatepass"))?;
        Document::from_str(&text)
    }
}

/// `json.detect_encoding` picks a UTF-16/32 codec for these.
fn starts_like_utf16_or_32(data: &[u8]) -> bool {
    const BOMS: [&[u8]; 4] = [
        b"\xFF\xFE",
        b"\xFE\xFF",
        b"\x00\x00\xFE\xFF",
        b"\xFF\xFE\x00\x00",
    ];
    if BOMS.iter().any(|bom| data.starts_with(bom)) {
        return true;
    }
    match data {
        [a, b, _, _, ..] => *a == 0 || *b == 0,
        [a, b] => *a == 0 || *b == 0,
        _ => false,
    }
}

fn document<'py>(py: Python<'py>, s: &Bound<'py, PyAny>) -> PyResult<Document<'py>> {
    if s.is_instance_of::<PyString>() {
        let document = Document::from_str(s)?;
        if document.bytes().starts_with("\u{FEFF}".as_bytes()) {
            return Err(decode_error(
                py,
                "Unexpected UTF-8 BOM (decode using utf-8-sig)",
                s,
                0,
            ));
        }
        Ok(document)
    } else if s.is_instance_of::<PyBytes>() || s.is_instance_of::<PyByteArray>() {
        Document::from_bytes(py, s)
    } else {
        let name = s.getattr("__class__")?.getattr("__name__")?;
        Err(PyTypeError::new_err(format!(
            "the JSON object must be str, bytes or bytearray, not {name}"
        )))
    }
}

fn decode_error(py: Python<'_>, message: &str, doc: &Bound<'_, PyAny>, pos: usize) -> PyErr {
    match json_decode_error(py).and_then(|class| class.call1((message, doc, pos))) {
        Ok(error) => PyErr::from_value(error),
        Err(err) => err,
    }
}

/// Characters before a byte offset: what `JSONDecodeError.pos` counts.
fn char_offset(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| (b & 0xC0) != 0x80)
        .count()
}

/// The byte offset of character `index` (clamped to the end).
fn byte_offset(bytes: &[u8], index: usize) -> usize {
    let mut seen = 0;
    for (at, &byte) in bytes.iter().enumerate() {
        if (byte & 0xC0) != 0x80 {
            if seen == index {
                return at;
            }
            seen += 1;
        }
    }
    bytes.len()
}

fn failure_to_err(py: Python<'_>, failure: Failure<PyErr>, document: &Document<'_>) -> PyErr {
    match failure {
        Failure::Sink(err) => err,
        Failure::Syntax(ParseError {
            code: ErrorCode::DepthLimit,
            ..
        }) => PyRecursionError::new_err(
            "maximum recursion depth exceeded while decoding a JSON document",
        ),
        Failure::Syntax(ParseError { code, offset }) => match document.text(py) {
            Ok(text) => decode_error(
                py,
                code.message(),
                &text,
                char_offset(document.bytes(), offset),
            ),
            Err(err) => err,
        },
    }
}

fn none_if_builtin<'py>(
    hook: Option<Bound<'py, PyAny>>,
    builtin: *mut pyo3::ffi::PyTypeObject,
) -> Option<Bound<'py, PyAny>> {
    hook.filter(|hook| hook.as_ptr() != builtin.cast())
}

fn hooks<'py>(
    object_hook: Option<Bound<'py, PyAny>>,
    parse_float: Option<Bound<'py, PyAny>>,
    parse_int: Option<Bound<'py, PyAny>>,
    parse_constant: Option<Bound<'py, PyAny>>,
    object_pairs_hook: Option<Bound<'py, PyAny>>,
) -> Hooks<'py> {
    // Passing the builtins themselves means the default behaviour, which
    // the standard library special-cases the same way.
    Hooks {
        object_hook,
        object_pairs_hook,
        parse_float: none_if_builtin(parse_float, &raw mut pyo3::ffi::PyFloat_Type),
        parse_int: none_if_builtin(parse_int, &raw mut pyo3::ffi::PyLong_Type),
        parse_constant,
    }
}

/// Parses `document` from byte `start`: the whole rest of it when `prefix`
/// is false (as `loads`), or one value when it is true (as `raw_decode`),
/// returning the value and the byte offset just past what was read.
#[allow(clippy::too_many_arguments)]
fn decode<'py>(
    py: Python<'py>,
    document: &Document<'py>,
    start: usize,
    prefix: bool,
    object_hook: Option<Bound<'py, PyAny>>,
    parse_float: Option<Bound<'py, PyAny>>,
    parse_int: Option<Bound<'py, PyAny>>,
    parse_constant: Option<Bound<'py, PyAny>>,
    object_pairs_hook: Option<Bound<'py, PyAny>>,
    strict: bool,
) -> PyResult<(Bound<'py, PyAny>, usize)> {
    let hooks = hooks(
        object_hook,
        parse_float,
        parse_int,
        parse_constant,
        object_pairs_hook,
    );
    let mut sink = PySink::new(py, hooks);
    let stdlib = stdlib::StdlibJson::get(py)?;
    let options = ParseOptions {
        strict,
        // Depth is bounded by the interpreter's recursion limit and by the
        // stack that is left (see `crate::stack`), checked as containers open.
        max_depth: usize::MAX,
        wtf8: document.wtf8,
        trailing_comma_error: stdlib.trailing_comma_error,
        escape_may_end_input: stdlib.escape_may_end_input,
    };
    let bytes = document.bytes();
    let parsed = if prefix {
        serialkit::json::parse_prefix(bytes, start, &options, &mut sink)
    } else {
        serialkit::json::parse(bytes, &options, &mut sink).map(|value| (value, bytes.len()))
    };
    parsed.map_err(|failure| failure_to_err(py, failure, document))
}

#[pyfunction]
#[pyo3(signature = (s, *, object_hook=None, parse_float=None, parse_int=None, parse_constant=None, object_pairs_hook=None, strict=true))]
#[allow(clippy::too_many_arguments)]
fn json_loads<'py>(
    py: Python<'py>,
    s: &Bound<'py, PyAny>,
    object_hook: Option<Bound<'py, PyAny>>,
    parse_float: Option<Bound<'py, PyAny>>,
    parse_int: Option<Bound<'py, PyAny>>,
    parse_constant: Option<Bound<'py, PyAny>>,
    object_pairs_hook: Option<Bound<'py, PyAny>>,
    strict: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let document = document(py, s)?;
    let (value, _) = decode(
        py,
        &document,
        0,
        false,
        object_hook,
        parse_float,
        parse_int,
        parse_constant,
        object_pairs_hook,
        strict,
    )?;
    Ok(value)
}

/// `JSONDecoder.raw_decode`: one value starting at character `idx`, with
/// the character index just past it. No whitespace is skipped.
#[pyfunction]
#[pyo3(signature = (s, idx=0, *, object_hook=None, parse_float=None, parse_int=None, parse_constant=None, object_pairs_hook=None, strict=true))]
#[allow(clippy::too_many_arguments)]
fn json_raw_decode<'py>(
    py: Python<'py>,
    s: &Bound<'py, PyAny>,
    idx: isize,
    object_hook: Option<Bound<'py, PyAny>>,
    parse_float: Option<Bound<'py, PyAny>>,
    parse_int: Option<Bound<'py, PyAny>>,
    parse_constant: Option<Bound<'py, PyAny>>,
    object_pairs_hook: Option<Bound<'py, PyAny>>,
    strict: bool,
) -> PyResult<(Bound<'py, PyAny>, usize)> {
    if !s.is_instance_of::<PyString>() {
        let name = s.getattr("__class__")?.getattr("__name__")?;
        return Err(PyTypeError::new_err(format!(
            "first argument must be a string, not {name}"
        )));
    }
    let Ok(idx) = usize::try_from(idx) else {
        return Err(PyValueError::new_err("idx cannot be negative"));
    };
    if idx >= s.len()? {
        // Nothing to read there; CPython reports the index as given.
        return Err(decode_error(
            py,
            ErrorCode::ExpectingValue.message(),
            s,
            idx,
        ));
    }
    let document = Document::from_str(s)?;
    let start = byte_offset(document.bytes(), idx);
    let (value, end) = decode(
        py,
        &document,
        start,
        true,
        object_hook,
        parse_float,
        parse_int,
        parse_constant,
        object_pairs_hook,
        strict,
    )?;
    Ok((value, char_offset(document.bytes(), end)))
}

/// A layout string (indent or separator) as WTF-8, and whether it holds
/// lone surrogates, which Python allows there.
fn layout_bytes(text: &Bound<'_, PyString>) -> PyResult<(Vec<u8>, bool)> {
    let text = text.as_any();
    match str_utf8(text) {
        Some(utf8) => Ok((utf8.to_vec(), false)),
        None => Ok((str_wtf8(text)?, true)),
    }
}

#[pyfunction]
#[pyo3(signature = (obj, *, skipkeys=false, ensure_ascii=true, check_circular=true, allow_nan=true, indent=None, item_separator=None, key_separator=None, default=None, sort_keys=false, extra_types=true))]
#[allow(clippy::too_many_arguments)]
fn json_dumps<'py>(
    py: Python<'py>,
    obj: &Bound<'py, PyAny>,
    skipkeys: bool,
    ensure_ascii: bool,
    check_circular: bool,
    allow_nan: bool,
    indent: Option<Bound<'py, PyString>>,
    item_separator: Option<Bound<'py, PyString>>,
    key_separator: Option<Bound<'py, PyString>>,
    default: Option<Bound<'py, PyAny>>,
    sort_keys: bool,
    extra_types: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let mut layout_surrogates = false;
    let mut layout = |text: Option<Bound<'py, PyString>>, fallback: &str| -> PyResult<Vec<u8>> {
        match text {
            Some(text) => {
                let (bytes, surrogates) = layout_bytes(&text)?;
                layout_surrogates |= surrogates;
                Ok(bytes)
            }
            None => Ok(fallback.as_bytes().to_vec()),
        }
    };
    let pretty = indent.is_some();
    let stdlib = stdlib::StdlibJson::get(py)?;
    let python_encoder = pretty && !stdlib.c_encoder_indents;
    let indent = match indent {
        Some(indent) => Some(layout(Some(indent), "")?),
        None => None,
    };
    let item_separator = layout(item_separator, if pretty { "," } else { ", " })?;
    let key_separator = layout(key_separator, ": ")?;
    let options = EncodeOptions {
        skipkeys,
        ensure_ascii,
        check_circular,
        allow_nan,
        sort_keys,
        extra_types,
        indent,
        item_separator,
        key_separator,
        layout_surrogates,
        default: default.filter(|d| !d.is_none()),
        python_encoder,
        live_dict_walk: !python_encoder && stdlib.c_encoder_walks_live,
        name_non_finite: python_encoder || stdlib.c_names_non_finite,
        notes: stdlib.notes,
        empty_when_all_skipped: stdlib.empty_when_all_skipped,
    };
    encode::encode(py, obj, &options)
}
