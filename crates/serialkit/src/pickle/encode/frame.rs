//! The output buffer, with protocol 4's framing laid out as CPython's C
//! pickler lays it out, so that both writers produce its exact bytes: a
//! frame opens at the first write after the previous one was committed, is
//! committed at an opcode boundary once it has reached the target size,
//! and loses its header if it is shorter than [`FRAME_SIZE_MIN`].

use super::Header;
use crate::pickle::opcodes::FRAME;

const FRAME_HEADER_SIZE: usize = 9;
/// A frame shorter than this is written without its header: the header
/// would cost more than the frame saves.
const FRAME_SIZE_MIN: usize = 4;
pub const FRAME_SIZE_TARGET: usize = 64 * 1024;

#[derive(Default)]
pub struct Framer {
    buf: Vec<u8>,
    /// Where the open frame's header was reserved, if a frame is open.
    frame_start: Option<usize>,
    framing: bool,
}

impl Framer {
    pub fn with_capacity(capacity: usize) -> Self {
        Framer::with_buffer(Vec::with_capacity(capacity))
    }

    /// Writes into `buf`, emptied first: a caller that dumps often hands
    /// back the buffer of its previous call and saves growing a new one.
    pub fn with_buffer(mut buf: Vec<u8>) -> Self {
        buf.clear();
        Framer {
            buf,
            ..Framer::default()
        }
    }

    /// Turns framing on or off for what is written next. The PROTO opcode
    /// goes before it is turned on, outside the first frame, as in CPython.
    pub fn set_framing(&mut self, framing: bool) {
        self.framing = framing;
    }

    #[inline]
    pub fn write(&mut self, data: &[u8]) {
        self.open_frame();
        self.buf.extend_from_slice(data);
    }

    #[inline]
    pub fn byte(&mut self, op: u8) {
        self.open_frame();
        self.buf.push(op);
    }

    /// An opcode's header, written as a fixed nine-byte copy cut to length:
    /// cheaper than a `memcpy` call before each of many short strings.
    #[inline]
    fn header(&mut self, header: &Header) {
        self.open_frame();
        let end = self.buf.len() + header.len;
        self.buf.extend_from_slice(&header.bytes);
        self.buf.truncate(end);
    }

    /// Opens a frame if framing is on and none is open.
    #[inline]
    fn open_frame(&mut self) {
        if self.framing && self.frame_start.is_none() {
            self.start_frame();
        }
    }

    #[cold]
    fn start_frame(&mut self) {
        self.frame_start = Some(self.buf.len());
        self.buf.extend_from_slice(&[0; FRAME_HEADER_SIZE]);
    }

    pub fn commit_frame(&mut self) {
        let Some(start) = self.frame_start.take() else {
            return;
        };
        let frame_len = self.buf.len() - start - FRAME_HEADER_SIZE;
        if frame_len >= FRAME_SIZE_MIN {
            self.buf[start] = FRAME;
            self.buf[start + 1..start + FRAME_HEADER_SIZE]
                .copy_from_slice(&(frame_len as u64).to_le_bytes());
        } else {
            self.buf.drain(start..start + FRAME_HEADER_SIZE);
        }
    }

    /// Called where each value starts: the only places a frame may end, so
    /// that no opcode straddles two frames. Returns whether a frame was
    /// committed, which is when a streaming writer can hand it on.
    #[inline]
    pub fn boundary(&mut self) -> bool {
        let full = self
            .frame_start
            .is_some_and(|start| self.buf.len() - start - FRAME_HEADER_SIZE >= FRAME_SIZE_TARGET);
        if full {
            self.commit_frame();
        }
        full
    }

    /// An opcode with a payload. Payloads of a frame's size or more go
    /// outside any frame, header included, so that a reader can take them
    /// straight from the input, as CPython lays them out.
    pub fn payload(&mut self, header: &Header, data: &[u8]) {
        self.payload_header(header, data.len());
        self.payload_data(data);
    }

    /// The first half of [`Framer::payload`], for a writer that may hand a
    /// large payload on by itself: returns whether the payload of `len`
    /// bytes goes outside any frame. Its bytes, if they are written here,
    /// follow with [`Framer::payload_data`].
    #[inline]
    pub fn payload_header(&mut self, header: &Header, len: usize) -> bool {
        let outside = len >= FRAME_SIZE_TARGET;
        if outside {
            self.commit_frame();
            self.buf.extend_from_slice(header);
        } else {
            self.header(header);
        }
        outside
    }

    /// A payload after its header: never opens a frame, since the header
    /// either opened one or left the payload outside frames.
    #[inline]
    pub fn payload_data(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// What was written since the last [`Framer::clear`]; only whole frames
    /// once [`Framer::commit_frame`] has been called.
    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Drops what was written (after handing it on), keeping the buffer.
    pub fn clear(&mut self) {
        self.buf.clear();
        self.frame_start = None;
    }

    pub fn finish(mut self) -> Vec<u8> {
        self.commit_frame();
        self.buf
    }
}
