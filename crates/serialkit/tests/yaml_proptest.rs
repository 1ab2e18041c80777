//! Property tests for the YAML writer and reader on the core model: any
//! value written (every layout option) reads back equal under both schemas,
//! and no input, whole or truncated, makes the reader panic.
//!
//! Failure persistence is off so that a failing run writes no
//! `proptest-regressions/` file into the crate.

use proptest::prelude::*;
use proptest::test_runner::Config;
use serialkit::yaml::{self, LoadOptions, Schema, WriteOptions};
use serialkit::Value;

fn config() -> Config {
    Config {
        cases: 400,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Characters YAML treats specially over-represented: indicators, quotes,
/// breaks, non-printable and non-ASCII characters.
fn yaml_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => any::<char>(),
        3 => prop::char::range(' ', '~'),
        2 => prop::sample::select(vec![
            ' ', '\n', '\t', '\r', '\0', '#', ':', '-', '?', ',', '[', ']', '{', '}', '&', '*',
            '!', '|', '>', '\'', '"', '%', '@', '`', '~', '\u{85}', '\u{a0}', '\u{2028}',
            '\u{feff}', 'é', '\u{1f600}',
        ]),
    ]
}

fn yaml_string() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::collection::vec(yaml_char(), 0..14).prop_map(String::from_iter),
        1 => prop::sample::select(vec![
            "", "yes", "No", "on", "null", "~", "0777", "0o17", "0x1F", "1e3", "1_000",
            "190:20:30", "2001-12-14", ".inf", "-.NaN", "<<", "=", "---", "...", "- a", "a: b",
        ])
        .prop_map(str::to_owned),
        1 => prop::collection::vec(prop::sample::select(vec!['a', 'b', ' ', '\n']), 40..160)
            .prop_map(String::from_iter),
    ]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::None),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        any::<f64>().prop_map(Value::Float),
        yaml_string().prop_map(Value::Str),
        prop::collection::vec(any::<u8>(), 0..40).prop_map(Value::Bytes),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::List),
            prop::collection::vec((yaml_string(), inner), 0..6).prop_map(|pairs| {
                // Unique keys: duplicates are an error when reading.
                let mut seen = std::collections::HashSet::new();
                Value::Dict(
                    pairs
                        .into_iter()
                        .filter(|(k, _)| seen.insert(k.clone()))
                        .map(|(k, v)| (Value::Str(k), v))
                        .collect(),
                )
            }),
        ]
    })
}

/// Equality with NaN equal to itself.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => x == y || (x.is_nan() && y.is_nan()),
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Dict(x), Value::Dict(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((k1, v1), (k2, v2))| same(k1, k2) && same(v1, v2))
        }
        _ => a == b,
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn written_values_read_back_under_both_schemas(
        document in value(),
        indent in 2usize..6,
        width in prop::sample::select(vec![10usize, 20, 80, 1000]),
        flow in prop::sample::select(vec![Some(false), Some(true), None]),
        unicode in any::<bool>(),
    ) {
        let mut options = WriteOptions { flow, max_depth: 100, ..WriteOptions::default() };
        options.emit.indent = indent;
        options.emit.width = width;
        options.emit.allow_unicode = unicode;
        let text = yaml::to_string(std::slice::from_ref(&document), &options).unwrap();
        for schema in [Schema::Core, Schema::Yaml11] {
            let load = LoadOptions { schema, ..LoadOptions::default() };
            let back = yaml::from_slice(text.as_bytes(), &load)
                .unwrap_or_else(|err| panic!("{err}\n{text}"));
            prop_assert_eq!(back.len(), 1);
            prop_assert!(same(&back[0], &document), "{:?}\n{}\n{:?}", document, text, back[0]);
        }
    }

    #[test]
    fn no_input_makes_the_reader_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = yaml::from_slice(&bytes, &LoadOptions::default());
    }

    #[test]
    fn truncated_documents_do_not_panic(document in value(), cut in any::<prop::sample::Index>()) {
        let text = yaml::to_string(&[document], &WriteOptions { max_depth: 100, ..WriteOptions::default() }).unwrap();
        let end = cut.index(text.len() + 1);
        let _ = yaml::from_slice(&text.as_bytes()[..end], &LoadOptions::default());
    }
}
