//! Feeds arbitrary bytes to the YAML reader under both schemas. Whatever it
//! accepts must write back out and read in again as the same value.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serialkit::yaml::{from_slice, to_string, DuplicateKeys, LoadOptions, Schema, WriteOptions};
use serialkit::{Limits, Value};

fuzz_target!(|data: &[u8]| {
    for schema in [Schema::Core, Schema::Yaml11] {
        let options = LoadOptions {
            schema,
            duplicate_keys: DuplicateKeys::LastWins,
            limits: Limits {
                max_depth: 64,
                max_expansion: 10_000,
                ..Limits::default()
            },
        };
        let Ok(documents) = from_slice(data, &options) else {
            continue;
        };
        let write = WriteOptions {
            max_depth: 64,
            ..WriteOptions::default()
        };
        // Python objects (`!!python/...`) have no YAML form here.
        let Ok(text) = to_string(&documents, &write) else {
            continue;
        };
        let again = from_slice(text.as_bytes(), &options)
            .unwrap_or_else(|err| panic!("written YAML does not read back: {err}\n{text}"));
        let (documents, again) = (renumbered(documents), renumbered(again));
        assert!(
            same(&documents, &again),
            "round trip changed the data:\n{documents:?}\n{again:?}\n{text}"
        );
    }
});

/// Shared ids are anchor numbers, which writing renumbers: ids in order
/// of first appearance make both sides comparable.
fn renumbered(documents: Vec<Value>) -> Vec<Value> {
    let mut ids = std::collections::HashMap::new();
    documents
        .into_iter()
        .map(|document| renumber(document, &mut ids))
        .collect()
}

fn renumber(value: Value, ids: &mut std::collections::HashMap<u32, u32>) -> Value {
    let mut all = |items: Vec<Value>| -> Vec<Value> {
        items.into_iter().map(|item| renumber(item, ids)).collect()
    };
    match value {
        Value::Shared { id, value } => {
            let next = ids.len() as u32;
            let new = *ids.entry(id).or_insert(next);
            Value::Shared {
                id: new,
                value: Box::new(renumber(*value, ids)),
            }
        }
        Value::Ref(id) => Value::Ref(ids.get(&id).copied().unwrap_or(u32::MAX)),
        Value::List(items) => Value::List(all(items)),
        Value::Set(items) => Value::Set(all(items)),
        Value::Tuple(items) => Value::Tuple(all(items)),
        Value::Dict(entries) => Value::Dict(
            entries
                .into_iter()
                .map(|(k, v)| (renumber(k, ids), renumber(v, ids)))
                .collect(),
        ),
        other => other,
    }
}

/// Equality with NaN equal to itself.
fn same(a: &[Value], b: &[Value]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_value(x, y))
}

fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => x == y || (x.is_nan() && y.is_nan()),
        (Value::Shared { id: i, value: x }, Value::Shared { id: j, value: y }) => {
            i == j && same_value(x, y)
        }
        (Value::List(x), Value::List(y)) | (Value::Set(x), Value::Set(y)) => same(x, y),
        (Value::Dict(x), Value::Dict(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((k1, v1), (k2, v2))| same_value(k1, k2) && same_value(v1, v2))
        }
        _ => a == b,
    }
}
