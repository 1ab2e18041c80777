//! Reads pickles that CPython writes, protocols 0 to 5, and compares them
//! with the values expected in the core model; then checks that every
//! truncation of them fails cleanly. python3 generates the corpus.

use num_bigint::BigInt;
use serialkit::pickle::{from_slice, from_slice_at, LoadOptions, StringEncoding};
use serialkit::{Construct, ErrorKind, Object, Position, Value};
use std::process::Command;
use std::sync::OnceLock;

const CORPUS_SCRIPT: &str = r#"
import collections, pickle

class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y

class Outer:
    class Inner:
        pass

shared = [1]
cycle = []
cycle.append(cycle)
inner_list = []
recursive_tuple = (inner_list,)
inner_list.append(recursive_tuple)
dict_cycle = {}
dict_cycle["self"] = dict_cycle

cases = {
    "none": None,
    "bools": [True, False],
    "small_ints": [0, 1, -1, 255, 256, 65535, 65536, -2**31, 2**31 - 1, 2**31, 2**63 - 1, -2**63],
    "big_pos": 2**64,
    "big_neg": -2**100,
    "floats": [0.0, -0.0, 1.5, -2.25e-300, 1e300, float("inf"), float("-inf"), float("nan")],
    "str_ascii": "hello",
    "str_unicode": "h\xe9llo \u20ac \U0001F600 \\ \n \r \x00 \x1a",
    "str_empty": "",
    "long_str": "x" * 300,
    "bytes": b"ab\x00\xff",
    "empty_bytes": b"",
    "long_bytes": b"y" * 300,
    "bytearray": bytearray(b"ab\x00"),
    "tuples": [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)],
    "list": [1, "a", None],
    "empty_list": [],
    "many": list(range(2500)),
    "dict": {"a": 1, 2: "b", None: [3]},
    "empty_dict": {},
    "big_dict": {i: -i for i in range(1500)},
    "set": {1, 2},
    "empty_set": set(),
    "frozenset": frozenset([3]),
    "empty_frozenset": frozenset(),
    "nested": {"k": [1, (2, {"x": [3.5]})]},
    "shared": [shared, shared],
    "cycle": cycle,
    "recursive_tuple": recursive_tuple,
    "dict_cycle": dict_cycle,
    "odict": collections.OrderedDict([("a", 1), ("b", 2)]),
    "point": Point(1, 2),
    "classes": [collections.OrderedDict, collections.Counter],
    "nested_class": Outer.Inner,
    "surrogate": "a\ud800",
}
for name, value in cases.items():
    for protocol in range(6):
        print(name, protocol, pickle.dumps(value, protocol=protocol).hex())
buffers = []
data = pickle.dumps(
    [pickle.PickleBuffer(b"abc"), pickle.PickleBuffer(bytearray(b"xy"))],
    protocol=5,
    buffer_callback=buffers.append,
)
print("out_of_band", 5, data.hex())
print("in_band_bytearray", 5, pickle.dumps(pickle.PickleBuffer(bytearray(b"xy")), protocol=5).hex())
"#;

struct Case {
    name: String,
    protocol: u8,
    data: Vec<u8>,
}

/// The corpus, generated once per test binary.
fn corpus() -> &'static [Case] {
    static CORPUS: OnceLock<Vec<Case>> = OnceLock::new();
    CORPUS.get_or_init(generate_corpus)
}

fn generate_corpus() -> Vec<Case> {
    let output = Command::new("python3")
        .args(["-c", CORPUS_SCRIPT])
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("ASCII output")
        .lines()
        .map(|line| {
            let mut fields = line.split(' ');
            let name = fields.next().expect("name").to_owned();
            let protocol = fields.next().expect("protocol").parse().expect("number");
            let data = decode_hex(fields.next().expect("hex"));
            Case {
                name,
                protocol,
                data,
            }
        })
        .collect()
}

fn decode_hex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&hex[at..at + 2], 16).expect("hex digit"))
        .collect()
}

fn int(value: i64) -> Value {
    Value::Int(value)
}

fn s(text: &str) -> Value {
    Value::str(text)
}

fn list(items: Vec<Value>) -> Value {
    Value::List(items)
}

fn tuple(items: Vec<Value>) -> Value {
    Value::Tuple(items)
}

fn global(module: &str, qualname: &str) -> Value {
    Value::global(module, qualname)
}

fn call(callable: Value, args: Vec<Value>) -> Value {
    Value::Object(Box::new(Object::call(callable, args)))
}

fn shared(id: u32, value: Value) -> Value {
    Value::Shared {
        id,
        value: Box::new(value),
    }
}

/// A `builtins.name(...)` call, which is how protocols below 4 write sets.
fn builtin_call(name: &str, args: Vec<Value>) -> Value {
    call(global("builtins", name), args)
}

/// Bytes as protocols 0-2 write them: `_codecs.encode(latin1_text, "latin1")`.
fn bytes_for(protocol: u8, bytes: &[u8]) -> Value {
    match (protocol, bytes.is_empty()) {
        (3.., _) => Value::Bytes(bytes.to_vec()),
        (_, true) => builtin_call("bytes", vec![]),
        (_, false) => call(
            global("_codecs", "encode"),
            vec![
                Value::Str(bytes.iter().map(|&b| char::from(b)).collect()),
                s("latin1"),
            ],
        ),
    }
}

fn expected(name: &str, protocol: u8) -> Option<Value> {
    let below4 = protocol < 4;
    Some(match name {
        "none" => Value::None,
        "bools" => list(vec![Value::Bool(true), Value::Bool(false)]),
        "small_ints" => list(
            [
                0,
                1,
                -1,
                255,
                256,
                65535,
                65536,
                -(1 << 31),
                (1 << 31) - 1,
                1 << 31,
                i64::MAX,
                i64::MIN,
            ]
            .into_iter()
            .map(int)
            .collect(),
        ),
        "big_pos" => Value::BigInt(BigInt::from(1u128 << 64)),
        "big_neg" => Value::BigInt(-BigInt::from(1u128 << 100)),
        "floats" => list(
            [
                0.0,
                -0.0,
                1.5,
                -2.25e-300,
                1e300,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NAN,
            ]
            .into_iter()
            .map(Value::Float)
            .collect(),
        ),
        "str_ascii" => s("hello"),
        "str_unicode" => s("h\u{e9}llo \u{20ac} \u{1F600} \\ \n \r \0 \x1a"),
        "str_empty" => s(""),
        "long_str" => Value::Str("x".repeat(300)),
        "bytes" => bytes_for(protocol, b"ab\x00\xff"),
        "empty_bytes" => bytes_for(protocol, b""),
        "long_bytes" => bytes_for(protocol, &[b'y'; 300]),
        "bytearray" => builtin_call("bytearray", vec![bytes_for(protocol, b"ab\x00")]),
        "tuples" => list(vec![
            tuple(vec![]),
            tuple(vec![int(1)]),
            tuple(vec![int(1), int(2)]),
            tuple(vec![int(1), int(2), int(3)]),
            tuple(vec![int(1), int(2), int(3), int(4)]),
        ]),
        "list" => list(vec![int(1), s("a"), Value::None]),
        "empty_list" => list(vec![]),
        "many" => list((0..2500).map(int).collect()),
        "dict" => Value::Dict(vec![
            (s("a"), int(1)),
            (int(2), s("b")),
            (Value::None, list(vec![int(3)])),
        ]),
        "empty_dict" => Value::Dict(vec![]),
        "big_dict" => Value::Dict((0..1500).map(|i| (int(i), int(-i))).collect()),
        "set" if below4 => builtin_call("set", vec![list(vec![int(1), int(2)])]),
        "set" => Value::Set(vec![int(1), int(2)]),
        "empty_set" if below4 => builtin_call("set", vec![list(vec![])]),
        "empty_set" => Value::Set(vec![]),
        "frozenset" if below4 => builtin_call("frozenset", vec![list(vec![int(3)])]),
        "frozenset" => Value::FrozenSet(vec![int(3)]),
        "empty_frozenset" if below4 => builtin_call("frozenset", vec![list(vec![])]),
        "empty_frozenset" => Value::FrozenSet(vec![]),
        "nested" => Value::Dict(vec![(
            s("k"),
            list(vec![
                int(1),
                tuple(vec![
                    int(2),
                    Value::Dict(vec![(s("x"), list(vec![Value::Float(3.5)]))]),
                ]),
            ]),
        )]),
        "shared" => list(vec![shared(0, list(vec![int(1)])), Value::Ref(0)]),
        "cycle" => shared(0, list(vec![Value::Ref(0)])),
        "recursive_tuple" => shared(0, tuple(vec![list(vec![Value::Ref(0)])])),
        "dict_cycle" => shared(0, Value::Dict(vec![(s("self"), Value::Ref(0))])),
        "odict" => {
            let mut object = Object::call(global("collections", "OrderedDict"), vec![]);
            object.dict_items = vec![(s("a"), int(1)), (s("b"), int(2))];
            Value::Object(Box::new(object))
        }
        "point" => {
            let mut object = if protocol < 2 {
                Object::call(
                    global("copyreg", "_reconstructor"),
                    vec![
                        global("__main__", "Point"),
                        global("builtins", "object"),
                        Value::None,
                    ],
                )
            } else {
                Object {
                    construct: Construct::New,
                    ..Object::call(global("__main__", "Point"), vec![])
                }
            };
            object.state = Some(Value::Dict(vec![(s("x"), int(1)), (s("y"), int(2))]));
            Value::Object(Box::new(object))
        }
        "classes" => list(vec![
            global("collections", "OrderedDict"),
            global("collections", "Counter"),
        ]),
        "nested_class" if below4 => {
            builtin_call("getattr", vec![global("__main__", "Outer"), s("Inner")])
        }
        "nested_class" => global("__main__", "Outer.Inner"),
        "out_of_band" => list(vec![
            Value::Bytes(b"abc".to_vec()),
            Value::Bytes(b"xy".to_vec()),
        ]),
        "in_band_bytearray" => builtin_call("bytearray", vec![Value::Bytes(b"xy".to_vec())]),
        _ => return None,
    })
}

/// Structural equality in which floats compare by bits, so NaN equals NaN
/// and -0.0 differs from 0.0.
fn same(a: &Value, b: &Value) -> bool {
    let all = |xs: &[Value], ys: &[Value]| {
        xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| same(x, y))
    };
    let pairs = |xs: &[(Value, Value)], ys: &[(Value, Value)]| {
        xs.len() == ys.len()
            && xs
                .iter()
                .zip(ys)
                .all(|((kx, vx), (ky, vy))| same(kx, ky) && same(vx, vy))
    };
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => {
            x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
        }
        (Value::List(xs), Value::List(ys))
        | (Value::Tuple(xs), Value::Tuple(ys))
        | (Value::Set(xs), Value::Set(ys))
        | (Value::FrozenSet(xs), Value::FrozenSet(ys)) => all(xs, ys),
        (Value::Dict(xs), Value::Dict(ys)) => pairs(xs, ys),
        (Value::Shared { id: i, value: x }, Value::Shared { id: j, value: y }) => {
            i == j && same(x, y)
        }
        (Value::Object(x), Value::Object(y)) => {
            x.construct == y.construct
                && same(&x.callable, &y.callable)
                && all(&x.args, &y.args)
                && pairs(&x.kwargs, &y.kwargs)
                && match (&x.state, &y.state) {
                    (Some(x), Some(y)) => same(x, y),
                    (None, None) => true,
                    _ => false,
                }
                && all(&x.list_items, &y.list_items)
                && pairs(&x.dict_items, &y.dict_items)
        }
        _ => a == b,
    }
}

fn options_for(case: &Case) -> LoadOptions {
    let mut options = LoadOptions::default();
    if case.name == "out_of_band" {
        options.buffers = Some(vec![b"abc".to_vec(), b"xy".to_vec()]);
    }
    options
}

#[test]
fn cpython_corpus_reads_as_expected() {
    let corpus = corpus();
    assert!(corpus.len() > 200);
    for case in corpus {
        let context = format!("{} at protocol {}", case.name, case.protocol);
        let result = from_slice(&case.data, &options_for(case));
        if case.name == "surrogate" {
            let err = result.expect_err(&context);
            assert!(
                matches!(err.kind(), ErrorKind::Unsupported(_)),
                "{context}: {err}"
            );
            continue;
        }
        let value = result.unwrap_or_else(|err| panic!("{context}: {err}"));
        let expected = expected(&case.name, case.protocol)
            .unwrap_or_else(|| panic!("no expectation for {context}"));
        assert!(
            same(&value, &expected),
            "{context}:\n got {value:?}\nwant {expected:?}"
        );
    }
}

#[test]
fn out_of_band_buffers_must_be_given() {
    let case = corpus()
        .iter()
        .find(|case| case.name == "out_of_band")
        .expect("case");
    let err = from_slice(&case.data, &LoadOptions::default()).expect_err("no buffers");
    assert!(matches!(err.kind(), ErrorKind::Unsupported(_)), "{err}");
    assert!(err.to_string().starts_with("NEXT_BUFFER:"), "{err}");
    let options = LoadOptions {
        buffers: Some(vec![b"abc".to_vec()]),
        ..LoadOptions::default()
    };
    let err = from_slice(&case.data, &options).expect_err("one buffer short");
    assert!(
        err.to_string().contains("not enough out-of-band buffers"),
        "{err}"
    );
}

#[test]
fn every_truncation_fails_cleanly() {
    for case in corpus() {
        let options = options_for(case);
        // Every prefix of the small pickles; of the large ones (thousands
        // of items), a spread of prefixes and all near the end.
        let len = case.data.len();
        let stride = if len <= 2000 { 1 } else { len / 500 };
        let ends = (0..len).step_by(stride).chain(len.saturating_sub(64)..len);
        for end in ends {
            let prefix = &case.data[..end];
            let result = from_slice(prefix, &options);
            if prefix.last() == Some(&b'.') && result.is_ok() {
                continue;
            }
            let err = result.err().unwrap_or_else(|| {
                panic!(
                    "{} at protocol {}: prefix of {end} bytes accepted",
                    case.name, case.protocol
                )
            });
            let offset = err.position().map(|position| position.offset());
            assert!(
                offset.is_some_and(|offset| offset <= end),
                "{} at protocol {}, prefix {end}: {err} has no offset within the input",
                case.name,
                case.protocol
            );
        }
    }
}

#[test]
fn concatenated_pickles_read_one_after_another() {
    let corpus = corpus();
    let first = corpus
        .iter()
        .find(|c| c.name == "list" && c.protocol == 0)
        .expect("case");
    let second = corpus
        .iter()
        .find(|c| c.name == "odict" && c.protocol == 5)
        .expect("case");
    let mut data = first.data.clone();
    data.extend_from_slice(&second.data);
    let options = LoadOptions::default();
    let (value, end) = from_slice_at(&data, 0, &options).expect("first pickle");
    assert!(same(&value, &expected("list", 0).expect("expected")));
    assert_eq!(end, first.data.len());
    let (value, end) = from_slice_at(&data, end, &options).expect("second pickle");
    assert!(same(&value, &expected("odict", 5).expect("expected")));
    assert_eq!(end, data.len());
    // Trailing bytes after STOP are ignored, as pickle.loads ignores them.
    assert!(same(
        &from_slice(&data, &options).expect("loads"),
        &expected("list", 0).expect("expected")
    ));
}

fn load(data: &[u8]) -> serialkit::Result<Value> {
    from_slice(data, &LoadOptions::default())
}

#[test]
fn python2_names_are_mapped_below_protocol_3() {
    let set = b"\x80\x02c__builtin__\nset\nq\x00]q\x01(K\x01K\x02e\x85q\x02Rq\x03.";
    assert_eq!(
        load(set).unwrap(),
        builtin_call("set", vec![list(vec![int(1), int(2)])])
    );

    let old_instance =
        b"ccopy_reg\n_reconstructor\n(c__main__\nOld\nc__builtin__\nobject\nNtR(dS'a'\nI1\nsb.";
    let mut object = Object::call(
        global("copyreg", "_reconstructor"),
        vec![
            global("__main__", "Old"),
            global("builtins", "object"),
            Value::None,
        ],
    );
    object.state = Some(Value::Dict(vec![(s("a"), int(1))]));
    assert_eq!(load(old_instance).unwrap(), Value::Object(Box::new(object)));

    // A (module, name) pair is mapped as a whole.
    let xrange = b"c__builtin__\nxrange\n(I3\ntR.";
    assert_eq!(load(xrange).unwrap(), builtin_call("range", vec![int(3)]));
    let user_dict = b"cUserDict\nUserDict\n.";
    assert_eq!(load(user_dict).unwrap(), global("collections", "UserDict"));

    // Not with fix_imports off, and not from protocol 3 on.
    let options = LoadOptions {
        fix_imports: false,
        ..LoadOptions::default()
    };
    assert_eq!(
        from_slice(b"c__builtin__\nset\n.", &options).unwrap(),
        global("__builtin__", "set")
    );
    assert_eq!(
        load(b"\x80\x03c__builtin__\nset\n.").unwrap(),
        global("__builtin__", "set")
    );
    // PROTO may come late; the last one counts.
    assert_eq!(
        load(b"\x80\x03\x80\x02c__builtin__\nset\n.").unwrap(),
        global("builtins", "set")
    );
}

#[test]
fn python2_strings_follow_the_encoding() {
    let with = |encoding| {
        let options = LoadOptions {
            encoding,
            ..LoadOptions::default()
        };
        (
            from_slice(b"S'caf\\xe9'\n.", &options),
            from_slice(b"T\x04\x00\x00\x00caf\xe9.", &options),
            from_slice(b"U\x05caf\xc3\xa9.", &options),
        )
    };
    let (escaped, bin, short) = with(StringEncoding::Latin1);
    assert_eq!(escaped.unwrap(), s("caf\u{e9}"));
    assert_eq!(bin.unwrap(), s("caf\u{e9}"));
    assert_eq!(short.unwrap(), s("caf\u{c3}\u{a9}"));
    let (escaped, bin, short) = with(StringEncoding::Bytes);
    assert_eq!(escaped.unwrap(), Value::Bytes(b"caf\xe9".to_vec()));
    assert_eq!(bin.unwrap(), Value::Bytes(b"caf\xe9".to_vec()));
    assert_eq!(short.unwrap(), Value::Bytes(b"caf\xc3\xa9".to_vec()));
    let (escaped, bin, short) = with(StringEncoding::Utf8);
    assert!(escaped.is_err() && bin.is_err());
    assert_eq!(short.unwrap(), s("caf\u{e9}"));
    let (escaped, _, _) = with(StringEncoding::Ascii);
    let err = escaped.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Syntax(_)));
    assert_eq!(err.position(), Some(Position::Offset(0)));
    assert!(
        err.to_string().starts_with("STRING: 'ascii' codec"),
        "{err}"
    );
    assert_eq!(
        StringEncoding::from_name("Latin-1"),
        Some(StringEncoding::Latin1)
    );
    assert_eq!(
        StringEncoding::from_name("UTF_8"),
        Some(StringEncoding::Utf8)
    );
    assert_eq!(StringEncoding::from_name("koi8-r"), None);
}

#[test]
fn inst_obj_and_newobj_ex_record_what_would_be_called() {
    let new = |args: Vec<Value>| {
        Value::Object(Box::new(Object {
            construct: Construct::New,
            ..Object::call(global("__main__", "Old"), args)
        }))
    };
    // No arguments: CPython takes the __new__ path for classes.
    assert_eq!(load(b"(i__main__\nOld\n.").unwrap(), new(vec![]));
    assert_eq!(load(b"(c__main__\nOld\no.").unwrap(), new(vec![]));
    // With arguments: the class is called.
    assert_eq!(
        load(b"(I1\ni__main__\nOld\n.").unwrap(),
        call(global("__main__", "Old"), vec![int(1)])
    );
    assert_eq!(
        load(b"(c__main__\nOld\nK\x01o.").unwrap(),
        call(global("__main__", "Old"), vec![int(1)])
    );
    let newobj_ex = b"\x80\x04\x8c\x08__main__\x8c\x03Old\x93)}\x8c\x01k\x94K\x01s\x92.";
    let Value::Object(object) = load(newobj_ex).unwrap() else {
        panic!("an object")
    };
    assert_eq!(object.construct, Construct::New);
    assert_eq!(object.kwargs, vec![(s("k"), int(1))]);
}

#[test]
fn registry_reads_pickles() {
    let format = serialkit::format::by_extension("pkl").expect("registered");
    assert_eq!(format.name, "pickle");
    let options = serialkit::Options::default();
    assert_eq!((format.read)(b"K\x05.", &options).unwrap(), vec![int(5)]);
    assert_eq!(
        (format.write)(&[int(5)], &options).unwrap(),
        b"\x80\x04K\x05."
    );
}
