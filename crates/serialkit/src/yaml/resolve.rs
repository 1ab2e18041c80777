//! Scalar resolution: which type a plain scalar's text denotes under a
//! schema, and the constructors for the standard scalar tags.
//!
//! The YAML 1.2 core schema is the default. [`Schema::Yaml11`] follows
//! PyYAML's implicit resolvers and constructors rule for rule (yes/no/on/off
//! booleans, `0777` octals, underscores in numbers, sexagesimal numbers,
//! timestamps), so that `safe_load` returns what PyYAML returns.

use num_bigint::BigInt;
use std::borrow::Cow;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Schema {
    /// YAML 1.2 core schema.
    #[default]
    Core,
    /// YAML 1.1 as PyYAML resolves it.
    Yaml11,
}

/// A `!!timestamp`: a date alone, or a date and time with an optional
/// offset from UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timestamp {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub time: Option<Time>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Time {
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub microsecond: u32,
    /// Minutes east of UTC; `None` for a naive time.
    pub offset_minutes: Option<i32>,
}

impl Timestamp {
    /// ISO 8601 text, as Python's `isoformat(" ")` writes it, for the core
    /// model (which has no date type).
    pub fn to_iso(&self) -> String {
        let mut text = format!("{:04}-{:02}-{:02}", self.year, self.month, self.day);
        if let Some(time) = &self.time {
            text.push_str(&format!(
                " {:02}:{:02}:{:02}",
                time.hour, time.minute, time.second
            ));
            if time.microsecond != 0 {
                text.push_str(&format!(".{:06}", time.microsecond));
            }
            if let Some(offset) = time.offset_minutes {
                let sign = if offset < 0 { '-' } else { '+' };
                let offset = offset.unsigned_abs();
                text.push_str(&format!("{sign}{:02}:{:02}", offset / 60, offset % 60));
            }
        }
        text
    }
}

/// A constructed scalar.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar<'a> {
    Null,
    Bool(bool),
    Int(i64),
    BigInt(BigInt),
    Float(f64),
    Str(Cow<'a, str>),
    Binary(Vec<u8>),
    Timestamp(Timestamp),
}

/// What a plain scalar resolves to, before construction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Null,
    Bool,
    Int,
    Float,
    Timestamp,
    /// `<<` under YAML 1.1.
    Merge,
    /// `=` under YAML 1.1, which PyYAML's safe constructor refuses.
    Value,
    Str,
}

/// Resolves a plain scalar.
pub fn resolve_plain(text: &str, schema: Schema) -> Kind {
    match schema {
        Schema::Core => resolve_core(text),
        Schema::Yaml11 => resolve_yaml11(text),
    }
}

/// Whether `text`, written plain, reads back as a string under `schema`.
pub fn plain_is_str(text: &str, schema: Schema) -> bool {
    resolve_plain(text, schema) == Kind::Str
}

fn resolve_core(text: &str) -> Kind {
    let Some(&first) = text.as_bytes().first() else {
        return Kind::Null;
    };
    match first {
        b'~' | b'n' | b'N' if matches!(text, "~" | "null" | "Null" | "NULL") => Kind::Null,
        b't' | b'T' | b'f' | b'F'
            if matches!(text, "true" | "True" | "TRUE" | "false" | "False" | "FALSE") =>
        {
            Kind::Bool
        }
        b'-' | b'+' | b'.' | b'0'..=b'9' => {
            if core_int(text).is_some() {
                Kind::Int
            } else if is_core_float(text) {
                Kind::Float
            } else {
                Kind::Str
            }
        }
        _ => Kind::Str,
    }
}

/// The radix and digits of a core-schema integer.
fn core_int(text: &str) -> Option<(bool, u32, &str)> {
    if let Some(digits) = text.strip_prefix("0o") {
        return all_digits(digits, 8).then_some((false, 8, digits));
    }
    if let Some(digits) = text.strip_prefix("0x") {
        return all_digits(digits, 16).then_some((false, 16, digits));
    }
    let (negative, digits) = split_sign(text);
    all_digits(digits, 10).then_some((negative, 10, digits))
}

fn split_sign(text: &str) -> (bool, &str) {
    match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    }
}

fn all_digits(text: &str, radix: u32) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_digit(radix))
}

fn is_core_float(text: &str) -> bool {
    let (_, body) = split_sign(text);
    if matches!(body, ".inf" | ".Inf" | ".INF") {
        return true;
    }
    if matches!(text, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    // [0-9]+ (\. [0-9]*)? | \. [0-9]+, then an optional exponent.
    let bytes = body.as_bytes();
    let mut at = 0;
    while at < bytes.len() && bytes[at].is_ascii_digit() {
        at += 1;
    }
    let int_digits = at;
    let mut frac_digits = 0;
    if at < bytes.len() && bytes[at] == b'.' {
        at += 1;
        while at < bytes.len() && bytes[at].is_ascii_digit() {
            at += 1;
            frac_digits += 1;
        }
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if at < bytes.len() && (bytes[at] == b'e' || bytes[at] == b'E') {
        at += 1;
        if at < bytes.len() && (bytes[at] == b'-' || bytes[at] == b'+') {
            at += 1;
        }
        let start = at;
        while at < bytes.len() && bytes[at].is_ascii_digit() {
            at += 1;
        }
        if at == start {
            return false;
        }
    }
    at == bytes.len()
}

fn resolve_yaml11(text: &str) -> Kind {
    let Some(&first) = text.as_bytes().first() else {
        return Kind::Null;
    };
    match first {
        b'~' | b'n' | b'N' if matches!(text, "~" | "null" | "Null" | "NULL") => Kind::Null,
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O'
            if yaml11_bool(text).is_some() =>
        {
            Kind::Bool
        }
        b'<' if text == "<<" => Kind::Merge,
        b'=' if text == "=" => Kind::Value,
        b'-' | b'+' | b'.' | b'0'..=b'9' => {
            // PyYAML tries its resolvers in registration order: float, int,
            // then timestamp.
            if is_yaml11_float(text) {
                Kind::Float
            } else if is_yaml11_int(text) {
                Kind::Int
            } else if first.is_ascii_digit() && parse_timestamp(text).is_some() {
                Kind::Timestamp
            } else {
                Kind::Str
            }
        }
        _ => Kind::Str,
    }
}

pub fn yaml11_bool(text: &str) -> Option<bool> {
    match text {
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => Some(true),
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

pub fn core_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

fn count_while(bytes: &[u8], at: usize, pred: impl Fn(u8) -> bool) -> usize {
    bytes[at..].iter().take_while(|&&b| pred(b)).count()
}

/// `(?::[0-5]?[0-9])+` starting at `at`; returns the end.
fn sexagesimal_tail(bytes: &[u8], mut at: usize) -> Option<usize> {
    let mut groups = 0;
    while at < bytes.len() && bytes[at] == b':' {
        let digits = count_while(bytes, at + 1, |b| b.is_ascii_digit());
        let ok = match digits {
            1 => true,
            2 => bytes[at + 1] <= b'5',
            _ => false,
        };
        if !ok {
            return None;
        }
        at += 1 + digits;
        groups += 1;
    }
    (groups > 0).then_some(at)
}

fn is_yaml11_float(text: &str) -> bool {
    let bytes = text.as_bytes();
    let signed = matches!(bytes.first(), Some(b'-' | b'+'));
    let body = &bytes[usize::from(signed)..];
    if matches!(body, b".inf" | b".Inf" | b".INF") {
        return true;
    }
    if !signed && matches!(body, b".nan" | b".NaN" | b".NAN") {
        return true;
    }
    let exponent_ok = |at: usize| -> bool {
        // (?:[eE][-+][0-9]+)?$
        if at == body.len() {
            return true;
        }
        if !(body[at] == b'e' || body[at] == b'E') || at + 2 > body.len() {
            return false;
        }
        if !(body[at + 1] == b'-' || body[at + 1] == b'+') {
            return false;
        }
        let digits = count_while(body, at + 2, |b| b.is_ascii_digit());
        digits > 0 && at + 2 + digits == body.len()
    };
    if body.first() == Some(&b'.') {
        // \.[0-9][0-9_]*(exp)? : no sign allowed.
        if signed || !body.get(1).is_some_and(u8::is_ascii_digit) {
            return false;
        }
        let end = 1 + count_while(body, 1, |b| b.is_ascii_digit() || b == b'_');
        return exponent_ok(end);
    }
    if !body.first().is_some_and(u8::is_ascii_digit) {
        return false;
    }
    let int_end = count_while(body, 0, |b| b.is_ascii_digit() || b == b'_');
    if body.get(int_end) == Some(&b'.') {
        let end = int_end + 1 + count_while(body, int_end + 1, |b| b.is_ascii_digit() || b == b'_');
        return exponent_ok(end);
    }
    // Sexagesimal: [0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    if let Some(end) = sexagesimal_tail(body, int_end) {
        if body.get(end) == Some(&b'.') {
            let rest = count_while(body, end + 1, |b| b.is_ascii_digit() || b == b'_');
            return end + 1 + rest == body.len();
        }
    }
    false
}

fn is_yaml11_int(text: &str) -> bool {
    let bytes = text.as_bytes();
    let signed = matches!(bytes.first(), Some(b'-' | b'+'));
    let body = &bytes[usize::from(signed)..];
    let rest_all = |from: usize, pred: fn(u8) -> bool| {
        body.len() > from && body[from..].iter().all(|&b| pred(b))
    };
    if body.starts_with(b"0b") {
        return rest_all(2, |b| b == b'0' || b == b'1' || b == b'_');
    }
    if body.starts_with(b"0x") {
        return rest_all(2, |b| b.is_ascii_hexdigit() || b == b'_');
    }
    if body == b"0" {
        return true;
    }
    if body.first() == Some(&b'0') {
        return rest_all(1, |b| (b'0'..=b'7').contains(&b) || b == b'_');
    }
    if !body.first().is_some_and(|b| (b'1'..=b'9').contains(b)) {
        return false;
    }
    let end = count_while(body, 0, |b| b.is_ascii_digit() || b == b'_');
    if end == body.len() {
        return true;
    }
    sexagesimal_tail(body, end) == Some(body.len())
}

/// The value of an integer scalar, under either schema's grammar (an
/// explicit `!!int` accepts both). `None` when it is not an integer.
pub fn parse_int(text: &str, schema: Schema) -> Option<Scalar<'static>> {
    match schema {
        Schema::Core => {
            let (negative, radix, digits) = core_int(text)?;
            Some(int_from_digits(negative, digits, radix))
        }
        Schema::Yaml11 => {
            if !is_yaml11_int(text) {
                return None;
            }
            let cleaned: String = text.chars().filter(|&c| c != '_').collect();
            let (negative, body) = split_sign(&cleaned);
            if body == "0" {
                return Some(Scalar::Int(0));
            }
            if let Some(digits) = body.strip_prefix("0b") {
                return (!digits.is_empty()).then(|| int_from_digits(negative, digits, 2));
            }
            if let Some(digits) = body.strip_prefix("0x") {
                return (!digits.is_empty()).then(|| int_from_digits(negative, digits, 16));
            }
            if body.starts_with('0') {
                return Some(int_from_digits(negative, body, 8));
            }
            if body.contains(':') {
                let mut total = BigInt::from(0);
                for part in body.split(':') {
                    total = total * 60 + part.parse::<BigInt>().ok()?;
                }
                return Some(normalize(if negative { -total } else { total }));
            }
            Some(int_from_digits(negative, body, 10))
        }
    }
}

fn int_from_digits(negative: bool, digits: &str, radix: u32) -> Scalar<'static> {
    if let Ok(value) = u64::from_str_radix(digits, radix) {
        if negative {
            if value <= i64::MAX as u64 + 1 {
                return Scalar::Int((value as i128).wrapping_neg() as i64);
            }
        } else if let Ok(value) = i64::try_from(value) {
            return Scalar::Int(value);
        }
    }
    let magnitude = BigInt::parse_bytes(digits.as_bytes(), radix).unwrap_or_default();
    normalize(if negative { -magnitude } else { magnitude })
}

fn normalize(value: BigInt) -> Scalar<'static> {
    match i64::try_from(&value) {
        Ok(small) => Scalar::Int(small),
        Err(_) => Scalar::BigInt(value),
    }
}

/// The value of a float scalar under the schema's grammar.
pub fn parse_float(text: &str, schema: Schema) -> Option<f64> {
    match schema {
        Schema::Core => {
            if !is_core_float(text) {
                return None;
            }
            let (negative, body) = split_sign(text);
            let sign = if negative { -1.0 } else { 1.0 };
            if body.eq_ignore_ascii_case(".inf") {
                return Some(sign * f64::INFINITY);
            }
            if body.eq_ignore_ascii_case(".nan") {
                return Some(f64::NAN);
            }
            body.parse::<f64>().ok().map(|v| sign * v)
        }
        Schema::Yaml11 => {
            if !is_yaml11_float(text) {
                return None;
            }
            let cleaned: String = text
                .chars()
                .filter(|&c| c != '_')
                .map(|c| c.to_ascii_lowercase())
                .collect();
            let (negative, body) = split_sign(&cleaned);
            let sign = if negative { -1.0 } else { 1.0 };
            if body == ".inf" {
                return Some(sign * f64::INFINITY);
            }
            if body == ".nan" {
                return Some(f64::NAN);
            }
            if body.contains(':') {
                let mut total = 0.0;
                for part in body.split(':') {
                    total = total * 60.0 + parse_python_float(part)?;
                }
                return Some(sign * total);
            }
            parse_python_float(body).map(|v| sign * v)
        }
    }
}

/// Parses what Python's `float()` accepts among the texts the resolvers
/// let through (`1.`, `.5`, `1.e+5`).
fn parse_python_float(text: &str) -> Option<f64> {
    if let Ok(value) = text.parse::<f64>() {
        return Some(value);
    }
    // Rust rejects a dot with no digits after it before an exponent.
    text.replacen(".e", ".0e", 1).parse::<f64>().ok()
}

/// Parses a YAML 1.1 timestamp as PyYAML's resolver and constructor do.
pub fn parse_timestamp(text: &str) -> Option<Timestamp> {
    let bytes = text.as_bytes();
    let digits = |from: usize, min: usize, max: usize| -> Option<(u32, usize)> {
        let n = count_while(bytes, from, |b| b.is_ascii_digit()).min(max);
        if n < min {
            return None;
        }
        let value = text[from..from + n].parse().ok()?;
        Some((value, from + n))
    };
    let (year, at) = digits(0, 4, 4)?;
    if bytes.get(at) != Some(&b'-') {
        return None;
    }
    let (month, at2) = digits(at + 1, 1, 2)?;
    if bytes.get(at2) != Some(&b'-') {
        return None;
    }
    let (day, at3) = digits(at2 + 1, 1, 2)?;
    let date_only = at2 - at == 3 && at3 - at2 == 3;
    let date = |time| -> Option<Timestamp> {
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) || year < 1 {
            return None;
        }
        Some(Timestamp {
            year: year as u16,
            month: month as u8,
            day: day as u8,
            time,
        })
    };
    if at3 == bytes.len() {
        return if date_only { date(None) } else { None };
    }
    // (?:[Tt]|[ \t]+)
    let mut at = at3;
    if matches!(bytes[at], b'T' | b't') {
        at += 1;
    } else {
        let spaces = count_while(bytes, at, |b| b == b' ' || b == b'\t');
        if spaces == 0 {
            return None;
        }
        at += spaces;
    }
    let (hour, at) = digits(at, 1, 2)?;
    if bytes.get(at) != Some(&b':') {
        return None;
    }
    let (minute, at) = digits(at + 1, 2, 2)?;
    if bytes.get(at) != Some(&b':') {
        return None;
    }
    let (second, mut at) = digits(at + 1, 2, 2)?;
    let mut microsecond = 0;
    if bytes.get(at) == Some(&b'.') {
        let n = count_while(bytes, at + 1, |b| b.is_ascii_digit());
        let fraction = &text[at + 1..at + 1 + n];
        let mut six: String = fraction.chars().take(6).collect();
        while six.len() < 6 {
            six.push('0');
        }
        microsecond = six.parse().ok()?;
        at += 1 + n;
    }
    let mut offset_minutes = None;
    if at < bytes.len() {
        at += count_while(bytes, at, |b| b == b' ' || b == b'\t');
        match bytes.get(at) {
            Some(b'Z') => {
                offset_minutes = Some(0);
                at += 1;
            }
            Some(&sign @ (b'-' | b'+')) => {
                let (tz_hour, next) = digits(at + 1, 1, 2)?;
                at = next;
                let mut tz_minute = 0;
                if bytes.get(at) == Some(&b':') {
                    let (m, next) = digits(at + 1, 2, 2)?;
                    tz_minute = m;
                    at = next;
                }
                let total = (tz_hour * 60 + tz_minute) as i32;
                offset_minutes = Some(if sign == b'-' { -total } else { total });
            }
            _ => return None,
        }
        if at != bytes.len() {
            return None;
        }
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    date(Some(Time {
        hour: hour as u8,
        minute: minute as u8,
        second: second as u8,
        microsecond,
        offset_minutes,
    }))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// Decodes `!!binary` content: base64 with any whitespace in between.
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buffer = 0u32;
    let mut bits = 0;
    let mut padding = 0;
    for byte in text.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padding += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            _ => return None,
        };
        if padding > 0 {
            return None;
        }
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

/// Encodes as Python's `base64.encodebytes` does: lines of 76 characters,
/// each ending with a newline.
pub fn encode_base64_lines(data: &[u8]) -> String {
    // 57 bytes encode to exactly 76 characters, with no padding but at the end.
    let mut out = String::with_capacity(data.len() * 4 / 3 + data.len() / 57 + 4);
    for line in data.chunks(57) {
        out.push_str(&crate::tagged::base64_encode(line));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_schema() {
        for (text, kind) in [
            ("", Kind::Null),
            ("~", Kind::Null),
            ("True", Kind::Bool),
            ("yes", Kind::Str),
            ("0o17", Kind::Int),
            ("0x1F", Kind::Int),
            ("-12", Kind::Int),
            ("1e3", Kind::Float),
            ("-.inf", Kind::Float),
            (".", Kind::Str),
            ("1_000", Kind::Str),
            ("2001-12-14", Kind::Str),
        ] {
            assert_eq!(resolve_plain(text, Schema::Core), kind, "{text:?}");
        }
    }

    #[test]
    fn yaml11_schema() {
        for (text, kind) in [
            ("yes", Kind::Bool),
            ("Off", Kind::Bool),
            ("0777", Kind::Int),
            ("1_000", Kind::Int),
            ("190:20:30", Kind::Int),
            ("1e3", Kind::Str),
            ("1.0e+3", Kind::Float),
            ("1.0e3", Kind::Str),
            ("190:20:30.15", Kind::Float),
            ("2001-12-14", Kind::Timestamp),
            ("2001-12-14t21:59:43.10-05:00", Kind::Timestamp),
            ("<<", Kind::Merge),
            ("0o17", Kind::Str),
        ] {
            assert_eq!(resolve_plain(text, Schema::Yaml11), kind, "{text:?}");
        }
        assert_eq!(parse_int("0777", Schema::Yaml11), Some(Scalar::Int(511)));
        assert_eq!(
            parse_int("190:20:30", Schema::Yaml11),
            Some(Scalar::Int(685_230))
        );
        assert_eq!(parse_float("1_0.5", Schema::Yaml11), Some(10.5));
        let stamp = parse_timestamp("2001-12-14t21:59:43.10-05:00").unwrap();
        assert_eq!(stamp.to_iso(), "2001-12-14 21:59:43.100000-05:00");
    }

    #[test]
    fn base64_round_trip() {
        let data: Vec<u8> = (0..=255).collect();
        assert_eq!(decode_base64(&encode_base64_lines(&data)).unwrap(), data);
    }
}
