//! The byte reader under the machine: fixed-size arguments, length-prefixed
//! payloads and newline-terminated lines, each checked against what remains
//! of the input before anything is sliced or allocated.
//!
//! Framing follows CPython's C unpickler, which `pickle.loads` uses: a FRAME
//! only has to fit in the input. Opcodes may straddle frame boundaries and
//! frames may be shorter or longer than their contents; the pure-Python
//! unpickler is stricter, but accepting what `pickle.loads` accepts is the
//! compatibility that matters.

/// Why a read failed; the machine adds the opcode name and offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Short {
    /// A fixed or length-prefixed read needs more bytes than remain.
    Bytes { needed: u64, remain: usize },
    /// A text argument has no terminating newline.
    Line,
}

impl Short {
    pub(crate) fn message(self) -> String {
        match self {
            Short::Bytes { needed, remain } => {
                format!("truncated: needs {needed} bytes, {remain} remain")
            }
            Short::Line => "truncated: the argument has no terminating newline".to_owned(),
        }
    }
}

pub(crate) struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(input: &'a [u8], start: usize) -> Self {
        Reader {
            input,
            pos: start.min(input.len()),
        }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn remaining(&self) -> usize {
        self.input.len() - self.pos
    }

    /// The next opcode byte, or `None` at the end of the input.
    pub(crate) fn opcode(&mut self) -> Option<u8> {
        let byte = *self.input.get(self.pos)?;
        self.pos += 1;
        Some(byte)
    }

    /// `len` bytes. The length comes from the input, so it is compared with
    /// what remains before it is used for anything.
    pub(crate) fn take(&mut self, len: u64) -> Result<&'a [u8], Short> {
        let remain = self.remaining();
        match usize::try_from(len) {
            Ok(len) if len <= remain => {
                let bytes = &self.input[self.pos..self.pos + len];
                self.pos += len;
                Ok(bytes)
            }
            _ => Err(Short::Bytes {
                needed: len,
                remain,
            }),
        }
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Short> {
        let bytes = self.take(N as u64)?;
        let mut array = [0; N];
        array.copy_from_slice(bytes);
        Ok(array)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, Short> {
        self.array::<1>().map(|[byte]| byte)
    }

    pub(crate) fn u16(&mut self) -> Result<u16, Short> {
        self.array().map(u16::from_le_bytes)
    }

    pub(crate) fn u32(&mut self) -> Result<u32, Short> {
        self.array().map(u32::from_le_bytes)
    }

    pub(crate) fn i32(&mut self) -> Result<i32, Short> {
        self.array().map(i32::from_le_bytes)
    }

    pub(crate) fn u64(&mut self) -> Result<u64, Short> {
        self.array().map(u64::from_le_bytes)
    }

    pub(crate) fn f64_be(&mut self) -> Result<f64, Short> {
        self.array().map(f64::from_be_bytes)
    }

    /// The text up to the next newline, without it.
    pub(crate) fn line(&mut self) -> Result<&'a [u8], Short> {
        let rest = &self.input[self.pos..];
        let len = memchr::memchr(b'\n', rest).ok_or(Short::Line)?;
        self.pos += len + 1;
        Ok(&rest[..len])
    }

    /// Checks a FRAME's length. The C unpickler only requires the frame to
    /// be present; reads then run on regardless of where frames end.
    pub(crate) fn frame(&self, len: u64) -> Result<(), Short> {
        let remain = self.remaining();
        match usize::try_from(len) {
            Ok(len) if len <= remain => Ok(()),
            _ => Err(Short::Bytes {
                needed: len,
                remain,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_checked_before_slicing() {
        let mut reader = Reader::new(b"abc\ndef", 0);
        assert_eq!(
            reader.take(u64::MAX),
            Err(Short::Bytes {
                needed: u64::MAX,
                remain: 7
            })
        );
        assert_eq!(reader.line(), Ok(&b"abc"[..]));
        assert_eq!(reader.line(), Err(Short::Line));
        assert_eq!(
            reader.u32(),
            Err(Short::Bytes {
                needed: 4,
                remain: 3
            })
        );
        assert_eq!(reader.take(3), Ok(&b"def"[..]));
        assert_eq!(reader.opcode(), None);
        assert!(reader.frame(0).is_ok());
        assert!(reader.frame(1).is_err());
    }
}
