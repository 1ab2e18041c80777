//! Building the core model from XML: the xmltodict shape (what
//! `xmltodict.parse` returns with its defaults), or the typed form that
//! [`super::write`] uses for data that shape cannot hold.

use super::read::{Attrs, XmlSink};
use super::typed;
use crate::value::Value;
use std::convert::Infallible;

/// An element being built: its entries (attributes, then children in
/// document order) and its character data.
#[derive(Default)]
struct Frame {
    entries: Option<Vec<(String, Value)>>,
    data: String,
}

fn push_data(entries: &mut Option<Vec<(String, Value)>>, key: &str, data: Value) {
    push_entry(entries.get_or_insert_with(Vec::new), key, data);
}

/// xmltodict's `push_data`: a repeated key turns its value into a list.
fn push_entry(entries: &mut Vec<(String, Value)>, key: &str, data: Value) {
    match entries.iter_mut().find(|(existing, _)| existing == key) {
        Some((_, Value::List(items))) => items.push(data),
        Some((_, slot)) => {
            let first = std::mem::replace(slot, Value::None);
            *slot = Value::List(vec![first, data]);
        }
        None => entries.push((key.to_owned(), data)),
    }
}

fn into_dict(entries: Vec<(String, Value)>) -> Value {
    Value::Dict(
        entries
            .into_iter()
            .map(|(key, value)| (Value::Str(key), value))
            .collect(),
    )
}

/// xmltodict's handler with its default options.
#[derive(Default)]
pub struct ShapeBuilder {
    current: Frame,
    stack: Vec<Frame>,
}

impl ShapeBuilder {
    pub fn finish(self) -> Value {
        self.current.entries.map_or(Value::None, into_dict)
    }
}

impl XmlSink for ShapeBuilder {
    type Error = Infallible;

    fn start_element(&mut self, _name: &str, attrs: &Attrs<'_>) -> Result<(), Infallible> {
        let entries = (!attrs.is_empty()).then(|| {
            attrs
                .iter()
                .map(|(key, value)| (format!("@{key}"), Value::Str(value.to_string())))
                .collect()
        });
        let parent = std::mem::replace(
            &mut self.current,
            Frame {
                entries,
                data: String::new(),
            },
        );
        self.stack.push(parent);
        Ok(())
    }

    fn end_element(&mut self, name: &str) -> Result<(), Infallible> {
        let Some(parent) = self.stack.pop() else {
            return Ok(());
        };
        let element = std::mem::replace(&mut self.current, parent);
        let data = element.data.trim();
        let data = (!data.is_empty()).then(|| Value::Str(data.to_owned()));
        let value = match element.entries {
            Some(mut entries) => {
                if let Some(data) = data {
                    push_entry(&mut entries, "#text", data);
                }
                into_dict(entries)
            }
            None => data.unwrap_or(Value::None),
        };
        push_data(&mut self.current.entries, name, value);
        Ok(())
    }

    fn characters(&mut self, text: &mut String) -> Result<(), Infallible> {
        self.current.data.push_str(text);
        Ok(())
    }

    fn comment(&mut self, _text: &str) -> Result<(), Infallible> {
        Ok(())
    }

    fn namespace_decl(&mut self, _prefix: &str, _uri: &str) -> Result<(), Infallible> {
        Ok(())
    }
}

/// Reads the typed form (see [`typed`]).
#[derive(Default)]
pub struct TypedBuilder {
    stack: Vec<TypedFrame>,
    result: Option<Value>,
    error: Option<String>,
}

struct TypedFrame {
    key: Option<String>,
    kind: typed::Kind,
    children: Vec<(Option<String>, Value)>,
    text: String,
}

impl TypedBuilder {
    pub fn finish(self) -> Result<Value, String> {
        if let Some(error) = self.error {
            return Err(error);
        }
        self.result.ok_or_else(|| "empty typed document".to_owned())
    }
}

impl XmlSink for TypedBuilder {
    type Error = Infallible;

    fn start_element(&mut self, name: &str, attrs: &Attrs<'_>) -> Result<(), Infallible> {
        let mut kind = typed::Kind::Str;
        let mut key = None;
        for (attr, value) in attrs {
            match attr.as_ref() {
                typed::TYPE_ATTR => match typed::Kind::parse(value) {
                    Some(parsed) => kind = parsed,
                    None => self.error = Some(format!("unknown type {value:?}")),
                },
                typed::KEY_ATTR => key = Some(value.to_string()),
                typed::KEY_BASE64_ATTR => match typed::base64_text(value) {
                    Some(text) => key = Some(text),
                    None => self.error = Some(format!("invalid base64 key {value:?}")),
                },
                _ => {}
            }
        }
        let key = match name {
            typed::ITEM | typed::ROOT => None,
            typed::ENTRY => key,
            other => Some(other.to_owned()),
        };
        self.stack.push(TypedFrame {
            key,
            kind,
            children: Vec::new(),
            text: String::new(),
        });
        Ok(())
    }

    fn end_element(&mut self, _name: &str) -> Result<(), Infallible> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        let value = match typed::decode(frame.kind, &frame.text, frame.children) {
            Ok(value) => value,
            Err(message) => {
                self.error.get_or_insert(message);
                Value::None
            }
        };
        match self.stack.last_mut() {
            Some(parent) => parent.children.push((frame.key, value)),
            None => self.result = Some(value),
        }
        Ok(())
    }

    fn characters(&mut self, text: &mut String) -> Result<(), Infallible> {
        if let Some(frame) = self.stack.last_mut() {
            frame.text.push_str(text);
        }
        Ok(())
    }

    fn comment(&mut self, _text: &str) -> Result<(), Infallible> {
        Ok(())
    }

    fn namespace_decl(&mut self, _prefix: &str, _uri: &str) -> Result<(), Infallible> {
        Ok(())
    }
}
