//! The typed form: how conversions write data that the xmltodict shape
//! cannot hold (numbers, booleans, None, empty or one-element lists,
//! lists of lists, keys that are not XML names) so that reading it back
//! gives the same data.
//!
//! ```xml
//! <sk:document xmlns:sk="urn:serialkit:typed" sk:type="dict">
//!   <name>Alice</name>
//!   <age sk:type="int">30</age>
//!   <tags sk:type="list"><sk:item>a</sk:item></tags>
//!   <sk:entry sk:key="first name">Al</sk:entry>
//! </sk:document>
//! ```
//!
//! An element without `sk:type` is a string. Text XML cannot carry (most
//! C0 controls, U+FFFE, U+FFFF) is base64 of its UTF-8: `sk:type=
//! "str-base64"` for values, `sk:key-base64` for keys. The root element's name and
//! namespace mark the document as typed; anything else is read in the
//! xmltodict shape.

use crate::value::Value;
use num_bigint::BigInt;

pub const NAMESPACE: &str = "urn:serialkit:typed";
pub const ROOT: &str = "sk:document";
pub const ITEM: &str = "sk:item";
pub const ENTRY: &str = "sk:entry";
pub const TYPE_ATTR: &str = "sk:type";
pub const KEY_ATTR: &str = "sk:key";
/// A key holding characters XML cannot carry, as base64 of its UTF-8.
pub const KEY_BASE64_ATTR: &str = "sk:key-base64";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Str,
    /// A string holding characters XML cannot carry (most C0 controls,
    /// U+FFFE, U+FFFF), written as base64 of its UTF-8.
    StrBase64,
    Int,
    Float,
    Bool,
    Null,
    List,
    Dict,
}

impl Kind {
    pub fn parse(name: &str) -> Option<Kind> {
        Some(match name {
            "str" => Kind::Str,
            "str-base64" => Kind::StrBase64,
            "int" => Kind::Int,
            "float" => Kind::Float,
            "bool" => Kind::Bool,
            "null" => Kind::Null,
            "list" => Kind::List,
            "dict" => Kind::Dict,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Str => "str",
            Kind::StrBase64 => "str-base64",
            Kind::Int => "int",
            Kind::Float => "float",
            Kind::Bool => "bool",
            Kind::Null => "null",
            Kind::List => "list",
            Kind::Dict => "dict",
        }
    }
}

/// Whether every character of `text` may appear in an XML 1.0 document.
pub fn xml_can_hold(text: &str) -> bool {
    text.chars().all(|c| {
        matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
            || c >= '\u{10000}'
    })
}

/// The string spelled by base64 of its UTF-8.
pub fn base64_text(text: &str) -> Option<String> {
    let bytes = crate::tagged::base64_decode(text.trim())?;
    String::from_utf8(bytes).ok()
}

/// Whether the document starts (after its prolog) with the typed root.
pub fn is_typed(input: &[u8]) -> bool {
    let mut rest = input;
    loop {
        let Some(at) = memchr::memchr(b'<', rest) else {
            return false;
        };
        rest = &rest[at..];
        if rest.starts_with(b"<?") || rest.starts_with(b"<!") {
            rest = &rest[2..];
            continue;
        }
        let head = &rest[..rest.len().min(200)];
        return rest[1..].starts_with(ROOT.as_bytes())
            && memchr::memmem::find(head, NAMESPACE.as_bytes()).is_some();
    }
}

pub fn decode(
    kind: Kind,
    text: &str,
    children: Vec<(Option<String>, Value)>,
) -> Result<Value, String> {
    let bad = || format!("invalid {} value {text:?}", kind.name());
    Ok(match kind {
        Kind::Str => Value::Str(text.to_owned()),
        Kind::StrBase64 => Value::Str(base64_text(text).ok_or_else(bad)?),
        Kind::Null => Value::None,
        Kind::Bool => match text.trim() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(bad()),
        },
        Kind::Int => {
            let text = text.trim();
            match text.parse::<i64>() {
                Ok(n) => Value::Int(n),
                Err(_) => Value::BigInt(text.parse::<BigInt>().map_err(|_| bad())?),
            }
        }
        Kind::Float => match text.trim() {
            "nan" => Value::Float(f64::NAN),
            "inf" => Value::Float(f64::INFINITY),
            "-inf" => Value::Float(f64::NEG_INFINITY),
            other => Value::Float(other.parse().map_err(|_| bad())?),
        },
        Kind::List => Value::List(children.into_iter().map(|(_, value)| value).collect()),
        Kind::Dict => {
            let mut pairs = Vec::with_capacity(children.len());
            for (key, value) in children {
                let key = key.ok_or_else(|| "a dict entry without a key".to_owned())?;
                pairs.push((Value::Str(key), value));
            }
            Value::Dict(pairs)
        }
    })
}
