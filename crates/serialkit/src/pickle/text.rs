//! Decoding of the text arguments of protocols 0 and 1 (INT, LONG, FLOAT,
//! STRING, UNICODE) and of Python 2 strings, reproducing what CPython's C
//! unpickler (`pickle.loads`) accepts, quirks included: INT goes through C's
//! `strtol` first, so `I010` is octal 8, and C-string handling means a NUL
//! byte ends the text of INT, LONG and FLOAT.
//!
//! Strings that may hold lone surrogates are produced as UTF-8 in which a
//! surrogate is encoded in three bytes, exactly as Python's `surrogatepass`
//! error handler writes it, so a Python sink decodes them back losslessly.

use num_bigint::BigInt;
use std::borrow::Cow;

/// An integer argument: small values never allocate.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Integer {
    Small(i64),
    Big(BigInt),
}

impl Integer {
    fn from_big(value: BigInt) -> Integer {
        match i64::try_from(&value) {
            Ok(small) => Integer::Small(small),
            Err(_) => Integer::Big(value),
        }
    }
}

/// CPython refuses to convert longer decimal texts (`sys.int_info.
/// default_max_str_digits`), which also keeps the quadratic conversion cheap.
const MAX_DECIMAL_DIGITS: usize = 4300;

fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C)
}

/// The bytes before the first NUL: where C string functions stop reading.
fn c_string(text: &[u8]) -> &[u8] {
    match memchr::memchr(0, text) {
        Some(end) => &text[..end],
        None => text,
    }
}

/// `int(text, 0)`: surrounding whitespace, a sign, `0x`/`0o`/`0b` prefixes,
/// single underscores between digits, and no leading zeros on nonzero
/// decimals.
pub(crate) fn python_int(text: &[u8]) -> Result<Integer, String> {
    int_literal(text, true)
}

/// `int(text, 10)` on C-string text: GET and PUT's argument.
pub(crate) fn decimal_int(text: &[u8]) -> Result<Integer, String> {
    int_literal(c_string(text), false)
}

fn int_literal(text: &[u8], base_prefixes: bool) -> Result<Integer, String> {
    // Memo keys and most numbers: a few plain digits, no allocation.
    let plain = !text.is_empty() && text.len() <= 18 && text.iter().all(u8::is_ascii_digit);
    if plain && (!base_prefixes || text[0] != b'0' || text.len() == 1) {
        let value = text
            .iter()
            .fold(0i64, |value, &digit| value * 10 + i64::from(digit - b'0'));
        return Ok(Integer::Small(value));
    }
    let invalid = || {
        format!(
            "invalid literal for int(): {:?}",
            String::from_utf8_lossy(text)
        )
    };
    let start = text
        .iter()
        .position(|&b| !is_space(b))
        .unwrap_or(text.len());
    let end = text
        .iter()
        .rposition(|&b| !is_space(b))
        .map_or(start, |at| at + 1);
    let mut body = &text[start..end];
    let negative = body.first() == Some(&b'-');
    if matches!(body.first(), Some(b'-' | b'+')) {
        body = &body[1..];
    }
    let (radix, prefixed) = match body {
        _ if !base_prefixes => (10, false),
        [b'0', b'x' | b'X', ..] => (16, true),
        [b'0', b'o' | b'O', ..] => (8, true),
        [b'0', b'b' | b'B', ..] => (2, true),
        _ => (10, false),
    };
    if prefixed {
        body = &body[2..];
        // One underscore may separate the prefix from the digits.
        if body.first() == Some(&b'_') {
            body = &body[1..];
        }
    }
    let digits = digits_without_underscores(body, radix).ok_or_else(invalid)?;
    if radix == 10 && digits.len() > MAX_DECIMAL_DIGITS {
        return Err(format!(
            "the integer has {} digits, more than the {MAX_DECIMAL_DIGITS} Python converts",
            digits.len()
        ));
    }
    let magnitude = BigInt::parse_bytes(&digits, radix).ok_or_else(invalid)?;
    // With base 0, C-style octal ("010") is an error, though zeros alone
    // ("00") are zero.
    let c_octal = base_prefixes && !prefixed && digits.len() > 1 && digits[0] == b'0';
    if c_octal && magnitude != BigInt::ZERO {
        return Err(invalid());
    }
    Ok(Integer::from_big(if negative {
        -magnitude
    } else {
        magnitude
    }))
}

/// The digits of `body`, which must be digits of `radix` with single
/// underscores between them.
fn digits_without_underscores(body: &[u8], radix: u32) -> Option<Vec<u8>> {
    let mut digits = Vec::with_capacity(body.len());
    let mut after_underscore = false;
    for &byte in body {
        if byte == b'_' {
            if after_underscore || digits.is_empty() {
                return None;
            }
            after_underscore = true;
            continue;
        }
        (byte as char).to_digit(radix)?;
        digits.push(byte);
        after_underscore = false;
    }
    (!digits.is_empty() && !after_underscore).then_some(digits)
}

/// What INT's argument stands for.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum IntArg {
    Bool(bool),
    Int(Integer),
}

/// INT's argument (the line without its newline), read as the C unpickler
/// does: C `strtol` with base 0 first (C octal included), then Python's
/// `int()` if `strtol` stopped early or overflowed. Only a two-character
/// line that `strtol` reads as 0 or 1 is a bool (`00`, `01`, but also ` 1`).
pub(crate) fn int_arg(line: &[u8]) -> Result<IntArg, String> {
    if line.is_empty() {
        return Err("the argument is empty".to_owned());
    }
    if let Some((value, stop)) = c_strtol(line) {
        if stop == line.len() || line[stop] == 0 {
            return Ok(match (line.len(), value) {
                (2, 0) => IntArg::Bool(false),
                (2, 1) => IntArg::Bool(true),
                _ => IntArg::Int(Integer::Small(value)),
            });
        }
    }
    python_int(c_string(line)).map(IntArg::Int)
}

/// C's `strtol(text, &end, 0)` on a 64-bit `long`: the value and where
/// parsing stopped, or `None` when it overflowed (errno set).
fn c_strtol(text: &[u8]) -> Option<(i64, usize)> {
    let mut at = text
        .iter()
        .position(|&b| !is_space(b))
        .unwrap_or(text.len());
    let negative = match text.get(at) {
        Some(b'-') => {
            at += 1;
            true
        }
        Some(b'+') => {
            at += 1;
            false
        }
        _ => false,
    };
    let hex_digit_follows = text.get(at + 2).is_some_and(u8::is_ascii_hexdigit);
    let radix = match (text.get(at), text.get(at + 1)) {
        (Some(b'0'), Some(b'x' | b'X')) if hex_digit_follows => {
            at += 2;
            16
        }
        (Some(b'0'), _) => 8,
        _ => 10,
    };
    let digits_start = at;
    // Accumulate the magnitude negated, so that i64::MIN fits.
    let mut value: i64 = 0;
    while let Some(digit) = text.get(at).and_then(|&b| (b as char).to_digit(radix)) {
        value = value
            .checked_mul(i64::from(radix))?
            .checked_sub(i64::from(digit))?;
        at += 1;
    }
    if at == digits_start {
        // No digits: strtol reports no conversion, from the very start.
        return Some((0, 0));
    }
    let value = if negative {
        value
    } else {
        value.checked_neg()?
    };
    Some((value, at))
}

/// LONG's argument (the line without its newline): one trailing `L` is
/// dropped, then the text is read as `int(text, 0)`.
pub(crate) fn long_arg(line: &[u8]) -> Result<Integer, String> {
    let text = line.strip_suffix(b"L").unwrap_or(line);
    python_int(c_string(text))
}

/// FLOAT's argument (the line without its newline), read like C `strtod`
/// through `PyOS_string_to_double`: no surrounding whitespace, `inf`,
/// `infinity` and `nan` in any case, and overflow is an error.
pub(crate) fn float_arg(line: &[u8]) -> Result<f64, String> {
    let invalid = || {
        format!(
            "could not convert to float: {:?}",
            String::from_utf8_lossy(line)
        )
    };
    let len = float_prefix_len(line);
    if len == 0 || (len < line.len() && line[len] != 0) {
        return Err(invalid());
    }
    let text = std::str::from_utf8(&line[..len]).map_err(|_| invalid())?;
    let value: f64 = text.parse().map_err(|_| invalid())?;
    let literal_infinity = text.bytes().any(|b| b.eq_ignore_ascii_case(&b'i'));
    if value.is_infinite() && !literal_infinity {
        return Err(format!("{text} is too large for a float"));
    }
    Ok(value)
}

/// The length of the longest prefix of `text` that `strtod` converts.
fn float_prefix_len(text: &[u8]) -> usize {
    let sign = usize::from(matches!(text.first(), Some(b'+' | b'-')));
    let rest = &text[sign..];
    let starts_with =
        |word: &[u8]| rest.len() >= word.len() && rest[..word.len()].eq_ignore_ascii_case(word);
    if starts_with(b"infinity") {
        return sign + 8;
    }
    if starts_with(b"inf") || starts_with(b"nan") {
        return sign + 3;
    }
    let count_digits = |from: usize| {
        text.get(from..)
            .unwrap_or_default()
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let mut at = sign;
    let whole = count_digits(at);
    at += whole;
    let mut fraction = 0;
    if text.get(at) == Some(&b'.') {
        fraction = count_digits(at + 1);
        if whole + fraction > 0 {
            at += 1 + fraction;
        }
    }
    if whole + fraction == 0 {
        return 0;
    }
    if matches!(text.get(at), Some(b'e' | b'E')) {
        let exponent_sign = usize::from(matches!(text.get(at + 1), Some(b'+' | b'-')));
        let exponent = count_digits(at + 1 + exponent_sign);
        if exponent > 0 {
            at += 1 + exponent_sign + exponent;
        }
    }
    at
}

/// STRING's argument without its quotes: it must start and end with the
/// same quote character.
pub(crate) fn unquote(line: &[u8]) -> Option<&[u8]> {
    match line {
        [quote @ (b'\'' | b'"'), inner @ .., last] if last == quote => Some(inner),
        _ => None,
    }
}

/// Python 2 string escapes, as `codecs.escape_decode` reads them. Unknown
/// escapes are kept with their backslash; octal escapes wrap at 256.
pub(crate) fn escape_decode(text: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
    out.clear();
    let mut at = 0;
    while let Some(&byte) = text.get(at) {
        at += 1;
        if byte != b'\\' {
            out.push(byte);
            continue;
        }
        let Some(&escape) = text.get(at) else {
            return Err("trailing \\ in string".to_owned());
        };
        at += 1;
        match escape {
            b'\n' => {}
            b'\\' | b'\'' | b'"' => out.push(escape),
            b'b' => out.push(0x08),
            b'f' => out.push(0x0C),
            b't' => out.push(b'\t'),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b'v' => out.push(0x0B),
            b'a' => out.push(0x07),
            b'0'..=b'7' => {
                let mut value = u32::from(escape - b'0');
                for _ in 0..2 {
                    match text.get(at) {
                        Some(&digit @ b'0'..=b'7') => {
                            value = value * 8 + u32::from(digit - b'0');
                            at += 1;
                        }
                        _ => break,
                    }
                }
                out.push(value as u8);
            }
            b'x' => {
                let hex = |at: usize| text.get(at).and_then(|&b| (b as char).to_digit(16));
                match (hex(at), hex(at + 1)) {
                    (Some(high), Some(low)) => {
                        out.push((high * 16 + low) as u8);
                        at += 2;
                    }
                    _ => return Err(format!("invalid \\x escape at position {}", at - 2)),
                }
            }
            _ => out.extend_from_slice(&[b'\\', escape]),
        }
    }
    Ok(())
}

/// Appends a code point, surrogates included, in Python's `surrogatepass`
/// UTF-8.
fn push_code_point(out: &mut Vec<u8>, code: u32) {
    match char::from_u32(code) {
        Some(c) => {
            let mut buffer = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
        }
        // Only surrogates (0xD800..=0xDFFF) reach here; callers check the range.
        None => out.extend_from_slice(&[
            0xE0 | (code >> 12) as u8,
            0x80 | ((code >> 6) & 0x3F) as u8,
            0x80 | (code & 0x3F) as u8,
        ]),
    }
}

/// `raw-unicode-escape`: bytes are Latin-1 except `\uXXXX` and
/// `\UXXXXXXXX`, which count only after an odd run of backslashes. Returns
/// whether the text holds a surrogate.
pub(crate) fn raw_unicode_escape_decode(text: &[u8], out: &mut Vec<u8>) -> Result<bool, String> {
    out.clear();
    let mut surrogates = false;
    let mut at = 0;
    while let Some(&byte) = text.get(at) {
        if byte != b'\\' {
            // Copy a run of ASCII at once; other bytes are Latin-1 code points.
            let run = text[at..]
                .iter()
                .take_while(|&&b| b != b'\\' && b.is_ascii())
                .count();
            if run > 0 {
                out.extend_from_slice(&text[at..at + run]);
                at += run;
            } else {
                push_code_point(out, u32::from(byte));
                at += 1;
            }
            continue;
        }
        at += 1;
        let run_start = at - 1;
        while text.get(at) == Some(&b'\\') {
            at += 1;
        }
        let run = at - run_start;
        let width = match text.get(at) {
            Some(b'u') if run % 2 == 1 => 4,
            Some(b'U') if run % 2 == 1 => 8,
            _ => {
                out.resize(out.len() + run, b'\\');
                continue;
            }
        };
        // All but the last backslash of the run are literal.
        out.resize(out.len() + run - 1, b'\\');
        at += 1;
        let hex = text
            .get(at..at + width)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit));
        let Some(hex) = hex else {
            return Err(if width == 4 {
                "truncated \\uXXXX escape".to_owned()
            } else {
                "truncated \\UXXXXXXXX escape".to_owned()
            });
        };
        let code = hex.iter().fold(0u32, |acc, &b| {
            acc * 16 + (b as char).to_digit(16).unwrap_or(0)
        });
        if code > 0x10FFFF {
            return Err("\\UXXXXXXXX escape out of range".to_owned());
        }
        surrogates |= (0xD800..=0xDFFF).contains(&code);
        push_code_point(out, code);
        at += width;
    }
    Ok(surrogates)
}

/// Checks UTF-8 the way `bytes.decode("utf-8", "surrogatepass")` does:
/// standard UTF-8 plus three-byte encoded surrogates. Returns whether there
/// were surrogates, or the offset of the first invalid byte.
pub(crate) fn check_utf8_surrogatepass(bytes: &[u8]) -> Result<bool, usize> {
    let mut surrogates = false;
    let mut at = 0;
    loop {
        match std::str::from_utf8(&bytes[at..]) {
            Ok(_) => return Ok(surrogates),
            Err(err) => {
                let bad = at + err.valid_up_to();
                match bytes.get(bad..bad + 3) {
                    Some([0xED, 0xA0..=0xBF, 0x80..=0xBF]) => {
                        surrogates = true;
                        at = bad + 3;
                    }
                    _ => return Err(bad),
                }
            }
        }
    }
}

/// Decodes a Python 2 `str` to UTF-8 with the strict error handler;
/// borrowed when the bytes already are the UTF-8.
pub(crate) fn decode_py2(bytes: &[u8], encoding: Py2Encoding) -> Result<Cow<'_, [u8]>, String> {
    match encoding {
        Py2Encoding::Ascii => match bytes.iter().position(|b| !b.is_ascii()) {
            None => Ok(Cow::Borrowed(bytes)),
            Some(at) => Err(format!(
                "'ascii' codec can't decode byte 0x{:02x} in position {at}",
                bytes[at]
            )),
        },
        Py2Encoding::Latin1 if bytes.is_ascii() => Ok(Cow::Borrowed(bytes)),
        Py2Encoding::Latin1 => {
            let mut out = Vec::with_capacity(bytes.len() * 2);
            bytes
                .iter()
                .for_each(|&b| push_code_point(&mut out, u32::from(b)));
            Ok(Cow::Owned(out))
        }
        Py2Encoding::Utf8 => match std::str::from_utf8(bytes) {
            Ok(_) => Ok(Cow::Borrowed(bytes)),
            Err(err) => Err(format!(
                "'utf-8' codec can't decode byte 0x{:02x} in position {}",
                bytes.get(err.valid_up_to()).copied().unwrap_or(0),
                err.valid_up_to()
            )),
        },
    }
}

/// The codecs the core decodes Python 2 strings with; keeping them as bytes
/// is [`super::StringEncoding::Bytes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Py2Encoding {
    Ascii,
    Latin1,
    Utf8,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(value: i64) -> Result<Integer, String> {
        Ok(Integer::Small(value))
    }

    #[test]
    fn python_int_literals() {
        assert_eq!(python_int(b" -0x_1F \n"), small(-31));
        assert_eq!(python_int(b"1_000"), small(1000));
        assert_eq!(python_int(b"0_0"), small(0));
        assert_eq!(python_int(b"0b101"), small(5));
        assert_eq!(python_int(b"-9223372036854775808"), small(i64::MIN));
        assert!(matches!(
            python_int(b"9223372036854775808"),
            Ok(Integer::Big(_))
        ));
        for bad in [
            &b"010"[..],
            b"1__0",
            b"_1",
            b"1_",
            b"0x",
            b"",
            b" ",
            b"-",
            b"1L",
            b"0x_",
        ] {
            assert!(python_int(bad).is_err(), "{bad:?}");
        }
        assert_eq!(decimal_int(b"010\0x"), small(10));
        assert!(decimal_int(b"0x10").is_err());
        assert!(python_int(&[b'1'; 4300]).is_ok());
        assert!(python_int(&[b'1'; 4301]).is_err());
    }

    #[test]
    fn int_opcode_follows_strtol_first() {
        assert_eq!(int_arg(b"010"), Ok(IntArg::Int(Integer::Small(8))));
        assert_eq!(int_arg(b"01"), Ok(IntArg::Bool(true)));
        assert_eq!(int_arg(b" 1"), Ok(IntArg::Bool(true)));
        assert_eq!(int_arg(b"-0"), Ok(IntArg::Bool(false)));
        assert_eq!(int_arg(b"0\t"), Ok(IntArg::Int(Integer::Small(0))));
        assert_eq!(int_arg(b"1\0junk"), Ok(IntArg::Int(Integer::Small(1))));
        // C string semantics: a NUL ends the text, even before any digit.
        assert_eq!(int_arg(b"\x001"), Ok(IntArg::Bool(false)));
        assert_eq!(int_arg(b"\0"), Ok(IntArg::Int(Integer::Small(0))));
        assert_eq!(int_arg(b"0o10"), Ok(IntArg::Int(Integer::Small(8))));
        assert!(int_arg(b"0777777777777777777777777").is_err());
        assert!(int_arg(b"").is_err());
    }

    #[test]
    fn float_prefixes() {
        assert_eq!(float_arg(b"1."), Ok(1.0));
        assert_eq!(float_arg(b"+.5e-3"), Ok(0.0005));
        assert_eq!(float_arg(b"-Infinity"), Ok(f64::NEG_INFINITY));
        assert_eq!(float_arg(b"1.5\0x"), Ok(1.5));
        for bad in [
            &b"1e"[..],
            b" 1",
            b"1 ",
            b"1e400",
            b"infinit",
            b"1_0",
            b".",
            b"",
        ] {
            assert!(float_arg(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn escapes() {
        let mut out = Vec::new();
        escape_decode(br"a\n\777\400\08\q\x41\'", &mut out).unwrap();
        assert_eq!(out, b"a\n\xff\x00\x008\\qA'");
        assert!(escape_decode(br"\x4", &mut out).is_err());
        assert!(escape_decode(b"\\", &mut out).is_err());
        assert_eq!(
            raw_unicode_escape_decode(br"\\\u0041\\u0041\xe9", &mut out),
            Ok(false)
        );
        assert_eq!(out, "\\\\A\\\\u0041\\xe9".as_bytes());
        assert_eq!(raw_unicode_escape_decode(br"\ud800", &mut out), Ok(true));
        assert_eq!(out, b"\xed\xa0\x80");
        assert!(raw_unicode_escape_decode(br"\u004", &mut out).is_err());
        assert!(raw_unicode_escape_decode(br"\U00110000", &mut out).is_err());
        assert_eq!(check_utf8_surrogatepass(b"a\xed\xa0\x80b"), Ok(true));
        assert_eq!(check_utf8_surrogatepass(b"ab\xff"), Err(2));
    }
}
