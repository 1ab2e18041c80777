//! Scans one pickle stream: every import and call a loader would make,
//! found by the real pickle machine (through [`inspect::disassemble`]),
//! for each pickle of a concatenation, up to a malformed or truncated
//! tail; then, recursively, the pickles nested in bytes values.

use std::convert::Infallible;

use super::classify::{classify, Severity};
use super::{Finding, FindingKind};
use crate::pickle::inspect::{self, GlobalTarget};
use crate::pickle::{load, Items, LoadOptions, Pairs, PickleSink, PickleStr, StringEncoding};

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
    let listing = match inspect::disassemble(input, &options) {
        Ok(listing) => listing,
        Err(error) => {
            return StreamScan {
                error: Some((base, error.to_string())),
                ..StreamScan::default()
            }
        }
    };
    let before = findings.len();
    let nested = if depth == 0 {
        String::new()
    } else {
        format!(" (in a pickle nested {depth} deep in a bytes value)")
    };
    let push = |findings: &mut Vec<Finding>,
                offset: usize,
                kind: FindingKind,
                name: String,
                (severity, reason): (Severity, String)| {
        findings.push(Finding {
            file: at.file.to_owned(),
            member: at.member.map(str::to_owned),
            offset: base + offset,
            kind,
            name,
            severity,
            reason: format!("{reason}{nested}"),
        });
    };
    for global in &listing.globals {
        push(
            findings,
            global.offset,
            FindingKind::Import,
            global.target.display_name(),
            classify_target(&global.target),
        );
    }
    for call in &listing.calls {
        let verdict = match &call.global {
            Some(target) => classify_target(target),
            None => match call.opcode {
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
            },
        };
        push(
            findings,
            call.offset,
            FindingKind::Call,
            call.callable.clone(),
            verdict,
        );
    }
    let mut scan = StreamScan {
        complete: listing.pickles.iter().filter(|p| p.end.is_some()).count(),
        found: 0,
        error: listing.error.map(|error| {
            let offset = error.position().map_or(input.len(), |p| p.offset());
            (base + offset, error.to_string())
        }),
    };
    if depth < MAX_NESTING {
        for blob in nested_blobs(input, &options) {
            let (offset, data) = match &blob {
                Blob::Range(start, end) => (*start, &input[*start..*end]),
                Blob::Owned(data) => (0, data.as_slice()),
            };
            scan_at_depth(data, base + offset, at, depth + 1, findings);
        }
    }
    scan.found = findings.len() - before;
    scan
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

/// A bytes value that starts like a pickle of protocol 2 to 5.
enum Blob {
    /// Lies in the input at this range.
    Range(usize, usize),
    /// Decoded from a string.
    Owned(Vec<u8>),
}

fn starts_like_pickle(data: &[u8]) -> bool {
    matches!(data, [0x80, 2..=5, ..])
}

/// Runs the machine again over the stream, collecting the bytes values
/// (and strings whose code points are bytes) that start like a pickle.
fn nested_blobs(input: &[u8], options: &LoadOptions) -> Vec<Blob> {
    let mut sink = Blobs {
        input,
        found: Vec::new(),
    };
    let mut start = 0;
    while let Ok(((), end)) = load(input, start, options, &mut sink) {
        if end <= start || end >= input.len() {
            break;
        }
        start = end;
    }
    sink.found
}

struct Blobs<'a> {
    input: &'a [u8],
    found: Vec<Blob>,
}

impl Blobs<'_> {
    fn note(&mut self, data: &[u8]) {
        if !starts_like_pickle(data) {
            return;
        }
        let base = self.input.as_ptr() as usize;
        let at = data.as_ptr() as usize;
        if at >= base && at + data.len() <= base + self.input.len() {
            self.found
                .push(Blob::Range(at - base, at - base + data.len()));
        } else {
            self.found.push(Blob::Owned(data.to_vec()));
        }
    }
}

type R = Result<(), Infallible>;

impl PickleSink for Blobs<'_> {
    type Handle = ();
    type Error = Infallible;

    fn share(&mut self, _: &()) {}
    fn none(&mut self) -> R {
        Ok(())
    }
    fn bool(&mut self, _: bool) -> R {
        Ok(())
    }
    fn int(&mut self, _: i64) -> R {
        Ok(())
    }
    fn big_int(&mut self, _: &[u8]) -> R {
        Ok(())
    }
    fn float(&mut self, _: f64) -> R {
        Ok(())
    }
    fn str(&mut self, text: PickleStr<'_>) -> R {
        // "\x80\x02…" as text: what `s.encode("latin-1")` would turn into a
        // pickle.
        if text.bytes.starts_with(&[0xC2, 0x80]) {
            if let Some(text) = text.as_str() {
                let bytes: Option<Vec<u8>> = text
                    .chars()
                    .map(|c| u8::try_from(u32::from(c)).ok())
                    .collect();
                if let Some(bytes) = bytes {
                    self.note(&bytes);
                }
            }
        }
        Ok(())
    }
    fn bytes(&mut self, bytes: &[u8]) -> R {
        self.note(bytes);
        Ok(())
    }
    fn bytearray(&mut self, bytes: &[u8]) -> R {
        self.note(bytes);
        Ok(())
    }
    fn empty_list(&mut self) -> R {
        Ok(())
    }
    fn empty_dict(&mut self) -> R {
        Ok(())
    }
    fn empty_set(&mut self) -> R {
        Ok(())
    }
    fn tuple(&mut self, _: Items<'_, ()>) -> R {
        Ok(())
    }
    fn frozenset(&mut self, _: Items<'_, ()>) -> R {
        Ok(())
    }
    fn list_extend(&mut self, _: &(), _: Items<'_, ()>) -> R {
        Ok(())
    }
    fn dict_set_items(&mut self, _: &(), _: Pairs<'_, ()>) -> R {
        Ok(())
    }
    fn set_add(&mut self, _: &(), _: Items<'_, ()>) -> R {
        Ok(())
    }
    fn global(&mut self, _: &str, _: &str) -> R {
        Ok(())
    }
    fn call(&mut self, _: (), _: ()) -> R {
        Ok(())
    }
    fn new_object(&mut self, _: (), _: (), _: Option<()>) -> R {
        Ok(())
    }
    fn build(&mut self, _: &(), _: ()) -> R {
        Ok(())
    }
    fn persistent_load(&mut self, _: ()) -> R {
        Ok(())
    }
    fn extension(&mut self, _: u32) -> R {
        Ok(())
    }
    fn next_buffer(&mut self) -> R {
        Ok(())
    }
    fn readonly_buffer(&mut self, _: ()) -> R {
        Ok(())
    }
}
