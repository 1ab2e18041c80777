//! The output: the core's [`Framer`], which lays out frames as the C
//! pickler does, and, when dumping to a file, the file it goes out to.

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use serialkit::pickle::encode::{Framer, Header};
use std::ops::{Deref, DerefMut};

pub struct Writer<'py> {
    framer: Framer,
    /// `file.write` when dumping to a file: committed frames and large
    /// payloads go out as soon as they are complete, as the C pickler does,
    /// so memory stays bounded by about one frame.
    file_write: Option<Bound<'py, PyAny>>,
}

/// Opcodes are written straight to the framer; only frame boundaries and
/// payloads need the file.
impl Deref for Writer<'_> {
    type Target = Framer;

    fn deref(&self) -> &Framer {
        &self.framer
    }
}

impl DerefMut for Writer<'_> {
    fn deref_mut(&mut self) -> &mut Framer {
        &mut self.framer
    }
}

/// Buffers kept between calls hold no data, only capacity; past this the
/// memory is given back instead.
const MAX_SPARE_BYTES: usize = 1 << 20;

thread_local! {
    static SPARE: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

impl<'py> Writer<'py> {
    /// A writer whose buffer is the one the previous `dumps` on this
    /// thread left: growing a buffer from empty, copy by copy, on every
    /// call cost more than a tenth of a small document's `dumps`.
    pub fn new(file_write: Option<Bound<'py, PyAny>>) -> Self {
        let mut buf = SPARE.with(|spare| spare.take());
        if buf.capacity() == 0 {
            buf.reserve(256);
        }
        Writer {
            framer: Framer::with_buffer(buf),
            file_write,
        }
    }

    /// Called before each object is saved: a frame that is complete there
    /// goes out to the file.
    #[inline]
    pub fn opcode_boundary(&mut self) -> PyResult<()> {
        if self.framer.boundary() && self.file_write.is_some() {
            self.flush_to_file()?;
        }
        Ok(())
    }

    /// Writes an opcode with a payload; `payload` is the object the file
    /// is handed a payload that goes outside frames as.
    #[inline]
    pub fn write_bytes(
        &mut self,
        header: &Header,
        data: &[u8],
        payload: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<()> {
        let outside = self.framer.payload_header(header, data.len());
        match &self.file_write {
            Some(file_write) if outside => {
                let file_write = file_write.clone();
                self.flush_to_file()?;
                match payload {
                    Some(payload) => file_write.call1((payload,))?,
                    None => file_write.call1((PyBytes::new(file_write.py(), data),))?,
                };
            }
            _ => self.framer.payload_data(data),
        }
        Ok(())
    }

    /// Hands everything buffered to the file and starts an empty buffer.
    pub fn flush_to_file(&mut self) -> PyResult<()> {
        self.framer.commit_frame();
        if let Some(file_write) = &self.file_write {
            let chunk = PyBytes::new(file_write.py(), self.framer.bytes());
            self.framer.clear();
            file_write.call1((chunk,))?;
        }
        Ok(())
    }

    pub fn finish(self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let buf = self.framer.finish();
        let bytes = PyBytes::new(py, &buf);
        if buf.capacity() <= MAX_SPARE_BYTES {
            SPARE.with(|spare| spare.set(buf));
        }
        bytes
    }
}
