//! Where the reader's events come from: a slice held in memory (events
//! borrow from it) or any `BufRead` (events are copied into a buffer), so
//! streaming documents larger than memory share the one parser.

use crate::error::Position;
use quick_xml::events::Event;
use quick_xml::reader::{Config, Reader};
use std::io::BufRead;

pub trait Source<'i> {
    fn next_event(&mut self) -> quick_xml::Result<Event<'_>>;
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
}

impl<'i> SliceSource<'i> {
    pub fn new(input: &'i [u8]) -> Self {
        SliceSource {
            reader: Reader::from_reader(input),
            input,
            // One pass over the input here saves a check per piece later.
            whole: std::str::from_utf8(input).ok(),
        }
    }

    /// Text already known to be UTF-8 needs no pass to check it.
    pub fn from_text(input: &'i str) -> Self {
        SliceSource {
            reader: Reader::from_reader(input.as_bytes()),
            input: input.as_bytes(),
            whole: Some(input),
        }
    }
}

impl<'i> Source<'i> for SliceSource<'i> {
    fn next_event(&mut self) -> quick_xml::Result<Event<'_>> {
        self.reader.read_event()
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
        Position::in_text(self.input, usize::try_from(offset).unwrap_or(usize::MAX))
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
}

impl<R: BufRead> StreamSource<R> {
    pub fn new(input: R) -> Self {
        StreamSource {
            reader: Reader::from_reader(input),
            buf: Vec::new(),
            line: 1,
            line_start: 0,
            counted_to: 0,
        }
    }
}

impl<R: BufRead> Source<'_> for StreamSource<R> {
    fn whole(&self) -> Option<&'static str> {
        None
    }

    fn next_event(&mut self) -> quick_xml::Result<Event<'_>> {
        let end = self.reader.buffer_position();
        if let Some(last) = memchr::memrchr(b'\n', &self.buf) {
            self.line += memchr::memchr_iter(b'\n', &self.buf).count();
            self.line_start = end.saturating_sub((self.buf.len() - last) as u64);
        }
        self.counted_to = end;
        self.buf.clear();
        self.reader.read_event_into(&mut self.buf)
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
