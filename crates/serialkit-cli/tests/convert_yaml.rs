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

#[test]
fn recursive_aliases_convert_to_yaml_and_pickle_but_not_json() {
    let dir = scratch("recursive");
    let yaml = dir.join("in.yaml");
    fs::write(&yaml, "a: &a [1, 2]\nb: *a\nc: &c {x: *c}\n").unwrap();
    let out_yaml = dir.join("out.yaml");
    let out = convert(&[yaml.to_str().unwrap(), out_yaml.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    // The cycle and the sharing are written back as anchors and aliases.
    assert_eq!(
        fs::read_to_string(&out_yaml).unwrap(),
        "a: &id001\n- 1\n- 2\nb: *id001\nc: &id002\n  x: *id002\n"
    );
    let pickle = dir.join("out.pkl");
    let out = convert(&[yaml.to_str().unwrap(), pickle.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let json = dir.join("out.json");
    let out = convert(&[yaml.to_str().unwrap(), json.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("recursive"),
        "{out:?}"
    );
    assert!(!json.exists());
}

#[test]
fn shared_aliases_are_copied_into_json() {
    let dir = scratch("shared");
    let yaml = dir.join("in.yaml");
    fs::write(&yaml, "a: &a {k: [1, 2]}\nb: *a\n").unwrap();
    let json = dir.join("out.json");
    let out = convert(&[yaml.to_str().unwrap(), json.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        fs::read_to_string(&json).unwrap(),
        "{\"a\": {\"k\": [1, 2]}, \"b\": {\"k\": [1, 2]}}\n"
    );
}

#[test]
fn billion_laughs_is_refused_in_little_memory() {
    let dir = scratch("laughs");
    let mut doc = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (previous, name) in ('a'..='h').zip('b'..='i') {
        let aliases = vec![format!("*{previous}"); 9].join(", ");
        doc.push_str(&format!("{name}: &{name} [{aliases}]\n"));
    }
    let yaml = dir.join("laughs.yaml");
    fs::write(&yaml, doc).unwrap();
    let json = dir.join("out.json");
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%M", BIN, "convert"])
        .args([yaml.to_str().unwrap(), json.to_str().unwrap()])
        .output();
    let Ok(out) = out else {
        // Without GNU time the refusal alone is checked.
        let out = convert(&[yaml.to_str().unwrap(), json.to_str().unwrap()]);
        assert!(String::from_utf8_lossy(&out.stderr).contains("alias expansion"));
        return;
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("alias expansion"), "{stderr}");
    let peak_kib: u64 = stderr
        .lines()
        .last()
        .and_then(|line| line.trim().parse().ok())
        .expect("GNU time prints the peak RSS last");
    assert!(peak_kib < 32 * 1024, "peak {peak_kib} KiB");
}
