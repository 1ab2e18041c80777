//! Builds the core [`Value`] model from YAML events.
//!
//! Python tags become the model's own shapes: `python/tuple` a tuple,
//! `python/name` and `python/module` globals, `python/object*` objects.
//! Nothing is resolved here; the model only records them.

use super::compose::{Builder, Collection, DuplicateKeys};
use super::resolve::Scalar;
use crate::error::{Error, Position, Result};
use crate::value::{Construct, Object, Value};

pub struct ValueBuilder;

fn split_name(name: &str) -> (String, String) {
    match name.rsplit_once('.') {
        Some((module, qualname)) => (module.to_owned(), qualname.to_owned()),
        None => ("builtins".to_owned(), name.to_owned()),
    }
}

fn python_scalar_value(suffix: &str, text: &str, at: Position) -> Result<Value> {
    let bad = || Error::syntax(format!("invalid !!python/{suffix} scalar: {text:?}"), at);
    if let Some(name) = suffix.strip_prefix("name:") {
        let (module, qualname) = split_name(name);
        return Ok(Value::Global { module, qualname });
    }
    if let Some(name) = suffix.strip_prefix("module:") {
        return Ok(Value::Global {
            module: name.to_owned(),
            qualname: String::new(),
        });
    }
    Ok(match suffix {
        "none" => Value::None,
        "str" | "unicode" => Value::Str(text.to_owned()),
        "bool" => Value::Bool(super::resolve::yaml11_bool(text).ok_or_else(bad)?),
        "int" | "long" => match super::resolve::parse_int(text, super::Schema::Yaml11) {
            Some(Scalar::Int(v)) => Value::Int(v),
            Some(Scalar::BigInt(v)) => Value::BigInt(v),
            _ => return Err(bad()),
        },
        "float" => {
            Value::Float(super::resolve::parse_float(text, super::Schema::Yaml11).ok_or_else(bad)?)
        }
        "bytes" => Value::Bytes(super::resolve::decode_base64(text).ok_or_else(bad)?),
        _ => {
            return Err(Error::unsupported(format!(
                "the tag !!python/{suffix} is not supported"
            )))
        }
    })
}

fn object_of(suffix: &str, at: Position) -> Result<(Construct, Value)> {
    let (construct, name) = if let Some(name) = suffix.strip_prefix("object/apply:") {
        (Construct::Call, name)
    } else if let Some(name) = suffix.strip_prefix("object/new:") {
        (Construct::New, name)
    } else if let Some(name) = suffix.strip_prefix("object:") {
        (Construct::New, name)
    } else {
        return Err(Error::syntax(
            format!("the tag !!python/{suffix} is not supported here"),
            at,
        ));
    };
    let (module, qualname) = split_name(name);
    Ok((construct, Value::Global { module, qualname }))
}

impl Builder for ValueBuilder {
    type Node = Value;
    type Error = Error;

    fn scalar(&mut self, value: Scalar<'_>, _is_key: bool, _at: Position) -> Result<Value> {
        Ok(match value {
            Scalar::Null => Value::None,
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Int(i) => Value::Int(i),
            Scalar::BigInt(i) => Value::BigInt(i),
            Scalar::Float(f) => Value::Float(f),
            Scalar::Str(s) => Value::Str(s.into_owned()),
            Scalar::Binary(b) => Value::Bytes(b),
            Scalar::Timestamp(t) => Value::Str(t.to_iso()),
        })
    }

    fn python_scalar(&mut self, suffix: &str, text: &str, at: Position) -> Result<Value> {
        python_scalar_value(suffix, text, at)
    }

    fn sequence(
        &mut self,
        tag: Collection<'_>,
        items: std::vec::Drain<'_, Value>,
        at: Position,
    ) -> Result<Value> {
        match tag {
            Collection::Plain | Collection::Set => Ok(Value::List(items.collect())),
            Collection::Pairs => {
                let mut pairs = Vec::new();
                for item in items {
                    match item {
                        Value::Dict(mut entries) if entries.len() == 1 => {
                            let (k, v) = entries.pop().unwrap_or((Value::None, Value::None));
                            pairs.push(Value::Tuple(vec![k, v]));
                        }
                        _ => {
                            return Err(Error::syntax(
                                "expected a mapping of length 1 in an ordered map",
                                at,
                            ))
                        }
                    }
                }
                Ok(Value::List(pairs))
            }
            Collection::Python("tuple") => Ok(Value::Tuple(items.collect())),
            Collection::Python(suffix) => {
                let (construct, callable) = object_of(suffix, at)?;
                let mut object = Object::call(callable, items.collect());
                object.construct = construct;
                Ok(Value::Object(Box::new(object)))
            }
        }
    }

    fn mapping(
        &mut self,
        tag: Collection<'_>,
        pairs: std::vec::Drain<'_, Value>,
        merges: Vec<Value>,
        duplicates: DuplicateKeys,
        keys_at: &[Position],
        at: Position,
    ) -> Result<Value> {
        let mut entries: Vec<(Value, Value)> = Vec::with_capacity(pairs.len() / 2);
        for merge in merges {
            let sources = match merge {
                Value::List(maps) => maps.into_iter().rev().collect(),
                other => vec![other],
            };
            for source in sources {
                let Value::Dict(source) = source else {
                    return Err(Error::syntax(
                        "expected a mapping or a list of mappings for merging",
                        at,
                    ));
                };
                for (k, v) in source {
                    insert(&mut entries, k, v, DuplicateKeys::LastWins, at)?;
                }
            }
        }
        let own_start = entries.len();
        let mut pairs = pairs;
        let mut index = 0;
        while let (Some(key), Some(value)) = (pairs.next(), pairs.next()) {
            // Keys merged in are overridden silently; only the mapping's own
            // keys can be duplicates.
            let policy = match entries[..own_start].iter().any(|(k, _)| *k == key) {
                true => DuplicateKeys::LastWins,
                false => duplicates,
            };
            let key_at = keys_at.get(index).copied().unwrap_or(at);
            insert(&mut entries, key, value, policy, key_at)?;
            index += 1;
        }
        Ok(match tag {
            Collection::Set => Value::Set(entries.into_iter().map(|(k, _)| k).collect()),
            Collection::Python(suffix) => {
                let (construct, callable) = object_of(suffix, at)?;
                let mut object = Object::call(callable, Vec::new());
                object.construct = construct;
                object.state = Some(Value::Dict(entries));
                Value::Object(Box::new(object))
            }
            _ => Value::Dict(entries),
        })
    }
}

fn insert(
    entries: &mut Vec<(Value, Value)>,
    key: Value,
    value: Value,
    policy: DuplicateKeys,
    at: Position,
) -> Result<()> {
    // Linear, like the mappings YAML documents hold; the core model is for
    // conversions, the Python bindings use a dict.
    match entries.iter().position(|(k, _)| *k == key) {
        Some(existing) => match policy {
            DuplicateKeys::LastWins => entries[existing].1 = value,
            DuplicateKeys::Error => {
                return Err(Error::syntax(
                    format!("found duplicate key {key:?} in a mapping"),
                    at,
                ))
            }
        },
        None => entries.push((key, value)),
    }
    Ok(())
}
