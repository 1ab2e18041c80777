//! Builds Python objects from the core pickle machine, under a policy.

use super::policy::Checks;
use crate::address_hash::AddressMap;
use crate::gc::GcPause;
use crate::pystr::{ascii_str, owned, utf8_str, wtf8_str};
use pyo3::exceptions::{PyUnicodeDecodeError, PyValueError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyFrozenSet, PyList, PySet, PyString, PyTuple,
};
use serialkit::pickle::{Items, Pairs, PickleSink, PickleStr};
use std::collections::HashSet;

/// Who decides which globals a load may resolve.
pub enum Trust {
    /// `SAFE_GLOBALS` and the caller's `allow` (full dotted names).
    Allowlist(HashSet<String>),
    /// Anything, as `pickle.loads` does.
    Everything,
    /// An `Unpickler` subclass's own `find_class`, which takes over.
    FindClass(Py<PyAny>),
}

pub struct PySink<'py> {
    pub py: Python<'py>,
    pub trust: Trust,
    pub checks: &'static Checks,
    pub persistent_load: Option<Bound<'py, PyAny>>,
    /// An iterator over the caller's out-of-band buffers.
    pub buffers: Option<Bound<'py, PyAny>>,
    /// The codec and error handler for Python 2 strings, when the core
    /// does not implement them.
    pub python2_codec: Option<(Bound<'py, PyString>, Bound<'py, PyString>)>,
    /// Per class (by address, kept alive by the entry): the classes whose
    /// size checks NEWOBJ applies, see [`Checks::checked_classes`].
    pub newobj_checks: AddressMap<Vec<Bound<'py, PyAny>>>,
    /// Paused for the load; counts the containers made.
    pub gc: GcPause,
}

impl<'py> PySink<'py> {
    fn checking(&self) -> bool {
        !matches!(self.trust, Trust::Everything)
    }

    fn unpickling_error(&self, message: String) -> PyErr {
        match crate::pytypes::pickle_class(self.py, "UnpicklingError")
            .and_then(|class| class.call1((message,)))
        {
            Ok(error) => PyErr::from_value(error),
            Err(err) => err,
        }
    }

    fn forbidden(&self, name: &str) -> PyErr {
        let message = format!(
            "global '{name}' is forbidden: serialkit.pickle only imports SAFE_GLOBALS unless told \
             otherwise. If you trust it, pass allow=['{name}'] (or the object itself), or \
             trusted=True to load exactly as pickle.loads does"
        );
        match crate::pytypes::pickle_class(self.py, "ForbiddenGlobal")
            .and_then(|class| class.call1((message, name)))
        {
            Ok(error) => PyErr::from_value(error),
            Err(err) => err,
        }
    }

    /// `find_class` as CPython's unpickler does it: audited, imported, then
    /// looked up attribute by attribute along a dotted name.
    fn resolve(&self, module: &str, qualname: &str) -> PyResult<Bound<'py, PyAny>> {
        let py = self.py;
        py.import("sys")?
            .getattr("audit")?
            .call1(("pickle.find_class", module, qualname))?;
        py.import("builtins")?.getattr("__import__")?.call1((
            module,
            py.None(),
            py.None(),
            PyTuple::empty(py),
            0,
        ))?;
        let mut object = py.import("sys")?.getattr("modules")?.get_item(module)?;
        for part in qualname.split('.') {
            if part == "<locals>" {
                return Err(PyErr::new::<pyo3::exceptions::PyAttributeError, _>(
                    format!("Can't get local attribute {qualname:?} on {module:?}"),
                ));
            }
            object = object.getattr(part)?;
        }
        Ok(object)
    }

    fn tuple_of(&self, items: Items<'_, Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        Ok(PyTuple::new(self.py, items)?.into_any())
    }
}

/// The interned version of an exact `str`, as CPython interns attribute
/// names set by BUILD.
fn intern_str(key: Bound<'_, PyAny>) -> Bound<'_, PyAny> {
    let py = key.py();
    let mut pointer = key.into_ptr();
    // SAFETY: `pointer` owns a reference to an exact str; the call
    // replaces it with the interned string, handing over ownership.
    unsafe {
        ffi::PyUnicode_InternInPlace(&mut pointer);
        Bound::from_owned_ptr(py, pointer)
    }
}

fn is_safe_global(module: &str, qualname: &str) -> bool {
    super::policy::SAFE_GLOBALS
        .iter()
        .any(|&(safe_module, safe_name, _)| safe_module == module && safe_name == qualname)
}

impl<'py> PickleSink for PySink<'py> {
    type Handle = Bound<'py, PyAny>;
    type Error = PyErr;

    fn share(&mut self, handle: &Self::Handle) -> Self::Handle {
        handle.clone()
    }

    fn str_text(&self, handle: &Self::Handle) -> Option<String> {
        let text = handle.cast_exact::<pyo3::types::PyString>().ok()?;
        text.to_str().ok().map(str::to_owned)
    }

    fn none(&mut self) -> PyResult<Self::Handle> {
        Ok(self.py.None().into_bound(self.py))
    }

    fn bool(&mut self, value: bool) -> PyResult<Self::Handle> {
        Ok(PyBool::new(self.py, value).to_owned().into_any())
    }

    fn int(&mut self, value: i64) -> PyResult<Self::Handle> {
        Ok(value.into_pyobject(self.py)?.into_any())
    }

    fn big_int(&mut self, le_twos_complement: &[u8]) -> PyResult<Self::Handle> {
        let int_type = self.py.get_type::<pyo3::types::PyInt>();
        let kwargs = PyDict::new(self.py);
        kwargs.set_item("signed", true)?;
        int_type.call_method(
            "from_bytes",
            (PyBytes::new(self.py, le_twos_complement), "little"),
            Some(&kwargs),
        )
    }

    fn float(&mut self, value: f64) -> PyResult<Self::Handle> {
        Ok(PyFloat::new(self.py, value).into_any())
    }

    fn str(&mut self, text: PickleStr<'_>) -> PyResult<Self::Handle> {
        if text.ascii {
            return ascii_str(self.py, text.bytes);
        }
        utf8_str(self.py, text.bytes, text.surrogates)
    }

    /// Built as `pickle.loads` builds it (CPython's codec with the
    /// `surrogatepass` handler) but checked and filled in one pass (see
    /// `pystr::wtf8_str`); a decode error hands the bytes back to the
    /// machine, which reports it as before.
    fn str_validating(&mut self, bytes: &[u8]) -> Option<PyResult<Self::Handle>> {
        match wtf8_str(self.py, bytes) {
            Err(err) if err.is_instance_of::<PyUnicodeDecodeError>(self.py) => None,
            made => Some(made),
        }
    }

    fn bytes(&mut self, bytes: &[u8]) -> PyResult<Self::Handle> {
        Ok(PyBytes::new(self.py, bytes).into_any())
    }

    fn python2_str(&mut self, raw: &[u8]) -> PyResult<Self::Handle> {
        let raw = PyBytes::new(self.py, raw);
        match &self.python2_codec {
            Some((encoding, errors)) => raw.call_method1("decode", (encoding, errors)),
            None => Ok(raw.into_any()),
        }
    }

    fn bytearray(&mut self, bytes: &[u8]) -> PyResult<Self::Handle> {
        Ok(PyByteArray::new(self.py, bytes).into_any())
    }

    fn empty_list(&mut self) -> PyResult<Self::Handle> {
        self.gc.made_container(self.py);
        Ok(PyList::empty(self.py).into_any())
    }

    fn empty_dict(&mut self) -> PyResult<Self::Handle> {
        self.gc.made_container(self.py);
        Ok(PyDict::new(self.py).into_any())
    }

    fn empty_set(&mut self) -> PyResult<Self::Handle> {
        self.gc.made_container(self.py);
        Ok(PySet::empty(self.py)?.into_any())
    }

    fn tuple(&mut self, items: Items<'_, Self::Handle>) -> PyResult<Self::Handle> {
        self.gc.made_container(self.py);
        self.tuple_of(items)
    }

    fn frozenset(&mut self, items: Items<'_, Self::Handle>) -> PyResult<Self::Handle> {
        let items: Vec<_> = items.collect();
        Ok(PyFrozenSet::new(self.py, &items)?.into_any())
    }

    /// As CPython: a list is extended in place; anything else through its
    /// own `extend`, or `append` item by item.
    fn list_extend(
        &mut self,
        target: &Self::Handle,
        items: Items<'_, Self::Handle>,
    ) -> PyResult<()> {
        if let Ok(list) = target.cast::<PyList>() {
            if list.is_exact_instance_of::<PyList>() {
                for item in items {
                    list.append(item)?;
                }
                return Ok(());
            }
        }
        let items: Vec<_> = items.collect();
        match target.getattr(pyo3::intern!(self.py, "extend")) {
            Ok(extend) => {
                extend.call1((PyList::new(self.py, items)?,))?;
            }
            Err(_) => {
                let append = target.getattr(pyo3::intern!(self.py, "append"))?;
                for item in items {
                    append.call1((item,))?;
                }
            }
        }
        Ok(())
    }

    fn dict_set_items(
        &mut self,
        target: &Self::Handle,
        pairs: Pairs<'_, Self::Handle>,
    ) -> PyResult<()> {
        if let Ok(dict) = target.cast::<PyDict>() {
            if dict.is_exact_instance_of::<PyDict>() {
                for (key, value) in pairs {
                    // The most frequent call of a load: straight to
                    // PyDict_SetItem, without pyo3's generic conversions.
                    // SAFETY: all three are live objects, the GIL is held;
                    // PyDict_SetItem takes its own references.
                    let status =
                        unsafe { ffi::PyDict_SetItem(dict.as_ptr(), key.as_ptr(), value.as_ptr()) };
                    if status != 0 {
                        return Err(PyErr::fetch(self.py));
                    }
                }
                return Ok(());
            }
        }
        // Anything else through its own __setitem__, as CPython does.
        for (key, value) in pairs {
            target.set_item(key, value)?;
        }
        Ok(())
    }

    fn set_add(&mut self, target: &Self::Handle, items: Items<'_, Self::Handle>) -> PyResult<()> {
        if let Ok(set) = target.cast::<PySet>() {
            for item in items {
                set.add(item)?;
            }
            return Ok(());
        }
        let add = target.getattr(pyo3::intern!(self.py, "add"))?;
        for item in items {
            add.call1((item,))?;
        }
        Ok(())
    }

    fn global(&mut self, module: &str, qualname: &str) -> PyResult<Self::Handle> {
        match &self.trust {
            Trust::FindClass(find_class) => find_class.bind(self.py).call1((module, qualname)),
            Trust::Everything => self.resolve(module, qualname),
            Trust::Allowlist(allowed) => {
                let name = format!("{module}.{qualname}");
                if is_safe_global(module, qualname) || allowed.contains(&name) {
                    self.resolve(module, qualname)
                } else {
                    Err(self.forbidden(&name))
                }
            }
        }
    }

    fn call(&mut self, callable: Self::Handle, args: Self::Handle) -> PyResult<Self::Handle> {
        if self.checking() {
            self.checks.check_call(&callable, &args)?;
        }
        callable.call1(args.cast_into::<PyTuple>()?)
    }

    fn new_object(
        &mut self,
        cls: Self::Handle,
        args: Self::Handle,
        kwargs: Option<Self::Handle>,
    ) -> PyResult<Self::Handle> {
        if !cls.is_instance_of::<pyo3::types::PyType>() {
            let name = cls.get_type().name()?;
            return Err(
                self.unpickling_error(format!("NEWOBJ class argument must be a type, not {name}"))
            );
        }
        if self.checking() {
            let key = cls.as_ptr() as usize;
            if !self.newobj_checks.contains_key(&key) {
                let checked = self.checks.checked_classes(&cls)?;
                self.newobj_checks.insert(key, checked);
            }
            for checked in self.newobj_checks.get(&key).into_iter().flatten() {
                self.checks.check_call(checked, &args)?;
            }
        }
        let args = args.cast_into::<PyTuple>()?;
        let kwargs = match kwargs {
            Some(kwargs) => Some(kwargs.cast_into::<PyDict>()?),
            None => None,
        };
        // SAFETY: `cls` is a type (checked above), so it is a PyTypeObject.
        let tp_new = unsafe { (*cls.as_ptr().cast::<ffi::PyTypeObject>()).tp_new };
        let Some(tp_new) = tp_new else {
            let name = cls.getattr(pyo3::intern!(self.py, "__name__"))?;
            return Err(self.unpickling_error(format!(
                "NEWOBJ class argument '{name}' doesn't have __new__"
            )));
        };
        let kwargs_pointer = kwargs
            .as_ref()
            .map_or(std::ptr::null_mut(), |kwargs| kwargs.as_ptr());
        // SAFETY: as CPython's NEWOBJ does, the type's tp_new is called with
        // the type, an argument tuple and an optional keyword dict, all
        // alive; it returns a new reference or NULL with an error set.
        owned(self.py, unsafe {
            tp_new(cls.as_ptr().cast(), args.as_ptr(), kwargs_pointer)
        })
    }

    /// CPython's `_instantiate`: `cls.__new__(cls)` for a class without
    /// arguments or `__getinitargs__`, `cls(*args)` otherwise.
    fn instantiate(
        &mut self,
        cls: Self::Handle,
        args: Self::Handle,
        arg_count: usize,
    ) -> PyResult<Self::Handle> {
        let is_type = cls.is_instance_of::<pyo3::types::PyType>();
        if arg_count > 0 || !is_type || cls.hasattr(pyo3::intern!(self.py, "__getinitargs__"))? {
            self.call(cls, args)
        } else {
            let new = cls.getattr(pyo3::intern!(self.py, "__new__"))?;
            new.call1((cls,))
        }
    }

    /// BUILD, as CPython: `__setstate__(state)` when the object has one;
    /// otherwise the state dict (and the slot-state dict of a pair) is
    /// merged into the object.
    fn build(&mut self, target: &Self::Handle, state: Self::Handle) -> PyResult<()> {
        let name = pyo3::intern!(self.py, "__setstate__");
        // SAFETY: both objects are alive. PyObject_HasAttr answers without
        // creating the AttributeError a failed getattr would, which
        // dominated loading many instances without __setstate__.
        if unsafe { ffi::PyObject_HasAttr(target.as_ptr(), name.as_ptr()) } == 1 {
            target.getattr(name)?.call1((state,))?;
            return Ok(());
        }
        let (state, slot_state) = match state.cast::<PyTuple>() {
            Ok(pair) if pair.len() == 2 => (pair.get_item(0)?, Some(pair.get_item(1)?)),
            _ => (state, None),
        };
        if !state.is_none() {
            let Ok(state) = state.cast::<PyDict>() else {
                return Err(self.unpickling_error("state is not a dictionary".to_owned()));
            };
            let instance_dict = target.getattr(pyo3::intern!(self.py, "__dict__"))?;
            for (key, value) in state.iter() {
                let key = if key.is_exact_instance_of::<pyo3::types::PyString>() {
                    intern_str(key)
                } else {
                    key
                };
                instance_dict.set_item(key, value)?;
            }
        }
        if let Some(slot_state) = slot_state.filter(|slots| !slots.is_none()) {
            let Ok(slot_state) = slot_state.cast::<PyDict>() else {
                return Err(self.unpickling_error("slot state is not a dictionary".to_owned()));
            };
            for (key, value) in slot_state.iter() {
                target.setattr(key.cast_into::<pyo3::types::PyString>()?, value)?;
            }
        }
        Ok(())
    }

    fn persistent_load(&mut self, pid: Self::Handle) -> PyResult<Self::Handle> {
        match &self.persistent_load {
            Some(load) => load.call1((pid,)),
            None => Err(self.unpickling_error(
                "A load persistent id instruction was encountered, but no persistent_load function was specified."
                    .to_owned(),
            )),
        }
    }

    /// EXT1/2/4 name a global through copyreg's registry; the policy
    /// applies to that global like any other.
    fn extension(&mut self, code: u32) -> PyResult<Self::Handle> {
        let registry = self.py.import("copyreg")?.getattr("_inverted_registry")?;
        let key = registry.call_method1("get", (code,))?;
        if key.is_none() {
            return Err(PyValueError::new_err(format!(
                "unregistered extension code {code}"
            )));
        }
        let (module, name): (String, String) = key.extract()?;
        self.global(&module, &name)
    }

    fn next_buffer(&mut self) -> PyResult<Self::Handle> {
        let Some(buffers) = &self.buffers else {
            return Err(self.unpickling_error(
                "pickle stream refers to out-of-band data but no *buffers* argument was given"
                    .to_owned(),
            ));
        };
        let next = self.py.import("builtins")?.getattr("next")?;
        match next.call1((buffers, self.py.None())) {
            Ok(buffer) if !buffer.is_none() => Ok(buffer),
            Ok(_) => Err(self.unpickling_error("not enough out-of-band buffers".to_owned())),
            Err(err) => Err(err),
        }
    }

    fn readonly_buffer(&mut self, buffer: Self::Handle) -> PyResult<Self::Handle> {
        let view = self
            .py
            .import("builtins")?
            .getattr("memoryview")?
            .call1((&buffer,))?;
        if view.getattr("readonly")?.is_truthy()? {
            Ok(buffer)
        } else {
            view.call_method0("toreadonly")
        }
    }
}
