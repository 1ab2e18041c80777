//! JSON syntax errors, worded as CPython's `json` module words them.

use std::fmt;

/// Eight bytes wide on purpose: as one byte it shared a word with the
/// string length in `Result<JsonStr, ParseError>`, and the parser's hot
/// path stalled reloading that word (measured 7-14% on github.json).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum ErrorCode {
    ExpectingValue,
    ExpectingPropertyName,
    ExpectingColon,
    ExpectingComma,
    UnterminatedString,
    InvalidControlCharacter,
    InvalidEscape,
    InvalidUnicodeEscape,
    ExtraData,
    /// A comma right before `]` (CPython 3.13 and later name it).
    TrailingCommaArray,
    /// A comma right before `}` (CPython 3.13 and later name it).
    TrailingCommaObject,
    /// Nesting deeper than [`crate::Limits::max_depth`].
    DepthLimit,
}

impl ErrorCode {
    pub fn message(self) -> &'static str {
        match self {
            ErrorCode::ExpectingValue => "Expecting value",
            ErrorCode::ExpectingPropertyName => "Expecting property name enclosed in double quotes",
            ErrorCode::ExpectingColon => "Expecting ':' delimiter",
            ErrorCode::ExpectingComma => "Expecting ',' delimiter",
            ErrorCode::UnterminatedString => "Unterminated string starting at",
            ErrorCode::InvalidControlCharacter => "Invalid control character at",
            ErrorCode::InvalidEscape => "Invalid \\escape",
            ErrorCode::InvalidUnicodeEscape => "Invalid \\uXXXX escape",
            ErrorCode::ExtraData => "Extra data",
            ErrorCode::TrailingCommaArray => "Illegal trailing comma before end of array",
            ErrorCode::TrailingCommaObject => "Illegal trailing comma before end of object",
            ErrorCode::DepthLimit => "Nesting too deep",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// A syntax error at a byte offset of the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub code: ErrorCode,
    pub offset: usize,
}
