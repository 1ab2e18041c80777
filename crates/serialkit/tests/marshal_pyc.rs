//! Every `.pyc` file of the standard library of the `python3` on PATH (not
//! its site-packages) is read by the core: header and code object tree,
//! with no error.

use serialkit::marshal::{pyc::PycSource, read_pyc};
use serialkit::{Limits, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

fn stdlib_dir() -> PathBuf {
    let output = Command::new("python3")
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['stdlib'])",
        ])
        .output()
        .expect("python3 runs (the project's tests need it)");
    assert!(output.status.success());
    PathBuf::from(String::from_utf8(output.stdout).unwrap().trim())
}

fn python_minor() -> u8 {
    let output = Command::new("python3")
        .args(["-c", "import sys; print(sys.version_info[1])"])
        .output()
        .expect("python3 runs");
    String::from_utf8(output.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn pyc_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() && entry.file_name() != "site-packages" {
            pyc_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "pyc") {
            found.push(path);
        }
    }
}

fn is_code(value: &Value) -> bool {
    match value {
        Value::Shared { value, .. } => is_code(value),
        Value::Object(object) => {
            object.callable == Value::global("types", "CodeType")
                && matches!(object.state, Some(Value::Dict(_)))
        }
        _ => false,
    }
}

#[test]
fn every_stdlib_pyc_is_read() {
    let minor = python_minor();
    if minor < 11 {
        panic!("the stdlib .pyc test needs Python 3.11 or later (code object layout)");
    }
    let mut files = Vec::new();
    pyc_files(&stdlib_dir(), &mut files);
    let tag = format!(".cpython-3{minor}.");
    files.retain(|path| path.to_string_lossy().contains(&tag));
    assert!(files.len() > 100, "only {} .pyc files found", files.len());
    let limits = Limits::default();
    for path in &files {
        let data = std::fs::read(path).unwrap();
        let (header, value) =
            read_pyc(&data, &limits).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        assert_eq!(header.python, Some((3, minor)), "{}", path.display());
        assert!(
            matches!(
                header.source,
                PycSource::Timestamp { .. } | PycSource::Hash { .. }
            ),
            "{}",
            path.display()
        );
        assert!(is_code(&value), "{}: not a code object", path.display());
    }
}
