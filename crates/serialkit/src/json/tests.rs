use super::*;
use crate::{ErrorKind, Limits, Position, Value};

fn syntax_error(input: &str) -> (String, usize) {
    let err = from_str(input).expect_err(input);
    let position = err.position().expect("syntax errors carry a position");
    (err.kind().to_string(), position.offset())
}

#[test]
fn reads_every_kind_of_value() {
    let value =
        from_str(r#" {"a": [1, -2.5, 1e3, true, false, null, "x\u00e9\ud83d\ude00"], "b": {}} "#)
            .unwrap();
    let expected = Value::Dict(vec![
        (
            Value::str("a"),
            Value::List(vec![
                Value::Int(1),
                Value::Float(-2.5),
                Value::Float(1000.0),
                Value::Bool(true),
                Value::Bool(false),
                Value::None,
                Value::str("xé😀"),
            ]),
        ),
        (Value::str("b"), Value::Dict(vec![])),
    ]);
    assert_eq!(value, expected);
}

#[test]
fn big_integers_keep_every_digit() {
    let text = "123456789012345678901234567890";
    let Value::BigInt(int) = from_str(text).unwrap() else {
        panic!("expected a big integer")
    };
    assert_eq!(int.to_string(), text);
    assert_eq!(
        from_str("-9223372036854775808").unwrap(),
        Value::Int(i64::MIN)
    );
}

#[test]
fn errors_match_cpython_messages_and_offsets() {
    let cases: &[(&str, &str, usize)] = &[
        ("", "Expecting value", 0),
        ("[1,]", "Expecting value", 3),
        (
            "{\"a\":1,}",
            "Expecting property name enclosed in double quotes",
            7,
        ),
        ("\"\\u0041", "Invalid \\uXXXX escape", 2),
        ("\"\\ud800\\u", "Invalid \\uXXXX escape", 8),
        ("[1 2]", "Expecting ',' delimiter", 3),
        ("{\"a\"", "Expecting ':' delimiter", 4),
        ("\"abc", "Unterminated string starting at", 0),
        ("\"a\u{1}\"", "Invalid control character at", 2),
        ("\"\\x\"", "Invalid \\escape", 1),
        ("1.5e", "Extra data", 3),
        ("-", "Expecting value", 0),
        ("01", "Extra data", 1),
    ];
    for &(input, message, offset) in cases {
        assert_eq!(
            syntax_error(input),
            (message.to_string(), offset),
            "{input:?}"
        );
    }
}

#[test]
fn nan_and_infinity_are_accepted_as_python_does() {
    let Value::List(items) = from_str("[NaN, Infinity, -Infinity]").unwrap() else {
        panic!()
    };
    assert!(matches!(items[0], Value::Float(f) if f.is_nan()));
    assert_eq!(items[1], Value::Float(f64::INFINITY));
    assert_eq!(items[2], Value::Float(f64::NEG_INFINITY));
}

#[test]
fn depth_limit_is_enforced_and_configurable() {
    let deep = "[".repeat(50) + &"]".repeat(50);
    let limits = Limits {
        max_depth: 10,
        ..Limits::default()
    };
    let err = from_slice(deep.as_bytes(), &limits).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Limit { limit: 10, .. }));
    assert_eq!(err.position(), Some(Position::in_text(deep.as_bytes(), 10)));
    assert!(from_slice(deep.as_bytes(), &Limits::default()).is_ok());
    let very_deep = "[".repeat(100_000);
    assert!(from_str(&very_deep).is_err());
}

#[test]
fn input_size_limit_is_enforced() {
    let limits = Limits {
        max_input_bytes: 4,
        ..Limits::default()
    };
    assert!(from_slice(b"[1, 2]", &limits).is_err());
    assert!(from_slice(b"[1]", &limits).is_ok());
}

#[test]
fn lone_surrogates_are_refused_by_the_core_model() {
    assert!(matches!(
        from_str(r#""\ud800""#).unwrap_err().kind(),
        ErrorKind::Unsupported(_)
    ));
}

#[test]
fn invalid_utf8_is_reported_with_its_position() {
    let err = from_slice(b"[\"a\xff\"]", &Limits::default()).unwrap_err();
    assert_eq!(err.position().map(|p| p.offset()), Some(3));
}

#[test]
fn writes_like_python_json_dumps() {
    let value = from_str(r#"{"b": [1, 2.0, 1e16, "é"], "a": {}, "c": []}"#).unwrap();
    let compact = to_vec(&value, &WriteOptions::default()).unwrap();
    assert_eq!(
        String::from_utf8(compact).unwrap(),
        r#"{"b": [1, 2.0, 1e+16, "é"], "a": {}, "c": []}"#
    );
    let mut options = WriteOptions::indented(2);
    options.sort_keys = true;
    options.ensure_ascii = true;
    let pretty = String::from_utf8(to_vec(&value, &options).unwrap()).unwrap();
    assert_eq!(
        pretty,
        "{\n  \"a\": {},\n  \"b\": [\n    1,\n    2.0,\n    1e+16,\n    \"\\u00e9\"\n  ],\n  \"c\": []\n}"
    );
}

#[test]
fn values_without_a_json_form_are_refused() {
    let err = to_vec(&Value::Bytes(vec![1]), &WriteOptions::default()).unwrap_err();
    assert!(err.to_string().contains("bytes"));
    let options = WriteOptions {
        allow_nan: false,
        ..WriteOptions::default()
    };
    assert!(to_vec(&Value::Float(f64::NAN), &options).is_err());
}

#[test]
fn registry_reads_and_writes_through_the_format_entry() {
    let options = crate::Options::default();
    let docs = (FORMAT.read)(b"[1, {\"k\": null}]", &options).unwrap();
    let out = (FORMAT.write)(&docs, &options).unwrap();
    assert_eq!(out, b"[1, {\"k\": null}]\n");
}
