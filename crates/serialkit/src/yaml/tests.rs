use super::*;
use crate::error::ErrorKind;
use crate::limits::Limits;

fn load(text: &str) -> Value {
    let mut docs = from_str(text).unwrap();
    assert_eq!(docs.len(), 1, "{text:?}");
    docs.pop().unwrap()
}

fn load11(text: &str) -> Value {
    let options = LoadOptions {
        schema: Schema::Yaml11,
        duplicate_keys: DuplicateKeys::LastWins,
        ..LoadOptions::default()
    };
    from_slice(text.as_bytes(), &options)
        .unwrap()
        .pop()
        .unwrap()
}

fn dump(value: Value, quoting: Quoting) -> String {
    let options = WriteOptions {
        sort_keys: true,
        flow: Some(false),
        quoting,
        max_depth: 100,
        ..WriteOptions::default()
    };
    to_string(&[value], &options).unwrap()
}

#[test]
fn block_mapping_and_sequence() {
    let value = load("a: 1\nb:\n  - x\n  - 2.5\n  - null\nc: {d: true}\n");
    assert_eq!(
        value,
        Value::Dict(vec![
            (Value::str("a"), Value::Int(1)),
            (
                Value::str("b"),
                Value::List(vec![Value::str("x"), Value::Float(2.5), Value::None])
            ),
            (
                Value::str("c"),
                Value::Dict(vec![(Value::str("d"), Value::Bool(true))])
            ),
        ])
    );
}

#[test]
fn schemas_differ_on_yaml11_scalars() {
    assert_eq!(load("yes"), Value::str("yes"));
    assert_eq!(load11("yes"), Value::Bool(true));
    assert_eq!(load("0777"), Value::Int(777));
    assert_eq!(load11("0777"), Value::Int(511));
}

#[test]
fn merge_keys_under_yaml11() {
    let value = load11("base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n");
    let Value::Dict(entries) = value else {
        panic!()
    };
    assert_eq!(
        entries[1].1,
        Value::Dict(vec![
            (Value::str("x"), Value::Int(1)),
            (Value::str("y"), Value::Int(3)),
        ])
    );
}

#[test]
fn duplicate_keys_are_errors_by_default() {
    let err = from_str("a: 1\na: 2\n").unwrap_err();
    assert!(err.to_string().contains("duplicate"), "{err}");
    assert!(err.position().is_some());
}

#[test]
fn billion_laughs_fails_fast() {
    let mut doc = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
    let mut previous = 'a';
    for name in 'b'..='j' {
        let aliases = vec![format!("*{previous}"); 9].join(", ");
        doc.push_str(&format!("{name}: &{name} [{aliases}]\n"));
        previous = name;
    }
    let err = from_str(&doc).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Limit { .. }), "{err}");
}

#[test]
fn depth_limit() {
    let options = LoadOptions {
        limits: Limits {
            max_depth: 10,
            ..Limits::default()
        },
        ..LoadOptions::default()
    };
    let deep = format!("{}{}", "[".repeat(11), "]".repeat(11));
    let err = from_slice(deep.as_bytes(), &options).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Limit { .. }), "{err}");
}

#[test]
fn syntax_errors_carry_line_and_column() {
    let err = from_str("a: [1, 2\nb: 3\n").unwrap_err();
    assert!(
        matches!(err.position(), Some(Position::Text { line: 2.., .. })),
        "{err:?}"
    );
}

#[test]
fn writer_follows_pyyaml_layout() {
    let value = Value::Dict(vec![
        (
            Value::str("b"),
            Value::List(vec![Value::Int(1), Value::str("yes")]),
        ),
        (
            Value::str("a"),
            Value::Dict(vec![(Value::str("c"), Value::None)]),
        ),
        (Value::str("e"), Value::List(vec![])),
    ]);
    assert_eq!(
        dump(value, Quoting::Yaml11),
        "a:\n  c: null\nb:\n- 1\n- 'yes'\ne: []\n"
    );
    assert_eq!(dump(Value::str("abc"), Quoting::Yaml11), "abc\n...\n");
    assert_eq!(dump(Value::str("0o17"), Quoting::Yaml11), "0o17\n...\n");
    assert_eq!(dump(Value::str("0o17"), Quoting::BothSchemas), "'0o17'\n");
}

#[test]
fn round_trip_through_text() {
    let value = Value::Dict(vec![
        (Value::str("text"), Value::str("line one\nline two")),
        (Value::str("float"), Value::Float(1e20)),
        (
            Value::str("list"),
            Value::List(vec![Value::Dict(vec![]), Value::str("")]),
        ),
        (Value::str("bytes"), Value::Bytes(b"\x00\xff".to_vec())),
    ]);
    let text = dump(value.clone(), Quoting::BothSchemas);
    assert_eq!(load(&text), {
        let Value::Dict(mut entries) = value else {
            unreachable!()
        };
        entries.sort_by(|a, b| format!("{:?}", a.0).cmp(&format!("{:?}", b.0)));
        Value::Dict(entries)
    });
}

#[test]
fn default_write_options_write_nested_documents() {
    let documents = from_str("--- a\n--- [1, {b: [2]}]\n").unwrap();
    let text = to_string(&documents, &WriteOptions::default()).unwrap();
    assert_eq!(text, "a\n---\n- 1\n- b:\n  - 2\n");
    assert_eq!(from_str(&text).unwrap(), documents);
}

#[test]
fn forbidden_characters_are_refused_at_their_position() {
    for (text, line, column) in [
        ("a: \u{1}", 1, 4),
        ("a: 1\nb: é\u{7f}", 2, 5),
        ("- \u{9f}", 1, 3),
        ("k: \"\u{fffe}\"", 1, 5),
    ] {
        let err = from_str(text).unwrap_err();
        assert!(err.to_string().contains("unacceptable character"), "{err}");
        let Some(Position::Text {
            line: l, column: c, ..
        }) = err.position()
        else {
            panic!("no position: {err}");
        };
        assert_eq!((l, c), (line, column), "{text:?}");
    }
    let allowed = "a: \"\t\u{85}\u{a0}\u{d7ff}\u{e000}\u{fffd}\u{10000}\"\r\n";
    assert!(from_str(allowed).is_ok());
}

#[test]
fn unknown_standard_tags_are_constructor_errors() {
    for text in ["!!foo bar", "!!foo [1]", "!!seq a", "!!str {a: 1}"] {
        let err = from_str(text).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Unsupported(_)), "{err}");
        assert!(err.position().is_some());
    }
    assert_eq!(load("!local x"), Value::str("x"));
}

#[test]
fn flow_nesting_is_capped_by_the_event_parser_as_a_depth_limit() {
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    assert!(from_str(&deep(255)).is_ok());
    let err = from_str(&deep(256)).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Limit { .. }), "{err}");
    assert!(err.to_string().contains("flow nesting"), "{err}");
    // Block nesting goes to max_depth.
    let block: String = (0..400)
        .map(|i| format!("{}- \n", "  ".repeat(i)))
        .collect();
    assert!(from_str(&block).is_ok());
}

#[test]
fn forbidden_characters_are_found_at_every_offset() {
    for bad in [
        '\u{0}', '\u{1f}', '\u{7f}', '\u{80}', '\u{9f}', '\u{fffe}', '\u{ffff}',
    ] {
        for at in 0..20 {
            let mut text: String = "é: abc\tdef\r\n# xyz \u{85}".chars().take(at).collect();
            let offset = text.len();
            text.push(bad);
            text.push_str(" tail");
            let err = check_characters(&text).unwrap_err();
            assert_eq!(err.position().map(|p| p.offset()), Some(offset), "{text:?}");
        }
    }
    assert!(check_characters("é: abc\tdef\r\n# xyz \u{85}\u{a0}\u{fffd} tail").is_ok());
}

/// Found by the yaml_read fuzz target: an anchored key no alias used was
/// not a duplicate of an equal plain key, so the mapping kept both, and
/// the written text (which drops the unused anchor) read back as one.
#[test]
fn an_anchored_key_is_a_duplicate_of_an_equal_plain_key() {
    let text = "a:\n&k {}\t:\t#c\n{}\t:\t:q \n";
    let err = from_slice(text.as_bytes(), &LoadOptions::default()).unwrap_err();
    assert!(err.to_string().contains("duplicate"), "{err}");
    let last_wins = LoadOptions {
        duplicate_keys: DuplicateKeys::LastWins,
        ..LoadOptions::default()
    };
    let documents = from_slice(text.as_bytes(), &last_wins).unwrap();
    let Value::Dict(entries) = &documents[0] else {
        panic!("{documents:?}");
    };
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(entries[1].1, Value::Str(":q".into()));
    let written = to_string(&documents, &WriteOptions::default()).unwrap();
    let again = from_slice(written.as_bytes(), &last_wins).unwrap();
    let Value::Dict(again) = &again[0] else {
        panic!("{again:?}");
    };
    assert_eq!(again.len(), 2, "{written}");
}

/// Found by the yaml_read fuzz target after the fix above: an anchor name
/// defined again makes a new anchor, and two keys anchored apart with
/// equal values are still one key.
#[test]
fn keys_anchored_apart_with_equal_values_are_duplicates() {
    let text = "&a {}: 1\n&a {}: 2\n&b x: 3\nx: 4\n";
    let err = from_slice(text.as_bytes(), &LoadOptions::default()).unwrap_err();
    assert!(err.to_string().contains("duplicate"), "{err}");
    // An alias and an equal key of another anchor cannot be told apart
    // here, and stay two keys: the writer keeps the alias, so the text
    // reads back the same.
    let aliased = "k: &a {}\n*a : 1\n&b {}: 2\n";
    let last_wins = LoadOptions {
        duplicate_keys: DuplicateKeys::LastWins,
        ..LoadOptions::default()
    };
    let documents = from_slice(aliased.as_bytes(), &last_wins).unwrap();
    let written = to_string(&documents, &WriteOptions::default()).unwrap();
    let again = from_slice(written.as_bytes(), &last_wins).expect(&written);
    let count = |docs: &[Value]| match &docs[0] {
        Value::Dict(entries) => entries.len(),
        other => panic!("{other:?}"),
    };
    assert_eq!(count(&documents), count(&again), "{written}");
}

#[test]
fn merge_and_value_keys_outside_a_key_are_constructor_errors_under_yaml11() {
    let options = LoadOptions {
        schema: Schema::Yaml11,
        ..LoadOptions::default()
    };
    for (text, tag) in [("<<", "merge"), ("a: <<", "merge"), ("[=]", "value")] {
        let err = from_slice(text.as_bytes(), &options).unwrap_err();
        assert!(
            err.to_string()
                .contains(&format!("tag 'tag:yaml.org,2002:{tag}'")),
            "{text:?}: {err}"
        );
        assert!(err.position().is_some(), "{text:?}");
    }
    // The core schema has no merge keys: `<<` is text there.
    assert_eq!(
        load("a: <<"),
        Value::Dict(vec![(Value::str("a"), Value::str("<<"))])
    );
}
