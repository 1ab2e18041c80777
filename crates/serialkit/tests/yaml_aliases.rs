//! Aliases in the core model: shared references, never copies; recursive
//! nodes; the expansion budget's rule.

use serialkit::yaml::{self, DuplicateKeys, LoadOptions, Schema, WriteOptions};
use serialkit::{ErrorKind, Limits, Value};

fn load(text: &str) -> Value {
    let mut documents = yaml::from_str(text).unwrap();
    assert_eq!(documents.len(), 1);
    documents.pop().unwrap()
}

fn list(items: Vec<Value>) -> Value {
    Value::List(items)
}

#[test]
fn recursive_aliases_are_cycles_of_shared_references() {
    let Value::Shared { id, value } = load("&a [*a]") else {
        panic!("a shared root");
    };
    assert_eq!(*value, list(vec![Value::Ref(id)]));
    let Value::Shared { id, value } = load("&a {x: *a}") else {
        panic!("a shared root");
    };
    assert_eq!(*value, Value::Dict(vec![(Value::str("x"), Value::Ref(id))]));
}

#[test]
fn aliases_share_instead_of_copying() {
    let value = load("a: &a [1, 2]\nb: *a\nc: &unused [3]\nd: &s short\ne: *s\n");
    let Value::Dict(entries) = value else {
        panic!("a dict");
    };
    let Value::Shared { id, .. } = &entries[0].1 else {
        panic!("the anchored list is shared: {entries:?}");
    };
    assert_eq!(entries[1].1, Value::Ref(*id));
    // Anchors nothing refers to, and short scalars, stay plain.
    assert_eq!(entries[2].1, list(vec![Value::Int(3)]));
    assert_eq!(entries[4].1, Value::str("short"));
}

#[test]
fn writing_shared_data_gives_anchors_that_read_back_equal() {
    for text in ["&a [*a, [*a]]\n", "a: &a {k: 1}\nb: *a\nc: &c [*c, *a]\n"] {
        let value = load(text);
        let written =
            yaml::to_string(std::slice::from_ref(&value), &WriteOptions::default()).unwrap();
        assert_eq!(load(&written), value, "{written}");
    }
}

#[test]
fn expand_shared_copies_and_refuses_cycles() {
    let value = load("a: &a {k: [1, 2]}\nb: *a\n").expand_shared().unwrap();
    let expected = Value::Dict(vec![(
        Value::str("k"),
        list(vec![Value::Int(1), Value::Int(2)]),
    )]);
    assert_eq!(
        value,
        Value::Dict(vec![
            (Value::str("a"), expected.clone()),
            (Value::str("b"), expected),
        ])
    );
    assert!(load("&a [*a]").expand_shared().is_err());
}

#[test]
fn an_alias_to_an_anchored_key_is_a_duplicate() {
    let err = yaml::from_str("{&a [x]: 1, *a : 2}").unwrap_err();
    assert!(err.to_string().contains("duplicate"), "{err}");
}

#[test]
fn merge_keys_through_aliases() {
    let options = LoadOptions {
        schema: Schema::Yaml11,
        duplicate_keys: DuplicateKeys::LastWins,
        ..LoadOptions::default()
    };
    let text = "base: &b {x: 1, y: &y [2]}\nd:\n  <<: *b\n  x: 3\ne: *y\n";
    let value = yaml::from_slice(text.as_bytes(), &options)
        .unwrap()
        .pop()
        .unwrap()
        .expand_shared()
        .unwrap();
    let Value::Dict(entries) = value else {
        panic!("a dict")
    };
    assert_eq!(
        entries[1].1,
        Value::Dict(vec![
            (Value::str("x"), Value::Int(3)),
            (Value::str("y"), list(vec![Value::Int(2)])),
        ])
    );
    assert_eq!(entries[2].1, list(vec![Value::Int(2)]));
}

fn nested_aliases(levels: usize, width: usize) -> String {
    let mut text = format!("l0: &l0 [{}]\n", vec!["x"; width].join(", "));
    for level in 1..levels {
        let aliases = vec![format!("*l{}", level - 1); width].join(", ");
        text.push_str(&format!("l{level}: &l{level} [{aliases}]\n"));
    }
    text
}

fn is_expansion_limit(err: &serialkit::Error) -> bool {
    matches!(err.kind(), ErrorKind::Limit { .. }) && err.to_string().contains("alias expansion")
}

#[test]
fn billion_laughs_fails_fast() {
    let err = yaml::from_str(&nested_aliases(10, 9)).unwrap_err();
    assert!(is_expansion_limit(&err), "{err}");
}

#[test]
fn the_budget_is_a_floor_and_a_ratio_to_what_is_built() {
    // 200,001 nodes aliased five times: past the default floor, but six
    // times what is built.
    let mut text = String::from("base: &b\n");
    for i in 0..200_000 {
        text.push_str(&format!("  - {i}\n"));
    }
    for j in 0..5 {
        text.push_str(&format!("copy{j}: *b\n"));
    }
    assert!(yaml::from_str(&text).is_ok());
    // 4 levels of 10: about 40 nodes built, 11,110 expanded.
    let small_floor = LoadOptions {
        limits: Limits {
            max_expansion: 1000,
            ..Limits::default()
        },
        ..LoadOptions::default()
    };
    let text = nested_aliases(4, 10);
    assert!(yaml::from_str(&text).is_ok());
    let err = yaml::from_slice(text.as_bytes(), &small_floor).unwrap_err();
    assert!(is_expansion_limit(&err), "{err}");
}

#[test]
fn aliases_to_long_strings_are_charged_by_length() {
    // 900 aliases to a 1 MB string: under the node floor if each alias
    // counted one node, but copying them would write 900 MB.
    let mut text = format!("a: &a {}\nb: [", "x".repeat(1 << 20));
    text.push_str(&vec!["*a"; 900].join(", "));
    text.push_str("]\n");
    let err = yaml::from_str(&text).unwrap_err();
    assert!(is_expansion_limit(&err), "{err}");
    // A few aliases to it are fine.
    let text = format!("a: &a {}\nb: [*a, *a, *a]\n", "x".repeat(1 << 20));
    assert!(yaml::from_str(&text).is_ok());
}
