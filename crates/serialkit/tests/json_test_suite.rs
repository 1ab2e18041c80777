//! Runs nst/JSONTestSuite from the shared corpora: every `y_` case must be
//! accepted, every `n_` case rejected, and no `i_` case may panic.

use std::path::PathBuf;

fn suite_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpora/json-test-suite/test_parsing")
}

/// CPython accepts these literals by default, and so does serialkit.
const PYTHON_EXTENSIONS: &[&str] = &[
    "n_number_NaN.json",
    "n_number_infinity.json",
    "n_number_minus_infinity.json",
];

#[test]
fn json_test_suite() {
    let dir = suite_dir();
    let entries =
        std::fs::read_dir(&dir).unwrap_or_else(|err| panic!("{} must exist: {err}", dir.display()));
    let mut counts = [0usize; 3];
    let mut failures = Vec::new();
    for entry in entries {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let input = std::fs::read(&path).unwrap();
        let result = std::panic::catch_unwind(|| {
            serialkit::json::from_slice(&input, &serialkit::Limits::default()).is_ok()
        });
        let Ok(accepted) = result else {
            failures.push(format!("{name}: panicked"));
            continue;
        };
        match name.as_bytes()[0] {
            b'y' => {
                counts[0] += 1;
                if !accepted {
                    failures.push(format!("{name}: rejected"));
                }
            }
            b'n' => {
                counts[1] += 1;
                let expected = PYTHON_EXTENSIONS.contains(&name.as_str());
                if accepted != expected {
                    failures.push(format!("{name}: accepted={accepted}"));
                }
            }
            _ => counts[2] += 1,
        }
    }
    println!(
        "JSONTestSuite: {} y_, {} n_, {} i_ cases",
        counts[0], counts[1], counts[2]
    );
    assert!(
        counts[0] > 90 && counts[1] > 180,
        "suite looks incomplete: {counts:?}"
    );
    assert!(failures.is_empty(), "{failures:#?}");
}
