//! JSON: a reader and a writer against the core [`Value`] model, plus the
//! parser and escaping primitives that the Python bindings drive directly.

mod error;
pub mod escape;
pub mod parse;
mod value_sink;
pub mod write;

pub use error::{ErrorCode, ParseError};
pub use parse::{
    parse, parse_prefix, Constant, Container, Failure, JsonStr, Number, NumberKind, ParseOptions,
    Sink,
};
pub use write::{to_vec, WriteOptions};

use crate::error::{Error, Position, Result};
use crate::format::{Format, Options};
use crate::value::Value;

pub static FORMAT: Format = Format {
    name: "json",
    extensions: &["json"],
    description: "JSON (RFC 8259), read and written as Python's json module does",
    read: read_document,
    write: write_document,
    holds_full_model: false,
};

/// Reads a JSON document into the core model. A UTF-8 byte order mark is
/// skipped; anything that is not UTF-8 is a syntax error.
pub fn from_slice(input: &[u8], limits: &crate::Limits) -> Result<Value> {
    if input.len() > limits.max_input_bytes {
        return Err(Error::limit(
            "input size in bytes",
            limits.max_input_bytes,
            None,
        ));
    }
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    if let Err(err) = std::str::from_utf8(input) {
        let offset = err.valid_up_to();
        return Err(Error::syntax(
            "invalid UTF-8",
            Position::in_text(input, offset),
        ));
    }
    let options = ParseOptions {
        max_depth: limits.max_depth,
        ..ParseOptions::default()
    };
    parse(input, &options, &mut value_sink::ValueSink).map_err(|failure| match failure {
        Failure::Syntax(ParseError {
            code: ErrorCode::DepthLimit,
            offset,
        }) => Error::limit(
            "nesting depth",
            limits.max_depth,
            Some(Position::in_text(input, offset)),
        ),
        Failure::Syntax(ParseError { code, offset }) => {
            Error::syntax(code.message(), Position::in_text(input, offset))
        }
        Failure::Sink(value_sink::LoneSurrogate) => Error::unsupported(
            "a \\u escape names a lone surrogate, which only Python strings can hold",
        ),
    })
}

pub fn from_str(input: &str) -> Result<Value> {
    from_slice(input.as_bytes(), &crate::Limits::default())
}

fn read_document(input: &[u8], options: &Options) -> Result<Vec<Value>> {
    from_slice(input, &options.limits).map(|value| vec![value])
}

fn write_document(documents: &[Value], options: &Options) -> Result<Vec<u8>> {
    let [document] = documents else {
        return Err(Error::unsupported(
            "JSON holds one document; choose a format with multi-document streams",
        ));
    };
    let mut json_options = match options.indent {
        Some(spaces) => WriteOptions::indented(spaces),
        None => WriteOptions::default(),
    };
    json_options.sort_keys = options.sort_keys;
    let mut out = to_vec(document, &json_options)?;
    out.push(b'\n');
    Ok(out)
}

#[cfg(test)]
mod tests;
