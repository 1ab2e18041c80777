//! A fast event producer for the common block-style subset of YAML: block
//! mappings and sequences (indentless ones too), plain, single- and
//! double-quoted scalars (multi-line, folded), comments, `---`, and empty
//! `[]`/`{}`. It turns a whole text into saphyr-parser's own events with
//! the markers saphyr-parser gives them, or returns `None` as soon as it
//! meets anything else (anchors, tags, block scalars, flow collections
//! with content, `?` keys, tabs, `\r`, `...`, a syntax error, or any
//! doubt): the caller then runs saphyr-parser from the start, so errors
//! and everything outside the subset keep its exact behaviour.
//!
//! The contract, checked by differential tests and a fuzz target: for an
//! accepted input, the events (text, style) and each event's start marker
//! equal saphyr-parser's. Everything is pre-scanned before anything is
//! built, so giving up costs only the scan. Each event consumes input, so
//! the list is at most a small multiple of the input's size.

mod cursor;
mod reference;
mod scalar;
#[cfg(test)]
mod tests;

pub use reference::{differential, reference_events};

use cursor::{indicator_at, Cursor};
use saphyr_parser::{Event, Marker, ScalarStyle};
use scalar::Plain;
use std::borrow::Cow;

/// An event with the marker where it starts.
pub type Spanned<'a> = (Event<'a>, Marker);

/// The events of `text`, or `None` when it is outside the subset.
pub fn events(text: &str) -> Option<Vec<Spanned<'_>>> {
    if !acceptable_bytes(text.as_bytes()) {
        return None;
    }
    let mut scanner = Scanner {
        cur: Cursor::new(text),
        out: Vec::with_capacity(text.len() / 16 + 4),
        stack: Vec::new(),
        eof: None,
    };
    scanner.stream()?;
    Some(scanner.out)
}

/// Tabs, carriage returns, other C0 controls and byte order marks change
/// how the event parser scans (or are errors): leave them to it.
fn acceptable_bytes(bytes: &[u8]) -> bool {
    let controls = bytes
        .iter()
        .fold(false, |acc, &b| acc | (b < 0x20 && b != b'\n'));
    !controls && memchr::memmem::find(bytes, "\u{FEFF}".as_bytes()).is_none()
}

#[derive(Clone, Copy)]
enum Frame {
    Map(usize),
    Seq(usize),
    /// A sequence whose `-` are at its parent mapping's column.
    Indentless(usize),
}

/// What the scanner does next.
enum Step {
    /// A node starts at the cursor (a token). `parent` is the enclosing
    /// block's column (-1 at the top); `value_line` when it follows `key:`
    /// on the same line, where only a scalar or `[]`/`{}` fits.
    Node { parent: isize, value_line: bool },
    /// After a key's `:` (the cursor just past it) in the mapping at `col`.
    Value { col: usize, colon: Marker },
    /// A `-` at the cursor, in the sequence at `col`; `open` for the first
    /// entry of an indentless sequence, which starts at the entry.
    Entry { col: usize, open: bool },
    /// A node is complete and the cursor is at the next token.
    After,
}

/// What the next token is.
#[derive(PartialEq, Eq)]
enum Next {
    End,
    DocumentStart,
    /// `...` (left to the event parser).
    DocumentEnd,
    Dash(usize),
    Other(usize),
}

struct Scanner<'a> {
    cur: Cursor<'a>,
    out: Vec<Spanned<'a>>,
    stack: Vec<Frame>,
    /// The end of the input's markers, once reached: where the event
    /// parser closes blocks indented past the last line's column, and
    /// where it closes the rest (the start of a line after it).
    eof: Option<(Marker, Marker)>,
}

impl<'a> Scanner<'a> {
    fn emit(&mut self, event: Event<'a>, at: Marker) {
        self.out.push((event, at));
    }

    fn scalar(&mut self, text: Cow<'a, str>, style: ScalarStyle, at: Marker) {
        self.emit(Event::Scalar(text, style, 0, None), at);
    }

    fn end_markers(&mut self) -> (Marker, Marker) {
        if let Some(markers) = self.eof {
            return markers;
        }
        let last = self.cur.marker(self.cur.bytes.len());
        let next_line = if last.col() == 0 {
            last
        } else {
            Marker::new(last.index(), last.line() + 1, 0)
        };
        self.eof = Some((last, next_line));
        (last, next_line)
    }

    /// The marker of the token at the cursor, or of the stream's end.
    fn here(&mut self) -> Marker {
        if self.cur.at_end() {
            self.end_markers().1
        } else {
            self.cur.marker(self.cur.pos)
        }
    }

    /// Where a block at `col` is closed by the token at the cursor.
    fn close_marker(&mut self, col: usize) -> Marker {
        if self.cur.at_end() {
            let (last, next_line) = self.end_markers();
            if col > last.col() {
                last
            } else {
                next_line
            }
        } else {
            self.cur.marker(self.cur.pos)
        }
    }

    fn next(&self) -> Next {
        let pos = self.cur.pos;
        match self.cur.peek() {
            None => Next::End,
            Some(b'-') if matches!(self.cur.byte(pos + 1), None | Some(b' ' | b'\n')) => {
                Next::Dash(self.cur.ascii_col(pos))
            }
            Some(b'-')
                if self.cur.ascii_col(pos) == 0 && indicator_at(self.cur.bytes, pos, b'-') =>
            {
                Next::DocumentStart
            }
            Some(b'.')
                if self.cur.ascii_col(pos) == 0 && indicator_at(self.cur.bytes, pos, b'.') =>
            {
                Next::DocumentEnd
            }
            _ => Next::Other(self.cur.ascii_col(pos)),
        }
    }

    fn stream(&mut self) -> Option<()> {
        self.emit(Event::StreamStart, Marker::new(0, 1, 0));
        self.cur.skip_to_token();
        loop {
            let at = self.here();
            match self.next() {
                Next::End => {
                    self.emit(Event::StreamEnd, at);
                    return Some(());
                }
                Next::DocumentStart => {
                    self.emit(Event::DocumentStart(true), at);
                    self.cur.advance(self.cur.pos + 3);
                    if !self.cur.rest_of_line_empty() {
                        return None;
                    }
                    self.cur.skip_to_token();
                    if self.next() == Next::DocumentEnd {
                        return None;
                    }
                    if matches!(self.next(), Next::End | Next::DocumentStart) {
                        let at = self.here();
                        self.scalar(Cow::Borrowed(""), ScalarStyle::Plain, at);
                    } else {
                        self.document()?;
                    }
                }
                Next::DocumentEnd => return None,
                Next::Dash(_) | Next::Other(_) => {
                    self.emit(Event::DocumentStart(false), at);
                    self.document()?;
                }
            }
            if !matches!(self.next(), Next::End | Next::DocumentStart) {
                return None;
            }
            let at = self.here();
            self.emit(Event::DocumentEnd, at);
        }
    }

    /// The root node of a document, from its first token to the token
    /// after it.
    fn document(&mut self) -> Option<()> {
        let mut step = Step::Node {
            parent: -1,
            value_line: false,
        };
        loop {
            step = match step {
                Step::Node { parent, value_line } => self.node(parent, value_line)?,
                Step::Value { col, colon } => self.value(col, colon)?,
                Step::Entry { col, open } => self.entry(col, open)?,
                Step::After => match self.after()? {
                    Some(step) => step,
                    None => return Some(()),
                },
            };
        }
    }

    /// A node is complete: close the blocks the next token ends, and find
    /// what comes next. `None` when the document's root is complete.
    fn after(&mut self) -> Option<Option<Step>> {
        loop {
            let Some(&frame) = self.stack.last() else {
                return Some(None);
            };
            let next = self.next();
            if next == Next::DocumentEnd {
                return None;
            }
            let ends = |col: usize| match next {
                Next::End | Next::DocumentStart | Next::DocumentEnd => true,
                Next::Dash(at) | Next::Other(at) => at < col,
            };
            match frame {
                Frame::Map(col) => {
                    if ends(col) {
                        let at = self.close_marker(col);
                        self.emit(Event::MappingEnd, at);
                        self.stack.pop();
                        continue;
                    }
                    if next != Next::Other(col) {
                        return None;
                    }
                    return self.key(col).map(Some);
                }
                Frame::Seq(col) => {
                    if ends(col) {
                        let at = self.close_marker(col);
                        self.emit(Event::SequenceEnd, at);
                        self.stack.pop();
                        continue;
                    }
                    if next != Next::Dash(col) {
                        return None;
                    }
                    return Some(Some(Step::Entry { col, open: false }));
                }
                Frame::Indentless(col) => {
                    if next == Next::Dash(col) {
                        return Some(Some(Step::Entry { col, open: false }));
                    }
                    if !(ends(col) || next == Next::Other(col)) {
                        return None;
                    }
                    // The event parser ends it at the token after it: its
                    // mapping's next key, or the mapping's end.
                    let at = self.close_marker(col);
                    self.emit(Event::SequenceEnd, at);
                    self.stack.pop();
                }
            }
        }
    }

    /// A key of the mapping at `col`, at the cursor.
    fn key(&mut self, col: usize) -> Option<Step> {
        let at = self.cur.marker(self.cur.pos);
        let (text, style, colon) = self.key_scalar()?;
        let colon = self.check_colon(at, colon)?;
        self.scalar(text, style, at);
        Some(Step::Value { col, colon })
    }

    /// A scalar at the cursor that must be a key: its text, style, and
    /// where its `:` is.
    fn key_scalar(&mut self) -> Option<(Cow<'a, str>, ScalarStyle, usize)> {
        let pos = self.cur.pos;
        let text = self.cur.text;
        match self.cur.peek()? {
            quote @ (b'\'' | b'"') => {
                let single = quote == b'\'';
                let scalar = scalar::quoted(text, pos, 0, single)?;
                let colon = self.colon_after_quoted(scalar.end, scalar.multiline)?;
                Some((scalar.text, style_of(single), colon))
            }
            _ if plain_start(self.cur.bytes, pos) => match scalar::plain(text, pos, 0)? {
                Plain::Key { text, colon } => {
                    Some((Cow::Borrowed(text), ScalarStyle::Plain, colon))
                }
                Plain::Value { .. } => None,
            },
            _ => None,
        }
    }

    /// The `:` after a one-line quoted key.
    fn colon_after_quoted(&self, end: usize, multiline: bool) -> Option<usize> {
        let bytes = self.cur.bytes;
        let mut at = end;
        while bytes.get(at) == Some(&b' ') {
            at += 1;
        }
        let colon =
            bytes.get(at) == Some(&b':') && matches!(bytes.get(at + 1), None | Some(b' ' | b'\n'));
        (colon && !multiline).then_some(at)
    }

    /// Moves past the key's `:`; its marker, if the event parser still
    /// takes the key as a simple key there (within 1024 characters).
    fn check_colon(&mut self, key: Marker, colon: usize) -> Option<Marker> {
        // The key and its `:` are on one line.
        self.cur.advance(colon);
        let colon_at = self.cur.marker(colon);
        if colon_at.index() > key.index() + 1000 {
            return None;
        }
        self.cur.advance(colon + 1);
        Some(colon_at)
    }

    /// A node at the cursor.
    fn node(&mut self, parent: isize, value_line: bool) -> Option<Step> {
        let pos = self.cur.pos;
        let bytes = self.cur.bytes;
        let text = self.cur.text;
        let min_col = usize::try_from(parent + 1).ok()?;
        let at = self.cur.marker(pos);
        let col = at.col();
        match self.cur.peek()? {
            b'-' if matches!(bytes.get(pos + 1), None | Some(b' ' | b'\n')) => {
                if value_line {
                    return None;
                }
                self.emit(Event::SequenceStart(0, None), at);
                self.stack.push(Frame::Seq(col));
                Some(Step::Entry { col, open: false })
            }
            open @ (b'[' | b'{') => {
                let close = if open == b'[' { b']' } else { b'}' };
                if bytes.get(pos + 1) != Some(&close) {
                    return None;
                }
                let (start, end) = if open == b'[' {
                    (Event::SequenceStart(0, None), Event::SequenceEnd)
                } else {
                    (Event::MappingStart(0, None), Event::MappingEnd)
                };
                self.emit(start, at);
                let close_at = self.cur.marker(pos + 1);
                self.emit(end, close_at);
                self.cur.advance(pos + 2);
                if !self.cur.rest_of_line_empty() {
                    return None;
                }
                self.cur.skip_to_token();
                Some(Step::After)
            }
            quote @ (b'\'' | b'"') => {
                let single = quote == b'\'';
                let scalar = scalar::quoted(text, pos, min_col, single)?;
                if let Some(colon) = self.colon_after_quoted(scalar.end, scalar.multiline) {
                    if value_line {
                        return None;
                    }
                    return self.mapping(col, at, scalar.text, style_of(single), colon);
                }
                self.cur.goto(scalar.end);
                if !self.cur.rest_of_line_empty() {
                    return None;
                }
                self.scalar(scalar.text, style_of(single), at);
                self.cur.skip_to_token();
                Some(Step::After)
            }
            _ if plain_start(bytes, pos) => match scalar::plain(text, pos, min_col)? {
                Plain::Key { text, colon } => {
                    if value_line {
                        return None;
                    }
                    self.mapping(col, at, Cow::Borrowed(text), ScalarStyle::Plain, colon)
                }
                Plain::Value {
                    text,
                    resume,
                    comment,
                } => {
                    self.scalar(text, ScalarStyle::Plain, at);
                    self.cur.goto(resume);
                    let comment_line = self.cur.line();
                    self.cur.skip_to_token();
                    // The event parser refuses a comment between a plain
                    // scalar and what could be its next line.
                    if comment
                        && !self.cur.at_end()
                        && self.cur.line() == comment_line + 1
                        && self.cur.ascii_col(self.cur.pos) >= min_col
                    {
                        return None;
                    }
                    Some(Step::After)
                }
            },
            _ => None,
        }
    }

    /// A block mapping whose first key starts the node at `at` (column
    /// `col`).
    fn mapping(
        &mut self,
        col: usize,
        at: Marker,
        key: Cow<'a, str>,
        style: ScalarStyle,
        colon: usize,
    ) -> Option<Step> {
        let colon = self.check_colon(at, colon)?;
        self.emit(Event::MappingStart(0, None), at);
        self.stack.push(Frame::Map(col));
        self.scalar(key, style, at);
        Some(Step::Value { col, colon })
    }

    /// The value after a key's `:` in the mapping at `col`.
    fn value(&mut self, col: usize, colon: Marker) -> Option<Step> {
        if !self.cur.rest_of_line_empty() {
            return Some(Step::Node {
                parent: isize::try_from(col).ok()?,
                value_line: true,
            });
        }
        self.cur.skip_to_token();
        let empty = match self.next() {
            Next::DocumentEnd => return None,
            Next::End | Next::DocumentStart => true,
            Next::Dash(at) if at == col => {
                self.stack.push(Frame::Indentless(col));
                return Some(Step::Entry { col, open: true });
            }
            Next::Dash(at) | Next::Other(at) => at <= col,
        };
        if empty {
            self.scalar(Cow::Borrowed(""), ScalarStyle::Plain, colon);
            return Some(Step::After);
        }
        Some(Step::Node {
            parent: isize::try_from(col).ok()?,
            value_line: false,
        })
    }

    /// An entry of the sequence at `col`, from its `-` at the cursor.
    fn entry(&mut self, col: usize, open: bool) -> Option<Step> {
        self.cur.advance(self.cur.pos + 1);
        let inline = !self.cur.rest_of_line_empty();
        // The entry's marker is past the blanks (and a comment) after `-`.
        let at = self.cur.marker(self.cur.pos);
        if open {
            self.emit(Event::SequenceStart(0, None), at);
        }
        let parent = isize::try_from(col).ok()?;
        if inline {
            return Some(Step::Node {
                parent,
                value_line: false,
            });
        }
        self.cur.skip_to_token();
        let empty = match self.next() {
            Next::DocumentEnd => return None,
            Next::End | Next::DocumentStart => true,
            Next::Dash(next) | Next::Other(next) => next <= col,
        };
        if empty {
            self.scalar(Cow::Borrowed(""), ScalarStyle::Plain, at);
            return Some(Step::After);
        }
        Some(Step::Node {
            parent,
            value_line: false,
        })
    }
}

fn style_of(single: bool) -> ScalarStyle {
    if single {
        ScalarStyle::SingleQuoted
    } else {
        ScalarStyle::DoubleQuoted
    }
}

/// Whether the character at `at` starts a plain scalar in block context.
fn plain_start(bytes: &[u8], at: usize) -> bool {
    match bytes[at] {
        b'[' | b']' | b'{' | b'}' | b',' | b'*' | b'&' | b'!' | b'|' | b'>' | b'\'' | b'"'
        | b'%' | b'@' | b'`' | b'#' | b' ' | b'\n' => false,
        b'-' | b'?' | b':' => !matches!(bytes.get(at + 1), None | Some(b' ' | b'\n')),
        _ => true,
    }
}
