//! `serialkit inspect`, run as a user would. The malicious pickles here are
//! only ever read by the disassembler, which imports and calls nothing.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serialkit::Value;

const BIN: &str = env!("CARGO_BIN_EXE_serialkit");

const OS_SYSTEM: &[u8] = b"cos\nsystem\n(S'echo hi'\ntR.";

/// A fresh directory per test under the target directory.
fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("inspect-{test}"));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

fn run_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn serialkit");
    // The process may exit before reading its input (usage errors).
    if let Some(mut pipe) = child.stdin.take() {
        let _ = pipe.write_all(stdin);
    }
    child.wait_with_output().expect("wait for serialkit")
}

fn run(args: &[&str]) -> Output {
    run_with_stdin(args, b"")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    fs::write(&path, bytes).expect("write input");
    path.to_str().expect("UTF-8 test path").to_owned()
}

#[test]
fn text_output_lists_opcodes_and_summary() {
    let dir = scratch("text");
    let file = write(&dir, "evil.pkl", OS_SYSTEM);
    let output = run(&["inspect", &file]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    for opcode in ["GLOBAL", "MARK", "STRING", "TUPLE", "REDUCE", "STOP"] {
        assert!(text.contains(opcode), "{opcode} missing from\n{text}");
    }
    assert!(text.contains("'os system'"), "{text}");
    assert!(text.contains("call os.system(1 args)"), "{text}");
    let globals = text.find("Globals imported:").expect("globals section");
    let calls = text.find("Calls made:").expect("calls section");
    assert!(globals < calls);
    assert!(text[globals..calls].contains("os.system"), "{text}");
    assert!(text[calls..].contains("REDUCE"), "{text}");
    assert!(text[calls..].contains("os.system('echo hi')"), "{text}");
}

#[test]
fn stdin_and_protocol_4_with_memo() {
    let pickle = b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00\
\x8c\x02os\x94\x8c\x06system\x94h\x00h\x01\x93\x94\x8c\x02id\x94\x85\x94R\x94.";
    let output = run_with_stdin(&["inspect", "-"], pickle);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("STACK_GLOBAL"), "{text}");
    assert!(text.contains("memo[0] = str 'os'"), "{text}");
    assert!(text.contains("← memo[1]"), "{text}");
    assert!(text.contains("push global os.system"), "{text}");
}

fn parse_json(output: &Output) -> Value {
    serialkit::json::from_slice(&output.stdout, &serialkit::Limits::default())
        .unwrap_or_else(|err| panic!("not JSON: {err}\n{}", stdout(output)))
}

fn get<'v>(value: &'v Value, key: &str) -> &'v Value {
    let Value::Dict(entries) = value else {
        panic!("not an object: {value:?}")
    };
    entries
        .iter()
        .find(|(k, _)| *k == Value::str(key))
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no key {key}"))
}

fn list(value: &Value) -> &[Value] {
    match value {
        Value::List(items) => items,
        other => panic!("not a list: {other:?}"),
    }
}

#[test]
fn json_output_parses() {
    let dir = scratch("json");
    let file = write(&dir, "evil.pkl", OS_SYSTEM);
    let output = run(&["inspect", "--format", "json", &file]);
    assert!(output.status.success(), "{}", stderr(&output));
    let value = parse_json(&output);
    assert_eq!(get(&value, "format"), &Value::str("pickle"));
    assert_eq!(get(&value, "error"), &Value::None);
    let pickles = list(get(&value, "pickles"));
    assert_eq!(pickles.len(), 1);
    let entries = list(get(&pickles[0], "entries"));
    assert_eq!(entries.len(), 6);
    assert_eq!(get(&entries[4], "opcode"), &Value::str("REDUCE"));
    assert_eq!(get(&entries[4], "offset"), &Value::Int(24));
    let globals = list(get(&value, "globals"));
    assert_eq!(get(&globals[0], "module"), &Value::str("os"));
    assert_eq!(get(&globals[0], "qualname"), &Value::str("system"));
    let calls = list(get(&value, "calls"));
    assert_eq!(get(&calls[0], "callable"), &Value::str("os.system"));
    assert_eq!(get(&calls[0], "args"), &Value::Int(1));
}

#[test]
fn truncated_pickle_lists_what_ran_then_fails() {
    let dir = scratch("truncated");
    let mut bytes = OS_SYSTEM[..OS_SYSTEM.len() - 1].to_vec();
    bytes.extend_from_slice(b"S'tail");
    let file = write(&dir, "cut.pkl", &bytes);
    let output = run(&["inspect", &file]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.contains("REDUCE"), "{text}");
    assert!(text.contains("FAILED"), "{text}");
    assert!(text.contains("Calls made:"), "{text}");
    assert!(text.contains("os.system('echo hi')"), "{text}");
    let message = stderr(&output);
    assert!(
        message.starts_with(&format!("{file}:byte 25: STRING: truncated")),
        "{message}"
    );

    // JSON carries the error too, and still parses.
    let output = run(&["inspect", "--format", "json", &file]);
    assert_eq!(output.status.code(), Some(1));
    let value = parse_json(&output);
    assert_eq!(get(get(&value, "error"), "offset"), &Value::Int(25));
    assert_eq!(list(get(&value, "calls")).len(), 1);
}

#[test]
fn concatenated_pickles_are_all_listed() {
    let mut bytes = OS_SYSTEM.to_vec();
    bytes.extend_from_slice(b"\x80\x02K\x05.");
    let output = run_with_stdin(&["inspect", "-"], &bytes);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("pickle 1 at byte 0"), "{text}");
    assert!(text.contains("pickle 2 at byte 26"), "{text}");
    assert!(text.contains("push int 5"), "{text}");
}

#[test]
fn unrecognised_input_exits_2() {
    let dir = scratch("unrecognised");
    let file = write(&dir, "data.json", b"{\"a\": [1, 2]}");
    let output = run(&["inspect", &file]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("unrecognised format"),
        "{}",
        stderr(&output)
    );
    assert!(output.stdout.is_empty());

    let output = run_with_stdin(&["inspect", "-"], b"");
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn missing_file_is_a_read_error() {
    let dir = scratch("missing");
    let file = dir.join("absent.pkl");
    let output = run(&["inspect", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("absent.pkl"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn help_works() {
    let output = run(&["inspect", "--help"]);
    assert!(output.status.success());
    let text = stdout(&output);
    assert!(text.contains("--format"), "{text}");
    assert!(text.contains("json"), "{text}");
    let output = run(&["--help"]);
    assert!(stdout(&output).contains("inspect"));

    let output = run(&["inspect", "--format", "yaml", "x.pkl"]);
    assert_eq!(output.status.code(), Some(2));
}
