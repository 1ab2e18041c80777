//! Runs the built `serialkit` binary as a user would.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_serialkit");

/// A fresh directory per test, under the target directory so nothing leaks
/// into the system temp dir and parallel tests never share files.
fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-{test}"));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

fn run(args: &[&str]) -> Output {
    run_with_stdin(args, b"")
}

fn run_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn serialkit");
    // Errors are ignored because the process may exit (e.g. on a usage
    // error) before reading its input, which then fails with a broken pipe.
    if let Some(mut pipe) = child.stdin.take() {
        let _ = pipe.write_all(stdin);
    }
    child.wait_with_output().expect("wait for serialkit")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 test path")
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("read scratch dir")
        .map(|entry| {
            entry
                .expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

const SAMPLE: &str = r#"{"b":[1,2.5,[]],"a":{"y":null,"x":true},"c":{}}"#;

#[test]
fn converts_file_to_file_compact_with_python_separators() {
    let dir = scratch("compact");
    let input = dir.join("in.json");
    let output = dir.join("out.json");
    fs::write(&input, SAMPLE).expect("write input");

    let out = run(&["convert", path(&input), path(&output)]);

    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert_eq!(
        fs::read_to_string(&output).expect("read output"),
        "{\"b\": [1, 2.5, []], \"a\": {\"y\": null, \"x\": true}, \"c\": {}}\n"
    );
    assert_eq!(entries(&dir), ["in.json", "out.json"], "no temp file left");
}

#[test]
fn converts_with_indent_and_sorted_keys() {
    let dir = scratch("indent");
    let input = dir.join("in.json");
    let output = dir.join("out.json");
    fs::write(&input, SAMPLE).expect("write input");

    let out = run(&[
        "convert",
        path(&input),
        path(&output),
        "--indent",
        "2",
        "--sort-keys",
    ]);

    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let expected = "\
{
  \"a\": {
    \"x\": true,
    \"y\": null
  },
  \"b\": [
    1,
    2.5,
    []
  ],
  \"c\": {}
}
";
    assert_eq!(fs::read_to_string(&output).expect("read output"), expected);
}

#[test]
fn extensions_are_case_insensitive() {
    let dir = scratch("case");
    let input = dir.join("IN.JSON");
    let output = dir.join("out.Json");
    fs::write(&input, "[1]").expect("write input");

    let out = run(&["convert", path(&input), path(&output)]);

    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert_eq!(fs::read_to_string(&output).expect("read output"), "[1]\n");
}

#[test]
fn converts_stdin_to_stdout() {
    let out = run_with_stdin(
        &["convert", "-", "-", "--from", "json", "--to", "JSON"],
        br#"{"k": ["v", 1e3]}"#,
    );

    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "{\"k\": [\"v\", 1000.0]}\n");
    assert_eq!(stderr(&out), "");
}

#[test]
fn stdin_without_from_is_a_usage_error() {
    let dir = scratch("nofrom");
    let output = dir.join("out.json");

    let out = run_with_stdin(&["convert", "-", path(&output)], b"[1]");

    assert_eq!(out.status.code(), Some(2));
    let message = stderr(&out);
    assert!(message.contains("standard input"), "{message}");
    assert!(message.contains("--from"), "{message}");
    assert!(!output.exists());
}

#[test]
fn stdout_without_to_is_a_usage_error() {
    let dir = scratch("noto");
    let input = dir.join("in.json");
    fs::write(&input, "[1]").expect("write input");

    let out = run(&["convert", path(&input), "-"]);

    assert_eq!(out.status.code(), Some(2));
    let message = stderr(&out);
    assert!(message.contains("standard output"), "{message}");
    assert!(message.contains("--to"), "{message}");
    assert_eq!(stdout(&out), "");
}

#[test]
fn unknown_extension_is_a_clear_error() {
    let dir = scratch("unknownext");
    let input = dir.join("data.nosuchformat");
    let output = dir.join("out.json");
    fs::write(&input, "[1]").expect("write input");

    let out = run(&["convert", path(&input), path(&output)]);

    assert_eq!(out.status.code(), Some(2));
    let message = stderr(&out);
    assert!(message.contains("'.nosuchformat'"), "{message}");
    assert!(message.contains("--from"), "{message}");
    assert!(!output.exists());
}

#[test]
fn missing_extension_is_a_clear_error() {
    let dir = scratch("noext");
    let input = dir.join("in.json");
    let output = dir.join("out");
    fs::write(&input, "[1]").expect("write input");

    let out = run(&["convert", path(&input), path(&output)]);

    assert_eq!(out.status.code(), Some(2));
    let message = stderr(&out);
    assert!(message.contains("without a file extension"), "{message}");
    assert!(message.contains("--to"), "{message}");
    assert!(!output.exists());
}

#[test]
fn unknown_format_name_is_rejected_by_argument_parsing() {
    let out = run(&[
        "convert",
        "-",
        "-",
        "--from",
        "nosuchformat",
        "--to",
        "json",
    ]);

    assert_eq!(out.status.code(), Some(2));
    let message = stderr(&out);
    assert!(message.contains("nosuchformat"), "{message}");
    assert!(message.contains("known formats: json"), "{message}");
}

#[test]
fn syntax_error_reports_file_line_and_column() {
    let dir = scratch("syntax");
    let input = dir.join("bad.json");
    let output = dir.join("out.json");
    // Python: Expecting value: line 3 column 4 (char 16).
    fs::write(&input, "{\n  \"a\": [1,\n   ]\n}").expect("write input");

    let out = run(&["convert", path(&input), path(&output)]);

    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!("{}:3:4: Expecting value\n", input.display())
    );
    assert!(!output.exists());
}

#[test]
fn syntax_error_on_stdin_is_named_stdin() {
    let out = run_with_stdin(
        &["convert", "-", "-", "--from", "json", "--to", "json"],
        b"[1,]",
    );

    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out), "<stdin>:1:4: Expecting value\n");
    assert_eq!(stdout(&out), "");
}

#[test]
fn failed_conversion_leaves_existing_output_untouched() {
    let dir = scratch("atomic");
    let input = dir.join("bad.json");
    let output = dir.join("out.json");
    fs::write(&input, "[1, 2").expect("write input");
    fs::write(&output, "precious").expect("write existing output");

    let out = run(&["convert", path(&input), path(&output)]);

    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        fs::read_to_string(&output).expect("read output"),
        "precious"
    );
    assert_eq!(entries(&dir), ["bad.json", "out.json"], "no temp file left");
}

#[test]
fn successful_conversion_replaces_existing_output() {
    let dir = scratch("replace");
    let input = dir.join("in.json");
    let output = dir.join("out.json");
    fs::write(&input, "[true]").expect("write input");
    fs::write(&output, "a much longer previous content").expect("write output");

    let out = run(&["convert", path(&input), path(&output)]);

    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert_eq!(
        fs::read_to_string(&output).expect("read output"),
        "[true]\n"
    );
    assert_eq!(entries(&dir), ["in.json", "out.json"], "no temp file left");
}

#[test]
fn unwritable_output_is_reported_and_leaves_nothing_behind() {
    let dir = scratch("unwritable");
    let input = dir.join("in.json");
    // A directory in the way: the rename over it must fail.
    let output = dir.join("taken.json");
    fs::write(&input, "[1]").expect("write input");
    fs::create_dir(&output).expect("create blocking dir");
    fs::write(output.join("inside"), "x").expect("fill blocking dir");

    let out = run(&["convert", path(&input), path(&output)]);

    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cannot write"), "{}", stderr(&out));
    assert_eq!(
        entries(&dir),
        ["in.json", "taken.json"],
        "no temp file left"
    );
}

#[test]
fn missing_input_is_reported_with_its_path() {
    let dir = scratch("missing");
    let input = dir.join("absent.json");
    let output = dir.join("out.json");

    let out = run(&["convert", path(&input), path(&output)]);

    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with(&format!("{}: ", input.display())),
        "{}",
        stderr(&out)
    );
    assert!(!output.exists());
}

#[test]
fn max_depth_is_enforced() {
    let args = ["convert", "-", "-", "--from", "json", "--to", "json"];

    let within = run_with_stdin(&[&args[..], &["--max-depth", "3"]].concat(), b"[[[1]]]");
    assert!(within.status.success(), "stderr: {}", stderr(&within));
    assert_eq!(stdout(&within), "[[[1]]]\n");

    let beyond = run_with_stdin(&[&args[..], &["--max-depth", "2"]].concat(), b"[[[1]]]");
    assert_eq!(beyond.status.code(), Some(1));
    assert_eq!(
        stderr(&beyond),
        "<stdin>:1:3: nesting depth exceeds the limit of 2\n"
    );
    assert_eq!(stdout(&beyond), "");
}

#[test]
fn max_size_is_enforced() {
    let args = ["convert", "-", "-", "--from", "json", "--to", "json"];

    let within = run_with_stdin(&[&args[..], &["--max-size", "7"]].concat(), b"[1,2,3]");
    assert!(within.status.success(), "stderr: {}", stderr(&within));

    let beyond = run_with_stdin(&[&args[..], &["--max-size", "6"]].concat(), b"[1,2,3]");
    assert_eq!(beyond.status.code(), Some(1));
    assert_eq!(
        stderr(&beyond),
        "<stdin>: input size in bytes exceeds the limit of 6\n"
    );
}

#[test]
fn formats_lists_every_format() {
    let out = run(&["formats"]);

    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let listing = stdout(&out);
    let json = listing
        .lines()
        .find(|line| line.split_whitespace().next() == Some("json"))
        .unwrap_or_else(|| panic!("no json row in:\n{listing}"));
    assert!(json.contains(".json"), "{json}");
    assert!(json.contains("JSON"), "{json}");
}

#[test]
fn help_works_for_every_command() {
    for (args, expected) in [
        (&["--help"][..], "Usage: serialkit <COMMAND>"),
        (&["convert", "--help"][..], "Usage: serialkit convert"),
        (&["formats", "--help"][..], "Usage: serialkit formats"),
        (&["help", "convert"][..], "Usage: serialkit convert"),
    ] {
        let out = run(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert!(
            stdout(&out).contains(expected),
            "{args:?}:\n{}",
            stdout(&out)
        );
    }
    let convert = stdout(&run(&["convert", "--help"]));
    for option in [
        "--from",
        "--to",
        "--indent",
        "--sort-keys",
        "--max-depth",
        "--max-size",
    ] {
        assert!(
            convert.contains(option),
            "{option} missing from:\n{convert}"
        );
    }
}

#[test]
fn version_is_printed() {
    let out = run(&["--version"]);

    assert!(out.status.success());
    assert_eq!(
        stdout(&out),
        format!("serialkit {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn missing_subcommand_is_a_usage_error() {
    let out = run(&[]);

    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("Usage: serialkit"),
        "{}",
        stderr(&out)
    );
}
