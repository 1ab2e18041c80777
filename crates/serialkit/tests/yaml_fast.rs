//! The fast YAML event producer against saphyr-parser: on every
//! yaml-test-suite case and every benchmark document's YAML text, whenever
//! the fast path accepts, its events and markers must be saphyr-parser's.

use serialkit::yaml::{self, fast, WriteOptions};
use std::path::{Path, PathBuf};

fn corpora() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora")
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("{} must exist: {err}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.file_name().is_some_and(|name| name == "in.yaml") {
            out.push(path);
        }
    }
}

#[test]
fn suite_cases_agree() {
    let mut files = Vec::new();
    yaml_files(&corpora().join("yaml-test-suite"), &mut files);
    assert!(files.len() > 300, "the suite has {} cases", files.len());
    let mut accepted = 0;
    let mut failures = Vec::new();
    for file in &files {
        let Ok(text) = String::from_utf8(std::fs::read(file).unwrap()) else {
            continue;
        };
        match fast::differential(&text) {
            Ok(true) => accepted += 1,
            Ok(false) => {}
            Err(message) => failures.push(format!("{}: {message}", file.display())),
        }
    }
    println!(
        "yaml-test-suite: the fast path accepts {accepted} of {} cases",
        files.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(accepted > 50, "only {accepted} cases accepted");
}

#[test]
fn bench_documents_agree_and_take_the_fast_path() {
    for name in [
        "twitter.json",
        "citm_catalog.json",
        "canada.json",
        "github.json",
    ] {
        let data = std::fs::read(corpora().join("bench").join(name)).unwrap();
        let value = serialkit::json::from_slice(&data, &serialkit::Limits::default()).unwrap();
        let text =
            yaml::write::to_string(std::slice::from_ref(&value), &WriteOptions::default()).unwrap();
        assert_eq!(fast::differential(&text), Ok(true), "{name}");
    }
}
