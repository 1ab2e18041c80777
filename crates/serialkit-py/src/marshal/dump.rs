//! `marshal.dumps` in Rust: the bytes CPython's `w_object` writes (3.11's
//! to 3.14's, whose version 5 adds slices), from the same decisions. In
//! particular an object gets FLAG_REF (version 3 and up) exactly when
//! CPython would give it one: when it has more than one reference at the
//! moment it is written. So the encoder must not hold references CPython
//! does not hold: items are borrowed, except set items, which come from an
//! iterator and carry one extra reference, discounted where CPython holds
//! none of its own (see `Encoder::set`).

use super::quirks;
use super::refs::{Found, RefTable};
use crate::pystr::{compact_ascii, is_interned, StrStorage};
use pyo3::exceptions::PyValueError;
use pyo3::ffi;
use pyo3::prelude::*;
use serialkit::marshal::types::*;
use serialkit::marshal::write_g17;

type Spare = (Vec<u8>, RefTable);

thread_local! {
    static SPARE: std::cell::RefCell<Option<Spare>> = const { std::cell::RefCell::new(None) };
}

const MAX_SPARE_BYTES: usize = 16 << 20;
const MAX_SPARE_REFS: usize = 1 << 18;

/// CPython's `MAX_MARSHAL_STACK_DEPTH`.
const MAX_DEPTH: usize = 2000;

pub enum Stop {
    /// Boxed so that results stay two words on the hot path.
    Python(Box<PyErr>),
    /// A code object, which the caller hands to the interpreter's marshal.
    Code,
    Unmarshallable,
    TooDeep,
}

impl From<PyErr> for Stop {
    fn from(err: PyErr) -> Self {
        Stop::Python(Box::new(err))
    }
}

impl Stop {
    pub fn into_pyerr(self) -> PyErr {
        match self {
            Stop::Python(err) => *err,
            Stop::Code => PyValueError::new_err("marshalling code objects is disallowed"),
            Stop::Unmarshallable => PyValueError::new_err("unmarshallable object"),
            Stop::TooDeep => PyValueError::new_err("object too deeply nested to marshal"),
        }
    }
}

pub struct Encoder<'py> {
    py: Python<'py>,
    pub out: Vec<u8>,
    version: i32,
    /// Index of every object written with FLAG_REF, by address.
    refs: RefTable,
    depth: usize,
    always_ref_interned: bool,
    slices: bool,
    set_item_held: bool,
}

unsafe fn interned_str(obj: *mut ffi::PyObject) -> bool {
    ffi::Py_TYPE(obj) == &raw mut ffi::PyUnicode_Type && is_interned(obj)
}

impl<'py> Encoder<'py> {
    pub fn new(py: Python<'py>, version: i32) -> Self {
        Encoder {
            py,
            out: Vec::with_capacity(256),
            version,
            refs: RefTable::default(),
            depth: 0,
            always_ref_interned: quirks::always_ref_interned(),
            slices: quirks::slices(),
            set_item_held: quirks::set_item_held(),
        }
    }

    /// An encoder with the output buffer and reference table of earlier
    /// calls on this thread, so that their growth is paid once.
    pub fn reusing(py: Python<'py>, version: i32) -> Self {
        let mut encoder = Encoder::new(py, version);
        if let Some((out, refs)) = SPARE.with(|spare| spare.borrow_mut().take()) {
            encoder.out = out;
            encoder.refs = refs;
        }
        encoder
    }

    /// Hands the buffers back for the next call, unless they grew large.
    pub fn recycle(mut self) {
        self.out.clear();
        self.refs.clear();
        if self.out.capacity() <= MAX_SPARE_BYTES && self.refs.capacity() <= MAX_SPARE_REFS {
            SPARE.with(|spare| *spare.borrow_mut() = Some((self.out, self.refs)));
        }
    }

    /// Appends a few bytes known at compile time to be few: a type code
    /// with its argument, a 32-bit size. `extend_from_slice` called
    /// `memcpy` for each (a sixth of the instructions on citm_catalog.json).
    #[inline(always)]
    fn put<const N: usize>(&mut self, bytes: [u8; N]) {
        self.out.reserve(N);
        let len = self.out.len();
        // SAFETY: `reserve` made room for N more bytes past `len`, which
        // are written here before the length covers them.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.out.as_mut_ptr().add(len), N);
            self.out.set_len(len + N);
        }
    }

    #[inline(always)]
    fn long(&mut self, n: i32) {
        self.put(n.to_le_bytes());
    }

    /// A type code and a 32-bit value.
    #[inline(always)]
    fn code_long(&mut self, code: u8, n: i32) {
        let [a, b, c, d] = n.to_le_bytes();
        self.put([code, a, b, c, d]);
    }

    fn size(&mut self, n: ffi::Py_ssize_t) -> Result<(), Stop> {
        // CPython writes nothing more for containers past 2**31-1 items.
        let n = i32::try_from(n).map_err(|_| Stop::Unmarshallable)?;
        self.long(n);
        Ok(())
    }

    /// Writes `obj`, of which the encoder itself holds `held` references.
    pub fn write(&mut self, obj: *mut ffi::PyObject, held: isize) -> Result<(), Stop> {
        self.depth += 1;
        let result = self.write_body(obj, held);
        self.depth -= 1;
        result
    }

    fn write_body(&mut self, obj: *mut ffi::PyObject, held: isize) -> Result<(), Stop> {
        if self.depth > MAX_DEPTH {
            return Err(Stop::TooDeep);
        }
        // SAFETY (whole function): `obj` is a live object, borrowed from
        // the caller or from a container that keeps it alive (or owned by
        // an iterator result the caller holds), and the GIL is held.
        unsafe {
            if obj == ffi::Py_None() {
                self.out.push(TYPE_NONE);
                return Ok(());
            }
            if obj == ffi::PyExc_StopIteration {
                self.out.push(TYPE_STOPITER);
                return Ok(());
            }
            if obj == ffi::Py_Ellipsis() {
                self.out.push(TYPE_ELLIPSIS);
                return Ok(());
            }
            if obj == ffi::Py_False() {
                self.out.push(TYPE_FALSE);
                return Ok(());
            }
            if obj == ffi::Py_True() {
                self.out.push(TYPE_TRUE);
                return Ok(());
            }
            let mut flag = 0u8;
            if self.version >= 3
                && (ffi::Py_REFCNT(obj) - held != 1
                    || self.always_ref_interned && interned_str(obj))
            {
                if self.refs.len() >= 0x7fff_ffff {
                    return Err(Stop::Unmarshallable);
                }
                match self.refs.find_or_insert(obj as usize) {
                    Found::Existing(index) => {
                        self.code_long(TYPE_REF, index as i32);
                        return Ok(());
                    }
                    Found::Inserted => flag = FLAG_REF,
                }
            }
            self.complex_object(obj, flag)
        }
    }

    unsafe fn complex_object(&mut self, obj: *mut ffi::PyObject, flag: u8) -> Result<(), Stop> {
        let kind = ffi::Py_TYPE(obj);
        if kind == &raw mut ffi::PyUnicode_Type {
            return self.str(obj, flag);
        }
        if kind == &raw mut ffi::PyLong_Type {
            return self.int(obj, flag);
        }
        if kind == &raw mut ffi::PyFloat_Type {
            let value = ffi::PyFloat_AS_DOUBLE(obj);
            if self.version > 1 {
                let [a, b, c, d, e, f, g, h] = value.to_le_bytes();
                self.put([TYPE_BINARY_FLOAT | flag, a, b, c, d, e, f, g, h]);
            } else {
                self.out.push(TYPE_FLOAT | flag);
                self.text_float(value);
            }
            return Ok(());
        }
        if kind == &raw mut ffi::PyDict_Type {
            return self.nested(|this| this.dict(obj, flag));
        }
        if kind == &raw mut ffi::PyList_Type {
            return self.nested(|this| this.list(obj, flag));
        }
        if kind == &raw mut ffi::PyTuple_Type {
            return self.nested(|this| this.tuple(obj, flag));
        }
        if kind == &raw mut ffi::PyBytes_Type {
            let len = ffi::PyBytes_Size(obj);
            self.out.push(TYPE_STRING | flag);
            self.size(len)?;
            let data = ffi::PyBytes_AS_STRING(obj).cast::<u8>();
            self.out
                .extend_from_slice(std::slice::from_raw_parts(data, len as usize));
            return Ok(());
        }
        if kind == &raw mut ffi::PyComplex_Type {
            let real = ffi::PyComplex_RealAsDouble(obj);
            let imag = ffi::PyComplex_ImagAsDouble(obj);
            if self.version > 1 {
                self.out.push(TYPE_BINARY_COMPLEX | flag);
                self.out.extend_from_slice(&real.to_le_bytes());
                self.out.extend_from_slice(&imag.to_le_bytes());
            } else {
                self.out.push(TYPE_COMPLEX | flag);
                self.text_float(real);
                self.text_float(imag);
            }
            return Ok(());
        }
        if kind == &raw mut ffi::PySet_Type || kind == &raw mut ffi::PyFrozenSet_Type {
            let code = if kind == &raw mut ffi::PySet_Type {
                TYPE_SET
            } else {
                TYPE_FROZENSET
            };
            return self.nested(|this| this.set(obj, code | flag));
        }
        if kind == &raw mut ffi::PySlice_Type && self.version >= 5 && self.slices {
            return self.nested(|this| this.slice(obj, flag));
        }
        if ffi::PyCode_Check(obj) != 0 {
            return Err(Stop::Code);
        }
        if ffi::PyObject_CheckBuffer(obj) != 0 {
            // Any other bytes-like object is written as bytes.
            let mut view = std::mem::MaybeUninit::<ffi::Py_buffer>::zeroed();
            if ffi::PyObject_GetBuffer(obj, view.as_mut_ptr(), ffi::PyBUF_SIMPLE) != 0 {
                ffi::PyErr_Clear();
                return Err(Stop::Unmarshallable);
            }
            let mut view = view.assume_init();
            self.out.push(TYPE_STRING | flag);
            let result = self.size(view.len);
            if result.is_ok() {
                self.out.extend_from_slice(std::slice::from_raw_parts(
                    view.buf.cast::<u8>(),
                    view.len as usize,
                ));
            }
            ffi::PyBuffer_Release(&mut view);
            return result;
        }
        Err(Stop::Unmarshallable)
    }

    /// Runs a container's writer, on a fresh stack segment should the
    /// thread's stack run low. The stack is measured every few levels
    /// only: a thread-local lookup per container shows in profiles.
    fn nested(&mut self, write: impl FnOnce(&mut Self) -> Result<(), Stop>) -> Result<(), Stop> {
        if self.depth & 7 == 0 {
            stacker::maybe_grow(64 * 1024, 1024 * 1024, || write(self))
        } else {
            write(self)
        }
    }

    fn text_float(&mut self, value: f64) {
        let start = self.out.len();
        self.out.push(0);
        write_g17(value, &mut self.out);
        self.out[start] = (self.out.len() - start - 1) as u8;
    }

    unsafe fn int(&mut self, obj: *mut ffi::PyObject, flag: u8) -> Result<(), Stop> {
        let mut overflow = 0;
        let value = ffi::PyLong_AsLongLongAndOverflow(obj, &mut overflow);
        if overflow == 0 {
            if let Ok(small) = i32::try_from(value) {
                self.code_long(TYPE_INT | flag, small);
                return Ok(());
            }
            self.long_digits(value < 0, &value.unsigned_abs().to_le_bytes(), flag);
            return Ok(());
        }
        // Beyond 64 bits: rare, so Python computes the magnitude's bytes.
        let int = Bound::from_borrowed_ptr(self.py, obj);
        let negative = overflow < 0;
        let magnitude = if negative { int.neg()? } else { int };
        let bits: usize = magnitude.call_method0("bit_length")?.extract()?;
        let bytes = magnitude.call_method1("to_bytes", (bits.div_ceil(8), "little"))?;
        let bytes: Vec<u8> = bytes.extract()?;
        self.long_digits(negative, &bytes, flag);
        Ok(())
    }

    /// TYPE_LONG from a little-endian magnitude, in 15-bit digits.
    fn long_digits(&mut self, negative: bool, magnitude: &[u8], flag: u8) {
        let end = magnitude
            .iter()
            .rposition(|&b| b != 0)
            .map_or(0, |at| at + 1);
        let magnitude = &magnitude[..end];
        let bits = magnitude.len() * 8;
        let mut digits = Vec::with_capacity(bits.div_ceil(15));
        let mut acc: u32 = 0;
        let mut acc_bits = 0;
        for &byte in magnitude {
            acc |= u32::from(byte) << acc_bits;
            acc_bits += 8;
            while acc_bits >= 15 {
                digits.push((acc & 0x7fff) as u16);
                acc >>= 15;
                acc_bits -= 15;
            }
        }
        if acc_bits > 0 {
            digits.push(acc as u16);
        }
        while digits.last() == Some(&0) {
            digits.pop();
        }
        self.out.push(TYPE_LONG | flag);
        let count = digits.len() as i32;
        self.long(if negative { -count } else { count });
        for digit in digits {
            self.out.extend_from_slice(&digit.to_le_bytes());
        }
    }

    unsafe fn str(&mut self, obj: *mut ffi::PyObject, flag: u8) -> Result<(), Stop> {
        let interned = is_interned(obj);
        // The common case, a short compact ASCII string, read in place.
        if self.version >= 4 {
            if let Some(chars) = compact_ascii(obj).filter(|chars| chars.len() < 256) {
                let code = if interned {
                    TYPE_SHORT_ASCII_INTERNED
                } else {
                    TYPE_SHORT_ASCII
                };
                self.put([code | flag, chars.len() as u8]);
                self.out.extend_from_slice(chars);
                return Ok(());
            }
        }
        let bound = Bound::from_borrowed_ptr(self.py, obj);
        let storage = StrStorage::of(&bound);
        if let Some(StrStorage::Ascii(bytes)) = storage {
            if self.version >= 4 {
                if bytes.len() < 256 {
                    let code = if interned {
                        TYPE_SHORT_ASCII_INTERNED
                    } else {
                        TYPE_SHORT_ASCII
                    };
                    self.out.push(code | flag);
                    self.out.push(bytes.len() as u8);
                } else {
                    let code = if interned {
                        TYPE_ASCII_INTERNED
                    } else {
                        TYPE_ASCII
                    };
                    self.out.push(code | flag);
                    self.size(bytes.len() as ffi::Py_ssize_t)?;
                }
                self.out.extend_from_slice(bytes);
                return Ok(());
            }
        }
        let code = if self.version >= 3 && interned {
            TYPE_INTERNED
        } else {
            TYPE_UNICODE
        };
        self.out.push(code | flag);
        let at = self.out.len();
        self.out.extend_from_slice(&[0; 4]);
        match storage {
            Some(StrStorage::Ascii(bytes)) => self.out.extend_from_slice(bytes),
            Some(StrStorage::Ucs1(chars)) => encode_utf8(&mut self.out, chars, 2),
            Some(StrStorage::Ucs2(chars)) => encode_utf8(&mut self.out, chars, 3),
            Some(StrStorage::Ucs4(chars)) => encode_utf8(&mut self.out, chars, 4),
            None => return Err(Stop::Unmarshallable),
        }
        let len = i32::try_from(self.out.len() - at - 4).map_err(|_| Stop::Unmarshallable)?;
        self.out[at..at + 4].copy_from_slice(&len.to_le_bytes());
        Ok(())
    }

    unsafe fn tuple(&mut self, obj: *mut ffi::PyObject, flag: u8) -> Result<(), Stop> {
        let n = ffi::PyTuple_GET_SIZE(obj);
        if self.version >= 4 && n < 256 {
            self.put([TYPE_SMALL_TUPLE | flag, n as u8]);
        } else {
            self.out.push(TYPE_TUPLE | flag);
            self.size(n)?;
        }
        for i in 0..n {
            self.write(ffi::PyTuple_GET_ITEM(obj, i), 0)?;
        }
        Ok(())
    }

    /// Version 5: the slice's fields, borrowed, as CPython writes them.
    unsafe fn slice(&mut self, obj: *mut ffi::PyObject, flag: u8) -> Result<(), Stop> {
        self.out.push(TYPE_SLICE | flag);
        let slice = obj.cast::<ffi::PySliceObject>();
        self.write((*slice).start, 0)?;
        self.write((*slice).stop, 0)?;
        self.write((*slice).step, 0)
    }

    unsafe fn list(&mut self, obj: *mut ffi::PyObject, flag: u8) -> Result<(), Stop> {
        self.out.push(TYPE_LIST | flag);
        let n = ffi::PyList_GET_SIZE(obj);
        self.size(n)?;
        // The size is re-read each time: CPython's loop does so too, and
        // nothing else may run (and change it) during the walk anyway.
        let mut i = 0;
        while i < ffi::PyList_GET_SIZE(obj) && i < n {
            self.write(ffi::PyList_GET_ITEM(obj, i), 0)?;
            i += 1;
        }
        Ok(())
    }

    unsafe fn dict(&mut self, obj: *mut ffi::PyObject, flag: u8) -> Result<(), Stop> {
        self.out.push(TYPE_DICT | flag);
        let mut pos: ffi::Py_ssize_t = 0;
        let mut key = std::ptr::null_mut();
        let mut value = std::ptr::null_mut();
        while ffi::PyDict_Next(obj, &mut pos, &mut key, &mut value) != 0 {
            self.write(key, 0)?;
            self.write(value, 0)?;
        }
        // CPython writes the end marker as an object of its own, one level
        // deeper: a dict at exactly the deepest level is refused.
        if self.depth + 1 > MAX_DEPTH {
            return Err(Stop::TooDeep);
        }
        self.out.push(TYPE_NULL);
        Ok(())
    }

    /// Sets are written in the order of their items' own marshal bytes,
    /// as CPython writes them since bpo-37596 (reproducible .pyc files):
    /// each item is marshalled alone (with its own reference table), and
    /// the items are then written sorted by those bytes, ties in table
    /// order. CPython holds each item in a (bytes, item) pair meanwhile,
    /// one reference more than the set's, which the items here carry too.
    /// While an item is marshalled alone, CPython from 3.13 on holds a
    /// reference of its own to it (the set iterator's), which counts for
    /// its flag there; before, it holds none, and ours is discounted.
    unsafe fn set(&mut self, obj: *mut ffi::PyObject, code: u8) -> Result<(), Stop> {
        self.out.push(code);
        self.size(ffi::PySet_Size(obj))?;
        let iter = Bound::from_owned_ptr_or_err(self.py, ffi::PyObject_GetIter(obj))?;
        let mut items = Vec::new();
        loop {
            let item = ffi::PyIter_Next(iter.as_ptr());
            if item.is_null() {
                if !ffi::PyErr_Occurred().is_null() {
                    return Err(PyErr::fetch(self.py).into());
                }
                break;
            }
            let item = Bound::from_owned_ptr(self.py, item);
            let mut alone = Encoder::new(self.py, self.version);
            let held = if self.set_item_held { 0 } else { 1 };
            alone.write(item.as_ptr(), held)?;
            items.push((alone.out, item));
        }
        items.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, item) in &items {
            self.write(item.as_ptr(), 0)?;
        }
        Ok(())
    }
}

/// Appends `units` (code points of one width) as UTF-8 with lone
/// surrogates let through, as `surrogatepass` encodes. The room for the
/// longest encoding (`max_bytes` per unit) is made once, so the loop
/// writes into a slice instead of growing the vector byte by byte.
fn encode_utf8<U: Copy + Into<u32>>(out: &mut Vec<u8>, units: &[U], max_bytes: usize) {
    let start = out.len();
    out.resize(start + units.len() * max_bytes, 0);
    let buf = &mut out[start..];
    let mut at = 0;
    for &unit in units {
        let c: u32 = unit.into();
        if c < 0x80 {
            buf[at] = c as u8;
            at += 1;
        } else if c < 0x800 {
            buf[at] = 0xC0 | (c >> 6) as u8;
            buf[at + 1] = 0x80 | (c & 0x3F) as u8;
            at += 2;
        } else if c < 0x10000 {
            buf[at] = 0xE0 | (c >> 12) as u8;
            buf[at + 1] = 0x80 | ((c >> 6) & 0x3F) as u8;
            buf[at + 2] = 0x80 | (c & 0x3F) as u8;
            at += 3;
        } else {
            buf[at] = 0xF0 | (c >> 18) as u8;
            buf[at + 1] = 0x80 | ((c >> 12) & 0x3F) as u8;
            buf[at + 2] = 0x80 | ((c >> 6) & 0x3F) as u8;
            buf[at + 3] = 0x80 | (c & 0x3F) as u8;
            at += 4;
        }
    }
    out.truncate(start + at);
}
