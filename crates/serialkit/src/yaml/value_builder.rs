//! Builds the core [`Value`] model from YAML events.
//!
//! Python tags of plain values become the model's own shapes
//! (`python/tuple` a tuple, `python/bytes` bytes, ...). Tags that name a
//! global (`python/name`, `python/module`, `python/object*`) are refused:
//! the core has no allowlist, and a conversion must not turn untrusted YAML
//! into a pickle that imports and calls what the document names.
//! `serialkit.yaml`'s `allow=` is where such tags are constructed.
//!
//! Aliases are the model's shared references: an anchored collection (or a
//! long string or bytes scalar) that is aliased becomes [`Value::Shared`]
//! where it is anchored and [`Value::Ref`] at each alias, a recursive one
//! included. Short scalars are copied, as they have no identity worth
//! keeping and copying them keeps equal keys equal.

use super::compose::{Builder, Collection, DuplicateKeys};
use super::resolve::Scalar;
use crate::error::{Error, Position, Result};
use crate::value::{ShareId, Value};
use std::collections::{HashMap, HashSet};

/// Scalars longer than this (in bytes) are shared rather than copied.
const SHARED_SCALAR_BYTES: usize = 64;

#[derive(Default)]
pub struct ValueBuilder {
    /// Anchors some alias referred to; other `Shared` wrappers are removed
    /// when the document ends.
    referenced: HashSet<usize>,
    /// Anchored mappings, kept for `<<` merge keys (YAML 1.1 only), with
    /// the shared nodes inside them turned into references.
    merge_sources: HashMap<usize, Vec<(Value, Value)>>,
    keep_merge_sources: bool,
    /// Anchored mappings that were only merged, never placed.
    merged_away: HashSet<usize>,
}

impl ValueBuilder {
    pub fn new(schema: super::Schema) -> Self {
        ValueBuilder {
            keep_merge_sources: schema == super::Schema::Yaml11,
            ..ValueBuilder::default()
        }
    }

    fn share_id(anchor: usize) -> ShareId {
        // The event parser numbers anchors from 1 in a stream; a stream with
        // more than 4 billion anchors is past every size limit.
        ShareId::try_from(anchor).unwrap_or(ShareId::MAX)
    }

    /// A merge source: a mapping, or the mapping an alias refers to.
    fn merge_source(&mut self, value: Value, at: Position) -> Result<Vec<(Value, Value)>> {
        let entries = match value {
            Value::Dict(entries) => Some(entries),
            // Anchored where it is merged: its entries are copied into the
            // mapping, so a later alias to it gets a copy too (`alias`).
            Value::Shared { id, value } => match *value {
                Value::Dict(entries) => {
                    self.merged_away.insert(id as usize);
                    Some(entries)
                }
                _ => None,
            },
            Value::Ref(id) => self.merge_sources.get(&(id as usize)).cloned(),
            _ => None,
        };
        entries.ok_or_else(|| {
            Error::syntax("expected a mapping or a list of mappings for merging", at)
        })
    }

    /// Removes the `Shared` wrappers of anchors that no alias referred to.
    fn unwrap_unreferenced(&self, value: Value) -> Value {
        let again = |value| self.unwrap_unreferenced(value);
        match value {
            Value::Shared { id, value } if !self.referenced.contains(&(id as usize)) => {
                again(*value)
            }
            Value::Shared { id, value } => Value::Shared {
                id,
                value: Box::new(again(*value)),
            },
            Value::List(items) => Value::List(items.into_iter().map(again).collect()),
            Value::Tuple(items) => Value::Tuple(items.into_iter().map(again).collect()),
            Value::Set(items) => Value::Set(items.into_iter().map(again).collect()),
            Value::Dict(entries) => Value::Dict(
                entries
                    .into_iter()
                    .map(|(k, v)| (again(k), again(v)))
                    .collect(),
            ),
            other => other,
        }
    }
}

/// A copy of `value` in which every `Shared` node is a `Ref` to it: what a
/// merge copies from a mapping that is already in the document.
fn as_references(value: Value) -> Value {
    match value {
        Value::Shared { id, .. } => Value::Ref(id),
        Value::List(items) => Value::List(items.into_iter().map(as_references).collect()),
        Value::Tuple(items) => Value::Tuple(items.into_iter().map(as_references).collect()),
        Value::Set(items) => Value::Set(items.into_iter().map(as_references).collect()),
        Value::Dict(entries) => Value::Dict(
            entries
                .into_iter()
                .map(|(k, v)| (as_references(k), as_references(v)))
                .collect(),
        ),
        other => other,
    }
}

/// Keys are equal when they are the same shared node (an anchored key
/// and an alias to it), or when their values are equal: an anchored key is
/// compared by its value, so `&a {}`, `&b {}` and `{}` are the same key,
/// as the writer, which drops an anchor no alias uses, would make them.
/// An alias is known here by its anchor only, so it equals only keys of
/// the same anchor.
fn same_key(a: &Value, b: &Value) -> bool {
    let id = |value: &Value| match value {
        Value::Shared { id, .. } | Value::Ref(id) => Some(*id),
        _ => None,
    };
    if id(a).is_some() && id(a) == id(b) {
        return true;
    }
    match (unshared(a), unshared(b)) {
        (Value::Ref(_), _) | (_, Value::Ref(_)) => false,
        (a, b) => a == b,
    }
}

fn unshared(mut value: &Value) -> &Value {
    while let Value::Shared { value: inner, .. } = value {
        value = inner;
    }
    value
}

fn is_shared_when_aliased(value: &Value) -> bool {
    match value {
        Value::Str(text) => text.len() > SHARED_SCALAR_BYTES,
        Value::Bytes(bytes) => bytes.len() > SHARED_SCALAR_BYTES,
        Value::BigInt(_) | Value::List(_) | Value::Tuple(_) | Value::Dict(_) | Value::Set(_) => {
            true
        }
        _ => false,
    }
}

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
        _forward: Option<Value>,
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

    #[allow(clippy::too_many_arguments)]
    fn mapping(
        &mut self,
        tag: Collection<'_>,
        pairs: std::vec::Drain<'_, Value>,
        merges: Vec<Value>,
        duplicates: DuplicateKeys,
        keys_at: &[Position],
        _forward: Option<Value>,
        at: Position,
    ) -> Result<Value> {
        let mut entries: Vec<(Value, Value)> = Vec::with_capacity(pairs.len() / 2);
        for merge in merges {
            let sources = match merge {
                Value::List(maps) => maps.into_iter().rev().collect(),
                other => vec![other],
            };
            for source in sources {
                for (k, v) in self.merge_source(source, at)? {
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
            let policy = match entries[..own_start].iter().any(|(k, _)| same_key(k, &key)) {
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

    /// The model needs no stand-in object: a recursive alias is a `Ref`
    /// inside the `Shared` node its anchor becomes.
    fn forward(
        &mut self,
        anchor: usize,
        _mapping: bool,
        tag: Collection<'_>,
        at: Position,
    ) -> Result<Value> {
        if let Collection::Python(suffix) = tag {
            return Err(object_of(suffix, at));
        }
        Ok(Value::Ref(Self::share_id(anchor)))
    }

    fn anchored(&mut self, anchor: usize, node: Value) -> (Value, Value) {
        if self.keep_merge_sources {
            if let Value::Dict(entries) = &node {
                if let Value::Dict(entries) = as_references(Value::Dict(entries.clone())) {
                    self.merge_sources.insert(anchor, entries);
                }
            }
        }
        if !is_shared_when_aliased(&node) {
            return (node.clone(), node);
        }
        let id = Self::share_id(anchor);
        let placed = Value::Shared {
            id,
            value: Box::new(node),
        };
        (placed, Value::Ref(id))
    }

    fn alias(&mut self, anchor: usize, kept: &Value) -> Value {
        if self.merged_away.contains(&anchor) {
            if let Some(entries) = self.merge_sources.get(&anchor) {
                return Value::Dict(entries.clone());
            }
        }
        if matches!(kept, Value::Ref(_)) {
            self.referenced.insert(anchor);
        }
        kept.clone()
    }

    fn document(&mut self, root: Value) -> Value {
        let root = self.unwrap_unreferenced(root);
        self.referenced.clear();
        root
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
    match entries.iter().position(|(k, _)| same_key(k, &key)) {
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
