//! How failures reach the user: the message on stderr and the exit status.

use std::fmt;
use std::io::{self, Write};
use std::process::ExitCode;

use serialkit::Position;

/// Exit status for bad data or failed I/O; 2 is left to usage errors, as
/// clap uses it.
const DATA_ERROR: u8 = 1;
const USAGE_ERROR: u8 = 2;

/// A mistake in how the command was invoked that clap cannot see on its
/// own, such as a format that cannot be inferred.
#[derive(Debug)]
pub struct UsageError(String);

impl UsageError {
    pub fn new(message: String) -> Self {
        UsageError(message)
    }
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// A failure while reading one input, displayed as `file:line:column:
/// message` (or `file:byte N: message`) so editors and terminals can jump to
/// the spot.
#[derive(Debug)]
pub struct ReadError {
    source_name: String,
    error: serialkit::Error,
}

impl ReadError {
    pub fn new(source_name: &str, error: serialkit::Error) -> Self {
        ReadError {
            source_name: source_name.to_owned(),
            error,
        }
    }
}

impl fmt::Display for ReadError {
    // The kind alone, not the core error's Display: that one appends
    // "at line .. column .." which the prefix already says.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = &self.source_name;
        let message = self.error.kind();
        match self.error.position() {
            Some(Position::Text { line, column, .. }) => {
                write!(f, "{name}:{line}:{column}: {message}")
            }
            Some(Position::Offset(offset)) => write!(f, "{name}:byte {offset}: {message}"),
            None => write!(f, "{name}: {message}"),
        }
    }
}

impl std::error::Error for ReadError {}

/// Reports `err` on stderr and returns the matching exit status. A failure
/// to write to stderr is ignored: there is nowhere left to report it.
pub fn print(err: &anyhow::Error) -> ExitCode {
    let mut stderr = io::stderr().lock();
    if let Some(usage) = err.downcast_ref::<UsageError>() {
        let _ = writeln!(
            stderr,
            "error: {usage}\n\nFor more information, try '--help'."
        );
        return ExitCode::from(USAGE_ERROR);
    }
    let _ = match err.downcast_ref::<ReadError>() {
        Some(read) => writeln!(stderr, "{read}"),
        None => writeln!(stderr, "error: {err:#}"),
    };
    ExitCode::from(DATA_ERROR)
}
