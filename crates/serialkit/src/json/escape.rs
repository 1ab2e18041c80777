//! String escaping as CPython's `json` encoder does it.

use crate::short_copy::{covering_words, extend_quoted_short};
use crate::swar;

/// Whether a byte ends a run that can be copied verbatim. With
/// `ensure_ascii` everything outside printable ASCII is escaped; without it
/// only quotes, backslashes and control characters are.
const fn escape_table(ensure_ascii: bool) -> [bool; 256] {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = byte < 0x20
            || byte == b'"' as usize
            || byte == b'\\' as usize
            || (ensure_ascii && byte > 0x7E);
        byte += 1;
    }
    table
}

static ESCAPE_ASCII: [bool; 256] = escape_table(true);
static ESCAPE_UNICODE: [bool; 256] = escape_table(false);

const HEX: &[u8; 16] = b"0123456789abcdef";

fn u_escape(unit: u32) -> [u8; 6] {
    [
        b'\\',
        b'u',
        HEX[(unit >> 12 & 0xF) as usize],
        HEX[(unit >> 8 & 0xF) as usize],
        HEX[(unit >> 4 & 0xF) as usize],
        HEX[(unit & 0xF) as usize],
    ]
}

fn push_u_escape(out: &mut Vec<u8>, unit: u32) {
    out.extend_from_slice(&u_escape(unit));
}

/// The escape of an ASCII byte that needs one: the short forms CPython
/// uses where they exist, `\u00XX` otherwise.
fn push_ascii_escape(out: &mut Vec<u8>, byte: u8) {
    match byte {
        b'"' => out.extend_from_slice(b"\\\""),
        b'\\' => out.extend_from_slice(b"\\\\"),
        b'\n' => out.extend_from_slice(b"\\n"),
        b'\r' => out.extend_from_slice(b"\\r"),
        b'\t' => out.extend_from_slice(b"\\t"),
        0x08 => out.extend_from_slice(b"\\b"),
        0x0C => out.extend_from_slice(b"\\f"),
        _ => push_u_escape(out, u32::from(byte)),
    }
}

/// Appends a code point as UTF-8, letting surrogates through (WTF-8).
pub(crate) fn push_wtf8(out: &mut Vec<u8>, code: u32) {
    match code {
        0..=0x7F => out.push(code as u8),
        0x80..=0x7FF => {
            out.extend_from_slice(&[0xC0 | (code >> 6) as u8, 0x80 | (code & 0x3F) as u8])
        }
        0x800..=0xFFFF => out.extend_from_slice(&[
            0xE0 | (code >> 12) as u8,
            0x80 | ((code >> 6) & 0x3F) as u8,
            0x80 | (code & 0x3F) as u8,
        ]),
        _ => out.extend_from_slice(&[
            0xF0 | (code >> 18) as u8,
            0x80 | ((code >> 12) & 0x3F) as u8,
            0x80 | ((code >> 6) & 0x3F) as u8,
            0x80 | (code & 0x3F) as u8,
        ]),
    }
}

/// Writes a string given as code points, as a Python string stores them
/// (one, two or four bytes each), as a quoted JSON string. Reading that
/// storage directly spares Python strings the UTF-8 copy that CPython would
/// otherwise cache inside each of them. Returns whether a lone surrogate
/// was copied through (only without `ensure_ascii`), which makes `out`
/// WTF-8.
pub fn write_escaped_code_points<T: Copy + Into<u32>>(
    out: &mut Vec<u8>,
    units: &[T],
    ensure_ascii: bool,
) -> bool {
    let table = if ensure_ascii {
        &ESCAPE_ASCII
    } else {
        &ESCAPE_UNICODE
    };
    out.reserve(units.len() + 2);
    out.push(b'"');
    let mut surrogates = false;
    for &unit in units {
        let code: u32 = unit.into();
        if code < 0x80 {
            if table[code as usize] {
                push_ascii_escape(out, code as u8);
            } else {
                out.push(code as u8);
            }
        } else if ensure_ascii {
            if code >= 0x10000 {
                let offset = code - 0x10000;
                push_u_escape(out, 0xD800 | (offset >> 10));
                push_u_escape(out, 0xDC00 | (offset & 0x3FF));
            } else {
                push_u_escape(out, code);
            }
        } else {
            surrogates |= (0xD800..0xE000).contains(&code);
            push_wtf8(out, code);
        }
    }
    out.push(b'"');
    surrogates
}

/// Escapes the run of non-ASCII characters starting at `at` (only
/// `ensure_ascii` escapes them), and returns where the run ends. Escapes
/// are gathered in a stack buffer and appended in batches: text in
/// non-Latin scripts is mostly such runs, and appending six bytes at a time
/// dominated its cost.
fn escape_non_ascii_run(out: &mut Vec<u8>, text: &[u8], mut at: usize) -> usize {
    let mut buffer = [0u8; 96];
    let mut filled = 0;
    while let Some(&lead) = text.get(at) {
        if lead < 0x80 {
            break;
        }
        if filled + 12 > buffer.len() {
            out.extend_from_slice(&buffer[..filled]);
            filled = 0;
        }
        let (code, len) = decode_wtf8(&text[at..]);
        if code >= 0x10000 {
            let offset = code - 0x10000;
            buffer[filled..filled + 6].copy_from_slice(&u_escape(0xD800 | (offset >> 10)));
            buffer[filled + 6..filled + 12].copy_from_slice(&u_escape(0xDC00 | (offset & 0x3FF)));
            filled += 12;
        } else {
            buffer[filled..filled + 6].copy_from_slice(&u_escape(code));
            filled += 6;
        }
        at += len;
    }
    out.extend_from_slice(&buffer[..filled]);
    at
}

/// Writes `text` as a quoted JSON string. `text` is UTF-8, or WTF-8 when it
/// holds lone surrogates (from a Python string); with `ensure_ascii` those
/// become `\udXXX` escapes, without it they are copied through and the
/// caller decodes the output with `surrogatepass`.
#[inline]
pub fn write_escaped(out: &mut Vec<u8>, text: &[u8], ensure_ascii: bool) {
    // Most keys and many values are short and need no escape: tested as
    // two words and copied without a loop or a call, inline, where the
    // general loop below needs a large frame.
    match covering_words(text) {
        Some((low, high))
            if escape_mask(low, ensure_ascii) | escape_mask(high, ensure_ascii) == 0 =>
        {
            extend_quoted_short(out, text)
        }
        _ => write_escaped_scanning(out, text, ensure_ascii),
    }
}

#[inline(never)]
fn write_escaped_scanning(out: &mut Vec<u8>, text: &[u8], ensure_ascii: bool) {
    let table = if ensure_ascii {
        &ESCAPE_ASCII
    } else {
        &ESCAPE_UNICODE
    };
    out.reserve(text.len() + 2);
    out.push(b'"');
    let mut run_start = 0;
    let mut at = 0;
    while at < text.len() {
        at = skip_plain_words(text, at, ensure_ascii);
        let Some(&byte) = text.get(at) else {
            break;
        };
        if !table[byte as usize] {
            at += 1;
            continue;
        }
        out.extend_from_slice(&text[run_start..at]);
        if byte < 0x80 {
            push_ascii_escape(out, byte);
            at += 1;
        } else {
            at = escape_non_ascii_run(out, text, at);
        }
        run_start = at;
    }
    out.extend_from_slice(&text[run_start..]);
    out.push(b'"');
}

/// Advances past whole eight-byte words that need no escaping, so long
/// plain runs cost one test per word instead of one lookup per byte.
#[inline]
fn skip_plain_words(text: &[u8], mut at: usize, ensure_ascii: bool) -> usize {
    while let Some(word) = swar::word_at(text, at) {
        if needs_escape(word, ensure_ascii) {
            break;
        }
        at += 8;
    }
    at
}

/// Whether some byte of `word` needs an escape (see `escape_table`). The
/// masks are combined without branches: most words need none, and one
/// test on the union predicts better than one per kind of byte.
#[inline(always)]
fn needs_escape(word: u64, ensure_ascii: bool) -> bool {
    escape_mask(word, ensure_ascii) != 0
}

#[inline(always)]
fn escape_mask(word: u64, ensure_ascii: bool) -> u64 {
    let always =
        swar::control_mask(word) | swar::byte_mask(word, b'"') | swar::byte_mask(word, b'\\');
    let outside_ascii = swar::non_ascii_mask(word) | swar::byte_mask(word, 0x7F);
    always | (outside_ascii & (ensure_ascii as u64).wrapping_neg())
}

/// Decodes the code point that starts `bytes` (non-empty, lead byte >= 0x80).
/// A malformed sequence, which callers never pass, decodes as U+FFFD.
fn decode_wtf8(bytes: &[u8]) -> (u32, usize) {
    let lead = u32::from(bytes[0]);
    let (len, initial) = match lead {
        0xC0..=0xDF => (2, lead & 0x1F),
        0xE0..=0xEF => (3, lead & 0x0F),
        0xF0..=0xF7 => (4, lead & 0x07),
        _ => return (0xFFFD, 1),
    };
    match bytes.get(1..len) {
        Some(tail) if tail.iter().all(|&b| b & 0xC0 == 0x80) => {
            let code = tail
                .iter()
                .fold(initial, |acc, &b| acc << 6 | u32::from(b & 0x3F));
            (code, len)
        }
        _ => (0xFFFD, 1),
    }
}

#[cfg(test)]
mod tests {
    use super::write_escaped;
    use proptest::prelude::*;

    /// CPython's escaping, one character at a time, for valid UTF-8.
    fn reference(text: &str, ensure_ascii: bool) -> Vec<u8> {
        let mut out = String::from("\"");
        for c in text.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                c if (c as u32) < 0x20 || (ensure_ascii && c as u32 > 0x7E) => {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        out.push_str(&format!("\\u{unit:04x}"));
                    }
                }
                c => out.push(c),
            }
        }
        out.push('"');
        out.into_bytes()
    }

    proptest! {
        /// Short strings take a fast path of their own; both paths must
        /// escape exactly what CPython escapes, at every length and place.
        #[test]
        fn escapes_as_the_reference(
            text in proptest::collection::vec(
                prop_oneof![
                    4 => proptest::char::range('a', 'z'),
                    1 => proptest::char::range('\u{0}', '\u{7f}'),
                    1 => proptest::char::any(),
                ],
                0..40,
            ).prop_map(|chars| chars.into_iter().collect::<String>()),
            ensure_ascii in any::<bool>(),
            prefix in 0usize..20,
        ) {
            let mut out = vec![b'#'; prefix];
            write_escaped(&mut out, text.as_bytes(), ensure_ascii);
            let mut expected = vec![b'#'; prefix];
            expected.extend(reference(&text, ensure_ascii));
            prop_assert_eq!(out, expected);
        }
    }

    fn escaped(text: &str, ensure_ascii: bool) -> String {
        let mut out = Vec::new();
        write_escaped(&mut out, text.as_bytes(), ensure_ascii);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escapes_like_cpython() {
        assert_eq!(
            escaped("a\"b\\c\n\x01\x7f", true),
            r#""a\"b\\c\n\u0001\u007f""#
        );
        assert_eq!(escaped("é😀", true), r#""\u00e9\ud83d\ude00""#);
        assert_eq!(escaped("é😀\x7f", false), "\"é😀\x7f\"");
        assert_eq!(escaped("\x08\x0c\r\t", false), r#""\b\f\r\t""#);
    }

    #[test]
    fn code_points_escape_exactly_as_utf8_does() {
        let text = "a\"b\\c\n\x01\x7fé😀\u{2028}";
        let units: Vec<u32> = text.chars().map(u32::from).collect();
        for ensure_ascii in [true, false] {
            let mut from_code_points = Vec::new();
            let surrogates =
                super::write_escaped_code_points(&mut from_code_points, &units, ensure_ascii);
            assert!(!surrogates);
            assert_eq!(
                String::from_utf8(from_code_points).unwrap(),
                escaped(text, ensure_ascii)
            );
        }
        let mut out = Vec::new();
        assert!(super::write_escaped_code_points(
            &mut out,
            &[0xD800u16],
            false
        ));
        assert_eq!(out, b"\"\xed\xa0\x80\"");
        out.clear();
        assert!(!super::write_escaped_code_points(
            &mut out,
            &[0xD800u16, 0xe9],
            true
        ));
        assert_eq!(out, br#""\ud800\u00e9""#);
    }

    #[test]
    fn lone_surrogates_escape_in_ascii_mode() {
        let mut out = Vec::new();
        write_escaped(&mut out, b"\xed\xa0\x80", true);
        assert_eq!(out, br#""\ud800""#);
    }
}
