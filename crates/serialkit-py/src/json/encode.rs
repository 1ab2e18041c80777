//! Writes Python objects as JSON text exactly as the standard library's
//! `json.dumps` does, walking the objects directly.
//!
//! CPython has two encoders that differ in a few messages: the C one, and
//! the pure-Python one that versions before 3.13 use when `indent` is set.
//! `python_encoder` picks which one's wording to follow.

use crate::pystr::{ascii_str, owned, str_utf8, str_wtf8, utf8_str, StrStorage};
use crate::pytypes::ExtraTypes;
use crate::stack::Nesting;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyList, PyString, PyTuple, PyType};
use pyo3::Borrowed;
use serialkit::json::escape::{write_escaped, write_escaped_code_points};
use serialkit::number::write_python_float_repr;
use serialkit::short_copy::extend_short;

pub struct EncodeOptions<'py> {
    pub skipkeys: bool,
    pub ensure_ascii: bool,
    pub check_circular: bool,
    pub allow_nan: bool,
    pub sort_keys: bool,
    /// Write dataclasses, datetimes, UUIDs, Decimals, Enums and sets
    /// natively instead of passing them to `default`.
    pub extra_types: bool,
    /// Layout strings as WTF-8: Python allows lone surrogates in them.
    pub indent: Option<Vec<u8>>,
    pub item_separator: Vec<u8>,
    pub key_separator: Vec<u8>,
    /// Whether any layout string holds a lone surrogate.
    pub layout_surrogates: bool,
    pub default: Option<Bound<'py, PyAny>>,
    /// Word errors as the pure-Python encoder does.
    pub python_encoder: bool,
    /// Walk exact dicts in place, as the C encoder does from 3.12, rather
    /// than from a snapshot of their items, as it did before.
    pub live_dict_walk: bool,
    /// Name the rejected value in the error for a non-finite float.
    pub name_non_finite: bool,
    /// Add "when serializing ..." notes to errors, as CPython 3.14 does.
    pub notes: bool,
    /// A dict whose keys `skipkeys` all dropped is written `{}` even with
    /// an indent, as CPython 3.14 does.
    pub empty_when_all_skipped: bool,
}

pub fn encode<'py>(
    py: Python<'py>,
    object: &Bound<'py, PyAny>,
    options: &EncodeOptions<'py>,
) -> PyResult<Bound<'py, PyAny>> {
    let mut encoder = Encoder {
        py,
        options,
        out: Vec::with_capacity(256),
        markers: Vec::new(),
        snapshot: Vec::new(),
        level: 0,
        surrogates: false,
        nesting: Nesting::default(),
        frame_budget: python_frame_budget(py, options)?,
    };
    encoder.value(object)?;
    let layout_ascii = options.item_separator.is_ascii()
        && options.key_separator.is_ascii()
        && options.indent.as_deref().is_none_or(<[u8]>::is_ascii);
    if options.ensure_ascii && layout_ascii {
        ascii_str(py, &encoder.out)
    } else {
        utf8_str(
            py,
            &encoder.out,
            encoder.surrogates || options.layout_surrogates,
        )
    }
}

struct Encoder<'a, 'py> {
    py: Python<'py>,
    options: &'a EncodeOptions<'py>,
    out: Vec<u8>,
    /// Containers being written, for `check_circular`. A vector beats a set
    /// here: nesting is shallow in practice and bounded by the recursion
    /// limit.
    markers: Vec<*mut ffi::PyObject>,
    /// Keys and values of the exact dicts being written, innermost last.
    snapshot: Vec<Bound<'py, PyAny>>,
    level: usize,
    /// A lone surrogate was copied into `out` (only without ensure_ascii).
    surrogates: bool,
    nesting: Nesting,
    /// How many levels the pure-Python encoder could nest before reaching
    /// the recursion limit, where that limit is not what
    /// `Py_EnterRecursiveCall` counts against (Python 3.12).
    frame_budget: usize,
}

/// On Python 3.12 the C API counts C recursion apart from Python frames,
/// but the pure-Python encoder (used there with an indent) recurses through
/// one Python frame per level: it fails at the recursion limit, less the
/// frames already on the stack.
fn python_frame_budget(py: Python<'_>, options: &EncodeOptions<'_>) -> PyResult<usize> {
    if !options.python_encoder || py.version_info() < (3, 12) {
        return Ok(usize::MAX);
    }
    let sys = py.import("sys")?;
    let limit: usize = sys.getattr("getrecursionlimit")?.call0()?.extract()?;
    let mut frames = 0usize;
    let mut frame = sys.getattr("_getframe")?.call0()?;
    while !frame.is_none() {
        frames += 1;
        frame = frame.getattr(pyo3::intern!(py, "f_back"))?;
    }
    Ok(limit.saturating_sub(frames))
}

/// A key and a value from one item of a mapping's `items()`. The C encoder
/// takes only 2-tuples; the pure-Python one unpacks any iterable of two
/// (`for key, value in items`), failing as that unpacking fails.
fn entry_pair<'py>(
    item: &Bound<'py, PyAny>,
    python_encoder: bool,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    if let Ok(pair) = item.cast::<PyTuple>() {
        if pair.len() == 2 {
            return Ok((pair.get_item(0)?, pair.get_item(1)?));
        }
    }
    if !python_encoder {
        return Err(PyValueError::new_err("items must return 2-tuples"));
    }
    let mut parts = item.try_iter().map_err(|_| {
        let kind = item
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_default();
        PyTypeError::new_err(format!("cannot unpack non-iterable {kind} object"))
    })?;
    let key = parts.next().transpose()?;
    let value = parts.next().transpose()?;
    match (key, value) {
        (Some(key), Some(value)) => match parts.next().transpose()? {
            None => Ok((key, value)),
            Some(_) => Err(PyValueError::new_err(
                "too many values to unpack (expected 2)",
            )),
        },
        (key, _) => Err(PyValueError::new_err(format!(
            "not enough values to unpack (expected 2, got {})",
            usize::from(key.is_some())
        ))),
    }
}

/// Where the type of an object sends it, checked in CPython's order.
fn type_is(object: &Bound<'_, PyAny>, ty: *mut ffi::PyTypeObject) -> bool {
    // SAFETY: reading the type pointer of a live object.
    unsafe { ffi::Py_TYPE(object.as_ptr()) == ty }
}

/// Whether `object` is `True` or `False` (as named by `singleton`).
fn is_singleton(object: &Bound<'_, PyAny>, singleton: unsafe fn() -> *mut ffi::PyObject) -> bool {
    // SAFETY: Py_True/Py_False return the interpreter's static singletons.
    object.as_ptr() == unsafe { singleton() }
}

impl<'py> Encoder<'_, 'py> {
    /// Adds CPython's note saying where in the document `error` happened;
    /// `place` is only built when notes are on. Only the `note_*` helpers
    /// call it: they are out of line because, inlined, error paths enlarge
    /// the frame of every nesting level, and so shorten how deep a
    /// document fits on the stack.
    fn noted(&self, error: PyErr, place: impl FnOnce() -> PyResult<String>) -> PyErr {
        if !self.options.notes {
            return error;
        }
        match place() {
            Ok(note) => crate::notes::with_note(self.py, error, note),
            Err(other) => other,
        }
    }

    /// `value`, noting on failure that it was item `index` of `container`.
    /// Apart from the plain path: handling the error inline made every
    /// level's frame larger (lists nested 20800 deep instead of 32500 in
    /// 8 MiB of stack), even where no notes are written.
    #[inline(never)]
    fn value_noting_index(
        &mut self,
        item: &Bound<'py, PyAny>,
        container: &Bound<'py, PyAny>,
        index: usize,
    ) -> PyResult<()> {
        match self.value(item) {
            Ok(()) => Ok(()),
            Err(error) => Err(self.note_index(error, container, index)),
        }
    }

    /// `value`, noting on failure that it was the item `key` of
    /// `container`; apart from the plain path for the same reason.
    #[inline(never)]
    fn value_noting_key(
        &mut self,
        value: &Bound<'py, PyAny>,
        container: &Bound<'py, PyAny>,
        key: &Bound<'py, PyAny>,
    ) -> PyResult<()> {
        match self.value(value) {
            Ok(()) => Ok(()),
            Err(error) => Err(self.note_key(error, container, key)),
        }
    }

    #[cold]
    #[inline(never)]
    fn note_index(&self, error: PyErr, container: &Bound<'py, PyAny>, index: usize) -> PyErr {
        self.noted(error, || {
            let kind = container.get_type().fully_qualified_name()?;
            Ok(format!("when serializing {kind} item {index}"))
        })
    }

    #[cold]
    #[inline(never)]
    fn note_key(
        &self,
        error: PyErr,
        container: &Bound<'py, PyAny>,
        key: &Bound<'py, PyAny>,
    ) -> PyErr {
        self.noted(error, || {
            let kind = container.get_type().fully_qualified_name()?;
            Ok(format!("when serializing {kind} item {}", key.repr()?))
        })
    }

    #[cold]
    #[inline(never)]
    fn note_object(&self, error: PyErr, object: &Bound<'py, PyAny>) -> PyErr {
        self.noted(error, || {
            let kind = object.get_type().fully_qualified_name()?;
            Ok(format!("when serializing {kind} object"))
        })
    }

    /// The pure-Python encoder's RecursionError (see `frame_budget`).
    #[cold]
    #[inline(never)]
    fn beyond_frame_budget(&mut self) -> PyErr {
        if self.options.check_circular {
            self.markers.pop();
        }
        pyo3::exceptions::PyRecursionError::new_err("maximum recursion depth exceeded")
    }

    fn value(&mut self, object: &Bound<'py, PyAny>) -> PyResult<()> {
        // Exact types first: one pointer comparison for the common cases.
        {
            if type_is(object, &raw mut ffi::PyUnicode_Type) {
                return self.string(object);
            }
            if type_is(object, &raw mut ffi::PyLong_Type) {
                return self.int(object);
            }
            if type_is(object, &raw mut ffi::PyFloat_Type) {
                return self.float(object);
            }
            if type_is(object, &raw mut ffi::PyList_Type)
                || type_is(object, &raw mut ffi::PyTuple_Type)
            {
                return self.sequence(object);
            }
            if type_is(object, &raw mut ffi::PyDict_Type) {
                return self.dict(object);
            }
        }
        if object.is_none() {
            self.out.extend_from_slice(b"null");
        } else if is_singleton(object, ffi::Py_True) {
            self.out.extend_from_slice(b"true");
        } else if is_singleton(object, ffi::Py_False) {
            self.out.extend_from_slice(b"false");
        } else if object.is_instance_of::<PyString>() {
            self.string(object)?;
        } else if object.is_instance_of::<pyo3::types::PyInt>() {
            self.int(object)?;
        } else if object.is_instance_of::<pyo3::types::PyFloat>() {
            self.float(object)?;
        } else if object.is_instance_of::<PyList>() || object.is_instance_of::<PyTuple>() {
            self.sequence(object)?;
        } else if object.is_instance_of::<PyDict>() {
            self.dict(object)?;
        } else if !(self.options.extra_types && self.extra(object)?) {
            self.fallback(object)?;
        }
        Ok(())
    }

    fn string(&mut self, object: &Bound<'py, PyAny>) -> PyResult<()> {
        let ensure_ascii = self.options.ensure_ascii;
        let written = match StrStorage::of(object) {
            Some(StrStorage::Ascii(bytes)) => {
                write_escaped(&mut self.out, bytes, ensure_ascii);
                return Ok(());
            }
            Some(StrStorage::Ucs1(units)) => {
                write_escaped_code_points(&mut self.out, units, ensure_ascii)
            }
            Some(StrStorage::Ucs2(units)) => {
                write_escaped_code_points(&mut self.out, units, ensure_ascii)
            }
            Some(StrStorage::Ucs4(units)) => {
                write_escaped_code_points(&mut self.out, units, ensure_ascii)
            }
            None => return self.string_through_utf8(object),
        };
        self.surrogates |= written;
        Ok(())
    }

    /// Strings that are not compact (instances of str subclasses) are read
    /// through their UTF-8 form.
    fn string_through_utf8(&mut self, object: &Bound<'py, PyAny>) -> PyResult<()> {
        match str_utf8(object) {
            Some(utf8) => write_escaped(&mut self.out, utf8, self.options.ensure_ascii),
            None => {
                let wtf8 = str_wtf8(object)?;
                self.surrogates |= !self.options.ensure_ascii;
                write_escaped(&mut self.out, &wtf8, self.options.ensure_ascii);
            }
        }
        Ok(())
    }

    fn int(&mut self, object: &Bound<'py, PyAny>) -> PyResult<()> {
        let mut overflow = 0;
        // SAFETY: `object` is an int (or subclass); the call reads its value
        // and reports overflow instead of raising.
        let value = unsafe { ffi::PyLong_AsLongLongAndOverflow(object.as_ptr(), &mut overflow) };
        if overflow == 0 {
            if value == -1 && PyErr::occurred(self.py) {
                return Err(PyErr::fetch(self.py));
            }
            extend_short(&mut self.out, itoa::Buffer::new().format(value).as_bytes());
            return Ok(());
        }
        // int.__repr__, as CPython uses for subclasses too; it enforces the
        // interpreter's limit on digits.
        // SAFETY: reads a field of the static int type and calls it on an
        // int (or subclass), which returns a new reference or NULL.
        let repr = unsafe {
            let repr_fn = ffi::PyLong_Type
                .tp_repr
                .ok_or_else(|| PyTypeError::new_err("int has no repr"))?;
            owned(self.py, repr_fn(object.as_ptr()))?
        };
        self.out
            .extend_from_slice(str_utf8(&repr).unwrap_or_default());
        Ok(())
    }

    fn float_text(&mut self, object: &Bound<'py, PyAny>, value: f64) -> PyResult<()> {
        if value.is_finite() {
            write_python_float_repr(&mut self.out, value);
            return Ok(());
        }
        if !self.options.allow_nan {
            return Err(self.out_of_range(object, value));
        }
        self.out.extend_from_slice(if value.is_nan() {
            b"NaN"
        } else if value > 0.0 {
            b"Infinity"
        } else {
            b"-Infinity"
        });
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn out_of_range(&self, object: &Bound<'py, PyAny>, value: f64) -> PyErr {
        const MESSAGE: &str = "Out of range float values are not JSON compliant";
        if !self.options.name_non_finite {
            return PyValueError::new_err(MESSAGE);
        }
        // A float's repr, as CPython's; a Decimal is named as the float it
        // is written as, except by the pure-Python encoder, which always
        // named the object itself.
        let named = if self.options.python_encoder || object.is_instance_of::<PyFloat>() {
            object.clone()
        } else {
            PyFloat::new(self.py, value).into_any()
        };
        let repr = named.repr().map(|r| r.to_string()).unwrap_or_default();
        PyValueError::new_err(format!("{MESSAGE}: {repr}"))
    }

    fn float(&mut self, object: &Bound<'py, PyAny>) -> PyResult<()> {
        // SAFETY: `object` is a float or subclass.
        let value = unsafe { ffi::PyFloat_AS_DOUBLE(object.as_ptr()) };
        self.float_text(object, value)
    }

    #[inline]
    fn newline(&mut self) {
        if let Some(indent) = &self.options.indent {
            self.indent(indent);
        }
    }

    #[inline(never)]
    fn indent(&mut self, indent: &[u8]) {
        self.out.push(b'\n');
        for _ in 0..self.level {
            extend_short(&mut self.out, indent);
        }
    }

    /// Runs `write` for a container or a converted object, with the
    /// circular-reference check and the recursion accounting CPython does.
    fn nested(
        &mut self,
        marker: &Bound<'py, PyAny>,
        write: impl FnOnce(&mut Self) -> PyResult<()>,
    ) -> PyResult<()> {
        let pointer = marker.as_ptr();
        if self.options.check_circular {
            if self.markers.contains(&pointer) {
                return Err(PyValueError::new_err("Circular reference detected"));
            }
            self.markers.push(pointer);
        }
        if self.nesting.depth() >= self.frame_budget {
            return Err(self.beyond_frame_budget());
        }
        self.nesting
            .enter(self.py, c" while encoding a JSON object")?;
        let result = write(self);
        self.nesting.leave();
        if self.options.check_circular {
            self.markers.pop();
        }
        result
    }

    fn sequence(&mut self, object: &Bound<'py, PyAny>) -> PyResult<()> {
        let exact = type_is(object, &raw mut ffi::PyList_Type)
            || type_is(object, &raw mut ffi::PyTuple_Type);
        if !exact {
            // CPython's PySequence_Fast iterates subclasses (honouring an
            // overridden __iter__) into a list first; the subclass object
            // itself stays the marker for circular references.
            let items = PyList::new(self.py, object.try_iter()?.collect::<PyResult<Vec<_>>>()?)?;
            return self.sequence_items(object, items.as_any());
        }
        self.sequence_items(object, object)
    }

    /// Writes `items` (an exact list or tuple) as the array for `marker`.
    fn sequence_items(
        &mut self,
        marker: &Bound<'py, PyAny>,
        object: &Bound<'py, PyAny>,
    ) -> PyResult<()> {
        if object.len()? == 0 {
            self.out.extend_from_slice(b"[]");
            return Ok(());
        }
        self.nested(marker, |this| {
            this.out.push(b'[');
            this.level += 1;
            this.newline();
            // Length and items are read afresh each step: `default` may
            // mutate the list while it is being written.
            let mut index = 0;
            while let Some(item) = sequence_item(object, index) {
                if index > 0 {
                    extend_short(&mut this.out, &this.options.item_separator);
                    this.newline();
                }
                if this.options.notes {
                    this.value_noting_index(&item, marker, index)?;
                } else {
                    this.value(&item)?;
                }
                index += 1;
            }
            this.level -= 1;
            this.newline();
            this.out.push(b']');
            Ok(())
        })
    }

    fn dict(&mut self, object: &Bound<'py, PyAny>) -> PyResult<()> {
        if object.len()? == 0 {
            self.out.extend_from_slice(b"{}");
            return Ok(());
        }
        self.nested(object, |this| {
            let start = this.out.len();
            this.out.push(b'{');
            this.level += 1;
            this.newline();
            let exact_dict = type_is(object, &raw mut ffi::PyDict_Type);
            let mut first = true;
            if this.options.python_encoder && !this.options.sort_keys {
                this.live_dict_entries(object, &mut first)?;
            } else if exact_dict && !this.options.sort_keys && this.options.live_dict_walk {
                this.exact_dict_entries_in_place(object, &mut first)?;
            } else if exact_dict && !this.options.sort_keys {
                this.exact_dict_entries(object, &mut first)?;
            } else {
                // SAFETY: PyMapping_Items on a live mapping returns a new
                // list of (key, value) tuples, or NULL with an error set.
                let items = owned(this.py, unsafe { ffi::PyMapping_Items(object.as_ptr()) })?
                    .cast_into::<PyList>()?;
                if this.options.sort_keys {
                    items.sort()?;
                }
                for item in items.iter() {
                    let (key, value) = entry_pair(&item, this.options.python_encoder)?;
                    this.entry(object, &key, &value, &mut first)?;
                }
            }
            this.level -= 1;
            if first && this.options.empty_when_all_skipped {
                this.out.truncate(start);
                this.out.extend_from_slice(b"{}");
                return Ok(());
            }
            this.newline();
            this.out.push(b'}');
            Ok(())
        })
    }

    /// Writes a dict's entries as the pure-Python encoder does: from the
    /// live `items()` view, so that a `default` that changes the dict is
    /// seen, or stops the walk with the view's RuntimeError.
    fn live_dict_entries(&mut self, dict: &Bound<'py, PyAny>, first: &mut bool) -> PyResult<()> {
        let items = dict.call_method0(pyo3::intern!(self.py, "items"))?;
        for item in items.try_iter()? {
            let (key, value) = entry_pair(&item?, true)?;
            self.entry(dict, &key, &value, first)?;
        }
        Ok(())
    }

    /// Writes the entries of an exact dict as the C encoder does from 3.12:
    /// in place, with PyDict_Next, so that a `default` that changes the
    /// dict changes the rest of the walk in the same way. Each entry is
    /// held while it is written (as CPython itself only did later), so a
    /// `default` that drops it cannot free it mid-write.
    fn exact_dict_entries_in_place(
        &mut self,
        dict: &Bound<'py, PyAny>,
        first: &mut bool,
    ) -> PyResult<()> {
        let mut position: ffi::Py_ssize_t = 0;
        let mut key = std::ptr::null_mut();
        let mut value = std::ptr::null_mut();
        // SAFETY: `dict` is an exact dict and the GIL is held; PyDict_Next
        // stays within the dict's current table however it changed since
        // the last step, and hands out borrowed references.
        while unsafe { ffi::PyDict_Next(dict.as_ptr(), &mut position, &mut key, &mut value) } != 0 {
            // SAFETY: both are alive, referenced by the dict; each Bound
            // takes a reference of its own before any Python code can run.
            let (key, value) = unsafe {
                (
                    Bound::from_borrowed_ptr(self.py, key),
                    Bound::from_borrowed_ptr(self.py, value),
                )
            };
            self.entry(dict, &key, &value, first)?;
        }
        Ok(())
    }

    /// Writes the entries of an exact dict from a snapshot, as CPython
    /// takes one with PyMapping_Items, so that mutation during `default`
    /// cannot disturb the walk. The snapshot goes on a stack shared by the
    /// whole call rather than into a vector per dict (an allocation that
    /// cost more than the entries of citm_catalog.json's small dicts), and
    /// skips the tuples CPython builds.
    fn exact_dict_entries(&mut self, dict: &Bound<'py, PyAny>, first: &mut bool) -> PyResult<()> {
        let start = self.snapshot.len();
        let mut position: ffi::Py_ssize_t = 0;
        let mut key = std::ptr::null_mut();
        let mut value = std::ptr::null_mut();
        // SAFETY: `dict` is an exact dict and the GIL is held; PyDict_Next
        // hands out borrowed references, each made strong at once, and runs
        // no Python code that could change the dict meanwhile.
        while unsafe { ffi::PyDict_Next(dict.as_ptr(), &mut position, &mut key, &mut value) } != 0 {
            // SAFETY: two live objects the dict references; each Bound
            // takes a reference of its own.
            unsafe {
                self.snapshot.push(Bound::from_borrowed_ptr(self.py, key));
                self.snapshot.push(Bound::from_borrowed_ptr(self.py, value));
            }
        }
        let end = self.snapshot.len();
        let mut written = Ok(());
        for at in (start..end).step_by(2) {
            let (key, value) = (self.snapshot[at].as_ptr(), self.snapshot[at + 1].as_ptr());
            // SAFETY: the snapshot holds a reference to both until it is
            // cut back to `start` below: entries of dicts nested deeper go
            // above `end` and are gone again when `entry` returns.
            let (key, value) = unsafe {
                (
                    Borrowed::from_ptr(self.py, key),
                    Borrowed::from_ptr(self.py, value),
                )
            };
            written = self.entry(dict, &key, &value, first);
            if written.is_err() {
                break;
            }
        }
        self.snapshot.truncate(start);
        written
    }

    fn entry(
        &mut self,
        container: &Bound<'py, PyAny>,
        key: &Bound<'py, PyAny>,
        value: &Bound<'py, PyAny>,
        first: &mut bool,
    ) -> PyResult<()> {
        let start = self.out.len();
        if !*first {
            extend_short(&mut self.out, &self.options.item_separator);
            self.newline();
        }
        if !self.key(key)? {
            self.out.truncate(start);
            return Ok(());
        }
        *first = false;
        extend_short(&mut self.out, &self.options.key_separator);
        if self.options.notes {
            self.value_noting_key(value, container, key)
        } else {
            self.value(value)
        }
    }

    /// Writes a dict key as a JSON string, converting it as CPython does.
    /// Returns false when `skipkeys` drops it.
    fn key(&mut self, key: &Bound<'py, PyAny>) -> PyResult<bool> {
        if key.is_instance_of::<PyString>() {
            self.string(key)?;
            return Ok(true);
        }
        let mut text = Vec::new();
        std::mem::swap(&mut text, &mut self.out);
        let converted = self.key_text(key);
        std::mem::swap(&mut text, &mut self.out);
        if !converted? {
            return Ok(false);
        }
        // Key texts are ASCII: numbers, true/false/null, NaN/Infinity.
        write_escaped(&mut self.out, &text, self.options.ensure_ascii);
        Ok(true)
    }

    fn key_text(&mut self, key: &Bound<'py, PyAny>) -> PyResult<bool> {
        if key.is_instance_of::<pyo3::types::PyFloat>() {
            self.float(key)?;
        } else if is_singleton(key, ffi::Py_True) {
            self.out.extend_from_slice(b"true");
        } else if is_singleton(key, ffi::Py_False) {
            self.out.extend_from_slice(b"false");
        } else if key.is_none() {
            self.out.extend_from_slice(b"null");
        } else if key.is_instance_of::<pyo3::types::PyInt>() {
            self.int(key)?;
        } else if self.options.skipkeys {
            return Ok(false);
        } else {
            let ty = key.get_type();
            // The C encoder names the type by tp_name, the Python one by
            // __name__ (`datetime.date` against `date`).
            let name = if self.options.python_encoder {
                ty.name()?.to_string()
            } else {
                type_tp_name(&ty)
            };
            return Err(PyTypeError::new_err(format!(
                "keys must be str, int, float, bool or None, not {name}"
            )));
        }
        Ok(true)
    }

    /// Types written natively beyond the standard library's. Returns false
    /// when `object` is none of them.
    fn extra(&mut self, object: &Bound<'py, PyAny>) -> PyResult<bool> {
        let types = ExtraTypes::get(self.py)?;
        let py = self.py;
        if object.is_instance(types.enum_.bind(py))? {
            let value = object.getattr(pyo3::intern!(py, "value"))?;
            self.nested(object, |this| this.value(&value))?;
        } else if object.is_instance(types.datetime.bind(py))?
            || object.is_instance(types.date.bind(py))?
            || object.is_instance(types.time.bind(py))?
        {
            let text = object.call_method0(pyo3::intern!(py, "isoformat"))?;
            self.string(&text)?;
        } else if object.is_instance(types.uuid.bind(py))? {
            let text = object.str()?.into_any();
            self.string(&text)?;
        } else if object.is_instance(types.decimal.bind(py))? {
            self.decimal(object)?;
        } else if object.is_instance_of::<pyo3::types::PySet>()
            || object.is_instance_of::<pyo3::types::PyFrozenSet>()
        {
            let items = PyList::new(py, object.try_iter()?.collect::<PyResult<Vec<_>>>()?)?;
            self.nested(object, |this| this.sequence(items.as_any()))?;
        } else if let Some(fields) = dataclass_fields(object)? {
            let dict = PyDict::new(py);
            for name in fields.iter() {
                let name = name.cast_into::<PyString>()?;
                dict.set_item(&name, object.getattr(&name)?)?;
            }
            self.nested(object, |this| this.dict(dict.as_any()))?;
        } else {
            return Ok(false);
        }
        Ok(true)
    }

    /// A Decimal as an exact JSON number; NaN and infinities as floats are.
    fn decimal(&mut self, object: &Bound<'py, PyAny>) -> PyResult<()> {
        let text = object.str()?.to_string();
        if object
            .call_method0(pyo3::intern!(self.py, "is_finite"))?
            .is_truthy()?
        {
            self.out.extend_from_slice(text.as_bytes());
            return Ok(());
        }
        let value = if object
            .call_method0(pyo3::intern!(self.py, "is_nan"))?
            .is_truthy()?
        {
            f64::NAN
        } else if text.starts_with('-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
        self.float_text(object, value)
    }

    /// `default(object)`, then whatever it returned; without `default`, the
    /// standard library's TypeError.
    fn fallback(&mut self, object: &Bound<'py, PyAny>) -> PyResult<()> {
        let Some(default) = self.options.default.clone() else {
            let name = object.getattr("__class__")?.getattr("__name__")?;
            return Err(PyTypeError::new_err(format!(
                "Object of type {name} is not JSON serializable"
            )));
        };
        self.nested(object, |this| {
            let replacement = default.call1((object,))?;
            match this.value(&replacement) {
                Ok(()) => Ok(()),
                Err(error) => Err(this.note_object(error, object)),
            }
        })
    }
}

/// Item `index` of a list or tuple, as a new reference, or None past the
/// end.
fn sequence_item<'py>(sequence: &Bound<'py, PyAny>, index: usize) -> Option<Bound<'py, PyAny>> {
    let pointer = sequence.as_ptr();
    let index = index as ffi::Py_ssize_t;
    // SAFETY: `sequence` is a list or tuple (callers check); the index is
    // bounds-checked against the current size, and the borrowed item is
    // turned into a new reference before anything can run.
    unsafe {
        let item = if ffi::PyList_Check(pointer) != 0 {
            if index >= ffi::PyList_GET_SIZE(pointer) {
                return None;
            }
            ffi::PyList_GET_ITEM(pointer, index)
        } else {
            if index >= ffi::PyTuple_GET_SIZE(pointer) {
                return None;
            }
            ffi::PyTuple_GET_ITEM(pointer, index)
        };
        Some(Bound::from_borrowed_ptr(sequence.py(), item))
    }
}

fn type_tp_name(ty: &Bound<'_, PyType>) -> String {
    // SAFETY: tp_name of a live type object is a NUL-terminated C string.
    unsafe {
        let name = (*ty.as_type_ptr()).tp_name;
        std::ffi::CStr::from_ptr(name)
            .to_string_lossy()
            .into_owned()
    }
}

/// Field names of a dataclass instance, in definition order, or None when
/// `object` is not one. Follows `dataclasses.fields`: only real fields,
/// not ClassVar or InitVar pseudo-fields.
pub(crate) fn dataclass_fields<'py>(
    object: &Bound<'py, PyAny>,
) -> PyResult<Option<Bound<'py, PyTuple>>> {
    if object.is_instance_of::<PyType>() {
        return Ok(None);
    }
    let ty = object.get_type();
    if !ty.hasattr(pyo3::intern!(object.py(), "__dataclass_fields__"))? {
        return Ok(None);
    }
    let fields = object
        .py()
        .import("dataclasses")?
        .getattr("fields")?
        .call1((object,))?;
    let names = fields
        .try_iter()?
        .map(|field| field?.getattr(pyo3::intern!(object.py(), "name")))
        .collect::<PyResult<Vec<_>>>()?;
    Ok(Some(PyTuple::new(object.py(), names)?))
}
