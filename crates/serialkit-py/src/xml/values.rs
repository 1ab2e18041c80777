//! What `unparse` checks of the values it writes: names (xmltodict's rules,
//! then XML's), strings, and what counts as iterable.

use crate::pystr::str_utf8;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyMemoryView, PyString, PyTuple,
};
use serialkit::xml::names::is_name;

pub(super) fn text_of<'a>(value: &'a Bound<'_, PyAny>) -> PyResult<&'a str> {
    let bytes = str_utf8(value).ok_or_else(|| {
        PyValueError::new_err("strings with lone surrogates cannot be written as XML")
    })?;
    // SAFETY: PyUnicode_AsUTF8AndSize (behind str_utf8) returns the
    // string's UTF-8 encoding, which is valid UTF-8 by construction.
    Ok(unsafe { std::str::from_utf8_unchecked(bytes) })
}

/// xmltodict's `_validate_name`, then the full XML `Name` rule, which is
/// where serialkit refuses what xmltodict would write.
pub(super) fn validate_name(value: &Bound<'_, PyAny>, kind: &str) -> PyResult<()> {
    let Ok(string) = value.cast::<PyString>() else {
        return Err(PyValueError::new_err(format!(
            "{kind} name must be a string"
        )));
    };
    let name = text_of(string.as_any())?;
    let reason = if name.starts_with('?') || name.starts_with('!') {
        Some("cannot start with \"?\" or \"!\"")
    } else if name.contains(['<', '>']) {
        Some("\"<\" or \">\" not allowed")
    } else if name.contains('/') {
        Some("\"/\" not allowed")
    } else if name.contains(['"', '\'']) {
        Some("quotes not allowed")
    } else if name.contains('=') {
        Some("\"=\" not allowed")
    } else if name
        .chars()
        .any(|c| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
    {
        Some("whitespace not allowed")
    } else {
        None
    };
    if let Some(reason) = reason {
        return Err(PyValueError::new_err(format!(
            "Invalid {kind} name: {reason}"
        )));
    }
    if !is_name(name) {
        return Err(PyValueError::new_err(format!(
            "Invalid {kind} name: {name:?} is not an XML name"
        )));
    }
    Ok(())
}

pub(super) fn is_bytes_like(value: &Bound<'_, PyAny>) -> bool {
    value.is_instance_of::<PyBytes>()
        || value.is_instance_of::<PyByteArray>()
        || value.is_instance_of::<PyMemoryView>()
}

/// `hasattr(value, "__iter__")`, answered without a lookup (and the
/// AttributeError a failed one builds) for the common exact types.
pub(super) fn has_iter(value: &Bound<'_, PyAny>) -> PyResult<bool> {
    if value.is_exact_instance_of::<PyInt>()
        || value.is_exact_instance_of::<PyFloat>()
        || value.is_exact_instance_of::<PyBool>()
        || value.is_none()
    {
        return Ok(false);
    }
    if value.is_exact_instance_of::<PyString>()
        || value.is_exact_instance_of::<PyList>()
        || value.is_exact_instance_of::<PyDict>()
        || value.is_exact_instance_of::<PyTuple>()
    {
        return Ok(true);
    }
    value.hasattr(pyo3::intern!(value.py(), "__iter__"))
}

/// Element names already validated in this call. Each slot holds a
/// reference to its string, so an address can only match the very same
/// (immutable) string.
pub(super) struct NameCache<'py> {
    slots: Vec<Option<Bound<'py, PyAny>>>,
}

impl<'py> NameCache<'py> {
    const SLOTS: usize = 256;

    pub(super) fn new() -> Self {
        NameCache {
            slots: vec![None; Self::SLOTS],
        }
    }

    fn slot(key: &Bound<'py, PyAny>) -> usize {
        (key.as_ptr() as usize >> 4) & (Self::SLOTS - 1)
    }

    pub(super) fn contains(&self, key: &Bound<'py, PyAny>) -> bool {
        self.slots[Self::slot(key)]
            .as_ref()
            .is_some_and(|known| known.is(key))
    }

    pub(super) fn insert(&mut self, key: &Bound<'py, PyAny>) {
        self.slots[Self::slot(key)] = Some(key.clone());
    }
}

/// A namespace prefix: empty (the default namespace) or a name.
pub(super) fn validate_name_or_empty(prefix: &Bound<'_, PyAny>) -> PyResult<()> {
    if prefix
        .cast::<PyString>()
        .is_ok_and(|p| p.to_str().is_ok_and(str::is_empty))
    {
        return Ok(());
    }
    validate_name(prefix, "attribute")
}
