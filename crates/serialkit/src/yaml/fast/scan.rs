//! The scanner: a state machine over the block structure (an explicit
//! stack of open blocks, so nesting costs heap, bounded by the depth
//! limit), emitting packed events at byte offsets.

use super::block::block_scalar;
use super::cursor::{indicator_at, Cursor};
use super::packed::{Kind, Packed};
use super::scalar::{self, Plain};
use saphyr_parser::ScalarStyle;
use std::borrow::Cow;

/// Where an event starts: a byte offset and its line, or the start of
/// the line after it (only at the end of the input).
#[derive(Clone, Copy)]
pub(super) struct Mark {
    at: usize,
    line: usize,
    next_line: bool,
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
    /// on the same line, where no block mapping or sequence can start.
    Node { parent: isize, value_line: bool },
    /// After a key's `:` (the cursor just past it) in the mapping at `col`.
    Value { col: usize, colon: Mark },
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

pub(super) struct Scanner<'a> {
    cur: Cursor<'a>,
    pub out: Vec<Packed>,
    /// The texts of `Kind::Owned` scalars, in order.
    pub owned: Vec<String>,
    stack: Vec<Frame>,
    max_depth: usize,
    /// The characters on the input's last line, once at the end: the
    /// event parser closes the blocks indented past it at the end, and
    /// the others at the start of a line after it.
    last_line_chars: Option<usize>,
}

impl<'a> Scanner<'a> {
    /// `None` when the text is too large for packed offsets.
    pub fn new(text: &'a str, max_depth: usize) -> Option<Self> {
        u32::try_from(text.len()).ok()?;
        Some(Scanner {
            cur: Cursor::new(text),
            out: Vec::with_capacity(text.len() / 16 + 4),
            owned: Vec::new(),
            stack: Vec::new(),
            max_depth,
            last_line_chars: None,
        })
    }

    /// The mark of `at`, a position on the cursor's line.
    fn mark(&self, at: usize) -> Mark {
        Mark {
            at,
            line: self.cur.line(),
            next_line: false,
        }
    }

    fn emit(&mut self, kind: Kind, at: Mark) {
        self.push(kind, at, 0);
    }

    fn push(&mut self, kind: Kind, at: Mark, len: usize) {
        // Offsets, lengths and lines fit: the text's length was checked.
        self.out.push(Packed {
            at: at.at as u32,
            line: at.line as u32,
            len: len as u32,
            kind,
            next_line: at.next_line,
        });
    }

    fn scalar(&mut self, text: Cow<'a, str>, style: ScalarStyle, at: Mark) {
        match text {
            // A borrowed text starts at the scalar (past its quote).
            Cow::Borrowed(slice) => {
                debug_assert_eq!(
                    slice.as_ptr() as usize - self.cur.text.as_ptr() as usize,
                    at.at + usize::from(style != ScalarStyle::Plain)
                );
                self.push(Kind::Scalar(style), at, slice.len());
            }
            Cow::Owned(owned) => {
                self.owned.push(owned);
                self.emit(Kind::Owned(style), at);
            }
        }
    }

    /// Opens a block; `None` past the depth limit, which the constructor
    /// then reports from the event parser's events.
    fn open(&mut self, frame: Frame) -> Option<()> {
        if self.stack.len() >= self.max_depth {
            return None;
        }
        self.stack.push(frame);
        Some(())
    }

    fn empty_scalar(&mut self, at: Mark) {
        self.push(Kind::Scalar(ScalarStyle::Plain), at, 0);
    }

    /// Where the stream ends: the start of a line after the last one.
    fn end(&mut self) -> Mark {
        let len = self.cur.bytes.len();
        Mark {
            at: len,
            line: self.cur.line(),
            next_line: self.last_line() > 0,
        }
    }

    fn last_line(&mut self) -> usize {
        *self
            .last_line_chars
            .get_or_insert_with(|| self.cur.last_line_chars())
    }

    /// The mark of the token at the cursor, or of the stream's end.
    fn here(&mut self) -> Mark {
        if self.cur.at_end() {
            self.end()
        } else {
            self.mark(self.cur.pos)
        }
    }

    /// Where a block at `col` is closed by the token at the cursor: at
    /// the end of the input, the event parser first closes the blocks
    /// indented past its last line's column, there, then the others.
    fn close_mark(&mut self, col: usize) -> Mark {
        if self.cur.at_end() && col > self.last_line() {
            self.mark(self.cur.bytes.len())
        } else {
            self.here()
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

    pub fn stream(&mut self) -> Option<()> {
        self.emit(Kind::StreamStart, self.mark(0));
        self.cur.skip_to_token();
        loop {
            let at = self.here();
            match self.next() {
                Next::End => {
                    self.emit(Kind::StreamEnd, at);
                    return Some(());
                }
                Next::DocumentStart => {
                    self.emit(Kind::DocumentStart(true), at);
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
                        self.empty_scalar(at);
                    } else {
                        self.document()?;
                    }
                }
                Next::DocumentEnd => return None,
                Next::Dash(_) | Next::Other(_) => {
                    self.emit(Kind::DocumentStart(false), at);
                    self.document()?;
                }
            }
            if !matches!(self.next(), Next::End | Next::DocumentStart) {
                return None;
            }
            let at = self.here();
            self.emit(Kind::DocumentEnd, at);
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
                        let at = self.close_mark(col);
                        self.emit(Kind::MappingEnd, at);
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
                        let at = self.close_mark(col);
                        self.emit(Kind::SequenceEnd, at);
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
                    let at = self.close_mark(col);
                    self.emit(Kind::SequenceEnd, at);
                    self.stack.pop();
                }
            }
        }
    }

    /// A key of the mapping at `col`, at the cursor.
    fn key(&mut self, col: usize) -> Option<Step> {
        let at = self.cur.pos;
        let (text, style, colon) = self.key_scalar()?;
        let colon = self.check_colon(at, colon)?;
        self.scalar(text, style, self.mark(at));
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

    /// Moves past the key's `:`; its mark, if the event parser surely
    /// still takes the key as a simple key there (it does within 1024
    /// characters; bytes are at least as many).
    fn check_colon(&mut self, key: usize, colon: usize) -> Option<Mark> {
        if colon > key + 1000 {
            return None;
        }
        // The key and its `:` are on one line.
        self.cur.advance(colon + 1);
        Some(self.mark(colon))
    }

    /// A node at the cursor.
    fn node(&mut self, parent: isize, value_line: bool) -> Option<Step> {
        let pos = self.cur.pos;
        let bytes = self.cur.bytes;
        let text = self.cur.text;
        let min_col = usize::try_from(parent + 1).ok()?;
        let at = self.mark(pos);
        // Only blanks and `-` come before a block node on its line.
        let col = self.cur.ascii_col(pos);
        match self.cur.peek()? {
            b'-' if matches!(bytes.get(pos + 1), None | Some(b' ' | b'\n')) => {
                if value_line {
                    return None;
                }
                self.open(Frame::Seq(col))?;
                self.emit(Kind::SequenceStart, at);
                Some(Step::Entry { col, open: false })
            }
            open @ (b'[' | b'{') => {
                let close = if open == b'[' { b']' } else { b'}' };
                if bytes.get(pos + 1) != Some(&close) {
                    return None;
                }
                let (start, end) = if open == b'[' {
                    (Kind::SequenceStart, Kind::SequenceEnd)
                } else {
                    (Kind::MappingStart, Kind::MappingEnd)
                };
                self.emit(start, at);
                self.emit(end, self.mark(pos + 1));
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
                    return self.mapping(col, pos, scalar.text, style_of(single), colon);
                }
                self.cur.goto(scalar.end);
                if !self.cur.rest_of_line_empty() {
                    return None;
                }
                self.scalar(scalar.text, style_of(single), at);
                self.cur.skip_to_token();
                Some(Step::After)
            }
            indicator @ (b'|' | b'>') => {
                let block = block_scalar(text, pos, parent)?;
                let style = if indicator == b'|' {
                    ScalarStyle::Literal
                } else {
                    ScalarStyle::Folded
                };
                self.cur.goto(block.content);
                let at = self.mark(block.content);
                self.scalar(Cow::Owned(block.text), style, at);
                self.cur.goto(block.end);
                self.cur.skip_to_token();
                Some(Step::After)
            }
            _ if plain_start(bytes, pos) => match scalar::plain(text, pos, min_col)? {
                Plain::Key { text, colon } => {
                    if value_line {
                        return None;
                    }
                    self.mapping(col, pos, Cow::Borrowed(text), ScalarStyle::Plain, colon)
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
        at: usize,
        key: Cow<'a, str>,
        style: ScalarStyle,
        colon: usize,
    ) -> Option<Step> {
        let colon = self.check_colon(at, colon)?;
        self.open(Frame::Map(col))?;
        self.emit(Kind::MappingStart, self.mark(at));
        self.scalar(key, style, self.mark(at));
        Some(Step::Value { col, colon })
    }

    /// The value after a key's `:` in the mapping at `col`.
    fn value(&mut self, col: usize, colon: Mark) -> Option<Step> {
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
                self.open(Frame::Indentless(col))?;
                return Some(Step::Entry { col, open: true });
            }
            Next::Dash(at) | Next::Other(at) => at <= col,
        };
        if empty {
            self.empty_scalar(colon);
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
        // The entry's mark is past the blanks (and a comment) after `-`.
        let at = self.mark(self.cur.pos);
        if open {
            self.emit(Kind::SequenceStart, at);
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
            self.empty_scalar(at);
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
