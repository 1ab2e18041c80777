use super::*;
use crate::value::Value;

fn read(text: &str) -> Result<Value> {
    from_slice(text.as_bytes(), &ReadOptions::default())
}

fn s(text: &str) -> Value {
    Value::Str(text.into())
}

fn dict(pairs: Vec<(&str, Value)>) -> Value {
    Value::Dict(pairs.into_iter().map(|(k, v)| (s(k), v)).collect())
}

#[test]
fn reads_the_xmltodict_shape() {
    let value = read("<a x=\"1\"><b>one</b><b>two</b><c/>tail</a>").unwrap();
    assert_eq!(
        value,
        dict(vec![(
            "a",
            dict(vec![
                ("@x", s("1")),
                ("b", Value::List(vec![s("one"), s("two")])),
                ("c", Value::None),
                ("#text", s("tail")),
            ])
        )])
    );
}

#[test]
fn entities_and_line_ends() {
    let value = read("<a t=\"x\r\ny&#10;\">&lt;&#x41;&amp;<![CDATA[<b>]]>\r\n!</a>").unwrap();
    assert_eq!(
        value,
        dict(vec![(
            "a",
            dict(vec![("@t", s("x y\n")), ("#text", s("<A&<b>\n!"))])
        )])
    );
}

#[test]
fn malformed_documents_fail_with_a_position() {
    for (text, message) in [
        ("<a><b></a>", "mismatched tag"),
        ("<a>", "no element found"),
        ("<a/><b/>", "junk after document element"),
        ("<a>&nope;</a>", "undefined entity"),
        ("", "no element found"),
    ] {
        let err = read(text).unwrap_err();
        assert!(err.to_string().contains(message), "{text}: {err}");
        assert!(err.position().is_some(), "{text}");
    }
}

#[test]
fn entity_declarations_are_refused_by_default() {
    let err = read("<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>").unwrap_err();
    assert!(err.to_string().contains("entities are disabled"), "{err}");
    let err = read("<!DOCTYPE a SYSTEM \"http://example.com/a.dtd\"><a/>").unwrap_err();
    assert!(err.to_string().contains("external"), "{err}");
}

#[test]
fn billion_laughs_hits_the_expansion_budget() {
    let mut doc = String::from("<!DOCTYPE lolz [<!ENTITY lol \"lol\">");
    for level in 1..10 {
        let previous = if level == 1 {
            "lol".to_owned()
        } else {
            format!("lol{}", level - 1)
        };
        doc.push_str(&format!(
            "<!ENTITY lol{level} \"{}\">",
            format!("&{previous};").repeat(10)
        ));
    }
    doc.push_str("]><lolz>&lol9;</lolz>");
    let options = ReadOptions {
        disable_entities: false,
        ..ReadOptions::default()
    };
    let err = from_slice(doc.as_bytes(), &options).unwrap_err();
    assert!(
        matches!(err.kind(), crate::ErrorKind::Limit { .. }),
        "{err}"
    );
}

#[test]
fn internal_entities_expand_when_allowed() {
    let options = ReadOptions {
        disable_entities: false,
        ..ReadOptions::default()
    };
    let doc =
        "<!DOCTYPE a [<!ENTITY who \"world\"><!ENTITY hi \"hello &who;\">]><a v=\"&hi;\">&hi;!</a>";
    let value = from_slice(doc.as_bytes(), &options).unwrap();
    assert_eq!(
        value,
        dict(vec![(
            "a",
            dict(vec![("@v", s("hello world")), ("#text", s("hello world!"))])
        )])
    );
}

#[test]
fn namespaces_resolve_as_expat_does() {
    let options = ReadOptions {
        process_namespaces: true,
        ..ReadOptions::default()
    };
    let doc = "<r xmlns=\"urn:d\" xmlns:p=\"urn:p\"><p:x p:y=\"1\" z=\"2\"/></r>";
    let value = from_slice(doc.as_bytes(), &options).unwrap();
    assert_eq!(
        value,
        dict(vec![(
            "urn:d:r",
            dict(vec![(
                "urn:p:x",
                dict(vec![("@urn:p:y", s("1")), ("@z", s("2"))])
            )])
        )])
    );
}

#[test]
fn depth_is_limited() {
    let mut options = ReadOptions::default();
    options.limits.max_depth = 10;
    let doc = "<a>".repeat(11) + &"</a>".repeat(11);
    let err = from_slice(doc.as_bytes(), &options).unwrap_err();
    assert!(matches!(err.kind(), crate::ErrorKind::Limit { .. }));
}

#[test]
fn shaped_data_is_written_as_xmltodict_does() {
    let value = dict(vec![(
        "a",
        dict(vec![
            ("@x", s("1 \"2\"")),
            ("b", Value::List(vec![s("x<y"), Value::None])),
            ("#text", s("t")),
        ]),
    )]);
    let text = to_string(&value, &write::WriteOptions::default()).unwrap();
    assert_eq!(
        text,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<a x='1 \"2\"'><b>x&lt;y</b><b></b>t</a>"
    );
    assert_eq!(read(&text).unwrap(), value);
}

#[test]
fn other_data_round_trips_through_the_typed_form() {
    let value = dict(vec![
        ("name", s("Alice")),
        ("age", Value::Int(30)),
        ("ratio", Value::Float(0.5)),
        ("ok", Value::Bool(true)),
        ("none", Value::None),
        ("empty", Value::List(vec![])),
        ("one", Value::List(vec![s("x")])),
        (
            "nested",
            Value::List(vec![Value::List(vec![Value::Int(1)])]),
        ),
        ("first name", s("Al")),
        ("d", dict(vec![])),
    ]);
    for indent in [None, Some("  ".to_owned())] {
        let text = to_string(&value, &write::WriteOptions { indent }).unwrap();
        assert!(text.contains(typed::NAMESPACE));
        assert_eq!(read(&text).unwrap(), value);
    }
}

/// Regression: strings and keys with characters XML cannot carry were
/// written raw, so the document did not parse back.
#[test]
fn characters_xml_cannot_carry_round_trip_as_base64() {
    let value = dict(vec![
        ("a", s("\u{1}")),
        ("b", s("nul \u{0} and \u{ffff}")),
        ("c", Value::List(vec![s("tab\tok"), s("\u{1b}[31m")])),
        ("key \u{8}", s("fine")),
    ]);
    for indent in [None, Some("  ".to_owned())] {
        let text = to_string(&value, &write::WriteOptions { indent }).unwrap();
        assert!(text.contains("str-base64"), "{text}");
        assert!(text.contains("sk:key-base64"), "{text}");
        assert!(!text.contains('\u{1}') && !text.contains('\u{0}'), "{text}");
        assert_eq!(read(&text).unwrap(), value);
    }
    // Text XML can hold stays readable.
    let plain = dict(vec![("r", dict(vec![("t", s("tab\tline\nend"))]))]);
    let text = to_string(&plain, &write::WriteOptions { indent: None }).unwrap();
    assert!(!text.contains("base64"), "{text}");
}

fn with_entities(text: &str) -> Result<Value> {
    let options = ReadOptions {
        disable_entities: false,
        ..ReadOptions::default()
    };
    from_slice(text.as_bytes(), &options)
}

#[test]
fn markup_in_entities_becomes_elements() {
    let doc = "<!DOCTYPE a [<!ENTITY b \"<b k='1'>x</b>\"><!ENTITY c \"&#60;c/>&b;\">]><a>&c;t</a>";
    assert_eq!(
        with_entities(doc).unwrap(),
        dict(vec![(
            "a",
            dict(vec![
                ("c", Value::None),
                ("b", dict(vec![("@k", s("1")), ("#text", s("x"))])),
                ("#text", s("t")),
            ])
        )])
    );
}

#[test]
fn unbalanced_and_recursive_entities_are_errors() {
    for (doc, message) in [
        (
            "<!DOCTYPE a [<!ENTITY e \"<b>\">]><a>&e;</b></a>",
            "asynchronous entity",
        ),
        (
            "<!DOCTYPE a [<!ENTITY e \"</a>\">]><a>&e;",
            "asynchronous entity",
        ),
        (
            "<!DOCTYPE a [<!ENTITY e \"<b>&e;</b>\">]><a>&e;</a>",
            "recursive entity reference",
        ),
        (
            "<!DOCTYPE a [<!ENTITY e \"<b/>\">]><a k=\"&e;\"/>",
            "not well-formed",
        ),
    ] {
        let err = with_entities(doc).unwrap_err();
        assert!(err.to_string().contains(message), "{doc}: {err}");
        assert!(err.position().is_some(), "{doc}");
    }
}

#[test]
fn declaration_versions_follow_the_chosen_rule() {
    let with = |versions| ReadOptions {
        versions,
        ..ReadOptions::default()
    };
    let cases: [(&str, [bool; 3]); 9] = [
        // version, accepted by [Any, NonEmpty, VersionNum]
        ("1.0", [true, true, true]),
        ("1.1", [true, true, true]),
        ("1.01", [true, true, true]),
        ("", [true, false, false]),
        ("x", [true, true, false]),
        ("1.", [true, true, false]),
        ("2.0", [true, true, false]),
        ("1.0.0", [true, true, false]),
        ("1.x", [true, true, false]),
    ];
    let rules = [
        VersionRule::Any,
        VersionRule::NonEmpty,
        VersionRule::VersionNum,
    ];
    for (version, accepted) in cases {
        let text = format!("<?xml version=\"{version}\" standalone=\"maybe\"?><r/>");
        let plain = format!("<?xml version=\"{version}\"?><r/>");
        for (rule, ok) in rules.into_iter().zip(accepted) {
            let result = from_slice(plain.as_bytes(), &with(rule));
            assert_eq!(result.is_ok(), ok, "{version:?} under {rule:?}");
            // A refused version is the first fault, before standalone's,
            // and both are reported at the start of their value (columns
            // count from 1 here).
            let error = from_slice(text.as_bytes(), &with(rule)).unwrap_err();
            let expected_column = if ok { 30 + version.len() } else { 16 };
            assert!(
                error
                    .to_string()
                    .contains(&format!("column {expected_column}")),
                "{version:?} under {rule:?}: {error}"
            );
        }
    }
}
