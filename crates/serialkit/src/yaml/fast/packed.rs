//! The scanned events, packed: 16 bytes each, with a byte offset and a
//! line instead of a marker, and scalar text as a length from the event's
//! start (past the opening quote of a quoted scalar), or, when folding or
//! escapes changed it, the next of the owned texts. [`Events`] unpacks
//! them into saphyr-parser's types while the constructor pulls them,
//! counting characters as it goes: the offsets never decrease, so that
//! counting is one pass over the input.

use saphyr_parser::{Event, Marker, ScalarStyle};
use std::borrow::Cow;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    StreamStart,
    StreamEnd,
    /// `explicit`: after `---`.
    DocumentStart(bool),
    DocumentEnd,
    SequenceStart,
    SequenceEnd,
    MappingStart,
    MappingEnd,
    /// Text borrowed from the input.
    Scalar(ScalarStyle),
    /// Text that folding or escapes changed: the next owned text.
    Owned(ScalarStyle),
}

#[derive(Clone, Copy)]
pub(super) struct Packed {
    /// The byte offset of the event's start.
    pub at: u32,
    /// The line `at` is on (1-based).
    pub line: u32,
    /// A borrowed scalar's length in bytes.
    pub len: u32,
    pub kind: Kind,
    /// The start of the line after `at` (the end of an input whose last
    /// line has no line break: where the event parser ends the stream).
    pub next_line: bool,
}

// The list's size per event is what bounds its memory.
const _: () = assert!(std::mem::size_of::<Packed>() <= 16);

/// The events of a text, unpacked on the way out.
pub struct Events<'a> {
    text: &'a str,
    packed: std::vec::IntoIter<Packed>,
    owned: std::vec::IntoIter<String>,
    markers: Markers<'a>,
}

impl<'a> Events<'a> {
    pub(super) fn new(text: &'a str, packed: Vec<Packed>, owned: Vec<String>) -> Self {
        Events {
            text,
            packed: packed.into_iter(),
            owned: owned.into_iter(),
            markers: Markers::new(text.as_bytes()),
        }
    }
}

impl<'a> Iterator for Events<'a> {
    type Item = (Event<'a>, Marker);

    fn next(&mut self) -> Option<Self::Item> {
        let packed = self.packed.next()?;
        let event = match packed.kind {
            Kind::StreamStart => Event::StreamStart,
            Kind::StreamEnd => Event::StreamEnd,
            Kind::DocumentStart(explicit) => Event::DocumentStart(explicit),
            Kind::DocumentEnd => Event::DocumentEnd,
            Kind::SequenceStart => Event::SequenceStart(0, None),
            Kind::SequenceEnd => Event::SequenceEnd,
            Kind::MappingStart => Event::MappingStart(0, None),
            Kind::MappingEnd => Event::MappingEnd,
            Kind::Scalar(style) => {
                let start = packed.at as usize + usize::from(style != ScalarStyle::Plain);
                let text = self.text.get(start..start + packed.len as usize)?;
                Event::Scalar(Cow::Borrowed(text), style, 0, None)
            }
            Kind::Owned(style) => Event::Scalar(Cow::Owned(self.owned.next()?), style, 0, None),
        };
        let marker = self
            .markers
            .at(packed.at as usize, packed.line as usize, packed.next_line);
        Some((event, marker))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.packed.size_hint()
    }
}

/// Markers (character index, 1-based line, column in characters) for
/// byte offsets, with their lines, asked for in increasing order.
struct Markers<'a> {
    bytes: &'a [u8],
    at: usize,
    line: usize,
    chars: usize,
    line_start_chars: usize,
}

impl<'a> Markers<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Markers {
            bytes,
            at: 0,
            line: 1,
            chars: 0,
            line_start_chars: 0,
        }
    }

    fn at(&mut self, to: usize, line: usize, next_line: bool) -> Marker {
        let to = to.min(self.bytes.len());
        if to < self.at {
            // Not reached by the scanner (its offsets never decrease);
            // counting again from the start keeps it correct regardless.
            *self = Markers::new(self.bytes);
        }
        let gap = &self.bytes[self.at..to];
        // Only a new line needs a search for where it starts.
        let new_line = if line == self.line {
            None
        } else {
            memchr::memrchr(b'\n', gap)
        };
        match new_line {
            Some(last) => {
                self.line_start_chars = self.chars + chars(&gap[..=last]);
                self.chars = self.line_start_chars + chars(&gap[last + 1..]);
                self.line = line;
            }
            None => self.chars += chars(gap),
        }
        self.at = to;
        if next_line {
            Marker::new(self.chars, self.line + 1, 0)
        } else {
            Marker::new(self.chars, self.line, self.chars - self.line_start_chars)
        }
    }
}

/// The characters in a slice of UTF-8 (cut at character boundaries).
fn chars(bytes: &[u8]) -> usize {
    if bytes.is_ascii() {
        return bytes.len();
    }
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}
