//! `serialkit.marshal`'s native half.
//!
//! Values without code objects are written and read here, directly between
//! Python objects and bytes. Code objects are the interpreter's business:
//! `dumps` hands a value holding one to the standard library's `marshal`,
//! and `loads` (with `allow_code`) hands it a stream only after the core
//! parser has checked the whole stream, so what reaches the interpreter's
//! reader is well-formed (sizes, references, depth).

mod dump;
mod load;
mod quirks;
mod refs;

use dump::{Encoder, Stop};
use load::{code_disallowed, CheckSink, PySink, SinkStop};
use pyo3::exceptions::{PyEOFError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use pyo3::{ffi, PyErr};
use serialkit::marshal::{parse, Failure, CPYTHON_MAX_DEPTH};
use serialkit::{ErrorKind, Limits};

/// Stands for "`marshal.version` of the running interpreter" as the
/// default of `version`, which is read when first needed.
const DEFAULT_VERSION: i32 = i32::MIN;

static RUNNING_VERSION: pyo3::sync::PyOnceLock<i32> = pyo3::sync::PyOnceLock::new();

fn resolve_version(py: Python<'_>, version: i32) -> PyResult<i32> {
    if version != DEFAULT_VERSION {
        return Ok(version);
    }
    RUNNING_VERSION
        .get_or_try_init(py, || stdlib_marshal(py)?.getattr("version")?.extract())
        .copied()
}

pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(marshal_dumps, module)?)?;
    module.add_function(wrap_pyfunction!(marshal_dump, module)?)?;
    module.add_function(wrap_pyfunction!(marshal_loads, module)?)?;
    module.add_function(wrap_pyfunction!(marshal_load_prefix, module)?)?;
    module.add_function(wrap_pyfunction!(quirks::marshal_quirks, module)?)?;
    Ok(())
}

fn stdlib_marshal(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    py.import("marshal")
}

fn encode<'py>(
    py: Python<'py>,
    value: &Bound<'py, PyAny>,
    version: i32,
    allow_code: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    let mut encoder = Encoder::reusing(py, version);
    let outcome = match encoder.write(value.as_ptr(), 0) {
        Ok(()) => Ok(PyBytes::new(py, &encoder.out)),
        Err(stop) => Err(stop),
    };
    encoder.recycle();
    match outcome {
        Ok(bytes) => Ok(bytes),
        Err(Stop::Code) if allow_code => delegate_dumps(py, value, version),
        Err(stop) => Err(stop.into_pyerr()),
    }
}

/// `marshal.dumps(value, version)` called with the caller's own reference
/// only (a vectorcall with borrowed arguments), so that the reference
/// counts it sees, and so its FLAG_REF decisions, are the caller's.
fn delegate_dumps<'py>(
    py: Python<'py>,
    value: &Bound<'py, PyAny>,
    version: i32,
) -> PyResult<Bound<'py, PyBytes>> {
    let dumps = stdlib_marshal(py)?.getattr("dumps")?;
    let version = version.into_pyobject(py)?;
    let args = [value.as_ptr(), version.as_ptr()];
    // SAFETY: `dumps` is callable and `args` holds two live borrowed
    // references for the duration of the call; the result is a new
    // reference or NULL with an exception set.
    let result = unsafe {
        Bound::from_owned_ptr_or_err(
            py,
            ffi::PyObject_Vectorcall(dumps.as_ptr(), args.as_ptr(), 2, std::ptr::null_mut()),
        )?
    };
    Ok(result.cast_into::<PyBytes>()?)
}

/// `dumps(value, version=marshal.version, /, *, allow_code=True)`.
#[pyfunction]
#[pyo3(signature = (value, version=DEFAULT_VERSION, /, *, allow_code=true))]
fn marshal_dumps<'py>(
    py: Python<'py>,
    value: &Bound<'py, PyAny>,
    version: i32,
    allow_code: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    encode(py, value, resolve_version(py, version)?, allow_code)
}

/// `dump(value, file, version=marshal.version, /, *, allow_code=True)`:
/// `file` is a binary file object or a path (replaced atomically).
#[pyfunction]
#[pyo3(signature = (value, file, version=DEFAULT_VERSION, /, *, allow_code=true))]
fn marshal_dump<'py>(
    py: Python<'py>,
    value: &Bound<'py, PyAny>,
    file: &Bound<'py, PyAny>,
    version: i32,
    allow_code: bool,
) -> PyResult<()> {
    let data = encode(py, value, resolve_version(py, version)?, allow_code)?;
    let files = py.import("serialkit._files")?;
    if files.call_method1("is_path", (file,))?.is_truthy()? {
        files.call_method1("atomic_write", (file, data))?;
    } else {
        file.call_method1("write", (data,))?;
    }
    Ok(())
}

fn limits() -> Limits {
    Limits {
        max_depth: CPYTHON_MAX_DEPTH,
        ..Limits::default()
    }
}

fn failure_to_pyerr<E>(failure: Failure<E>, sink: impl FnOnce(E) -> PyErr) -> PyErr {
    match failure {
        Failure::Eof { error, needed } => {
            let err = PyEOFError::new_err(message(&error));
            // For `load` from a stream that cannot seek back: how much
            // input the object takes at least, so that it reads no more.
            Python::attach(|py| {
                let _ = err.value(py).setattr("serialkit_needed", needed);
            });
            err
        }
        Failure::Invalid(error) => match error.kind() {
            ErrorKind::Limit {
                what: "nesting depth",
                ..
            } => PyValueError::new_err("recursion limit exceeded"),
            _ => PyValueError::new_err(message(&error)),
        },
        Failure::Sink(error) => sink(error),
    }
}

/// The message as CPython words it, without the core's position suffix.
fn message(error: &serialkit::Error) -> String {
    error.kind().to_string()
}

/// Reads one value from the start of `data`; returns it and the bytes used.
fn load_prefix<'py>(
    py: Python<'py>,
    data: &[u8],
    allow_code: bool,
) -> PyResult<(Bound<'py, PyAny>, usize)> {
    let limits = limits();
    let outcome = {
        let mut sink = PySink::new(py, data.len());
        parse(data, &limits, &mut sink)
    };
    match outcome {
        Ok(done) => Ok(done),
        Err(Failure::Sink(SinkStop::Code)) if !allow_code => Err(code_disallowed()),
        Err(Failure::Sink(SinkStop::Code)) => delegate_loads(py, data, &limits),
        Err(failure) => Err(failure_to_pyerr(failure, |stop| match stop {
            SinkStop::Python(err) => as_bad_data(py, *err),
            SinkStop::Code => code_disallowed(),
        })),
    }
}

/// A TypeError from building a value (a list as a set item or dict key,
/// which only a corrupt stream holds) is bad data, reported as ValueError
/// like every other fault of the input.
fn as_bad_data(py: Python<'_>, err: PyErr) -> PyErr {
    if !err.is_instance_of::<pyo3::exceptions::PyTypeError>(py) {
        return err;
    }
    let bad = PyValueError::new_err(format!("bad marshal data ({})", err.value(py)));
    bad.set_cause(py, Some(err));
    bad
}

/// Streams with code objects, checked whole, then read by the interpreter.
fn delegate_loads<'py>(
    py: Python<'py>,
    data: &[u8],
    limits: &Limits,
) -> PyResult<(Bound<'py, PyAny>, usize)> {
    let mut check = CheckSink::default();
    let used = match parse(data, limits, &mut check) {
        Ok((_, used)) => used,
        Err(failure) => return Err(failure_to_pyerr(failure, |never| match never {})),
    };
    if check.bad_reference {
        return Err(PyValueError::new_err(
            "bad marshal data (reference to a tuple still being read)",
        ));
    }
    if check.bad_code {
        return Err(PyValueError::new_err(
            "bad marshal data (code object fields of the wrong types)",
        ));
    }
    let bytes = PyBytes::new(py, &data[..used]);
    // The core checked the structure; the interpreter still validates the
    // code objects' contents, and reports a bad one as SystemError.
    let value = stdlib_marshal(py)?
        .call_method1("loads", (bytes,))
        .map_err(|error| {
            if error.is_instance_of::<pyo3::exceptions::PySystemError>(py) {
                PyValueError::new_err(format!(
                    "bad marshal data (a code object the interpreter refuses: {})",
                    error.value(py)
                ))
            } else {
                error
            }
        })?;
    Ok((value, used))
}

/// `loads(data, /, *, allow_code=False)`.
#[pyfunction]
#[pyo3(signature = (data, /, *, allow_code=false))]
fn marshal_loads<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    allow_code: bool,
) -> PyResult<Bound<'py, PyAny>> {
    with_bytes(data, |bytes| {
        load_prefix(py, bytes, allow_code).map(|(value, _)| value)
    })
}

/// For `load(file)`: the value at the start of `data` and how many bytes
/// it took, so the file can be put back just after it.
#[pyfunction]
#[pyo3(signature = (data, /, *, allow_code=false))]
fn marshal_load_prefix<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    allow_code: bool,
) -> PyResult<(Bound<'py, PyAny>, usize)> {
    with_bytes(data, |bytes| load_prefix(py, bytes, allow_code))
}

/// Runs `f` on the bytes of any bytes-like object, as `marshal.loads`
/// takes them: a simple (C-contiguous) buffer of any item format, read as
/// bytes; a strided view raises the BufferError CPython raises.
fn with_bytes<T>(data: &Bound<'_, PyAny>, f: impl FnOnce(&[u8]) -> PyResult<T>) -> PyResult<T> {
    if let Ok(bytes) = data.cast::<PyBytes>() {
        return f(bytes.as_bytes());
    }
    let buffer = SimpleBuffer::get(data)?;
    f(buffer.bytes())
}

/// A `PyBUF_SIMPLE` view of an object, released on drop.
struct SimpleBuffer(ffi::Py_buffer);

impl SimpleBuffer {
    fn get(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let mut view = std::mem::MaybeUninit::<ffi::Py_buffer>::zeroed();
        // SAFETY: `data` is a live object and the GIL is held; on success
        // the view is filled in and must be released, which Drop does.
        if unsafe { ffi::PyObject_GetBuffer(data.as_ptr(), view.as_mut_ptr(), ffi::PyBUF_SIMPLE) }
            != 0
        {
            return Err(PyErr::fetch(data.py()));
        }
        // SAFETY: PyObject_GetBuffer succeeded, so the view is initialised.
        Ok(SimpleBuffer(unsafe { view.assume_init() }))
    }

    fn bytes(&self) -> &[u8] {
        if self.0.buf.is_null() || self.0.len <= 0 {
            return &[];
        }
        // SAFETY: a simple buffer is `len` contiguous bytes at `buf`, valid
        // until it is released, which happens only when `self` drops.
        unsafe { std::slice::from_raw_parts(self.0.buf.cast::<u8>(), self.0.len as usize) }
    }
}

impl Drop for SimpleBuffer {
    fn drop(&mut self) {
        // SAFETY: the view came from a successful PyObject_GetBuffer and is
        // released once; the GIL is held wherever a SimpleBuffer lives.
        unsafe { ffi::PyBuffer_Release(&mut self.0) }
    }
}
