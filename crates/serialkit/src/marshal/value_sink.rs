//! The core sink: builds [`Value`]s for the CLI and Rust callers.
//!
//! An object with FLAG_REF is wrapped as [`Value::Shared`] when it is kept
//! and TYPE_REF becomes [`Value::Ref`], so sharing and cycles stay explicit
//! and nothing is copied. Most flagged objects are never referred to
//! (CPython flags whatever has more than one reference while writing);
//! [`finish`] unwraps those.

use super::sink::{CodeInts, CodeLayout, MarshalSink, MarshalStr, StrKind};
use crate::value::{Object, ShareId, Value};
use num_bigint::{BigInt, Sign};
use std::collections::HashSet;

#[derive(Default)]
pub struct ValueSink;

/// Why the core model cannot hold a value.
#[derive(Debug)]
pub enum SinkError {
    /// A string that is not UTF-8, even with lone surrogates let through.
    InvalidUtf8,
}

impl std::fmt::Display for SinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SinkError::InvalidUtf8 => f.write_str("string is not valid UTF-8"),
        }
    }
}

/// Whether `bytes` is UTF-8 once encoded surrogates (ED A0..BF xx) are
/// allowed, as Python's `surrogatepass` reads it.
fn surrogate_utf8(bytes: &[u8]) -> bool {
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(_) => return true,
            Err(err) => {
                let at = err.valid_up_to();
                match rest.get(at..at + 3) {
                    Some([0xED, 0xA0..=0xBF, 0x80..=0xBF]) => rest = &rest[at + 3..],
                    _ => return false,
                }
            }
        }
    }
}

/// The container inside a possibly kept value.
fn inner(value: &mut Value) -> &mut Value {
    match value {
        Value::Shared { value, .. } => value,
        other => other,
    }
}

impl MarshalSink for ValueSink {
    type Obj = Value;
    type Error = SinkError;

    fn none(&mut self) -> Result<Value, SinkError> {
        Ok(Value::None)
    }

    fn stop_iteration(&mut self) -> Result<Value, SinkError> {
        Ok(Value::global("builtins", "StopIteration"))
    }

    fn ellipsis(&mut self) -> Result<Value, SinkError> {
        Ok(Value::global("builtins", "Ellipsis"))
    }

    fn bool(&mut self, value: bool) -> Result<Value, SinkError> {
        Ok(Value::Bool(value))
    }

    fn int(&mut self, value: i64) -> Result<Value, SinkError> {
        Ok(Value::Int(value))
    }

    fn big_int(&mut self, negative: bool, magnitude: &[u8]) -> Result<Value, SinkError> {
        let sign = if negative { Sign::Minus } else { Sign::Plus };
        Ok(Value::BigInt(BigInt::from_bytes_le(sign, magnitude)))
    }

    fn float(&mut self, value: f64) -> Result<Value, SinkError> {
        Ok(Value::Float(value))
    }

    fn complex(&mut self, real: f64, imag: f64) -> Result<Value, SinkError> {
        Ok(Value::Object(Box::new(Object::call(
            Value::global("builtins", "complex"),
            vec![Value::Float(real), Value::Float(imag)],
        ))))
    }

    fn bytes(&mut self, value: &[u8]) -> Result<Value, SinkError> {
        Ok(Value::Bytes(value.to_vec()))
    }

    fn str(&mut self, value: MarshalStr<'_>) -> Result<Value, SinkError> {
        let text = match value.kind {
            _ if value.ascii => String::from_utf8(value.bytes.to_vec()).ok(),
            StrKind::Latin1 => Some(value.bytes.iter().map(|&b| char::from(b)).collect()),
            StrKind::Utf8 => String::from_utf8(value.bytes.to_vec()).ok(),
        };
        Ok(match text {
            Some(text) => Value::Str(text),
            // A Rust string cannot hold lone surrogates; the model records
            // the call that rebuilds such a string from its bytes.
            None if surrogate_utf8(value.bytes) => Value::Object(Box::new(Object::call(
                Value::global("codecs", "decode"),
                vec![
                    Value::Bytes(value.bytes.to_vec()),
                    Value::str("utf-8"),
                    Value::str("surrogatepass"),
                ],
            ))),
            None => return Err(SinkError::InvalidUtf8),
        })
    }

    fn tuple(&mut self, len: usize) -> Result<Value, SinkError> {
        Ok(Value::Tuple(Vec::with_capacity(len)))
    }

    fn tuple_set(&mut self, tuple: &mut Value, _index: usize, item: Value) {
        if let Value::Tuple(items) = inner(tuple) {
            items.push(item);
        }
    }

    fn list(&mut self, len: usize) -> Result<Value, SinkError> {
        Ok(Value::List(Vec::with_capacity(len)))
    }

    fn list_set(&mut self, list: &mut Value, _index: usize, item: Value) {
        if let Value::List(items) = inner(list) {
            items.push(item);
        }
    }

    fn dict(&mut self) -> Result<Value, SinkError> {
        Ok(Value::Dict(Vec::new()))
    }

    fn dict_set(&mut self, dict: &mut Value, key: Value, value: Value) -> Result<(), SinkError> {
        // Keys are kept as the stream has them: writers never repeat
        // one, and looking for repeats would cost a scan per key.
        if let Value::Dict(entries) = inner(dict) {
            entries.push((key, value));
        }
        Ok(())
    }

    fn set(&mut self, len: usize) -> Result<Value, SinkError> {
        Ok(Value::Set(Vec::with_capacity(len)))
    }

    fn set_add(&mut self, set: &mut Value, item: Value) -> Result<(), SinkError> {
        if let Value::Set(items) = inner(set) {
            items.push(item);
        }
        Ok(())
    }

    fn frozenset(&mut self, items: Vec<Value>) -> Result<Value, SinkError> {
        Ok(Value::FrozenSet(items))
    }

    fn code(&mut self, ints: CodeInts, objects: Vec<Value>) -> Result<Value, SinkError> {
        let int = |name: &str, value: i32| (Value::str(name), Value::Int(i64::from(value)));
        let mut fields = vec![
            int("co_argcount", ints.argcount),
            int("co_posonlyargcount", ints.posonlyargcount),
            int("co_kwonlyargcount", ints.kwonlyargcount),
        ];
        if ints.layout.has_nlocals() {
            fields.push(int("co_nlocals", ints.nlocals));
        }
        fields.push(int("co_stacksize", ints.stacksize));
        fields.push(int("co_flags", ints.flags));
        let names = ints.layout.object_fields();
        for (index, (name, value)) in names.iter().zip(objects).enumerate() {
            if index == CodeLayout::FIRSTLINENO_BEFORE {
                fields.push(int("co_firstlineno", ints.firstlineno));
            }
            fields.push((Value::str(*name), value));
        }
        let mut object = Object::call(Value::global("types", "CodeType"), Vec::new());
        object.state = Some(Value::Dict(fields));
        Ok(Value::Object(Box::new(object)))
    }

    fn slice(&mut self, start: Value, stop: Value, step: Value) -> Result<Value, SinkError> {
        Ok(Value::Object(Box::new(Object::call(
            Value::global("builtins", "slice"),
            vec![start, stop, step],
        ))))
    }

    fn keep(&mut self, slot: u32, obj: &mut Value) {
        let value = std::mem::replace(obj, Value::None);
        *obj = Value::Shared {
            id: slot,
            value: Box::new(value),
        };
    }

    fn fetch(&mut self, slot: u32) -> Value {
        Value::Ref(slot)
    }
}

impl ValueSink {
    /// Unwraps the kept values that nothing in the result refers to. The
    /// references are counted in the finished tree, not as they are read:
    /// a reference inside something the reader then drops (a slice with a
    /// NULL field) must not keep its target flagged, or writing the value
    /// back would flag what no reference uses.
    pub fn finish(&self, value: Value) -> Value {
        let mut referenced = HashSet::new();
        collect_refs(&value, &mut referenced);
        unwrap_unreferenced(value, &referenced)
    }
}

fn collect_refs(value: &Value, referenced: &mut HashSet<ShareId>) {
    match value {
        Value::Ref(id) => {
            referenced.insert(*id);
        }
        Value::Shared { value, .. } => collect_refs(value, referenced),
        Value::List(items) | Value::Tuple(items) | Value::Set(items) | Value::FrozenSet(items) => {
            items.iter().for_each(|item| collect_refs(item, referenced))
        }
        Value::Dict(entries) => entries.iter().for_each(|(k, v)| {
            collect_refs(k, referenced);
            collect_refs(v, referenced);
        }),
        Value::Object(object) => {
            object
                .args
                .iter()
                .for_each(|item| collect_refs(item, referenced));
            if let Some(state) = &object.state {
                collect_refs(state, referenced);
            }
        }
        _ => {}
    }
}

fn unwrap_unreferenced(value: Value, referenced: &HashSet<ShareId>) -> Value {
    let all = |items: Vec<Value>| -> Vec<Value> {
        items
            .into_iter()
            .map(|item| unwrap_unreferenced(item, referenced))
            .collect()
    };
    match value {
        Value::Shared { id, value } if !referenced.contains(&id) => {
            unwrap_unreferenced(*value, referenced)
        }
        Value::Shared { id, value } => Value::Shared {
            id,
            value: Box::new(unwrap_unreferenced(*value, referenced)),
        },
        Value::List(items) => Value::List(all(items)),
        Value::Tuple(items) => Value::Tuple(all(items)),
        Value::Set(items) => Value::Set(all(items)),
        Value::FrozenSet(items) => Value::FrozenSet(all(items)),
        Value::Dict(entries) => Value::Dict(
            entries
                .into_iter()
                .map(|(k, v)| {
                    (
                        unwrap_unreferenced(k, referenced),
                        unwrap_unreferenced(v, referenced),
                    )
                })
                .collect(),
        ),
        Value::Object(mut object) => {
            object.args = all(std::mem::take(&mut object.args));
            object.state = object
                .state
                .map(|state| unwrap_unreferenced(state, referenced));
            Value::Object(object)
        }
        other => other,
    }
}
