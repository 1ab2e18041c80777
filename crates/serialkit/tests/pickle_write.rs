//! The pickle writer against CPython: plain data must come out byte for
//! byte as `pickle.dumps(obj, protocol=4)` writes it; pickles CPython
//! wrote must come out unchanged after a read and a write; and shared,
//! cyclic and object values must load in python3 as the structures they
//! describe.

use num_bigint::BigInt;
use serialkit::pickle::write::{to_vec, to_vec_with, DumpOptions};
use serialkit::pickle::{from_slice, LoadOptions};
use serialkit::{Construct, ErrorKind, Object, Value};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("pickle_write");
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir.join(name)
}

/// Runs `script` in python3 with the pickle's path as `sys.argv[1]`.
#[track_caller]
fn python_checks(name: &str, pickle: &[u8], script: &str) {
    let path = scratch(&format!("{name}.pkl"));
    std::fs::write(&path, pickle).expect("write pickle");
    // The script goes in a file: the expected bytes can outgrow argv.
    let script_path = scratch(&format!("{name}.py"));
    std::fs::write(&script_path, script).expect("write script");
    let output = Command::new("python3")
        .arg(&script_path)
        .arg(&path)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{name}: python3 failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// A Python expression that builds `value` afresh: strs and bytes are
/// decoded from hex so that no two are the same object (CPython would
/// memoize a repeated object), floats are rebuilt from their bits.
fn python_expr(value: &Value) -> String {
    let items = |items: &[Value]| items.iter().map(python_expr).collect::<Vec<_>>().join(", ");
    match value {
        Value::None => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Int(value) => value.to_string(),
        Value::BigInt(value) => value.to_string(),
        Value::Float(value) => format!(
            "struct.unpack('>d', bytes.fromhex('{}'))[0]",
            hex(&value.to_be_bytes())
        ),
        Value::Str(text) => format!("bytes.fromhex('{}').decode()", hex(text.as_bytes())),
        Value::Bytes(bytes) => format!("bytes(bytearray.fromhex('{}'))", hex(bytes)),
        Value::List(values) => format!("[{}]", items(values)),
        Value::Tuple(values) if values.len() == 1 => format!("({},)", items(values)),
        Value::Tuple(values) => format!("({})", items(values)),
        Value::Set(values) => format!("set([{}])", items(values)),
        Value::FrozenSet(values) => format!("frozenset([{}])", items(values)),
        Value::Dict(pairs) => {
            let pairs: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("({}, {})", python_expr(k), python_expr(v)))
                .collect();
            format!("dict([{}])", pairs.join(", "))
        }
        other => panic!("no plain Python expression for {other:?}"),
    }
}

fn s(text: &str) -> Value {
    Value::str(text)
}

fn ints(range: std::ops::Range<i64>) -> Vec<Value> {
    range.map(Value::Int).collect()
}

fn plain_cases() -> Vec<(&'static str, Value)> {
    let big = |text: &str| Value::BigInt(text.parse::<BigInt>().unwrap());
    vec![
        ("none", Value::None),
        (
            "bools",
            Value::List(vec![Value::Bool(true), Value::Bool(false)]),
        ),
        (
            "ints",
            Value::List(
                [
                    0,
                    1,
                    -1,
                    255,
                    256,
                    65535,
                    65536,
                    -65536,
                    i64::from(i32::MIN),
                    i64::from(i32::MAX),
                    1 << 31,
                    -(1 << 31) - 1,
                    i64::MAX,
                    i64::MIN,
                    -128,
                    -129,
                    -256,
                    -32768,
                ]
                .into_iter()
                .map(Value::Int)
                .collect(),
            ),
        ),
        (
            "big_ints",
            Value::List(vec![
                big("18446744073709551616"),
                big("-18446744073709551616"),
                big("-1267650600228229401496703205376"),
                big("340282366920938463463374607431768211455"),
                big(&format!("1{}", "0".repeat(700))),
                big(&format!("-9{}", "0".repeat(700))),
            ]),
        ),
        (
            "floats",
            Value::List(
                [
                    0.0,
                    -0.0,
                    1.5,
                    -2.25e-300,
                    1e300,
                    f64::INFINITY,
                    f64::MIN_POSITIVE,
                    // Protocol 0 writes Python's repr: these cross its
                    // switches between fixed and scientific notation.
                    1e16,
                    1e15,
                    1e-5,
                    1e-4,
                    0.1,
                    -123456789.125,
                    f64::NEG_INFINITY,
                ]
                .into_iter()
                .map(Value::Float)
                .collect(),
            ),
        ),
        ("str", s("h\u{e9}llo \u{20ac} \u{1F600} \\ \n \0")),
        ("str_255", s(&"x".repeat(255))),
        ("str_256", s(&"y".repeat(256))),
        ("bytes", Value::Bytes(b"ab\x00\xff".to_vec())),
        ("bytes_300", Value::Bytes(vec![7; 300])),
        (
            "tuples",
            Value::List(vec![
                Value::Tuple(vec![]),
                Value::Tuple(ints(1..2)),
                Value::Tuple(ints(1..3)),
                Value::Tuple(ints(1..4)),
                Value::Tuple(ints(1..5)),
            ]),
        ),
        ("empty_list", Value::List(vec![])),
        ("one_item_list", Value::List(ints(5..6))),
        ("list_1000", Value::List(ints(0..1000))),
        ("list_2500", Value::List(ints(0..2500))),
        ("empty_dict", Value::Dict(vec![])),
        ("one_item_dict", Value::Dict(vec![(s("key"), Value::None)])),
        (
            "dict",
            Value::Dict(vec![
                (s("alpha"), Value::Int(1)),
                (Value::Int(2), s("beta")),
                (Value::None, Value::List(ints(3..4))),
                (Value::Tuple(ints(1..3)), Value::Float(0.5)),
            ]),
        ),
        (
            "dict_1000",
            Value::Dict((0..1000).map(|i| (Value::Int(i), Value::Int(-i))).collect()),
        ),
        (
            "dict_2001",
            Value::Dict((0..2001).map(|i| (Value::Int(i), Value::Int(i))).collect()),
        ),
        ("empty_set", Value::Set(vec![])),
        ("set", Value::Set(ints(1..4))),
        ("one_item_set", Value::Set(ints(9..10))),
        ("set_1000", Value::Set(ints(0..1000))),
        ("set_1500", Value::Set(ints(0..1500))),
        ("empty_frozenset", Value::FrozenSet(vec![])),
        ("frozenset", Value::FrozenSet(ints(1..3))),
        (
            "nested",
            Value::Dict(vec![(
                s("outer"),
                Value::List(vec![
                    Value::Int(1),
                    Value::Tuple(vec![
                        Value::Int(2),
                        Value::Dict(vec![(s("inner"), Value::List(vec![Value::Float(3.5)]))]),
                    ]),
                ]),
            )]),
        ),
        // Several frames: committed once each passes 64 KiB.
        (
            "many_strings",
            Value::List(
                (0..3000)
                    .map(|i| Value::Str(format!("string number {i:05} {}", "z".repeat(40))))
                    .collect(),
            ),
        ),
        // Payloads of 64 KiB or more are written outside any frame.
        (
            "large_payloads",
            Value::List(vec![
                s("before"),
                Value::Str("L".repeat(70_000)),
                Value::Bytes(vec![1; 65_536]),
                s("after"),
            ]),
        ),
    ]
}

#[test]
fn plain_data_is_byte_identical_to_cpython() {
    let cases = plain_cases();
    let mut script = String::from("import pickle, struct, sys\nfailed = []\n");
    let mut expected = String::new();
    for (name, value) in &cases {
        let ours = to_vec(value, 4).unwrap_or_else(|err| panic!("{name}: {err}"));
        // Also what our reader reads back.
        let reread = from_slice(&ours, &LoadOptions::default()).unwrap();
        assert_eq!(&reread, value, "{name} does not read back");
        writeln!(script, "obj = {}", python_expr(value)).unwrap();
        writeln!(
            script,
            "if pickle.dumps(obj, protocol=4) != bytes.fromhex(expected[{name:?}]): failed.append({name:?})",
        )
        .unwrap();
        writeln!(expected, "{name:?}: '{}',", hex(&ours)).unwrap();
    }
    let script = format!(
        "expected = {{{expected}}}\n{script}\nif failed: sys.exit('not identical: ' + ', '.join(failed))\n"
    );
    python_checks("plain", b"", &script);
}

/// Every protocol, 0 to 5: names are written as Python 3 spells them, so
/// the reference is CPython with `fix_imports=False`.
#[test]
fn plain_data_is_byte_identical_to_cpython_in_every_protocol() {
    let cases = plain_cases();
    let mut script = String::from("import pickle, struct, sys\nfailed = []\n");
    let mut expected = String::new();
    for (name, value) in &cases {
        writeln!(script, "obj = {}", python_expr(value)).unwrap();
        for protocol in 0..=5u8 {
            // Read back, bytes before protocol 3 and sets before 4 are the
            // calls that build them; the test above checks reading back.
            let ours = to_vec(value, protocol).unwrap_or_else(|err| panic!("{name}: {err}"));
            let key = format!("{name}/{protocol}");
            writeln!(
                script,
                "if pickle.dumps(obj, protocol={protocol}, fix_imports=False) != bytes.fromhex(expected[{key:?}]): failed.append({key:?})",
            )
            .unwrap();
            writeln!(expected, "{key:?}: '{}',", hex(&ours)).unwrap();
        }
    }
    let script = format!(
        "expected = {{{expected}}}\n{script}\nif failed: sys.exit('not identical: ' + ', '.join(failed))\n"
    );
    python_checks("plain_every_protocol", b"", &script);
}

/// Pickles CPython wrote, read into the model and written again with the
/// same protocol, are unchanged: memo numbering, memoized strings shared
/// between records, globals, objects and cycles included.
#[test]
fn cpython_pickles_are_rewritten_unchanged() {
    const SCRIPT: &str = r#"
import collections, pickle, sys

class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y

class Outer:
    class Inner:
        pass

class WithNew:
    def __new__(cls, *args, **kwargs):
        self = object.__new__(cls)
        # Copies: the model holds arguments inline, so it cannot say
        # that the state holds the very argument objects.
        self.args = list(args)
        self.kwargs = dict(kwargs)
        return self
    def __getnewargs_ex__(self):
        return tuple(self.args), dict(self.kwargs)

shared = [1]
cycle = []
cycle.append(cycle)
inner = []
recursive_tuple = (inner,)
inner.append(recursive_tuple)
dict_cycle = {}
dict_cycle["self"] = dict_cycle
point = Point(1, [2])
point.me = point
records = [{"name": "n%d" % i, "value": i, "tags": ("a", "b")} for i in range(300)]

cases = {
    "records": records,
    "shared": [shared, shared, "text", "text"],
    "cycle": cycle,
    "recursive_tuple": recursive_tuple,
    "dict_cycle": dict_cycle,
    "objects": [Point(1, 2), Point("a", None), collections.OrderedDict(a=1, b=[2])],
    "self_referencing_object": point,
    "nested_class": Outer.Inner(),
    "globals": [Point, Outer.Inner, len, collections.OrderedDict],
    "new_ex": WithNew(1, key="word"),
    "sets": [{1, 2}, frozenset({3}), set()],
    "bytes": [b"", b"x", b"abc" * 100],
    "deque": collections.deque([1, 2, 3]),
    "big": [2**100, -2**64, 1.5, None, True],
}
for protocol in range(6):
    for name, obj in cases.items():
        print(protocol, name, pickle.dumps(obj, protocol=protocol, fix_imports=False).hex())
"#;
    let output = Command::new("python3")
        .args(["-c", SCRIPT])
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let mut count = 0;
    for line in stdout.lines() {
        let mut fields = line.split(' ');
        let (Some(protocol), Some(name), Some(data)) =
            (fields.next(), fields.next(), fields.next())
        else {
            panic!("bad line {line}");
        };
        let protocol: u8 = protocol.parse().unwrap();
        let data: Vec<u8> = (0..data.len())
            .step_by(2)
            .map(|at| u8::from_str_radix(&data[at..at + 2], 16).unwrap())
            .collect();
        let value = from_slice(&data, &LoadOptions::default()).unwrap();
        let ours = to_vec(&value, protocol)
            .unwrap_or_else(|err| panic!("protocol {protocol} {name}: {err}: {value:?}"));
        assert_eq!(
            hex(&ours),
            hex(&data),
            "protocol {protocol} {name} differs from CPython"
        );
        count += 1;
    }
    assert_eq!(count, 84);
}

fn global(module: &str, qualname: &str) -> Value {
    Value::global(module, qualname)
}

fn new_object(cls: Value, state: Option<Value>) -> Object {
    Object {
        construct: Construct::New,
        callable: cls,
        args: vec![],
        kwargs: vec![],
        state,
        list_items: vec![],
        dict_items: vec![],
    }
}

#[test]
fn a_list_holding_itself_is_memoized_before_its_items() {
    let value = Value::Shared {
        id: 0,
        value: Box::new(Value::List(vec![Value::Int(1), Value::Ref(0)])),
    };
    let ours = to_vec(&value, 4).unwrap();
    // EMPTY_LIST MEMOIZE MARK 1 BINGET 0 APPENDS STOP, in one frame.
    assert_eq!(
        ours,
        b"\x80\x04\x95\x09\x00\x00\x00\x00\x00\x00\x00]\x94(K\x01h\x00e."
    );
    for protocol in 0..=5 {
        python_checks(
            &format!("list_cycle_{protocol}"),
            &to_vec(&value, protocol).unwrap(),
            "import pickle, sys\n\
             a = pickle.load(open(sys.argv[1], 'rb'))\n\
             assert a[0] == 1 and a[1] is a, a\n",
        );
    }
}

#[test]
fn shared_and_cyclic_structures_load_as_such() {
    let shared_dict = Value::Shared {
        id: 1,
        value: Box::new(Value::Dict(vec![(s("k"), Value::List(vec![]))])),
    };
    // t = ([t],): a tuple reached again through a list inside it.
    let recursive_tuple = Value::Shared {
        id: 2,
        value: Box::new(Value::Tuple(vec![Value::Shared {
            id: 3,
            value: Box::new(Value::List(vec![Value::Ref(2)])),
        }])),
    };
    let recursive_frozenset = Value::Shared {
        id: 4,
        value: Box::new(Value::FrozenSet(vec![Value::Object(Box::new(new_object(
            global("__main__", "Box"),
            Some(Value::Dict(vec![(s("held"), Value::Ref(4))])),
        )))])),
    };
    let value = Value::Dict(vec![
        (s("same"), Value::List(vec![shared_dict, Value::Ref(1)])),
        (s("tuple"), recursive_tuple),
        (s("frozen"), recursive_frozenset),
        (
            s("set"),
            Value::Set(vec![Value::Shared {
                id: 5,
                value: Box::new(Value::Int(7)),
            }]),
        ),
        (s("number_again"), Value::Ref(5)),
        (
            s("dict_cycle"),
            Value::Shared {
                id: 6,
                value: Box::new(Value::Dict(vec![(s("self"), Value::Ref(6))])),
            },
        ),
    ]);
    let script = "import pickle, sys\n\
                  class Box:\n    pass\n\
                  d = pickle.load(open(sys.argv[1], 'rb'))\n\
                  a, b = d['same']\n\
                  assert a is b and a == {'k': []}\n\
                  t = d['tuple']\n\
                  assert type(t) is tuple and t[0][0] is t\n\
                  f = d['frozen']\n\
                  assert type(f) is frozenset and next(iter(f)).held is f\n\
                  assert d['set'] == {7} and d['number_again'] == 7\n\
                  assert d['dict_cycle']['self'] is d['dict_cycle']\n";
    for protocol in 0..=5 {
        let ours = to_vec(&value, protocol).unwrap();
        python_checks(&format!("shared_{protocol}"), &ours, script);
    }
    // Our own reader sees the same sharing.
    let reread = from_slice(&to_vec(&value, 4).unwrap(), &LoadOptions::default()).unwrap();
    let Value::Dict(pairs) = reread else {
        panic!("not a dict")
    };
    let Value::List(same) = &pairs[0].1 else {
        panic!("not a list")
    };
    assert!(matches!(same[..], [Value::Shared { .. }, Value::Ref(_)]));
}

#[test]
fn objects_are_built_as_cpython_builds_them() {
    let point = |x: i64| {
        Value::Object(Box::new(new_object(
            global("__main__", "Point"),
            Some(Value::Dict(vec![(s("x"), Value::Int(x))])),
        )))
    };
    let mut complex = Object::call(
        global("builtins", "complex"),
        vec![Value::Float(1.0), Value::Float(2.0)],
    );
    complex.state = None;
    let mut ordered = Object::call(global("collections", "OrderedDict"), vec![]);
    ordered.dict_items = vec![(s("b"), Value::Int(1)), (s("a"), Value::Int(2))];
    let mut one_item = Object::call(global("collections", "OrderedDict"), vec![]);
    one_item.dict_items = vec![(s("only"), Value::None)];
    let mut list = Object::call(global("collections", "deque"), vec![]);
    list.list_items = ints(0..1001);
    let mut with_kwargs = new_object(global("__main__", "WithNew"), None);
    with_kwargs.args = vec![Value::Int(1)];
    with_kwargs.kwargs = vec![(s("key"), s("word"))];
    // Calls with keyword arguments, through functools.partial.
    let mut dict_from_kwargs = Object::call(global("builtins", "dict"), vec![]);
    dict_from_kwargs.state = None;
    dict_from_kwargs.kwargs = vec![(s("a"), Value::Int(1)), (s("b"), s("two"))];
    let mut int_with_base = Object::call(global("builtins", "int"), vec![s("ff")]);
    int_with_base.state = None;
    int_with_base.kwargs = vec![(s("base"), Value::Int(16))];
    let mut itself = new_object(global("__main__", "Point"), None);
    itself.state = Some(Value::Dict(vec![(s("me"), Value::Ref(9))]));
    let value = Value::List(vec![
        point(1),
        point(2),
        Value::Object(Box::new(complex)),
        Value::Object(Box::new(ordered)),
        Value::Object(Box::new(one_item)),
        Value::Object(Box::new(list)),
        Value::Object(Box::new(with_kwargs)),
        Value::Shared {
            id: 9,
            value: Box::new(Value::Object(Box::new(itself))),
        },
        global("os.path", "join"),
        global("__main__", "Outer.Inner"),
        Value::Object(Box::new(dict_from_kwargs)),
        Value::Object(Box::new(int_with_base)),
    ]);
    let script = "import pickle, sys, collections, os.path\n\
                  class Point:\n    pass\n\
                  class Outer:\n    class Inner:\n        pass\n\
                  class WithNew:\n    def __new__(cls, *args, **kwargs):\n        self = object.__new__(cls)\n        self.args, self.kwargs = args, kwargs\n        return self\n\
                  v = pickle.load(open(sys.argv[1], 'rb'))\n\
                  assert type(v[0]) is Point and v[0].__dict__ == {'x': 1}, v[0].__dict__\n\
                  assert v[1].__dict__ == {'x': 2}\n\
                  assert v[2] == complex(1, 2)\n\
                  assert v[3] == collections.OrderedDict([('b', 1), ('a', 2)]) and type(v[3]) is collections.OrderedDict\n\
                  assert v[4] == collections.OrderedDict(only=None)\n\
                  assert v[5] == collections.deque(range(1001))\n\
                  assert type(v[6]) is WithNew and v[6].args == (1,) and v[6].kwargs == {'key': 'word'}\n\
                  assert v[7].me is v[7]\n\
                  assert v[8] is os.path.join and v[9] is Outer.Inner\n\
                  assert v[10] == {'a': 1, 'b': 'two'} and v[11] == 255, v[10:]\n";
    for protocol in 0..=5 {
        let ours = to_vec(&value, protocol).unwrap();
        // The core reads it all back, the partial calls as the calls they are.
        from_slice(&ours, &LoadOptions::default()).unwrap();
        python_checks(&format!("objects_{protocol}"), &ours, script);
    }
}

#[test]
fn what_pickle_cannot_express_is_an_error() {
    let unsupported = |value: &Value, protocol: u8| {
        let err = to_vec(value, protocol).expect_err("must fail");
        assert!(
            matches!(err.kind(), ErrorKind::Unsupported(_)),
            "{err} is not unsupported"
        );
        err.to_string()
    };
    assert!(unsupported(&Value::None, 6).contains("protocol 6"));
    assert!(unsupported(&Value::Ref(3), 4).contains("reference 3"));
    // A cycle through immutable values only cannot be built by any loader.
    let immutable_cycle = Value::Shared {
        id: 0,
        value: Box::new(Value::Tuple(vec![Value::Tuple(vec![Value::Ref(0)])])),
    };
    assert!(unsupported(&immutable_cycle, 4).contains("reference 0"));
    // An object among its own arguments.
    let mut object = Object::call(global("builtins", "list"), vec![Value::Ref(1)]);
    object.state = None;
    let object_cycle = Value::Shared {
        id: 1,
        value: Box::new(Value::Object(Box::new(object))),
    };
    assert!(unsupported(&object_cycle, 4).contains("reference 1"));
    let twice = Value::List(vec![
        Value::Shared {
            id: 2,
            value: Box::new(Value::List(vec![])),
        },
        Value::Shared {
            id: 2,
            value: Box::new(Value::List(vec![])),
        },
    ]);
    assert!(unsupported(&twice, 4).contains("appears twice"));
    assert!(unsupported(&global("a\nb", "c"), 3).contains("newline"));

    let mut deep = Value::None;
    for _ in 0..50 {
        deep = Value::List(vec![deep]);
    }
    let options = DumpOptions {
        max_depth: 49,
        ..DumpOptions::default()
    };
    let err = to_vec_with(&deep, &options).expect_err("too deep");
    assert!(matches!(err.kind(), ErrorKind::Limit { .. }), "{err}");
    let options = DumpOptions {
        max_depth: 50,
        ..DumpOptions::default()
    };
    to_vec_with(&deep, &options).expect("deep enough");
}

#[test]
fn the_format_registry_writes_pickle() {
    let format = serialkit::format::by_name("pickle").unwrap();
    assert!(format.holds_full_model);
    assert!(!serialkit::format::by_name("json").unwrap().holds_full_model);
    let value = Value::List(vec![Value::Int(1), s("two")]);
    let written =
        (format.write)(std::slice::from_ref(&value), &serialkit::Options::default()).unwrap();
    assert_eq!(written, to_vec(&value, 4).unwrap());
    assert!((format.write)(&[], &serialkit::Options::default()).is_err());
}
