//! `serialkit scan`, run as a user would. The malicious samples here are
//! only ever read by the scanner, which imports and calls nothing.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serialkit::Value;

const BIN: &str = env!("CARGO_BIN_EXE_serialkit");

const OS_SYSTEM: &[u8] = b"cos\nsystem\n(S'echo hi'\ntR.";
const BENIGN: &[u8] = b"\x80\x04}\x8c\x01a\x94K\x01s.";

fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("scan-{test}"));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

fn run(args: &[&Path], extra: &[&str]) -> Output {
    Command::new(BIN)
        .arg("scan")
        .args(extra)
        .args(args)
        .output()
        .expect("run serialkit")
}

fn status(output: &Output) -> i32 {
    output.status.code().expect("exit code")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn benign_file_is_clean() {
    let dir = scratch("benign");
    let file = dir.join("data.pkl");
    fs::write(&file, BENIGN).unwrap();
    let output = run(&[&file], &[]);
    assert_eq!(status(&output), 0, "{}", stdout(&output));
    assert!(stdout(&output).starts_with("clean"), "{}", stdout(&output));
}

#[test]
fn malicious_file_exits_1_and_names_the_global() {
    let dir = scratch("malicious");
    let file = dir.join("model.bin");
    fs::write(&file, OS_SYSTEM).unwrap();
    let output = run(&[&file], &[]);
    assert_eq!(status(&output), 1);
    let text = stdout(&output);
    assert!(
        text.contains("dangerous") && text.contains("os.system"),
        "{text}"
    );
}

#[test]
fn folders_are_scanned_recursively() {
    let dir = scratch("recursive");
    let deep = dir.join("a").join("b");
    fs::create_dir_all(&deep).unwrap();
    fs::write(dir.join("ok.pkl"), BENIGN).unwrap();
    fs::write(deep.join("weights.pt"), OS_SYSTEM).unwrap();
    let output = run(&[&dir], &[]);
    assert_eq!(status(&output), 1, "{}", stdout(&output));
    assert!(stdout(&output).contains("weights.pt"));
    assert!(stdout(&output).contains("2 files scanned"));
}

#[test]
fn unrecognised_and_missing_files_exit_2() {
    let dir = scratch("unrecognised");
    let file = dir.join("notes.txt");
    fs::write(&file, b"hello world\n").unwrap();
    let output = run(&[&file], &[]);
    assert_eq!(status(&output), 2);
    assert!(stdout(&output).contains("unrecognised"));
    let missing = dir.join("missing.pkl");
    assert_eq!(status(&run(&[&missing], &[])), 2);
}

#[test]
fn json_output_parses() {
    let dir = scratch("json");
    let bad = dir.join("bad.pkl");
    let good = dir.join("good.pkl");
    fs::write(&bad, OS_SYSTEM).unwrap();
    fs::write(&good, BENIGN).unwrap();
    let output = run(&[&bad, &good], &["--format", "json"]);
    assert_eq!(status(&output), 1);
    let value = serialkit::json::from_slice(&output.stdout, &serialkit::Limits::default())
        .expect("valid JSON");
    let Value::Dict(entries) = value else {
        panic!("not an object");
    };
    let get = |key: &str| {
        entries
            .iter()
            .find(|(k, _)| *k == Value::str(key))
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(get("files"), Value::Int(2));
    assert_eq!(get("exit_status"), Value::Int(1));
    let Value::List(findings) = get("findings") else {
        panic!("findings is not a list");
    };
    assert!(findings.iter().any(|f| {
        let Value::Dict(f) = f else { return false };
        f.contains(&(Value::str("name"), Value::str("os.system")))
            && f.contains(&(Value::str("severity"), Value::str("dangerous")))
    }));
}

#[test]
fn strict_counts_suspicious() {
    let dir = scratch("strict");
    let file = dir.join("custom.pkl");
    fs::write(&file, b"cmymodule\nThing\n)R.").unwrap();
    assert_eq!(status(&run(&[&file], &[])), 0);
    assert_eq!(status(&run(&[&file], &["--strict"])), 1);
}
