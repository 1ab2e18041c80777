//! Plain and quoted scalars in block context, read the way the event
//! parser reads them: same end, same folding, same escapes. A scalar
//! whose text needs no folding or unescaping borrows from the input.
//! `None` means "not sure": the caller gives up on the fast path.
//!
//! `min_col` is the column continuation lines must reach: one past the
//! enclosing block's indentation (0 at the top level).

use super::cursor::indicator_at;
use std::borrow::Cow;

pub(super) enum Plain<'a> {
    /// A one-line scalar followed by `:` and a blank: a key. `colon` is
    /// where the `:` is.
    Key { text: &'a str, colon: usize },
    /// `resume` is where scanning goes on: the end of its last line's
    /// content, or the `#` of a comment that cut it (`comment`).
    Value {
        text: Cow<'a, str>,
        resume: usize,
        comment: bool,
    },
}

#[derive(PartialEq, Eq)]
enum Stop {
    /// The line ends (or the input does).
    Eol,
    /// A comment starts (after a space).
    Comment,
    /// A `:` followed by a blank or the end of the line.
    Colon,
}

fn colon_ends(bytes: &[u8], at: usize) -> bool {
    matches!(bytes.get(at + 1), None | Some(b' ' | b'\n'))
}

/// One line of plain content from `at`: where the content ends (before
/// trailing spaces), where scanning stopped, and why.
fn scan_line(bytes: &[u8], mut at: usize) -> (usize, usize, Stop) {
    loop {
        loop {
            let Some(n) = memchr::memchr3(b' ', b'\n', b':', &bytes[at..]) else {
                at = bytes.len();
                break;
            };
            at += n;
            if bytes[at] != b':' {
                break;
            }
            if colon_ends(bytes, at) {
                return (at, at, Stop::Colon);
            }
            at += 1;
        }
        let end = at;
        while bytes.get(at) == Some(&b' ') {
            at += 1;
        }
        match bytes.get(at) {
            None | Some(b'\n') => return (end, at, Stop::Eol),
            Some(b'#') => return (end, at, Stop::Comment),
            Some(b':') if colon_ends(bytes, at) => return (end, at, Stop::Colon),
            Some(_) => {}
        }
    }
}

/// A plain scalar starting at `start` (a character that may start one).
pub(super) fn plain(text: &str, start: usize, min_col: usize) -> Option<Plain<'_>> {
    let bytes = text.as_bytes();
    let (end, mut stop_at, stop) = scan_line(bytes, start);
    match stop {
        Stop::Colon => {
            return Some(Plain::Key {
                text: &text[start..end],
                colon: stop_at,
            })
        }
        Stop::Comment => {
            return Some(Plain::Value {
                text: Cow::Borrowed(&text[start..end]),
                resume: stop_at,
                comment: true,
            })
        }
        Stop::Eol => {}
    }
    let mut folded: Option<String> = None;
    let mut last_end = end;
    let mut comment = false;
    loop {
        // `stop_at` is at a line break or the end: look past empty lines.
        let mut at = stop_at;
        let mut breaks = 0usize;
        let mut line_start = at;
        while bytes.get(at) == Some(&b'\n') {
            breaks += 1;
            at += 1;
            line_start = at;
            while bytes.get(at) == Some(&b' ') {
                at += 1;
            }
        }
        let col = at - line_start;
        let Some(&first) = bytes.get(at) else { break };
        if breaks == 0 || col < min_col || first == b'#' {
            break;
        }
        if col == 0 && (indicator_at(bytes, at, b'-') || indicator_at(bytes, at, b'.')) {
            break;
        }
        if first == b':' && colon_ends(bytes, at) {
            return None;
        }
        let (end, next_stop, stop) = scan_line(bytes, at);
        if stop == Stop::Colon {
            return None;
        }
        let out = folded.get_or_insert_with(|| text[start..last_end].to_owned());
        if breaks == 1 {
            out.push(' ');
        } else {
            out.extend(std::iter::repeat_n('\n', breaks - 1));
        }
        out.push_str(&text[at..end]);
        last_end = end;
        stop_at = next_stop;
        if stop == Stop::Comment {
            comment = true;
            break;
        }
    }
    let text = match folded {
        Some(owned) => Cow::Owned(owned),
        None => Cow::Borrowed(&text[start..last_end]),
    };
    // After a comment, resume at it; otherwise at the end of the content
    // (the blank lines after it are skipped again by the caller).
    Some(Plain::Value {
        text,
        resume: if comment { stop_at } else { last_end },
        comment,
    })
}

pub(super) struct Quoted<'a> {
    pub text: Cow<'a, str>,
    /// Just past the closing quote.
    pub end: usize,
    pub multiline: bool,
}

/// A quoted scalar whose opening quote is at `start`.
pub(super) fn quoted(text: &str, start: usize, min_col: usize, single: bool) -> Option<Quoted<'_>> {
    let bytes = text.as_bytes();
    let body = start + 1;
    let quote = if single { b'\'' } else { b'"' };
    // The common case: no escape and no line break before the closing quote.
    let found = if single {
        memchr::memchr2(b'\'', b'\n', &bytes[body..])
    } else {
        memchr::memchr3(b'"', b'\\', b'\n', &bytes[body..])
    };
    if let Some(n) = found {
        let at = body + n;
        if bytes[at] == quote && !(single && bytes.get(at + 1) == Some(&b'\'')) {
            return Some(Quoted {
                text: Cow::Borrowed(&text[body..at]),
                end: at + 1,
                multiline: false,
            });
        }
    }
    quoted_slow(text, body, min_col, single)
}

/// The general case, step for step as the event parser folds: runs of
/// non-blank characters, then blanks and breaks, joined by the folding
/// rules.
fn quoted_slow(text: &str, mut at: usize, min_col: usize, single: bool) -> Option<Quoted<'_>> {
    let bytes = text.as_bytes();
    let quote = if single { b'\'' } else { b'"' };
    let mut out = String::new();
    let mut line_start = 0usize;
    let mut fresh_line = false;
    let mut multiline = false;
    loop {
        if at >= bytes.len() {
            return None;
        }
        if fresh_line {
            let col = at - line_start;
            if col < min_col
                || (col == 0 && (indicator_at(bytes, at, b'-') || indicator_at(bytes, at, b'.')))
            {
                return None;
            }
        }
        let mut leading_blanks = false;
        while at < bytes.len() && bytes[at] != b' ' && bytes[at] != b'\n' {
            let byte = bytes[at];
            if byte == quote {
                if single && bytes.get(at + 1) == Some(&b'\'') {
                    out.push('\'');
                    at += 2;
                    continue;
                }
                break;
            }
            if byte == b'\\' && !single {
                if bytes.get(at + 1) == Some(&b'\n') {
                    at += 2;
                    line_start = at;
                    multiline = true;
                    leading_blanks = true;
                    break;
                }
                let (ch, len) = escape(bytes, at)?;
                out.push(ch);
                at += len;
                continue;
            }
            let run = at;
            at += 1;
            while at < bytes.len() && !matches!(bytes[at], b' ' | b'\n' | b'\'' | b'"' | b'\\') {
                at += 1;
            }
            out.push_str(&text[run..at]);
        }
        if bytes.get(at) == Some(&quote) {
            return Some(Quoted {
                text: Cow::Owned(out),
                end: at + 1,
                multiline,
            });
        }
        let mut spaces = 0usize;
        let mut leading_break = false;
        let mut trailing_breaks = 0usize;
        while let Some(&byte) = bytes.get(at) {
            match byte {
                b' ' => {
                    if !leading_blanks {
                        spaces += 1;
                    }
                }
                b'\n' => {
                    if leading_blanks {
                        trailing_breaks += 1;
                    } else {
                        spaces = 0;
                        leading_break = true;
                        leading_blanks = true;
                    }
                    line_start = at + 1;
                    multiline = true;
                }
                _ => break,
            }
            at += 1;
        }
        if leading_blanks {
            if leading_break && trailing_breaks == 0 {
                out.push(' ');
            } else {
                out.extend(std::iter::repeat_n('\n', trailing_breaks));
            }
        } else {
            out.extend(std::iter::repeat_n(' ', spaces));
        }
        fresh_line = leading_blanks;
    }
}

/// The escape at `at` (a backslash not before a line break): the
/// character and the escape's length in bytes.
fn escape(bytes: &[u8], at: usize) -> Option<(char, usize)> {
    let simple = match *bytes.get(at + 1)? {
        b'0' => '\0',
        b'a' => '\x07',
        b'b' => '\x08',
        b't' => '\t',
        b'n' => '\n',
        b'v' => '\x0b',
        b'f' => '\x0c',
        b'r' => '\r',
        b'e' => '\x1b',
        b' ' => ' ',
        b'"' => '"',
        b'/' => '/',
        b'\\' => '\\',
        b'N' => '\u{85}',
        b'_' => '\u{A0}',
        b'L' => '\u{2028}',
        b'P' => '\u{2029}',
        b'x' => return hex_escape(bytes, at, 2),
        b'u' => return hex_escape(bytes, at, 4),
        b'U' => return hex_escape(bytes, at, 8),
        _ => return None,
    };
    Some((simple, 2))
}

fn hex_escape(bytes: &[u8], at: usize, digits: usize) -> Option<(char, usize)> {
    let hex = bytes.get(at + 2..at + 2 + digits)?;
    let mut value = 0u32;
    for &digit in hex {
        value = (value << 4) | char::from(digit).to_digit(16)?;
    }
    Some((char::from_u32(value)?, 2 + digits))
}
