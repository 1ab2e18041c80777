use super::*;
use crate::value::Value;

fn limits() -> Limits {
    Limits::default()
}

#[test]
fn reads_scalars_and_containers() {
    // marshal.dumps((1, 'ab', b'x', 1.5, None, True), 4)
    let data =
        b")\x06\xe9\x01\x00\x00\x00\xda\x02abs\x01\x00\x00\x00xg\x00\x00\x00\x00\x00\x00\xf8?NT";
    let value = read(data, &limits()).unwrap();
    assert_eq!(
        value,
        Value::Tuple(vec![
            Value::Int(1),
            Value::str("ab"),
            Value::Bytes(b"x".to_vec()),
            Value::Float(1.5),
            Value::None,
            Value::Bool(true),
        ])
    );
}

#[test]
fn shared_list_stays_shared_and_cycles_resolve() {
    // l = []; l.append(l); marshal.dumps(l)
    let value = read(b"\xdb\x01\x00\x00\x00r\x00\x00\x00\x00", &limits()).unwrap();
    assert_eq!(
        value,
        Value::Shared {
            id: 0,
            value: Box::new(Value::List(vec![Value::Ref(0)]))
        }
    );
}

#[test]
fn big_ints_read_from_15_bit_digits() {
    // marshal.dumps(2**40) and -(2**100)
    let value = read(b"\xec\x03\x00\x00\x00\x00\x00\x00\x00\x00\x04", &limits()).unwrap();
    assert_eq!(value, Value::Int(1 << 40));
    let mut data = b"l".to_vec();
    data.extend_from_slice(&(-7i32).to_le_bytes());
    data.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x04]);
    let Value::BigInt(n) = read(&data, &limits()).unwrap() else {
        panic!("not a big int")
    };
    assert_eq!(n, -(num_bigint::BigInt::from(1u8) << 100usize));
}

#[test]
fn hostile_input_fails_cleanly() {
    let eof = |data: &[u8]| {
        let mut sink = ValueSink;
        matches!(parse(data, &limits(), &mut sink), Err(Failure::Eof { .. }))
    };
    let invalid = |data: &[u8]| {
        let mut sink = ValueSink;
        matches!(parse(data, &limits(), &mut sink), Err(Failure::Invalid(_)))
    };
    assert!(eof(b""));
    assert!(eof(b"[\xff\xff\xff\x7f"));
    assert!(eof(b"s\xff\xff\xff\x7fabc"));
    assert!(eof(b"l\xff\xff\xff\x7f"));
    assert!(invalid(b"r\x00\x00\x00\x00"));
    assert!(invalid(b"?"));
    assert!(invalid(b"[\xff\xff\xff\xff"));
    assert!(invalid(b"l\x01\x00\x00\x00\x00\x00"));
    // A frozenset cannot refer to itself: its slot is not filled yet.
    assert!(invalid(b"\xbe\x01\x00\x00\x00r\x00\x00\x00\x00"));
    let deep = [b"[\x01\x00\x00\x00".repeat(5000), b"N".to_vec()].concat();
    assert!(invalid(&deep));
    // The first fault in reading order, as CPython reports it: a bad item
    // before the input runs short of a declared size.
    assert!(invalid(b"[\xe8\x03\x00\x00?"));
    assert!(invalid(b"l\x05\x00\x00\x00\x00\x80"));
    // A container that cannot be complete still tells a stream reader how
    // much input it needs at least.
    let mut sink = ValueSink;
    match parse(b"[\xe8\x03\x00\x00", &limits(), &mut sink) {
        Err(Failure::Eof { needed, .. }) => assert_eq!(needed, 5 + 1000),
        other => panic!("{other:?}"),
    }
}

#[test]
fn model_round_trips_through_the_writer() {
    let value = Value::Dict(vec![
        (
            Value::str("a"),
            Value::List(vec![Value::Int(-5), Value::Int(1 << 40)]),
        ),
        (
            Value::Tuple(vec![]),
            Value::FrozenSet(vec![Value::str("é")]),
        ),
        (Value::Int(3), Value::Float(-0.5)),
    ]);
    let bytes = write::write(&value, &limits()).unwrap();
    assert_eq!(read(&bytes, &limits()).unwrap(), value);
    let cyclic = Value::Shared {
        id: 9,
        value: Box::new(Value::List(vec![Value::Ref(9)])),
    };
    let bytes = write::write(&cyclic, &limits()).unwrap();
    assert_eq!(bytes, b"\xdb\x01\x00\x00\x00r\x00\x00\x00\x00");
}

#[test]
fn text_floats_of_old_versions() {
    // marshal.dumps([0.1, complex(1, -2)], 1)
    let data = b"[\x02\x00\x00\x00f\x130.10000000000000001x\x011\x02-2";
    let value = read(data, &limits()).unwrap();
    let Value::List(items) = value else {
        panic!("not a list")
    };
    assert_eq!(items[0], Value::Float(0.1));
    assert!(matches!(&items[1], Value::Object(_)));
}

/// A deterministic stand-in for the fuzz target: mutated encodings never
/// panic, and whatever reads writes back stably.
#[test]
fn mutated_encodings_fail_cleanly() {
    let seeds: [&[u8]; 6] = [
        b"\xfb\xda\x01a\xdb\x02\x00\x00\x00\xe9\x01\x00\x00\x00r\x01\x00\x00\x00\xda\x01b)\x02g\x00\x00\x00\x00\x00\x00\xf8?s\x01\x00\x00\x00x0",
        b"\xdb\x01\x00\x00\x00r\x00\x00\x00\x00",
        b"\xbe\x02\x00\x00\x00\xe9\x01\x00\x00\x00l\x03\x00\x00\x00\x00\x00\x00\x00\x00\x04",
        b"[\x02\x00\x00\x00f\x130.10000000000000001x\x011\x02-2",
        b"\xa9\x02u\x02\x00\x00\x00\xc3\xa9z\x03abc",
        b")\x02\xba\xe9\x01\x00\x00\x00[\x00\x00\x00\x00Nr\x00\x00\x00\x00",
    ];
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound as u64) as usize
    };
    let limits = limits();
    for round in 0..20_000 {
        let mut data = seeds[round % seeds.len()].to_vec();
        for _ in 0..1 + next(3) {
            let at = next(data.len() + 1);
            match next(3) {
                0 if at < data.len() => data[at] = next(256) as u8,
                1 => data.insert(at, next(256) as u8),
                _ if at < data.len() => {
                    data.remove(at);
                }
                _ => data.push(b'0'),
            }
        }
        if let Ok(value) = read(&data, &limits) {
            if let Ok(bytes) = write::write(&value, &limits) {
                let again = read(&bytes, &limits).expect("written data reads back");
                assert_eq!(write::write(&again, &limits).unwrap(), bytes);
            }
        }
    }
}

fn slice(start: Value, stop: Value, step: Value) -> Value {
    Value::Object(Box::new(crate::value::Object::call(
        Value::global("builtins", "slice"),
        vec![start, stop, step],
    )))
}

#[test]
fn slices_of_version_5_are_calls_of_slice() {
    // Python 3.14: marshal.dumps(slice(1, 2))
    let value = read(b":\xe9\x01\x00\x00\x00\xe9\x02\x00\x00\x00N", &limits()).unwrap();
    assert_eq!(value, slice(Value::Int(1), Value::Int(2), Value::None));
    // s = slice(1, 2, 3); marshal.dumps((s, s))
    let data =
        b")\x02\xba\xe9\x01\x00\x00\x00\xe9\x02\x00\x00\x00\xe9\x03\x00\x00\x00r\x00\x00\x00\x00";
    let value = read(data, &limits()).unwrap();
    let shared = Value::Shared {
        id: 0,
        value: Box::new(slice(Value::Int(1), Value::Int(2), Value::Int(3))),
    };
    assert_eq!(value, Value::Tuple(vec![shared, Value::Ref(0)]));
    let bytes = write::write(&value, &limits()).unwrap();
    assert_eq!(
        bytes,
        b")\x02\xbai\x01\x00\x00\x00i\x02\x00\x00\x00i\x03\x00\x00\x00r\x00\x00\x00\x00"
    );
    assert_eq!(read(&bytes, &limits()).unwrap(), value);
}

#[test]
fn slices_refuse_what_cpython_refuses() {
    let failure = |data: &[u8]| {
        let mut sink = ValueSink;
        match parse(data, &limits(), &mut sink) {
            Err(Failure::Eof { .. }) => "eof".to_string(),
            Err(Failure::Invalid(error)) => error.kind().to_string(),
            other => format!("{other:?}"),
        }
    };
    assert_eq!(failure(b":"), "eof");
    assert_eq!(failure(b":NN"), "eof");
    // A slice enters the reference table only once complete.
    assert!(failure(b"\xbar\x00\x00\x00\x00NN").contains("invalid reference"));
    assert!(failure(b":N0N").contains("NULL object in marshal data for object"));
}

/// Found by the marshal_read fuzz target: the only reference to the second
/// complex sits in a dict that a NULL slice field drops, so nothing refers
/// to it in the result and it must not stay flagged, or writing the value
/// and reading it again would not write the same bytes.
#[test]
fn a_reference_the_reader_drops_leaves_its_target_unshared() {
    let data = b"\xba\xf9\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xdb\xba\x21\xf9\xf9\xf9\xf9\xf9\x21\xf9\xf9\xf9\xf9\xf9\xf9\xf9\x4c\x7b\x7b\x7b\xfb\x7b\x72\x02\x00\x00\x00\x30\x00\x00\x7b\x2e\x7b\x2f\xf9\xf9\xba\x30\x00\x7b\x2e\x7b\x72\xff\x77\x00";
    let value = read(data, &limits()).unwrap();
    assert!(!format!("{value:?}").contains("Shared"), "{value:?}");
    let bytes = write::write(&value, &limits()).unwrap();
    let again = read(&bytes, &limits()).unwrap();
    assert_eq!(again, value);
    assert_eq!(write::write(&again, &limits()).unwrap(), bytes);
}
