//! Recognises a file by its content and scans the pickles in it.
//!
//! - zip archives (torch archives, `.npz`, plain zips): every stored member
//!   that looks like a pickle or is a `.npy`, whatever its name;
//! - numpy `.npy`: the pickle that follows the header of an object array;
//! - pickle streams: raw pickles, legacy torch files (a magic number and
//!   several pickles, then tensor data) and joblib files.
//!
//! Anything else is unrecognised, which is never clean.

use super::pickles::{scan_stream, Location};
use super::{zip, Problem, Report};
use crate::pickle::inspect::looks_like_pickle;

/// Scans one file's content into `report`.
pub fn scan_file(file: &str, data: &[u8], report: &mut Report) {
    let at = Location { file, member: None };
    if data.starts_with(b"PK\x03\x04") || data.starts_with(b"PK\x05\x06") {
        scan_zip(file, data, report);
    } else if data.starts_with(b"\x93NUMPY") {
        scan_npy(at, data, report);
    } else if looks_like_pickle(data) {
        scan_pickle(at, data, report, false);
    } else if !scan_pickle(at, data, report, true) {
        // A short protocol 0 payload followed by junk fails the pickle
        // heuristic but still runs: whatever imports or calls something
        // before failing is a pickle.
        report.unrecognised.push(file.to_owned());
    }
}

fn problem(at: Location<'_>, offset: Option<usize>, message: String) -> Problem {
    Problem {
        file: at.file.to_owned(),
        member: at.member.map(str::to_owned),
        offset,
        message,
    }
}

/// Scans a pickle stream. With `sniffed` (the content was only guessed to
/// be a pickle), a first pickle that fails without importing or calling
/// anything means the data was not a pickle after all: returns false.
fn scan_pickle(at: Location<'_>, data: &[u8], report: &mut Report, sniffed: bool) -> bool {
    let scan = scan_stream(data, 0, at, &mut report.findings);
    let Some((offset, message)) = scan.error else {
        return true;
    };
    if scan.complete == 0 {
        if sniffed && scan.found == 0 {
            return false;
        }
        report.errors.push(problem(
            at,
            Some(offset),
            format!(
                "malformed or truncated pickle ({message}); what a loader would run before it is \
                 reported"
            ),
        ));
    } else {
        report.warnings.push(problem(
            at,
            Some(offset),
            format!(
                "data after pickle {} is not a pickle ({message}); legacy torch files keep \
                 tensor data there",
                scan.complete
            ),
        ));
    }
    true
}

/// A numpy `.npy`: version 1 has a 2-byte header length, 2 and 3 a 4-byte
/// one. Object arrays (`'O'` in the dtype) are followed by a pickle.
fn scan_npy(at: Location<'_>, data: &[u8], report: &mut Report) {
    let header = match data.get(6).copied() {
        Some(1) => data
            .get(8..10)
            .map(|b| (usize::from(u16::from_le_bytes([b[0], b[1]])), 10)),
        Some(2 | 3) => data
            .get(8..12)
            .map(|b| (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize, 12)),
        _ => {
            report.errors.push(problem(
                at,
                Some(6),
                "unsupported .npy format version".into(),
            ));
            return;
        }
    };
    let Some((text, start)) = header.and_then(|(len, start): (usize, usize)| {
        let end = start.checked_add(len)?;
        Some((String::from_utf8_lossy(data.get(start..end)?), end))
    }) else {
        report
            .errors
            .push(problem(at, Some(8), "truncated .npy header".into()));
        return;
    };
    let object = ["'O'", "'|O'", "'<O'", "'>O'", "'=O'", "\"O\"", "\"|O\""]
        .iter()
        .any(|descr| text.contains(descr));
    if !object {
        return;
    }
    let body = &data[start..];
    if !looks_like_pickle(body) {
        report.errors.push(problem(
            at,
            Some(start),
            "object array whose data is not a pickle".into(),
        ));
        return;
    }
    let scan = scan_stream(body, start, at, &mut report.findings);
    if let Some((offset, message)) = scan.error {
        report.errors.push(problem(
            at,
            Some(offset),
            format!("malformed or truncated pickle in an object array ({message})"),
        ));
    }
}

fn scan_zip(file: &str, data: &[u8], report: &mut Report) {
    let members = zip::members(data);
    if members.is_empty() && data.starts_with(b"PK\x03\x04") {
        report.errors.push(Problem {
            file: file.to_owned(),
            member: None,
            offset: Some(0),
            message: "zip archive with no readable member".into(),
        });
        return;
    }
    for member in &members {
        let at = Location {
            file,
            member: Some(&member.name),
        };
        for note in &member.notes {
            report
                .warnings
                .push(problem(at, Some(member.data_start), note.clone()));
        }
        let content = &data[member.data_start..member.data_start + member.size];
        let npy = content.starts_with(b"\x93NUMPY");
        let pickle = looks_like_pickle(content);
        if member.method != 0 && !npy && !pickle {
            report.errors.push(problem(
                at,
                Some(member.data_start),
                format!(
                    "member compressed with method {} is not scanned: decompression is not \
                     supported yet",
                    member.method
                ),
            ));
            continue;
        }
        if npy {
            scan_npy(at, content, report);
        } else if pickle {
            let named = member.name.ends_with(".pkl") || member.name.ends_with(".pickle");
            scan_pickle(at, content, report, !named);
        }
    }
}
