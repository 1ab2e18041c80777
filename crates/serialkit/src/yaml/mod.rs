//! YAML 1.2: a reader (saphyr-parser's events, our constructor) and a
//! writer whose output matches PyYAML's emitter, against the core model.
//!
//! The pieces the Python bindings drive directly are public: [`compose`]
//! with its [`Builder`] trait, [`resolve`] for scalar resolution under
//! both schemas, and the [`emit::Emitter`].

pub mod compose;
pub mod emit;
pub mod fast;
mod marks;
pub mod resolve;
mod tags;
mod value_builder;
pub mod write;

pub use compose::{compose, Builder, Collection, DuplicateKeys, LoadOptions};
pub use resolve::{Scalar, Schema, Timestamp};
pub use value_builder::ValueBuilder;
pub use write::{Quoting, WriteOptions};

use crate::error::{Error, Position, Result};
use crate::format::{Format, Options};
use crate::value::Value;

pub static FORMAT: Format = Format {
    name: "yaml",
    extensions: &["yaml", "yml"],
    description: "YAML 1.2 (core schema), multi-document streams; written as PyYAML writes it",
    read: read_documents,
    write: write_documents,
    holds_full_model: false,
};

/// The input as text: UTF-8 with an optional byte order mark.
pub fn input_text(input: &[u8]) -> Result<&str> {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    std::str::from_utf8(input)
        .map_err(|err| Error::syntax("invalid UTF-8", Position::in_text(input, err.valid_up_to())))
}

/// Refuses the characters YAML does not allow in a stream, as PyYAML's
/// reader does: C0 controls but tab, LF and CR; DEL; C1 controls but NEL;
/// U+FFFE and U+FFFF (`text` is UTF-8, so it holds no surrogates). The
/// error is at the character, and names it.
pub fn check_characters(text: &str) -> Result<()> {
    let bytes = text.as_bytes();
    // A branch-free test per fixed-size chunk, which the compiler turns
    // into vector compares: only a chunk holding a byte that is, or may
    // start, a forbidden character is looked at byte by byte.
    const CHUNK: usize = 32;
    let mut chunks = bytes.chunks_exact(CHUNK);
    let mut start = 0;
    for chunk in &mut chunks {
        let mut suspect = false;
        for &byte in chunk {
            suspect |= (byte < 0x20 && byte != b'\t' && byte != b'\n' && byte != b'\r')
                | (byte == 0x7F)
                | (byte == 0xC2)
                | (byte == 0xEF);
        }
        if suspect {
            check_bytes(bytes, start, start + CHUNK)?;
        }
        start += CHUNK;
    }
    check_bytes(bytes, start, bytes.len())
}

fn check_bytes(bytes: &[u8], start: usize, end: usize) -> Result<()> {
    for at in start..end {
        if SUSPECT[usize::from(bytes[at])] == 0 {
            continue;
        }
        if let Some(code) = forbidden_at(bytes, at) {
            return Err(Error::syntax(
                format!("unacceptable character #x{code:04x}: special characters are not allowed"),
                Position::in_text(bytes, at),
            ));
        }
    }
    Ok(())
}

/// Bytes that are, or may start, a forbidden character: C0 controls but
/// tab, LF and CR; DEL; 0xC2 (U+0080..U+00BF); 0xEF (U+F000..U+FFFF).
static SUSPECT: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 0x20 {
        if byte != 0x09 && byte != 0x0A && byte != 0x0D {
            table[byte] = 1;
        }
        byte += 1;
    }
    table[0x7F] = 1;
    table[0xC2] = 1;
    table[0xEF] = 1;
    table
};

/// The forbidden character that starts at byte `at`, if any.
fn forbidden_at(bytes: &[u8], at: usize) -> Option<u32> {
    let byte = bytes[at];
    match byte {
        b'\t' | b'\n' | b'\r' => None,
        0x00..=0x1F | 0x7F => Some(u32::from(byte)),
        // U+0080..U+009F, but U+0085 (NEL).
        0xC2 => match bytes.get(at + 1) {
            Some(&next @ 0x80..=0x9F) if next != 0x85 => Some(u32::from(next)),
            _ => None,
        },
        // U+FFFE, U+FFFF.
        0xEF if bytes.get(at + 1) == Some(&0xBF) => match bytes.get(at + 2) {
            Some(0xBE) => Some(0xFFFE),
            Some(0xBF) => Some(0xFFFF),
            _ => None,
        },
        _ => None,
    }
}

/// Reads every document of a stream into the core model.
pub fn from_slice(input: &[u8], options: &LoadOptions) -> Result<Vec<Value>> {
    if input.len() > options.limits.max_input_bytes {
        return Err(Error::limit(
            "input size in bytes",
            options.limits.max_input_bytes,
            None,
        ));
    }
    let text = input_text(input)?;
    check_characters(text)?;
    compose(text, options, &mut ValueBuilder::new(options.schema), false)
}

pub fn from_str(input: &str) -> Result<Vec<Value>> {
    from_slice(input.as_bytes(), &LoadOptions::default())
}

/// Writes documents as one stream.
pub fn to_string(documents: &[Value], options: &WriteOptions) -> Result<String> {
    write::to_string(documents, options)
}

fn read_documents(input: &[u8], options: &Options) -> Result<Vec<Value>> {
    let load = LoadOptions {
        limits: options.limits.clone(),
        ..LoadOptions::default()
    };
    let documents = from_slice(input, &load)?;
    if options.all_documents {
        return Ok(vec![Value::List(documents)]);
    }
    match documents.len() {
        0 => Ok(vec![Value::None]),
        1 => Ok(documents),
        n => Err(Error::unsupported(format!(
            "the stream holds {n} documents; pass --all-documents to read them as one list"
        ))),
    }
}

fn write_documents(documents: &[Value], options: &Options) -> Result<Vec<u8>> {
    let mut write = WriteOptions {
        sort_keys: options.sort_keys,
        flow: Some(false),
        max_depth: options.limits.max_depth,
        ..WriteOptions::default()
    };
    if let Some(indent) = options.indent {
        write.emit.indent = indent;
    }
    match documents {
        [Value::List(items)] if options.all_documents => to_string(items, &write),
        _ => to_string(documents, &write),
    }
    .map(String::into_bytes)
}

#[cfg(test)]
mod tests;
