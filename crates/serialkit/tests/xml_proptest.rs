//! Property tests for the XML reader and writer: documents built from
//! XML's own pieces, and mutations of them, never make the reader panic;
//! the in-memory and streaming sources agree; whatever is read writes back
//! and reads in again as the same value.

use proptest::prelude::*;
use proptest::test_runner::Config;
use serialkit::xml::build::ShapeBuilder;
use serialkit::xml::write::WriteOptions;
use serialkit::xml::{from_slice, parse, to_string, Failure, ReadOptions, StreamSource};
use serialkit::{Limits, Value};

fn config() -> Config {
    Config {
        failure_persistence: None,
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(400),
        ..Config::default()
    }
}

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec!["a", "b", "p:c", "d-e"]).prop_map(|n| format!("<{n}>")),
        4 => prop::sample::select(vec!["a", "b", "p:c", "d-e"]).prop_map(|n| format!("</{n}>")),
        2 => prop::sample::select(vec!["<a x='1'/>", "<b y=\"&lt;\" z='\r\n'/>", "<p:c xmlns:p='urn:p' p:k='v'/>"]).prop_map(str::to_owned),
        3 => "[ -~éü€\r\n\t]{0,8}",
        1 => prop::sample::select(vec!["&amp;", "&#65;", "&#x1F600;", "&e;", "&#0;", "&"]).prop_map(str::to_owned),
        1 => prop::sample::select(vec!["<![CDATA[x<y]]>", "<!-- c -->", "<?pi x?>", "]]>"]).prop_map(str::to_owned),
        1 => prop::sample::select(vec![
            "<!DOCTYPE a [<!ENTITY e \"ee&#65;\">]>",
            "<!DOCTYPE a SYSTEM 'x.dtd'>",
            "<?xml version='1.0'?>",
        ]).prop_map(str::to_owned),
    ]
}

fn document() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..16).prop_map(|pieces| pieces.concat())
}

fn options() -> [ReadOptions; 2] {
    let limits = Limits {
        max_depth: 8,
        max_expansion: 64,
        ..Limits::default()
    };
    [
        ReadOptions {
            limits: limits.clone(),
            ..ReadOptions::default()
        },
        ReadOptions {
            disable_entities: false,
            forbid_external: false,
            process_namespaces: true,
            process_comments: true,
            limits,
            ..ReadOptions::default()
        },
    ]
}

fn check(text: &str) {
    for options in options() {
        let in_memory = from_slice(text.as_bytes(), &options);
        if let Ok(value) = &in_memory {
            round_trip(value);
        }
        if text.starts_with("<?xml") || text.starts_with("<sk:") {
            continue;
        }
        let mut builder = ShapeBuilder::default();
        let mut source = StreamSource::new(std::io::BufReader::with_capacity(5, text.as_bytes()));
        match (&in_memory, parse(&mut source, &options, &mut builder)) {
            (Ok(value), Ok(())) => assert_eq!(&builder.finish(), value, "{text:?}"),
            (Err(_), Err(Failure::Xml(_))) => {}
            (memory, stream) => panic!("{text:?}: memory {memory:?}, stream {stream:?}"),
        }
    }
}

fn round_trip(value: &Value) {
    for indent in [None, Some("  ".to_owned())] {
        let written = to_string(value, &WriteOptions { indent })
            .unwrap_or_else(|err| panic!("{value:?} must write: {err:?}"));
        let reread = from_slice(written.as_bytes(), &ReadOptions::default())
            .unwrap_or_else(|err| panic!("{written:?} must read back: {err:?}"));
        assert_eq!(&reread, value, "{written:?}");
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn generated_documents(text in document()) {
        check(&text);
    }

    #[test]
    fn wrapped_documents(text in document()) {
        check(&format!("<r>{text}</r>"));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        for options in options() {
            let _ = from_slice(&bytes, &options);
        }
    }
}
