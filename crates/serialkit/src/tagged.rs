//! A reversible, JSON-shaped spelling of everything in the data model that
//! JSON cannot hold, so that any format converts to JSON and back without
//! loss (pickle -> JSON -> pickle).
//!
//! | model | tagged form |
//! |---|---|
//! | bytes | `{"$bytes": "<base64>"}` |
//! | tuple | `{"$tuple": [...]}` |
//! | set, frozenset | `{"$set": [...]}`, `{"$frozenset": [...]}` |
//! | dict with a non-str key, or with a key starting with `$` | `{"$dict": [[key, value], ...]}` |
//! | global | `{"$global": "module:qualname"}` |
//! | object | `{"$object": {"new": callable} or {"call": callable}, plus "args", "kwargs", "state", "listitems", "dictitems" when present}` |
//! | shared node | `{"$shared": id, "$value": value}` |
//! | reference | `{"$ref": id}` |
//!
//! Because every dict with a `$` key is itself written as `{"$dict": ...}`,
//! a `$` key in tagged output always means a tag. Reading is lenient: an
//! object that is not exactly one of these shapes stays a plain dict, so
//! foreign JSON with keys such as `$schema` passes through unchanged.

use crate::value::{Construct, Object, ShareId, Value};
use std::collections::HashMap;

/// Rewrites `value` so that it uses only what JSON holds: None, bools,
/// numbers, strings, lists and dicts with string keys.
pub fn encode(value: &Value) -> Value {
    match value {
        Value::None
        | Value::Bool(_)
        | Value::Int(_)
        | Value::BigInt(_)
        | Value::Float(_)
        | Value::Str(_) => value.clone(),
        Value::Bytes(bytes) => tag("$bytes", Value::Str(base64_encode(bytes))),
        Value::List(items) => Value::List(items.iter().map(encode).collect()),
        Value::Tuple(items) => tag("$tuple", Value::List(items.iter().map(encode).collect())),
        Value::Set(items) => tag("$set", Value::List(items.iter().map(encode).collect())),
        Value::FrozenSet(items) => tag(
            "$frozenset",
            Value::List(items.iter().map(encode).collect()),
        ),
        Value::Dict(entries) => encode_dict(entries),
        Value::Global { module, qualname } => {
            tag("$global", Value::Str(format!("{module}:{qualname}")))
        }
        Value::Object(object) => tag("$object", encode_object(object)),
        Value::Shared { id, value } => Value::Dict(vec![
            (Value::str("$shared"), Value::Int(i64::from(*id))),
            (Value::str("$value"), encode(value)),
        ]),
        Value::Ref(id) => tag("$ref", Value::Int(i64::from(*id))),
    }
}

fn tag(name: &str, value: Value) -> Value {
    Value::Dict(vec![(Value::str(name), value)])
}

fn encode_pairs(entries: &[(Value, Value)]) -> Value {
    Value::List(
        entries
            .iter()
            .map(|(key, value)| Value::List(vec![encode(key), encode(value)]))
            .collect(),
    )
}

fn encode_dict(entries: &[(Value, Value)]) -> Value {
    let plain = entries
        .iter()
        .all(|(key, _)| matches!(key, Value::Str(text) if !text.starts_with('$')));
    if plain {
        Value::Dict(
            entries
                .iter()
                .map(|(key, value)| (key.clone(), encode(value)))
                .collect(),
        )
    } else {
        tag("$dict", encode_pairs(entries))
    }
}

fn encode_object(object: &Object) -> Value {
    let how = match object.construct {
        Construct::Call => "call",
        Construct::New => "new",
    };
    let mut fields = vec![(Value::str(how), encode(&object.callable))];
    if !object.args.is_empty() {
        fields.push((
            Value::str("args"),
            Value::List(object.args.iter().map(encode).collect()),
        ));
    }
    if !object.kwargs.is_empty() {
        fields.push((Value::str("kwargs"), encode_pairs(&object.kwargs)));
    }
    if let Some(state) = &object.state {
        fields.push((Value::str("state"), encode(state)));
    }
    if !object.list_items.is_empty() {
        fields.push((
            Value::str("listitems"),
            Value::List(object.list_items.iter().map(encode).collect()),
        ));
    }
    if !object.dict_items.is_empty() {
        fields.push((Value::str("dictitems"), encode_pairs(&object.dict_items)));
    }
    Value::Dict(fields)
}

/// Replaces shared immutable atoms (strs, bytes, numbers, None, bools,
/// globals) by copies of them, so that [`encode`] writes them plainly.
///
/// Picklers memoize every string, so a dict key repeated across records
/// is read as one [`Value::Shared`] and many [`Value::Ref`]s. Encoded as
/// they are, each would be a `$ref` tag, and each dict holding one a
/// `$dict` pair list. Atoms have no identity worth keeping, so they are
/// copied instead, up to `budget` bytes of copies (a str's or bytes'
/// length, a global's names, 8 for a number); atoms whose copies would
/// cross it keep their sharing, so a hostile document cannot multiply
/// its size. Mutable containers, tuples and objects always stay shared.
pub fn inline_atoms(value: Value, budget: usize) -> Value {
    let mut atoms = HashMap::new();
    count_atom_references(&value, &mut atoms);
    let mut remaining = budget;
    let mut inlined = HashMap::new();
    // Decided in first-appearance order, so that the atoms met first
    // (typically the keys of the first records) are the ones inlined.
    let mut order: Vec<(ShareId, AtomUse)> = atoms.into_iter().collect();
    order.sort_by_key(|(_, atom)| atom.first);
    for (id, atom) in order {
        let Some(value) = atom.value else { continue };
        let cost = atom_size(&value).saturating_mul(atom.references);
        if cost <= remaining {
            remaining -= cost;
            inlined.insert(id, value);
        }
    }
    if inlined.is_empty() {
        return value;
    }
    replace_atoms(value, &inlined)
}

struct AtomUse {
    /// The shared atom, or `None` when the shared value is not an atom.
    value: Option<Value>,
    references: usize,
    first: usize,
}

fn is_atom(value: &Value) -> bool {
    matches!(
        value,
        Value::None
            | Value::Bool(_)
            | Value::Int(_)
            | Value::BigInt(_)
            | Value::Float(_)
            | Value::Str(_)
            | Value::Bytes(_)
            | Value::Global { .. }
    )
}

fn atom_size(value: &Value) -> usize {
    match value {
        Value::Str(text) => text.len(),
        Value::Bytes(bytes) => bytes.len(),
        Value::BigInt(value) => value.bits().div_ceil(8).try_into().unwrap_or(usize::MAX),
        Value::Global { module, qualname } => module.len() + qualname.len(),
        _ => 8,
    }
}

/// Children of a value, in document order.
fn for_each_child<'a>(value: &'a Value, mut visit: impl FnMut(&'a Value)) {
    match value {
        Value::List(items) | Value::Tuple(items) | Value::Set(items) | Value::FrozenSet(items) => {
            items.iter().for_each(visit)
        }
        Value::Dict(pairs) => pairs.iter().for_each(|(key, value)| {
            visit(key);
            visit(value);
        }),
        Value::Object(object) => {
            visit(&object.callable);
            object.args.iter().for_each(&mut visit);
            for (key, value) in &object.kwargs {
                visit(key);
                visit(value);
            }
            if let Some(state) = &object.state {
                visit(state);
            }
            object.list_items.iter().for_each(&mut visit);
            for (key, value) in &object.dict_items {
                visit(key);
                visit(value);
            }
        }
        Value::Shared { value, .. } => visit(value),
        _ => {}
    }
}

fn count_atom_references(root: &Value, atoms: &mut HashMap<ShareId, AtomUse>) {
    // An explicit stack: documents can nest as deep as their reader allows.
    let mut pending = vec![root];
    let mut seen = 0;
    while let Some(value) = pending.pop() {
        match value {
            Value::Shared { id, value } => {
                seen += 1;
                let atom = is_atom(value).then(|| (**value).clone());
                atoms.entry(*id).or_insert(AtomUse {
                    value: atom,
                    references: 0,
                    first: seen,
                });
            }
            Value::Ref(id) => {
                if let Some(atom) = atoms.get_mut(id) {
                    atom.references += 1;
                }
            }
            _ => {}
        }
        // Pushed in reverse so that they are visited in document order.
        let mut children = Vec::new();
        for_each_child(value, |child| children.push(child));
        pending.extend(children.into_iter().rev());
    }
}

fn replace_atoms(value: Value, inlined: &HashMap<ShareId, Value>) -> Value {
    let again = |value: Value| replace_atoms(value, inlined);
    match value {
        Value::Shared { id, value } if inlined.contains_key(&id) => *value,
        Value::Ref(id) => match inlined.get(&id) {
            Some(atom) => atom.clone(),
            None => Value::Ref(id),
        },
        Value::Shared { id, value } => Value::Shared {
            id,
            value: Box::new(again(*value)),
        },
        Value::List(items) => Value::List(items.into_iter().map(again).collect()),
        Value::Tuple(items) => Value::Tuple(items.into_iter().map(again).collect()),
        Value::Set(items) => Value::Set(items.into_iter().map(again).collect()),
        Value::FrozenSet(items) => Value::FrozenSet(items.into_iter().map(again).collect()),
        Value::Dict(pairs) => Value::Dict(replace_pairs(pairs, inlined)),
        Value::Object(object) => {
            let object = *object;
            Value::Object(Box::new(Object {
                construct: object.construct,
                callable: again(object.callable),
                args: object.args.into_iter().map(again).collect(),
                kwargs: replace_pairs(object.kwargs, inlined),
                state: object.state.map(again),
                list_items: object.list_items.into_iter().map(again).collect(),
                dict_items: replace_pairs(object.dict_items, inlined),
            }))
        }
        other => other,
    }
}

fn replace_pairs(
    pairs: Vec<(Value, Value)>,
    inlined: &HashMap<ShareId, Value>,
) -> Vec<(Value, Value)> {
    pairs
        .into_iter()
        .map(|(key, value)| (replace_atoms(key, inlined), replace_atoms(value, inlined)))
        .collect()
}

/// Undoes [`encode`]. Objects that are not exactly a tag's shape are kept
/// as plain dicts.
pub fn decode(value: Value) -> Value {
    match value {
        Value::List(items) => Value::List(items.into_iter().map(decode).collect()),
        Value::Dict(entries) => decode_dict(entries),
        other => other,
    }
}

fn decode_dict(entries: Vec<(Value, Value)>) -> Value {
    match decode_tag(&entries) {
        Some(value) => value,
        None => Value::Dict(
            entries
                .into_iter()
                .map(|(key, value)| (key, decode(value)))
                .collect(),
        ),
    }
}

fn as_list(value: &Value) -> Option<Vec<Value>> {
    match value {
        Value::List(items) => Some(items.iter().cloned().map(decode).collect()),
        _ => None,
    }
}

fn as_pairs(value: &Value) -> Option<Vec<(Value, Value)>> {
    let Value::List(items) = value else {
        return None;
    };
    items
        .iter()
        .map(|item| match item {
            Value::List(pair) if pair.len() == 2 => {
                Some((decode(pair[0].clone()), decode(pair[1].clone())))
            }
            _ => None,
        })
        .collect()
}

fn as_id(value: &Value) -> Option<u32> {
    match value {
        Value::Int(id) => u32::try_from(*id).ok(),
        _ => None,
    }
}

fn decode_tag(entries: &[(Value, Value)]) -> Option<Value> {
    let key = |index: usize| match entries.get(index) {
        Some((Value::Str(text), _)) => Some(text.as_str()),
        _ => None,
    };
    match (entries.len(), key(0)?) {
        (2, "$shared") if key(1) == Some("$value") => Some(Value::Shared {
            id: as_id(&entries[0].1)?,
            value: Box::new(decode(entries[1].1.clone())),
        }),
        (1, name) => {
            let inner = &entries[0].1;
            match name {
                "$bytes" => match inner {
                    Value::Str(text) => base64_decode(text).map(Value::Bytes),
                    _ => None,
                },
                "$tuple" => as_list(inner).map(Value::Tuple),
                "$set" => as_list(inner).map(Value::Set),
                "$frozenset" => as_list(inner).map(Value::FrozenSet),
                "$dict" => as_pairs(inner).map(Value::Dict),
                "$global" => match inner {
                    Value::Str(text) => {
                        let (module, qualname) = text.split_once(':')?;
                        Some(Value::global(module, qualname))
                    }
                    _ => None,
                },
                "$object" => decode_object(inner),
                "$ref" => as_id(inner).map(Value::Ref),
                _ => None,
            }
        }
        _ => None,
    }
}

fn decode_object(fields: &Value) -> Option<Value> {
    let Value::Dict(fields) = fields else {
        return None;
    };
    let mut object = Object::call(Value::None, Vec::new());
    let mut callable = None;
    for (key, value) in fields {
        let Value::Str(key) = key else { return None };
        match key.as_str() {
            "call" | "new" if callable.is_none() => {
                object.construct = if key == "new" {
                    Construct::New
                } else {
                    Construct::Call
                };
                callable = Some(decode(value.clone()));
            }
            "args" => object.args = as_list(value)?,
            "kwargs" => object.kwargs = as_pairs(value)?,
            "state" => object.state = Some(decode(value.clone())),
            "listitems" => object.list_items = as_list(value)?,
            "dictitems" => object.dict_items = as_pairs(value)?,
            _ => return None,
        }
    }
    object.callable = callable?;
    Some(Value::Object(Box::new(object)))
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub(crate) fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let word = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        for index in 0..4 {
            if index <= chunk.len() {
                out.push(BASE64[(word >> (18 - 6 * index) & 0x3F) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub(crate) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.as_bytes();
    if text.len() % 4 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    for chunk in text.chunks(4) {
        let padding = chunk.iter().rev().take_while(|&&b| b == b'=').count();
        if padding > 2 {
            return None;
        }
        let mut word = 0u32;
        for &byte in &chunk[..4 - padding] {
            let digit = BASE64.iter().position(|&d| d == byte)? as u32;
            word = word << 6 | digit;
        }
        word <<= 6 * padding as u32;
        let decoded = [(word >> 16) as u8, (word >> 8) as u8, word as u8];
        out.extend_from_slice(&decoded[..3 - padding]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_kind() -> Value {
        let mut object = Object::call(Value::global("collections", "OrderedDict"), vec![]);
        object.construct = Construct::New;
        object.args = vec![Value::Int(1)];
        object.kwargs = vec![(Value::str("k"), Value::None)];
        object.state = Some(Value::Dict(vec![(
            Value::str("x"),
            Value::Bytes(vec![0, 255]),
        )]));
        object.list_items = vec![Value::Float(1.5)];
        object.dict_items = vec![(Value::Int(3), Value::str("three"))];
        Value::List(vec![
            Value::Bytes(b"any\xffbytes".to_vec()),
            Value::Tuple(vec![Value::Int(1), Value::Tuple(vec![])]),
            Value::Set(vec![Value::Int(2)]),
            Value::FrozenSet(vec![]),
            Value::Dict(vec![
                (Value::Int(1), Value::str("int key")),
                (Value::None, Value::Bool(true)),
            ]),
            Value::Dict(vec![(
                Value::str("$ref"),
                Value::str("a real key that looks like a tag"),
            )]),
            Value::Dict(vec![(Value::str("plain"), Value::List(vec![]))]),
            Value::global("os.path", "join"),
            Value::Object(Box::new(object)),
            Value::Shared {
                id: 7,
                value: Box::new(Value::List(vec![Value::Ref(7)])),
            },
            Value::Ref(7),
        ])
    }

    #[test]
    fn decode_undoes_encode_for_every_kind() {
        let value = every_kind();
        let encoded = encode(&value);
        assert_eq!(decode(encoded), value);
    }

    #[test]
    fn tagged_output_is_plain_json_and_survives_a_json_round_trip() {
        let encoded = encode(&every_kind());
        let text = crate::json::to_vec(&encoded, &crate::json::WriteOptions::default()).unwrap();
        let reread = crate::json::from_slice(&text, &crate::Limits::default()).unwrap();
        assert_eq!(decode(reread), every_kind());
        let text = String::from_utf8(text).unwrap();
        assert!(text.contains(r#"{"$global": "os.path:join"}"#), "{text}");
        assert!(text.contains(r#"{"$bytes": "YW55/2J5dGVz"}"#), "{text}");
    }

    #[test]
    fn foreign_dollar_keys_stay_plain() {
        let schema =
            crate::json::from_str(r##"{"$schema": "x", "$ref": "#/a", "$bytes": 5}"##).unwrap();
        assert_eq!(decode(schema.clone()), schema);
    }

    #[test]
    fn shared_atoms_are_inlined_within_the_budget() {
        let shared = |id, value| Value::Shared {
            id,
            value: Box::new(value),
        };
        let record = |key: Value, value| Value::Dict(vec![(key, value)]);
        let value = Value::List(vec![
            record(shared(0, Value::str("name")), Value::Int(1)),
            record(Value::Ref(0), Value::Int(2)),
            shared(1, Value::List(vec![Value::Ref(1)])),
            shared(2, Value::str("long text")),
            Value::Ref(2),
            Value::Ref(2),
        ]);
        let inlined = inline_atoms(value.clone(), 1024);
        let name_record = |n| record(Value::str("name"), Value::Int(n));
        assert_eq!(
            inlined,
            Value::List(vec![
                name_record(1),
                name_record(2),
                shared(1, Value::List(vec![Value::Ref(1)])),
                Value::str("long text"),
                Value::str("long text"),
                Value::str("long text"),
            ])
        );
        // "name" costs 4 bytes for its one copy; "long text" would cost 18.
        let partly = inline_atoms(value.clone(), 10);
        let Value::List(items) = &partly else {
            panic!("not a list")
        };
        assert_eq!(items[1], name_record(2));
        assert_eq!(items[3], shared(2, Value::str("long text")));
        assert_eq!(items[4], Value::Ref(2));
        assert_eq!(inline_atoms(value.clone(), 0), value);
        assert!(free_of_tags(&encode(&inlined)));
    }

    /// Whether no dict key but `$shared`, `$value` and `$ref` is a tag.
    fn free_of_tags(value: &Value) -> bool {
        match value {
            Value::List(items) => items.iter().all(free_of_tags),
            Value::Dict(pairs) => pairs.iter().all(|(key, value)| {
                let tag = matches!(key, Value::Str(text) if text.starts_with('$')
                    && !matches!(text.as_str(), "$shared" | "$value" | "$ref"));
                !tag && free_of_tags(value)
            }),
            _ => true,
        }
    }

    #[test]
    fn base64_matches_the_standard_alphabet_with_padding() {
        for (raw, text) in [
            (&b""[..], ""),
            (b"f", "Zg=="),
            (b"fo", "Zm8="),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg=="),
        ] {
            assert_eq!(base64_encode(raw), text);
            assert_eq!(base64_decode(text).as_deref(), Some(raw));
        }
        assert_eq!(base64_decode("Zg="), None);
        assert_eq!(base64_decode("Z!=="), None);
    }
}
