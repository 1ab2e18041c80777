//! `serialkit.xml`'s native half: `xml_parse` (xmltodict's `parse`) and
//! `xml_unparse` (its `unparse`).

mod handler;
mod input;
mod unparse;
mod values;

use crate::gc::GcPause;
use handler::{Handler, Settings};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use serialkit::xml::{
    Failure, ReadOptions, SliceSource, StreamSource, VersionRule, XmlError, XmlErrorKind,
};
use serialkit::{Limits, Position};

pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(xml_parse, module)?)?;
    module.add_function(wrap_pyfunction!(unparse::xml_unparse, module)?)?;
    Ok(())
}

/// The Python exception for a reader error, built by
/// `serialkit.xml._error` so the classes stay defined in Python.
pub(crate) fn to_pyerr(py: Python<'_>, err: XmlError) -> PyErr {
    let kind = match &err.kind {
        XmlErrorKind::Syntax(_) | XmlErrorKind::Unsupported(_) => "syntax",
        XmlErrorKind::Limit { .. } => "limit",
        XmlErrorKind::EntitiesForbidden(_) => "entities",
        XmlErrorKind::ExternalReferenceForbidden(_) => "external",
        XmlErrorKind::DtdForbidden => "dtd",
        XmlErrorKind::Io(_) => "io",
    };
    let (line, column) = match err.position {
        Some(Position::Text { line, column, .. }) => (line, column),
        Some(Position::Offset(offset)) => (1, offset + 1),
        None => (1, 1),
    };
    let built = py
        .import("serialkit.xml")
        .and_then(|module| module.getattr("_error"))
        .and_then(|make| make.call1((kind, err.message(), line, column)));
    match built {
        Ok(error) => PyErr::from_value(error),
        Err(err) => err,
    }
}

fn failure_to_pyerr(py: Python<'_>, failure: Failure<PyErr>) -> PyErr {
    match failure {
        Failure::Sink(err) => err,
        Failure::Xml(err) => to_pyerr(py, err),
    }
}

/// Parses `data` (str, or bytes in any encoding expat knows or Python
/// can decode), or streams from `stream` (a file object, after the bytes
/// of `data` already read from it), into xmltodict's shape.
#[pyfunction]
#[pyo3(signature = (
    data, *, stream=None, encoding=None, process_namespaces=false,
    namespace_separator=":".to_owned(), disable_entities=true, forbid_dtd=false,
    forbid_external=true, process_comments=false, max_depth=None, max_size=None,
    max_expansion=None, item_depth=0, item_callback=None, xml_attribs=true,
    attr_prefix="@".to_owned(), cdata_key=None, force_cdata=None,
    cdata_separator=String::new(), postprocessor=None, dict_constructor=None,
    strip_whitespace=true, namespaces=None, force_list=None, comment_key=None,
    interrupted=None, versions="1.x"
))]
#[allow(clippy::too_many_arguments)]
fn xml_parse<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    stream: Option<Bound<'py, PyAny>>,
    encoding: Option<String>,
    process_namespaces: bool,
    namespace_separator: String,
    disable_entities: bool,
    forbid_dtd: bool,
    forbid_external: bool,
    process_comments: bool,
    max_depth: Option<usize>,
    max_size: Option<usize>,
    max_expansion: Option<usize>,
    item_depth: usize,
    item_callback: Option<Bound<'py, PyAny>>,
    xml_attribs: bool,
    attr_prefix: String,
    cdata_key: Option<Bound<'py, PyAny>>,
    force_cdata: Option<Bound<'py, PyAny>>,
    cdata_separator: String,
    postprocessor: Option<Bound<'py, PyAny>>,
    dict_constructor: Option<Bound<'py, PyAny>>,
    strip_whitespace: bool,
    namespaces: Option<Bound<'py, PyAny>>,
    force_list: Option<Bound<'py, PyAny>>,
    comment_key: Option<Bound<'py, PyAny>>,
    interrupted: Option<Bound<'py, PyAny>>,
    versions: &str,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let versions = match versions {
        "any" => VersionRule::Any,
        "non-empty" => VersionRule::NonEmpty,
        "1.x" => VersionRule::VersionNum,
        other => {
            return Err(PyValueError::new_err(format!(
                "versions must be 'any', 'non-empty' or '1.x', not {other:?}"
            )))
        }
    };
    let defaults = Limits::default();
    let options = ReadOptions {
        process_namespaces,
        namespace_separator: namespace_separator.clone(),
        disable_entities,
        forbid_dtd,
        forbid_external,
        process_comments,
        versions,
        limits: Limits {
            max_depth: max_depth.unwrap_or(defaults.max_depth),
            max_input_bytes: max_size.unwrap_or(defaults.max_input_bytes),
            max_expansion: max_expansion.unwrap_or(defaults.max_expansion),
        },
    };
    let text = |value: Option<Bound<'py, PyAny>>, default: &str| {
        value.unwrap_or_else(|| pyo3::types::PyString::new(py, default).into_any())
    };
    let settings = Settings {
        item_depth,
        item_callback,
        xml_attribs,
        attr_prefix,
        cdata_key: text(cdata_key, "#text"),
        force_cdata,
        cdata_separator,
        postprocessor,
        dict_constructor,
        strip_whitespace,
        namespace_separator,
        namespaces,
        force_list,
        comment_key: text(comment_key, "#comment"),
        interrupted: match interrupted {
            Some(class) => class,
            None => py.get_type::<pyo3::exceptions::PyRuntimeError>().into_any(),
        },
    };
    // Python callbacks may make garbage of their own (a stream may call
    // one millions of times), which the collector must be free to reclaim.
    let calls_python = settings.item_callback.is_some()
        || settings.postprocessor.is_some()
        || settings.dict_constructor.is_some()
        || settings.force_list.is_some()
        || settings.force_cdata.is_some()
        || settings.namespaces.is_some();
    let mut handler = Handler::new(py, settings)?;
    let _paused = (!calls_python).then(|| GcPause::new(py));
    let parsed = match stream {
        Some(file) => {
            let prefix = input::stream_prefix(py, data, encoding.as_deref())?;
            let raised = std::rc::Rc::new(std::cell::RefCell::new(None));
            let reader = std::io::BufReader::with_capacity(
                1 << 16,
                input::PyReader::new(file, prefix, raised.clone()),
            );
            let mut source = StreamSource::new(reader);
            let parsed = serialkit::xml::parse(&mut source, &options, &mut handler);
            if let Some(err) = raised.borrow_mut().take() {
                return Err(err);
            }
            parsed
        }
        None => {
            let document = input::Document::new(py, data, encoding.as_deref())?;
            let bytes = document.bytes();
            if bytes.len() > options.limits.max_input_bytes {
                return Err(to_pyerr(
                    py,
                    XmlError::limit("input size in bytes", options.limits.max_input_bytes),
                ));
            }
            let mut source = match document.known_text() {
                Some(text) => SliceSource::from_text(text),
                None => SliceSource::new(bytes),
            };
            serialkit::xml::parse(&mut source, &options, &mut handler)
        }
    };
    match parsed {
        Ok(()) => Ok(handler.finish()),
        Err(failure) => Err(failure_to_pyerr(py, failure)),
    }
}
