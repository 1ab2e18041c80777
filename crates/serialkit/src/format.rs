//! The registry of formats. Adding a format means writing its module and
//! adding one line to [`FORMATS`]; the CLI and conversions find it here.

use crate::error::Result;
use crate::limits::Limits;
use crate::value::Value;

/// Options that every format understands, for conversions between them.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub limits: Limits,
    /// Spaces per indentation level for text formats; `None` is the
    /// format's compact default.
    pub indent: Option<usize>,
    pub sort_keys: bool,
    /// Multi-document formats (YAML) read every document of a stream as one
    /// list, and write a list as one document per item. Without it, a
    /// stream must hold at most one document.
    pub all_documents: bool,
}

/// A format's entry points. A document stream is a list of documents so
/// that multi-document formats (YAML) and single-document ones share one
/// signature; single-document formats read and write exactly one.
pub struct Format {
    pub name: &'static str,
    /// File extensions, without the dot, used to infer the format.
    pub extensions: &'static [&'static str],
    pub description: &'static str,
    pub read: fn(&[u8], &Options) -> Result<Vec<Value>>,
    pub write: fn(&[Value], &Options) -> Result<Vec<u8>>,
    /// Whether the format holds every [`Value`] as it is (tuples, sets,
    /// bytes, non-str keys, globals, objects, sharing). Conversions from
    /// such a format to one that does not spell the rest with
    /// [`crate::tagged`], and conversions the other way read it back.
    pub holds_full_model: bool,
}

pub static FORMATS: &[&Format] = &[
    &crate::json::FORMAT,
    &crate::pickle::FORMAT,
    &crate::marshal::FORMAT,
    &crate::yaml::FORMAT,
    &crate::xml::FORMAT,
];

pub fn by_name(name: &str) -> Option<&'static Format> {
    FORMATS
        .iter()
        .copied()
        .find(|format| format.name.eq_ignore_ascii_case(name))
}

pub fn by_extension(extension: &str) -> Option<&'static Format> {
    FORMATS.iter().copied().find(|format| {
        format
            .extensions
            .iter()
            .any(|known| known.eq_ignore_ascii_case(extension))
    })
}
