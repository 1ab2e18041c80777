//! Globals: classes, functions and other objects pickled by reference to
//! the module and name they are importable as. The name is checked by
//! importing it back, as CPython does, so that an unpicklable reference
//! fails now rather than when loading.

use super::save::{owned_or_err, repr_of, Pickler};
use pyo3::exceptions::{PyAttributeError, PyRuntimeError, PyUnicodeEncodeError};
use pyo3::ffi;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use serialkit::pickle::encode;
use serialkit::pickle::opcodes::*;

impl<'py> Pickler<'_, 'py> {
    /// Classes: `type(None)`, `type(...)` and `type(NotImplemented)` are not
    /// importable by name, so they are written as `type(singleton)`.
    pub fn save_type(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        let py = self.py;
        let singletons = [
            py.None().into_bound(py),
            py.Ellipsis().into_bound(py),
            py.NotImplemented().into_bound(py),
        ];
        for singleton in singletons {
            if obj.is(singleton.get_type()) {
                let args = PyTuple::new(py, [singleton])?;
                let reduction = PyTuple::new(py, [obj.get_type().into_any(), args.into_any()])?;
                return self.save_reduce(&reduction, Some(obj));
            }
        }
        self.save_global(obj, None)
    }

    pub fn save_global(
        &mut self,
        obj: &Bound<'py, PyAny>,
        name: Option<Bound<'py, PyAny>>,
    ) -> PyResult<()> {
        let py = self.py;
        let mut global_name = match name {
            Some(name) => name,
            None => match obj.getattr_opt(intern!(obj.py(), "__qualname__"))? {
                Some(name) => name,
                None => obj.getattr(intern!(obj.py(), "__name__"))?,
            },
        };
        let dotted_path = self.dotted_path(obj, &global_name)?;
        let mut module_name = whichmodule(obj, &dotted_path, self.state.sys.bind(py))?;
        let compat = &self.state.compat;

        // SAFETY: `module_name` is a live object; the result is a new
        // reference or NULL with an exception set.
        let module = match owned_or_err(py, unsafe { ffi::PyImport_Import(module_name.as_ptr()) }) {
            Ok(module) => module,
            Err(failure) if compat.wording_314 => {
                let error = self.pickling_error(format!(
                    "Can't pickle {}: {}",
                    repr_of(obj)?,
                    failure.value(py).str()?
                ));
                error
                    .value(py)
                    .setattr(intern!(py, "__context__"), failure.value(py))?;
                return Err(error);
            }
            Err(_) => {
                return Err(self.pickling_error(format!(
                    "Can't pickle {}: import of module {} failed",
                    repr_of(obj)?,
                    repr_of(&module_name)?
                )))
            }
        };
        let lastname = dotted_path.get_item(dotted_path.len() - 1)?;
        let (found, parent) = match deep_attribute(&module, &dotted_path) {
            Ok(found) => found,
            Err(lookup) if compat.wording_314 => {
                let error = self.pickling_error(format!(
                    "Can't pickle {}: it's not found as {}.{}",
                    repr_of(obj)?,
                    module_name.str()?,
                    global_name.str()?
                ));
                // Raised while handling the failed lookup, as CPython's is.
                error
                    .value(py)
                    .setattr(intern!(py, "__context__"), lookup.value(py))?;
                return Err(error);
            }
            Err(_) => {
                return Err(self.pickling_error(format!(
                    "Can't pickle {}: attribute lookup {} on {} failed",
                    repr_of(obj)?,
                    global_name.str()?,
                    module_name.str()?
                )))
            }
        };
        if !found.is(obj) {
            return Err(self.pickling_error(format!(
                "Can't pickle {}: it's not the same object as {}.{}",
                repr_of(obj)?,
                module_name.str()?,
                global_name.str()?
            )));
        }

        if self.proto >= 2 {
            let key = PyTuple::new(py, [module_name.clone(), global_name.clone()])?;
            if let Some(code) = self.state.extension_registry.bind(py).get_item(key)? {
                return self.save_extension(obj, &code);
            }
        }

        if self.proto < 4 && compat.nested_by_name && dotted_path.len() > 1 {
            self.save_nested_by_name(&module_name, &dotted_path)?;
            return self.memo_put(obj);
        }
        if parent.is(&module) {
            global_name = lastname.clone();
        }
        if self.proto >= 4 {
            self.save(&module_name, false)?;
            self.save(&global_name, false)?;
            self.out.byte(STACK_GLOBAL);
        } else if !parent.is(&module) {
            // A nested name: GLOBAL cannot express it before protocol 4.
            let args = PyTuple::new(py, [parent, lastname])?;
            let reduction =
                PyTuple::new(py, [self.state.getattr.bind(py).clone(), args.into_any()])?;
            self.save_reduce(&reduction, None)?;
        } else {
            if self.proto < 3 && self.fix_imports {
                (module_name, global_name) = self.fix_imports(module_name, global_name)?;
            }
            let module_bytes = self.identifier(&module_name, "module")?;
            let name_bytes = self.identifier(&global_name, "global")?;
            encode::global(&mut self.out, &module_bytes, &name_bytes);
        }
        self.memo_put(obj)
    }

    /// `getattr(getattr(module.first, 'second'), ...)` for a nested name
    /// before protocol 4, as CPython 3.13 and later write it: the outer
    /// object is named by GLOBAL each time and nothing but the attribute
    /// names is memoized.
    fn save_nested_by_name(
        &mut self,
        module_name: &Bound<'py, PyAny>,
        dotted_path: &Bound<'py, PyList>,
    ) -> PyResult<()> {
        let getattr = self.state.getattr.bind(self.py).clone();
        let attributes = dotted_path.len() - 1;
        for _ in 0..attributes {
            self.save(&getattr, false)?;
            if self.proto < 2 {
                self.out.byte(MARK);
            }
        }
        let mut module_name = module_name.clone();
        let mut name = dotted_path.get_item(0)?;
        if self.proto < 3 && self.fix_imports {
            (module_name, name) = self.fix_imports(module_name, name)?;
        }
        let module_bytes = self.identifier(&module_name, "module")?;
        let name_bytes = self.identifier(&name, "global")?;
        encode::global(&mut self.out, &module_bytes, &name_bytes);
        for index in 1..=attributes {
            self.save(&dotted_path.get_item(index)?, false)?;
            self.out.byte(if self.proto < 2 { TUPLE } else { TUPLE2 });
            self.out.byte(REDUCE);
        }
        Ok(())
    }

    /// `name.split('.')`, refusing names of local objects, which cannot be
    /// imported, with the running interpreter's error.
    fn dotted_path(
        &self,
        obj: &Bound<'py, PyAny>,
        name: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        match split_name(name)? {
            (path, false) => Ok(path),
            (_, true) if self.state.compat.wording_314 => {
                Err(self.pickling_error(format!("Can't pickle local object {}", repr_of(obj)?)))
            }
            (_, true) => Err(PyAttributeError::new_err(format!(
                "Can't {} local object {}",
                if self.state.compat.local_get {
                    "get"
                } else {
                    "pickle"
                },
                repr_of(name)?
            ))),
        }
    }

    fn save_extension(
        &mut self,
        obj: &Bound<'py, PyAny>,
        code: &Bound<'py, PyAny>,
    ) -> PyResult<()> {
        if !code.is_instance_of::<pyo3::types::PyInt>() {
            return Err(self.pickling_error(format!(
                "Can't pickle {}: extension code {} isn't an integer",
                repr_of(obj)?,
                repr_of(code)?
            )));
        }
        let code: i64 = code.extract()?;
        if code <= 0 || code > 0x7fff_ffff {
            return Err(self.pickling_error(format!(
                "Can't pickle {}: extension code {} is out of range",
                repr_of(obj)?,
                code
            )));
        }
        let bytes = (code as u32).to_le_bytes();
        if code <= 0xff {
            self.out.write(&[EXT1, bytes[0]]);
        } else if code <= 0xffff {
            self.out.write(&[EXT2, bytes[0], bytes[1]]);
        } else {
            self.out.byte(EXT4);
            self.out.write(&bytes);
        }
        Ok(())
    }

    /// Python 3 names to the Python 2 names they were moved from.
    fn fix_imports(
        &self,
        module_name: Bound<'py, PyAny>,
        global_name: Bound<'py, PyAny>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        let py = self.py;
        let key = PyTuple::new(py, [module_name.clone(), global_name.clone()])?;
        if let Some(item) = self.state.name_mapping_3to2.bind(py).get_item(key)? {
            let pair = match item.cast::<PyTuple>() {
                Ok(pair) if pair.len() == 2 => pair.clone(),
                _ => {
                    return Err(PyRuntimeError::new_err(format!(
                        "_compat_pickle.REVERSE_NAME_MAPPING values should be 2-tuples, not {}",
                        item.get_type().name()?
                    )))
                }
            };
            let (module, name) = (pair.get_item(0)?, pair.get_item(1)?);
            if !module.is_instance_of::<PyString>() || !name.is_instance_of::<PyString>() {
                return Err(PyRuntimeError::new_err(format!(
                    "_compat_pickle.REVERSE_NAME_MAPPING values should be pairs of str, not ({}, {})",
                    module.get_type().name()?,
                    name.get_type().name()?
                )));
            }
            return Ok((module, name));
        }
        if let Some(item) = self
            .state
            .import_mapping_3to2
            .bind(py)
            .get_item(&module_name)?
        {
            if !item.is_instance_of::<PyString>() {
                return Err(PyRuntimeError::new_err(format!(
                    "_compat_pickle.REVERSE_IMPORT_MAPPING values should be strings, not {}",
                    item.get_type().name()?
                )));
            }
            return Ok((item, global_name));
        }
        Ok((module_name, global_name))
    }

    /// A name as GLOBAL spells it: UTF-8 for protocol 3, otherwise ASCII
    /// so that Python 2 can read it.
    fn identifier(&self, name: &Bound<'py, PyAny>, what: &str) -> PyResult<Vec<u8>> {
        let encoding = if self.proto == 3 { "utf-8" } else { "ascii" };
        match name.call_method1("encode", (encoding,)) {
            Ok(bytes) => Ok(bytes.extract::<Vec<u8>>()?),
            Err(error) if error.is_instance_of::<PyUnicodeEncodeError>(self.py) => Err(self
                .pickling_error(format!(
                    "can't pickle {what} identifier '{}' using pickle protocol {}",
                    name.str()?,
                    self.proto
                ))),
            Err(error) => Err(error),
        }
    }
}

/// `name.split('.')`, and whether it names a local object.
fn split_name<'py>(name: &Bound<'py, PyAny>) -> PyResult<(Bound<'py, PyList>, bool)> {
    let py = name.py();
    let dot = PyString::new(py, ".");
    // SAFETY: both arguments are live objects; PyUnicode_Split checks that
    // they are str and returns a new list or NULL with an exception set.
    let path = owned_or_err(py, unsafe {
        ffi::PyUnicode_Split(name.as_ptr(), dot.as_ptr(), -1)
    })?;
    let path = path.cast_into::<PyList>()?;
    for part in path.iter() {
        if part
            .cast::<PyString>()?
            .to_str()
            .is_ok_and(|part| part == "<locals>")
        {
            return Ok((path, true));
        }
    }
    Ok((path, false))
}

/// Follows a dotted path from `obj`; returns the object found and the one
/// it was found on.
fn deep_attribute<'py>(
    obj: &Bound<'py, PyAny>,
    path: &Bound<'py, PyList>,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let mut parent = obj.clone();
    let mut current = obj.clone();
    for name in path.iter() {
        parent = current;
        current = parent.getattr(name.cast_into::<PyString>()?)?;
    }
    Ok((current, parent))
}

/// The module an object belongs to: its `__module__`, or else the first
/// module in `sys.modules` where its name leads to it, or `__main__`.
fn whichmodule<'py>(
    obj: &Bound<'py, PyAny>,
    path: &Bound<'py, PyList>,
    sys: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = obj.py();
    if let Some(module_name) = obj.getattr_opt(intern!(obj.py(), "__module__"))? {
        if !module_name.is_none() {
            return Ok(module_name);
        }
    }
    let modules = sys.getattr(intern!(sys.py(), "modules"))?;
    // A snapshot: looking attributes up may import modules.
    let items: Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)> = match modules.cast::<PyDict>() {
        Ok(modules) => modules.iter().collect(),
        Err(_) => modules
            .call_method0("items")?
            .try_iter()?
            .map(|item| item.and_then(|item| item.extract()))
            .collect::<PyResult<_>>()?,
    };
    for (module_name, module) in items {
        if module_name
            .cast::<PyString>()
            .is_ok_and(|name| name.to_str().is_ok_and(|name| name == "__main__"))
        {
            continue;
        }
        if module.is_none() {
            continue;
        }
        match deep_attribute(&module, path) {
            Ok((candidate, _)) if candidate.is(obj) => return Ok(module_name),
            Ok(_) => {}
            Err(error) if error.is_instance_of::<PyAttributeError>(py) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(PyString::intern(py, "__main__").into_any())
}
