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
fn progress_bar_goes_to_stderr_only_when_asked_or_on_a_terminal() {
    let dir = scratch("progress");
    for name in ["a.pkl", "b.pkl", "c.pkl"] {
        fs::write(dir.join(name), BENIGN).unwrap();
    }
    let shown = run(&[&dir], &["--progress", "always"]);
    assert_eq!(status(&shown), 0);
    let stderr = String::from_utf8_lossy(&shown.stderr);
    assert!(stderr.contains("3/3 files"), "{stderr:?}");
    assert!(
        stdout(&shown).starts_with("clean"),
        "the report stays clean"
    );

    // Under a test, stderr is a pipe: the default draws nothing.
    let quiet = run(&[&dir], &[]);
    assert!(quiet.stderr.is_empty(), "{:?}", quiet.stderr);
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

/// The value under `key` in a JSON object.
fn field<'a>(value: &'a Value, key: &str) -> &'a Value {
    let Value::Dict(entries) = value else {
        panic!("not an object: {value:?}");
    };
    entries
        .iter()
        .find(|(k, _)| *k == Value::str(key))
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no {key:?} in {value:?}"))
}

fn list(value: &Value) -> &[Value] {
    let Value::List(items) = value else {
        panic!("not a list: {value:?}");
    };
    items
}

#[test]
fn sarif_output_parses() {
    let dir = scratch("sarif");
    let bad = dir.join("bad.pkl");
    let good = dir.join("good.pkl");
    let notes = dir.join("notes.txt");
    fs::write(&bad, OS_SYSTEM).unwrap();
    fs::write(&good, BENIGN).unwrap();
    fs::write(&notes, b"hello world\n").unwrap();
    let output = run(&[&bad, &good, &notes], &["--format", "sarif"]);
    assert_eq!(status(&output), 1);
    let log = serialkit::json::from_slice(&output.stdout, &serialkit::Limits::default())
        .expect("valid JSON");
    assert_eq!(*field(&log, "version"), Value::str("2.1.0"));
    assert_eq!(
        *field(&log, "$schema"),
        Value::str("https://json.schemastore.org/sarif-2.1.0.json")
    );
    let runs = list(field(&log, "runs"));
    assert_eq!(runs.len(), 1);
    let driver = field(field(&runs[0], "tool"), "driver");
    assert_eq!(*field(driver, "name"), Value::str("serialkit"));
    let rules: Vec<&Value> = list(field(driver, "rules"))
        .iter()
        .map(|rule| {
            field(field(rule, "shortDescription"), "text");
            field(rule, "id")
        })
        .collect();
    let results = list(field(&runs[0], "results"));
    for result in results {
        let id = field(result, "ruleId");
        let Value::Int(index) = field(result, "ruleIndex") else {
            panic!("ruleIndex is not an integer");
        };
        assert_eq!(rules[usize::try_from(*index).unwrap()], id);
    }
    let bad_uri = Value::str(bad.display().to_string());
    let found = |rule: &str| -> Vec<&Value> {
        results
            .iter()
            .filter(|r| *field(r, "ruleId") == Value::str(rule))
            .collect()
    };
    for (rule, offset) in [("dangerous-import", 0), ("dangerous-call", 24)] {
        let hits = found(rule);
        assert_eq!(hits.len(), 1, "{rule}: {hits:?}");
        let result = hits[0];
        assert_eq!(*field(result, "level"), Value::str("error"));
        let Value::Str(text) = field(field(result, "message"), "text") else {
            panic!("message text is not a string");
        };
        assert!(text.starts_with("os.system: "), "{text}");
        let location = field(&list(field(result, "locations"))[0], "physicalLocation");
        assert_eq!(*field(field(location, "artifactLocation"), "uri"), bad_uri);
        assert_eq!(
            *field(field(location, "region"), "byteOffset"),
            Value::Int(offset)
        );
    }
    let unrecognised = found("unrecognised-format");
    assert_eq!(unrecognised.len(), 1);
    assert_eq!(*field(unrecognised[0], "level"), Value::str("error"));
    // Only the two dangerous findings and the unrecognised file: the
    // benign file's safe findings are left out.
    assert_eq!(results.len(), 3, "{results:?}");
}
