//! Builds Python objects straight from the YAML constructor's calls: no
//! intermediate tree. Keys (and short ASCII values) go through the JSON
//! loader's key cache, so repeated keys are one `str` object with its hash
//! already computed.
//!
//! `!!python/...` tags are the policy point: the harmless value tags
//! (`none`, `bool`, `str`, `int`, `float`, `bytes`, `complex`, `tuple`) are
//! always built; tags that name a global (`name`, `module`, `object`,
//! `object/new`, `object/apply`) import it only when the caller's `allow`
//! names it, and raise otherwise, before anything is imported.

use crate::gc::GcPause;
use crate::json::keys::KeyCache;
use crate::pystr::{ascii_str, owned, valid_utf8_str};
use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyList, PySet, PyTuple};
use serialkit::yaml::{Builder, Collection, DuplicateKeys, Scalar, Timestamp};
use serialkit::Position;
use std::collections::HashSet;
use std::sync::MutexGuard;

extern "C" {
    /// CPython's dict constructor with room for `minused` entries (see
    /// json/decode.rs): each mapping's dict is made at its final size.
    fn _PyDict_NewPresized(minused: ffi::Py_ssize_t) -> *mut ffi::PyObject;
}

/// Values up to this length go through the key cache.
const SHORT_VALUE_BYTES: usize = 16;

/// A failure while building: the core's (syntax, limits) or Python's.
pub enum BuildError {
    Yaml(serialkit::Error),
    /// A Python exception raised by the builder, with where it happened;
    /// converted to the right `YAMLError` subclass by the caller.
    Constructor(String, Position),
    Python(PyErr),
}

impl From<serialkit::Error> for BuildError {
    fn from(err: serialkit::Error) -> Self {
        BuildError::Yaml(err)
    }
}

impl From<PyErr> for BuildError {
    fn from(err: PyErr) -> Self {
        BuildError::Python(err)
    }
}

type Result<T> = std::result::Result<T, BuildError>;

pub struct PyBuilder<'py> {
    pub py: Python<'py>,
    pub allow: HashSet<String>,
    /// Whether `!!python/...` tags are understood at all; PyYAML's
    /// `safe_load` refuses every one of them.
    pub python_tags: bool,
    keys: Option<MutexGuard<'static, KeyCache>>,
    datetime: Option<Bound<'py, PyModule>>,
    /// Paused while the builder lives; counts the collections made.
    gc: GcPause,
}

impl<'py> PyBuilder<'py> {
    pub fn new(py: Python<'py>, allow: HashSet<String>, python_tags: bool) -> Self {
        PyBuilder {
            py,
            allow,
            python_tags,
            keys: KeyCache::lock(),
            datetime: None,
            gc: GcPause::new(py),
        }
    }

    fn text(&mut self, text: &str, cached: bool) -> PyResult<Bound<'py, PyAny>> {
        let ascii = text.is_ascii();
        match &mut self.keys {
            Some(cache) if cached && ascii => cache.get(self.py, text.as_bytes(), true),
            _ if ascii => ascii_str(self.py, text.as_bytes()),
            _ => valid_utf8_str(self.py, text.as_bytes()),
        }
    }

    fn datetime_module(&mut self) -> PyResult<Bound<'py, PyModule>> {
        if self.datetime.is_none() {
            self.datetime = Some(self.py.import("datetime")?);
        }
        Ok(self.datetime.clone().expect("set above"))
    }

    fn timestamp(&mut self, stamp: Timestamp) -> PyResult<Bound<'py, PyAny>> {
        let datetime = self.datetime_module()?;
        let Some(time) = stamp.time else {
            return datetime
                .getattr("date")?
                .call1((stamp.year, stamp.month, stamp.day));
        };
        let tzinfo = match time.offset_minutes {
            None => self.py.None().into_bound(self.py),
            Some(minutes) => {
                let timezone = datetime.getattr("timezone")?;
                if minutes == 0 {
                    timezone.getattr("utc")?
                } else {
                    let kwargs = PyDict::new(self.py);
                    kwargs.set_item("minutes", minutes)?;
                    let delta = datetime.getattr("timedelta")?.call((), Some(&kwargs))?;
                    timezone.call1((delta,))?
                }
            }
        };
        datetime.getattr("datetime")?.call1((
            stamp.year,
            stamp.month,
            stamp.day,
            time.hour,
            time.minute,
            time.second,
            time.microsecond,
            tzinfo,
        ))
    }

    /// Imports `name` (`module.attr`) if the caller allowed it.
    fn global(&self, tag: &str, name: &str, at: Position) -> Result<Bound<'py, PyAny>> {
        if !self.allow.contains(name) {
            return Err(BuildError::Constructor(
                format!(
                    "the tag !!python/{tag} names the global '{name}', which is not allowed: \
                     pass allow=['{name}'] if you trust it"
                ),
                at,
            ));
        }
        let (module, attr) = name.rsplit_once('.').unwrap_or(("builtins", name));
        self.py
            .import(module)
            .and_then(|module| module.getattr(attr))
            .map_err(|err| self.not_found(tag, name, err, at))
    }

    /// An allowed global that cannot be imported is a constructor error, as
    /// PyYAML reports it, not the ImportError or AttributeError behind it.
    fn not_found(&self, tag: &str, name: &str, err: PyErr, at: Position) -> BuildError {
        BuildError::Constructor(
            format!(
                "while constructing !!python/{tag}: cannot find '{name}' ({})",
                err.value(self.py)
            ),
            at,
        )
    }

    fn module(&self, name: &str, at: Position) -> Result<Bound<'py, PyAny>> {
        if !self.allow.contains(name) {
            return Err(BuildError::Constructor(
                format!(
                    "the tag !!python/module:{name} is not allowed: pass allow=['{name}'] if you \
                     trust it"
                ),
                at,
            ));
        }
        self.py
            .import(name)
            .map(Bound::into_any)
            .map_err(|err| self.not_found(&format!("module:{name}"), name, err, at))
    }

    /// The callable and how to call it for `object:`, `object/new:` and
    /// `object/apply:` tags.
    fn object_target(&self, suffix: &str, at: Position) -> Result<(ObjectKind, Bound<'py, PyAny>)> {
        let (kind, name) = if let Some(name) = suffix.strip_prefix("object/apply:") {
            (ObjectKind::Apply, name)
        } else if let Some(name) = suffix.strip_prefix("object/new:") {
            (ObjectKind::New, name)
        } else if let Some(name) = suffix.strip_prefix("object:") {
            (ObjectKind::Instance, name)
        } else {
            return Err(unsupported_tag(suffix, at));
        };
        let tag = suffix.split_once(':').map_or(suffix, |(tag, _)| tag);
        Ok((kind, self.global(tag, name, at)?))
    }

    fn list(&self, items: std::vec::Drain<'_, Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        // SAFETY: PyList_New returns a new list with `len` empty slots, or
        // NULL with MemoryError set; every slot is filled below before the
        // list is used.
        let list = owned(self.py, unsafe {
            ffi::PyList_New(items.len() as ffi::Py_ssize_t)
        })?;
        for (index, item) in items.enumerate() {
            // SAFETY: `list` is a fresh list of exactly this length;
            // PyList_SET_ITEM steals the reference `into_ptr` gives up.
            unsafe {
                ffi::PyList_SET_ITEM(list.as_ptr(), index as ffi::Py_ssize_t, item.into_ptr())
            };
        }
        Ok(list)
    }
}

enum ObjectKind {
    /// `object/apply`: call it.
    Apply,
    /// `object/new`: `cls.__new__(cls, *args)`.
    New,
    /// `object`: `cls.__new__(cls)`, then the mapping is its state.
    Instance,
}

fn unsupported_tag(suffix: &str, at: Position) -> BuildError {
    BuildError::Constructor(
        format!("could not determine a constructor for the tag !!python/{suffix}"),
        at,
    )
}

fn constructor_error(message: impl Into<String>, at: Position) -> BuildError {
    BuildError::Constructor(message.into(), at)
}

/// Sets an object's state as PyYAML does: `__setstate__` if it has one,
/// else the state's items go into `__dict__`.
fn set_state(object: &Bound<'_, PyAny>, state: &Bound<'_, PyAny>) -> PyResult<()> {
    if object.hasattr("__setstate__")? && !state.is_instance_of::<PyDict>() {
        object.call_method1("__setstate__", (state,))?;
        return Ok(());
    }
    if let Ok(dict) = state.cast::<PyDict>() {
        if object.hasattr("__setstate__")? {
            let own = object.getattr("__class__")?.getattr("__setstate__");
            let default = object
                .py()
                .import("builtins")?
                .getattr("object")?
                .getattr("__setstate__");
            let is_default = match (own, default) {
                (Ok(own), Ok(default)) => own.is(&default),
                _ => true,
            };
            if !is_default {
                object.call_method1("__setstate__", (state,))?;
                return Ok(());
            }
        }
        let attrs = object.getattr("__dict__")?;
        attrs.call_method1("update", (dict,))?;
    }
    Ok(())
}

impl<'py> Builder for PyBuilder<'py> {
    type Node = Bound<'py, PyAny>;
    type Error = BuildError;

    fn scalar(&mut self, value: Scalar<'_>, is_key: bool, _at: Position) -> Result<Self::Node> {
        let py = self.py;
        Ok(match value {
            Scalar::Null => py.None().into_bound(py),
            Scalar::Bool(b) => PyBool::new(py, b).to_owned().into_any(),
            Scalar::Int(i) => i.into_pyobject(py).map_err(PyErr::from)?.into_any(),
            Scalar::BigInt(big) => {
                let text = std::ffi::CString::new(big.to_string()).map_err(PyErr::from)?;
                // SAFETY: a NUL-terminated decimal string.
                owned(py, unsafe {
                    ffi::PyLong_FromString(text.as_ptr(), std::ptr::null_mut(), 10)
                })?
            }
            Scalar::Float(f) => PyFloat::new(py, f).into_any(),
            Scalar::Str(text) => self.text(&text, is_key || text.len() <= SHORT_VALUE_BYTES)?,
            Scalar::Binary(bytes) => PyBytes::new(py, &bytes).into_any(),
            Scalar::Timestamp(stamp) => self.timestamp(stamp)?,
        })
    }

    fn python_scalar(&mut self, suffix: &str, text: &str, at: Position) -> Result<Self::Node> {
        if !self.python_tags {
            return Err(unsupported_tag(suffix, at));
        }
        let py = self.py;
        if let Some(name) = suffix.strip_prefix("name:") {
            return self.global("name", name, at);
        }
        if let Some(name) = suffix.strip_prefix("module:") {
            return self.module(name, at);
        }
        let invalid =
            || constructor_error(format!("invalid !!python/{suffix} scalar: {text:?}"), at);
        Ok(match suffix {
            "none" => py.None().into_bound(py),
            "str" | "unicode" => self.text(text, false)?,
            "bool" => PyBool::new(
                py,
                serialkit::yaml::resolve::yaml11_bool(text).ok_or_else(invalid)?,
            )
            .to_owned()
            .into_any(),
            "int" | "long" => {
                match serialkit::yaml::resolve::parse_int(text, serialkit::yaml::Schema::Yaml11) {
                    Some(value) => self.scalar(value, false, at)?,
                    None => return Err(invalid()),
                }
            }
            "float" => PyFloat::new(
                py,
                serialkit::yaml::resolve::parse_float(text, serialkit::yaml::Schema::Yaml11)
                    .ok_or_else(invalid)?,
            )
            .into_any(),
            "bytes" => PyBytes::new(
                py,
                &serialkit::yaml::resolve::decode_base64(text).ok_or_else(invalid)?,
            )
            .into_any(),
            "complex" => py
                .import("builtins")?
                .getattr("complex")?
                .call1((text,))
                .map_err(|_| invalid())?,
            _ => return Err(unsupported_tag(suffix, at)),
        })
    }

    fn sequence(
        &mut self,
        tag: Collection<'_>,
        items: std::vec::Drain<'_, Self::Node>,
        forward: Option<Self::Node>,
        at: Position,
    ) -> Result<Self::Node> {
        self.gc.made_container(self.py);
        let node = self.new_sequence(tag, items, at)?;
        match forward {
            None => Ok(node),
            Some(forward) => {
                // SAFETY: both are lists (`forward` makes a list for every
                // sequence it accepts); the slice assignment copies the
                // items' references.
                let status = unsafe { ffi::PyList_SetSlice(forward.as_ptr(), 0, 0, node.as_ptr()) };
                if status != 0 {
                    return Err(PyErr::fetch(self.py).into());
                }
                Ok(forward)
            }
        }
    }

    fn forward(
        &mut self,
        _anchor: usize,
        mapping: bool,
        tag: Collection<'_>,
        at: Position,
    ) -> Result<Self::Node> {
        // The collections PyYAML builds before their contents (and so can
        // hold themselves); the others cannot be recursive.
        match (tag, mapping) {
            (Collection::Plain, true) => Ok(PyDict::new(self.py).into_any()),
            (Collection::Plain | Collection::Pairs, false) => Ok(PyList::empty(self.py).into_any()),
            _ => Err(constructor_error(
                "found unconstructable recursive node",
                at,
            )),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn mapping(
        &mut self,
        tag: Collection<'_>,
        pairs: std::vec::Drain<'_, Self::Node>,
        merges: Vec<Self::Node>,
        duplicates: DuplicateKeys,
        keys_at: &[Position],
        forward: Option<Self::Node>,
        at: Position,
    ) -> Result<Self::Node> {
        self.gc.made_container(self.py);
        let node = self.new_mapping(tag, pairs, merges, duplicates, keys_at, at)?;
        match forward {
            None => Ok(node),
            Some(forward) => {
                let dict = forward.cast::<PyDict>().map_err(PyErr::from)?;
                dict.update(node.cast::<PyDict>().map_err(PyErr::from)?.as_mapping())?;
                Ok(forward)
            }
        }
    }
}

impl<'py> PyBuilder<'py> {
    fn new_sequence(
        &mut self,
        tag: Collection<'_>,
        items: std::vec::Drain<'_, Bound<'py, PyAny>>,
        at: Position,
    ) -> Result<Bound<'py, PyAny>> {
        match tag {
            Collection::Plain | Collection::Set => Ok(self.list(items)?),
            Collection::Pairs => {
                let mut pairs = Vec::with_capacity(items.len());
                for item in items {
                    let dict = item
                        .cast::<PyDict>()
                        .ok()
                        .filter(|d| d.len() == 1)
                        .ok_or_else(|| {
                            constructor_error(
                                "expected a mapping of length 1 in an ordered map or pairs",
                                at,
                            )
                        })?;
                    let (key, value) = dict.iter().next().expect("length 1");
                    pairs.push(PyTuple::new(self.py, [key, value])?);
                }
                Ok(PyList::new(self.py, pairs)?.into_any())
            }
            Collection::Python(suffix) if !self.python_tags => Err(unsupported_tag(suffix, at)),
            Collection::Python("tuple") => Ok(PyTuple::new(self.py, items)?.into_any()),
            Collection::Python(suffix) => {
                let (kind, target) = self.object_target(suffix, at)?;
                let args = PyTuple::new(self.py, items)?;
                Ok(match kind {
                    ObjectKind::Apply => target.call1(args)?,
                    ObjectKind::New | ObjectKind::Instance => {
                        let mut all = vec![target.clone()];
                        all.extend(args.iter());
                        target.call_method1("__new__", PyTuple::new(self.py, all)?)?
                    }
                })
            }
        }
    }

    fn new_mapping(
        &mut self,
        tag: Collection<'_>,
        pairs: std::vec::Drain<'_, Bound<'py, PyAny>>,
        merges: Vec<Bound<'py, PyAny>>,
        duplicates: DuplicateKeys,
        keys_at: &[Position],
        at: Position,
    ) -> Result<Bound<'py, PyAny>> {
        let py = self.py;
        // SAFETY: returns a new, empty dict (or NULL with MemoryError set).
        let dict = owned(py, unsafe {
            _PyDict_NewPresized((pairs.len() / 2) as ffi::Py_ssize_t)
        })?
        .cast_into::<PyDict>()
        .map_err(PyErr::from)?;
        let mut pairs = pairs;
        let mut index = 0;
        while let (Some(key), Some(value)) = (pairs.next(), pairs.next()) {
            let key_at = keys_at.get(index).copied().unwrap_or(at);
            index += 1;
            // SAFETY: `dict` is a dict.
            let before = unsafe { ffi::PyDict_Size(dict.as_ptr()) };
            // SAFETY: a dict, a key and a value, all alive; the call takes
            // its own references.
            let status =
                unsafe { ffi::PyDict_SetItem(dict.as_ptr(), key.as_ptr(), value.as_ptr()) };
            if status != 0 {
                let err = PyErr::fetch(py);
                if err.is_instance_of::<PyTypeError>(py) {
                    return Err(constructor_error(
                        format!("found unhashable key while constructing a mapping: {err}"),
                        key_at,
                    ));
                }
                return Err(err.into());
            }
            // SAFETY: `dict` is a dict.
            let after = unsafe { ffi::PyDict_Size(dict.as_ptr()) };
            if duplicates == DuplicateKeys::Error && after == before {
                return Err(constructor_error(
                    format!(
                        "found duplicate key {} in a mapping (pass allow_duplicate_keys=True to \
                         keep the last value)",
                        key.repr()?
                    ),
                    key_at,
                ));
            }
        }
        let dict = if merges.is_empty() {
            dict
        } else {
            let merged = PyDict::new(py);
            for merge in merges {
                let sources: Vec<Bound<'py, PyAny>> = if let Ok(list) = merge.cast::<PyList>() {
                    list.iter().rev().collect()
                } else {
                    vec![merge]
                };
                for source in sources {
                    let source = source.cast::<PyDict>().map_err(|_| {
                        constructor_error(
                            "expected a mapping or a list of mappings for merging",
                            at,
                        )
                    })?;
                    merged.update(source.as_mapping())?;
                }
            }
            merged.update(dict.as_mapping())?;
            merged
        };
        match tag {
            Collection::Set => Ok(PySet::new(py, dict.keys())?.into_any()),
            Collection::Python(suffix) if !self.python_tags => Err(unsupported_tag(suffix, at)),
            Collection::Python(suffix) => self.python_mapping(suffix, dict, at),
            _ => Ok(dict.into_any()),
        }
    }
}

impl<'py> PyBuilder<'py> {
    fn python_mapping(
        &mut self,
        suffix: &str,
        dict: Bound<'py, PyDict>,
        at: Position,
    ) -> Result<Bound<'py, PyAny>> {
        let py = self.py;
        let (kind, target) = self.object_target(suffix, at)?;
        if let ObjectKind::Instance = kind {
            let object = target.call_method1("__new__", (target.clone(),))?;
            set_state(&object, dict.as_any())?;
            return Ok(object);
        }
        let get = |name: &str| dict.get_item(name);
        let args = match get("args")? {
            Some(args) => PyTuple::new(py, args.try_iter()?.collect::<PyResult<Vec<_>>>()?)?,
            None => PyTuple::empty(py),
        };
        let kwargs = match get("kwds")? {
            Some(kwds) => Some(kwds.cast_into::<PyDict>().map_err(PyErr::from)?),
            None => None,
        };
        let object = match kind {
            ObjectKind::Apply => target.call(args, kwargs.as_ref())?,
            _ => {
                let mut all = vec![target.clone()];
                all.extend(args.iter());
                target
                    .getattr("__new__")?
                    .call(PyTuple::new(py, all)?, kwargs.as_ref())?
            }
        };
        if let Some(state) = get("state")? {
            set_state(&object, &state)?;
        }
        if let Some(items) = get("listitems")? {
            object.call_method1("extend", (items,))?;
        }
        if let Some(items) = get("dictitems")? {
            let items = items.cast_into::<PyDict>().map_err(PyErr::from)?;
            for (key, value) in items.iter() {
                object.set_item(key, value)?;
            }
        }
        Ok(object)
    }
}
