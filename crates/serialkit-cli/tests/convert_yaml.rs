//! `serialkit convert` with YAML: inferred from `.yaml`/`.yml`, and
//! multi-document streams with `--all-documents`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_serialkit");

fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("convert-yaml-{test}"));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

fn convert(args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("convert")
        .args(args)
        .output()
        .expect("serialkit runs")
}

#[test]
fn yaml_to_json_and_back() {
    let dir = scratch("round-trip");
    let yaml = dir.join("in.yml");
    fs::write(
        &yaml,
        "name: serialkit\nlist: [1, 2.5, null, true, 'yes']\n",
    )
    .unwrap();
    let json = dir.join("out.json");
    let out = convert(&[yaml.to_str().unwrap(), json.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        fs::read_to_string(&json).unwrap(),
        "{\"name\": \"serialkit\", \"list\": [1, 2.5, null, true, \"yes\"]}\n"
    );
    let back = dir.join("back.yaml");
    let out = convert(&[json.to_str().unwrap(), back.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        fs::read_to_string(&back).unwrap(),
        "name: serialkit\nlist:\n- 1\n- 2.5\n- null\n- true\n- 'yes'\n"
    );
}

#[test]
fn multi_document_streams_need_all_documents() {
    let dir = scratch("all-documents");
    let yaml = dir.join("in.yaml");
    fs::write(&yaml, "--- 1\n--- {a: b}\n").unwrap();
    let json = dir.join("out.json");
    let out = convert(&[yaml.to_str().unwrap(), json.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--all-documents"));
    assert!(!json.exists());

    let out = convert(&[
        "--all-documents",
        yaml.to_str().unwrap(),
        json.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(fs::read_to_string(&json).unwrap(), "[1, {\"a\": \"b\"}]\n");

    let again = dir.join("again.yaml");
    let out = convert(&[
        "--all-documents",
        json.to_str().unwrap(),
        again.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(fs::read_to_string(&again).unwrap(), "1\n---\na: b\n");
}

/// Regression: YAML naming a global used to convert into a pickle that
/// imports and calls it when loaded.
#[test]
fn python_tags_that_name_globals_are_refused() {
    let dir = scratch("python-tags");
    let cases = [
        "a: !!python/object/apply:os.system [\"echo PWNED\"]\n",
        "a: !!python/object/new:subprocess.Popen [[\"true\"]]\n",
        "a: !!python/object:os.system {x: 1}\n",
        "a: !!python/name:os.system ''\n",
        "a: !!python/module:os ''\n",
    ];
    for (index, text) in cases.iter().enumerate() {
        let yaml = dir.join(format!("evil{index}.yaml"));
        fs::write(&yaml, text).unwrap();
        let pickle = dir.join(format!("evil{index}.pkl"));
        let out = convert(&[yaml.to_str().unwrap(), pickle.to_str().unwrap()]);
        assert!(!out.status.success(), "{text}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("!!python/"), "{stderr}");
        assert!(!pickle.exists(), "no output is written");
    }
    // Tags of plain values still convert.
    let yaml = dir.join("plain.yaml");
    fs::write(&yaml, "a: !!python/tuple [1, 2]\nb: !!python/none ''\n").unwrap();
    let json = dir.join("plain.json");
    let out = convert(&[yaml.to_str().unwrap(), json.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        fs::read_to_string(&json).unwrap(),
        "{\"a\": [1, 2], \"b\": null}\n"
    );
}
