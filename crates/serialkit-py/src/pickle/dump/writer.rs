//! The output buffer, with protocol 4's framing laid out as the C pickler
//! lays it out: a frame is opened by the first write after the previous one
//! was committed, committed when an object starts once it has grown past
//! the target size, and a frame of fewer than four bytes loses its header.

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use serialkit::pickle::opcodes::FRAME;

const FRAME_HEADER_SIZE: usize = 9;
const FRAME_SIZE_MIN: usize = 4;
pub const FRAME_SIZE_TARGET: usize = 64 * 1024;

pub struct Writer<'py> {
    buf: Vec<u8>,
    /// Where the open frame's header was reserved, if a frame is open.
    frame_start: Option<usize>,
    pub framing: bool,
    /// `file.write` when dumping to a file: committed frames and large
    /// payloads go out as soon as they are complete, as the C pickler does,
    /// so memory stays bounded by about one frame.
    file_write: Option<Bound<'py, PyAny>>,
}

impl<'py> Writer<'py> {
    pub fn new(file_write: Option<Bound<'py, PyAny>>) -> Self {
        Writer {
            buf: Vec::with_capacity(256),
            frame_start: None,
            framing: false,
            file_write,
        }
    }

    pub fn write(&mut self, data: &[u8]) {
        if self.framing && self.frame_start.is_none() {
            self.frame_start = Some(self.buf.len());
            self.buf.extend_from_slice(&[0; FRAME_HEADER_SIZE]);
        }
        self.buf.extend_from_slice(data);
    }

    pub fn byte(&mut self, op: u8) {
        self.write(&[op]);
    }

    pub fn commit_frame(&mut self) {
        if !self.framing {
            return;
        }
        let Some(start) = self.frame_start.take() else {
            return;
        };
        let frame_len = self.buf.len() - start - FRAME_HEADER_SIZE;
        if frame_len >= FRAME_SIZE_MIN {
            self.buf[start] = FRAME;
            self.buf[start + 1..start + FRAME_HEADER_SIZE]
                .copy_from_slice(&(frame_len as u64).to_le_bytes());
        } else {
            // A header would cost more than the frame saves.
            self.buf.drain(start..start + FRAME_HEADER_SIZE);
        }
    }

    /// Called before each object is saved: the only points where a frame
    /// may end, so that no opcode straddles two frames.
    pub fn opcode_boundary(&mut self) -> PyResult<()> {
        let Some(start) = self.frame_start else {
            return Ok(());
        };
        if !self.framing {
            return Ok(());
        }
        if self.buf.len() - start - FRAME_HEADER_SIZE >= FRAME_SIZE_TARGET {
            self.commit_frame();
            if self.file_write.is_some() {
                self.flush_to_file()?;
            }
        }
        Ok(())
    }

    /// Writes an opcode with a payload. Payloads of a frame's size or more
    /// go outside any frame, so that the unpickler can read them straight
    /// into place; `payload` is the object the file is handed them as.
    pub fn write_bytes(
        &mut self,
        header: &[u8],
        data: &[u8],
        payload: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<()> {
        let bypass = data.len() >= FRAME_SIZE_TARGET;
        let framing = self.framing;
        if bypass {
            self.commit_frame();
            self.framing = false;
        }
        self.write(header);
        match &self.file_write {
            Some(file_write) if bypass => {
                let file_write = file_write.clone();
                self.flush_to_file()?;
                match payload {
                    Some(payload) => file_write.call1((payload,))?,
                    None => file_write.call1((PyBytes::new(file_write.py(), data),))?,
                };
            }
            _ => self.write(data),
        }
        self.framing = framing;
        Ok(())
    }

    /// Hands everything buffered to the file and starts an empty buffer.
    pub fn flush_to_file(&mut self) -> PyResult<()> {
        self.commit_frame();
        if let Some(file_write) = &self.file_write {
            let chunk = PyBytes::new(file_write.py(), &self.buf);
            self.buf.clear();
            self.frame_start = None;
            file_write.call1((chunk,))?;
        }
        Ok(())
    }

    pub fn finish(mut self, py: Python<'py>) -> Bound<'py, PyBytes> {
        self.commit_frame();
        PyBytes::new(py, &self.buf)
    }
}
