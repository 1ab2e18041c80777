//! `marshal.loads` into Python objects, driven by the core parser.
//!
//! Containers are created before their items and filled in place, as
//! CPython does, so references from inside a container to itself resolve
//! to the same object. Unlike CPython, a tuple starts out full of `None`
//! rather than of NULL pointers: a hostile stream can make a tuple visible
//! (through a reference) before it is complete, and hashing or comparing
//! one holding NULLs would crash the interpreter.

use super::quirks;
use crate::gc::GcPause;
use crate::pystr::{ascii_str, owned, wtf8_str};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::{ffi, PyErr};
use serialkit::marshal::{CodeInts, MarshalSink, MarshalStr, StrKind};

pub struct PySink<'py> {
    pub py: Python<'py>,
    pub refs: Vec<Option<Bound<'py, PyAny>>>,
    cached_one_byte: bool,
    /// Paused while the sink lives; counts the containers made.
    gc: GcPause,
}

/// Why the Python sink stopped.
pub enum SinkStop {
    /// A Python exception (MemoryError, UnicodeDecodeError, TypeError from
    /// an unhashable set item or dict key, ...).
    /// Boxed so that results stay two words on the hot path.
    Python(Box<PyErr>),
    /// The stream holds a code object: the caller decides what to do.
    Code,
}

impl From<PyErr> for SinkStop {
    fn from(err: PyErr) -> Self {
        SinkStop::Python(Box::new(err))
    }
}

type Made<'py> = Result<Bound<'py, PyAny>, SinkStop>;

impl<'py> PySink<'py> {
    /// `input_len` sizes the reference table ahead: each reference takes
    /// a few bytes of input, so growing it step by step would be paid on
    /// every call.
    pub fn new(py: Python<'py>, input_len: usize) -> Self {
        PySink {
            py,
            refs: Vec::with_capacity((input_len / 16).min(1 << 16)),
            cached_one_byte: quirks::cached_one_byte(),
            gc: GcPause::new(py),
        }
    }

    fn made(&self, ptr: *mut ffi::PyObject) -> Made<'py> {
        Ok(owned(self.py, ptr)?)
    }

    fn borrowed(&self, ptr: *mut ffi::PyObject) -> Bound<'py, PyAny> {
        // SAFETY: callers pass a live singleton (None, Ellipsis, True,
        // StopIteration...), which `from_borrowed_ptr` increfs.
        unsafe { Bound::from_borrowed_ptr(self.py, ptr) }
    }
}

impl<'py> MarshalSink for PySink<'py> {
    type Obj = Bound<'py, PyAny>;
    type Error = SinkStop;

    fn none(&mut self) -> Made<'py> {
        Ok(self.py.None().into_bound(self.py))
    }

    fn stop_iteration(&mut self) -> Made<'py> {
        // SAFETY: reading the address of a static exception type.
        Ok(self.borrowed(unsafe { ffi::PyExc_StopIteration }))
    }

    fn ellipsis(&mut self) -> Made<'py> {
        // SAFETY: Py_Ellipsis returns the immortal Ellipsis singleton.
        Ok(self.borrowed(unsafe { ffi::Py_Ellipsis() }))
    }

    fn bool(&mut self, value: bool) -> Made<'py> {
        // SAFETY: the bool singletons are static objects.
        Ok(self.borrowed(unsafe {
            if value {
                ffi::Py_True()
            } else {
                ffi::Py_False()
            }
        }))
    }

    fn int(&mut self, value: i64) -> Made<'py> {
        // SAFETY: returns a new reference or NULL with an exception set.
        self.made(unsafe { ffi::PyLong_FromLongLong(value) })
    }

    fn big_int(&mut self, negative: bool, magnitude: &[u8]) -> Made<'py> {
        let py = self.py;
        let bytes = pyo3::types::PyBytes::new(py, magnitude);
        let int_type = py.get_type::<pyo3::types::PyInt>();
        let value = int_type.call_method1("from_bytes", (bytes, "little"))?;
        Ok(if negative { value.neg()? } else { value })
    }

    fn float(&mut self, value: f64) -> Made<'py> {
        // SAFETY: returns a new reference or NULL with an exception set.
        self.made(unsafe { ffi::PyFloat_FromDouble(value) })
    }

    fn complex(&mut self, real: f64, imag: f64) -> Made<'py> {
        // SAFETY: returns a new reference or NULL with an exception set.
        self.made(unsafe { ffi::PyComplex_FromDoubles(real, imag) })
    }

    fn bytes(&mut self, value: &[u8]) -> Made<'py> {
        if self.cached_one_byte && value.len() == 1 {
            return Ok(pyo3::types::PyBytes::new(self.py, value).into_any());
        }
        // Created empty and then filled, as CPython's reader does (before
        // 3.14), so a one-byte value is a new object and not the
        // interpreter's cached one: what shares what decides the FLAG_REFs
        // of a later dumps.
        // SAFETY: PyBytes_FromStringAndSize(NULL, n) returns a new bytes
        // object with room for n bytes (or NULL), filled here before use.
        unsafe {
            let object = self.made(ffi::PyBytes_FromStringAndSize(
                std::ptr::null(),
                value.len() as ffi::Py_ssize_t,
            ))?;
            let data = ffi::PyBytes_AsString(object.as_ptr()).cast::<u8>();
            std::ptr::copy_nonoverlapping(value.as_ptr(), data, value.len());
            Ok(object)
        }
    }

    fn str(&mut self, value: MarshalStr<'_>) -> Made<'py> {
        // Strings of one Latin-1 character (and the empty string) are the
        // interpreter's cached objects, as CPython's reader returns them.
        let string = if value.ascii && value.bytes.len() > 1 {
            ascii_str(self.py, value.bytes)?
        } else {
            match value.kind {
                // SAFETY: a live slice; Latin-1 decoding cannot fail on bytes.
                _ if value.ascii => self.made(unsafe {
                    ffi::PyUnicode_DecodeLatin1(
                        value.bytes.as_ptr().cast(),
                        value.bytes.len() as ffi::Py_ssize_t,
                        std::ptr::null(),
                    )
                })?,
                // SAFETY: as above.
                StrKind::Latin1 => self.made(unsafe {
                    ffi::PyUnicode_DecodeLatin1(
                        value.bytes.as_ptr().cast(),
                        value.bytes.len() as ffi::Py_ssize_t,
                        std::ptr::null(),
                    )
                })?,
                StrKind::Utf8 => wtf8_str(self.py, value.bytes)?,
            }
        };
        if !value.interned {
            return Ok(string);
        }
        let mut ptr = string.into_ptr();
        // SAFETY: PyUnicode_InternInPlace takes our reference to an exact
        // str and leaves in `ptr` a reference to the interned one.
        unsafe { ffi::PyUnicode_InternInPlace(&mut ptr) };
        self.made(ptr)
    }

    fn tuple(&mut self, len: usize) -> Made<'py> {
        self.gc.made_container(self.py);
        // SAFETY: PyTuple_New returns a tuple of NULLs (or NULL); each slot
        // is given a reference to None at once, before anyone sees it.
        unsafe {
            let tuple = self.made(ffi::PyTuple_New(len as ffi::Py_ssize_t))?;
            let none = ffi::Py_None();
            for index in 0..len {
                ffi::Py_INCREF(none);
                ffi::PyTuple_SET_ITEM(tuple.as_ptr(), index as ffi::Py_ssize_t, none);
            }
            Ok(tuple)
        }
    }

    fn tuple_set(&mut self, tuple: &mut Bound<'py, PyAny>, index: usize, item: Bound<'py, PyAny>) {
        // SAFETY: `tuple` is the tuple made by `tuple(len)` and the parser
        // passes each index below len once; the None placed there is
        // released and the slot takes our reference to `item`.
        unsafe {
            let slot = ffi::PyTuple_GET_ITEM(tuple.as_ptr(), index as ffi::Py_ssize_t);
            ffi::PyTuple_SET_ITEM(tuple.as_ptr(), index as ffi::Py_ssize_t, item.into_ptr());
            ffi::Py_DECREF(slot);
        }
    }

    fn list(&mut self, len: usize) -> Made<'py> {
        self.gc.made_container(self.py);
        // SAFETY: PyList_New returns a list with room for `len` items (or
        // NULL), which is shown with the items set so far only: its size
        // starts at 0 and grows with each item, so it never shows an empty
        // (NULL) slot. Lists are unhashable, so an incomplete one reachable
        // through a reference is never hashed or compared while being
        // filled; but Python code run by a young collection (gc callbacks,
        // finalizers) could find it through `gc.get_objects()`, and would
        // then see a shorter list, not a crash.
        unsafe {
            let list = self.made(ffi::PyList_New(len as ffi::Py_ssize_t))?;
            (*list.as_ptr().cast::<ffi::PyVarObject>()).ob_size = 0;
            Ok(list)
        }
    }

    fn list_set(&mut self, list: &mut Bound<'py, PyAny>, index: usize, item: Bound<'py, PyAny>) {
        // SAFETY: `list` is the list made by `list(len)` with room for len
        // items, and the parser passes each index below len once, in
        // order, so `index` is the list's size: the slot past its items,
        // within its room. Only Python code run by a young collection that
        // found the list and changed it could make the size differ; the
        // item is then dropped rather than written where it does not fit.
        unsafe {
            let list = list.as_ptr();
            let size = &mut (*list.cast::<ffi::PyVarObject>()).ob_size;
            if *size != index as ffi::Py_ssize_t {
                return;
            }
            ffi::PyList_SET_ITEM(list, index as ffi::Py_ssize_t, item.into_ptr());
            *size += 1;
        }
    }

    fn dict(&mut self) -> Made<'py> {
        self.gc.made_container(self.py);
        // SAFETY: returns a new reference or NULL with an exception set.
        self.made(unsafe { ffi::PyDict_New() })
    }

    fn dict_set(
        &mut self,
        dict: &mut Bound<'py, PyAny>,
        key: Bound<'py, PyAny>,
        value: Bound<'py, PyAny>,
    ) -> Result<(), SinkStop> {
        // SAFETY: `dict` is a dict made by `dict()`; SetItem does not steal.
        if unsafe { ffi::PyDict_SetItem(dict.as_ptr(), key.as_ptr(), value.as_ptr()) } < 0 {
            return Err(PyErr::fetch(self.py).into());
        }
        Ok(())
    }

    fn set(&mut self, _len: usize) -> Made<'py> {
        self.gc.made_container(self.py);
        // SAFETY: returns a new reference or NULL with an exception set.
        self.made(unsafe { ffi::PySet_New(std::ptr::null_mut()) })
    }

    fn set_add(
        &mut self,
        set: &mut Bound<'py, PyAny>,
        item: Bound<'py, PyAny>,
    ) -> Result<(), SinkStop> {
        // SAFETY: `set` is a set made by `set()`; PySet_Add does not steal.
        if unsafe { ffi::PySet_Add(set.as_ptr(), item.as_ptr()) } < 0 {
            return Err(PyErr::fetch(self.py).into());
        }
        Ok(())
    }

    fn frozenset(&mut self, items: Vec<Bound<'py, PyAny>>) -> Made<'py> {
        let list = pyo3::types::PyList::new(self.py, items)?;
        // SAFETY: builds a frozenset from a live list; new reference or NULL.
        self.made(unsafe { ffi::PyFrozenSet_New(list.as_ptr()) })
    }

    fn code(&mut self, _ints: CodeInts, _objects: Vec<Bound<'py, PyAny>>) -> Made<'py> {
        Err(SinkStop::Code)
    }

    fn slice(
        &mut self,
        start: Bound<'py, PyAny>,
        stop: Bound<'py, PyAny>,
        step: Bound<'py, PyAny>,
    ) -> Made<'py> {
        // SAFETY: three live objects; PySlice_New takes its own references
        // and returns a new one (or NULL with an exception set).
        self.made(unsafe { ffi::PySlice_New(start.as_ptr(), stop.as_ptr(), step.as_ptr()) })
    }

    fn reads_slices(&self) -> bool {
        quirks::slices()
    }

    fn keep(&mut self, slot: u32, obj: &mut Bound<'py, PyAny>) {
        let slot = slot as usize;
        // Slots are filled in order, except those of frozensets and code
        // objects, which are filled once complete.
        if slot == self.refs.len() {
            self.refs.push(Some(obj.clone()));
            return;
        }
        if self.refs.len() <= slot {
            self.refs.resize(slot + 1, None);
        }
        self.refs[slot] = Some(obj.clone());
    }

    fn fetch(&mut self, slot: u32) -> Bound<'py, PyAny> {
        // The parser only lets references to filled slots through.
        match self.refs.get(slot as usize) {
            Some(Some(obj)) => obj.clone(),
            _ => self.py.None().into_bound(self.py),
        }
    }
}

/// A sink that builds nothing and only checks what the interpreter's own
/// reader would trip on. It refuses references to tuples still being
/// filled, which CPython hands out with NULL items inside, and code objects
/// whose fields have the wrong types (CPython 3.11 reads the size of
/// `co_localsplusnames` as a tuple's before it validates anything). Streams
/// that pass may be given to `marshal.loads` (for code objects).
#[derive(Default)]
pub struct CheckSink {
    incomplete: std::collections::HashSet<u32>,
    /// The kind of the object in each reference slot.
    kinds: Vec<Kind>,
    pub bad_reference: bool,
    pub bad_code: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Other,
    Bytes,
    Str,
    Tuple,
}

pub struct Node {
    kind: Kind,
    /// For tuples: their length and their slot, while being filled.
    len: usize,
    slot: Option<u32>,
}

impl Node {
    fn of(kind: Kind) -> Result<Node, std::convert::Infallible> {
        Ok(Node {
            kind,
            len: 0,
            slot: None,
        })
    }
}

/// The kinds CPython 3.11 requires of a code object's object fields (see
/// `CODE_OBJECT_FIELDS`).
const CODE_FIELD_KINDS: [Kind; 10] = [
    Kind::Bytes,
    Kind::Tuple,
    Kind::Tuple,
    Kind::Tuple,
    Kind::Bytes,
    Kind::Str,
    Kind::Str,
    Kind::Str,
    Kind::Bytes,
    Kind::Bytes,
];

impl MarshalSink for CheckSink {
    type Obj = Node;
    type Error = std::convert::Infallible;

    fn none(&mut self) -> Result<Node, Self::Error> {
        Node::of(Kind::Other)
    }
    fn stop_iteration(&mut self) -> Result<Node, Self::Error> {
        Node::of(Kind::Other)
    }
    fn ellipsis(&mut self) -> Result<Node, Self::Error> {
        Node::of(Kind::Other)
    }
    fn bool(&mut self, _: bool) -> Result<Node, Self::Error> {
        Node::of(Kind::Other)
    }
    fn int(&mut self, _: i64) -> Result<Node, Self::Error> {
        Node::of(Kind::Other)
    }
    fn big_int(&mut self, _: bool, _: &[u8]) -> Result<Node, Self::Error> {
        Node::of(Kind::Other)
    }
    fn float(&mut self, _: f64) -> Result<Node, Self::Error> {
        Node::of(Kind::Other)
    }
    fn complex(&mut self, _: f64, _: f64) -> Result<Node, Self::Error> {
        Node::of(Kind::Other)
    }
    fn bytes(&mut self, _: &[u8]) -> Result<Node, Self::Error> {
        Node::of(Kind::Bytes)
    }
    fn str(&mut self, _: MarshalStr<'_>) -> Result<Node, Self::Error> {
        Node::of(Kind::Str)
    }
    fn tuple(&mut self, len: usize) -> Result<Node, Self::Error> {
        Ok(Node {
            kind: Kind::Tuple,
            len,
            slot: None,
        })
    }
    fn tuple_set(&mut self, tuple: &mut Node, index: usize, _: Node) {
        if let Some(slot) = tuple.slot {
            if index + 1 == tuple.len {
                self.incomplete.remove(&slot);
            }
        }
    }
    fn list(&mut self, _: usize) -> Result<Node, Self::Error> {
        Node::of(Kind::Other)
    }
    fn list_set(&mut self, _: &mut Node, _: usize, _: Node) {}
    fn dict(&mut self) -> Result<Node, Self::Error> {
        Node::of(Kind::Other)
    }
    fn dict_set(&mut self, _: &mut Node, _: Node, _: Node) -> Result<(), Self::Error> {
        Ok(())
    }
    fn set(&mut self, _: usize) -> Result<Node, Self::Error> {
        Node::of(Kind::Other)
    }
    fn set_add(&mut self, _: &mut Node, _: Node) -> Result<(), Self::Error> {
        Ok(())
    }
    fn frozenset(&mut self, _: Vec<Node>) -> Result<Node, Self::Error> {
        Node::of(Kind::Other)
    }
    fn slice(&mut self, _: Node, _: Node, _: Node) -> Result<Node, Self::Error> {
        Node::of(Kind::Other)
    }
    fn reads_slices(&self) -> bool {
        quirks::slices()
    }
    fn code(&mut self, ints: CodeInts, objects: Vec<Node>) -> Result<Node, Self::Error> {
        let kinds_match = ints.layout == serialkit::marshal::CodeLayout::Py311
            && objects.len() == CODE_FIELD_KINDS.len()
            && objects
                .iter()
                .zip(CODE_FIELD_KINDS)
                .all(|(node, kind)| node.kind == kind);
        if !kinds_match {
            self.bad_code = true;
        }
        Node::of(Kind::Other)
    }
    fn keep(&mut self, slot: u32, obj: &mut Node) {
        let at = slot as usize;
        if self.kinds.len() <= at {
            self.kinds.resize(at + 1, Kind::Other);
        }
        self.kinds[at] = obj.kind;
        if obj.kind == Kind::Tuple && obj.len > 0 {
            obj.slot = Some(slot);
            self.incomplete.insert(slot);
        }
    }
    fn fetch(&mut self, slot: u32) -> Node {
        if self.incomplete.contains(&slot) {
            self.bad_reference = true;
        }
        let kind = self
            .kinds
            .get(slot as usize)
            .copied()
            .unwrap_or(Kind::Other);
        Node {
            kind,
            len: 0,
            slot: None,
        }
    }
}

pub fn code_disallowed() -> PyErr {
    PyValueError::new_err("unmarshalling code objects is disallowed")
}
