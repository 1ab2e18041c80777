//! A fast event producer for the common block-style subset of YAML: block
//! mappings and sequences (indentless ones too), plain, single- and
//! double-quoted scalars (multi-line, folded), literal and folded block
//! scalars inside blocks, comments, `---`, and empty `[]`/`{}`. It turns a
//! whole text into saphyr-parser's own events with the markers
//! saphyr-parser gives them, or returns `None` as soon as it meets anything
//! else (anchors, tags, flow collections with content, `?` keys, tabs,
//! `\r`, `...`, a syntax error, or any doubt): the caller then runs
//! saphyr-parser from the start, so errors and everything outside the
//! subset keep its exact behaviour.
//!
//! The contract, checked by differential tests and a fuzz target: for an
//! accepted input, the events (text, style) and each event's start marker
//! equal saphyr-parser's. Everything is pre-scanned before anything is
//! built, so giving up costs only the scan. The scanned events are packed
//! (16 bytes, offsets for markers; see [`packed`]), each consumes input,
//! and blocks nested past the depth limit are left to the event parser,
//! so the list stays within a small multiple of the input's size.

mod block;
mod cursor;
mod packed;
mod reference;
mod scalar;
mod scan;
#[cfg(test)]
mod tests;

pub use packed::Events;
pub use reference::{differential, reference_events};

/// The events of `text`, each with the marker where it starts, or `None`
/// when it is outside the subset. Blocks nested deeper than `max_depth`
/// are outside it.
pub fn events(text: &str, max_depth: usize) -> Option<Events<'_>> {
    if !acceptable_bytes(text.as_bytes()) {
        return None;
    }
    let mut scanner = scan::Scanner::new(text, max_depth)?;
    scanner.stream()?;
    Some(Events::new(text, scanner.out, scanner.owned))
}

/// Tabs, carriage returns, other C0 controls and byte order marks change
/// how the event parser scans (or are errors): leave them to it.
fn acceptable_bytes(bytes: &[u8]) -> bool {
    let controls = bytes
        .iter()
        .fold(false, |acc, &b| acc | (b < 0x20 && b != b'\n'));
    !controls && memchr::memmem::find(bytes, "\u{FEFF}".as_bytes()).is_none()
}
