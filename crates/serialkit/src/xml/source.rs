//! Where the reader's events come from: a slice held in memory (events
//! borrow from it) or any `BufRead` (events are copied into a buffer), so
//! streaming documents larger than memory share the one parser.

use crate::error::Position;
use quick_xml::events::Event;
use quick_xml::reader::{Config, Reader};
use std::io::BufRead;

pub trait Source<'i> {
    fn next_event(&mut self) -> quick_xml::Result<Event<'_>>;
    /// The offset of a character XML forbids that quick-xml lets through
    /// (U+FFFE, U+FFFF), if the events read so far hold one.
    fn non_char(&self) -> Option<u64>;
    /// Whether the input may hold U+FFFE or U+FFFF at all.
    fn may_hold_non_char(&self) -> bool {
        true
    }
    /// Where a DOCTYPE spelt otherwise than `<!DOCTYPE` and a space
    /// begins, when the source cannot show the reader its raw bytes.
    fn misspelt_doctype(&self) -> Option<u64> {
        None
    }
    /// The whole input as text, when it is in memory and valid UTF-8:
    /// event data borrowed from it is then sliced from it, not checked
    /// again.
    fn whole(&self) -> Option<&'i str>;
    /// Bytes consumed so far.
    fn offset(&self) -> u64;
    /// Where quick-xml located its last error.
    fn error_offset(&self) -> u64;
    fn locate(&self, offset: u64) -> Position;
    fn config_mut(&mut self) -> &mut Config;
}

pub struct SliceSource<'i> {
    reader: Reader<&'i [u8]>,
    input: &'i [u8],
    whole: Option<&'i str>,
    /// Where the first U+FFFE or U+FFFF of the input is: found once, by a
    /// pass that memchr makes cheap, rather than per event.
    first_non_char: Option<u64>,
}

impl<'i> SliceSource<'i> {
    pub fn new(input: &'i [u8]) -> Self {
        SliceSource {
            reader: Reader::from_reader(input),
            input,
            // One pass over the input here saves a check per piece later.
            whole: std::str::from_utf8(input).ok(),
            first_non_char: find_non_char(input),
        }
    }

    /// Text already known to be UTF-8 needs no pass to check it.
    pub fn from_text(input: &'i str) -> Self {
        SliceSource {
            reader: Reader::from_reader(input.as_bytes()),
            input: input.as_bytes(),
            whole: Some(input),
            first_non_char: find_non_char(input.as_bytes()),
        }
    }
}

impl<'i> Source<'i> for SliceSource<'i> {
    #[inline]
    fn next_event(&mut self) -> quick_xml::Result<Event<'_>> {
        self.reader.read_event()
    }

    fn may_hold_non_char(&self) -> bool {
        self.first_non_char.is_some()
    }

    #[inline]
    fn non_char(&self) -> Option<u64> {
        let consumed = self.reader.buffer_position();
        self.first_non_char.filter(|&at| at < consumed)
    }

    fn whole(&self) -> Option<&'i str> {
        self.whole
    }

    fn offset(&self) -> u64 {
        self.reader.buffer_position()
    }

    fn error_offset(&self) -> u64 {
        self.reader.error_position()
    }

    fn locate(&self, offset: u64) -> Position {
        locate_in(self.input, usize::try_from(offset).unwrap_or(usize::MAX))
    }

    fn config_mut(&mut self) -> &mut Config {
        self.reader.config_mut()
    }
}

/// Reads from a stream. Lines are counted as events go by (the text is not
/// kept), one event behind, which is close enough for error messages.
pub struct StreamSource<R: BufRead> {
    reader: Reader<R>,
    buf: Vec<u8>,
    line: usize,
    line_start: u64,
    counted_to: u64,
    non_char: Option<u64>,
    misspelt_doctype: Option<u64>,
}

impl<R: BufRead> StreamSource<R> {
    pub fn new(input: R) -> Self {
        StreamSource {
            reader: Reader::from_reader(input),
            buf: Vec::new(),
            line: 1,
            line_start: 0,
            counted_to: 0,
            non_char: None,
            misspelt_doctype: None,
        }
    }
}

impl<R: BufRead> Source<'_> for StreamSource<R> {
    fn whole(&self) -> Option<&'static str> {
        None
    }

    fn non_char(&self) -> Option<u64> {
        self.non_char
    }

    fn misspelt_doctype(&self) -> Option<u64> {
        self.misspelt_doctype
    }

    fn next_event(&mut self) -> quick_xml::Result<Event<'_>> {
        let end = self.reader.buffer_position();
        // quick-xml takes `<!doctype` and `<!DOCTYPEx` as well; the bytes
        // ahead are the only place to tell (a BufRead shows them without
        // consuming them, and the reader reads from it directly).
        if self.misspelt_doctype.is_none() {
            if let Ok(ahead) = self.reader.get_mut().fill_buf() {
                let misspelt = ahead.len() >= 10
                    && ahead[..9].eq_ignore_ascii_case(b"<!DOCTYPE")
                    && (&ahead[2..9] != b"DOCTYPE"
                        || !matches!(ahead[9], b' ' | b'\t' | b'\r' | b'\n'));
                if misspelt {
                    self.misspelt_doctype = Some(end);
                }
            }
        }
        if let Some(last) = memchr::memrchr(b'\n', &self.buf) {
            self.line += memchr::memchr_iter(b'\n', &self.buf).count();
            self.line_start = end.saturating_sub((self.buf.len() - last) as u64);
        }
        self.counted_to = end;
        self.buf.clear();
        let event = self.reader.read_event_into(&mut self.buf);
        // Markup's content starts after its `<`; near enough for a stream.
        if self.non_char.is_none() {
            self.non_char = event
                .as_ref()
                .ok()
                .and_then(|event| find_non_char(event_bytes(event)))
                .map(|at| end + at + 1);
        }
        event
    }

    fn offset(&self) -> u64 {
        self.reader.buffer_position()
    }

    fn error_offset(&self) -> u64 {
        self.reader.error_position()
    }

    fn locate(&self, offset: u64) -> Position {
        let offset = offset.max(self.line_start);
        Position::Text {
            offset: usize::try_from(offset).unwrap_or(usize::MAX),
            line: self.line,
            column: usize::try_from(offset - self.line_start + 1).unwrap_or(usize::MAX),
        }
    }

    fn config_mut(&mut self) -> &mut Config {
        self.reader.config_mut()
    }
}

fn event_bytes<'a>(event: &'a Event<'_>) -> &'a [u8] {
    match event {
        Event::Start(e) | Event::Empty(e) => e,
        Event::End(e) => e,
        Event::Text(e) | Event::Comment(e) | Event::DocType(e) => e,
        Event::CData(e) => e,
        Event::Decl(e) => e,
        Event::PI(e) => e,
        Event::GeneralRef(e) => e,
        Event::Eof => &[],
    }
}

/// The offset of the first U+FFFE or U+FFFF (EF BF BE, EF BF BF in UTF-8).
pub(super) fn find_non_char(input: &[u8]) -> Option<u64> {
    memchr::memchr_iter(0xEF, input)
        .find(|&at| matches!(input.get(at + 1..at + 3), Some([0xBF, 0xBE | 0xBF])))
        .map(|at| at as u64)
}

/// Line and column as expat counts them: a line ends at LF, CR or CR LF;
/// the column counts characters from the line's start.
pub(super) fn locate_in(input: &[u8], offset: usize) -> Position {
    let offset = offset.min(input.len());
    let before = &input[..offset];
    let mut line = 1;
    let mut line_start = 0;
    for at in memchr::memchr2_iter(b'\n', b'\r', before) {
        let crlf = before[at] == b'\r' && input.get(at + 1) == Some(&b'\n');
        if !crlf {
            line += 1;
            line_start = at + 1;
        }
    }
    let column = 1 + before[line_start..]
        .iter()
        .filter(|&&b| (b & 0xC0) != 0x80)
        .count();
    Position::Text {
        offset,
        line,
        column,
    }
}
