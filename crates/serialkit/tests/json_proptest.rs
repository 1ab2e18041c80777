//! Property tests for the JSON reader and writer: values round-trip through
//! both writer styles, float reprs read back exactly, and no input, whole or
//! truncated, makes the reader panic.
//!
//! Failure persistence is off so that a failing run writes no
//! `proptest-regressions/` file into the crate; a failure prints its
//! minimal case, which belongs in a plain `#[test]` below once found.

use proptest::prelude::*;
use proptest::test_runner::Config;
use serialkit::json::{from_slice, to_vec, WriteOptions};
use serialkit::number::python_float_repr;
use serialkit::{Limits, Value};

fn config() -> Config {
    Config {
        failure_persistence: None,
        ..Config::default()
    }
}

/// Characters that stress the escaper: anything at all, with control
/// characters, quotes, backslashes and astral characters (written as
/// surrogate pairs under `ensure_ascii`) over-represented.
fn json_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => any::<char>(),
        2 => (0u32..0x20).prop_map(|c| char::from_u32(c).unwrap()),
        1 => prop::sample::select(vec![
            '"', '\\', '/', '\u{7f}', '\u{80}', '\u{ff}', '\u{2028}', '\u{fffd}', '\u{ffff}',
            '\u{10000}', '\u{1f600}', '\u{10ffff}', 'é',
        ]),
        2 => prop::char::range(' ', '~'),
    ]
}

fn json_string() -> impl Strategy<Value = String> {
    prop::collection::vec(json_char(), 0..12).prop_map(String::from_iter)
}

fn finite_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>().prop_filter("finite", |f| f.is_finite()),
        any::<u64>()
            .prop_map(f64::from_bits)
            .prop_filter("finite", |f| f.is_finite()),
        prop::sample::select(vec![
            0.0,
            -0.0,
            1.0,
            0.1,
            1e16,
            1e15,
            1e-4,
            1e-5,
            5e-324,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::MIN,
            9007199254740993.0,
        ]),
    ]
}

/// Any value JSON can hold without loss: dict keys are unique strings.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::None),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        finite_f64().prop_map(Value::Float),
        json_string().prop_map(Value::Str),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::List),
            prop::collection::vec((json_string(), inner), 0..8).prop_map(|entries| {
                let mut unique: Vec<(Value, Value)> = Vec::new();
                for (key, value) in entries {
                    if !unique.iter().any(|(k, _)| *k == Value::Str(key.clone())) {
                        unique.push((Value::Str(key), value));
                    }
                }
                Value::Dict(unique)
            }),
        ]
    })
}

/// Structural equality in which floats compare by bits, so `-0.0` must come
/// back as `-0.0` and not merely as something `==` to it.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => {
            x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
        }
        (Value::List(xs), Value::List(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| same(x, y))
        }
        (Value::Dict(xs), Value::Dict(ys)) => {
            xs.len() == ys.len()
                && xs
                    .iter()
                    .zip(ys)
                    .all(|((kx, vx), (ky, vy))| same(kx, ky) && same(vx, vy))
        }
        _ => a == b,
    }
}

fn writer_styles() -> Vec<(&'static str, WriteOptions)> {
    let mut ascii = WriteOptions::indented(2);
    ascii.ensure_ascii = true;
    vec![
        ("default", WriteOptions::default()),
        ("indent=2 ascii", ascii),
    ]
}

fn read(bytes: &[u8]) -> serialkit::Result<Value> {
    from_slice(bytes, &Limits::default())
}

/// Pieces that, glued at random, come close to JSON often enough to reach
/// the reader's deeper error paths.
const FRAGMENTS: &[&str] = &[
    "[",
    "]",
    "{",
    "}",
    "\"",
    "\\u",
    "\\",
    "d800",
    "dc00",
    "DBFF",
    "0",
    "1",
    "9",
    "00",
    "-",
    "+",
    "e",
    "E",
    ".",
    ",",
    ":",
    " ",
    "\t",
    "\n",
    "\r",
    "NaN",
    "Infinity",
    "-Infinity",
    "true",
    "false",
    "null",
    "\u{1}",
    "\u{7f}",
    "é",
    "😀",
    "\u{feff}",
    "\"a\"",
    "\\n",
    "\\\"",
];

fn fragments() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(FRAGMENTS), 0..40).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(config())]

    /// (a) Every value round-trips through both writer styles.
    #[test]
    fn values_round_trip(value in json_value()) {
        for (style, options) in writer_styles() {
            let written = to_vec(&value, &options).expect("JSON-representable values write");
            let text = String::from_utf8(written.clone()).expect("the writer emits UTF-8");
            if options.ensure_ascii {
                prop_assert!(text.is_ascii(), "{style}: not ASCII: {text:?}");
            }
            let reread = read(&written);
            prop_assert!(reread.is_ok(), "{style}: {text:?} does not read back: {reread:?}");
            let reread = reread.unwrap();
            prop_assert!(
                same(&value, &reread),
                "{style}: {value:?} wrote {text:?} and read back {reread:?}"
            );
        }
    }

    /// (b) Python's float repr reads back to the same bits, always shows a
    /// '.' or an 'e' (so it reads as a float, not an int), and the JSON
    /// reader accepts it as that float.
    #[test]
    fn float_repr_round_trips(value in finite_f64()) {
        let repr = python_float_repr(value);
        prop_assert!(repr.contains('.') || repr.contains('e'), "{repr}");
        let parsed: f64 = repr.parse().map_err(|err| {
            TestCaseError::fail(format!("{repr:?} does not parse: {err}"))
        })?;
        prop_assert_eq!(parsed.to_bits(), value.to_bits(), "{} read back as {:e}", repr, parsed);
        match read(repr.as_bytes()) {
            Ok(Value::Float(json)) => prop_assert_eq!(json.to_bits(), value.to_bits(), "{}", repr),
            other => prop_assert!(false, "JSON reads {repr:?} as {other:?}"),
        }
    }

    /// (c) No bytes at all make the reader panic.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = read(&bytes);
        let _ = from_slice(&bytes, &Limits { max_depth: 2, ..Limits::default() });
    }

    /// (c) Nor do arbitrary strings, nor near-JSON built from fragments.
    #[test]
    fn arbitrary_text_never_panics(text in any::<String>(), glued in fragments()) {
        let _ = read(text.as_bytes());
        let _ = read(glued.as_bytes());
        let _ = from_slice(glued.as_bytes(), &Limits { max_depth: 2, ..Limits::default() });
    }

    /// (d) Every prefix of a valid encoding reads without panicking. Prefixes
    /// of a container, string or literal are never complete documents, so
    /// for those every proper prefix is an error; a number's prefix may be a
    /// shorter number, so for numbers only the absence of a panic is checked.
    #[test]
    fn truncations_fail_cleanly(value in json_value()) {
        for (style, options) in writer_styles() {
            let written = to_vec(&value, &options).expect("JSON-representable values write");
            prop_assert!(read(&written).is_ok(), "{style}: the full encoding must read");
            let number = matches!(value, Value::Int(_) | Value::Float(_));
            for end in 0..written.len() {
                let result = read(&written[..end]);
                if !number {
                    prop_assert!(
                        result.is_err(),
                        "{style}: the prefix {:?} of {:?} read as {result:?}",
                        String::from_utf8_lossy(&written[..end]),
                        String::from_utf8_lossy(&written),
                    );
                }
            }
        }
    }
}

/// Corner cases the generators reach only by luck.
#[test]
fn fixed_round_trips() {
    let values = [
        Value::Float(-0.0),
        Value::Float(5e-324),
        Value::Int(i64::MIN),
        Value::Int(i64::MAX),
        Value::str("\u{0}\u{1f}\"\\\u{7f}\u{10ffff}"),
        Value::Dict(vec![(Value::str(""), Value::List(vec![]))]),
        Value::List(vec![Value::Dict(vec![]), Value::str("\u{d7ff}\u{e000}")]),
    ];
    for value in values {
        for (style, options) in writer_styles() {
            let written = to_vec(&value, &options).unwrap();
            let reread = read(&written).unwrap();
            assert!(same(&value, &reread), "{style}: {value:?} -> {reread:?}");
        }
    }
}
