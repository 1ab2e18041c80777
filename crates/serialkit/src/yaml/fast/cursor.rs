//! Where the fast scanner is: a byte offset, with the line it is on.

pub(super) struct Cursor<'a> {
    pub text: &'a str,
    pub bytes: &'a [u8],
    pub pos: usize,
    line: usize,
    line_start: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(text: &'a str) -> Self {
        Cursor {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            line: 1,
            line_start: 0,
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
    }

    /// The characters on the last line of the input.
    pub fn last_line_chars(&self) -> usize {
        let start = memchr::memrchr(b'\n', self.bytes).map_or(0, |n| n + 1);
        self.text[start..].chars().count()
    }

    /// Moves forward to `to`, on the same line.
    pub fn advance(&mut self, to: usize) {
        debug_assert!(!self.bytes[self.pos..to].contains(&b'\n'));
        self.pos = to;
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

/// `---` or `...` at `at` followed by a blank or the end (the caller
/// checks that `at` starts a line).
pub(super) fn indicator_at(bytes: &[u8], at: usize, indicator: u8) -> bool {
    bytes.len() >= at + 3
        && bytes[at..at + 3].iter().all(|&b| b == indicator)
        && matches!(bytes.get(at + 3), None | Some(b' ' | b'\n'))
}
