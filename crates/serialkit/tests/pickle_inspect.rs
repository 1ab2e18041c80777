//! The pickle disassembler: offsets agree with `pickletools.genops`, the
//! summary lists every global and call (also before a failure), and no
//! input makes it panic. python3 writes the pickles; hostile ones are
//! written by hand and never loaded by anything but the disassembler.

use serialkit::pickle::inspect::{disassemble, looks_like_pickle, GlobalTarget, Listing};
use serialkit::pickle::LoadOptions;
use serialkit::{ErrorKind, Limits};
use std::process::Command;

/// Runs a Python script and returns what it wrote to stdout.
fn python(script: &str) -> Vec<u8> {
    let output = Command::new("python3")
        .args(["-c", script])
        .output()
        .expect("python3 must be installed to run these tests");
    assert!(
        output.status.success(),
        "python3 failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

const CLASS_SCRIPT: &str = r#"
import pickle, sys

class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y

value = {"p": Point(1, "two"), "l": [1.5, b"\x00", None, True], "t": (1, 2, 3)}
sys.stdout.buffer.write(pickle.dumps(value, protocol=int(sys.argv[1])))
"#;

/// The pickle of a class instance and `(offset, name)` of every opcode as
/// `pickletools.genops` lists them.
fn class_pickle(proto: u8) -> (Vec<u8>, Vec<(usize, String)>) {
    let script = format!("import sys\nsys.argv = ['', '{proto}']\n{CLASS_SCRIPT}");
    let data = python(&script);
    let genops = python(&format!(
        "import pickletools, sys\n\
         data = bytes.fromhex('{}')\n\
         for op, arg, pos in pickletools.genops(data):\n    print(pos, op.name)\n",
        hex(&data)
    ));
    let ops = String::from_utf8(genops)
        .unwrap()
        .lines()
        .map(|line| {
            let (offset, name) = line.split_once(' ').unwrap();
            (offset.parse().unwrap(), name.to_owned())
        })
        .collect();
    (data, ops)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn inspect(input: &[u8]) -> Listing {
    disassemble(input, &LoadOptions::default()).expect("input within limits")
}

fn global_names(listing: &Listing) -> Vec<String> {
    listing
        .globals
        .iter()
        .map(|global| global.target.display_name())
        .collect()
}

fn call_names(listing: &Listing) -> Vec<(&'static str, String)> {
    listing
        .calls
        .iter()
        .map(|call| (call.opcode, call.callable.clone()))
        .collect()
}

/// Checks the per-opcode annotations line up with the opcodes: a drift in
/// matching sink calls to opcodes would show as a push on the wrong line.
fn check_effects(listing: &Listing) {
    for pickle in &listing.pickles {
        for entry in &pickle.entries {
            if entry.failed {
                continue;
            }
            let effect = &entry.effect;
            match entry.opcode {
                "SHORT_BINUNICODE" | "BINUNICODE" | "UNICODE" => {
                    assert!(effect.starts_with("push str"), "{entry:?}")
                }
                "BININT" | "BININT1" | "BININT2" | "LONG1" => {
                    assert!(effect.starts_with("push int"), "{entry:?}")
                }
                "MEMOIZE" | "BINPUT" | "PUT" | "LONG_BINPUT" => {
                    let memo = entry.memo.as_deref().unwrap_or("");
                    assert!(memo.starts_with("memo["), "{entry:?}");
                    assert!(!memo.ends_with("= "), "{entry:?}");
                }
                "BINGET" | "GET" | "LONG_BINGET" => {
                    assert!(entry.memo.as_deref().unwrap_or("").starts_with("← memo["))
                }
                "GLOBAL" | "STACK_GLOBAL" => {
                    assert!(effect.starts_with("push global"), "{entry:?}")
                }
                "REDUCE" => assert!(effect.starts_with("call "), "{entry:?}"),
                "NEWOBJ" => assert!(effect.contains(".__new__("), "{entry:?}"),
                "BUILD" => assert!(effect.starts_with("set state of"), "{entry:?}"),
                "EMPTY_DICT" => assert_eq!(effect, "push empty dict"),
                "EMPTY_LIST" => assert_eq!(effect, "push empty list"),
                _ => {}
            }
        }
    }
}

#[test]
fn every_protocol_matches_genops_and_lists_the_class() {
    for proto in 0..=5u8 {
        let (data, genops) = class_pickle(proto);
        let listing = inspect(&data);
        assert!(
            listing.error.is_none(),
            "protocol {proto}: {:?}",
            listing.error
        );
        assert_eq!(listing.pickles.len(), 1);
        let pickle = &listing.pickles[0];
        assert_eq!(pickle.end, Some(data.len()));
        let ours: Vec<(usize, String)> = pickle
            .entries
            .iter()
            .map(|entry| (entry.offset, entry.opcode.to_owned()))
            .collect();
        assert_eq!(ours, genops, "protocol {proto}");
        let last = pickle.entries.last().unwrap();
        assert_eq!((last.opcode, last.depth, last.marks), ("STOP", 0, 0));
        assert!(last.effect.starts_with("return dict of 3"), "{last:?}");
        check_effects(&listing);

        // Protocols 0 and 1 rebuild instances through copyreg, and bytes
        // below protocol 3 are made by _codecs.encode.
        let (globals, calls): (&[&str], &[(&str, &str)]) = match proto {
            0 | 1 => (
                &[
                    "copyreg._reconstructor",
                    "__main__.Point",
                    "builtins.object",
                    "_codecs.encode",
                ],
                &[
                    ("REDUCE", "copyreg._reconstructor"),
                    ("BUILD", "__main__.Point.__setstate__"),
                    ("REDUCE", "_codecs.encode"),
                ],
            ),
            2 => (
                &["__main__.Point", "_codecs.encode"],
                &[
                    ("NEWOBJ", "__main__.Point"),
                    ("BUILD", "__main__.Point.__setstate__"),
                    ("REDUCE", "_codecs.encode"),
                ],
            ),
            _ => (
                &["__main__.Point"],
                &[
                    ("NEWOBJ", "__main__.Point"),
                    ("BUILD", "__main__.Point.__setstate__"),
                ],
            ),
        };
        assert_eq!(global_names(&listing), globals, "protocol {proto}");
        let expected: Vec<(&str, String)> = calls
            .iter()
            .map(|&(opcode, callable)| (opcode, callable.to_owned()))
            .collect();
        assert_eq!(call_names(&listing), expected, "protocol {proto}");
        let build = &listing.calls[1];
        assert!(build.text.contains("dict of 2"), "{build:?}");
        assert_eq!(
            build.global,
            Some(GlobalTarget::Name {
                module: "__main__".into(),
                qualname: "Point".into()
            })
        );
    }
}

const OS_SYSTEM_0: &[u8] = b"cos\nsystem\n(S'echo hi'\ntR.";

#[test]
fn os_system_reduce_is_a_global_and_a_call() {
    let listing = inspect(OS_SYSTEM_0);
    assert!(listing.error.is_none());
    assert_eq!(global_names(&listing), ["os.system"]);
    let call = &listing.calls[0];
    assert_eq!(
        (call.opcode, call.callable.as_str()),
        ("REDUCE", "os.system")
    );
    assert_eq!(call.args, Some(1));
    assert_eq!(call.text, "os.system('echo hi')");
    let entries = &listing.pickles[0].entries;
    let names: Vec<&str> = entries.iter().map(|entry| entry.opcode).collect();
    assert_eq!(
        names,
        ["GLOBAL", "MARK", "STRING", "TUPLE", "REDUCE", "STOP"]
    );
    assert_eq!(entries[0].argument, "'os system'");
    assert_eq!(entries[3].argument, "(MARK at 11)");
    assert_eq!(entries[4].effect, "call os.system(1 args)");
    let depths: Vec<usize> = entries.iter().map(|entry| entry.depth).collect();
    assert_eq!(depths, [1, 1, 2, 2, 1, 0]);
    assert_eq!(entries[1].marks, 1);
    assert_eq!(entries[3].marks, 0);
}

/// Protocol 4: `os` and `system` are memoized, fetched back with BINGET and
/// only then named by STACK_GLOBAL.
const STACK_GLOBAL_VIA_MEMO: &[u8] = b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00\
\x8c\x02os\x94\x8c\x06system\x94\x30\x30h\x00h\x01\x93\x94\
\x8c\x07echo hi\x94\x85\x94R\x94.";

#[test]
fn stack_global_operands_come_from_the_memo() {
    let listing = inspect(STACK_GLOBAL_VIA_MEMO);
    assert!(listing.error.is_none(), "{:?}", listing.error);
    assert_eq!(global_names(&listing), ["os.system"]);
    assert_eq!(listing.globals[0].opcode, "STACK_GLOBAL");
    assert_eq!(call_names(&listing), [("REDUCE", "os.system".to_owned())]);
    let entries = &listing.pickles[0].entries;
    let get = entries
        .iter()
        .find(|entry| entry.opcode == "BINGET")
        .unwrap();
    assert_eq!(get.memo.as_deref(), Some("← memo[0]"));
    assert_eq!(get.effect, "push str 'os'");
    let memoize = entries
        .iter()
        .find(|entry| entry.opcode == "MEMOIZE")
        .unwrap();
    assert_eq!(memoize.argument, "(as 0)");
    assert_eq!(memoize.memo.as_deref(), Some("memo[0] = str 'os'"));
    let stop = entries.last().unwrap();
    assert_eq!((stop.opcode, stop.depth), ("STOP", 0));
    check_effects(&listing);
}

#[test]
fn python2_names_are_mapped() {
    let listing = inspect(b"c__builtin__\neval\n(S'1'\ntR.");
    assert_eq!(global_names(&listing), ["builtins.eval"]);
    // The argument column keeps the bytes as written.
    assert_eq!(listing.pickles[0].entries[0].argument, "'__builtin__ eval'");
    // From protocol 3 on, names are taken as they are.
    let listing = inspect(b"\x80\x03c__builtin__\neval\n)R.");
    assert_eq!(global_names(&listing), ["__builtin__.eval"]);
}

#[test]
fn truncated_tail_after_reduce_lists_what_ran() {
    // The REDUCE completes; the pickle then ends inside a STRING argument.
    let mut input = OS_SYSTEM_0[..OS_SYSTEM_0.len() - 1].to_vec();
    input.extend_from_slice(b"S'tail");
    let listing = inspect(&input);
    let error = listing.error.as_ref().expect("truncated input fails");
    assert_eq!(error.position().map(|p| p.offset()), Some(25));
    assert!(matches!(error.kind(), ErrorKind::Syntax(_)));
    assert_eq!(listing.pickles.len(), 1);
    assert_eq!(listing.pickles[0].end, None);
    let last = listing.pickles[0].entries.last().unwrap();
    assert_eq!(
        (last.offset, last.opcode, last.failed),
        (25, "STRING", true)
    );
    assert_eq!(global_names(&listing), ["os.system"]);
    assert_eq!(call_names(&listing), [("REDUCE", "os.system".to_owned())]);

    // Ending right after the REDUCE: no opcode to blame, the offset is the end.
    let listing = inspect(&OS_SYSTEM_0[..OS_SYSTEM_0.len() - 1]);
    let error = listing.error.as_ref().unwrap();
    assert_eq!(error.position().map(|p| p.offset()), Some(25));
    assert!(listing.pickles[0].entries.iter().all(|entry| !entry.failed));
    assert_eq!(listing.calls.len(), 1);
}

#[test]
fn failures_inside_an_opcode_keep_its_sink_calls() {
    // The first INST runs; the second fails on a module name that is not
    // UTF-8. The first one's global and call are in the summary, and the
    // failing opcode is the last entry.
    let listing = inspect(b"(ios\nsystem\n(S'x'\nio\xff\nx\n.");
    assert!(listing.error.is_some());
    assert_eq!(global_names(&listing), ["os.system"]);
    assert_eq!(call_names(&listing), [("INST", "os.system".to_owned())]);
    let failed: Vec<_> = listing.pickles[0]
        .entries
        .iter()
        .filter(|entry| entry.failed)
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].opcode, "INST");
}

#[test]
fn concatenated_pickles_are_listed_one_by_one() {
    let mut input = OS_SYSTEM_0.to_vec();
    input.extend_from_slice(STACK_GLOBAL_VIA_MEMO);
    input.extend_from_slice(b"\x80\x02K\x05.");
    let listing = inspect(&input);
    assert!(listing.error.is_none(), "{:?}", listing.error);
    assert_eq!(listing.pickles.len(), 3);
    assert_eq!(listing.pickles[1].start, OS_SYSTEM_0.len());
    assert_eq!(listing.pickles[0].end, Some(OS_SYSTEM_0.len()));
    assert_eq!(listing.pickles[2].end, Some(input.len()));
    // Memo and protocol start afresh: the second pickle's first MEMOIZE is 0.
    let memoize = listing.pickles[1]
        .entries
        .iter()
        .find(|entry| entry.opcode == "MEMOIZE")
        .unwrap();
    assert_eq!(memoize.argument, "(as 0)");
    let pickles: Vec<usize> = listing.globals.iter().map(|global| global.pickle).collect();
    assert_eq!(pickles, [0, 1]);
    assert_eq!(listing.calls.len(), 2);
    assert_eq!(listing.pickles[2].entries[1].effect, "push int 5");
    check_effects(&listing);

    // A valid pickle followed by garbage: the first is listed whole.
    let mut input = OS_SYSTEM_0.to_vec();
    input.push(0xFF);
    let listing = inspect(&input);
    assert_eq!(listing.pickles.len(), 2);
    assert_eq!(listing.calls.len(), 1);
    let error = listing.error.unwrap();
    assert_eq!(
        error.position().map(|p| p.offset()),
        Some(OS_SYSTEM_0.len())
    );
    assert!(listing.pickles[1].entries[0].failed);
}

#[test]
fn other_calls_are_summarised() {
    // NEWOBJ_EX with kwargs, PERSID, BINPERSID, EXT1, OBJ with arguments.
    let input = b"\x80\x04\x8c\x01m\x8c\x01C\x93)}\x8c\x01k\x8c\x01v\x73\x92\
Ppid\n0\x8c\x03bin\x510\x82\x07(\x8c\x01m\x8c\x01F\x93K\x01o0N.";
    let listing = inspect(input);
    assert!(listing.error.is_none(), "{:?}", listing.error);
    let calls: Vec<_> = listing
        .calls
        .iter()
        .map(|call| (call.opcode, call.callable.as_str(), call.args, call.kwargs))
        .collect();
    assert_eq!(
        calls,
        [
            ("NEWOBJ_EX", "m.C", Some(0), Some(1)),
            ("PERSID", "persistent_load", Some(1), None),
            ("BINPERSID", "persistent_load", Some(1), None),
            ("OBJ", "m.F", Some(1), None),
        ]
    );
    assert_eq!(listing.calls[1].text, "persistent_load('pid')");
    let globals: Vec<_> = listing
        .globals
        .iter()
        .map(|global| (global.opcode, global.target.display_name()))
        .collect();
    assert_eq!(
        globals,
        [
            ("STACK_GLOBAL", "m.C".to_owned()),
            ("EXT1", "extension code 7".to_owned()),
            ("STACK_GLOBAL", "m.F".to_owned()),
        ]
    );
    assert_eq!(listing.globals[1].target, GlobalTarget::Extension(7));
}

#[test]
fn appends_to_a_call_result_are_calls() {
    // collections.OrderedDict() then SETITEMS on it: a loader calls
    // __setitem__ on whatever the call returned.
    let listing = inspect(b"\x80\x02ccollections\nOrderedDict\n)R(K\x01K\x02u.");
    assert!(listing.error.is_none());
    assert_eq!(
        call_names(&listing),
        [
            ("REDUCE", "collections.OrderedDict".to_owned()),
            (
                "SETITEMS",
                "<result of collections.OrderedDict>.__setitem__".to_owned()
            ),
        ]
    );
}

#[test]
fn limits_apply() {
    let options = LoadOptions {
        max_opcodes: 3,
        ..LoadOptions::default()
    };
    let listing = disassemble(OS_SYSTEM_0, &options).unwrap();
    let error = listing.error.unwrap();
    assert!(matches!(error.kind(), ErrorKind::Limit { .. }));
    assert_eq!(listing.pickles[0].entries.len(), 4);
    assert!(listing.pickles[0].entries[3].failed);

    let options = LoadOptions {
        limits: Limits {
            max_input_bytes: 4,
            ..Limits::default()
        },
        ..LoadOptions::default()
    };
    assert!(disassemble(OS_SYSTEM_0, &options).is_err());

    // A long string is shown cut, with its length.
    let mut input = b"\x80\x04\x8c\xc8".to_vec();
    input.extend_from_slice(&[b'a'; 200]);
    input.push(b'.');
    let listing = inspect(&input);
    let argument = &listing.pickles[0].entries[1].argument;
    assert!(argument.ends_with("(200 chars)"), "{argument}");
    assert!(argument.len() < 80);
}

#[test]
fn no_input_makes_it_panic() {
    let (data, _) = class_pickle(2);
    let full = inspect(&data);
    for end in 0..data.len() {
        let listing = inspect(&data[..end]);
        assert!(listing.error.is_some(), "prefix of {end} bytes");
        // A prefix never runs more than the whole did.
        assert!(listing.globals.len() <= full.globals.len());
        assert!(listing.calls.len() <= full.calls.len());
    }
    // Every single-byte change, including opcodes the table lacks.
    for at in 0..data.len() {
        for byte in [0x00, 0x28, 0x2e, 0x7f, 0x93, 0xff] {
            let mut mutated = data.clone();
            mutated[at] = byte;
            let _ = inspect(&mutated);
        }
    }
    // Simple pseudo-random inputs over the opcode alphabet.
    let alphabet = b"()t]}eusaN.K\x85\x86\x93\x94hqcRbo\x81\x920\x31\x32\n";
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..2000 {
        let len = (seed % 40) as usize;
        let input: Vec<u8> = (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                alphabet[(seed % alphabet.len() as u64) as usize]
            })
            .collect();
        let _ = inspect(&input);
    }
}

#[test]
fn detection() {
    assert!(looks_like_pickle(b"\x80\x05N."));
    assert!(looks_like_pickle(OS_SYSTEM_0));
    assert!(looks_like_pickle(b"(lp0\nI1\na."));
    assert!(!looks_like_pickle(b""));
    assert!(!looks_like_pickle(b"true"));
    assert!(!looks_like_pickle(b"{\"a\": 1}"));
    assert!(!looks_like_pickle(b"[1, 2]"));
    assert!(!looks_like_pickle(b"hello world\n"));
    assert!(!looks_like_pickle(b"null"));
}
