//! Recognises a file by its content and scans the pickles in it.
//!
//! - zip archives (torch archives, `.npz`, plain zips): every stored member
//!   that looks like a pickle or is a `.npy`, whatever its name;
//! - numpy `.npy`: the pickle that follows the header of an object array;
//! - pickle streams: raw pickles, legacy torch files (a magic number and
//!   several pickles, then tensor data) and joblib files (with the numpy
//!   arrays joblib writes between the opcodes, see [`joblib`]);
//! - zlib and gzip streams (joblib's `compress=`): what they inflate to.
//!
//! Deflated zip members are inflated first. Anything else is
//! unrecognised, which is never clean.

use std::borrow::Cow;

use memchr::memmem;

use super::inflate::{self, Inflated, Wrapper, MAX_INFLATED};
use super::joblib::{self, Spliced};
use super::pickles::{self, scan_stream, Location};
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
    } else if let Some(wrapper) = Wrapper::sniff(data) {
        scan_compressed(file, data, wrapper, report);
    } else if !scan_pickle(at, data, report, true) {
        // A short protocol 0 payload followed by junk fails the pickle
        // heuristic but still runs: whatever imports or calls something
        // before failing is a pickle.
        report.unrecognised.push(file.to_owned());
    }
}

/// A zlib or gzip stream: the inflated content is scanned as an archive
/// member named after the compression, so offsets are read in it.
fn scan_compressed(file: &str, data: &[u8], wrapper: Wrapper, report: &mut Report) {
    let member = format!("<{} stream>", wrapper.name());
    let at = Location {
        file,
        member: Some(&member),
    };
    let inflated = match inflate::wrapped(data, wrapper, MAX_INFLATED) {
        Ok(Inflated {
            data,
            complete: true,
        }) => data,
        Ok(_) => {
            report.errors.push(problem(at, None, too_large()));
            return;
        }
        Err(message) => {
            report.errors.push(problem(at, Some(0), message));
            return;
        }
    };
    if inflated.starts_with(b"\x93NUMPY") {
        scan_npy(at, &inflated, report);
    } else if !scan_pickle(at, &inflated, report, !looks_like_pickle(&inflated)) {
        report.unrecognised.push(format!("{file} ({member})"));
    }
}

fn too_large() -> String {
    format!(
        "inflates to more than {} MiB: not scanned",
        MAX_INFLATED >> 20
    )
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
    if memmem::find(data, b"NumpyArrayWrapper").is_some() {
        let layout = joblib::layout(data, &pickles::options(data.len()));
        if !layout.arrays.is_empty() || layout.problem.is_some() {
            scan_joblib(at, data, layout, report);
            return true;
        }
    }
    scan_plain_pickle(at, data, report, sniffed)
}

/// A joblib stream: the opcodes without the array data in between, then
/// each array of Python objects, which is a pickle of its own.
fn scan_joblib(at: Location<'_>, data: &[u8], layout: joblib::Layout, report: &mut Report) {
    let spliced = Spliced::new(data, &layout.arrays);
    let marks = (
        report.findings.len(),
        report.errors.len(),
        report.warnings.len(),
    );
    scan_plain_pickle(at, &spliced.data, report, false);
    for finding in &mut report.findings[marks.0..] {
        finding.offset = spliced.file_offset(finding.offset);
    }
    let problems = report.errors[marks.1..]
        .iter_mut()
        .chain(&mut report.warnings[marks.2..]);
    for problem in problems {
        problem.offset = problem.offset.map(|offset| spliced.file_offset(offset));
    }
    for array in layout.arrays.iter().filter(|array| array.pickle) {
        let stream = &data[array.start..array.start + array.len];
        scan_stream(stream, array.start, at, &mut report.findings);
    }
    if let Some((offset, message)) = layout.problem {
        report
            .errors
            .push(problem(at, Some(spliced.file_offset(offset)), message));
    }
}

fn scan_plain_pickle(at: Location<'_>, data: &[u8], report: &mut Report, sniffed: bool) -> bool {
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
        let Some(content) = member_content(at, data, member, report) else {
            continue;
        };
        let content = content.as_ref();
        let npy = content.starts_with(b"\x93NUMPY");
        let pickle = looks_like_pickle(content);
        if npy {
            scan_npy(at, content, report);
        } else if pickle {
            let named = member.name.ends_with(".pkl") || member.name.ends_with(".pickle");
            scan_pickle(at, content, report, !named);
        }
    }
}

/// A member's data: stored data as it lies, deflated data inflated. Other
/// methods are reported as errors (a stored member that merely claims
/// another method is still scanned when it looks like a pickle or `.npy`).
fn member_content<'d>(
    at: Location<'_>,
    data: &'d [u8],
    member: &zip::Member,
    report: &mut Report,
) -> Option<Cow<'d, [u8]>> {
    const STORED: u16 = 0;
    const DEFLATED: u16 = 8;
    let raw = &data[member.data_start..member.data_start + member.size];
    let plain = raw.starts_with(b"\x93NUMPY") || looks_like_pickle(raw);
    if member.method == STORED || plain {
        return Some(Cow::Borrowed(raw));
    }
    let offset = Some(member.data_start);
    if member.method != DEFLATED {
        let message = format!(
            "member compressed with method {} is not scanned: only stored and deflated \
             members are supported",
            member.method
        );
        report.errors.push(problem(at, offset, message));
        return None;
    }
    match inflate::raw(raw, MAX_INFLATED) {
        Ok(Inflated {
            data,
            complete: true,
        }) => Some(Cow::Owned(data)),
        // A numeric array's header is all a scan needs of it.
        Ok(Inflated { data, .. }) if numeric_npy(&data) => Some(Cow::Owned(data)),
        Ok(_) => {
            report.errors.push(problem(at, offset, too_large()));
            None
        }
        Err(message) => {
            report.errors.push(problem(at, offset, message));
            None
        }
    }
}

fn numeric_npy(data: &[u8]) -> bool {
    if !data.starts_with(b"\x93NUMPY") {
        return false;
    }
    let mut probe = Report::default();
    let at = Location {
        file: "",
        member: None,
    };
    scan_npy(at, data, &mut probe);
    probe.errors.is_empty() && probe.findings.is_empty()
}
