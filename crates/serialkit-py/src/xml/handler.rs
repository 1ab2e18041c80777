//! xmltodict's SAX handler, in Rust: the core reader's events become
//! Python dicts directly. Every option of `xmltodict.parse` behaves as
//! there, calling the user's callables with the same arguments; when none
//! is given, names come from the shared key cache and dicts are filled
//! through the C API.

use crate::json::keys::KeyCache;
use crate::pystr::{ascii_str, valid_utf8_str};
use pyo3::exceptions::{PyKeyError, PyTypeError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyList, PyString, PyTuple};
use serialkit::xml::Attrs;
use std::collections::HashMap;
use std::sync::MutexGuard;

/// Text values up to this length go through the key cache.
const SHORT_VALUE_BYTES: usize = 16;

pub struct Settings<'py> {
    pub item_depth: usize,
    pub item_callback: Option<Bound<'py, PyAny>>,
    pub xml_attribs: bool,
    pub attr_prefix: String,
    pub cdata_key: Bound<'py, PyAny>,
    pub force_cdata: Option<Bound<'py, PyAny>>,
    pub cdata_separator: String,
    pub postprocessor: Option<Bound<'py, PyAny>>,
    /// `None` for the built-in `dict`.
    pub dict_constructor: Option<Bound<'py, PyAny>>,
    pub strip_whitespace: bool,
    pub namespace_separator: String,
    pub namespaces: Option<Bound<'py, PyAny>>,
    pub force_list: Option<Bound<'py, PyAny>>,
    pub comment_key: Bound<'py, PyAny>,
    pub interrupted: Bound<'py, PyAny>,
}

/// An element being built, as xmltodict's `(item, data)` pair; `chunks`
/// stands for the length of its list of character data.
#[derive(Default)]
struct Frame<'py> {
    item: Option<Bound<'py, PyAny>>,
    data: String,
    chunks: usize,
}

pub struct Handler<'py> {
    py: Python<'py>,
    settings: Settings<'py>,
    current: Frame<'py>,
    stack: Vec<Frame<'py>>,
    /// `len(path)` of xmltodict's handler.
    depth: usize,
    /// The path itself, kept only when a callable may see it.
    path: Option<Bound<'py, PyList>>,
    namespace_declarations: Option<Bound<'py, PyAny>>,
    keys: Option<MutexGuard<'static, KeyCache>>,
    scratch: Vec<u8>,
    spare: Vec<String>,
    /// The keys of the open elements, innermost last.
    names: Vec<Bound<'py, PyAny>>,
    /// Names built through a `namespaces` dict, by full name, when no
    /// Python code can run during the parse to change that dict, so the
    /// lookups and joins are made once per name rather than per element.
    /// The second map is for attributes (with `attr_prefix`).
    built_names: Option<[HashMap<String, Bound<'py, PyAny>>; 2]>,
    /// `force_list` / `force_cdata` is a function: `in` would raise the
    /// TypeError that makes xmltodict call it, so it is called at once.
    force_list_is_function: bool,
    force_cdata_is_function: bool,
}

/// Distinct names remembered per kind in `built_names`.
const MAX_BUILT_NAMES: usize = 4096;

/// A Python or builtin function: no `in` for it.
fn is_function(option: &Option<Bound<'_, PyAny>>) -> bool {
    option.as_ref().is_some_and(|option| {
        let pointer = option.as_ptr();
        // SAFETY: type checks on a live object.
        unsafe { ffi::PyFunction_Check(pointer) != 0 || ffi::PyCFunction_Check(pointer) != 0 }
    })
}

/// Whether an option is "truthy and not a bool", i.e. a container or a
/// callable that must be consulted.
fn consulted(option: &Option<Bound<'_, PyAny>>) -> PyResult<bool> {
    match option {
        None => Ok(false),
        Some(value) => Ok(value.is_truthy()? && !value.is_instance_of::<PyBool>()),
    }
}

impl<'py> Handler<'py> {
    pub fn new(py: Python<'py>, settings: Settings<'py>) -> PyResult<Self> {
        let runs_python = settings.postprocessor.is_some()
            || settings.item_callback.is_some()
            || settings.dict_constructor.is_some()
            || consulted(&settings.force_list)?
            || consulted(&settings.force_cdata)?;
        let cache_names = !runs_python
            && settings
                .namespaces
                .as_ref()
                .is_some_and(|namespaces| namespaces.is_exact_instance_of::<PyDict>());
        let force_list_is_function = is_function(&settings.force_list);
        let force_cdata_is_function = is_function(&settings.force_cdata);
        let needs_path = settings.postprocessor.is_some()
            || settings.item_depth > 0
            || consulted(&settings.force_list)?
            || consulted(&settings.force_cdata)?;
        Ok(Handler {
            py,
            settings,
            current: Frame::default(),
            stack: Vec::new(),
            depth: 0,
            path: if needs_path {
                Some(PyList::empty(py))
            } else {
                None
            },
            namespace_declarations: None,
            keys: KeyCache::lock(),
            scratch: Vec::new(),
            spare: Vec::new(),
            names: Vec::new(),
            built_names: cache_names.then(Default::default),
            force_list_is_function,
            force_cdata_is_function,
        })
    }

    pub fn finish(self) -> Option<Bound<'py, PyAny>> {
        self.current.item
    }

    fn fast(&self) -> bool {
        self.settings.dict_constructor.is_none() && self.settings.postprocessor.is_none()
    }

    fn new_dict(&self) -> PyResult<Bound<'py, PyAny>> {
        match &self.settings.dict_constructor {
            None => Ok(PyDict::new(self.py).into_any()),
            Some(constructor) => constructor.call0(),
        }
    }

    fn string(&mut self, text: &str, cache: bool) -> PyResult<Bound<'py, PyAny>> {
        let ascii = text.is_ascii();
        match &mut self.keys {
            Some(keys) if cache => keys.get(self.py, text.as_bytes(), ascii),
            _ if ascii => ascii_str(self.py, text.as_bytes()),
            _ => valid_utf8_str(self.py, text.as_bytes()),
        }
    }

    fn value_string(&mut self, text: &str) -> PyResult<Bound<'py, PyAny>> {
        self.string(text, text.len() <= SHORT_VALUE_BYTES)
    }

    /// xmltodict's `_build_name`: maps a namespace URI to its short name.
    #[inline]
    fn build_name(&mut self, full_name: &str, prefix: &str) -> PyResult<Bound<'py, PyAny>> {
        if self.settings.namespaces.is_some() {
            return self.build_namespaced_name(full_name, prefix);
        }
        self.build_plain_name(full_name, prefix)
    }

    #[inline]
    fn build_plain_name(&mut self, full_name: &str, prefix: &str) -> PyResult<Bound<'py, PyAny>> {
        if prefix.is_empty() {
            return self.string(full_name, true);
        }
        self.scratch.clear();
        self.scratch.extend_from_slice(prefix.as_bytes());
        self.scratch.extend_from_slice(full_name.as_bytes());
        let joined = std::mem::take(&mut self.scratch);
        let key = std::str::from_utf8(&joined)
            .map_err(|err| PyTypeError::new_err(err.to_string()))
            .and_then(|text| self.string(text, true));
        self.scratch = joined;
        key
    }

    fn build_namespaced_name(
        &mut self,
        full_name: &str,
        prefix: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let kind = usize::from(!prefix.is_empty());
        if let Some(found) = self
            .built_names
            .as_ref()
            .and_then(|built| built[kind].get(full_name))
        {
            return Ok(found.clone());
        }
        let name = self.map_namespace(full_name, prefix)?;
        if let Some(built) = &mut self.built_names {
            if built[kind].len() < MAX_BUILT_NAMES {
                built[kind].insert(full_name.to_owned(), name.clone());
            }
        }
        Ok(name)
    }

    fn map_namespace(&mut self, full_name: &str, prefix: &str) -> PyResult<Bound<'py, PyAny>> {
        if let Some(namespaces) = self.settings.namespaces.clone() {
            if let Some(at) = full_name.rfind(self.settings.namespace_separator.as_str()) {
                let (namespace, name) = (
                    &full_name[..at],
                    &full_name[at + self.settings.namespace_separator.len()..],
                );
                let short = match namespaces.get_item(namespace) {
                    Ok(short) => short,
                    Err(err) if err.is_instance_of::<PyKeyError>(self.py) => {
                        PyString::new(self.py, namespace).into_any()
                    }
                    Err(err) => return Err(err),
                };
                let built = if short.is_truthy()? {
                    let separator = PyString::new(self.py, &self.settings.namespace_separator);
                    separator.call_method1("join", ((short, name),))?
                } else {
                    PyString::new(self.py, name).into_any()
                };
                if prefix.is_empty() {
                    return Ok(built);
                }
                return PyString::new(self.py, prefix).add(built);
            }
        }
        self.build_plain_name(full_name, prefix)
    }

    fn path_list(&self) -> Option<&Bound<'py, PyList>> {
        self.path.as_ref()
    }

    /// `key in option`, or `option(path[:-1], key, value)` when that is a
    /// TypeError, as xmltodict's `_should_force_list` and
    /// `_should_force_cdata` do.
    fn should_force(
        &self,
        option: &Option<Bound<'py, PyAny>>,
        is_function: bool,
        key: &Bound<'py, PyAny>,
        value: &Bound<'py, PyAny>,
    ) -> PyResult<bool> {
        let Some(option) = option else {
            return Ok(false);
        };
        if !option.is_truthy()? {
            return Ok(false);
        }
        if option.is_instance_of::<PyBool>() {
            return Ok(true);
        }
        let call = || {
            let path = match self.path_list() {
                Some(path) => path.get_slice(0, path.len().saturating_sub(1)).into_any(),
                None => PyList::empty(self.py).into_any(),
            };
            option.call1((path, key, value))?.is_truthy()
        };
        if is_function {
            return call();
        }
        match option.contains(key) {
            Ok(found) => Ok(found),
            Err(err) if err.is_instance_of::<PyTypeError>(self.py) => call(),
            Err(err) => Err(err),
        }
    }

    /// xmltodict's `push_data`.
    fn push_data(
        &mut self,
        item: Option<Bound<'py, PyAny>>,
        key: Bound<'py, PyAny>,
        data: Bound<'py, PyAny>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let (key, data) = match &self.settings.postprocessor {
            Some(postprocessor) => {
                let path = self.path_list().map(|p| p.clone().into_any());
                let result = postprocessor.call1((path, key, data))?;
                if result.is_none() {
                    return Ok(item);
                }
                let key = result.get_item(0)?;
                let data = result.get_item(1)?;
                // Unpacking a result of another length fails as in Python.
                if result.len()? != 2 {
                    return Err(pyo3::exceptions::PyValueError::new_err(
                        "too many values to unpack (expected 2)",
                    ));
                }
                (key, data)
            }
            None => (key, data),
        };
        let item = match item {
            Some(item) => item,
            None => self.new_dict()?,
        };
        if let Ok(dict) = item.cast_exact::<PyDict>() {
            if self.settings.force_list.is_none() {
                // One lookup instead of two: insert unless present. The
                // size tells which happened (the value found may be the
                // very object inserted, as cached strings repeat).
                // SAFETY: `dict` is a dict, `key` and `data` live objects;
                // PyDict_SetDefault returns a borrowed reference (or NULL
                // with an exception set), promoted at once to an owned one.
                let existing = unsafe {
                    let before = ffi::PyDict_Size(dict.as_ptr());
                    let found = ffi::PyDict_SetDefault(dict.as_ptr(), key.as_ptr(), data.as_ptr());
                    if found.is_null() {
                        return Err(PyErr::fetch(self.py));
                    }
                    if ffi::PyDict_Size(dict.as_ptr()) != before {
                        return Ok(Some(item));
                    }
                    Bound::from_borrowed_ptr(self.py, found)
                };
                if let Ok(list) = existing.cast::<PyList>() {
                    list.append(data)?;
                } else {
                    dict.set_item(key, PyList::new(self.py, [existing, data])?)?;
                }
                return Ok(Some(item));
            }
            // SAFETY: `dict` is a dict and `key` a live object; the
            // returned reference is borrowed and used before any call that
            // could change the dict.
            let existing = unsafe { ffi::PyDict_GetItemWithError(dict.as_ptr(), key.as_ptr()) };
            if !existing.is_null() {
                // SAFETY: a borrowed reference from the dict, promoted to
                // an owned one before the dict is touched again.
                let existing = unsafe { Bound::from_borrowed_ptr(self.py, existing) };
                if let Ok(list) = existing.cast::<PyList>() {
                    list.append(data)?;
                } else {
                    dict.set_item(key, PyList::new(self.py, [existing, data])?)?;
                }
                return Ok(Some(item));
            }
            if PyErr::occurred(self.py) {
                return Err(PyErr::fetch(self.py));
            }
            if self.should_force(
                &self.settings.force_list,
                self.force_list_is_function,
                &key,
                &data,
            )? {
                dict.set_item(key, PyList::new(self.py, [data])?)?;
            } else {
                dict.set_item(key, data)?;
            }
            return Ok(Some(item));
        }
        match item.get_item(&key) {
            Ok(existing) => {
                if let Ok(list) = existing.cast::<PyList>() {
                    list.append(data)?;
                } else {
                    item.set_item(key, PyList::new(self.py, [existing, data])?)?;
                }
            }
            Err(err) if err.is_instance_of::<PyKeyError>(self.py) => {
                if self.should_force(
                    &self.settings.force_list,
                    self.force_list_is_function,
                    &key,
                    &data,
                )? {
                    item.set_item(key, PyList::new(self.py, [data])?)?;
                } else {
                    item.set_item(key, data)?;
                }
            }
            Err(err) => return Err(err),
        }
        Ok(Some(item))
    }
}

impl<'py> serialkit::xml::XmlSink for Handler<'py> {
    type Error = PyErr;

    fn namespace_decl(&mut self, prefix: &str, uri: &str) -> PyResult<()> {
        let declarations = match &self.namespace_declarations {
            Some(declarations) => declarations.clone(),
            None => {
                let fresh = self.new_dict()?;
                self.namespace_declarations = Some(fresh.clone());
                fresh
            }
        };
        declarations.set_item(prefix, uri)
    }

    fn start_element(&mut self, full_name: &str, attrs: &Attrs<'_>) -> PyResult<()> {
        let name = self.build_name(full_name, "")?;
        self.names.push(name.clone());
        let declarations = self.namespace_declarations.take();
        let raw_attrs = if self.path.is_some() || !self.fast() || declarations.is_some() {
            let pairs = attrs
                .iter()
                .map(|(key, value)| PyTuple::new(self.py, [key.as_ref(), value.as_ref()]))
                .collect::<PyResult<Vec<_>>>()?;
            let raw = match &self.settings.dict_constructor {
                None => PyDict::from_sequence(PyList::new(self.py, pairs)?.as_any())?.into_any(),
                Some(constructor) => constructor.call1((PyList::new(self.py, pairs)?,))?,
            };
            if let Some(declarations) = &declarations {
                raw.set_item("xmlns", declarations)?;
            }
            Some(raw)
        } else {
            None
        };
        self.depth += 1;
        if let Some(path) = &self.path {
            let attrs_or_none = match &raw_attrs {
                Some(raw) if raw.is_truthy()? => raw.clone(),
                _ => self.py.None().into_bound(self.py),
            };
            path.append(PyTuple::new(self.py, [name.clone(), attrs_or_none])?)?;
        }
        if self.depth < self.settings.item_depth {
            return Ok(());
        }
        let parent = std::mem::take(&mut self.current);
        self.stack.push(parent);
        if !self.settings.xml_attribs {
            return Ok(());
        }
        let item = match raw_attrs {
            None => {
                if attrs.is_empty() {
                    None
                } else {
                    let dict = PyDict::new(self.py);
                    let prefix = std::mem::take(&mut self.settings.attr_prefix);
                    for (key, value) in attrs {
                        let key = self.build_name(key, &prefix);
                        let value = self.value_string(value);
                        match (key, value) {
                            (Ok(key), Ok(value)) => dict.set_item(key, value)?,
                            (Err(err), _) | (_, Err(err)) => {
                                self.settings.attr_prefix = prefix;
                                return Err(err);
                            }
                        }
                    }
                    self.settings.attr_prefix = prefix;
                    Some(dict.into_any())
                }
            }
            Some(raw) => {
                let mut entries = Vec::new();
                let prefix = self.settings.attr_prefix.clone();
                for pair in raw.call_method0("items")?.try_iter()? {
                    let pair = pair?;
                    let key: String = pair.get_item(0)?.extract()?;
                    let value = pair.get_item(1)?;
                    let key = self.build_name(&key, &prefix)?;
                    let entry = match &self.settings.postprocessor {
                        Some(postprocessor) => {
                            postprocessor.call1((self.path_list().cloned(), key, value))?
                        }
                        None => PyTuple::new(self.py, [key, value])?.into_any(),
                    };
                    if entry.is_truthy()? {
                        entries.push(entry);
                    }
                }
                let built = match &self.settings.dict_constructor {
                    None => {
                        PyDict::from_sequence(PyList::new(self.py, entries)?.as_any())?.into_any()
                    }
                    Some(constructor) => constructor.call1((PyList::new(self.py, entries)?,))?,
                };
                built.is_truthy()?.then_some(built)
            }
        };
        self.current.item = item;
        Ok(())
    }

    fn end_element(&mut self, full_name: &str) -> PyResult<()> {
        // The start tag's key, unless a namespace map must be consulted
        // again as xmltodict does (it may be a mapping with side effects).
        let name = match self.names.pop() {
            Some(name) if self.settings.namespaces.is_none() => name,
            _ => self.build_name(full_name, "")?,
        };
        if self.depth == self.settings.item_depth {
            let frame = std::mem::take(&mut self.current);
            let item = match frame.item {
                Some(item) => item,
                None if frame.chunks == 0 => self.py.None().into_bound(self.py),
                None => self.value_string(&frame.data)?,
            };
            let path = self.path_list().map(|p| p.clone().into_any());
            let keep_going = match &self.settings.item_callback {
                Some(callback) => callback.call1((path, item))?.is_truthy()?,
                None => true,
            };
            if !keep_going {
                return Err(PyErr::from_value(self.settings.interrupted.call0()?));
            }
            self.current = self.stack.pop().unwrap_or_default();
            self.pop_path()?;
            return Ok(());
        }
        match self.stack.pop() {
            Some(parent) => {
                let mut frame = std::mem::replace(&mut self.current, parent);
                let data = if frame.chunks > 0 {
                    let text = if self.settings.strip_whitespace {
                        frame.data.trim()
                    } else {
                        frame.data.as_str()
                    };
                    if text.is_empty() {
                        None
                    } else {
                        Some(self.value_string(text)?)
                    }
                } else {
                    None
                };
                self.recycle(std::mem::take(&mut frame.data));
                let mut item = frame.item;
                if let Some(text) = &data {
                    let force_cdata = self.settings.force_cdata.clone();
                    if self.should_force(&force_cdata, self.force_cdata_is_function, &name, text)?
                        && item.is_none()
                    {
                        item = Some(self.new_dict()?);
                    }
                }
                let parent_item = self.current.item.take();
                self.current.item = match item {
                    Some(item) => {
                        let item = match data {
                            Some(text) => {
                                let key = self.settings.cdata_key.clone();
                                self.push_data(Some(item), key, text)?
                            }
                            None => Some(item),
                        };
                        let value = item.unwrap_or_else(|| self.py.None().into_bound(self.py));
                        self.push_data(parent_item, name, value)?
                    }
                    None => {
                        let value = data.unwrap_or_else(|| self.py.None().into_bound(self.py));
                        self.push_data(parent_item, name, value)?
                    }
                };
            }
            None => self.current = Frame::default(),
        }
        self.pop_path()
    }

    fn characters(&mut self, text: &mut String) -> PyResult<()> {
        // Above the streaming depth xmltodict keeps text that nothing can
        // ever see (it is dropped when its element ends); not keeping it
        // lets a stream of items separated by whitespace run in constant
        // memory.
        if self.depth < self.settings.item_depth {
            return Ok(());
        }
        if self.current.chunks == 0 && self.current.data.is_empty() {
            // Take the reader's buffer instead of copying it; it gets an
            // empty one of ours back.
            if self.current.data.capacity() == 0 {
                if let Some(spare) = self.spare.pop() {
                    self.current.data = spare;
                }
            }
            std::mem::swap(&mut self.current.data, text);
            self.current.chunks = 1;
            return Ok(());
        }
        let text = text.as_str();
        let frame = &mut self.current;
        if frame.chunks > 0 && !self.settings.cdata_separator.is_empty() {
            frame.data.push_str(&self.settings.cdata_separator);
        }
        frame.data.push_str(text);
        frame.chunks += 1;
        Ok(())
    }

    fn comment(&mut self, text: &str) -> PyResult<()> {
        let text = if self.settings.strip_whitespace {
            text.trim()
        } else {
            text
        };
        let text = self.value_string(text)?;
        let key = self.settings.comment_key.clone();
        let item = self.current.item.take();
        self.current.item = self.push_data(item, key, text)?;
        Ok(())
    }
}

impl Handler<'_> {
    /// Keeps a text buffer for the next element, so that elements with
    /// text do not each allocate one.
    fn recycle(&mut self, mut data: String) {
        if data.capacity() > 0 && data.capacity() <= 1 << 16 && self.spare.len() < 64 {
            data.clear();
            self.spare.push(data);
        }
    }

    fn pop_path(&mut self) -> PyResult<()> {
        self.depth -= 1;
        if let Some(path) = &self.path {
            let len = path.len();
            if len > 0 {
                path.del_item(len - 1)?;
            }
        }
        Ok(())
    }
}
