//! The dumper: walks Python objects and drives the core emitter directly.
//!
//! In PyYAML-compatible mode (`safe_dump`) only the types PyYAML's
//! SafeRepresenter knows are written, matched by exact type as it does;
//! anything else raises `RepresenterError`. serialkit's own `dumps` also
//! writes subclasses and the extra types of `serialkit.json` (dataclasses,
//! Enum, UUID, Decimal, time, frozenset), with YAML's standard tags where
//! it has them (`!!timestamp`, `!!set`, `!!binary`).

use crate::pystr::str_utf8;
use crate::pytypes::ExtraTypes;
use crate::stack::Nesting;
use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyBytes, PyDict, PyFloat, PyFrozenSet, PyInt, PyList, PySet, PyString, PyTuple,
};
use serialkit::yaml::emit::{self, Analysis, EmitOptions, Emitter, ScalarEvent, Style};
use serialkit::yaml::resolve::{self, Kind};
use serialkit::yaml::write::float_text;
use serialkit::yaml::Quoting;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

pub struct DumpOptions {
    pub emit: EmitOptions,
    pub sort_keys: bool,
    pub flow: Option<bool>,
    pub quoting: Quoting,
    /// serialkit's extra types and subclasses (`dumps`), or PyYAML's safe
    /// types only (`safe_dump`).
    pub extra_types: bool,
}

pub struct Dumper<'py> {
    py: Python<'py>,
    pub emitter: Emitter,
    options: DumpOptions,
    nesting: Nesting,
    shared: Shared<'py>,
}

/// Objects that occur more than once in a document get an anchor at their
/// first occurrence and are aliases afterwards, as PyYAML's serializer
/// does (which is also what lets cyclic data be written). Anchors are
/// numbered `id001`, `id002`, ... in the order a first walk meets their
/// second occurrence, afresh in each document.
#[derive(Default)]
struct Shared<'py> {
    /// By address: `None` once seen, `Some(n)` when seen again.
    seen: HashMap<usize, Option<u32>>,
    /// Keeps every object walked alive, so that no address is reused by a
    /// temporary during the document.
    keep: Vec<Bound<'py, PyAny>>,
    emitted: HashSet<usize>,
    last_id: u32,
    any: bool,
}

enum Anchoring {
    None,
    Anchor(String),
    Alias(String),
}

/// The values PyYAML never anchors, by exact type: one pointer comparison
/// each.
fn is_plain_value(object: &Bound<'_, PyAny>) -> bool {
    // SAFETY: reading the type pointer of a live object and taking the
    // addresses of the interpreter's static types.
    unsafe {
        let ty = ffi::Py_TYPE(object.as_ptr());
        ty == std::ptr::addr_of_mut!(ffi::PyUnicode_Type)
            || ty == std::ptr::addr_of_mut!(ffi::PyLong_Type)
            || ty == std::ptr::addr_of_mut!(ffi::PyFloat_Type)
            || ty == std::ptr::addr_of_mut!(ffi::PyBool_Type)
            || ty == std::ptr::addr_of_mut!(ffi::PyBytes_Type)
            || object.as_ptr() == ffi::Py_None()
    }
}

fn anchor_name(id: u32) -> String {
    format!("id{id:03}")
}

/// A scalar ready for the emitter.
struct Rendered<'a> {
    text: Cow<'a, str>,
    tag: &'static str,
    plain_implicit: bool,
    quoted_implicit: bool,
    style: Style,
}

impl Rendered<'_> {
    fn event(&self) -> ScalarEvent<'_> {
        ScalarEvent {
            text: &self.text,
            tag: self.tag,
            plain_implicit: self.plain_implicit,
            quoted_implicit: self.quoted_implicit,
            style: self.style,
        }
    }
}

/// What a Python object is, for the walk.
enum Node<'py> {
    Scalar(Rendered<'static>),
    /// A str, borrowed from the object.
    Str(Bound<'py, PyAny>),
    Sequence(Bound<'py, PyAny>),
    Mapping(Bound<'py, PyAny>, Option<&'static str>),
}

fn representer_error(py: Python<'_>, object: &Bound<'_, PyAny>) -> PyErr {
    let message = match object.repr() {
        Ok(repr) => format!("cannot represent an object: {repr}"),
        Err(_) => "cannot represent an object".to_owned(),
    };
    match py
        .import("serialkit.yaml")
        .and_then(|m| m.getattr("RepresenterError"))
    {
        Ok(class) => PyErr::from_value(
            class
                .call1((message,))
                .unwrap_or_else(|err| err.into_value(py).into_bound(py).into_any()),
        ),
        Err(err) => err,
    }
}

impl<'py> Dumper<'py> {
    pub fn new(py: Python<'py>, options: DumpOptions) -> Self {
        Dumper {
            py,
            emitter: Emitter::new(&options.emit),
            options,
            nesting: Nesting::default(),
            shared: Shared::default(),
        }
    }

    pub fn document(&mut self, object: &Bound<'py, PyAny>) -> PyResult<()> {
        self.shared = Shared::default();
        if self.any_repeated(object)? {
            self.shared = Shared::default();
            self.find_shared(object)?;
        }
        self.shared.keep.clear();
        self.emitter.document_start();
        self.node(object)?;
        self.emitter.document_end();
        Ok(())
    }

    fn typed(&self, text: String, tag: &'static str, kind: Kind) -> Rendered<'static> {
        let plain_implicit = match kind {
            // These texts always read back as their type.
            Kind::Int | Kind::Float | Kind::Bool | Kind::Null => true,
            _ => self.options.quoting.plain_is(&text, kind),
        };
        Rendered {
            text: Cow::Owned(text),
            tag,
            plain_implicit,
            quoted_implicit: false,
            style: Style::Any,
        }
    }

    fn classify(&self, object: &Bound<'py, PyAny>) -> PyResult<Node<'py>> {
        let py = self.py;
        let ptr = object.as_ptr();
        // SAFETY: reading the type pointer of a live object.
        let ty = unsafe { ffi::Py_TYPE(ptr) };
        // Exact types first: one pointer comparison each.
        // SAFETY: taking the addresses of the interpreter's static types.
        unsafe {
            if ty == std::ptr::addr_of_mut!(ffi::PyUnicode_Type) {
                return Ok(Node::Str(object.clone()));
            }
            if ty == std::ptr::addr_of_mut!(ffi::PyDict_Type) {
                return Ok(Node::Mapping(object.clone(), None));
            }
            if ty == std::ptr::addr_of_mut!(ffi::PyList_Type)
                || ty == std::ptr::addr_of_mut!(ffi::PyTuple_Type)
            {
                return Ok(Node::Sequence(object.clone()));
            }
            if ty == std::ptr::addr_of_mut!(ffi::PyLong_Type) {
                return Ok(Node::Scalar(self.int(object)?));
            }
            if ty == std::ptr::addr_of_mut!(ffi::PyFloat_Type) {
                let value = ffi::PyFloat_AS_DOUBLE(ptr);
                return Ok(Node::Scalar(self.typed(
                    float_text(value),
                    "!!float",
                    Kind::Float,
                )));
            }
            if ty == std::ptr::addr_of_mut!(ffi::PyBool_Type) {
                let text = if ptr == ffi::Py_True() {
                    "true"
                } else {
                    "false"
                };
                return Ok(Node::Scalar(self.typed(text.into(), "!!bool", Kind::Bool)));
            }
        }
        if object.is_none() {
            return Ok(Node::Scalar(self.typed(
                "null".into(),
                "!!null",
                Kind::Null,
            )));
        }
        if object.is_exact_instance_of::<PyBytes>() {
            return Ok(Node::Scalar(self.binary(object)?));
        }
        if object.is_exact_instance_of::<PySet>() {
            return Ok(Node::Mapping(object.clone(), Some("!!set")));
        }
        let types = ExtraTypes::get(py)?;
        let exact = object.get_type();
        if exact.is(types.datetime.bind(py)) || exact.is(types.date.bind(py)) {
            return Ok(Node::Scalar(self.timestamp(object)?));
        }
        if !self.options.extra_types {
            return Err(representer_error(py, object));
        }
        self.classify_extra(object, types)
    }

    fn classify_extra(
        &self,
        object: &Bound<'py, PyAny>,
        types: &ExtraTypes,
    ) -> PyResult<Node<'py>> {
        let py = self.py;
        if object.is_instance(types.enum_.bind(py))? {
            let value = object.getattr("value")?;
            return self.classify(&value);
        }
        if object.is_instance_of::<PyBool>() {
            let text = if object.is_truthy()? { "true" } else { "false" };
            return Ok(Node::Scalar(self.typed(text.into(), "!!bool", Kind::Bool)));
        }
        if object.is_instance_of::<PyString>() {
            return Ok(Node::Str(object.clone()));
        }
        if object.is_instance_of::<PyInt>() {
            return Ok(Node::Scalar(self.int(object)?));
        }
        if object.is_instance_of::<PyFloat>() {
            let value: f64 = object.extract()?;
            return Ok(Node::Scalar(self.typed(
                float_text(value),
                "!!float",
                Kind::Float,
            )));
        }
        if object.is_instance_of::<PyBytes>() {
            return Ok(Node::Scalar(self.binary(object)?));
        }
        if object.is_instance_of::<PyDict>() {
            return Ok(Node::Mapping(object.clone(), None));
        }
        if object.is_instance_of::<PyList>() || object.is_instance_of::<PyTuple>() {
            return Ok(Node::Sequence(object.clone()));
        }
        if object.is_instance_of::<PySet>() || object.is_instance_of::<PyFrozenSet>() {
            return Ok(Node::Mapping(object.clone(), Some("!!set")));
        }
        if object.is_instance(types.datetime.bind(py))?
            || object.is_instance(types.date.bind(py))?
        {
            return Ok(Node::Scalar(self.timestamp(object)?));
        }
        if object.is_instance(types.time.bind(py))? || object.is_instance(types.uuid.bind(py))? {
            let text = if object.is_instance(types.time.bind(py))? {
                object.call_method0("isoformat")?
            } else {
                object.str()?.into_any()
            };
            return Ok(Node::Str(text));
        }
        if object.is_instance(types.decimal.bind(py))? {
            return Ok(Node::Scalar(self.decimal(object)?));
        }
        if let Some(fields) = crate::json::encode::dataclass_fields(object)? {
            let dict = PyDict::new(py);
            for name in fields.iter() {
                let name = name.cast_into::<PyString>()?;
                dict.set_item(&name, object.getattr(&name)?)?;
            }
            return Ok(Node::Mapping(dict.into_any(), None));
        }
        Err(representer_error(py, object))
    }

    fn int(&self, object: &Bound<'py, PyAny>) -> PyResult<Rendered<'static>> {
        let text = match object.extract::<i64>() {
            Ok(value) => itoa::Buffer::new().format(value).to_owned(),
            Err(_) => object.call_method0("__index__")?.str()?.to_string(),
        };
        Ok(self.typed(text, "!!int", Kind::Int))
    }

    fn binary(&self, object: &Bound<'py, PyAny>) -> PyResult<Rendered<'static>> {
        let bytes: Vec<u8> = object.extract()?;
        Ok(Rendered {
            text: Cow::Owned(resolve::encode_base64_lines(&bytes)),
            tag: "!!binary",
            plain_implicit: false,
            quoted_implicit: false,
            style: Style::Literal,
        })
    }

    fn timestamp(&self, object: &Bound<'py, PyAny>) -> PyResult<Rendered<'static>> {
        let types = ExtraTypes::get(self.py)?;
        let text: String = if object.is_instance(types.datetime.bind(self.py))? {
            object.call_method1("isoformat", (" ",))?.extract()?
        } else {
            object.call_method0("isoformat")?.extract()?
        };
        Ok(self.typed(text, "!!timestamp", Kind::Timestamp))
    }

    fn decimal(&self, object: &Bound<'py, PyAny>) -> PyResult<Rendered<'static>> {
        let text = object.str()?.to_string();
        let value = if object.call_method0("is_nan")?.is_truthy()? {
            ".nan".to_owned()
        } else if object.call_method0("is_infinite")?.is_truthy()? {
            if text.starts_with('-') {
                "-.inf"
            } else {
                ".inf"
            }
            .to_owned()
        } else {
            // An exact decimal, written so that it reads back as a float.
            let lower = text.to_ascii_lowercase();
            if lower.contains('.') || lower.contains('e') {
                if !lower.contains('.') {
                    lower.replacen('e', ".0e", 1)
                } else {
                    lower
                }
            } else {
                format!("{lower}.0")
            }
        };
        Ok(self.typed(value, "!!float", Kind::Float))
    }

    fn str_rendered<'a>(&self, object: &'a Bound<'py, PyAny>) -> PyResult<Rendered<'a>> {
        let Some(bytes) = str_utf8(object) else {
            return Err(PyTypeError::new_err(
                "strings with lone surrogates cannot be written as YAML",
            ));
        };
        // SAFETY-free: CPython's UTF-8 form is valid UTF-8.
        let text = std::str::from_utf8(bytes).map_err(|e| PyTypeError::new_err(e.to_string()))?;
        Ok(Rendered {
            plain_implicit: self.options.quoting.plain_is_str(text),
            text: Cow::Borrowed(text),
            tag: "!!str",
            quoted_implicit: true,
            style: Style::Any,
        })
    }

    /// Whether PyYAML would give `object` an anchor when repeated: not the
    /// values its representer ignores (None, str, bytes, bool, int,
    /// float, the empty tuple), nor serialkit's extra value types.
    fn aliasable(&self, object: &Bound<'py, PyAny>) -> PyResult<bool> {
        if is_plain_value(object) {
            return Ok(false);
        }
        if object.is_instance_of::<PyDict>()
            || object.is_instance_of::<PyList>()
            || object.is_instance_of::<PySet>()
            || object.is_instance_of::<PyFrozenSet>()
        {
            return Ok(true);
        }
        if let Ok(tuple) = object.cast::<PyTuple>() {
            return Ok(!tuple.is_empty());
        }
        let types = ExtraTypes::get(self.py)?;
        Ok(object.is_instance(types.date.bind(self.py))?
            || (self.options.extra_types
                && crate::json::encode::dataclass_fields(object)?.is_some()))
    }

    /// Whether any container occurs twice (or in itself): a quick walk in
    /// any order, through the plain types' own storage. Only then does
    /// [`Dumper::find_shared`] walk again in writing order to number the
    /// anchors.
    fn any_repeated(&mut self, object: &Bound<'py, PyAny>) -> PyResult<bool> {
        if is_plain_value(object) {
            return Ok(false);
        }
        let exact_container = object.is_exact_instance_of::<PyDict>()
            || object.is_exact_instance_of::<PyList>()
            || object.is_exact_instance_of::<PyTuple>();
        if !exact_container {
            // Anything else takes the full walk, which is in order anyway.
            return self.aliasable(object);
        }
        let address = object.as_ptr() as usize;
        if self.shared.seen.insert(address, None).is_some() {
            return Ok(true);
        }
        self.nesting.enter(self.py, c" while representing YAML")?;
        let result = self.any_repeated_children(object);
        self.nesting.leave();
        result
    }

    fn any_repeated_children(&mut self, object: &Bound<'py, PyAny>) -> PyResult<bool> {
        if let Ok(dict) = object.cast::<PyDict>() {
            for (key, value) in dict.iter() {
                if self.any_repeated(&key)? || self.any_repeated(&value)? {
                    return Ok(true);
                }
            }
        } else if let Ok(list) = object.cast::<PyList>() {
            for item in list.iter() {
                if self.any_repeated(&item)? {
                    return Ok(true);
                }
            }
        } else if let Ok(tuple) = object.cast::<PyTuple>() {
            for item in tuple.iter() {
                if self.any_repeated(&item)? {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    /// The numbering walk: records which objects occur more than once, in
    /// the order the writer will meet them.
    fn find_shared(&mut self, object: &Bound<'py, PyAny>) -> PyResult<()> {
        if !self.aliasable(object)? {
            return Ok(());
        }
        let address = object.as_ptr() as usize;
        if let Some(entry) = self.shared.seen.get_mut(&address) {
            if entry.is_none() {
                self.shared.last_id += 1;
                *entry = Some(self.shared.last_id);
                self.shared.any = true;
            }
            return Ok(());
        }
        self.shared.seen.insert(address, None);
        self.shared.keep.push(object.clone());
        self.nesting.enter(self.py, c" while representing YAML")?;
        let result = self.find_shared_children(object);
        self.nesting.leave();
        result
    }

    fn find_shared_children(&mut self, object: &Bound<'py, PyAny>) -> PyResult<()> {
        match self.classify(object) {
            Ok(Node::Sequence(sequence)) => {
                for item in sequence.try_iter()? {
                    self.find_shared(&item?)?;
                }
            }
            Ok(Node::Mapping(mapping, tag)) => {
                self.shared.keep.push(mapping.clone());
                for pair in self.pairs(&mapping, tag.is_some())?.iter() {
                    let pair = pair.cast_into::<PyTuple>()?;
                    self.find_shared(&pair.get_item(0)?)?;
                    self.find_shared(&pair.get_item(1)?)?;
                }
            }
            // Unrepresentable objects fail on the second walk, in order.
            _ => {}
        }
        Ok(())
    }

    fn anchoring(&mut self, object: &Bound<'py, PyAny>) -> PyResult<Anchoring> {
        if !self.shared.any || !self.aliasable(object)? {
            return Ok(Anchoring::None);
        }
        let address = object.as_ptr() as usize;
        let Some(Some(id)) = self.shared.seen.get(&address).copied() else {
            return Ok(Anchoring::None);
        };
        if self.shared.emitted.insert(address) {
            Ok(Anchoring::Anchor(anchor_name(id)))
        } else {
            Ok(Anchoring::Alias(anchor_name(id)))
        }
    }

    fn node(&mut self, object: &Bound<'py, PyAny>) -> PyResult<()> {
        match self.anchoring(object)? {
            Anchoring::None => {}
            Anchoring::Anchor(name) => self.emitter.anchor(&name),
            Anchoring::Alias(name) => {
                self.emitter.alias(&name);
                return Ok(());
            }
        }
        self.content(object)
    }

    /// Writes a node (after its anchor, if any).
    fn content(&mut self, object: &Bound<'py, PyAny>) -> PyResult<()> {
        match self.classify(object)? {
            Node::Scalar(rendered) => self.emitter.scalar(&rendered.event(), None),
            Node::Str(text) => {
                let rendered = self.str_rendered(&text)?;
                self.emitter.scalar(&rendered.event(), None);
            }
            Node::Sequence(sequence) => {
                self.nesting
                    .enter(self.py, c" while representing a YAML sequence")?;
                let result = self.sequence(&sequence);
                self.nesting.leave();
                result?;
            }
            Node::Mapping(mapping, tag) => {
                self.nesting
                    .enter(self.py, c" while representing a YAML mapping")?;
                let result = self.mapping(&mapping, tag);
                self.nesting.leave();
                result?;
            }
        }
        Ok(())
    }

    /// Whether PyYAML would write `object` as a scalar with no style (the
    /// test for `default_flow_style=None`).
    fn is_plain_scalar(&self, object: &Bound<'py, PyAny>) -> PyResult<bool> {
        Ok(match self.classify(object)? {
            Node::Scalar(rendered) => {
                rendered.style == Style::Any && !self.emitter.has_default_style()
            }
            Node::Str(_) => !self.emitter.has_default_style(),
            Node::Sequence(_) | Node::Mapping(..) => false,
        })
    }

    fn sequence(&mut self, sequence: &Bound<'py, PyAny>) -> PyResult<()> {
        let items: Vec<Bound<'py, PyAny>> = if let Ok(list) = sequence.cast::<PyList>() {
            list.iter().collect()
        } else {
            sequence.try_iter()?.collect::<PyResult<_>>()?
        };
        let flow = match self.options.flow {
            Some(flow) => flow,
            None => {
                let mut leaf = true;
                for item in &items {
                    if !self.is_plain_scalar(item)? {
                        leaf = false;
                        break;
                    }
                }
                leaf
            }
        };
        self.emitter.sequence_start(None, flow, items.is_empty());
        for item in &items {
            self.emitter.item();
            self.node(item)?;
        }
        self.emitter.sequence_end();
        Ok(())
    }

    fn pairs(&self, mapping: &Bound<'py, PyAny>, set: bool) -> PyResult<Bound<'py, PyList>> {
        let py = self.py;
        let items = if set {
            let none = py.None();
            let pairs: Vec<Bound<'py, PyTuple>> = mapping
                .try_iter()?
                .map(|key| PyTuple::new(py, [key?, none.bind(py).clone()]))
                .collect::<PyResult<_>>()?;
            PyList::new(py, pairs)?
        } else if let Ok(dict) = mapping.cast::<PyDict>() {
            dict.items()
        } else {
            mapping
                .call_method0("items")?
                .try_iter()?
                .collect::<PyResult<Vec<_>>>()
                .and_then(|v| PyList::new(py, v))?
        };
        if self.options.sort_keys {
            // sorted(mapping.items()), left unsorted when keys do not
            // compare (PyYAML catches the TypeError the same way).
            // A failed sort leaves the list partly sorted, so sort a copy.
            let sorted = PyList::new(py, items.iter())?;
            match sorted.sort() {
                Ok(()) => return Ok(sorted),
                Err(err) if err.is_instance_of::<PyTypeError>(py) => {}
                Err(err) => return Err(err),
            }
        }
        Ok(items)
    }

    fn mapping(&mut self, mapping: &Bound<'py, PyAny>, tag: Option<&'static str>) -> PyResult<()> {
        let pairs = self.pairs(mapping, tag.is_some())?;
        let flow = match self.options.flow {
            Some(flow) => flow,
            None => {
                let mut leaf = true;
                for pair in pairs.iter() {
                    let pair = pair.cast_into::<PyTuple>()?;
                    if !self.is_plain_scalar(&pair.get_item(0)?)?
                        || !self.is_plain_scalar(&pair.get_item(1)?)?
                    {
                        leaf = false;
                        break;
                    }
                }
                leaf
            }
        };
        self.emitter.mapping_start(tag, flow, pairs.is_empty());
        for pair in pairs.iter() {
            let pair = pair.cast_into::<PyTuple>()?;
            let key = pair.get_item(0)?;
            let value = pair.get_item(1)?;
            self.key(&key)?;
            self.node(&value)?;
        }
        self.emitter.mapping_end();
        Ok(())
    }

    /// Writes a key, deciding as PyYAML does whether it is simple, then the
    /// value indicator.
    fn key(&mut self, key: &Bound<'py, PyAny>) -> PyResult<()> {
        let anchor = match self.anchoring(key)? {
            Anchoring::None => None,
            Anchoring::Anchor(name) => Some(name),
            Anchoring::Alias(name) => {
                // An alias is always a simple key.
                self.emitter.key(true);
                self.emitter.alias(&name);
                self.emitter.value(true);
                return Ok(());
            }
        };
        let write_scalar = |this: &mut Self, rendered: &Rendered<'_>| {
            let analysis: Analysis = this.emitter.analyze(&rendered.text);
            let tag = this.emitter.prepare_tag(rendered.tag).into_owned();
            let simple = emit::simple_key_scalar(&analysis, &tag, anchor.as_deref());
            this.emitter.key(simple);
            if let Some(name) = &anchor {
                this.emitter.anchor(name);
            }
            this.emitter.scalar(&rendered.event(), Some(analysis));
            this.emitter.value(simple);
        };
        match self.classify(key)? {
            Node::Str(text) => {
                let rendered = self.str_rendered(&text)?;
                write_scalar(self, &rendered);
            }
            Node::Scalar(rendered) => write_scalar(self, &rendered),
            Node::Sequence(_) | Node::Mapping(..) => {
                let empty = key.len()? == 0;
                let tag = if matches!(self.classify(key)?, Node::Sequence(_)) {
                    "!!seq"
                } else {
                    "!!map"
                };
                let anchor_len = anchor.as_ref().map_or(0, String::len);
                let tag_len = self.emitter.prepare_tag(tag).chars().count();
                let simple = empty && tag_len + anchor_len < 128;
                self.emitter.key(simple);
                if let Some(name) = &anchor {
                    self.emitter.anchor(name);
                }
                self.content(key)?;
                self.emitter.value(simple);
            }
        }
        Ok(())
    }
}
