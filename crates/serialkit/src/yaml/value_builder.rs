//! Builds the core [`Value`] model from YAML events.
//!
//! Python tags of plain values become the model's own shapes
//! (`python/tuple` a tuple, `python/bytes` bytes, ...). Tags that name a
//! global (`python/name`, `python/module`, `python/object*`) are refused:
//! the core has no allowlist, and a conversion must not turn untrusted YAML
//! into a pickle that imports and calls what the document names.
//! `serialkit.yaml`'s `allow=` is where such tags are constructed.

use super::compose::{Builder, Collection, DuplicateKeys};
use super::resolve::Scalar;
use crate::error::{Error, Position, Result};
use crate::value::Value;

pub struct ValueBuilder;

/// The refusal of a tag that names a global.
fn names_a_global(suffix: &str, at: Position) -> Error {
    Error::syntax(
        format!(
            "the tag !!python/{suffix} names a Python global, which is never imported or \
             called when YAML is read without an allowlist (serialkit.yaml's allow= \
             constructs it)"
        ),
        at,
    )
}

fn python_scalar_value(suffix: &str, text: &str, at: Position) -> Result<Value> {
    let bad = || Error::syntax(format!("invalid !!python/{suffix} scalar: {text:?}"), at);
    if suffix.starts_with("name:") || suffix.starts_with("module:") {
        return Err(names_a_global(suffix, at));
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

fn object_of(suffix: &str, at: Position) -> Error {
    if suffix.starts_with("object") {
        return names_a_global(suffix, at);
    }
    Error::syntax(
        format!("the tag !!python/{suffix} is not supported here"),
        at,
    )
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
            Collection::Python(suffix) => Err(object_of(suffix, at)),
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
            Collection::Python(suffix) => return Err(object_of(suffix, at)),
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
