//! Errors shared by every format: a kind and where in the input it happened.

use std::borrow::Cow;
use std::fmt;

/// Where an error happened. Text formats report line and column (both
/// 1-based, column counted in characters); binary formats report the byte
/// offset alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position {
    Offset(usize),
    Text {
        offset: usize,
        line: usize,
        column: usize,
    },
}

impl Position {
    /// Locates a byte offset in UTF-8 text. Only called on the error path,
    /// so the scan from the start is acceptable.
    pub fn in_text(text: &[u8], offset: usize) -> Position {
        let offset = offset.min(text.len());
        let before = &text[..offset];
        let line = 1 + memchr::memchr_iter(b'\n', before).count();
        let line_start = memchr::memrchr(b'\n', before).map_or(0, |at| at + 1);
        let column = 1 + before[line_start..]
            .iter()
            .filter(|&&b| (b & 0xC0) != 0x80)
            .count();
        Position::Text {
            offset,
            line,
            column,
        }
    }

    pub fn offset(&self) -> usize {
        match *self {
            Position::Offset(offset) | Position::Text { offset, .. } => offset,
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::Offset(offset) => write!(f, "byte {offset}"),
            Position::Text { line, column, .. } => write!(f, "line {line} column {column}"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ErrorKind {
    /// The input is not well-formed in its format.
    #[error("{0}")]
    Syntax(Cow<'static, str>),
    /// A configured limit (see [`crate::Limits`]) was reached.
    #[error("{what} exceeds the limit of {limit}")]
    Limit { what: &'static str, limit: usize },
    /// The data cannot be expressed in the target format.
    #[error("{0}")]
    Unsupported(Cow<'static, str>),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// The error every reader and writer returns. Boxed so that `Result<Value>`
/// stays small on the happy path.
pub struct Error(Box<Inner>);

struct Inner {
    kind: ErrorKind,
    position: Option<Position>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, position: Option<Position>) -> Self {
        Error(Box::new(Inner { kind, position }))
    }

    pub fn syntax(message: impl Into<Cow<'static, str>>, position: Position) -> Self {
        Error::new(ErrorKind::Syntax(message.into()), Some(position))
    }

    pub fn limit(what: &'static str, limit: usize, position: Option<Position>) -> Self {
        Error::new(ErrorKind::Limit { what, limit }, position)
    }

    pub fn unsupported(message: impl Into<Cow<'static, str>>) -> Self {
        Error::new(ErrorKind::Unsupported(message.into()), None)
    }

    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    pub fn position(&self) -> Option<Position> {
        self.0.position
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        Error::new(ErrorKind::Io(err), None)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.position {
            Some(position) => write!(f, "{} at {position}", self.0.kind),
            None => write!(f, "{}", self.0.kind),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.0.kind)
            .field("position", &self.0.position)
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.0.kind {
            ErrorKind::Io(err) => Some(err),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_position_counts_lines_and_characters() {
        let text = "ab\nçd\nx".as_bytes();
        let at_d = text.iter().position(|&b| b == b'd').unwrap();
        assert_eq!(
            Position::in_text(text, at_d),
            Position::Text {
                offset: at_d,
                line: 2,
                column: 2
            }
        );
        assert_eq!(
            Position::in_text(text, 0),
            Position::Text {
                offset: 0,
                line: 1,
                column: 1
            }
        );
    }

    #[test]
    fn display_names_the_position() {
        let err = Error::syntax("Expecting value", Position::in_text(b"[\n x", 3));
        assert_eq!(err.to_string(), "Expecting value at line 2 column 2");
    }
}
