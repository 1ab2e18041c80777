//! The pickler proper: `save` dispatches on an object's exact type in the
//! order CPython's `_pickle.c` does (atoms, the memo, strings, containers,
//! then the hooks and the reduce protocol) and writes the same opcodes.

use super::fast::FastGuard;
use super::memo::Memo;
use super::state::State;
use super::writer::Writer;
use crate::pystr::compact_ascii;
use crate::stack::Nesting;
use pyo3::exceptions::{PyOverflowError, PyRuntimeError, PyTypeError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};
use serialkit::pickle::encode::{
    self, batch, batch_iter, Framer, Items, Output, TooLarge, BATCHSIZE,
};
use serialkit::pickle::opcodes::*;
use std::ffi::CStr;

const RECURSION_CONTEXT: &CStr = c" while pickling an object";

/// The pickler's overridable hooks, as found on the Python `Pickler`.
#[derive(Default)]
pub struct Hooks<'py> {
    pub persistent_id: Option<Bound<'py, PyAny>>,
    pub dispatch_table: Option<Bound<'py, PyAny>>,
    pub reducer_override: Option<Bound<'py, PyAny>>,
    pub buffer_callback: Option<Bound<'py, PyAny>>,
}

pub struct Pickler<'a, 'py> {
    pub py: Python<'py>,
    pub state: &'static State,
    pub proto: u8,
    /// Protocol 1 or later: binary opcodes.
    pub bin: bool,
    pub fix_imports: bool,
    pub out: Writer<'py>,
    pub memo: &'a mut Memo,
    pub hooks: Hooks<'py>,
    nesting: Nesting,
    fast: FastGuard,
}

pub fn type_of(obj: &Bound<'_, PyAny>) -> *mut ffi::PyTypeObject {
    // SAFETY: `obj` is a live object; reading its type pointer is always valid.
    unsafe { ffi::Py_TYPE(obj.as_ptr()) }
}

/// The C-level name of a type, as CPython's messages quote it (`%.200s`).
pub fn tp_name(ty: *mut ffi::PyTypeObject) -> String {
    // SAFETY: `ty` is the type of a live object, so it is a live type whose
    // `tp_name` is a NUL-terminated string.
    let name = unsafe { CStr::from_ptr((*ty).tp_name) };
    let name = name.to_string_lossy();
    name.chars().take(200).collect()
}

/// Advances an iterator, as `PyIter_Next` does. Callers guarantee that
/// `iter` passes `PyIter_Check`.
pub fn iter_next<'py>(iter: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
    let py = iter.py();
    // SAFETY: `iter` is an iterator (see above), GIL held; the result is a
    // new reference or NULL.
    let item = unsafe { ffi::PyIter_Next(iter.as_ptr()) };
    if item.is_null() {
        match PyErr::take(py) {
            Some(error) => Err(error),
            None => Ok(None),
        }
    } else {
        // SAFETY: `item` is a new, non-NULL reference that we now own.
        Ok(Some(unsafe { Bound::from_owned_ptr(py, item) }))
    }
}

pub fn owned_or_err<'py>(py: Python<'py>, ptr: *mut ffi::PyObject) -> PyResult<Bound<'py, PyAny>> {
    // SAFETY: callers pass the result of a C API call returning a new
    // reference, or NULL with an exception set.
    unsafe { Bound::from_owned_ptr_or_err(py, ptr) }
}

macro_rules! is_type {
    ($ty:expr, $static:ident) => {
        $ty == &raw mut ffi::$static
    };
}

impl<'a, 'py> Pickler<'a, 'py> {
    pub fn new(
        py: Python<'py>,
        proto: u8,
        fix_imports: bool,
        out: Writer<'py>,
        memo: &'a mut Memo,
        hooks: Hooks<'py>,
    ) -> PyResult<Self> {
        Ok(Pickler {
            py,
            state: State::get(py)?,
            proto,
            bin: proto >= 1,
            fix_imports: fix_imports && proto < 3,
            out,
            memo,
            hooks,
            nesting: Nesting::default(),
            fast: FastGuard::default(),
        })
    }

    /// Writes a whole pickle: header, object, STOP.
    pub fn dump(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        if self.proto >= 2 {
            self.out.write(&[PROTO, self.proto]);
            self.out.set_framing(self.proto >= 4);
        }
        let result = self.save(obj, false).map(|()| {
            self.out.byte(STOP);
            self.out.commit_frame();
        });
        self.out.set_framing(false);
        result
    }

    pub fn pickling_error(&self, message: String) -> PyErr {
        self.state.pickling_error(self.py, message)
    }

    /// Adds CPython 3.14's note "when serializing {place}" to `error`;
    /// `place` is only built when the interpreter writes notes. Out of
    /// line, so that the frames of nested saves stay small.
    #[cold]
    #[inline(never)]
    pub fn noted(&self, error: PyErr, place: impl FnOnce() -> PyResult<String>) -> PyErr {
        if !self.state.compat.notes {
            return error;
        }
        match place() {
            Ok(place) => {
                crate::notes::with_note(self.py, error, format!("when serializing {place}"))
            }
            Err(other) => other,
        }
    }

    /// Saves an element of the set `owner`, noting on failure that it was
    /// one (CPython names no index: a set has none).
    fn save_element(
        &mut self,
        item: &Bound<'py, PyAny>,
        owner: &Bound<'py, PyAny>,
    ) -> PyResult<()> {
        self.save(item, false).map_err(|error| {
            self.noted(error, || Ok(format!("{} element", qualified_type(owner)?)))
        })
    }

    /// Saves `item`, noting on failure that it was item `index` of `owner`.
    fn save_noted_item(
        &mut self,
        item: &Bound<'py, PyAny>,
        owner: &Bound<'py, PyAny>,
        index: usize,
    ) -> PyResult<()> {
        self.save(item, false).map_err(|error| {
            self.noted(error, || {
                Ok(format!("{} item {index}", qualified_type(owner)?))
            })
        })
    }

    /// Saves a key and its value, noting on failure of the value that it
    /// was the item `key` of `owner` (a failing key gets no note).
    #[inline(always)]
    fn save_noted_pair(
        &mut self,
        (key, value): (Bound<'py, PyAny>, Bound<'py, PyAny>),
        owner: &Bound<'py, PyAny>,
    ) -> PyResult<()> {
        self.save(&key, false)?;
        self.save(&value, false).map_err(|error| {
            self.noted(error, || {
                Ok(format!("{} item {}", qualified_type(owner)?, key.repr()?))
            })
        })
    }

    pub fn save(&mut self, obj: &Bound<'py, PyAny>, pers_save: bool) -> PyResult<()> {
        self.out.opcode_boundary()?;
        // The persistent id itself is saved with `pers_save` so that it is
        // not offered to `persistent_id` again.
        if !pers_save && self.hooks.persistent_id.is_some() && self.save_pers(obj)? {
            return Ok(());
        }
        let ty = type_of(obj);
        if obj.is_none() {
            self.out.byte(NONE);
            return Ok(());
        }
        if is_type!(ty, PyBool_Type) {
            return self.save_bool(obj);
        }
        if is_type!(ty, PyLong_Type) {
            return self.save_long(obj);
        }
        if is_type!(ty, PyFloat_Type) {
            return self.save_float(obj);
        }
        if is_type!(ty, PyUnicode_Type) {
            // One memo lookup instead of a get and a put: a str has no
            // parts, so nothing else is memoized while it is written.
            return match self.memo.get_or_put(obj) {
                Ok(idx) => self.memo_get(idx),
                Err(idx) => self.save_new_str(obj, idx),
            };
        }
        if let Some(idx) = self.memo.get(obj) {
            return self.memo_get(idx);
        }
        if is_type!(ty, PyBytes_Type) {
            return self.save_bytes(obj);
        }
        // Atoms above cannot nest, so only the rest counts towards the
        // recursion limit, as in CPython.
        self.nested(|p| p.save_other(obj, ty))
    }

    fn nested(&mut self, write: impl FnOnce(&mut Self) -> PyResult<()>) -> PyResult<()> {
        self.nesting.enter(self.py, RECURSION_CONTEXT)?;
        let result = write(self);
        self.nesting.leave();
        result
    }

    fn save_other(&mut self, obj: &Bound<'py, PyAny>, ty: *mut ffi::PyTypeObject) -> PyResult<()> {
        if is_type!(ty, PyDict_Type) {
            return self.save_dict(obj);
        } else if is_type!(ty, PySet_Type) {
            return self.save_set(obj);
        } else if is_type!(ty, PyFrozenSet_Type) {
            return self.save_frozenset(obj);
        } else if is_type!(ty, PyList_Type) {
            return self.save_list(obj);
        } else if is_type!(ty, PyTuple_Type) {
            return self.save_tuple(obj);
        } else if is_type!(ty, PyByteArray_Type) {
            return self.save_bytearray(obj);
        } else if ty.cast() == self.state.pickle_buffer.as_ptr() {
            return self.save_picklebuffer(obj);
        }
        self.save_reducible(obj, ty)
    }

    fn save_pers(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<bool> {
        let Some(persistent_id) = self.hooks.persistent_id.clone() else {
            return Ok(false);
        };
        let pid = persistent_id.call1((obj,))?;
        if pid.is_none() {
            return Ok(false);
        }
        if self.bin {
            self.save(&pid, true)?;
            self.out.byte(BINPERSID);
        } else {
            let text = pid.str()?;
            let ascii = text.to_str().ok().filter(|text| text.is_ascii());
            let Some(ascii) = ascii else {
                return Err(self
                    .pickling_error("persistent IDs in protocol 0 must be ASCII strings".into()));
            };
            encode::line(&mut self.out, PERSID, ascii.as_bytes());
        }
        Ok(true)
    }

    #[inline]
    pub fn memo_put(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        let idx = self.memo.put(obj);
        self.write_put(idx)
    }

    #[inline]
    fn write_put(&mut self, idx: usize) -> PyResult<()> {
        if self.memo.fast {
            return Ok(());
        }
        match encode::put(&mut self.out, idx, self.proto) {
            Ok(()) => Ok(()),
            Err(TooLarge) => Err(self.memo_too_large("LONG_BINPUT")),
        }
    }

    #[cold]
    #[inline(never)]
    fn memo_too_large(&self, op: &str) -> PyErr {
        self.pickling_error(format!("memo id too large for {op}"))
    }

    /// The memo cannot outgrow four bytes' worth of entries before
    /// protocol 4, where putting them would have failed first.
    #[inline]
    pub fn memo_get(&mut self, idx: usize) -> PyResult<()> {
        match encode::get(&mut self.out, idx, self.proto) {
            Ok(()) => Ok(()),
            Err(TooLarge) => Err(self.memo_too_large("LONG_BINGET")),
        }
    }

    /// The memo lookup for an object just saved through its parts: if the
    /// parts reached the object itself, it is in the memo by now.
    pub fn memo_index(&self, obj: &Bound<'py, PyAny>) -> Option<usize> {
        self.memo.get(obj)
    }

    fn save_bool(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        encode::boolean(&mut self.out, obj.is_truthy()?, self.proto);
        Ok(())
    }

    fn save_long(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        let mut overflow = 0;
        // SAFETY: `obj` is an exact int, GIL held; an int cannot fail here
        // other than by overflow, which is reported through `overflow`.
        let value = unsafe { ffi::PyLong_AsLongAndOverflow(obj.as_ptr(), &mut overflow) } as i64;
        let written = if overflow == 0 {
            encode::int(&mut self.out, value, self.proto)
        } else if self.proto >= 2 {
            let nbits: usize = obj.call_method0("bit_length")?.extract()?;
            let kwargs = PyDict::new(self.py);
            kwargs.set_item("signed", true)?;
            let data = obj
                .call_method("to_bytes", ((nbits >> 3) + 1, "little"), Some(&kwargs))?
                .cast_into::<PyBytes>()?;
            encode::long(&mut self.out, data.as_bytes())
        } else {
            encode::long_text(&mut self.out, obj.repr()?.to_str()?.as_bytes());
            Ok(())
        };
        written.map_err(|TooLarge| PyOverflowError::new_err("int too large to pickle"))
    }

    fn save_float(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        if self.bin {
            // SAFETY: `obj` is an exact float.
            encode::float(&mut self.out, unsafe {
                ffi::PyFloat_AS_DOUBLE(obj.as_ptr())
            });
        } else {
            encode::line(&mut self.out, FLOAT, obj.repr()?.to_str()?.as_bytes());
        }
        Ok(())
    }

    fn save_bytes(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        let bytes = obj.cast::<PyBytes>()?;
        if self.proto >= 3 {
            return self.save_bytes_data(obj, bytes.as_bytes());
        }
        // Protocols 0 to 2 have no bytes opcode. `codecs.encode(text,
        // 'latin1')` rebuilds the bytes under Python 3 and a str under
        // Python 2, as CPython arranges.
        let reduce_value = if bytes.as_bytes().is_empty() {
            PyTuple::new(
                self.py,
                [
                    self.py.get_type::<PyBytes>().into_any(),
                    PyTuple::empty(self.py).into_any(),
                ],
            )?
        } else {
            let data = bytes.as_bytes();
            // SAFETY: `data` is valid for its length; the call returns a new
            // reference or NULL with an exception. The C API (rather than
            // PyString::new) keeps CPython's object identities, which the
            // memo can see.
            let text = owned_or_err(self.py, unsafe {
                ffi::PyUnicode_DecodeLatin1(
                    data.as_ptr().cast(),
                    data.len() as ffi::Py_ssize_t,
                    c"strict".as_ptr(),
                )
            })?;
            let args = PyTuple::new(
                self.py,
                [text, self.state.latin1.bind(self.py).clone().into_any()],
            )?;
            PyTuple::new(
                self.py,
                [
                    self.state.codecs_encode.bind(self.py).clone(),
                    args.into_any(),
                ],
            )?
        };
        self.save_reduce(&reduce_value, Some(obj))
    }

    pub fn save_bytes_data(&mut self, obj: &Bound<'py, PyAny>, data: &[u8]) -> PyResult<()> {
        let header = encode::bytes_header(data.len(), self.proto).map_err(|TooLarge| {
            PyOverflowError::new_err(
                "serializing a bytes object larger than 4 GiB requires pickle protocol 4 or higher",
            )
        })?;
        self.out.write_bytes(&header, data, Some(obj))?;
        self.memo_put(obj)
    }

    fn save_bytearray(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        if self.proto >= 5 {
            // Exported for the write, so that nothing can resize it meanwhile.
            let view = ExportedBuffer::new(obj)?;
            return self.save_bytearray_data(obj, view.bytes());
        }
        let bytearray_type = obj.get_type().into_any();
        let reduce_value = if obj.len()? == 0 {
            PyTuple::new(
                self.py,
                [bytearray_type, PyTuple::empty(self.py).into_any()],
            )?
        } else {
            // SAFETY: `obj` is a live bytearray; the call returns a new
            // reference or NULL with an exception. As above, the C API keeps
            // CPython's identities (one-byte bytes are shared objects).
            let bytes = owned_or_err(self.py, unsafe { ffi::PyBytes_FromObject(obj.as_ptr()) })?;
            let args = PyTuple::new(self.py, [bytes])?;
            PyTuple::new(self.py, [bytearray_type, args.into_any()])?
        };
        self.save_reduce(&reduce_value, Some(obj))
    }

    pub fn save_bytearray_data(&mut self, obj: &Bound<'py, PyAny>, data: &[u8]) -> PyResult<()> {
        let header = encode::bytearray_header(data.len());
        self.out.write_bytes(&header, data, Some(obj))?;
        self.memo_put(obj)
    }

    fn save_picklebuffer(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        if self.proto < 5 {
            return Err(
                self.pickling_error("PickleBuffer can only pickled with protocol >= 5".into())
            );
        }
        let view = ExportedBuffer::new(obj)?;
        if !view.contiguous() {
            return Err(self.pickling_error(
                "PickleBuffer can not be pickled when pointing to a non-contiguous buffer".into(),
            ));
        }
        let in_band = match self.hooks.buffer_callback.clone() {
            Some(callback) => callback.call1((obj,))?.is_truthy()?,
            None => true,
        };
        if in_band {
            // Straight from the exporter's memory, which for a contiguous
            // buffer is its bytes in memory order: the one copy is into the
            // output, as in the C pickler.
            if view.readonly() {
                self.save_bytes_data(obj, view.bytes())
            } else {
                self.save_bytearray_data(obj, view.bytes())
            }
        } else {
            self.out.byte(NEXT_BUFFER);
            if view.readonly() {
                self.out.byte(READONLY_BUFFER);
            }
            Ok(())
        }
    }

    /// A str just recorded in the memo under `idx`: its opcode, then the
    /// memo's. If writing fails, the memo entry is taken back, so that the
    /// memo holds what it would had the str been recorded after writing.
    fn save_new_str(&mut self, obj: &Bound<'py, PyAny>, idx: usize) -> PyResult<()> {
        let written = if self.bin {
            self.write_unicode_binary(obj)
        } else {
            raw_unicode_escape(obj).map(|text| encode::line(&mut self.out, UNICODE, &text))
        };
        if let Err(error) = written {
            self.memo.forget_last(obj);
            return Err(error);
        }
        self.write_put(idx)
    }

    fn write_unicode_binary(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        // Most strings are compact ASCII: their characters are their UTF-8,
        // read in place without a call into the interpreter.
        // SAFETY: `obj` is an exact str, alive for this whole call.
        if let Some(ascii) = unsafe { compact_ascii(obj.as_ptr()) } {
            return self.write_utf8(ascii, None);
        }
        let mut size: ffi::Py_ssize_t = 0;
        // SAFETY: `obj` is an exact str, GIL held. The buffer is owned by
        // `obj` and lives as long as it does.
        let data = unsafe { ffi::PyUnicode_AsUTF8AndSize(obj.as_ptr(), &mut size) };
        let (encoded, data): (Option<Bound<'py, PyAny>>, &[u8]) = if data.is_null() {
            // Lone surrogates: CPython writes them with "surrogatepass".
            PyErr::take(self.py);
            let encoded = obj.call_method1("encode", ("utf-8", "surrogatepass"))?;
            let bytes = encoded.cast::<PyBytes>()?.as_bytes();
            // SAFETY: `bytes` points into `encoded`, which is kept alive
            // alongside the slice for the rest of this function.
            let bytes = unsafe { std::slice::from_raw_parts(bytes.as_ptr(), bytes.len()) };
            (Some(encoded), bytes)
        } else {
            // SAFETY: a non-NULL result is valid for `size` bytes while
            // `obj` lives (see above).
            (None, unsafe {
                std::slice::from_raw_parts(data.cast::<u8>(), size as usize)
            })
        };
        self.write_utf8(data, encoded.as_ref())
    }

    /// A str's opcode and its UTF-8 `data`; `encoded`, when given, is
    /// `data` as a bytes object, which a file may be handed as is.
    #[inline]
    fn write_utf8(&mut self, data: &[u8], encoded: Option<&Bound<'py, PyAny>>) -> PyResult<()> {
        let header = encode::str_header(data.len(), self.proto).map_err(|TooLarge| {
            PyOverflowError::new_err(
                "serializing a string larger than 4 GiB requires pickle protocol 4 or higher",
            )
        })?;
        self.out.write_bytes(&header, data, encoded)
    }

    fn save_tuple(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        let tuple = obj.cast::<PyTuple>()?;
        let (len, proto) = (tuple.len(), self.proto);
        encode::tuple_start(&mut self.out, len, proto);
        if len == 0 {
            encode::tuple_end(&mut self.out, len, proto);
            return Ok(());
        }
        self.store_tuple_elements(tuple)?;
        // If the tuple is in the memo once its elements are saved, it
        // contains itself (through a mutable object): drop what was pushed
        // and fetch it from the memo instead.
        if let Some(idx) = self.memo_index(obj) {
            encode::tuple_discard(&mut self.out, len, proto);
            return self.memo_get(idx);
        }
        encode::tuple_end(&mut self.out, len, proto);
        self.memo_put(obj)
    }

    fn store_tuple_elements(&mut self, tuple: &Bound<'py, PyTuple>) -> PyResult<()> {
        for (index, item) in tuple.iter().enumerate() {
            self.save_noted_item(&item, tuple.as_any(), index)?;
        }
        Ok(())
    }

    fn save_list(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        if self.memo.fast {
            return self.fast_guarded(obj, Self::save_list_items);
        }
        self.save_list_items(obj)
    }

    /// Writes a list or dict under [`FastGuard`].
    #[cold]
    fn fast_guarded(
        &mut self,
        obj: &Bound<'py, PyAny>,
        save: fn(&mut Self, &Bound<'py, PyAny>) -> PyResult<()>,
    ) -> PyResult<()> {
        self.fast.enter(obj)?;
        let result = save(self, obj);
        self.fast.leave(obj);
        result
    }

    fn save_list_items(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        encode::empty_list(&mut self.out, self.proto);
        let list = obj.cast::<PyList>()?;
        let len = list.len();
        self.memo_put(obj)?;
        if len == 0 {
            return Ok(());
        }
        // CPython counts the items as one more level of nesting.
        if self.proto > 0 {
            self.nested(|p| p.batch_list_exact(list))
        } else {
            let iter = obj.try_iter()?.into_any();
            self.nested(|p| p.batch_list(&iter, obj))
        }
    }

    /// A list's items in batches. Unlike `batch_list`, CPython's fast path
    /// for exact lists writes a last batch of one with MARK/APPENDS too.
    fn batch_list_exact(&mut self, list: &Bound<'py, PyList>) -> PyResult<()> {
        let owner = list.as_any();
        if list.len() == 1 {
            let item = list.get_item(0)?;
            self.save_noted_item(&item, owner, 0)?;
            self.out.byte(APPEND);
            return Ok(());
        }
        // The length is read afresh: saving an item may change the list.
        let size = list.len();
        let mut total = 0;
        let mut saved = 0;
        loop {
            let next = |_: &mut Self| -> PyResult<_> {
                if total >= list.len() {
                    return Ok(None);
                }
                total += 1;
                // SAFETY: the index was just checked against the list's
                // current length, with nothing run in between that could
                // shrink it; the item is taken with its own reference.
                // (The bounds-checked `get_item` is a call into the
                // interpreter for each item: 6% of a float-heavy dumps.)
                Ok(Some(unsafe { list.get_item_unchecked(total - 1) }))
            };
            let save = |p: &mut Self, item: Bound<'py, PyAny>| {
                saved += 1;
                p.save_noted_item(&item, owner, saved - 1)
            };
            batch(self, APPENDS, next, save)?;
            // CPython 3.14's patch releases from July 2026 on (gh-149816)
            // check the size after each batch, as for dicts; the running
            // interpreter's C pickler is asked whether it does.
            if self.state.compat.list_size_checked && list.len() != size {
                return Err(PyRuntimeError::new_err(
                    "list changed size during iteration",
                ));
            }
            if total >= list.len() {
                return Ok(());
            }
        }
    }

    /// Items from an iterator, batched as CPython batches them; `owner`
    /// is what errors are noted as coming from.
    pub fn batch_list(
        &mut self,
        iter: &Bound<'py, PyAny>,
        owner: &Bound<'py, PyAny>,
    ) -> PyResult<()> {
        let mut saved = 0;
        let items = Items {
            next: |_: &mut Self| iter_next(iter),
            check: Ok,
            save: |p: &mut Self, item: Bound<'py, PyAny>| {
                saved += 1;
                p.save_noted_item(&item, owner, saved - 1)
            },
        };
        batch_iter(self, self.proto, (APPEND, APPENDS), items)
    }

    fn save_dict(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        if self.memo.fast {
            return self.fast_guarded(obj, Self::save_dict_items);
        }
        self.save_dict_items(obj)
    }

    fn save_dict_items(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        encode::empty_dict(&mut self.out, self.proto);
        self.memo_put(obj)?;
        let dict = obj.cast::<PyDict>()?;
        if dict.is_empty() {
            return Ok(());
        }
        if self.proto > 0 {
            self.nested(|p| p.batch_dict_exact(dict))
        } else {
            let iter = obj.call_method0("items")?.try_iter()?.into_any();
            self.nested(|p| p.batch_dict(&iter, obj))
        }
    }

    #[inline(always)]
    fn dict_next(
        &self,
        dict: &Bound<'py, PyDict>,
        pos: &mut ffi::Py_ssize_t,
    ) -> Option<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        let mut key = std::ptr::null_mut();
        let mut value = std::ptr::null_mut();
        // SAFETY: `dict` is a live dict, GIL held. PyDict_Next stays within
        // the dict's current table even if it changed since the last call;
        // the borrowed results are turned into owned references at once.
        unsafe {
            if ffi::PyDict_Next(dict.as_ptr(), pos, &mut key, &mut value) == 0 {
                return None;
            }
            Some((
                Bound::from_borrowed_ptr(self.py, key),
                Bound::from_borrowed_ptr(self.py, value),
            ))
        }
    }

    /// CPython's fast path for exact dicts. Its batches end on a count, so
    /// a dict of exactly 1000 items ends with an empty MARK/SETITEMS.
    fn batch_dict_exact(&mut self, dict: &Bound<'py, PyDict>) -> PyResult<()> {
        let size = dict.len();
        let mut pos = 0;
        let owner = dict.as_any();
        if size == 1 {
            if let Some(pair) = self.dict_next(dict, &mut pos) {
                self.save_noted_pair(pair, owner)?;
            }
            self.out.byte(SETITEM);
            return Ok(());
        }
        loop {
            let next = |p: &mut Self| Ok(p.dict_next(dict, &mut pos));
            let save = |p: &mut Self, pair| p.save_noted_pair(pair, owner);
            let n = batch(self, SETITEMS, next, save)?;
            if dict.len() != size {
                return Err(PyRuntimeError::new_err(
                    "dictionary changed size during iteration",
                ));
            }
            if n != BATCHSIZE {
                return Ok(());
            }
        }
    }

    fn pair(item: &Bound<'py, PyAny>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        match item.cast::<PyTuple>() {
            Ok(pair) if pair.len() == 2 => Ok((pair.get_item(0)?, pair.get_item(1)?)),
            _ => Err(PyTypeError::new_err(
                "dict items iterator must return 2-tuples",
            )),
        }
    }

    /// Key/value pairs from an iterator, as `batch_list` does items.
    pub fn batch_dict(
        &mut self,
        iter: &Bound<'py, PyAny>,
        owner: &Bound<'py, PyAny>,
    ) -> PyResult<()> {
        let pairs = Items {
            next: |_: &mut Self| iter_next(iter),
            check: |item: Bound<'py, PyAny>| Self::pair(&item),
            save: |p: &mut Self, pair| p.save_noted_pair(pair, owner),
        };
        batch_iter(self, self.proto, (SETITEM, SETITEMS), pairs)
    }

    /// Sets and frozensets before protocol 4: `set(list_of_items)`.
    fn reduce_via_list(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        // SAFETY: `obj` is a live set; the result is a new reference or NULL
        // with an exception set.
        let items = owned_or_err(self.py, unsafe { ffi::PySequence_List(obj.as_ptr()) })?;
        let args = PyTuple::new(self.py, [items])?;
        let reduce_value = PyTuple::new(self.py, [obj.get_type().into_any(), args.into_any()])?;
        self.save_reduce(&reduce_value, Some(obj))
    }

    fn save_set(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        if self.proto < 4 {
            return self.reduce_via_list(obj);
        }
        self.out.byte(EMPTY_SET);
        self.memo_put(obj)?;
        let size = obj.len()?;
        if size == 0 {
            return Ok(());
        }
        let iter = obj.try_iter()?.into_any();
        loop {
            let save = |p: &mut Self, item: Bound<'py, PyAny>| p.save_element(&item, obj);
            let n = batch(self, ADDITEMS, |_| iter_next(&iter), save)?;
            if obj.len()? != size {
                return Err(PyRuntimeError::new_err("set changed size during iteration"));
            }
            if n != BATCHSIZE {
                return Ok(());
            }
        }
    }

    fn save_frozenset(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        if self.proto < 4 {
            return self.reduce_via_list(obj);
        }
        self.out.byte(MARK);
        let iter = obj.try_iter()?.into_any();
        while let Some(item) = iter_next(&iter)? {
            self.save_element(&item, obj)?;
        }
        if let Some(idx) = self.memo_index(obj) {
            self.out.byte(POP_MARK);
            return self.memo_get(idx);
        }
        self.out.byte(FROZENSET);
        self.memo_put(obj)
    }
}

/// Protocol 0's text for a str (see [`encode::raw_unicode_escape`]); the
/// code points come through UTF-32 so that lone surrogates pass.
fn raw_unicode_escape(obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    let wide = obj.call_method1("encode", ("utf-32-le", "surrogatepass"))?;
    let wide = wide.cast::<PyBytes>()?.as_bytes();
    let code_points = wide
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]));
    Ok(encode::raw_unicode_escape(code_points))
}

/// Used by the reduce code for messages that quote an object.
/// The type of `obj` as CPython's `%T` names it: qualified by its module
/// unless that is `builtins` or `__main__`.
pub fn qualified_type(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(obj.get_type().fully_qualified_name()?.to_string())
}

pub fn repr_of(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(obj.repr()?.to_string_lossy().into_owned())
}

impl Output for Pickler<'_, '_> {
    fn out(&mut self) -> &mut Framer {
        &mut self.out
    }
}

/// A buffer exported by an object (PEP 3118), released when dropped; while
/// it lives the exporter cannot resize or free the memory.
struct ExportedBuffer {
    view: Box<ffi::Py_buffer>,
}

impl ExportedBuffer {
    fn new(obj: &Bound<'_, PyAny>) -> PyResult<Self> {
        // SAFETY: a zeroed Py_buffer is a valid target for
        // PyObject_GetBuffer, which fills it in or fails; the GIL is held.
        let mut view = Box::new(unsafe { std::mem::zeroed::<ffi::Py_buffer>() });
        if unsafe { ffi::PyObject_GetBuffer(obj.as_ptr(), &mut *view, ffi::PyBUF_FULL_RO) } != 0 {
            return Err(PyErr::fetch(obj.py()));
        }
        Ok(ExportedBuffer { view })
    }

    /// Contiguous in C or Fortran order (memoryview's `contiguous`), which
    /// rules out suboffsets.
    fn contiguous(&self) -> bool {
        // SAFETY: the view was filled in by a successful PyObject_GetBuffer.
        unsafe { ffi::PyBuffer_IsContiguous(&*self.view, b'A' as std::os::raw::c_char) != 0 }
    }

    fn readonly(&self) -> bool {
        self.view.readonly != 0
    }

    /// The raw memory; for a contiguous buffer, its bytes in memory order.
    fn bytes(&self) -> &[u8] {
        let len = usize::try_from(self.view.len).unwrap_or(0);
        if len == 0 || self.view.buf.is_null() {
            return &[];
        }
        // SAFETY: the exporter guarantees `len` readable bytes at `buf`
        // until the view is released, which happens only on drop.
        unsafe { std::slice::from_raw_parts(self.view.buf as *const u8, len) }
    }
}

impl Drop for ExportedBuffer {
    fn drop(&mut self) {
        // SAFETY: the view was filled in by PyObject_GetBuffer and is
        // released once; objects are dropped with the GIL held here.
        unsafe { ffi::PyBuffer_Release(&mut *self.view) };
    }
}
