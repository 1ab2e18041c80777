//! Where the fast scanner is: a byte offset, with the line it is on, and
//! the event parser's markers for positions on that line (a character
//! index, a 1-based line, a 0-based column in characters).

use saphyr_parser::Marker;

pub(super) struct Cursor<'a> {
    pub text: &'a str,
    pub bytes: &'a [u8],
    pub pos: usize,
    line: usize,
    line_start: usize,
    /// Characters before `line_start`, once a marker on this line needed it.
    line_start_chars: Option<usize>,
    /// A running count of the characters before `counted_at`: markers are
    /// asked for in increasing order, so counting stays linear.
    counted_at: usize,
    counted: usize,
    /// The first non-ASCII byte at or after `counted_at` (or the end): up
    /// to there, characters are bytes and counting is a subtraction.
    next_non_ascii: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(text: &'a str) -> Self {
        Cursor {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            line: 1,
            line_start: 0,
            line_start_chars: Some(0),
            counted_at: 0,
            counted: 0,
            next_non_ascii: first_non_ascii(text.as_bytes(), 0),
        }
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    pub fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    pub fn byte(&self, at: usize) -> Option<u8> {
        self.bytes.get(at).copied()
    }

    pub fn line(&self) -> usize {
        self.line
    }

    /// The column of `at` (on the current line) when everything before it
    /// on the line is ASCII, as it is for indentation.
    pub fn ascii_col(&self, at: usize) -> usize {
        at - self.line_start
    }

    /// Moves forward to `to`, keeping the line count.
    pub fn goto(&mut self, to: usize) {
        debug_assert!(to >= self.pos);
        let to = to.min(self.bytes.len());
        if to <= self.pos {
            return;
        }
        for nl in memchr::memchr_iter(b'\n', &self.bytes[self.pos..to]) {
            self.new_line(self.pos + nl + 1);
        }
        self.pos = to;
    }

    fn new_line(&mut self, start: usize) {
        self.line += 1;
        self.line_start = start;
        self.line_start_chars = None;
    }

    /// Moves forward to `to`, on the same line.
    pub fn advance(&mut self, to: usize) {
        debug_assert!(!self.bytes[self.pos..to].contains(&b'\n'));
        self.pos = to;
    }

    fn chars_before(&mut self, at: usize) -> usize {
        if at < self.counted_at {
            self.counted_at = 0;
            self.counted = 0;
            self.next_non_ascii = first_non_ascii(self.bytes, 0);
        }
        if at > self.next_non_ascii {
            let continuation = self.bytes[self.counted_at..at]
                .iter()
                .filter(|&&b| (b & 0xC0) == 0x80)
                .count();
            self.counted += (at - self.counted_at) - continuation;
            self.next_non_ascii = first_non_ascii(self.bytes, at);
        } else {
            self.counted += at - self.counted_at;
        }
        self.counted_at = at;
        self.counted
    }

    /// The marker of `at`, a position on the current line.
    pub fn marker(&mut self, at: usize) -> Marker {
        let start = match self.line_start_chars {
            Some(chars) => chars,
            None => {
                let chars = self.chars_before(self.line_start);
                self.line_start_chars = Some(chars);
                chars
            }
        };
        let index = self.chars_before(at);
        Marker::new(index, self.line, index - start)
    }

    pub fn skip_spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.pos += 1;
        }
    }

    /// Skips spaces, line breaks and comments up to the next token, as
    /// the event parser does between tokens.
    pub fn skip_to_token(&mut self) {
        let mut at = self.pos;
        loop {
            match self.bytes.get(at) {
                Some(b' ') => at += 1,
                Some(b'\n') => {
                    at += 1;
                    self.new_line(at);
                }
                Some(b'#') => {
                    at = memchr::memchr(b'\n', &self.bytes[at..])
                        .map_or(self.bytes.len(), |n| at + n)
                }
                _ => break,
            }
        }
        self.pos = at;
    }

    /// Skips to the end of the line when only spaces and a comment (after
    /// a space) remain on it; `false` when something else is there.
    pub fn rest_of_line_empty(&mut self) -> bool {
        let before = self.pos;
        self.skip_spaces();
        match self.peek() {
            None | Some(b'\n') => true,
            Some(b'#') if self.pos > before => {
                self.pos = memchr::memchr(b'\n', &self.bytes[self.pos..])
                    .map_or(self.bytes.len(), |n| self.pos + n);
                true
            }
            _ => false,
        }
    }
}

/// The first byte at or after `from` that is not ASCII, or the end.
fn first_non_ascii(bytes: &[u8], from: usize) -> usize {
    const CHUNK: usize = 32;
    let mut at = from;
    while at + CHUNK <= bytes.len() && bytes[at..at + CHUNK].is_ascii() {
        at += CHUNK;
    }
    while at < bytes.len() && bytes[at].is_ascii() {
        at += 1;
    }
    at
}

/// `---` or `...` at `at` followed by a blank or the end (the caller
/// checks that `at` starts a line).
pub(super) fn indicator_at(bytes: &[u8], at: usize, indicator: u8) -> bool {
    bytes.len() >= at + 3
        && bytes[at..at + 3].iter().all(|&b| b == indicator)
        && matches!(bytes.get(at + 3), None | Some(b' ' | b'\n'))
}
