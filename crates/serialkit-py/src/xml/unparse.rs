//! xmltodict's `unparse`, in Rust: the same walk as its `_emit` over the
//! same Python objects, writing what `xml.sax.saxutils.XMLGenerator`
//! would write, into one string.

use super::values::{
    has_iter, is_bytes_like, text_of, validate_name, validate_name_or_empty, NameCache,
};
use crate::pytypes::ExtraTypes;
use crate::stack::Nesting;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serialkit::number::write_python_float_repr;
use serialkit::xml::escape::{escape_text, quote_attr};

const RECURSION_CONTEXT: &std::ffi::CStr = c" while unparsing XML";

struct Emitter<'py> {
    py: Python<'py>,
    out: String,
    pending_start: bool,
    short_empty_elements: bool,
    pretty: bool,
    newl: String,
    indent: String,
    attr_prefix: String,
    cdata_key: Bound<'py, PyAny>,
    comment_key: Bound<'py, PyAny>,
    preprocessor: Option<Bound<'py, PyAny>>,
    namespace_separator: String,
    namespaces: Option<Bound<'py, PyAny>>,
    expand_iter: Option<Bound<'py, PyAny>>,
    encoding: String,
    bytes_errors: String,
    extra_types: Option<&'py ExtraTypes>,
    is_dataclass: Option<Bound<'py, PyAny>>,
    names: NameCache<'py>,
    /// Each element's children are one level deeper: bounded by the
    /// interpreter's recursion limit and the native stack, so deep or
    /// cyclic input raises RecursionError (as xmltodict's recursion does)
    /// instead of overflowing the stack.
    nesting: Nesting,
}

impl<'py> Emitter<'py> {
    fn finish_pending(&mut self) {
        if self.pending_start {
            self.out.push('>');
            self.pending_start = false;
        }
    }

    fn whitespace(&mut self, text: &str) {
        if !text.is_empty() {
            self.finish_pending();
            self.out.push_str(text);
        }
    }

    fn indent_to(&mut self, depth: usize) {
        if self.pretty && !self.indent.is_empty() {
            self.finish_pending();
            for _ in 0..depth {
                self.out.push_str(&self.indent);
            }
        }
    }

    fn newline(&mut self) {
        if self.pretty {
            let newl = std::mem::take(&mut self.newl);
            self.whitespace(&newl);
            self.newl = newl;
        }
    }

    /// `_convert_value_to_string`, plus isoformat for dates and times and
    /// an enum's value when extra types are on.
    fn to_text(&self, value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        if value.is_instance_of::<PyString>() {
            return Ok(value.clone());
        }
        if value.is_instance_of::<PyBool>() {
            let text = if value.is_truthy()? { "true" } else { "false" };
            return Ok(PyString::new(self.py, text).into_any());
        }
        if is_bytes_like(value) {
            let bytes = PyBytes::new(
                self.py,
                &value.extract::<Vec<u8>>().or_else(|_| {
                    self.py
                        .get_type::<PyBytes>()
                        .call1((value,))?
                        .extract::<Vec<u8>>()
                })?,
            );
            return bytes.call_method1("decode", (&self.encoding, &self.bytes_errors));
        }
        if let Some(extra) = self.extra_types {
            let py = self.py;
            if value.is_instance(extra.datetime.bind(py))?
                || value.is_instance(extra.date.bind(py))?
                || value.is_instance(extra.time.bind(py))?
            {
                return value.call_method0("isoformat");
            }
            if value.is_instance(extra.enum_.bind(py))? {
                return self.to_text(&value.getattr("value")?);
            }
        }
        value.str().map(Bound::into_any)
    }

    fn write_scalar_text(&mut self, value: &Bound<'py, PyAny>) -> PyResult<()> {
        if value.is_exact_instance_of::<PyInt>() {
            if let Ok(n) = value.extract::<i64>() {
                self.finish_pending();
                self.out.push_str(itoa::Buffer::new().format(n));
                return Ok(());
            }
        }
        if value.is_exact_instance_of::<PyFloat>() {
            let mut buf = Vec::new();
            write_python_float_repr(&mut buf, value.extract::<f64>()?);
            self.finish_pending();
            self.out
                .push_str(std::str::from_utf8(&buf).unwrap_or_default());
            return Ok(());
        }
        let text = self.to_text(value)?;
        let text = text_of(&text)?;
        if !text.is_empty() {
            self.finish_pending();
            escape_text(&mut self.out, text);
        }
        Ok(())
    }

    fn is_comment_key(&self, key: &Bound<'py, PyAny>) -> PyResult<bool> {
        Ok(key.is_instance_of::<PyString>() && key.eq(&self.comment_key)?)
    }

    fn comments(&mut self, value: &Bound<'py, PyAny>, depth: usize) -> PyResult<()> {
        let items: Vec<Bound<'py, PyAny>> = match value.cast::<PyList>() {
            Ok(list) => list.iter().collect(),
            Err(_) => vec![value.clone()],
        };
        for item in items {
            if item.is_none() {
                continue;
            }
            let text = self.to_text(&item)?;
            let text = text_of(&text)?.to_owned();
            if text.is_empty() {
                continue;
            }
            if text.contains("--") {
                return Err(PyValueError::new_err("Comment text cannot contain '--'"));
            }
            if text.ends_with('-') {
                return Err(PyValueError::new_err("Comment text cannot end with '-'"));
            }
            self.indent_to(depth);
            // XMLGenerator's comment writes straight out, without closing a
            // pending start tag; xmltodict's output has that quirk too.
            self.out.push_str("<!--");
            escape_text(&mut self.out, &text);
            self.out.push_str("-->");
            self.newline();
        }
        Ok(())
    }

    /// `_process_namespace`.
    fn process_namespace(&self, name: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let Some(namespaces) = &self.namespaces else {
            return Ok(name);
        };
        if !name.is_instance_of::<PyString>() || !namespaces.is_truthy()? {
            return Ok(name);
        }
        let parts = match name.call_method1("rsplit", (&self.namespace_separator, 1)) {
            Ok(parts) => parts,
            Err(err) if err.is_instance_of::<PyValueError>(self.py) => return Ok(name),
            Err(err) => return Err(err),
        };
        if parts.len()? != 2 {
            return Ok(name);
        }
        let ns = parts.get_item(0)?;
        let local = parts.get_item(1)?;
        let stripped = ns.call_method1("strip", (&self.attr_prefix,))?;
        let resolved = namespaces.call_method1("get", (stripped,))?;
        if !resolved.is_truthy()? {
            return Ok(local);
        }
        let prefix = if text_of(&ns)?.starts_with(self.attr_prefix.as_str()) {
            self.attr_prefix.as_str()
        } else {
            ""
        };
        let joined = format!(
            "{prefix}{}{}{}",
            resolved.str()?,
            self.namespace_separator,
            text_of(&local)?
        );
        Ok(PyString::new(self.py, &joined).into_any())
    }

    /// The fields of a dataclass instance, in order, when extra types are on.
    fn dataclass_dict(&self, value: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some(is_dataclass) = &self.is_dataclass else {
            return Ok(None);
        };
        if value.is_instance_of::<pyo3::types::PyType>()
            || !is_dataclass.call1((value,))?.is_truthy()?
        {
            return Ok(None);
        }
        let dict = PyDict::new(self.py);
        let fields = self
            .py
            .import("dataclasses")?
            .getattr("fields")?
            .call1((value,))?;
        for field in fields.try_iter()? {
            let name = field?.getattr("name")?;
            dict.set_item(&name, value.getattr(name.cast::<PyString>()?)?)?;
        }
        Ok(Some(dict.into_any()))
    }

    fn emit(
        &mut self,
        key: Bound<'py, PyAny>,
        value: Bound<'py, PyAny>,
        depth: usize,
        full_document: bool,
    ) -> PyResult<()> {
        if self.is_comment_key(&key)? {
            return self.comments(&value, depth);
        }
        let mut key = self.process_namespace(key)?;
        let mut value = value;
        if let Some(preprocessor) = &self.preprocessor {
            let result = preprocessor.call1((key, value))?;
            if result.is_none() {
                return Ok(());
            }
            let pair: (Bound<'py, PyAny>, Bound<'py, PyAny>) = result.extract()?;
            (key, value) = pair;
        }
        if !self.names.contains(&key) {
            validate_name(&key, "element")?;
            self.names.insert(&key);
        }
        let name = text_of(&key)?.to_owned();
        if let Some(fields) = self.dataclass_dict(&value)? {
            value = fields;
        }
        let single = !has_iter(&value)?
            || value.is_instance_of::<PyString>()
            || is_bytes_like(&value)
            || value.is_instance_of::<PyDict>();
        let items: Vec<Bound<'py, PyAny>> = if single {
            vec![value]
        } else if let Ok(list) = value.cast::<PyList>() {
            list.iter().collect()
        } else {
            value.try_iter()?.collect::<PyResult<_>>()?
        };
        for (index, item) in items.into_iter().enumerate() {
            if full_document && depth == 0 && index > 0 {
                return Err(PyValueError::new_err("document with multiple roots"));
            }
            self.emit_one(&name, item, depth)?;
        }
        Ok(())
    }

    fn emit_one(&mut self, name: &str, item: Bound<'py, PyAny>, depth: usize) -> PyResult<()> {
        let mut item = item;
        if let Some(fields) = self.dataclass_dict(&item)? {
            item = fields;
        }
        let mut text: Option<Bound<'py, PyAny>> = None;
        let mut attrs: Vec<(String, Bound<'py, PyAny>)> = Vec::new();
        let mut children: Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)> = Vec::new();
        if item.is_none() {
        } else if item.is_instance_of::<PyString>() {
            text = Some(item);
        } else if let Ok(dict) = item.cast::<PyDict>() {
            self.split_dict(dict, &mut text, &mut attrs, &mut children)?;
        } else if self.expand_iter.is_some() && has_iter(&item)? && !is_bytes_like(&item) {
            let wrapped = PyDict::new(self.py);
            wrapped.set_item(self.expand_iter.as_ref(), item)?;
            self.split_dict(&wrapped, &mut text, &mut attrs, &mut children)?;
        } else {
            text = Some(item);
        }
        self.indent_to(depth);
        self.finish_pending();
        self.out.push('<');
        self.out.push_str(name);
        for (attr, value) in &attrs {
            self.out.push(' ');
            self.out.push_str(attr);
            self.out.push('=');
            quote_attr(&mut self.out, text_of(value)?);
        }
        if self.short_empty_elements {
            self.pending_start = true;
        } else {
            self.out.push('>');
        }
        let has_children = !children.is_empty();
        if has_children {
            self.newline();
        }
        if has_children {
            self.nesting.enter(self.py, RECURSION_CONTEXT)?;
            let written = children
                .into_iter()
                .try_for_each(|(child_key, child_value)| {
                    self.emit(child_key, child_value, depth + 1, true)
                });
            self.nesting.leave();
            written?;
        }
        if let Some(text) = text {
            self.write_scalar_text(&text)?;
        }
        if has_children {
            self.indent_to(depth);
        }
        if self.pending_start {
            self.out.push_str("/>");
            self.pending_start = false;
        } else {
            self.out.push_str("</");
            self.out.push_str(name);
            self.out.push('>');
        }
        if depth > 0 {
            self.newline();
        }
        Ok(())
    }

    fn split_dict(
        &mut self,
        dict: &Bound<'py, PyDict>,
        text: &mut Option<Bound<'py, PyAny>>,
        attrs: &mut Vec<(String, Bound<'py, PyAny>)>,
        children: &mut Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)>,
    ) -> PyResult<()> {
        let set_attr = |attrs: &mut Vec<(String, Bound<'py, PyAny>)>,
                        name: String,
                        value: Bound<'py, PyAny>| {
            match attrs.iter_mut().find(|(existing, _)| *existing == name) {
                Some(slot) => slot.1 = value,
                None => attrs.push((name, value)),
            }
        };
        for (key, value) in dict.iter() {
            if key.eq(&self.cdata_key)? {
                *text = if value.is_none() {
                    None
                } else {
                    Some(self.to_text(&value)?)
                };
                continue;
            }
            if key.is_instance_of::<PyString>()
                && text_of(&key)?.starts_with(self.attr_prefix.as_str())
            {
                let key = self.process_namespace(key)?;
                let key_text = text_of(&key)?.to_owned();
                if key_text == "@xmlns" && value.is_instance_of::<PyDict>() {
                    for (prefix, uri) in value.cast::<PyDict>()?.iter() {
                        validate_name_or_empty(&prefix)?;
                        let prefix = text_of(&prefix)?;
                        let attr = if prefix.is_empty() {
                            "xmlns".to_owned()
                        } else {
                            format!("xmlns:{prefix}")
                        };
                        let uri = if uri.is_none() {
                            PyString::new(self.py, "").into_any()
                        } else {
                            self.to_text(&uri)?
                        };
                        set_attr(attrs, attr, uri);
                    }
                    continue;
                }
                let value = if value.is_none() {
                    PyString::new(self.py, "").into_any()
                } else {
                    self.to_text(&value)?
                };
                let attr_name = key_text
                    .get(self.attr_prefix.len()..)
                    .unwrap_or("")
                    .to_owned();
                validate_name(&PyString::new(self.py, &attr_name).into_any(), "attribute")?;
                set_attr(attrs, attr_name, value);
                continue;
            }
            if let Ok(list) = value.cast::<PyList>() {
                if list.is_empty() {
                    continue;
                }
            }
            children.push((key, value));
        }
        Ok(())
    }
}

#[pyfunction]
#[pyo3(signature = (
    input_dict, *, encoding="utf-8".to_owned(), full_document=true,
    short_empty_elements=false, comment_key=None, pretty=false,
    newl="\n".to_owned(), indent=None, attr_prefix="@".to_owned(), cdata_key=None,
    preprocessor=None, namespace_separator=":".to_owned(), namespaces=None,
    expand_iter=None, bytes_errors="replace".to_owned(), extra_types=true
))]
#[allow(clippy::too_many_arguments)]
pub fn xml_unparse<'py>(
    py: Python<'py>,
    input_dict: &Bound<'py, PyAny>,
    encoding: String,
    full_document: bool,
    short_empty_elements: bool,
    comment_key: Option<Bound<'py, PyAny>>,
    pretty: bool,
    newl: String,
    indent: Option<Bound<'py, PyAny>>,
    attr_prefix: String,
    cdata_key: Option<Bound<'py, PyAny>>,
    preprocessor: Option<Bound<'py, PyAny>>,
    namespace_separator: String,
    namespaces: Option<Bound<'py, PyAny>>,
    expand_iter: Option<Bound<'py, PyAny>>,
    bytes_errors: String,
    extra_types: bool,
) -> PyResult<Bound<'py, PyString>> {
    let indent = match indent {
        None => "\t".to_owned(),
        Some(indent) if indent.is_instance_of::<PyInt>() => {
            " ".repeat(indent.extract::<usize>().unwrap_or(0))
        }
        Some(indent) => indent.extract::<String>()?,
    };
    let string = |value: Option<Bound<'py, PyAny>>, default: &str| {
        value.unwrap_or_else(|| PyString::new(py, default).into_any())
    };
    let mut emitter = Emitter {
        py,
        out: OUTPUT.with(|buffer| std::mem::take(&mut *buffer.borrow_mut())),
        names: NameCache::new(),
        nesting: Nesting::default(),
        pending_start: false,
        short_empty_elements,
        pretty,
        newl,
        indent,
        attr_prefix,
        cdata_key: string(cdata_key, "#text"),
        comment_key: string(comment_key, "#comment"),
        preprocessor,
        namespace_separator,
        namespaces,
        expand_iter: expand_iter.filter(|e| e.is_truthy().unwrap_or(true)),
        encoding: encoding.clone(),
        bytes_errors,
        extra_types: if extra_types {
            Some(ExtraTypes::get(py)?)
        } else {
            None
        },
        is_dataclass: if extra_types {
            Some(py.import("dataclasses")?.getattr("is_dataclass")?)
        } else {
            None
        },
    };
    if full_document {
        emitter.out.push_str("<?xml version=\"1.0\" encoding=\"");
        emitter.out.push_str(&encoding);
        emitter.out.push_str("\"?>\n");
    }
    let mut seen_root = false;
    let items = input_dict.call_method0("items")?;
    for pair in items.try_iter()? {
        let pair = pair?;
        let pair = pair
            .cast::<PyTuple>()
            .map_err(|_| PyTypeError::new_err("items() must yield pairs"))?;
        let (key, value) = (pair.get_item(0)?, pair.get_item(1)?);
        let is_comment = key.eq(&emitter.comment_key)?;
        if !is_comment && full_document && seen_root {
            return Err(PyValueError::new_err(
                "Document must have exactly one root.",
            ));
        }
        emitter.emit(key, value, 0, full_document)?;
        if !is_comment {
            seen_root = true;
        }
    }
    if full_document && !seen_root {
        return Err(PyValueError::new_err(
            "Document must have exactly one root.",
        ));
    }
    let text = PyString::new(py, &emitter.out);
    let mut out = emitter.out;
    if out.capacity() <= MAX_KEPT_OUTPUT {
        out.clear();
        OUTPUT.with(|buffer| *buffer.borrow_mut() = out);
    }
    Ok(text)
}

/// Output of the last call, kept for the next: large documents then write
/// into memory already mapped instead of growing a fresh buffer page by
/// page.
const MAX_KEPT_OUTPUT: usize = 64 << 20;

thread_local! {
    static OUTPUT: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}
