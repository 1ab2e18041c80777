//! `serialkit convert` between JSON and XML: JSON-shaped data survives the
//! trip through XML, and XML in xmltodict's shape converts to JSON.

use serialkit::json::from_slice;
use serialkit::Limits;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_serialkit");

fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("convert-xml-{test}"));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

fn convert(from: &Path, to: &Path, extra: &[&str]) {
    let output = Command::new(BIN)
        .arg("convert")
        .args(extra)
        .arg(from)
        .arg(to)
        .output()
        .expect("serialkit runs");
    assert!(
        output.status.success(),
        "convert failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpora/bench")
        .join(name)
}

#[test]
fn json_documents_survive_a_trip_through_xml() {
    let dir = scratch("corpus");
    for name in [
        "github.json",
        "twitter.json",
        "citm_catalog.json",
        "canada.json",
    ] {
        let source = corpus(name);
        let Ok(original) = fs::read(&source) else {
            panic!("missing corpus file {}", source.display());
        };
        for indent in [None, Some("2")] {
            let xml = dir.join(name.replace(".json", ".xml"));
            let back = dir.join(name.replace(".json", ".back.json"));
            let extra: Vec<&str> = indent.map(|n| vec!["--indent", n]).unwrap_or_default();
            convert(&source, &xml, &extra);
            convert(&xml, &back, &[]);
            let limits = Limits::default();
            let expected = from_slice(&original, &limits).expect("corpus is JSON");
            let got = from_slice(&fs::read(&back).expect("read back"), &limits).expect("JSON out");
            assert!(got == expected, "{name} changed on the way through XML");
        }
    }
}

#[test]
fn xml_converts_to_json_in_xmltodict_shape() {
    let dir = scratch("shape");
    let xml = dir.join("doc.xml");
    fs::write(&xml, "<a x=\"1\"><b>one</b><b>two</b><c/></a>").expect("write");
    let json = dir.join("doc.json");
    convert(&xml, &json, &[]);
    assert_eq!(
        fs::read_to_string(&json).expect("read"),
        "{\"a\": {\"@x\": \"1\", \"b\": [\"one\", \"two\"], \"c\": null}}\n"
    );
    // And back: data already in the shape is written as xmltodict writes it.
    let again = dir.join("again.xml");
    convert(&json, &again, &[]);
    assert_eq!(
        fs::read_to_string(&again).expect("read"),
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<a x=\"1\"><b>one</b><b>two</b><c></c></a>\n"
    );
}

#[test]
fn hostile_xml_is_refused() {
    let dir = scratch("hostile");
    let xml = dir.join("evil.xml");
    fs::write(
        &xml,
        "<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r>&x;</r>",
    )
    .expect("write");
    let output = Command::new(BIN)
        .arg("convert")
        .arg(&xml)
        .arg(dir.join("out.json"))
        .output()
        .expect("serialkit runs");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("entities are disabled"));
}
