//! A JSON parser that drives a [`Sink`], so each caller builds its own
//! representation (the core [`crate::Value`], Python objects) straight from
//! the input without an intermediate tree.
//!
//! Grammar, error messages and error offsets follow CPython's `json`
//! scanner exactly, so a drop-in for `json.loads` can report the same
//! `JSONDecodeError`s. Offsets are in bytes; callers that need character
//! offsets convert on the error path.

use super::error::{ErrorCode, ParseError};
use super::escape::push_wtf8;
use crate::swar;

/// A number as it appeared in the input. `text` is the exact ASCII slice.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Number<'a> {
    pub text: &'a str,
    pub kind: NumberKind,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NumberKind {
    /// An integer that fits in 64 bits.
    Int(i64),
    /// An integer too large for 64 bits; parse it from `text`.
    BigInt,
    /// Has a fraction or an exponent.
    Float,
}

/// The non-standard literals CPython accepts by default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Constant {
    NaN,
    Infinity,
    NegInfinity,
}

impl Constant {
    pub fn name(self) -> &'static str {
        match self {
            Constant::NaN => "NaN",
            Constant::Infinity => "Infinity",
            Constant::NegInfinity => "-Infinity",
        }
    }

    pub fn value(self) -> f64 {
        match self {
            Constant::NaN => f64::NAN,
            Constant::Infinity => f64::INFINITY,
            Constant::NegInfinity => f64::NEG_INFINITY,
        }
    }
}

/// A decoded string. `bytes` is UTF-8, except that when `surrogates` is set
/// it may also hold lone surrogates encoded the same way (WTF-8), because
/// JSON's `\ud800` escapes can name them and Python strings can hold them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonStr<'s> {
    pub bytes: &'s [u8],
    pub ascii: bool,
    pub surrogates: bool,
}

/// Which container is being entered, for sinks that report depth errors
/// with a message naming it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Container {
    Array,
    Object,
}

/// Receives what the parser reads. Values are built bottom-up: a container
/// is begun, filled, then ended to produce its value.
pub trait Sink {
    type Value;
    type Key;
    type Array;
    type Object;
    type Error;

    fn null(&mut self) -> Result<Self::Value, Self::Error>;
    fn boolean(&mut self, value: bool) -> Result<Self::Value, Self::Error>;
    fn number(&mut self, number: Number<'_>) -> Result<Self::Value, Self::Error>;
    fn constant(&mut self, constant: Constant) -> Result<Self::Value, Self::Error>;
    fn string(&mut self, string: JsonStr<'_>) -> Result<Self::Value, Self::Error>;
    fn key(&mut self, key: JsonStr<'_>) -> Result<Self::Key, Self::Error>;

    fn array_begin(&mut self) -> Result<Self::Array, Self::Error>;
    fn array_push(
        &mut self,
        array: &mut Self::Array,
        value: Self::Value,
    ) -> Result<(), Self::Error>;
    fn array_end(&mut self, array: Self::Array) -> Result<Self::Value, Self::Error>;

    fn object_begin(&mut self) -> Result<Self::Object, Self::Error>;
    fn object_insert(
        &mut self,
        object: &mut Self::Object,
        key: Self::Key,
        value: Self::Value,
    ) -> Result<(), Self::Error>;
    fn object_end(&mut self, object: Self::Object) -> Result<Self::Value, Self::Error>;

    /// Called before a container is parsed; [`Sink::leave`] follows on every
    /// path, errors included, so a sink can keep an external depth counter.
    fn enter(&mut self, _container: Container) -> Result<(), Self::Error> {
        Ok(())
    }
    fn leave(&mut self) {}
}

/// Why parsing stopped: the input, or the sink.
#[derive(Debug)]
pub enum Failure<E> {
    Syntax(ParseError),
    Sink(E),
}

impl<E> From<ParseError> for Failure<E> {
    fn from(err: ParseError) -> Self {
        Failure::Syntax(err)
    }
}

#[derive(Clone, Debug)]
pub struct ParseOptions {
    /// Reject control characters inside strings (CPython's `strict`).
    pub strict: bool,
    pub max_depth: usize,
    /// The input may hold lone surrogates encoded as WTF-8 (it came from a
    /// Python string that is not valid Unicode).
    pub wtf8: bool,
    /// Report a comma just before the closing bracket as a trailing comma,
    /// at the comma, as CPython 3.13 and later do; otherwise as the missing
    /// value or property name after it, at the bracket, as earlier versions
    /// do.
    pub trailing_comma_error: bool,
    /// A `\uXXXX` escape whose digits end the input is read as complete
    /// (the string is then unterminated), as CPython 3.14 does; earlier
    /// versions want one more character after it and call it invalid.
    pub escape_may_end_input: bool,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            strict: true,
            max_depth: crate::Limits::DEFAULT_MAX_DEPTH,
            wtf8: false,
            trailing_comma_error: false,
            escape_may_end_input: false,
        }
    }
}

/// Parses one JSON document that must span the whole input, apart from
/// surrounding whitespace. `input` must be valid UTF-8 (or WTF-8 when
/// `options.wtf8` is set); callers validate once up front.
pub fn parse<S: Sink>(
    input: &[u8],
    options: &ParseOptions,
    sink: &mut S,
) -> Result<S::Value, Failure<S::Error>> {
    let mut parser = Parser {
        input,
        pos: 0,
        depth: 0,
        options,
        scratch: Vec::new(),
    };
    parser.skip_whitespace();
    let value = parser.value(sink)?;
    parser.skip_whitespace();
    if parser.pos != input.len() {
        return Err(parser.error(ErrorCode::ExtraData, parser.pos));
    }
    Ok(value)
}

/// Parses one JSON value starting at `start` (after any whitespace) and
/// returns it with the offset just past it, like `JSONDecoder.raw_decode`.
pub fn parse_prefix<S: Sink>(
    input: &[u8],
    start: usize,
    options: &ParseOptions,
    sink: &mut S,
) -> Result<(S::Value, usize), Failure<S::Error>> {
    let mut parser = Parser {
        input,
        pos: start.min(input.len()),
        depth: 0,
        options,
        scratch: Vec::new(),
    };
    let value = parser.value(sink)?;
    Ok((value, parser.pos))
}

struct Parser<'a, 'o> {
    input: &'a [u8],
    pos: usize,
    depth: usize,
    options: &'o ParseOptions,
    /// Reused for strings that contain escapes.
    scratch: Vec<u8>,
}

#[inline]
fn is_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

impl<'a> Parser<'a, '_> {
    fn error<E>(&self, code: ErrorCode, offset: usize) -> Failure<E> {
        Failure::Syntax(ParseError { code, offset })
    }

    #[inline]
    fn skip_whitespace(&mut self) {
        let input = self.input;
        let mut at = self.pos;
        // Compact documents: the next byte is rarely whitespace.
        if input.get(at).is_none_or(|&byte| byte > b' ') {
            return;
        }
        const SPACES: u64 = u64::from_le_bytes([b' '; 8]);
        loop {
            // Indented documents: a run of spaces a word at a time, its end
            // found exactly as the first byte that differs from a space.
            while let Some(word) = swar::word_at(input, at) {
                let others = word ^ SPACES;
                if others != 0 {
                    at += swar::first_flagged(others);
                    break;
                }
                at += 8;
            }
            match input.get(at) {
                Some(&byte) if is_whitespace(byte) => at += 1,
                _ => break,
            }
        }
        self.pos = at;
    }

    #[inline]
    fn next_is(&self, literal: &[u8]) -> bool {
        self.input[self.pos..].starts_with(literal)
    }

    fn value<S: Sink>(&mut self, sink: &mut S) -> Result<S::Value, Failure<S::Error>> {
        let start = self.pos;
        let Some(&byte) = self.input.get(start) else {
            return Err(self.error(ErrorCode::ExpectingValue, start));
        };
        let literal = |parser: &mut Self, len: usize| parser.pos += len;
        match byte {
            b'"' => {
                self.pos += 1;
                let string = self.string(start)?;
                sink.string(string).map_err(Failure::Sink)
            }
            b'{' => self.container(sink, Container::Object),
            b'[' => self.container(sink, Container::Array),
            b'n' if self.next_is(b"null") => {
                literal(self, 4);
                sink.null().map_err(Failure::Sink)
            }
            b't' if self.next_is(b"true") => {
                literal(self, 4);
                sink.boolean(true).map_err(Failure::Sink)
            }
            b'f' if self.next_is(b"false") => {
                literal(self, 5);
                sink.boolean(false).map_err(Failure::Sink)
            }
            b'N' if self.next_is(b"NaN") => {
                literal(self, 3);
                sink.constant(Constant::NaN).map_err(Failure::Sink)
            }
            b'I' if self.next_is(b"Infinity") => {
                literal(self, 8);
                sink.constant(Constant::Infinity).map_err(Failure::Sink)
            }
            b'-' if self.next_is(b"-Infinity") => {
                literal(self, 9);
                sink.constant(Constant::NegInfinity).map_err(Failure::Sink)
            }
            _ => {
                let number = self.number(start)?;
                sink.number(number).map_err(Failure::Sink)
            }
        }
    }

    fn container<S: Sink>(
        &mut self,
        sink: &mut S,
        container: Container,
    ) -> Result<S::Value, Failure<S::Error>> {
        if self.depth >= self.options.max_depth {
            return Err(self.error(ErrorCode::DepthLimit, self.pos));
        }
        sink.enter(container).map_err(Failure::Sink)?;
        self.depth += 1;
        self.pos += 1;
        let result = match container {
            Container::Array => self.array(sink),
            Container::Object => self.object(sink),
        };
        self.depth -= 1;
        sink.leave();
        result
    }

    /// After an item: true at the closing bracket (left for the caller to
    /// step over), false after a comma and the whitespace following it.
    fn closes_after_item(&mut self, close: u8) -> Result<bool, ParseError> {
        self.skip_whitespace();
        match self.input.get(self.pos) {
            Some(&byte) if byte == close => Ok(true),
            Some(b',') => {
                let comma = self.pos;
                self.pos += 1;
                self.skip_whitespace();
                if self.options.trailing_comma_error && self.input.get(self.pos) == Some(&close) {
                    let code = if close == b']' {
                        ErrorCode::TrailingCommaArray
                    } else {
                        ErrorCode::TrailingCommaObject
                    };
                    return Err(ParseError {
                        code,
                        offset: comma,
                    });
                }
                Ok(false)
            }
            _ => Err(ParseError {
                code: ErrorCode::ExpectingComma,
                offset: self.pos,
            }),
        }
    }

    fn array<S: Sink>(&mut self, sink: &mut S) -> Result<S::Value, Failure<S::Error>> {
        let mut array = sink.array_begin().map_err(Failure::Sink)?;
        self.skip_whitespace();
        if self.input.get(self.pos) != Some(&b']') {
            loop {
                let value = self.value(sink)?;
                sink.array_push(&mut array, value).map_err(Failure::Sink)?;
                if self.closes_after_item(b']')? {
                    break;
                }
            }
        }
        self.pos += 1;
        sink.array_end(array).map_err(Failure::Sink)
    }

    fn object<S: Sink>(&mut self, sink: &mut S) -> Result<S::Value, Failure<S::Error>> {
        let mut object = sink.object_begin().map_err(Failure::Sink)?;
        self.skip_whitespace();
        if self.input.get(self.pos) != Some(&b'}') {
            loop {
                let key_start = self.pos;
                if self.input.get(key_start) != Some(&b'"') {
                    return Err(self.error(ErrorCode::ExpectingPropertyName, key_start));
                }
                self.pos += 1;
                let key = self.string(key_start)?;
                let key = sink.key(key).map_err(Failure::Sink)?;
                self.skip_whitespace();
                if self.input.get(self.pos) != Some(&b':') {
                    return Err(self.error(ErrorCode::ExpectingColon, self.pos));
                }
                self.pos += 1;
                self.skip_whitespace();
                let value = self.value(sink)?;
                sink.object_insert(&mut object, key, value)
                    .map_err(Failure::Sink)?;
                if self.closes_after_item(b'}')? {
                    break;
                }
            }
        }
        self.pos += 1;
        sink.object_end(object).map_err(Failure::Sink)
    }

    /// Follows CPython's `_match_number_unicode`: an optional minus, an
    /// integer part without leading zeros, then a fraction and an exponent
    /// only when they are complete (`1.` and `1e` stop before the dot or the
    /// `e`, leaving it to be reported as extra data).
    fn number(&mut self, start: usize) -> Result<Number<'a>, ParseError> {
        let input = self.input;
        let digit_at = |at: usize| input.get(at).is_some_and(u8::is_ascii_digit);
        let mut at = start;
        let negative = input.get(at) == Some(&b'-');
        if negative {
            at += 1;
        }
        let mut magnitude: u64 = 0;
        let int_start = at;
        match input.get(at) {
            Some(b'1'..=b'9') => {
                while let Some(&digit @ b'0'..=b'9') = input.get(at) {
                    magnitude = magnitude
                        .wrapping_mul(10)
                        .wrapping_add(u64::from(digit - b'0'));
                    at += 1;
                }
            }
            Some(b'0') => at += 1,
            _ => {
                return Err(ParseError {
                    code: ErrorCode::ExpectingValue,
                    offset: start,
                })
            }
        }
        let int_digits = at - int_start;
        let mut is_float = false;
        if input.get(at) == Some(&b'.') && digit_at(at + 1) {
            is_float = true;
            at += 2;
            while digit_at(at) {
                at += 1;
            }
        }
        if matches!(input.get(at), Some(b'e' | b'E')) {
            let e_start = at;
            at += 1;
            if matches!(input.get(at), Some(b'+' | b'-')) && at + 1 < input.len() {
                at += 1;
            }
            let digits_start = at;
            while digit_at(at) {
                at += 1;
            }
            if at > digits_start {
                is_float = true;
            } else {
                at = e_start;
            }
        }
        self.pos = at;
        // The slice is ASCII digits and signs, so this cannot fail.
        let text = std::str::from_utf8(&input[start..at]).unwrap_or_default();
        let kind = if is_float {
            NumberKind::Float
        } else if int_digits <= 18 {
            // 18 digits always fit, so the wrapping arithmetic never wrapped.
            let value = magnitude as i64;
            NumberKind::Int(if negative { -value } else { value })
        } else {
            match text.parse::<i64>() {
                Ok(value) => NumberKind::Int(value),
                Err(_) => NumberKind::BigInt,
            }
        };
        Ok(Number { text, kind })
    }

    /// Reads a string whose opening quote is at `begin`; `self.pos` is just
    /// past it. Mirrors CPython's `scanstring_unicode`, including where each
    /// error is reported.
    // Inlined, for the common string without escapes: as a call, its
    // prologue and epilogue cost about as much as a short key's scan. Not
    // in unoptimised builds, whose frames keep every inlined local apart:
    // there it made each level of nesting take over 2 KiB of stack, and
    // the default depth limit overflowed a 2 MiB thread.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn string(&mut self, begin: usize) -> Result<JsonStr<'_>, ParseError> {
        let input = self.input;
        let strict = self.options.strict;
        let start = self.pos;
        let (end, stop, ascii) = scan_plain(input, start, strict);
        if stop == Some(b'"') {
            self.pos = end + 1;
            let surrogates = self.options.wtf8 && !ascii;
            return Ok(JsonStr {
                bytes: &input[start..end],
                ascii,
                surrogates,
            });
        }
        self.escaped_string(begin, start, end, stop, ascii)
    }

    /// The rest of [`Parser::string`]: a string with escapes, or an error.
    #[inline(never)]
    fn escaped_string(
        &mut self,
        begin: usize,
        start: usize,
        end: usize,
        stop: Option<u8>,
        ascii: bool,
    ) -> Result<JsonStr<'_>, ParseError> {
        let input = self.input;
        let strict = self.options.strict;
        match stop {
            Some(b'\\') => {}
            Some(_) => {
                return Err(ParseError {
                    code: ErrorCode::InvalidControlCharacter,
                    offset: end,
                })
            }
            None => {
                return Err(ParseError {
                    code: ErrorCode::UnterminatedString,
                    offset: begin,
                })
            }
        }
        self.scratch.clear();
        self.scratch.extend_from_slice(&input[start..end]);
        let mut all_ascii = ascii;
        let mut surrogates = self.options.wtf8 && !ascii;
        let mut at = end;
        loop {
            // `at` is on a backslash.
            let next = at + 1;
            let Some(&escape) = input.get(next) else {
                return Err(ParseError {
                    code: ErrorCode::UnterminatedString,
                    offset: begin,
                });
            };
            if escape != b'u' {
                let decoded = match escape {
                    b'"' => b'"',
                    b'\\' => b'\\',
                    b'/' => b'/',
                    b'b' => 0x08,
                    b'f' => 0x0c,
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    _ => {
                        return Err(ParseError {
                            code: ErrorCode::InvalidEscape,
                            offset: at,
                        })
                    }
                };
                self.scratch.push(decoded);
                at = next + 1;
            } else {
                let digits = next + 1;
                let mut end = digits + 4;
                // CPython before 3.14 wants a character after the digits.
                let room = input.len() + usize::from(self.options.escape_may_end_input);
                if end >= room {
                    return Err(ParseError {
                        code: ErrorCode::InvalidUnicodeEscape,
                        offset: next,
                    });
                }
                let mut code = hex4(&input[digits..end]).ok_or(ParseError {
                    code: ErrorCode::InvalidUnicodeEscape,
                    offset: next,
                })?;
                if (0xD800..0xDC00).contains(&code)
                    && end + 6 < room
                    && input[end] == b'\\'
                    && input[end + 1] == b'u'
                {
                    let low = hex4(&input[end + 2..end + 6]).ok_or(ParseError {
                        code: ErrorCode::InvalidUnicodeEscape,
                        offset: end + 1,
                    })?;
                    if (0xDC00..0xE000).contains(&low) {
                        code = 0x10000 + (((code - 0xD800) << 10) | (low - 0xDC00));
                        end += 6;
                    }
                }
                all_ascii &= code < 0x80;
                surrogates |= (0xD800..0xE000).contains(&code);
                push_wtf8(&mut self.scratch, code);
                at = end;
            }
            let (end, stop, ascii) = scan_plain(input, at, strict);
            all_ascii &= ascii;
            surrogates |= self.options.wtf8 && !ascii;
            self.scratch.extend_from_slice(&input[at..end]);
            match stop {
                Some(b'"') => {
                    self.pos = end + 1;
                    return Ok(JsonStr {
                        bytes: &self.scratch,
                        ascii: all_ascii,
                        surrogates,
                    });
                }
                Some(b'\\') => at = end,
                Some(_) => {
                    return Err(ParseError {
                        code: ErrorCode::InvalidControlCharacter,
                        offset: end,
                    })
                }
                None => {
                    return Err(ParseError {
                        code: ErrorCode::UnterminatedString,
                        offset: begin,
                    })
                }
            }
        }
    }
}

/// Scans from `at` to the first byte that ends a plain run: a quote, a
/// backslash, or (when strict) a control character. Returns where it
/// stopped, that byte (None at the end of input) and whether the run was
/// ASCII. Eight bytes at a time while none of them can stop the run.
/// Inlined into [`Parser::string`] in optimised builds, as it is.
#[cfg_attr(not(debug_assertions), inline(always))]
#[cfg_attr(debug_assertions, inline)]
fn scan_plain(input: &[u8], mut at: usize, strict: bool) -> (usize, Option<u8>, bool) {
    let mut ascii = true;
    while let Some(word) = swar::word_at(input, at) {
        let mut stops = swar::byte_mask(word, b'"') | swar::byte_mask(word, b'\\');
        if strict {
            stops |= swar::control_mask(word);
        }
        if stops != 0 {
            // Most strings end inside a word: take the position from the
            // mask rather than rescanning the word byte by byte.
            let offset = swar::first_flagged(stops);
            ascii &= !swar::has_non_ascii(swar::bytes_below(word, offset));
            return (at + offset, input.get(at + offset).copied(), ascii);
        }
        ascii &= !swar::has_non_ascii(word);
        at += 8;
    }
    while let Some(&byte) = input.get(at) {
        if byte == b'"' || byte == b'\\' || (strict && byte < 0x20) {
            return (at, Some(byte), ascii);
        }
        ascii &= byte < 0x80;
        at += 1;
    }
    (at, None, ascii)
}

fn hex4(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |acc, &digit| {
        let value = (digit as char).to_digit(16)?;
        Some(acc << 4 | value)
    })
}
