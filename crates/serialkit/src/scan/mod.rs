//! `serialkit scan`: finds what loading a file's pickles would import and
//! call, without importing or calling anything.
//!
//! Files are recognised by content ([`container`]): raw pickle streams
//! (which covers legacy torch files and joblib files), zip archives (torch
//! archives, `.npz`), and numpy `.npy` files with object dtype. Each pickle
//! runs through the real pickle machine with a recording sink
//! ([`pickles`]), and each global it names is classified ([`classify`]).

pub mod classify;
pub mod container;
mod inflate;
pub mod joblib;
pub mod pickles;
mod record;
mod zip;

use std::path::Path;

pub use classify::{classify, Severity};

/// What a finding records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FindingKind {
    /// A global imported (GLOBAL, STACK_GLOBAL, INST, EXT*).
    Import,
    /// A call or method call a loader would make.
    Call,
}

impl FindingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Import => "import",
            FindingKind::Call => "call",
        }
    }
}

/// One import or call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub file: String,
    /// The archive member, for zip archives.
    pub member: Option<String>,
    /// Byte offset of the opcode, in the file (or in the member).
    pub offset: usize,
    pub kind: FindingKind,
    /// `module.qualname` for imports, the callable for calls.
    pub name: String,
    pub severity: Severity,
    pub reason: String,
    /// How many times the stream repeats this import or call. Only safe
    /// ones are counted together (at the offset of the first); anything
    /// else is reported at each of its offsets, with a count of 1.
    pub count: usize,
}

/// A problem that stopped part of a scan, or a note about the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub member: Option<String>,
    pub offset: Option<usize>,
    pub message: String,
}

/// The result of scanning one or more files.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Files scanned (recognised or not).
    pub files: usize,
    /// Every import and call found, safe ones included.
    pub findings: Vec<Finding>,
    /// Files (or members) whose format was not recognised: never clean.
    pub unrecognised: Vec<String>,
    /// Failures that left something unscanned.
    pub errors: Vec<Problem>,
    /// Notes that do not change the verdict, such as data after the last
    /// pickle of a stream (legacy torch files keep tensor data there).
    pub warnings: Vec<Problem>,
}

impl Report {
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    pub fn merge(&mut self, other: Report) {
        self.files += other.files;
        self.findings.extend(other.findings);
        self.unrecognised.extend(other.unrecognised);
        self.errors.extend(other.errors);
        self.warnings.extend(other.warnings);
    }

    /// 1 when anything dangerous was found (with `strict`, anything
    /// suspicious too, unless there were errors); otherwise 2 when a file
    /// could not be scanned completely or was not recognised; otherwise 0.
    pub fn exit_status(&self, strict: bool) -> u8 {
        if self.count(Severity::Dangerous) > 0 {
            1
        } else if !self.errors.is_empty() || !self.unrecognised.is_empty() {
            2
        } else if strict && self.count(Severity::Suspicious) > 0 {
            1
        } else {
            0
        }
    }
}

/// Scans an in-memory file; `name` is what findings call it.
pub fn scan_bytes(name: &str, data: &[u8]) -> Report {
    let mut report = Report {
        files: 1,
        ..Report::default()
    };
    container::scan_file(name, data, &mut report);
    report
}

/// Reads and scans one file.
pub fn scan_file(path: &Path) -> Report {
    let name = path.display().to_string();
    match std::fs::read(path) {
        Ok(data) => scan_bytes(&name, &data),
        Err(error) => Report {
            files: 1,
            errors: vec![Problem {
                file: name,
                member: None,
                offset: None,
                message: format!("cannot read: {error}"),
            }],
            ..Report::default()
        },
    }
}
