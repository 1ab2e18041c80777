//! Builds Python objects straight from the core JSON parser.

use super::keys::KeyCache;
use crate::gc::GcPause;
use crate::pystr::{ascii_str, owned, utf8_str, valid_utf8_str};
use crate::stack::Nesting;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyFloat, PyList, PyTuple};
use serialkit::json::{Constant, Container, JsonStr, Number, NumberKind, Sink};
use std::sync::MutexGuard;

/// Values up to this length go through the key cache.
const SHORT_VALUE_BYTES: usize = 16;

/// The callables `json.loads` accepts; `None` means the built-in behaviour.
#[derive(Default)]
pub struct Hooks<'py> {
    pub object_hook: Option<Bound<'py, PyAny>>,
    pub object_pairs_hook: Option<Bound<'py, PyAny>>,
    pub parse_float: Option<Bound<'py, PyAny>>,
    pub parse_int: Option<Bound<'py, PyAny>>,
    pub parse_constant: Option<Bound<'py, PyAny>>,
}

pub struct PySink<'py> {
    py: Python<'py>,
    hooks: Hooks<'py>,
    /// Elements of the arrays (and pairs of the objects, with
    /// `object_pairs_hook`) being built, innermost last. One shared stack
    /// instead of a vector per container.
    stack: Vec<Bound<'py, PyAny>>,
    keys: Option<MutexGuard<'static, KeyCache>>,
    nesting: Nesting,
    /// Paused while the sink lives; counts the containers made.
    gc: GcPause,
}

/// Where an object's keys and values wait on the shared stack (key, value,
/// key, value, ...) until the object ends and its size is known.
pub struct ObjectBuilder {
    start: usize,
}

extern "C" {
    /// CPython's dict constructor with room for `minused` entries, exported
    /// by every CPython 3 (and used by Cython and orjson). Building each
    /// object's dict at its final size avoids the resizes that inserting
    /// one key at a time goes through past five entries.
    fn _PyDict_NewPresized(minused: ffi::Py_ssize_t) -> *mut ffi::PyObject;
}

impl<'py> PySink<'py> {
    pub fn new(py: Python<'py>, hooks: Hooks<'py>) -> Self {
        PySink {
            py,
            hooks,
            stack: Vec::new(),
            keys: KeyCache::lock(),
            nesting: Nesting::default(),
            gc: GcPause::new(py),
        }
    }

    fn text(&self, string: JsonStr<'_>) -> PyResult<Bound<'py, PyAny>> {
        if string.ascii {
            ascii_str(self.py, string.bytes)
        } else if string.surrogates {
            utf8_str(self.py, string.bytes, true)
        } else {
            valid_utf8_str(self.py, string.bytes)
        }
    }

    /// Moves the key/value entries above `start` into a list of pairs.
    fn pairs_from_stack(&mut self, start: usize) -> PyResult<Bound<'py, PyList>> {
        let mut pairs = Vec::with_capacity((self.stack.len() - start) / 2);
        let mut items = self.stack.drain(start..);
        while let (Some(key), Some(value)) = (items.next(), items.next()) {
            pairs.push(PyTuple::new(self.py, [key, value])?);
        }
        drop(items);
        PyList::new(self.py, pairs)
    }

    /// Moves the top `len - start` stack entries into a new list.
    fn list_from_stack(&mut self, start: usize) -> PyResult<Bound<'py, PyList>> {
        self.gc.made_container(self.py);
        let items = self.stack.drain(start..);
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
        Ok(list.cast_into::<PyList>()?)
    }
}

fn call_hook<'py>(hook: &Bound<'py, PyAny>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    hook.call1((text,))
}

impl<'py> Sink for PySink<'py> {
    type Value = Bound<'py, PyAny>;
    type Key = Bound<'py, PyAny>;
    type Array = usize;
    type Object = ObjectBuilder;
    type Error = PyErr;

    fn null(&mut self) -> PyResult<Self::Value> {
        Ok(self.py.None().into_bound(self.py))
    }

    fn boolean(&mut self, value: bool) -> PyResult<Self::Value> {
        Ok(pyo3::types::PyBool::new(self.py, value)
            .to_owned()
            .into_any())
    }

    fn number(&mut self, number: Number<'_>) -> PyResult<Self::Value> {
        match number.kind {
            NumberKind::Float => match &self.hooks.parse_float {
                Some(hook) => call_hook(hook, number.text),
                // The grammar only admits texts Rust parses, correctly
                // rounded like Python's float().
                None => {
                    Ok(PyFloat::new(self.py, number.text.parse().unwrap_or(f64::NAN)).into_any())
                }
            },
            NumberKind::Int(value) => match &self.hooks.parse_int {
                Some(hook) => call_hook(hook, number.text),
                None => match &mut self.keys {
                    Some(cache) => cache.int(self.py, value),
                    None => Ok(value.into_pyobject(self.py)?.into_any()),
                },
            },
            NumberKind::BigInt => match &self.hooks.parse_int {
                Some(hook) => call_hook(hook, number.text),
                None => {
                    let text = std::ffi::CString::new(number.text)?;
                    // SAFETY: a NUL-terminated digit string; PyLong_FromString
                    // enforces the interpreter's digit limit as int() does.
                    owned(self.py, unsafe {
                        ffi::PyLong_FromString(text.as_ptr(), std::ptr::null_mut(), 10)
                    })
                }
            },
        }
    }

    fn constant(&mut self, constant: Constant) -> PyResult<Self::Value> {
        match &self.hooks.parse_constant {
            Some(hook) => call_hook(hook, constant.name()),
            None => Ok(PyFloat::new(self.py, constant.value()).into_any()),
        }
    }

    fn string(&mut self, string: JsonStr<'_>) -> PyResult<Self::Value> {
        // Short values repeat as keys do ("en", "USD", "true"), and share
        // the cache; longer ones rarely repeat and would only evict keys.
        match &mut self.keys {
            Some(cache) if string.ascii && string.bytes.len() <= SHORT_VALUE_BYTES => {
                cache.get(self.py, string.bytes, true)
            }
            _ => self.text(string),
        }
    }

    fn key(&mut self, key: JsonStr<'_>) -> PyResult<Self::Key> {
        match &mut self.keys {
            Some(cache) => cache.get(self.py, key.bytes, key.ascii),
            None => self.text(key),
        }
    }

    fn array_begin(&mut self) -> PyResult<usize> {
        Ok(self.stack.len())
    }

    fn array_push(&mut self, _array: &mut usize, value: Self::Value) -> PyResult<()> {
        self.stack.push(value);
        Ok(())
    }

    fn array_end(&mut self, start: usize) -> PyResult<Self::Value> {
        Ok(self.list_from_stack(start)?.into_any())
    }

    fn object_begin(&mut self) -> PyResult<Self::Object> {
        Ok(ObjectBuilder {
            start: self.stack.len(),
        })
    }

    fn object_insert(
        &mut self,
        _object: &mut Self::Object,
        key: Self::Key,
        value: Self::Value,
    ) -> PyResult<()> {
        self.stack.push(key);
        self.stack.push(value);
        Ok(())
    }

    fn object_end(&mut self, object: Self::Object) -> PyResult<Self::Value> {
        if let Some(hook) = &self.hooks.object_pairs_hook {
            let hook = hook.clone();
            let pairs = self.pairs_from_stack(object.start)?;
            return hook.call1((pairs,));
        }
        let entries = (self.stack.len() - object.start) / 2;
        self.gc.made_container(self.py);
        // SAFETY: returns a new, empty dict (or NULL with MemoryError set).
        let dict = owned(self.py, unsafe {
            _PyDict_NewPresized(entries as ffi::Py_ssize_t)
        })?;
        let mut items = self.stack.drain(object.start..);
        while let (Some(key), Some(value)) = (items.next(), items.next()) {
            // SAFETY: a dict, a str key and a value, all alive; the call
            // takes its own references. Repeated keys keep their first
            // position and take the last value, as in json.loads.
            if unsafe { ffi::PyDict_SetItem(dict.as_ptr(), key.as_ptr(), value.as_ptr()) } != 0 {
                return Err(PyErr::fetch(self.py));
            }
        }
        drop(items);
        match &self.hooks.object_hook {
            Some(hook) => hook.call1((dict,)),
            None => Ok(dict),
        }
    }

    /// Counts nesting against the interpreter's recursion limit, as the
    /// standard library's scanner does, so the same documents are too deep.
    fn enter(&mut self, container: Container) -> PyResult<()> {
        let context = match container {
            Container::Array => c" while decoding a JSON array from a unicode string",
            Container::Object => c" while decoding a JSON object from a unicode string",
        };
        self.nesting.enter(self.py, context)
    }

    fn leave(&mut self) {
        self.nesting.leave();
    }
}
