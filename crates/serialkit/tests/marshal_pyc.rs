//! Every `.pyc` file of the standard library (not its site-packages) of
//! the `python3` on PATH, and a sample of those of every other CPython 3.8+
//! that pyenv keeps beside it, is read by the core: header and code object
//! tree, in the layout of the version the header names, with no error.

use serialkit::marshal::{pyc::PycSource, read_pyc};
use serialkit::{Limits, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

/// (stdlib folder, minor version) of an interpreter, if it runs.
fn stdlib_of(python: &str) -> Option<(PathBuf, u8)> {
    let output = Command::new(python)
        .args([
            "-c",
            "import sys, sysconfig; print(sys.version_info[1]); print(sysconfig.get_paths()['stdlib'])",
        ])
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    let mut lines = text.lines();
    let minor = lines.next()?.trim().parse().ok()?;
    Some((PathBuf::from(lines.next()?.trim()), minor))
}

fn interpreters() -> Vec<String> {
    let mut found = vec!["python3".to_owned()];
    if let Ok(home) = std::env::var("HOME") {
        if let Ok(versions) = std::fs::read_dir(Path::new(&home).join(".pyenv/versions")) {
            for version in versions.flatten() {
                let python = version.path().join("bin/python3");
                if python.exists() {
                    found.push(python.display().to_string());
                }
            }
        }
    }
    found
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

/// How many `.pyc` files of each other Python version are read.
const OTHER_VERSION_SAMPLE: usize = 150;

#[test]
fn every_stdlib_pyc_is_read() {
    let (_, own_minor) = stdlib_of("python3").expect("python3 runs (the project's tests need it)");
    let mut seen = std::collections::HashSet::new();
    let mut total = 0;
    for python in interpreters() {
        let Some((stdlib, minor)) = stdlib_of(&python) else {
            continue;
        };
        if minor < 8 || !seen.insert(stdlib.clone()) {
            continue;
        }
        let mut files = Vec::new();
        pyc_files(&stdlib, &mut files);
        let tag = format!(".cpython-3{minor}.");
        files.retain(|path| path.to_string_lossy().contains(&tag));
        if minor == own_minor {
            assert!(files.len() > 100, "only {} .pyc files found", files.len());
        } else {
            // Other versions are a check of their layouts: a spread sample
            // keeps the test's time in bounds.
            files.sort();
            let step = files.len() / OTHER_VERSION_SAMPLE + 1;
            files = files.into_iter().step_by(step).collect();
        }
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
        total += files.len();
    }
    assert!(total > 100);
}

/// `.pyc` files Python 3.14 compiled (tests/marshal314, from
/// make_golden.py), read on any Python: version 5, with slice constants.
#[test]
fn pycs_of_python_3_14_are_read() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/marshal314");
    for (name, check_source) in [("sample.pyc", false), ("sample_hash.pyc", true)] {
        let data = std::fs::read(dir.join(name)).unwrap();
        let (header, value) = read_pyc(&data, &Limits::default()).unwrap();
        assert_eq!(header.python, Some((3, 14)));
        assert!(matches!(
            header.source,
            PycSource::Hash { check_source: c, .. } if c == check_source
        ));
        assert!(is_code(&value));
        let slices = count_slices(&value);
        assert_eq!(slices, 3, "{name}: slice constants of head()");
    }
}

fn count_slices(value: &Value) -> usize {
    match value {
        Value::Shared { value, .. } => count_slices(value),
        Value::Object(object) => {
            let own = usize::from(object.callable == Value::global("builtins", "slice"));
            own + object.args.iter().map(count_slices).sum::<usize>()
                + object.state.as_ref().map_or(0, count_slices)
        }
        Value::List(items) | Value::Tuple(items) | Value::Set(items) | Value::FrozenSet(items) => {
            items.iter().map(count_slices).sum()
        }
        Value::Dict(entries) => entries
            .iter()
            .map(|(k, v)| count_slices(k) + count_slices(v))
            .sum(),
        _ => 0,
    }
}
