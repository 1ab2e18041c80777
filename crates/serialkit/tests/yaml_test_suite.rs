//! Runs the official YAML test suite from the shared corpora: every case
//! with an `in.json` must load to equal data, every case with an `error`
//! file must be rejected, every other case must load. Prints the pass
//! rate; fails on any failure not listed in `KNOWN_FAILURES`.

use serialkit::yaml::{self, LoadOptions};
use serialkit::Value;
use std::path::{Path, PathBuf};

/// Cases the reader gets wrong, each with the reason. The event parser
/// (saphyr-parser) decides acceptance; the list is checked both ways, so a
/// case that starts passing must be removed from it.
const KNOWN_FAILURES: &[(&str, &str)] = &[
    (
        "2JQS",
        "two empty (null) keys in one mapping: duplicate keys are an error by default; \
         the case loads with DuplicateKeys::LastWins (checked below)",
    ),
    (
        "X38W",
        "the key [a, b] appears twice (once through aliases): duplicate keys are an error by \
         default; the case loads with DuplicateKeys::LastWins (checked below)",
    ),
];

fn suite_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/yaml-test-suite")
}

fn cases(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("{} must exist: {err}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if !path.is_dir() {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.join("in.yaml").exists() {
            out.push((name, path));
        } else {
            for (sub, subpath) in cases(&path) {
                out.push((format!("{name}/{sub}"), subpath));
            }
        }
    }
    out
}

/// Splits a stream of JSON texts (one per YAML document) into documents.
fn json_documents(text: &str) -> Vec<Value> {
    let bytes = text.as_bytes();
    let mut documents = Vec::new();
    let mut at = 0;
    loop {
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        if at == bytes.len() {
            return documents;
        }
        let start = at;
        let (mut depth, mut in_string, mut escaped) = (0i32, false, false);
        while at < bytes.len() {
            let b = bytes[at];
            at += 1;
            if in_string {
                match (escaped, b) {
                    (true, _) => escaped = false,
                    (false, b'\\') => escaped = true,
                    (false, b'"') => in_string = false,
                    _ => {}
                }
                if !in_string && depth == 0 {
                    break;
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'[' | b'{' => depth += 1,
                b']' | b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                b if b.is_ascii_whitespace() && depth == 0 => {
                    at -= 1;
                    break;
                }
                _ => {}
            }
        }
        let piece = &bytes[start..at];
        documents.push(serialkit::json::from_slice(piece, &serialkit::Limits::default()).unwrap());
    }
}

/// Equality as JSON sees data: numbers by value, keys as strings. The
/// suite writes what JSON cannot hold in its own way: a `!!set` as a
/// mapping to nulls, `!!binary` as its base64 text, an `!!omap` as a list of
/// one-pair mappings.
fn same(yaml: &Value, json: &Value) -> bool {
    match (yaml, json) {
        (Value::Set(keys), Value::Dict(pairs)) => {
            keys.len() == pairs.len()
                && pairs
                    .iter()
                    .all(|(k, v)| *v == Value::None && keys.iter().any(|key| same_key(key, k)))
        }
        (Value::Bytes(bytes), Value::Str(text)) => {
            serialkit::yaml::resolve::decode_base64(text).as_ref() == Some(bytes)
        }
        (Value::Tuple(pair), Value::Dict(entries)) if pair.len() == 2 && entries.len() == 1 => {
            same_key(&pair[0], &entries[0].0) && same(&pair[1], &entries[0].1)
        }
        (Value::Int(a), Value::Float(b)) | (Value::Float(b), Value::Int(a)) => *a as f64 == *b,
        (Value::Float(a), Value::Float(b)) => a == b || (a.is_nan() && b.is_nan()),
        (Value::List(a), Value::List(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        (Value::Dict(a), Value::Dict(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, v)| b.iter().any(|(k2, v2)| same_key(k, k2) && same(v, v2)))
        }
        (a, b) => a == b,
    }
}

fn same_key(yaml: &Value, json: &Value) -> bool {
    match (yaml, json) {
        (Value::None, Value::Str(s)) => s.is_empty() || s == "null",
        (Value::Int(i), Value::Str(s)) => i.to_string() == *s,
        (Value::Bool(b), Value::Str(s)) => b.to_string() == *s,
        (a, b) => same(a, b),
    }
}

#[derive(Debug)]
enum Outcome {
    Pass,
    Fail(String),
}

fn run_case(path: &Path) -> Outcome {
    let input = std::fs::read(path.join("in.yaml")).unwrap();
    let must_fail = path.join("error").exists();
    let result = std::panic::catch_unwind(|| yaml::from_slice(&input, &LoadOptions::default()));
    let Ok(result) = result else {
        return Outcome::Fail("panicked".into());
    };
    match (must_fail, result) {
        (true, Ok(_)) => Outcome::Fail("accepted invalid input".into()),
        (true, Err(_)) => Outcome::Pass,
        (false, Err(err)) => Outcome::Fail(format!("rejected: {err}")),
        (false, Ok(documents)) => {
            // Aliases load as shared references; in.json spells them out.
            let documents: Vec<Value> =
                match documents.into_iter().map(Value::expand_shared).collect() {
                    Ok(documents) => documents,
                    Err(err) => return Outcome::Fail(format!("cannot expand aliases: {err}")),
                };
            let Ok(json) = std::fs::read_to_string(path.join("in.json")) else {
                return Outcome::Pass;
            };
            let expected = json_documents(&json);
            if expected.len() == documents.len()
                && documents.iter().zip(&expected).all(|(a, b)| same(a, b))
            {
                Outcome::Pass
            } else {
                Outcome::Fail(format!("loaded {documents:?}, expected {expected:?}"))
            }
        }
    }
}

#[test]
fn yaml_test_suite() {
    let cases = cases(&suite_dir());
    assert!(cases.len() > 300, "suite looks incomplete: {}", cases.len());
    let mut passed = 0;
    let mut unexpected = Vec::new();
    for (name, path) in &cases {
        let known = KNOWN_FAILURES.iter().find(|(case, _)| case == name);
        match (run_case(path), known) {
            (Outcome::Pass, None) => passed += 1,
            (Outcome::Pass, Some(_)) => {
                unexpected.push(format!("{name}: passes, remove it from KNOWN_FAILURES"))
            }
            (Outcome::Fail(_), Some(_)) => {}
            (Outcome::Fail(why), None) => unexpected.push(format!("{name}: {why}")),
        }
    }
    let total = cases.len();
    println!(
        "yaml-test-suite: {passed}/{total} cases pass ({:.1}%), {} known failures excluded",
        100.0 * passed as f64 / total as f64,
        KNOWN_FAILURES.len()
    );
    assert!(unexpected.is_empty(), "{}", unexpected.join("\n"));
    let last_wins = LoadOptions {
        duplicate_keys: serialkit::yaml::DuplicateKeys::LastWins,
        ..LoadOptions::default()
    };
    for (name, _) in KNOWN_FAILURES {
        let input = std::fs::read(suite_dir().join(name).join("in.yaml")).unwrap();
        let loaded = yaml::from_slice(&input, &last_wins);
        assert!(loaded.is_ok(), "{name} with LastWins: {:?}", loaded.err());
    }
}
