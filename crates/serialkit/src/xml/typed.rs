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
//! An element without `sk:type` is a string. The root element's name and
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Str,
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
            Kind::Int => "int",
            Kind::Float => "float",
            Kind::Bool => "bool",
            Kind::Null => "null",
            Kind::List => "list",
            Kind::Dict => "dict",
        }
    }
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
