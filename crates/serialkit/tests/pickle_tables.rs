//! The opcode table and the Python 2 name tables must equal CPython's
//! (`pickletools.opcodes`, `_compat_pickle`); python3 tells us what those are.

use serialkit::pickle::names::{IMPORT_MAPPING, NAME_MAPPING};
use serialkit::pickle::opcodes::OPCODES;
use std::collections::BTreeSet;
use std::process::Command;

fn python(script: &str) -> String {
    let output = Command::new("python3")
        .args(["-c", script])
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

#[test]
fn opcodes_match_pickletools() {
    let listing = python(
        "import pickletools\n\
         for op in pickletools.opcodes:\n\
         \x20   arg = op.arg.name if op.arg else '-'\n\
         \x20   print(ord(op.code), op.name, arg, op.proto)",
    );
    let theirs: Vec<String> = listing.lines().map(str::to_owned).collect();
    let ours: Vec<String> = OPCODES
        .iter()
        .map(|op| {
            format!(
                "{} {} {} {}",
                op.code,
                op.name,
                op.arg.name().unwrap_or("-"),
                op.proto
            )
        })
        .collect();
    assert_eq!(ours, theirs);
    assert_eq!(ours.len(), 68);
}

#[test]
fn name_tables_match_compat_pickle() {
    let listing = python(
        "import _compat_pickle as c\n\
         for (m, n), (m2, n2) in c.NAME_MAPPING.items(): print('name', m, n, m2, n2)\n\
         for m, m2 in c.IMPORT_MAPPING.items(): print('import', m, m2)",
    );
    let theirs: BTreeSet<String> = listing.lines().map(str::to_owned).collect();
    let names = NAME_MAPPING
        .iter()
        .map(|((m, n), (m2, n2))| format!("name {m} {n} {m2} {n2}"));
    let imports = IMPORT_MAPPING
        .iter()
        .map(|(m, m2)| format!("import {m} {m2}"));
    let ours: BTreeSet<String> = names.chain(imports).collect();
    assert_eq!(ours, theirs);
    // No key twice, so the sets compare the tables exactly.
    assert_eq!(ours.len(), NAME_MAPPING.len() + IMPORT_MAPPING.len());
}
