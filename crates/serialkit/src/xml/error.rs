//! The XML reader's errors: the core kinds plus the refusals that hardening
//! adds, which the Python layer turns into distinct exception classes.

use crate::error::{Error, Position};
use std::borrow::Cow;
use std::fmt;

#[derive(Debug)]
pub enum XmlErrorKind {
    /// Not well-formed; the message follows expat's wording.
    Syntax(Cow<'static, str>),
    Limit {
        what: &'static str,
        limit: usize,
    },
    /// A DOCTYPE declares entities and entities are disabled.
    EntitiesForbidden(String),
    /// An external DTD or external entity would have to be fetched.
    ExternalReferenceForbidden(String),
    /// `forbid_dtd` is set and the document has a DOCTYPE.
    DtdForbidden,
    /// Input this reader does not handle (an unknown encoding, markup in
    /// an entity's value).
    Unsupported(Cow<'static, str>),
    Io(std::io::Error),
}

#[derive(Debug)]
pub struct XmlError {
    pub kind: XmlErrorKind,
    pub position: Option<Position>,
    /// The byte offset in the document where the fault is, when known
    /// more precisely than the start of the markup it is in; the reader
    /// turns it into the position.
    pub at: Option<u64>,
}

impl XmlError {
    pub fn syntax(message: impl Into<Cow<'static, str>>) -> Self {
        XmlError {
            kind: XmlErrorKind::Syntax(message.into()),
            position: None,
            at: None,
        }
    }

    pub fn unsupported(message: impl Into<Cow<'static, str>>) -> Self {
        XmlError {
            kind: XmlErrorKind::Unsupported(message.into()),
            position: None,
            at: None,
        }
    }

    pub fn limit(what: &'static str, limit: usize) -> Self {
        XmlError {
            kind: XmlErrorKind::Limit { what, limit },
            position: None,
            at: None,
        }
    }

    pub fn of(kind: XmlErrorKind) -> Self {
        XmlError {
            kind,
            position: None,
            at: None,
        }
    }

    /// Points the error at byte `offset` of the document, if known.
    pub fn at(mut self, offset: Option<u64>) -> Self {
        self.at = self.at.or(offset);
        self
    }

    pub fn message(&self) -> String {
        match &self.kind {
            XmlErrorKind::Syntax(message) | XmlErrorKind::Unsupported(message) => {
                message.to_string()
            }
            XmlErrorKind::Limit { what, limit } => format!("{what} exceeds the limit of {limit}"),
            XmlErrorKind::EntitiesForbidden(name) => {
                format!("entities are disabled (entity {name:?} declared)")
            }
            XmlErrorKind::ExternalReferenceForbidden(what) => {
                format!("external reference forbidden: {what}")
            }
            XmlErrorKind::DtdForbidden => "document type declarations are forbidden".into(),
            XmlErrorKind::Io(err) => err.to_string(),
        }
    }
}

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.position {
            Some(position) => write!(f, "{} at {position}", self.message()),
            None => f.write_str(&self.message()),
        }
    }
}

impl From<XmlError> for Error {
    fn from(err: XmlError) -> Self {
        let position = err.position;
        match err.kind {
            XmlErrorKind::Limit { what, limit } => Error::limit(what, limit, position),
            XmlErrorKind::Unsupported(message) => Error::unsupported(message),
            XmlErrorKind::Io(io) => io.into(),
            XmlErrorKind::Syntax(message) => match position {
                Some(position) => Error::syntax(message, position),
                None => Error::new(crate::ErrorKind::Syntax(message), None),
            },
            other => {
                let message = XmlError::of(other).message();
                Error::new(crate::ErrorKind::Syntax(message.into()), position)
            }
        }
    }
}
