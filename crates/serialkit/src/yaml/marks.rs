//! Errors from the event parser, with their marks placed where PyYAML
//! places them. saphyr-parser points at the start of the token or scalar it
//! was reading; PyYAML at the character that is wrong, or at the end of the
//! input when the stream ends early. The kinds that differ are moved here;
//! the others already agree (`tests/test_yaml_error_marks.py`).

use super::compose::position;
use crate::error::{Error, Position};
use crate::limits::Limits;
use saphyr_parser::Marker;

/// The event parser's error. Its flow nesting is capped at 255 (a `u8`
/// in saphyr-parser's scanner, not configurable); that cap is reported as
/// the depth limit it is.
pub(super) fn scan_error(err: &saphyr_parser::ScanError, text: &str, limits: &Limits) -> Error {
    if err.info() == "recursion limit exceeded" {
        return Error::limit(
            "flow nesting depth (255 in the event parser)",
            FLOW_DEPTH_CAP.min(limits.max_depth),
            Some(position(err.marker())),
        );
    }
    let at = problem_position(err.info(), err.marker(), text);
    Error::syntax(err.info().to_owned(), at)
}

/// Where PyYAML would put the problem mark, for the errors where the event
/// parser points elsewhere: at the end of the input (not at a line after
/// it) when the stream ends early, and at the bad escape inside a quoted
/// scalar rather than at the scalar's start.
fn problem_position(info: &str, marker: &Marker, text: &str) -> Position {
    let byte_at = |index: usize| text.char_indices().nth(index).map(|(at, _)| at);
    let end = || Position::in_text(text.as_bytes(), text.len());
    let Some(start) = byte_at(marker.index()) else {
        return end();
    };
    if info.contains("unexpected end of stream") {
        return end();
    }
    let unknown = info.contains("unknown escape character");
    let hex = info.contains("expected hexadecimal number");
    if (unknown || hex) && text[start..].starts_with('"') {
        if let Some(at) = bad_escape(&text[start..], hex) {
            return Position::in_text(text.as_bytes(), start + at);
        }
    }
    // The event parser points one character past the culprit: the tab,
    // or the indicator not followed by a space.
    let back_one = (info.contains("tabs disallowed") && text[..start].ends_with('\t'))
        || info.contains("must be followed by a valid YAML whitespace");
    if back_one {
        if let Some((at, _)) = text[..start].char_indices().next_back() {
            return Position::in_text(text.as_bytes(), at);
        }
    }
    if info.contains("while scanning a plain scalar, found a tab") {
        // The event parser points at the scalar; PyYAML at the tab that
        // indents its continuation line.
        let rest = &text[start..];
        let tab = rest.match_indices('\n').find_map(|(at, _)| {
            let indent = rest[at + 1..].len() - rest[at + 1..].trim_start_matches(' ').len();
            rest[at + 1 + indent..]
                .starts_with('\t')
                .then_some(at + 1 + indent)
        });
        if let Some(tab) = tab {
            return Position::in_text(text.as_bytes(), start + tab);
        }
    }
    if info.contains("did not find expected key") {
        // The event parser points past the `- ` that cannot start a key;
        // PyYAML points at the `-`.
        let line_start = text[..start].rfind('\n').map_or(0, |at| at + 1);
        let before = text[line_start..start].trim_end_matches(' ');
        if before.len() < start - line_start && before.trim_start_matches(' ') == "-" {
            return Position::in_text(text.as_bytes(), line_start + before.len() - 1);
        }
    }
    if info.contains("did not find the expected '>'") && text[start..].starts_with("!<") {
        // PyYAML points at the first character that cannot be in a URI.
        let uri = |c: char| c.is_ascii_alphanumeric() || "-;/?:@&=+$,_.!~*'()[]%".contains(c);
        let end = text[start + 2..]
            .find(|c: char| !uri(c))
            .map_or(text.len(), |at| start + 2 + at);
        return Position::in_text(text.as_bytes(), end);
    }
    position(marker)
}

/// The byte offset PyYAML reports for the first invalid escape of the
/// double-quoted scalar that `scalar` starts with: the escape's letter
/// when it is unknown, the first digit's place when its digits are short.
fn bad_escape(scalar: &str, hex: bool) -> Option<usize> {
    let bytes = scalar.as_bytes();
    let mut at = 1;
    while at < bytes.len() {
        match bytes[at] {
            b'"' => return None,
            b'\\' => {
                let letter = at + 1;
                let digits = match bytes.get(letter) {
                    Some(b'x') => 2,
                    Some(b'u') => 4,
                    Some(b'U') => 8,
                    Some(c) if b"0abt\tnvfre \"/\\N_LP\r\n".contains(c) => 0,
                    _ if hex => 0,
                    _ => return Some(letter),
                };
                if hex && digits > 0 {
                    let valid = (0..digits)
                        .all(|k| bytes.get(letter + 1 + k).is_some_and(u8::is_ascii_hexdigit));
                    if !valid {
                        return Some(letter + 1);
                    }
                }
                at = letter + 1 + digits;
            }
            _ => at += 1,
        }
    }
    None
}

/// saphyr-parser's scanner keeps the flow level in a `u8`.
pub const FLOW_DEPTH_CAP: usize = 255;
