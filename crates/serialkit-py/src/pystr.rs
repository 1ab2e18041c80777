//! Creating and reading Python strings without PyO3's general machinery,
//! which would validate or copy where the callers already know better.

use pyo3::exceptions::PyValueError;
use pyo3::ffi;
use pyo3::prelude::*;
use serialkit::ucs::{self, Width};
use std::slice;

/// Wraps a new reference returned by the C API, or the pending exception
/// when it returned NULL.
pub fn owned<'py>(py: Python<'py>, ptr: *mut ffi::PyObject) -> PyResult<Bound<'py, PyAny>> {
    // SAFETY: callers pass the result of a C API call that returns a new
    // reference or NULL with an exception set, which is exactly what
    // `from_owned_ptr_or_err` expects.
    unsafe { Bound::from_owned_ptr_or_err(py, ptr) }
}

/// A `str` from bytes known to be ASCII: a straight copy into a compact
/// ASCII string, far cheaper than decoding.
pub fn ascii_str<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    debug_assert!(bytes.is_ascii());
    let len = isize::try_from(bytes.len()).map_err(|_| PyValueError::new_err("string too long"))?;
    // SAFETY: PyUnicode_New(len, 127) returns a compact ASCII string with
    // room for `len` one-byte characters (or NULL with MemoryError set). We
    // fill exactly that many bytes, all ASCII as the caller guarantees,
    // before anyone else can see the object.
    unsafe {
        let object = owned(py, ffi::PyUnicode_New(len, 127))?;
        let data = state::compact_data(object.as_ptr()).cast::<u8>();
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), data, bytes.len());
        Ok(object)
    }
}

/// A `str` from UTF-8 known to be valid (no lone surrogates), as the
/// interpreter's codec would build it: the same width, the same length,
/// so the same object in all but identity. Sized by one scan and filled by
/// one more, where the codec validates again, widens its buffer each time
/// a wider character appears and shrinks it at the end. Kept out of line:
/// inlined, it made the parser's own loop (which inlines the sink) slower.
#[inline(never)]
pub fn valid_utf8_str<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    match filled_str(py, bytes, Fill::Trusting)? {
        Some(made) => Ok(made),
        // Only if the caller's bytes were not valid after all: let the
        // codec decide, and report, as before.
        None => utf8_str(py, bytes, false),
    }
}

/// A `str` from bytes nobody has validated, decoded as CPython's codec
/// decodes them with the `surrogatepass` handler (as pickle and marshal
/// do), and checked in the same pass that fills the string. Bytes the
/// check refuses go to the codec, which raises its own error.
#[inline(never)]
pub fn wtf8_str<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    match filled_str(py, bytes, Fill::Checking)? {
        Some(made) => Ok(made),
        None => utf8_str(py, bytes, true),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Fill {
    Trusting,
    Checking,
}

/// The string [`valid_utf8_str`] and [`wtf8_str`] build, or None when the
/// bytes are not what the fill expects, or when the codec should build it.
fn filled_str<'py>(
    py: Python<'py>,
    bytes: &[u8],
    fill: Fill,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let shape = ucs::shape(bytes);
    // The codec hands out the interpreter's shared one-character strings
    // for Latin-1; let it, rather than making a second copy of one.
    if shape.chars <= 1 && matches!(shape.width, Width::Ascii | Width::Ucs1) {
        return Ok(None);
    }
    let len = isize::try_from(shape.chars).map_err(|_| PyValueError::new_err("string too long"))?;
    // The max_char of a width makes PyUnicode_New pick exactly that width.
    // SAFETY: returns a new compact string or NULL with MemoryError set.
    let object = owned(py, unsafe {
        ffi::PyUnicode_New(len, shape.width.max_char() as ffi::Py_UCS4)
    })?;
    fn into<U>(bytes: &[u8], out: &mut [U], fill: Fill) -> bool
    where
        U: Copy + From<u8> + TryFrom<u32>,
    {
        match fill {
            Fill::Trusting => ucs::decode(bytes, out),
            Fill::Checking => ucs::decode_wtf8(bytes, out),
        }
    }
    // SAFETY: `object` is a compact string nobody else has seen yet, with
    // room for exactly `shape.chars` units of the width asked for (1 byte
    // for ASCII and UCS1, 2 for UCS2, 4 for UCS4) at its data pointer,
    // suitably aligned; its terminator lies past them and is already set.
    // The slice is dropped before the object is handed out.
    let filled = unsafe {
        let data = state::compact_data(object.as_ptr());
        match shape.width {
            Width::Ascii | Width::Ucs1 => into(
                bytes,
                slice::from_raw_parts_mut(data.cast::<u8>(), shape.chars),
                fill,
            ),
            Width::Ucs2 => into(
                bytes,
                slice::from_raw_parts_mut(data.cast::<u16>(), shape.chars),
                fill,
            ),
            Width::Ucs4 => into(
                bytes,
                slice::from_raw_parts_mut(data.cast::<u32>(), shape.chars),
                fill,
            ),
        }
    };
    Ok(filled.then_some(object))
}

/// A `str` from UTF-8, or from WTF-8 (`surrogates`) when it may hold lone
/// surrogates, which Python strings can carry.
pub fn utf8_str<'py>(
    py: Python<'py>,
    bytes: &[u8],
    surrogates: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let len = isize::try_from(bytes.len()).map_err(|_| PyValueError::new_err("string too long"))?;
    let errors = if surrogates {
        c"surrogatepass".as_ptr()
    } else {
        std::ptr::null()
    };
    // SAFETY: the pointer and length describe a live byte slice; the codec
    // validates the bytes itself and returns NULL with an error if needed.
    owned(py, unsafe {
        ffi::PyUnicode_DecodeUTF8(bytes.as_ptr().cast(), len, errors)
    })
}

/// The UTF-8 bytes of a Python `str`, borrowed from the string itself.
/// Returns `None` (with no exception pending) when the string holds lone
/// surrogates and so has no UTF-8 form.
pub fn str_utf8<'a>(object: &'a Bound<'_, PyAny>) -> Option<&'a [u8]> {
    let mut size: ffi::Py_ssize_t = 0;
    // SAFETY: `object` is a str (callers check). PyUnicode_AsUTF8AndSize
    // returns a buffer owned by the string, valid while the string lives,
    // which the returned lifetime ties to `object`; on failure it returns
    // NULL and we clear the UnicodeEncodeError it set.
    unsafe {
        let data = ffi::PyUnicode_AsUTF8AndSize(object.as_ptr(), &mut size);
        if data.is_null() {
            ffi::PyErr_Clear();
            return None;
        }
        Some(std::slice::from_raw_parts(data.cast::<u8>(), size as usize))
    }
}

/// The string's content as WTF-8 (UTF-8 that lets lone surrogates through).
pub fn str_wtf8(object: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    let encoded = object.call_method1("encode", ("utf-8", "surrogatepass"))?;
    encoded.extract::<Vec<u8>>()
}

/// A compact `str`'s characters as CPython stores them.
pub enum StrStorage<'a> {
    /// All ASCII: the bytes are also valid UTF-8.
    Ascii(&'a [u8]),
    Ucs1(&'a [u8]),
    Ucs2(&'a [u16]),
    Ucs4(&'a [u32]),
}

/// The bits of `PyASCIIObject.state`, as CPython 3.11 to 3.14 lay them
/// out in builds with the GIL: interned:2, kind:3, compact:1, ascii:1.
/// PyO3 offers no accessors for them from 3.14 on, though the layout is
/// unchanged there, so they are read here for every version alike.
mod state {
    use pyo3::ffi;

    /// SAFETY (every function): `op` must be a live `str`.
    #[inline]
    unsafe fn bits(op: *mut ffi::PyObject) -> u32 {
        (*op.cast::<ffi::PyASCIIObject>()).state
    }

    #[inline]
    pub unsafe fn interned(op: *mut ffi::PyObject) -> bool {
        bits(op) & 0b11 != 0
    }

    #[inline]
    pub unsafe fn kind(op: *mut ffi::PyObject) -> u32 {
        (bits(op) >> 2) & 0b111
    }

    #[inline]
    pub unsafe fn compact(op: *mut ffi::PyObject) -> bool {
        bits(op) >> 5 & 1 != 0
    }

    #[inline]
    pub unsafe fn ascii(op: *mut ffi::PyObject) -> bool {
        bits(op) >> 6 & 1 != 0
    }

    /// The characters of a compact string, which follow its header.
    #[inline]
    pub unsafe fn compact_data(op: *mut ffi::PyObject) -> *mut std::ffi::c_void {
        if ascii(op) {
            op.cast::<ffi::PyASCIIObject>().add(1).cast()
        } else {
            op.cast::<ffi::PyCompactUnicodeObject>().add(1).cast()
        }
    }
}

/// Whether `object` (an exact `str`) is interned.
///
/// # Safety
/// `object` must be a live `str`.
#[inline]
pub unsafe fn is_interned(object: *mut ffi::PyObject) -> bool {
    state::interned(object)
}

/// The characters of `object` (a `str`) when it is compact and ASCII, as
/// most strings are: read in place, without a call into the interpreter.
///
/// # Safety
/// `object` must be a live `str`; the slice lives as long as it does.
#[inline]
pub unsafe fn compact_ascii<'a>(object: *mut ffi::PyObject) -> Option<&'a [u8]> {
    if !(state::compact(object) && state::ascii(object)) {
        return None;
    }
    let len = ffi::PyUnicode_GET_LENGTH(object) as usize;
    Some(std::slice::from_raw_parts(
        state::compact_data(object).cast(),
        len,
    ))
}

/// The characters of `object`, a string known to be compact and ASCII
/// (made by [`ascii_str`], say), read in place without testing its flags:
/// `PyUnicode_DATA` tests them, and from Python 3.14 is a call.
///
/// # Safety
/// `object` must be a live compact ASCII `str`; the slice lives as long as
/// it does.
#[inline]
pub unsafe fn known_ascii<'a>(object: *mut ffi::PyObject) -> &'a [u8] {
    let len = ffi::PyUnicode_GET_LENGTH(object) as usize;
    std::slice::from_raw_parts(object.cast::<ffi::PyASCIIObject>().add(1).cast(), len)
}

impl<'a> StrStorage<'a> {
    /// The storage of `object` (a str), or None when it is not compact, as
    /// with instances of str subclasses, whose data lives elsewhere.
    pub fn of(object: &'a Bound<'_, PyAny>) -> Option<StrStorage<'a>> {
        let pointer = object.as_ptr();
        // SAFETY: `object` is a str (callers check) and stays alive for
        // 'a. A compact str is always ready (its kind and data are set at
        // creation), holds GET_LENGTH units of its kind at PyUnicode_DATA,
        // and is immutable, so the slices stay valid and unchanged.
        unsafe {
            if !state::compact(pointer) {
                return None;
            }
            let len = ffi::PyUnicode_GET_LENGTH(pointer) as usize;
            let data = state::compact_data(pointer);
            if state::ascii(pointer) {
                return Some(StrStorage::Ascii(std::slice::from_raw_parts(
                    data.cast(),
                    len,
                )));
            }
            Some(match state::kind(pointer) {
                ffi::PyUnicode_1BYTE_KIND => {
                    StrStorage::Ucs1(std::slice::from_raw_parts(data.cast(), len))
                }
                ffi::PyUnicode_2BYTE_KIND => {
                    StrStorage::Ucs2(std::slice::from_raw_parts(data.cast(), len))
                }
                _ => StrStorage::Ucs4(std::slice::from_raw_parts(data.cast(), len)),
            })
        }
    }
}
