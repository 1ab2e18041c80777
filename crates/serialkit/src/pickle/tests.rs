//! Unit tests of the reader on hand-written pickles; the corpus generated
//! by Python is in `tests/pickle_read.rs`.

use super::*;
use crate::value::Value;

fn load(input: &[u8]) -> Result<Value> {
    from_slice(input, &LoadOptions::default())
}

#[test]
fn reads_a_small_list() {
    assert_eq!(load(b"]K\x01a.").unwrap(), Value::List(vec![Value::Int(1)]));
}

#[test]
fn globals_are_interned_like_find_class_results() {
    let global = Value::global("__main__", "A");
    assert_eq!(
        load(b"c__main__\nA\nc__main__\nA\n\x86.").unwrap(),
        Value::Tuple(vec![
            Value::Shared {
                id: 0,
                value: Box::new(global)
            },
            Value::Ref(0)
        ])
    );
}

#[test]
fn scalars_are_copied_and_other_shared_values_referenced() {
    // An int and a str, each memoized and fetched again.
    assert_eq!(
        load(b"(K\x05q\x00h\x00X\x01\x00\x00\x00sq\x01h\x01l.").unwrap(),
        Value::List(vec![
            Value::Int(5),
            Value::Int(5),
            Value::Shared {
                id: 0,
                value: Box::new(Value::str("s"))
            },
            Value::Ref(0),
        ])
    );
}

#[test]
fn an_object_whose_state_refers_to_it_is_a_cycle() {
    let data = b"\x80\x02c__main__\nC\nq\x00)\x81q\x01}q\x02X\x02\x00\x00\x00meq\x03h\x01sb.";
    let Value::Shared { id: 0, value } = load(data).unwrap() else {
        panic!("shared root")
    };
    let Value::Object(object) = *value else {
        panic!("an object")
    };
    assert_eq!(
        object.state,
        Some(Value::Dict(vec![(Value::str("me"), Value::Ref(0))]))
    );
}

#[test]
fn long1_values_that_fit_64_bits_are_ints() {
    // Nine bytes with a redundant sign byte, and the extremes.
    assert_eq!(
        load(b"\x8a\x09\xff\xff\xff\xff\xff\xff\xff\xff\xff.").unwrap(),
        Value::Int(-1)
    );
    assert_eq!(load(b"\x8a\x00.").unwrap(), Value::Int(0));
    assert_eq!(
        load(b"\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x80.").unwrap(),
        Value::Int(i64::MIN)
    );
    assert_eq!(
        load(b"\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x80\x00.").unwrap(),
        Value::BigInt(num_bigint::BigInt::from(1u64 << 63))
    );
}

/// Records every operation, to check what the machine asks of a sink.
#[derive(Default)]
struct LogSink {
    log: Vec<String>,
    next: usize,
    refuse_buffers: bool,
}

impl LogSink {
    fn made(&mut self, what: String) -> std::result::Result<usize, ()> {
        self.next += 1;
        self.log.push(format!("#{} = {what}", self.next));
        Ok(self.next)
    }
}

impl PickleSink for LogSink {
    type Handle = usize;
    type Error = ();

    fn share(&mut self, handle: &usize) -> usize {
        *handle
    }
    fn none(&mut self) -> std::result::Result<usize, ()> {
        self.made("None".into())
    }
    fn bool(&mut self, value: bool) -> std::result::Result<usize, ()> {
        self.made(format!("{value}"))
    }
    fn int(&mut self, value: i64) -> std::result::Result<usize, ()> {
        self.made(format!("{value}"))
    }
    fn big_int(&mut self, bytes: &[u8]) -> std::result::Result<usize, ()> {
        self.made(format!("big {bytes:?}"))
    }
    fn float(&mut self, value: f64) -> std::result::Result<usize, ()> {
        self.made(format!("{value}"))
    }
    fn str(&mut self, text: PickleStr<'_>) -> std::result::Result<usize, ()> {
        self.made(format!("{:?}", String::from_utf8_lossy(text.bytes)))
    }
    fn bytes(&mut self, bytes: &[u8]) -> std::result::Result<usize, ()> {
        self.made(format!("bytes {bytes:?}"))
    }
    fn bytearray(&mut self, bytes: &[u8]) -> std::result::Result<usize, ()> {
        self.made(format!("bytearray {bytes:?}"))
    }
    fn empty_list(&mut self) -> std::result::Result<usize, ()> {
        self.made("[]".into())
    }
    fn empty_dict(&mut self) -> std::result::Result<usize, ()> {
        self.made("{}".into())
    }
    fn empty_set(&mut self) -> std::result::Result<usize, ()> {
        self.made("set()".into())
    }
    fn tuple(&mut self, items: Items<'_, usize>) -> std::result::Result<usize, ()> {
        self.made(format!("tuple {:?}", items.collect::<Vec<_>>()))
    }
    fn frozenset(&mut self, items: Items<'_, usize>) -> std::result::Result<usize, ()> {
        self.made(format!("frozenset {:?}", items.collect::<Vec<_>>()))
    }
    fn list_extend(
        &mut self,
        target: &usize,
        items: Items<'_, usize>,
    ) -> std::result::Result<(), ()> {
        let items: Vec<_> = items.collect();
        self.log.push(format!("#{target}.extend({items:?})"));
        Ok(())
    }
    fn dict_set_items(
        &mut self,
        target: &usize,
        pairs: Pairs<'_, usize>,
    ) -> std::result::Result<(), ()> {
        let pairs: Vec<_> = pairs.collect();
        self.log.push(format!("#{target}.update({pairs:?})"));
        Ok(())
    }
    fn set_add(&mut self, target: &usize, items: Items<'_, usize>) -> std::result::Result<(), ()> {
        let items: Vec<_> = items.collect();
        self.log.push(format!("#{target}.add({items:?})"));
        Ok(())
    }
    fn global(&mut self, module: &str, qualname: &str) -> std::result::Result<usize, ()> {
        self.made(format!("{module}:{qualname}"))
    }
    fn call(&mut self, callable: usize, args: usize) -> std::result::Result<usize, ()> {
        self.made(format!("call #{callable} #{args}"))
    }
    fn new_object(
        &mut self,
        cls: usize,
        args: usize,
        kwargs: Option<usize>,
    ) -> std::result::Result<usize, ()> {
        self.made(format!("new #{cls} #{args} {kwargs:?}"))
    }
    fn build(&mut self, target: &usize, state: usize) -> std::result::Result<(), ()> {
        self.log.push(format!("#{target}.build(#{state})"));
        Ok(())
    }
    fn persistent_load(&mut self, pid: usize) -> std::result::Result<usize, ()> {
        self.made(format!("persistent #{pid}"))
    }
    fn extension(&mut self, code: u32) -> std::result::Result<usize, ()> {
        self.made(format!("extension {code}"))
    }
    fn next_buffer(&mut self) -> std::result::Result<usize, ()> {
        if self.refuse_buffers {
            return Err(());
        }
        self.made("buffer".into())
    }
    fn readonly_buffer(&mut self, buffer: usize) -> std::result::Result<usize, ()> {
        self.made(format!("readonly #{buffer}"))
    }
}

#[test]
fn the_machine_tells_the_sink_everything_in_order() {
    // Protocol 2: a Python 2 class instance with state, an extension code,
    // a persistent id, and the MARK-based SETITEMS.
    let data = b"\x80\x02c__builtin__\nobject\n)\x81}(K\x01K\x02ub\x82\x05Pxy\n\x87.";
    let mut sink = LogSink::default();
    let (root, end) = machine::load(data, 0, &LoadOptions::default(), &mut sink)
        .map_err(|_| "failed")
        .unwrap();
    assert_eq!(end, data.len());
    assert_eq!(root, 10);
    assert_eq!(
        sink.log,
        [
            "#1 = builtins:object",
            "#2 = tuple []",
            "#3 = new #1 #2 None",
            "#4 = {}",
            "#5 = 1",
            "#6 = 2",
            "#4.update([(5, 6)])",
            "#3.build(#4)",
            "#7 = extension 5",
            "#8 = \"xy\"",
            "#9 = persistent #8",
            "#10 = tuple [3, 7, 9]",
        ]
    );
}

#[test]
fn sink_errors_carry_the_opcode_and_offset() {
    let mut sink = LogSink {
        refuse_buffers: true,
        ..LogSink::default()
    };
    let failure = machine::load(b"N0\x97.", 0, &LoadOptions::default(), &mut sink);
    assert!(matches!(
        failure,
        Err(Failure::Sink {
            error: (),
            offset: 2,
            opcode: "NEXT_BUFFER"
        })
    ));
}

#[test]
fn a_memo_kept_across_loads_serves_later_pickles() {
    // The second pickle GETs the list and the module name the first one
    // stored, as a Pickler's later dump() does; its STACK_GLOBAL must find
    // the text of a str that lies in the first input, not the second.
    let first = b"\x80\x04\x8c\x08__main__\x94]\x94K\x01a\x86\x94.";
    let second = b"\x80\x04h\x00\x8c\x01A\x94\x93h\x01\x86\x94.";
    let options = LoadOptions::default();
    let mut sink = ValueSink::new(&options.limits, None);
    let mut memo = MemoTable::new();
    let (_, end) = load_with_memo(first, 0, &options, &mut sink, &mut memo).unwrap();
    assert_eq!((end, memo.len()), (first.len(), 3));
    let (root, _) = load_with_memo(second, 0, &options, &mut sink, &mut memo).unwrap();
    assert_eq!(memo.len(), 5);
    assert_eq!(
        memo.entries().iter().map(|e| e.0).collect::<Vec<_>>(),
        [0, 1, 2, 3, 4]
    );
    let value = sink.finish(root).unwrap();
    let Value::Tuple(items) = value else {
        panic!("not a tuple: {value:?}")
    };
    assert_eq!(items[0], Value::global("__main__", "A"));
    assert!(matches!(&items[1], Value::List(list) if list == &[Value::Int(1)]));
}

#[test]
fn a_failed_load_keeps_what_it_stored_in_the_memo() {
    let options = LoadOptions::default();
    let mut sink = ValueSink::new(&options.limits, None);
    let mut memo = MemoTable::new();
    memo.insert(7, sink.none().unwrap());
    let broken = b"\x80\x04]\x94K\x01";
    assert!(load_with_memo(broken, 0, &options, &mut sink, &mut memo).is_err());
    // MEMOIZE numbers by the count of entries, as CPython's memo_len does.
    assert_eq!(
        memo.entries().iter().map(|e| e.0).collect::<Vec<_>>(),
        [1, 7]
    );
}

#[test]
fn stack_global_still_refuses_a_value_of_unknown_text() {
    // An int stored from outside has no text: STACK_GLOBAL refuses it.
    let options = LoadOptions::default();
    let mut sink = ValueSink::new(&options.limits, None);
    let mut memo = MemoTable::new();
    memo.insert(0, sink.int(3).unwrap());
    let pickle = b"\x80\x04h\x00h\x00\x93.";
    let error = load_with_memo(pickle, 0, &options, &mut sink, &mut memo).unwrap_err();
    assert!(matches!(error, Failure::Pickle(e) if e.to_string().contains("needs str names")));
}
