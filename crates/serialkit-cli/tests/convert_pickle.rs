//! `serialkit convert` between pickle and JSON: pickles python3 writes
//! become readable JSON (tags only where JSON lacks the type), and that
//! JSON converts back into a pickle python3 loads as the original.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_serialkit");

fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("convert-pickle-{test}"));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Defines the data in python3; `extra` runs after it with `data` bound.
const DATA: &str = r#"
import collections, pickle, sys

class Record:
    def __init__(self, name, scores):
        self.name = name
        self.scores = scores

shared = [1, 2]
cycle = ["head"]
cycle.append(cycle)
data = {
    "rows": [{"id": i, "label": "row", "values": [i, i * 2]} for i in range(3)],
    "ordered": collections.OrderedDict([("z", 1), ("a", 2)]),
    "record": Record("ada", [3, 4]),
    "raw": b"\x00\xffbytes",
    "pair": (1, "two"),
    "members": {3},
    "same": [shared, shared],
    "cycle": cycle,
    7: "int key",
}
"#;

fn python(dir: &Path, body: &str) {
    let script = dir.join("script.py");
    fs::write(&script, format!("{DATA}\n{body}")).expect("write script");
    let output = Command::new("python3")
        .arg(&script)
        .arg(dir)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "python3 failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn convert(args: &[&Path]) {
    let output = Command::new(BIN)
        .arg("convert")
        .args(args)
        .output()
        .expect("run serialkit");
    assert!(
        output.status.success(),
        "serialkit convert failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn pickle_to_json_and_back() {
    let dir = scratch("round-trip");
    python(
        &dir,
        "import os\nopen(os.path.join(sys.argv[1], 'data.pkl'), 'wb').write(pickle.dumps(data, protocol=4))\n",
    );
    let (pkl, json, back) = (
        dir.join("data.pkl"),
        dir.join("data.json"),
        dir.join("back.pkl"),
    );
    convert(&[&pkl, &json]);
    let text = fs::read_to_string(&json).unwrap();

    // The int key makes the top level a `$dict` pair list; everything
    // inside stays plain where JSON can hold it. Repeated keys ("id",
    // "label", "values"), which the pickler memoized, are plain strings.
    assert!(text.starts_with(r#"{"$dict": [["rows", [{"id": 0, "label": "row", "values": [0, 0]}, {"id": 1, "label": "row", "values": [1, 2]}"#), "{text}");
    for expected in [
        r#"["ordered", {"$object": {"call": {"$global": "collections:OrderedDict"}, "dictitems": [["z", 1], ["a", 2]]}}]"#,
        r#"["record", {"$object": {"new": {"$global": "__main__:Record"}, "state": {"name": "ada", "scores": [3, 4]}}}]"#,
        r#"["raw", {"$bytes": "AP9ieXRlcw=="}]"#,
        r#"["pair", {"$tuple": [1, "two"]}]"#,
        r#"["members", {"$set": [3]}]"#,
        r#"[7, "int key"]"#,
    ] {
        assert!(text.contains(expected), "{expected} not in {text}");
    }
    // Mutable values stay shared: the shared list and the cycle.
    let shared = text.matches(r#"{"$shared": "#).count();
    let refs = text.matches(r#"{"$ref": "#).count();
    assert_eq!((shared, refs), (2, 2), "{text}");
    assert!(text.contains(r#"["same", [{"$shared": "#), "{text}");
    assert!(text.contains(r#""$value": [1, 2]}, {"$ref": "#), "{text}");
    assert!(text.contains(r#""$value": ["head", {"$ref": "#), "{text}");
    // Nothing repeated is left as a tag: no `$dict` but the top level.
    assert_eq!(text.matches("$dict").count(), 1, "{text}");

    convert(&[&json, &back]);
    python(
        &dir,
        "import os\n\
         back = pickle.load(open(os.path.join(sys.argv[1], 'back.pkl'), 'rb'))\n\
         record = back.pop('record')\n\
         expected_record = data.pop('record')\n\
         assert type(record) is Record and record.__dict__ == expected_record.__dict__, record.__dict__\n\
         assert type(back['ordered']) is collections.OrderedDict\n\
         assert back['same'][0] is back['same'][1]\n\
         assert back['cycle'][1] is back['cycle']\n\
         assert repr(back) == repr(data), (back, data)\n",
    );
}

#[test]
fn json_with_dollar_keys_is_unchanged_by_json_to_json() {
    let dir = scratch("dollar");
    let input = dir.join("schema.json");
    let output = dir.join("out.json");
    let text = "{\"$schema\": \"http://json-schema.org/draft-07/schema#\", \"$ref\": 5, \"$bytes\": \"x\", \"$id\": [1]}\n";
    fs::write(&input, text).unwrap();
    convert(&[&input, &output]);
    assert_eq!(fs::read_to_string(&output).unwrap(), text);
}

#[test]
fn plain_json_becomes_a_plain_pickle() {
    let dir = scratch("plain");
    let input = dir.join("plain.json");
    fs::write(
        &input,
        r#"{"a": [1, 2.5, null, true], "$schema": "x", "t": {"$tuple": [1]}}"#,
    )
    .unwrap();
    let output = dir.join("plain.pkl");
    convert(&[&input, &output]);
    python(
        &dir,
        "import os\n\
         v = pickle.load(open(os.path.join(sys.argv[1], 'plain.pkl'), 'rb'))\n\
         assert v == {'a': [1, 2.5, None, True], '$schema': 'x', 't': (1,)}, v\n",
    );
}
