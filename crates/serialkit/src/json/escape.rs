//! String escaping as CPython's `json` encoder does it.

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

fn push_u_escape(out: &mut Vec<u8>, unit: u32) {
    out.extend_from_slice(&[
        b'\\',
        b'u',
        HEX[(unit >> 12 & 0xF) as usize],
        HEX[(unit >> 8 & 0xF) as usize],
        HEX[(unit >> 4 & 0xF) as usize],
        HEX[(unit & 0xF) as usize],
    ]);
}

/// Writes `text` as a quoted JSON string. `text` is UTF-8, or WTF-8 when it
/// holds lone surrogates (from a Python string); with `ensure_ascii` those
/// become `\udXXX` escapes, without it they are copied through and the
/// caller decodes the output with `surrogatepass`.
pub fn write_escaped(out: &mut Vec<u8>, text: &[u8], ensure_ascii: bool) {
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
        let byte = text[at];
        if !table[byte as usize] {
            at += 1;
            continue;
        }
        out.extend_from_slice(&text[run_start..at]);
        if byte < 0x80 {
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
            at += 1;
        } else {
            let (code, len) = decode_wtf8(&text[at..]);
            if code >= 0x10000 {
                let offset = code - 0x10000;
                push_u_escape(out, 0xD800 | (offset >> 10));
                push_u_escape(out, 0xDC00 | (offset & 0x3FF));
            } else {
                push_u_escape(out, code);
            }
            at += len;
        }
        run_start = at;
    }
    out.extend_from_slice(&text[run_start..]);
    out.push(b'"');
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
    fn lone_surrogates_escape_in_ascii_mode() {
        let mut out = Vec::new();
        write_escaped(&mut out, b"\xed\xa0\x80", true);
        assert_eq!(out, br#""\ud800""#);
    }
}
