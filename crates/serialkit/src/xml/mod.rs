//! XML in the shape xmltodict gives it: elements become dict entries,
//! repeated elements lists, attributes `@name` keys and text `#text`.
//! quick-xml tokenises; [`read`] adds expat's checks and the hardening of
//! defusedxml (no entity declarations by default, nothing external, an
//! expansion budget). The Python bindings drive [`read::parse`] with their
//! own sink and use [`escape`] for output.

pub mod build;
pub mod dtd;
mod dtd_lex;
pub mod encoding;
mod entity;
pub mod error;
pub mod escape;
mod fault;
mod lexical;
mod name_table;
pub mod names;
pub mod read;
pub mod source;
pub mod typed;
pub mod write;

#[cfg(test)]
mod tests;

pub use error::{XmlError, XmlErrorKind};
pub use read::{parse, Attrs, Failure, ReadOptions, VersionRule, XmlSink};
pub use source::{SliceSource, Source, StreamSource};

use crate::error::{Error, Result};
use crate::format::{Format, Options};
use crate::value::Value;

pub static FORMAT: Format = Format {
    name: "xml",
    extensions: &["xml"],
    description: "XML in xmltodict's shape (@attributes, #text, repeated elements as lists)",
    read: read_document,
    write: write_document,
    holds_full_model: false,
};

fn xml_failure(failure: Failure<std::convert::Infallible>) -> Error {
    match failure {
        Failure::Xml(err) => err.into(),
        Failure::Sink(never) => match never {},
    }
}

/// Reads a document: the typed form back into the data it was written
/// from, anything else in the xmltodict shape.
pub fn from_slice(input: &[u8], options: &ReadOptions) -> Result<Value> {
    if input.len() > options.limits.max_input_bytes {
        return Err(Error::limit(
            "input size in bytes",
            options.limits.max_input_bytes,
            None,
        ));
    }
    let text = encoding::to_utf8(input, None)?;
    let mut source = SliceSource::new(&text);
    if typed::is_typed(&text) {
        let mut builder = build::TypedBuilder::default();
        parse(&mut source, options, &mut builder).map_err(xml_failure)?;
        return builder.finish().map_err(Error::unsupported);
    }
    let mut builder = build::ShapeBuilder::default();
    parse(&mut source, options, &mut builder).map_err(xml_failure)?;
    Ok(builder.finish())
}

fn read_document(input: &[u8], options: &Options) -> Result<Vec<Value>> {
    let read_options = ReadOptions {
        limits: options.limits.clone(),
        ..ReadOptions::default()
    };
    from_slice(input, &read_options).map(|value| vec![value])
}

/// Writes `value` in the xmltodict shape when reading that back gives the
/// same value, and in the typed form otherwise.
pub fn to_string(value: &Value, options: &write::WriteOptions) -> Result<String> {
    if let Ok(text) = write::to_shape(value, options) {
        let read_back = from_slice(text.as_bytes(), &ReadOptions::default());
        if read_back.is_ok_and(|back| &back == value) {
            return Ok(text);
        }
    }
    write::to_typed(value, options)
}

fn write_document(documents: &[Value], options: &Options) -> Result<Vec<u8>> {
    let [document] = documents else {
        return Err(Error::unsupported(
            "XML holds one document; choose a format with multi-document streams",
        ));
    };
    let write_options = write::WriteOptions {
        indent: options.indent.map(|spaces| " ".repeat(spaces)),
    };
    let mut out = to_string(document, &write_options)?.into_bytes();
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    Ok(out)
}
