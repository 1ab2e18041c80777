//! The reduce protocol: finding an object's reduction (reducer_override,
//! dispatch tables, `__reduce_ex__`, `__reduce__`) and writing the tuple it
//! returns, with NEWOBJ/NEWOBJ_EX when the callable is `__newobj__` or
//! `__newobj_ex__`.

use super::save::{qualified_type, repr_of, tp_name, type_of, Pickler};
use pyo3::exceptions::PyKeyError;
use pyo3::ffi;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple, PyType};
use serialkit::pickle::opcodes::*;

impl<'py> Pickler<'_, 'py> {
    /// What `save` does with objects that are not built-in containers or
    /// atoms.
    pub fn save_reducible(
        &mut self,
        obj: &Bound<'py, PyAny>,
        ty: *mut ffi::PyTypeObject,
    ) -> PyResult<()> {
        // reducer_override comes first, so that it can even reduce classes
        // and functions by value.
        if let Some(reducer_override) = self.hooks.reducer_override.clone() {
            let reduce_value = reducer_override.call1((obj,))?;
            if !reduce_value.is(self.py.NotImplemented()) {
                return self.save_reduce_value(obj, reduce_value);
            }
        }
        let (type_type, function_type) = (&raw mut ffi::PyType_Type, &raw mut ffi::PyFunction_Type);
        if ty == type_type {
            return self.save_type(obj);
        } else if ty == function_type {
            return self.save_global(obj, None);
        }
        let ty_obj = obj.get_type();
        let reduce_func = match &self.hooks.dispatch_table {
            None => self.state.dispatch_table.bind(self.py).get_item(&ty_obj)?,
            Some(table) => match table.get_item(&ty_obj) {
                Ok(func) => Some(func),
                Err(error) if error.is_instance_of::<PyKeyError>(self.py) => None,
                Err(error) => return Err(error),
            },
        };
        let reduce_value = if let Some(reduce_func) = reduce_func {
            reduce_func.call1((obj,))?
        } else if is_subtype(ty, type_type) {
            return self.save_global(obj, None);
        } else if let Some(reduce_ex) = obj.getattr_opt(intern!(obj.py(), "__reduce_ex__"))? {
            reduce_ex.call1((self.proto,))?
        } else if let Some(reduce) = obj.getattr_opt(intern!(obj.py(), "__reduce__"))? {
            reduce.call0()?
        } else {
            return Err(self.pickling_error(format!(
                "can't pickle '{}' object: {}",
                tp_name(ty),
                repr_of(obj)?
            )));
        };
        self.save_reduce_value(obj, reduce_value)
    }

    /// A string names a global; a tuple is a reduction.
    fn save_reduce_value(
        &mut self,
        obj: &Bound<'py, PyAny>,
        reduce_value: Bound<'py, PyAny>,
    ) -> PyResult<()> {
        if reduce_value.is_instance_of::<PyString>() {
            return self.save_global(obj, Some(reduce_value));
        }
        let result = match reduce_value.cast::<PyTuple>() {
            Ok(tuple) => self.save_reduce(tuple, Some(obj)),
            Err(_) => Err(self.pickling_error(format!(
                "__reduce__ must return a string or tuple{}",
                self.not_type(&reduce_value)?
            ))),
        };
        result.map_err(|error| self.noted(error, || Ok(format!("{} object", qualified_type(obj)?))))
    }

    /// Writes `callable(*args)` and what follows it in a reduction:
    /// memoizes `obj` (unless None), then list items, dict items and state.
    pub fn save_reduce(
        &mut self,
        reduction: &Bound<'py, PyTuple>,
        obj: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<()> {
        let size = reduction.len();
        if !(2..=6).contains(&size) {
            return Err(self.pickling_error(
                "tuple returned by __reduce__ must contain 2 through 6 elements".into(),
            ));
        }
        let part = |i: usize| -> PyResult<Option<Bound<'py, PyAny>>> {
            if i >= size {
                return Ok(None);
            }
            let item = reduction.get_item(i)?;
            Ok(if item.is_none() { None } else { Some(item) })
        };
        let callable = reduction.get_item(0)?;
        let argtup = reduction.get_item(1)?;
        let state = part(2)?;
        let listitems = part(3)?;
        let dictitems = part(4)?;
        let state_setter = part(5)?;

        if !callable.is_callable() {
            return Err(self.pickling_error(format!(
                "first item of the tuple returned by __reduce__ must be callable{}",
                self.not_type(&callable)?
            )));
        }
        if !argtup.is_instance_of::<PyTuple>() {
            return Err(self.pickling_error(format!(
                "second item of the tuple returned by __reduce__ must be a tuple{}",
                self.not_type(&argtup)?
            )));
        }
        let argtup = argtup.cast_into::<PyTuple>()?;
        if let Some(items) = &listitems {
            if !is_iterator(items) {
                return Err(self.pickling_error(format!(
                    "fourth {} of the tuple returned by __reduce__ must be an iterator, not {}",
                    self.element(),
                    self.type_name(items)?
                )));
            }
        }
        if let Some(items) = &dictitems {
            if !is_iterator(items) {
                return Err(self.pickling_error(format!(
                    "fifth {} of the tuple returned by __reduce__ must be an iterator, not {}",
                    self.element(),
                    self.type_name(items)?
                )));
            }
        }
        if let Some(setter) = &state_setter {
            if !setter.is_callable() {
                let message = if self.state.compat.wording_314 {
                    format!(
                        "sixth item of the tuple returned by __reduce__ must be callable, not {}",
                        self.type_name(setter)?
                    )
                } else {
                    format!(
                        "sixth element of the tuple returned by __reduce__ must be a function, not {}",
                        tp_name(type_of(setter))
                    )
                };
                return Err(self.pickling_error(message));
            }
        }

        let (mut use_newobj, mut use_newobj_ex) = (false, false);
        if self.proto >= 2 {
            if let Some(name) = callable.getattr_opt(intern!(callable.py(), "__name__"))? {
                if let Ok(name) = name.cast::<PyString>() {
                    use_newobj_ex = name.to_str().is_ok_and(|name| name == "__newobj_ex__");
                    use_newobj =
                        !use_newobj_ex && name.to_str().is_ok_and(|name| name == "__newobj__");
                }
            }
        }

        let none = self.py.None().into_bound(self.py);
        let owner = obj.unwrap_or(&none);
        if use_newobj_ex {
            self.save_newobj_ex(&argtup, owner)?;
        } else if use_newobj {
            self.save_newobj(&argtup, obj)?;
        } else {
            self.save_noted(&callable, owner, "reconstructor")?;
            self.save_noted(argtup.as_any(), owner, "reconstructor arguments")?;
            self.out.byte(REDUCE);
        }

        if let Some(obj) = obj {
            // Saving the arguments reached the object itself: it exists
            // already, so drop the copy just built and use the memo's.
            if let Some(idx) = self.memo_index(obj) {
                self.out.byte(POP);
                return self.memo_get(idx);
            }
            self.memo_put(obj)?;
        }
        if let Some(items) = &listitems {
            self.batch_list(items, owner)?;
        }
        if let Some(items) = &dictitems {
            self.batch_dict(items, owner)?;
        }
        if let Some(state) = &state {
            match &state_setter {
                None => {
                    self.save_noted(state, owner, "state")?;
                    self.out.byte(BUILD);
                }
                Some(setter) => {
                    // state_setter(obj, state), then POP: it works in place,
                    // so the stack must be as before.
                    self.save_noted(setter, owner, "state setter")?;
                    self.save(owner, false)?;
                    self.save_noted(state, owner, "state")?;
                    self.out.write(&[TUPLE2, REDUCE, POP]);
                }
            }
        }
        Ok(())
    }

    fn save_newobj_ex(
        &mut self,
        argtup: &Bound<'py, PyTuple>,
        owner: &Bound<'py, PyAny>,
    ) -> PyResult<()> {
        let wording_314 = self.state.compat.wording_314;
        if argtup.len() != 3 {
            return Err(self.pickling_error(if wording_314 {
                format!("__newobj_ex__ expected 3 arguments, got {}", argtup.len())
            } else {
                format!(
                    "length of the NEWOBJ_EX argument tuple must be exactly 3, not {}",
                    argtup.len()
                )
            }));
        }
        let cls = argtup.get_item(0)?;
        if !cls.is_instance_of::<PyType>() {
            return Err(self.pickling_error(if wording_314 {
                format!(
                    "first argument to __newobj_ex__() must be a class, not {}",
                    qualified_type(&cls)?
                )
            } else {
                format!(
                    "first item from NEWOBJ_EX argument tuple must be a class, not {}",
                    tp_name(type_of(&cls))
                )
            }));
        }
        let args = argtup.get_item(1)?;
        let Ok(args) = args.cast_into::<PyTuple>() else {
            let args = argtup.get_item(1)?;
            return Err(self.pickling_error(if wording_314 {
                format!(
                    "second argument to __newobj_ex__() must be a tuple, not {}",
                    qualified_type(&args)?
                )
            } else {
                format!(
                    "second item from NEWOBJ_EX argument tuple must be a tuple, not {}",
                    tp_name(type_of(&args))
                )
            }));
        };
        let kwargs = argtup.get_item(2)?;
        let Ok(kwargs) = kwargs.cast_into::<PyDict>() else {
            let kwargs = argtup.get_item(2)?;
            return Err(self.pickling_error(if wording_314 {
                format!(
                    "third argument to __newobj_ex__() must be a dict, not {}",
                    qualified_type(&kwargs)?
                )
            } else {
                format!(
                    "third item from NEWOBJ_EX argument tuple must be a dict, not {}",
                    tp_name(type_of(&kwargs))
                )
            }));
        };
        if self.proto >= 4 {
            self.save_noted(&cls, owner, "class")?;
            self.save_noted(args.as_any(), owner, "__new__ arguments")?;
            self.save_noted(kwargs.as_any(), owner, "__new__ arguments")?;
            self.out.byte(NEWOBJ_EX);
        } else {
            // Older protocols have no keyword arguments: write
            // partial(cls.__new__, cls, *args, **kwargs)().
            let mut newargs = vec![cls.getattr(intern!(cls.py(), "__new__"))?, cls.clone()];
            newargs.extend(args.iter());
            let newargs = PyTuple::new(self.py, newargs)?;
            let callable = self
                .state
                .partial
                .bind(self.py)
                .call(newargs, Some(&kwargs))?;
            self.save_noted(&callable, owner, "reconstructor")?;
            self.save_noted(
                PyTuple::empty(self.py).as_any(),
                owner,
                "reconstructor arguments",
            )?;
            self.out.byte(REDUCE);
        }
        Ok(())
    }

    fn save_newobj(
        &mut self,
        argtup: &Bound<'py, PyTuple>,
        obj: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<()> {
        let wording_314 = self.state.compat.wording_314;
        if argtup.is_empty() {
            return Err(self.pickling_error(if wording_314 {
                "__newobj__ expected at least 1 argument, got 0".into()
            } else {
                "__newobj__ arglist is empty".into()
            }));
        }
        let cls = argtup.get_item(0)?;
        if !cls.is_instance_of::<PyType>() {
            return Err(self.pickling_error(if wording_314 {
                format!(
                    "first argument to __newobj__() must be a class, not {}",
                    qualified_type(&cls)?
                )
            } else {
                "args[0] from __newobj__ args is not a type".into()
            }));
        }
        if let Some(obj) = obj {
            let obj_class = obj.getattr(intern!(obj.py(), "__class__"))?;
            if !obj_class.is(&cls) {
                return Err(self.pickling_error(if wording_314 {
                    format!(
                        "first argument to __newobj__() must be {}, not {}",
                        repr_of(&obj_class)?,
                        repr_of(&cls)?
                    )
                } else {
                    "args[0] from __newobj__ args has the wrong class".into()
                }));
            }
        }
        let none = self.py.None().into_bound(self.py);
        let owner = obj.unwrap_or(&none);
        self.save_noted(&cls, owner, "class")?;
        let newargtup = argtup.get_slice(1, argtup.len());
        self.save_noted(newargtup.as_any(), owner, "__new__ arguments")?;
        self.out.byte(NEWOBJ);
        Ok(())
    }
}

fn is_iterator(obj: &Bound<'_, PyAny>) -> bool {
    // SAFETY: PyIter_Check only reads the type of a live object.
    unsafe { ffi::PyIter_Check(obj.as_ptr()) != 0 }
}

fn is_subtype(ty: *mut ffi::PyTypeObject, base: *mut ffi::PyTypeObject) -> bool {
    // SAFETY: both are live type objects (an object's type and a static
    // type); PyType_IsSubtype only reads their MROs.
    unsafe { ffi::PyType_IsSubtype(ty, base) != 0 }
}

impl<'py> Pickler<'_, 'py> {
    /// "item" from 3.14, "element" before, in messages about a reduction.
    fn element(&self) -> &'static str {
        if self.state.compat.wording_314 {
            "item"
        } else {
            "element"
        }
    }

    /// How the running interpreter names the type of `value` in a message:
    /// fully qualified from 3.14 (`%T`), by `tp_name` before.
    fn type_name(&self, value: &Bound<'py, PyAny>) -> PyResult<String> {
        if self.state.compat.wording_314 {
            Ok(value.get_type().fully_qualified_name()?.to_string())
        } else {
            Ok(tp_name(type_of(value)))
        }
    }

    /// ", not <type>" where 3.14 ends a message with the offending type;
    /// nothing before.
    fn not_type(&self, value: &Bound<'py, PyAny>) -> PyResult<String> {
        if self.state.compat.wording_314 {
            Ok(format!(", not {}", self.type_name(value)?))
        } else {
            Ok(String::new())
        }
    }
}

impl<'py> Pickler<'_, 'py> {
    /// Saves `value`, noting on failure that it was the `part` (class,
    /// state, ...) of the reduction of `owner`.
    fn save_noted(
        &mut self,
        value: &Bound<'py, PyAny>,
        owner: &Bound<'py, PyAny>,
        part: &str,
    ) -> PyResult<()> {
        self.save(value, false)
            .map_err(|error| self.noted(error, || Ok(format!("{} {part}", qualified_type(owner)?))))
    }
}
