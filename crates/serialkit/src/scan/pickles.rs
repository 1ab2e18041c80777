//! Scans one pickle stream: every import and call a loader would make,
//! found by the real pickle machine (with the scanner's sink in
//! [`record`]), for each pickle of a concatenation, up to a malformed or
//! truncated tail; then, recursively, the pickles nested in bytes values.

use std::collections::hash_map::{Entry, HashMap};

use super::classify::{classify, Severity};
use super::record::{self, Blob, UseKind};
use super::{Finding, FindingKind};
use crate::pickle::inspect::GlobalTarget;
use crate::pickle::{LoadOptions, StringEncoding};

/// Deepest nesting of pickles in bytes values that is followed.
pub const MAX_NESTING: usize = 4;

/// Where a stream lies: findings are attributed to it.
#[derive(Clone, Copy, Debug)]
pub struct Location<'a> {
    pub file: &'a str,
    pub member: Option<&'a str>,
}

/// How the scan of one stream went.
#[derive(Clone, Debug, Default)]
pub struct StreamScan {
    /// Pickles read to their STOP.
    pub complete: usize,
    /// Imports and calls found, nested pickles included.
    pub found: usize,
    /// Where and why reading stopped before the end of the input.
    pub error: Option<(usize, String)>,
}

/// The options a scan loads with: Python 2 strings as latin-1, which
/// accepts every byte, so no string stops the scan early.
pub(super) fn options(len: usize) -> LoadOptions {
    let mut options = LoadOptions {
        encoding: StringEncoding::Latin1,
        ..LoadOptions::default()
    };
    options.limits.max_input_bytes = options.limits.max_input_bytes.max(len);
    options
}

/// Scans the pickle stream `input`, which starts at byte `base` of the
/// file or member, adding every import and call to `findings`.
pub fn scan_stream(
    input: &[u8],
    base: usize,
    at: Location<'_>,
    findings: &mut Vec<Finding>,
) -> StreamScan {
    scan_at_depth(input, base, at, 0, findings)
}

fn scan_at_depth(
    input: &[u8],
    base: usize,
    at: Location<'_>,
    depth: usize,
    findings: &mut Vec<Finding>,
) -> StreamScan {
    let options = options(input.len());
    let record = record::record(input, &options);
    let before = findings.len();
    let nested = if depth == 0 {
        String::new()
    } else {
        format!(" (in a pickle nested {depth} deep in a bytes value)")
    };
    let verdicts: Vec<(Severity, String)> = record.targets.iter().map(classify_target).collect();
    // Safe uses repeat by the thousand in large pickles (a rebuild
    // function per tensor, a class per record): each distinct one is
    // reported once, at its first offset, with a count.
    let mut safe_seen: HashMap<(FindingKind, String), usize> = HashMap::new();
    let mut push = |kind: FindingKind, offset: usize, name: String, verdict: (Severity, String)| {
        let (severity, reason) = verdict;
        if severity == Severity::Safe {
            match safe_seen.entry((kind, name)) {
                Entry::Occupied(seen) => {
                    findings[*seen.get()].count += 1;
                    return;
                }
                Entry::Vacant(slot) => {
                    let name = slot.key().1.clone();
                    slot.insert(findings.len());
                    return findings.push(finding(
                        at,
                        base + offset,
                        kind,
                        name,
                        severity,
                        reason,
                        &nested,
                    ));
                }
            }
        }
        findings.push(finding(
            at,
            base + offset,
            kind,
            name,
            severity,
            reason,
            &nested,
        ));
    };
    for found in &record.uses {
        match &found.kind {
            UseKind::Import(index) => push(
                FindingKind::Import,
                found.offset,
                record.targets[*index].display_name(),
                verdicts[*index].clone(),
            ),
            UseKind::Call { callable, global } => {
                let verdict = match global {
                    Some(index) => verdicts[*index].clone(),
                    None => call_verdict(found.opcode),
                };
                push(FindingKind::Call, found.offset, callable.clone(), verdict);
            }
        }
    }
    let mut scan = StreamScan {
        complete: record.complete,
        found: 0,
        error: record.error.map(|error| {
            let offset = error.position().map_or(input.len(), |p| p.offset());
            (base + offset, error.to_string())
        }),
    };
    if depth < MAX_NESTING {
        for blob in &record.blobs {
            let (offset, data) = match blob {
                Blob::Range(start, end) => (*start, &input[*start..*end]),
                Blob::Owned(data) => (0, data.as_slice()),
            };
            scan_at_depth(data, base + offset, at, depth + 1, findings);
        }
    }
    scan.found = findings.len() - before;
    scan
}

fn finding(
    at: Location<'_>,
    offset: usize,
    kind: FindingKind,
    name: String,
    severity: Severity,
    reason: String,
    nested: &str,
) -> Finding {
    Finding {
        file: at.file.to_owned(),
        member: at.member.map(str::to_owned),
        offset,
        kind,
        name,
        severity,
        reason: format!("{reason}{nested}"),
        count: 1,
    }
}

/// A call of something that is not a global.
fn call_verdict(opcode: &str) -> (Severity, String) {
    match opcode {
        "PERSID" | "BINPERSID" => (
            Severity::Safe,
            "persistent id: resolved by the loader's own persistent_load".into(),
        ),
        "APPEND" | "APPENDS" | "SETITEM" | "SETITEMS" | "ADDITEMS" | "BUILD" => (
            Severity::Safe,
            "fills an object made by an earlier call, which is classified there".into(),
        ),
        _ => (
            Severity::Suspicious,
            "calls a value that is not a global".into(),
        ),
    }
}

fn classify_target(target: &GlobalTarget) -> (Severity, String) {
    match target {
        GlobalTarget::Name { module, qualname } => classify(module, qualname),
        GlobalTarget::Extension(_) => (
            Severity::Suspicious,
            "extension code: resolved by the loader's copyreg registry".into(),
        ),
    }
}
