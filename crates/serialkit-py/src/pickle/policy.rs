//! What a safe load may import and call.
//!
//! A global resolves only when its full name is in `SAFE_GLOBALS`, in the
//! caller's `allow`, or when the caller trusts the pickle. Nothing else is
//! ever imported, so nothing else can be called: REDUCE, NEWOBJ, BUILD
//! (`__setstate__`) and friends only ever reach objects that came through
//! here. The safe globals are harmless for any argument except size, so
//! calls to them are checked first: a pickle may not make them build
//! something far larger than itself.

use crate::address_hash::AddressMap;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyFrozenSet, PyList, PySet, PyString, PyTuple};

/// Most elements or bytes one checked call may create. Far above what
/// real pickles hold in one value, far below what exhausts memory.
pub const MAX_CALL_SIZE: usize = 1 << 26;
/// Largest decimal exponent a Fraction may be built with: 10**exponent is
/// computed exactly.
const MAX_FRACTION_EXPONENT: i64 = 100_000;

/// How a safe global's arguments are checked before it is called.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// Harmless for any argument.
    None,
    /// `bytes(n)`, `bytearray(n)`: an int is a size; iterables are sized.
    Sized,
    /// `set(iterable)` and other containers that consume an iterable.
    Iterable,
    /// `Fraction(text or Decimal)` computes 10**exponent.
    Fraction,
    /// `_codecs.encode(text, encoding)`: only the latin-1 that pickle emits.
    Latin1Encode,
    /// `copyreg._reconstructor(cls, base, state)`: calls `base(state)`-like.
    Reconstructor,
    /// `copyreg.__newobj__(cls, *args)`: `cls.__new__(cls, *args)`.
    NewObj,
}

/// The names `SAFE_GLOBALS` holds, with their checks.
pub const SAFE_GLOBALS: &[(&str, &str, Check)] = &[
    ("builtins", "bytes", Check::Sized),
    ("builtins", "bytearray", Check::Sized),
    ("builtins", "object", Check::None),
    ("builtins", "set", Check::Iterable),
    ("builtins", "frozenset", Check::Iterable),
    ("builtins", "complex", Check::None),
    // The plain types themselves, named by reductions such as
    // defaultdict(list); int() and str() are bounded by the interpreter's
    // digit limit and by the objects they are given.
    ("builtins", "list", Check::Iterable),
    ("builtins", "dict", Check::Iterable),
    ("builtins", "tuple", Check::Iterable),
    ("builtins", "int", Check::None),
    ("builtins", "float", Check::None),
    ("builtins", "str", Check::None),
    ("builtins", "bool", Check::None),
    ("builtins", "slice", Check::None),
    ("builtins", "range", Check::None),
    ("collections", "OrderedDict", Check::Iterable),
    ("collections", "defaultdict", Check::Iterable),
    ("collections", "deque", Check::Iterable),
    ("collections", "Counter", Check::Iterable),
    ("datetime", "datetime", Check::None),
    ("datetime", "date", Check::None),
    ("datetime", "time", Check::None),
    ("datetime", "timedelta", Check::None),
    ("datetime", "timezone", Check::None),
    ("decimal", "Decimal", Check::None),
    ("fractions", "Fraction", Check::Fraction),
    ("uuid", "UUID", Check::None),
    ("copyreg", "_reconstructor", Check::Reconstructor),
    ("copyreg", "__newobj__", Check::NewObj),
    ("copyreg", "__newobj_ex__", Check::NewObj),
    ("_codecs", "encode", Check::Latin1Encode),
];

/// The resolved safe globals, keyed by object identity, so a call can be
/// checked with one lookup whatever name it was reached by.
pub struct Checks {
    by_object: AddressMap<Check>,
}

impl Checks {
    pub fn new(py: Python<'_>) -> PyResult<Self> {
        let mut by_object = AddressMap::default();
        for &(module, name, check) in SAFE_GLOBALS {
            let object = py.import(module)?.getattr(name)?;
            by_object.insert(object.as_ptr() as usize, check);
        }
        Ok(Checks { by_object })
    }

    pub fn of(&self, callable: &Bound<'_, PyAny>) -> Option<Check> {
        self.by_object.get(&(callable.as_ptr() as usize)).copied()
    }

    /// Refuses a call of `callable` with `args` (a tuple) and `kwargs` when
    /// `callable` is a safe global whose check fails.
    pub fn check_call(&self, callable: &Bound<'_, PyAny>, args: &Bound<'_, PyAny>) -> PyResult<()> {
        let Some(check) = self.of(callable) else {
            return Ok(());
        };
        let args = args.cast::<PyTuple>()?;
        let first = args.get_item(0).ok();
        match check {
            Check::None => Ok(()),
            Check::Sized => match first {
                Some(size) => check_size(callable, &size),
                None => Ok(()),
            },
            Check::Iterable => {
                for arg in args.iter() {
                    check_iterable(callable, &arg)?;
                }
                Ok(())
            }
            Check::Fraction => {
                for arg in args.iter() {
                    check_fraction_argument(&arg)?;
                }
                Ok(())
            }
            Check::Latin1Encode => check_latin1_encode(args),
            Check::Reconstructor => {
                // _reconstructor(cls, base, state) runs base.__new__(cls,
                // state) and base.__init__(obj, state): check base(state).
                if let (Ok(base), Ok(state)) = (args.get_item(1), args.get_item(2)) {
                    if !state.is_none() {
                        let state_args = PyTuple::new(args.py(), [state])?;
                        self.check_call(&base, state_args.as_any())?;
                    }
                }
                Ok(())
            }
            Check::NewObj => {
                // __newobj__(cls, *args) is cls.__new__(cls, *args).
                if let Ok(cls) = args.get_item(0) {
                    let rest = args.get_slice(1, args.len());
                    self.check_new(&cls, rest.as_any())?;
                }
                Ok(())
            }
        }
    }

    /// NEWOBJ and `__newobj__`: `cls.__new__(cls, *args)` allocates like
    /// `cls(*args)` would for the sized types, so apply the same checks to
    /// `cls` and to the safe type it derives from.
    pub fn check_new(&self, cls: &Bound<'_, PyAny>, args: &Bound<'_, PyAny>) -> PyResult<()> {
        for checked in self.checked_classes(cls)? {
            self.check_call(&checked, args)?;
        }
        Ok(())
    }

    /// `cls` and its bases, those that are safe globals with a real check:
    /// what [`Checks::check_new`] applies. Loaders cache it per class,
    /// since walking the MRO for every object was a measurable share of
    /// loading many instances; for most classes it is empty.
    pub fn checked_classes<'py>(
        &self,
        cls: &Bound<'py, PyAny>,
    ) -> PyResult<Vec<Bound<'py, PyAny>>> {
        let has_check =
            |class: &Bound<'py, PyAny>| !matches!(self.of(class), None | Some(Check::None));
        let mut checked = Vec::new();
        if has_check(cls) {
            checked.push(cls.clone());
        }
        if let Ok(mro) = cls.getattr("__mro__") {
            for base in mro.try_iter()? {
                let base = base?;
                if !base.is(cls) && has_check(&base) {
                    checked.push(base);
                }
            }
        }
        Ok(checked)
    }
}

fn too_large(callable: &Bound<'_, PyAny>, what: &str) -> PyErr {
    let name = callable
        .getattr("__qualname__")
        .map(|name| name.to_string())
        .unwrap_or_else(|_| "a safe global".to_owned());
    PyValueError::new_err(format!(
        "refusing to call {name} with {what}: a pickle may not build something this large \
         (limit {MAX_CALL_SIZE} elements); pass trusted=True for pickles you trust"
    ))
}

fn check_size(callable: &Bound<'_, PyAny>, size: &Bound<'_, PyAny>) -> PyResult<()> {
    if size.is_instance_of::<pyo3::types::PyInt>() {
        return match size.extract::<i64>() {
            Ok(n) if n <= MAX_CALL_SIZE as i64 => Ok(()),
            _ => Err(too_large(callable, "a huge size")),
        };
    }
    check_iterable(callable, size)
}

/// Containers already built from the pickle are bounded by its size;
/// only lazy iterables (range) can stand for more than they weigh.
fn check_iterable(callable: &Bound<'_, PyAny>, iterable: &Bound<'_, PyAny>) -> PyResult<()> {
    let materialised = iterable.is_instance_of::<PyString>()
        || iterable.is_instance_of::<PyBytes>()
        || iterable.is_instance_of::<PyList>()
        || iterable.is_instance_of::<PyTuple>()
        || iterable.is_instance_of::<PyDict>()
        || iterable.is_instance_of::<PySet>()
        || iterable.is_instance_of::<PyFrozenSet>()
        || iterable.is_none();
    if materialised {
        return Ok(());
    }
    match iterable.len() {
        Ok(len) if len <= MAX_CALL_SIZE => Ok(()),
        Ok(_) => Err(too_large(callable, "a huge iterable")),
        // Objects without a length (callables for defaultdict, ints for
        // deque's maxlen) are not iterated.
        Err(_) => Ok(()),
    }
}

fn check_fraction_argument(argument: &Bound<'_, PyAny>) -> PyResult<()> {
    let exponent = if argument.is_instance_of::<PyString>() {
        let text = argument.to_string().to_ascii_lowercase();
        match text.split_once('e') {
            Some((_, exponent)) => exponent.trim().parse::<i64>().unwrap_or(i64::MAX),
            None => 0,
        }
    } else if argument.is_instance(&argument.py().import("decimal")?.getattr("Decimal")?)? {
        if !argument.call_method0("is_finite")?.is_truthy()? {
            return Ok(());
        }
        argument.call_method0("adjusted")?.extract::<i64>()?
    } else {
        return Ok(());
    };
    if exponent.saturating_abs() > MAX_FRACTION_EXPONENT {
        return Err(PyValueError::new_err(format!(
            "refusing to build a Fraction with decimal exponent {exponent}: it would compute \
             10**{exponent} (limit {MAX_FRACTION_EXPONENT}); pass trusted=True for pickles you trust"
        )));
    }
    Ok(())
}

fn check_latin1_encode(args: &Bound<'_, PyTuple>) -> PyResult<()> {
    let encoding = match args.get_item(1) {
        Ok(encoding) => encoding.extract::<String>()?,
        Err(_) => "utf-8".to_owned(),
    };
    let normalized = encoding.to_ascii_lowercase().replace(['-', '_'], "");
    if matches!(normalized.as_str(), "latin1" | "iso88591" | "l1") {
        Ok(())
    } else {
        Err(PyValueError::new_err(format!(
            "refusing _codecs.encode with encoding {encoding:?}: pickles only use it with latin1"
        )))
    }
}
