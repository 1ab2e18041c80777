//! Pickle: a reader for protocols 0 to 5 into the core [`Value`] model, and
//! the machine and sink interface the Python bindings drive directly.
//!
//! Nothing here imports or calls anything. Globals become
//! [`Value::Global`]s and the objects a pickle would build by calls become
//! [`Value::Object`]s recording the callable, arguments and state; whether
//! a loader may resolve them is for the policy layer to decide.
//!
//! [`write`] writes the model back as a pickle (protocol 4 by default),
//! for conversions from other formats.

pub mod encode;
mod extent;
pub mod inspect;
pub mod machine;
pub mod names;
pub mod opcodes;
mod read;
pub mod sink;
mod text;
mod tree;
pub mod value_sink;
pub mod write;

pub use extent::pickle_end;
pub use machine::{load, load_with_memo, Failure, MemoTable};
pub use sink::{Items, Pairs, PickleSink, PickleStr};
pub use value_sink::{SinkError, ValueSink};

use crate::error::{Error, ErrorKind, Position, Result};
use crate::format::{Format, Options};
use crate::limits::Limits;
use crate::value::Value;

pub static FORMAT: Format = Format {
    name: "pickle",
    extensions: &["pkl", "pickle"],
    description: "Python pickle, protocols 0 to 5 (nothing is imported or called when reading)",
    read: read_document,
    write: write_document,
    holds_full_model: true,
};

/// How Python 2 `str` values (STRING, BINSTRING, SHORT_BINSTRING) are read,
/// as `pickle.loads(encoding=...)` does. Decoding is always strict (the
/// `errors="strict"` of `pickle.loads`); other codecs are for the bindings,
/// which can read the strings as bytes and decode them with Python.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StringEncoding {
    /// `pickle.loads`' default: non-ASCII bytes are an error.
    #[default]
    Ascii,
    Latin1,
    Utf8,
    /// Keep them as `bytes`.
    Bytes,
    /// Hand the raw bytes to the sink's [`PickleSink::python2_str`], for
    /// codecs and error handlers the core does not implement (the Python
    /// bindings decode with Python's own codecs).
    Delegated,
}

impl StringEncoding {
    /// Parses the names Python accepts for the supported codecs (case and
    /// `-`/`_` do not matter), plus `"bytes"`.
    pub fn from_name(name: &str) -> Option<StringEncoding> {
        let normalized: String = name
            .chars()
            .filter(|c| *c != '-' && *c != '_' && *c != ' ')
            .flat_map(char::to_lowercase)
            .collect();
        Some(match normalized.as_str() {
            "ascii" | "usascii" | "646" => StringEncoding::Ascii,
            "latin1" | "latin" | "l1" | "iso88591" | "iso885911987" | "8859" | "cp819" => {
                StringEncoding::Latin1
            }
            "utf8" | "u8" | "utf" | "cp65001" => StringEncoding::Utf8,
            "bytes" => StringEncoding::Bytes,
            _ => return None,
        })
    }
}

/// Options for reading pickles.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// `max_depth` bounds both the open MARKs and the nesting of the result;
    /// `max_input_bytes` the whole input; `max_expansion` the values copied
    /// when one argument tuple or dict is passed to several calls (the
    /// model holds arguments inline; everything else stays shared).
    pub limits: Limits,
    /// Most distinct memo keys. Each costs a PUT or MEMOIZE opcode, so by
    /// default this never binds before `max_input_bytes` does; real pickles
    /// memoize nearly every container and string (a 13 MB pickle of 300 000
    /// records has 2.4 million entries). Lower it for untrusted input.
    pub max_memo: usize,
    /// Most opcodes executed for one pickle; every opcode takes at least
    /// one byte, so by default this too is bounded by the input size.
    pub max_opcodes: usize,
    /// Longest module or qualified name of a global, in bytes of input
    /// (before any decoding). STACK_GLOBAL
    /// can name a memoized string again and again for two bytes each, so
    /// without a bound one long string would be decoded and resolved over
    /// and over. Real names are far shorter.
    pub max_name_bytes: usize,
    /// Map Python 2 names to Python 3 ones below protocol 3 (see [`names`]).
    pub fix_imports: bool,
    pub encoding: StringEncoding,
    /// Out-of-band buffers for NEXT_BUFFER, in order (`pickle.loads`'
    /// `buffers`). `None` makes NEXT_BUFFER an error, as in CPython. Only
    /// the core [`ValueSink`] uses them; they become `Value::Bytes`.
    pub buffers: Option<Vec<Vec<u8>>>,
}

impl LoadOptions {
    pub const DEFAULT_MAX_MEMO: usize = Limits::DEFAULT_MAX_INPUT_BYTES;
    pub const DEFAULT_MAX_OPCODES: usize = Limits::DEFAULT_MAX_INPUT_BYTES;
    pub const DEFAULT_MAX_NAME_BYTES: usize = 1024;
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            limits: Limits::default(),
            max_memo: Self::DEFAULT_MAX_MEMO,
            max_opcodes: Self::DEFAULT_MAX_OPCODES,
            max_name_bytes: Self::DEFAULT_MAX_NAME_BYTES,
            fix_imports: true,
            encoding: StringEncoding::Ascii,
            buffers: None,
        }
    }
}

/// Reads one pickle from the start of `input`; bytes after its STOP are
/// ignored, as `pickle.loads` ignores them.
pub fn from_slice(input: &[u8], options: &LoadOptions) -> Result<Value> {
    from_slice_at(input, 0, options).map(|(value, _)| value)
}

/// Reads the pickle that starts at `start` and returns it with the offset
/// just past its STOP, where a following pickle would start.
pub fn from_slice_at(input: &[u8], start: usize, options: &LoadOptions) -> Result<(Value, usize)> {
    let limits = &options.limits;
    let mut sink = ValueSink::new(limits, options.buffers.clone());
    let sink_error = |error: SinkError, offset: usize, opcode: &str| match error {
        SinkError::Depth => Error::limit(
            "nesting depth",
            limits.max_depth,
            Some(Position::Offset(offset)),
        ),
        SinkError::Expansion => Error::limit(
            "values copied into repeated call arguments",
            limits.max_expansion,
            Some(Position::Offset(offset)),
        ),
        SinkError::Unsupported(message) => Error::new(
            ErrorKind::Unsupported(format!("{opcode}: {message}").into()),
            Some(Position::Offset(offset)),
        ),
    };
    let (root, end) = load(input, start, options, &mut sink).map_err(|failure| match failure {
        Failure::Pickle(error) => error,
        Failure::Sink {
            error,
            offset,
            opcode,
        } => sink_error(error, offset, opcode),
    })?;
    // Problems found while building the tree are reported at the STOP.
    let value = sink
        .finish(root)
        .map_err(|error| sink_error(error, end.saturating_sub(1), "STOP"))?;
    Ok((value, end))
}

fn read_document(input: &[u8], options: &Options) -> Result<Vec<Value>> {
    let options = LoadOptions {
        limits: options.limits.clone(),
        ..LoadOptions::default()
    };
    from_slice(input, &options).map(|value| vec![value])
}

/// Writes one document as a protocol 4 pickle, as `pickle.dumps` would.
fn write_document(documents: &[Value], options: &Options) -> Result<Vec<u8>> {
    let [document] = documents else {
        return Err(Error::unsupported(
            "a pickle holds one document; choose a format with multi-document streams",
        ));
    };
    let options = write::DumpOptions {
        protocol: write::DEFAULT_PROTOCOL,
        max_depth: options.limits.max_depth,
    };
    write::to_vec_with(document, &options)
}

#[cfg(test)]
mod tests;
