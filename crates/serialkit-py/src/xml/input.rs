//! What `xml_parse` reads: str or bytes turned into UTF-8 (by the core
//! for the encodings expat has built in, by Python's codecs for the rest),
//! or a file object read in chunks while parsing.

use super::to_pyerr as xml_error;
use crate::pystr::str_utf8;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyString};
use serialkit::xml::encoding::{declared, to_utf8};
use serialkit::xml::{XmlError, XmlErrorKind};
use std::borrow::Cow;
use std::cell::RefCell;
use std::io::Read;
use std::rc::Rc;

pub enum Document<'py> {
    Str(Bound<'py, PyAny>, usize),
    Bytes(Bound<'py, PyBytes>, usize),
    Owned(Vec<u8>),
}

fn bom_skip(bytes: &[u8]) -> usize {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    }
}

impl<'py> Document<'py> {
    pub fn new(
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
        encoding: Option<&str>,
    ) -> PyResult<Self> {
        if data.is_instance_of::<PyString>() {
            return match str_utf8(data) {
                Some(bytes) => Ok(Document::Str(data.clone(), bom_skip(bytes))),
                None => Err(xml_error(
                    py,
                    XmlError::syntax("not well-formed (invalid token)"),
                )),
            };
        }
        let (bytes_object, copy) = if let Ok(bytes) = data.cast::<PyBytes>() {
            (Some(bytes.clone()), Vec::new())
        } else if let Ok(array) = data.cast::<PyByteArray>() {
            (None, array.to_vec())
        } else {
            let name = data.get_type().name()?;
            return Err(PyTypeError::new_err(format!(
                "XML input must be str, bytes or a file object, not {name}"
            )));
        };
        let view: &[u8] = match &bytes_object {
            Some(bytes) => bytes.as_bytes(),
            None => &copy,
        };
        match to_utf8(view, encoding) {
            Ok(Cow::Borrowed(body)) => {
                let skip = view.len() - body.len();
                Ok(match bytes_object {
                    Some(bytes) => Document::Bytes(bytes, skip),
                    None => Document::Owned(copy[skip..].to_vec()),
                })
            }
            Ok(Cow::Owned(body)) => Ok(Document::Owned(body)),
            Err(XmlError {
                kind: XmlErrorKind::Unsupported(_),
                ..
            }) => {
                let label = encoding
                    .map(str::to_owned)
                    .or_else(|| declared(view).map(str::to_owned))
                    .unwrap_or_else(|| "utf-8".to_owned());
                let decoded = match PyBytes::new(py, view).call_method1("decode", (label.as_str(),))
                {
                    Ok(decoded) => decoded,
                    Err(err) if err.is_instance_of::<pyo3::exceptions::PyLookupError>(py) => {
                        return Err(xml_error(py, XmlError::syntax("unknown encoding")));
                    }
                    Err(err) => return Err(err),
                };
                let bytes = str_utf8(&decoded).ok_or_else(|| {
                    xml_error(py, XmlError::syntax("not well-formed (invalid token)"))
                })?;
                Ok(Document::Owned(bytes.to_vec()))
            }
            Err(err) => Err(xml_error(py, err)),
        }
    }

    /// The document as text when it came as a `str`, whose UTF-8 form
    /// needs no checking.
    pub fn known_text(&self) -> Option<&str> {
        match self {
            // SAFETY: the bytes are a `str`'s own UTF-8 form (from
            // PyUnicode_AsUTF8AndSize), cut after a whole BOM character,
            // so they are valid UTF-8.
            Document::Str(..) => Some(unsafe { std::str::from_utf8_unchecked(self.bytes()) }),
            _ => None,
        }
    }

    pub fn bytes(&self) -> &[u8] {
        match self {
            Document::Str(text, skip) => &str_utf8(text).unwrap_or_default()[*skip..],
            Document::Bytes(bytes, skip) => &bytes.as_bytes()[*skip..],
            Document::Owned(bytes) => bytes,
        }
    }
}

/// The first bytes read from a stream, as UTF-8 without a BOM.
pub fn stream_prefix(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    encoding: Option<&str>,
) -> PyResult<Vec<u8>> {
    let bytes: Vec<u8> = if data.is_instance_of::<PyString>() {
        str_utf8(data)
            .ok_or_else(|| xml_error(py, XmlError::syntax("not well-formed (invalid token)")))?
            .to_vec()
    } else {
        data.extract()?
    };
    let _ = encoding;
    let skip = bom_skip(&bytes);
    Ok(bytes[skip..].to_vec())
}

/// A file object as `Read`: its `read(n)` returns bytes, or str that is
/// passed on as UTF-8.
pub struct PyReader<'py> {
    file: Bound<'py, PyAny>,
    pending: Vec<u8>,
    at: usize,
    /// The exception `read` raised, handed back to the caller as it was
    /// instead of as the reader's I/O error.
    raised: Rc<RefCell<Option<PyErr>>>,
}

impl<'py> PyReader<'py> {
    pub fn new(
        file: Bound<'py, PyAny>,
        prefix: Vec<u8>,
        raised: Rc<RefCell<Option<PyErr>>>,
    ) -> Self {
        PyReader {
            file,
            pending: prefix,
            at: 0,
            raised,
        }
    }

    fn fail(&self, err: PyErr) -> std::io::Error {
        let message = err.to_string();
        *self.raised.borrow_mut() = Some(err);
        std::io::Error::other(message)
    }
}

impl Read for PyReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.at >= self.pending.len() {
            let chunk = self
                .file
                .call_method1("read", (buf.len().max(1 << 16),))
                .map_err(|err| self.fail(err))?;
            self.pending = if chunk.is_instance_of::<PyString>() {
                str_utf8(&chunk)
                    .ok_or_else(|| std::io::Error::other("unencodable text"))?
                    .to_vec()
            } else {
                chunk.extract::<Vec<u8>>().map_err(|err| self.fail(err))?
            };
            self.at = 0;
        }
        let available = &self.pending[self.at..];
        let count = available.len().min(buf.len());
        buf[..count].copy_from_slice(&available[..count]);
        self.at += count;
        Ok(count)
    }
}
