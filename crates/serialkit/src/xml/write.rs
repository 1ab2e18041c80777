//! Writing the core model as XML. Data in the xmltodict shape is written as
//! `xmltodict.unparse` writes it; anything else in the typed form
//! ([`super::typed`]), so that conversions read back what they wrote.

use super::escape::{escape_text, quote_attr};
use super::names::is_name;
use super::typed::{self, Kind};
use crate::error::{Error, Result};
use crate::number::python_float_repr;
use crate::value::Value;

pub const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";

#[derive(Clone, Debug, Default)]
pub struct WriteOptions {
    /// Indentation per level when pretty-printing (xmltodict's `pretty`).
    pub indent: Option<String>,
}

struct Writer<'o> {
    out: String,
    options: &'o WriteOptions,
}

fn scalar_text(value: &Value) -> Option<String> {
    Some(match value {
        Value::Str(s) => s.clone(),
        Value::Bool(true) => "true".into(),
        Value::Bool(false) => "false".into(),
        Value::Int(n) => n.to_string(),
        Value::BigInt(n) => n.to_string(),
        Value::Float(f) => python_float_repr(*f),
        _ => return None,
    })
}

fn check_name(name: &str, kind: &str) -> Result<()> {
    if is_name(name) {
        Ok(())
    } else {
        Err(Error::unsupported(format!(
            "invalid {kind} name {name:?}: not an XML name"
        )))
    }
}

impl Writer<'_> {
    fn indent(&mut self, depth: usize) {
        if let Some(indent) = &self.options.indent {
            for _ in 0..depth {
                self.out.push_str(indent);
            }
        }
    }

    fn newline(&mut self) {
        if self.options.indent.is_some() {
            self.out.push('\n');
        }
    }

    /// xmltodict's `_emit` with default options.
    fn emit(&mut self, key: &str, value: &Value, depth: usize) -> Result<()> {
        check_name(key, "element")?;
        let items: &[Value] = match value {
            Value::List(items) => items,
            other => std::slice::from_ref(other),
        };
        for (index, item) in items.iter().enumerate() {
            if depth == 0 && index > 0 {
                return Err(Error::unsupported("document with multiple roots"));
            }
            let mut text = None;
            let mut attrs: Vec<(String, String)> = Vec::new();
            let mut children: Vec<(&str, &Value)> = Vec::new();
            match item {
                Value::None => {}
                Value::Dict(pairs) => {
                    for (k, v) in pairs {
                        let Value::Str(k) = k else {
                            return Err(Error::unsupported("element names must be strings"));
                        };
                        if k == "#text" {
                            text =
                                match v {
                                    Value::None => None,
                                    other => Some(scalar_text(other).ok_or_else(|| {
                                        Error::unsupported("text must be a scalar")
                                    })?),
                                };
                        } else if let Some(name) = k.strip_prefix('@') {
                            let v = match v {
                                Value::None => String::new(),
                                other => scalar_text(other).ok_or_else(|| {
                                    Error::unsupported("attribute values must be scalars")
                                })?,
                            };
                            check_name(name, "attribute")?;
                            attrs.push((name.to_owned(), v));
                        } else if !matches!(v, Value::List(list) if list.is_empty()) {
                            children.push((k, v));
                        }
                    }
                }
                other => {
                    text = Some(scalar_text(other).ok_or_else(|| {
                        Error::unsupported(format!(
                            "cannot write {} as XML text",
                            other.type_name()
                        ))
                    })?)
                }
            }
            self.indent(depth);
            self.out.push('<');
            self.out.push_str(key);
            for (name, value) in &attrs {
                self.out.push(' ');
                self.out.push_str(name);
                self.out.push('=');
                quote_attr(&mut self.out, value);
            }
            self.out.push('>');
            let has_children = !children.is_empty();
            if has_children {
                self.newline();
            }
            for (child_key, child) in children {
                self.emit(child_key, child, depth + 1)?;
            }
            if let Some(text) = text {
                escape_text(&mut self.out, &text);
            }
            if has_children {
                self.indent(depth);
            }
            self.out.push_str("</");
            self.out.push_str(key);
            self.out.push('>');
            if depth > 0 {
                self.newline();
            }
        }
        Ok(())
    }

    fn typed(
        &mut self,
        tag: &str,
        key_attr: Option<&str>,
        value: &Value,
        depth: usize,
    ) -> Result<()> {
        self.indent(depth);
        self.out.push('<');
        self.out.push_str(tag);
        if depth == 0 {
            self.out.push_str(" xmlns:sk=");
            quote_attr(&mut self.out, typed::NAMESPACE);
        }
        if let Some(key) = key_attr {
            if typed::xml_can_hold(key) {
                self.out.push_str(" sk:key=");
                quote_attr(&mut self.out, key);
            } else {
                self.out.push_str(" sk:key-base64=");
                quote_attr(&mut self.out, &crate::tagged::base64_encode(key.as_bytes()));
            }
        }
        let kind = match value {
            Value::Str(text) if !typed::xml_can_hold(text) => Kind::StrBase64,
            Value::Str(_) => Kind::Str,
            Value::Int(_) | Value::BigInt(_) => Kind::Int,
            Value::Float(_) => Kind::Float,
            Value::Bool(_) => Kind::Bool,
            Value::None => Kind::Null,
            Value::List(_) => Kind::List,
            Value::Dict(_) => Kind::Dict,
            other => {
                return Err(Error::unsupported(format!(
                    "XML cannot hold a {}",
                    other.type_name()
                )))
            }
        };
        if kind != Kind::Str {
            self.out.push_str(" sk:type=\"");
            self.out.push_str(kind.name());
            self.out.push('"');
        }
        self.out.push('>');
        match value {
            Value::List(items) => {
                self.newline();
                for item in items {
                    self.typed(typed::ITEM, None, item, depth + 1)?;
                }
                self.indent(depth);
            }
            Value::Dict(pairs) => {
                self.newline();
                for (key, item) in pairs {
                    let Value::Str(key) = key else {
                        return Err(Error::unsupported("XML keys must be strings"));
                    };
                    if is_name(key) && !key.contains(':') {
                        self.typed(key, None, item, depth + 1)?;
                    } else {
                        self.typed(typed::ENTRY, Some(key), item, depth + 1)?;
                    }
                }
                self.indent(depth);
            }
            Value::Float(f) if !f.is_finite() => self.out.push_str(&python_float_repr(*f)),
            Value::Str(text) if kind == Kind::StrBase64 => {
                self.out
                    .push_str(&crate::tagged::base64_encode(text.as_bytes()));
            }
            other => {
                if let Some(text) = scalar_text(other) {
                    // A CR would read back as LF; a reference keeps it.
                    for (index, piece) in text.split('\r').enumerate() {
                        if index > 0 {
                            self.out.push_str("&#13;");
                        }
                        escape_text(&mut self.out, piece);
                    }
                }
            }
        }
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
        self.newline();
        Ok(())
    }
}

/// Writes `value` in the xmltodict shape: a dict with one root key.
pub fn to_shape(value: &Value, options: &WriteOptions) -> Result<String> {
    let mut writer = Writer {
        out: String::from(DECLARATION),
        options,
    };
    let Value::Dict(pairs) = value else {
        return Err(Error::unsupported(
            "the document must be a dict with one root",
        ));
    };
    let [(Value::Str(root), content)] = pairs.as_slice() else {
        return Err(Error::unsupported("Document must have exactly one root."));
    };
    writer.emit(root, content, 0)?;
    Ok(writer.out)
}

/// Writes `value` in the typed form.
pub fn to_typed(value: &Value, options: &WriteOptions) -> Result<String> {
    let mut writer = Writer {
        out: String::from(DECLARATION),
        options,
    };
    writer.typed(typed::ROOT, None, value, 0)?;
    Ok(writer.out)
}
