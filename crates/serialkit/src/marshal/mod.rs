//! Marshal, the format of `.pyc` files: a reader generic over a sink (the
//! core model here, Python objects in the bindings), a writer from the
//! model, and `.pyc` headers.
//!
//! CPython's own reader trusts its input; this one checks every size
//! against the input left before allocating, refuses references to slots
//! not yet filled, and bounds nesting, so hostile data fails fast.
//!
//! In the model, code objects are [`Value::Object`]s of `types.CodeType`
//! whose state is a dict of their fields (`co_code`, `co_consts`, ...; the
//! 3.11 layout by default, 3.8 to 3.10 for `.pyc` files of those versions),
//! complex numbers are calls of `builtins.complex`, slices (version 5)
//! calls of `builtins.slice` with their three fields, and `StopIteration`
//! and `Ellipsis` are globals of `builtins`.

mod float;
pub mod parse;
pub mod pyc;
pub mod sink;
pub mod types;
pub mod value_sink;
pub mod write;

#[cfg(test)]
mod tests;

pub use float::{parse_text_float, write_g17};
pub use parse::{parse, parse_with_layout, Failure, CPYTHON_MAX_DEPTH};
pub use sink::{CodeInts, CodeLayout, MarshalSink, MarshalStr, StrKind, CODE_OBJECT_FIELDS};
pub use value_sink::{SinkError, ValueSink};

use crate::error::{Error, ErrorKind, Position, Result};
use crate::format::{Format, Options};
use crate::limits::Limits;
use crate::value::Value;

pub static FORMAT: Format = Format {
    name: "marshal",
    extensions: &["marshal"],
    description: "Python marshal, versions 0 to 5 (code objects are read as data)",
    read: read_document,
    write: write_document,
    holds_full_model: true,
};

/// Reads one marshalled value (trailing bytes are ignored, as
/// `marshal.loads` ignores them).
pub fn read(data: &[u8], limits: &Limits) -> Result<Value> {
    read_with_layout(data, limits, CodeLayout::default())
}

/// [`read`], for code objects of another Python version's layout.
pub fn read_with_layout(data: &[u8], limits: &Limits, layout: CodeLayout) -> Result<Value> {
    let mut sink = ValueSink;
    match parse_with_layout(data, limits, layout, &mut sink) {
        Ok((value, _)) => Ok(sink.finish(value)),
        Err(Failure::Eof { error, .. } | Failure::Invalid(error)) => Err(error),
        Err(Failure::Sink(error)) => Err(Error::new(
            ErrorKind::Syntax(error.to_string().into()),
            Some(Position::Offset(0)),
        )),
    }
}

/// Reads a `.pyc` file: its header and its code object.
pub fn read_pyc(data: &[u8], limits: &Limits) -> Result<(pyc::PycHeader, Value)> {
    let header = pyc::read_header(data)?;
    let layout = header
        .python
        .and_then(CodeLayout::for_python)
        .ok_or_else(|| {
            Error::unsupported("code objects of Python versions before 3.8 are not read")
        })?;
    let value = read_with_layout(&data[header.len..], limits, layout)
        .map_err(|err| shift(err, header.len))?;
    Ok((header, value))
}

fn shift(error: Error, by: usize) -> Error {
    match error.position() {
        Some(Position::Offset(at)) => Error::new(
            match error.kind() {
                ErrorKind::Syntax(message) => ErrorKind::Syntax(message.clone()),
                ErrorKind::Limit { what, limit } => ErrorKind::Limit {
                    what,
                    limit: *limit,
                },
                ErrorKind::Unsupported(message) => ErrorKind::Unsupported(message.clone()),
                ErrorKind::Io(err) => {
                    ErrorKind::Io(std::io::Error::new(err.kind(), err.to_string()))
                }
            },
            Some(Position::Offset(at + by)),
        ),
        _ => error,
    }
}

fn read_document(data: &[u8], options: &Options) -> Result<Vec<Value>> {
    Ok(vec![read(data, &options.limits)?])
}

fn write_document(values: &[Value], options: &Options) -> Result<Vec<u8>> {
    match values {
        [value] => write::write(value, &options.limits),
        _ => Err(Error::unsupported(
            "marshal holds exactly one value per file",
        )),
    }
}
