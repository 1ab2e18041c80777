//! Malformed and hostile pickles: each must fail with the right kind of
//! error at the offset of the opcode responsible, quickly and without
//! allocating what a length prefix claims.

use serialkit::pickle::{from_slice, LoadOptions};
use serialkit::{ErrorKind, Limits, Position, Value};

fn load(data: &[u8]) -> serialkit::Result<Value> {
    from_slice(data, &LoadOptions::default())
}

#[track_caller]
fn syntax_at(data: &[u8], offset: usize, message_start: &str) {
    let err = load(data).expect_err("must fail");
    assert!(
        matches!(err.kind(), ErrorKind::Syntax(_)),
        "{err} is not a syntax error"
    );
    assert_eq!(err.position(), Some(Position::Offset(offset)), "{err}");
    assert!(
        err.to_string().starts_with(message_start),
        "{err:?} does not start with {message_start:?}"
    );
}

#[track_caller]
fn limit_at(result: serialkit::Result<Value>, what_start: &str, offset: usize) {
    let err = result.expect_err("must fail");
    let ErrorKind::Limit { what, .. } = err.kind() else {
        panic!("{err} is not a limit error");
    };
    assert!(what.starts_with(what_start), "{err}");
    assert_eq!(err.position(), Some(Position::Offset(offset)), "{err}");
}

fn le(value: u64) -> [u8; 8] {
    value.to_le_bytes()
}

#[test]
fn huge_length_prefixes_are_checked_before_allocating() {
    let mut data = b"\x80\x04\x8d".to_vec();
    data.extend_from_slice(&le(1 << 62));
    data.extend_from_slice(b"abc.");
    syntax_at(
        &data,
        2,
        "BINUNICODE8: truncated: needs 4611686018427387904 bytes, 4 remain",
    );

    for (opcode, name) in [(0x8E, "BINBYTES8"), (0x96, "BYTEARRAY8"), (0x95, "FRAME")] {
        let mut data = vec![opcode];
        data.extend_from_slice(&le(u64::MAX));
        data.push(b'.');
        syntax_at(
            &data,
            0,
            &format!("{name}: truncated: needs {} bytes", u64::MAX),
        );
    }
    syntax_at(
        b"X\xff\xff\xff\xffabc",
        0,
        "BINUNICODE: truncated: needs 4294967295 bytes, 3 remain",
    );
    syntax_at(
        b"B\x00\x10\x00\x00.",
        0,
        "BINBYTES: truncated: needs 4096 bytes, 1 remain",
    );
    syntax_at(b"\x8b\xff\xff\xff\xff.", 0, "LONG4: negative byte count");
    syntax_at(b"\x8b\xff\xff\xff\x7f.", 0, "LONG4: truncated");
    syntax_at(b"T\xff\xff\xff\xff.", 0, "BINSTRING: negative byte count");
    syntax_at(
        b"N\x8c\x05ab.",
        1,
        "SHORT_BINUNICODE: truncated: needs 5 bytes, 3 remain",
    );
}

#[test]
fn truncated_and_unknown_input() {
    syntax_at(b"", 0, "truncated");
    syntax_at(b"N", 1, "truncated");
    syntax_at(
        b"I12",
        0,
        "INT: truncated: the argument has no terminating newline",
    );
    syntax_at(b"N\xff.", 1, "unknown opcode 0xff");
    syntax_at(b"\x80\x06N.", 0, "PROTO: unsupported pickle protocol: 6");
    syntax_at(b"\x80", 0, "PROTO: truncated: needs 1 bytes, 0 remain");
    syntax_at(
        b"X\x02\x00\x00\x00\xff\xfe.",
        0,
        "BINUNICODE: invalid UTF-8",
    );
    syntax_at(b"F1e400\n.", 0, "FLOAT: 1e400 is too large");
    syntax_at(b"S'abc\n.", 0, "STRING: the argument must be quoted");
    syntax_at(b"Vab\\u12\n.", 0, "UNICODE: truncated \\uXXXX escape");
}

#[test]
fn stack_and_mark_misuse() {
    syntax_at(b".", 0, "STOP: stack underflow");
    syntax_at(b"]a.", 1, "APPEND: stack underflow");
    syntax_at(b"0", 0, "POP: stack underflow");
    syntax_at(
        b"N(.",
        2,
        "STOP: stack underflow: nothing above the last MARK",
    );
    syntax_at(b"N(a.", 2, "APPEND: stack underflow");
    syntax_at(b"K\x01t.", 2, "TUPLE: no MARK on the stack");
    syntax_at(b"1", 0, "POP_MARK: no MARK on the stack");
    syntax_at(b"(K\x01d.", 3, "DICT: odd number of items");
    syntax_at(b"}(K\x01u.", 4, "SETITEMS: odd number of items");
    syntax_at(b"(o.", 1, "OBJ: no class after the MARK");
    // CPython accepts a value above an open MARK at STOP, and POP of a MARK.
    assert_eq!(load(b"(N.").unwrap(), Value::None);
    assert_eq!(load(b"](0.").unwrap(), Value::List(vec![]));
}

#[test]
fn wrong_types_for_an_operation() {
    syntax_at(b"K\x01(K\x02e.", 5, "APPENDS: cannot append to int");
    syntax_at(b"](K\x01K\x02u.", 6, "SETITEMS: cannot set items on list");
    syntax_at(b"}K\x01a.", 3, "APPEND: cannot append to dict");
    syntax_at(b"](K\x01\x90.", 4, "ADDITEMS: cannot add items to list");
    syntax_at(
        b"]N\x85R.",
        3,
        "REDUCE: the callable must be a global or an object, not list",
    );
    syntax_at(
        b"c__builtin__\nlist\n]R.",
        19,
        "REDUCE: the arguments must be a tuple, not list",
    );
    syntax_at(b"]}b.", 2, "BUILD: cannot set the state of list");
    syntax_at(
        b"K\x01\x8c\x01x\x93.",
        5,
        "STACK_GLOBAL: needs str names, not int",
    );
    syntax_at(
        b"c__main__\nC\n)K\x01\x92.",
        15,
        "NEWOBJ_EX: the keyword arguments must be a dict, not int",
    );
    syntax_at(b"K\x01\x98.", 2, "READONLY_BUFFER: needs a buffer, not int");
    // An empty batch leaves any target alone, as in the C unpickler.
    assert_eq!(load(b"K\x01(e.").unwrap(), Value::Int(1));
}

#[test]
fn memo_misuse() {
    syntax_at(b"h\x05.", 0, "BINGET: memo key 5 was never set");
    syntax_at(b"N0g7\n.", 2, "GET: memo key 7 was never set");
    syntax_at(
        b"j\x00\x00\x00\x01.",
        0,
        "LONG_BINGET: memo key 16777216 was never set",
    );
    syntax_at(b"Np-1\n.", 1, "PUT: negative memo key -1");
    syntax_at(b"q\x00.", 0, "BINPUT: stack underflow");
    // A far key does not make the memo allocate up to it.
    assert_eq!(
        load(b"Nr\xff\xff\xff\xff0j\xff\xff\xff\xff.").unwrap(),
        Value::None
    );
}

#[test]
fn memo_bomb_hits_the_memo_limit() {
    let mut data = vec![b'N'];
    for key in 0u32..2000 {
        data.push(b'r');
        data.extend_from_slice(&key.to_le_bytes());
    }
    data.push(b'.');
    let options = LoadOptions {
        max_memo: 1000,
        ..LoadOptions::default()
    };
    limit_at(from_slice(&data, &options), "memo entries", 1 + 5 * 1000);
    // Overwriting a key does not count again.
    let mut data = vec![b'N'];
    for _ in 0..2000 {
        data.extend_from_slice(b"q\x00");
    }
    data.push(b'.');
    assert_eq!(from_slice(&data, &options).unwrap(), Value::None);
}

#[test]
fn opcode_count_limit() {
    let data = [b"N0".repeat(1000), b"N.".to_vec()].concat();
    let options = LoadOptions {
        max_opcodes: 100,
        ..LoadOptions::default()
    };
    limit_at(from_slice(&data, &options), "opcode count", 100);
    assert_eq!(load(&data).unwrap(), Value::None);
}

#[test]
fn input_size_limit() {
    let options = LoadOptions {
        limits: Limits {
            max_input_bytes: 4,
            ..Limits::default()
        },
        ..LoadOptions::default()
    };
    limit_at(from_slice(b"N.    ", &options), "input size", 4);
}

#[test]
fn deep_mark_nesting_hits_the_depth_limit() {
    let data = vec![b'('; 100_000];
    limit_at(load(&data), "MARK nesting", Limits::DEFAULT_MAX_DEPTH);
}

fn nested_lists(depth: usize) -> Vec<u8> {
    let mut data = vec![b']'; depth];
    data.extend(std::iter::repeat_n(b'a', depth - 1));
    data.push(b'.');
    data
}

#[test]
fn deeply_nested_lists_hit_the_depth_limit_without_overflowing() {
    // The APPEND that makes the outer list 1001 deep is the 1000th.
    limit_at(load(&nested_lists(100_000)), "nesting depth", 100_000 + 999);

    let mut value = load(&nested_lists(500)).expect("500 levels are fine");
    let mut depth = 1;
    while let Value::List(mut items) = value {
        match items.pop() {
            Some(inner) => {
                depth += 1;
                value = inner;
            }
            None => break,
        }
    }
    assert_eq!(depth, 500);
}

#[test]
fn nesting_built_outside_in_is_caught_when_the_tree_is_built() {
    // Lists are made first and nested outer to inner through the memo, so
    // no single APPEND looks deep; the conversion to a tree still stops.
    let count = 5000u32;
    let mut data = Vec::new();
    for key in 0..count {
        data.push(b']');
        data.push(b'r');
        data.extend_from_slice(&key.to_le_bytes());
        data.push(b'0');
    }
    for key in 0..count - 1 {
        data.push(b'j');
        data.extend_from_slice(&key.to_le_bytes());
        data.push(b'j');
        data.extend_from_slice(&(key + 1).to_le_bytes());
        data.extend_from_slice(b"a0");
    }
    data.extend_from_slice(b"j\x00\x00\x00\x00");
    let stop = data.len();
    data.push(b'.');
    limit_at(load(&data), "nesting depth", stop);
}

#[test]
fn what_the_core_model_cannot_hold_is_unsupported() {
    for (data, start) in [
        (&b"Pid\n."[..], "PERSID: persistent id \"id\""),
        (b"N\x82\x01.", "EXT1: extension code 1"),
        (b"\x97.", "NEXT_BUFFER:"),
        (b"\x8f(K\x01\x90c__main__\nC\n)\x81(K\x01\x90.", "ADDITEMS:"),
    ] {
        let err = load(data).expect_err("unsupported");
        assert!(matches!(err.kind(), ErrorKind::Unsupported(_)), "{err}");
        assert!(err.to_string().starts_with(start), "{err}");
    }
    syntax_at(b"\x82\x00.", 0, "EXT1: extension code 0 is not positive");
    syntax_at(
        b"\x84\xff\xff\xff\xff.",
        0,
        "EXT4: extension code -1 is not positive",
    );
}

#[test]
fn repeated_keys_and_members_merge_as_in_python() {
    let int = Value::Int;
    assert_eq!(
        load(b"}(K\x01K\x02K\x01K\x03u.").unwrap(),
        Value::Dict(vec![(int(1), int(3))])
    );
    // True == 1 == 1.0: the first key stays, the last value wins.
    assert_eq!(
        load(b"(\x88K\x02K\x01K\x03G?\xf0\x00\x00\x00\x00\x00\x00K\x04d.").unwrap(),
        Value::Dict(vec![(Value::Bool(true), int(4))])
    );
    assert_eq!(
        load(b"\x8f(K\x01K\x01\x88K\x02\x90.").unwrap(),
        Value::Set(vec![int(1), int(2)])
    );
    // A memoized string used twice as a key is one key.
    assert_eq!(
        load(b"(X\x01\x00\x00\x00kq\x00K\x01h\x00K\x02d.").unwrap(),
        Value::Dict(vec![(Value::str("k"), int(2))])
    );
}

#[test]
fn one_argument_tuple_reused_by_many_calls_hits_the_expansion_limit() {
    // A 1000-item tuple at memo 1, then the same call made with it again
    // and again: each use would copy 1000 values into the model.
    let call_many = |calls: usize| {
        let mut data = b"c__main__\nf\nq\x00(".to_vec();
        data.extend(std::iter::repeat_n(*b"K\x07", 1000).flatten());
        data.extend_from_slice(b"tq\x01");
        for _ in 0..calls {
            data.extend_from_slice(b"0h\x00h\x01R");
        }
        data.push(b'.');
        data
    };
    let value = load(&call_many(3)).expect("a few reuses are fine");
    let Value::Object(object) = value else {
        panic!("an object")
    };
    assert_eq!(object.args.len(), 1000);
    let err = load(&call_many(2000)).expect_err("expansion");
    assert!(
        matches!(err.kind(), ErrorKind::Limit { what, .. } if what.contains("copied")),
        "{err}"
    );
}

#[test]
fn long_global_names_hit_the_name_limit() {
    let mut data = vec![0x8C, 1, b'm', 0x58];
    data.extend_from_slice(&2000u32.to_le_bytes());
    data.extend(std::iter::repeat_n(b'n', 2000));
    let stack_global = data.len();
    data.extend_from_slice(b"\x93.");
    limit_at(load(&data), "global name length", stack_global);

    let line = [b"c".to_vec(), vec![b'm'; 2000], b"\nx\n.".to_vec()].concat();
    limit_at(load(&line), "global name length", 0);
}

#[test]
fn names_of_16_mib_or_more_hit_the_limit_yet_resolve_when_allowed() {
    // The machine records string lengths in 24 bits; a name that long
    // must still meet the limit, and still load when the limit allows it.
    let len = (1usize << 24) + 3;
    let mut data = vec![0x8C, 1, b'm', 0x58];
    data.extend_from_slice(&u32::try_from(len).unwrap().to_le_bytes());
    data.extend(std::iter::repeat_n(b'n', len));
    let stack_global = data.len();
    data.extend_from_slice(b"\x93.");
    limit_at(load(&data), "global name length", stack_global);

    let options = LoadOptions {
        max_name_bytes: usize::MAX,
        ..LoadOptions::default()
    };
    let value = from_slice(&data, &options).expect("allowed");
    let Value::Global { module, qualname } = value else {
        panic!("a global, not {value:?}")
    };
    assert_eq!((module.as_str(), qualname.len()), ("m", len));
    assert!(qualname.bytes().all(|byte| byte == b'n'));
}

#[test]
fn a_long_key_referenced_many_times_is_compared_once() {
    // One 1 MB string as the key of 100 000 SETITEMS pairs through the memo:
    // merging the keys must not hash the string for every pair.
    let mut data = vec![b'}', b'(', 0x8D];
    data.extend_from_slice(&le(1 << 20));
    data.extend(std::iter::repeat_n(b'k', 1 << 20));
    data.extend_from_slice(b"q\x00K\x00");
    for value in 0..100_000u32 {
        data.extend_from_slice(b"h\x00J");
        data.extend_from_slice(&value.to_le_bytes());
    }
    data.extend_from_slice(b"u.");
    let Value::Dict(pairs) = load(&data).expect("a dict") else {
        panic!("a dict")
    };
    assert_eq!(pairs.len(), 1);
    assert_eq!(pairs[0].1, Value::Int(99_999));
}
