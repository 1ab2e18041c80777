//! Opcode encodings shared by the two pickle writers: the core's, which
//! writes the [`Value`](crate::value::Value) model, and the Python
//! bindings', which writes Python objects. Both must write exactly what
//! CPython's C pickler writes, so the choices of opcode by protocol and
//! size live here once.
//!
//! Protocols 0 and 1 (text and early binary forms) are only written by the
//! bindings, but belong with the rest: each choice is made in one place.

mod batch;
mod frame;

pub use batch::{batch, batch_iter, Items, Output, BATCHSIZE};
pub use frame::{Framer, FRAME_SIZE_TARGET};

use super::opcodes::*;

/// A count or size too large for any opcode of the protocol. Each writer
/// turns it into its own error, with its own message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooLarge;

/// An opcode's header before a payload: the opcode and its size field.
pub struct Header {
    bytes: [u8; 9],
    len: usize,
}

impl Header {
    fn new(op: u8, size: &[u8]) -> Header {
        let mut bytes = [0; 9];
        bytes[0] = op;
        bytes[1..=size.len()].copy_from_slice(size);
        Header {
            bytes,
            len: 1 + size.len(),
        }
    }
}

impl std::ops::Deref for Header {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// A protocol 0 opcode whose argument is a line of text.
pub fn line(out: &mut Framer, op: u8, text: &[u8]) {
    out.byte(op);
    out.write(text);
    out.byte(b'\n');
}

/// Protocol 0's text for a str (UNICODE's line): raw-unicode-escape, with
/// the characters that would end or corrupt the line (backslash, NUL,
/// newline, carriage return and Ctrl-Z) escaped as well, as CPython's C
/// pickler writes it. Takes code points, so that the bindings can pass lone
/// surrogates.
pub fn raw_unicode_escape(code_points: impl IntoIterator<Item = u32>) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = Vec::new();
    for ch in code_points {
        if ch >= 0x10000 {
            out.extend_from_slice(b"\\U");
            out.extend(
                (0..8)
                    .rev()
                    .map(|shift| HEX[((ch >> (shift * 4)) & 0xf) as usize]),
            );
        } else if ch >= 256 || matches!(ch, 0x5c | 0 | 0x0a | 0x0d | 0x1a) {
            out.extend_from_slice(b"\\u");
            out.extend(
                (0..4)
                    .rev()
                    .map(|shift| HEX[((ch >> (shift * 4)) & 0xf) as usize]),
            );
        } else {
            out.push(ch as u8);
        }
    }
    out
}

/// Records the object just written under memo `index`. Protocol 4's
/// MEMOIZE takes the index implicitly: the writer must have numbered its
/// memo in the order of the entries.
#[inline]
pub fn put(out: &mut Framer, index: usize, proto: u8) -> Result<(), TooLarge> {
    if proto >= 4 {
        out.byte(MEMOIZE);
        return Ok(());
    }
    memo_op(out, index, proto, [PUT, BINPUT, LONG_BINPUT])
}

#[inline]
pub fn get(out: &mut Framer, index: usize, proto: u8) -> Result<(), TooLarge> {
    // The most frequent form inline, the others out of line.
    if let (1.., Ok(small)) = (proto, u8::try_from(index)) {
        out.write(&[BINGET, small]);
        return Ok(());
    }
    memo_op(out, index, proto, [GET, BINGET, LONG_BINGET])
}

/// A memo opcode with the index as text (protocol 0), one byte or four.
fn memo_op(
    out: &mut Framer,
    index: usize,
    proto: u8,
    [text, one, four]: [u8; 3],
) -> Result<(), TooLarge> {
    if proto == 0 {
        line(out, text, itoa::Buffer::new().format(index).as_bytes());
    } else if let Ok(small) = u8::try_from(index) {
        out.write(&[one, small]);
    } else {
        let large = u32::try_from(index).map_err(|_| TooLarge)?;
        let [a, b, c, d] = large.to_le_bytes();
        out.write(&[four, a, b, c, d]);
    }
    Ok(())
}

#[inline]
pub fn boolean(out: &mut Framer, value: bool, proto: u8) {
    match (proto >= 2, value) {
        (true, value) => out.byte(if value { NEWTRUE } else { NEWFALSE }),
        (false, true) => out.write(b"I01\n"),
        (false, false) => out.write(b"I00\n"),
    }
}

/// An int that fits 64 bits; larger ones go through [`long`].
#[inline]
pub fn int(out: &mut Framer, value: i64, proto: u8) -> Result<(), TooLarge> {
    let Ok(small) = i32::try_from(value) else {
        if proto < 2 {
            long_text(out, itoa::Buffer::new().format(value).as_bytes());
            return Ok(());
        }
        // The bytes CPython starts from, `value.to_bytes(value.bit_length()
        // // 8 + 1, "little", signed=True)`, which `long` trims.
        let nbits = 64 - value.unsigned_abs().leading_zeros() as usize;
        return long(out, &i128::from(value).to_le_bytes()[..(nbits >> 3) + 1]);
    };
    if proto == 0 {
        line(out, INT, itoa::Buffer::new().format(small).as_bytes());
        return Ok(());
    }
    let bytes = small.to_le_bytes();
    if bytes[2] != 0 || bytes[3] != 0 {
        out.write(&[BININT, bytes[0], bytes[1], bytes[2], bytes[3]]);
    } else if bytes[1] != 0 {
        out.write(&[BININT2, bytes[0], bytes[1]]);
    } else {
        out.write(&[BININT1, bytes[0]]);
    }
    Ok(())
}

/// LONG1 or LONG4 (protocol 2 on) with a two's complement in little-endian
/// order. A redundant last 0xff byte of a negative number is dropped, as
/// CPython drops it, so any sign-extended form gives the shortest one.
pub fn long(out: &mut Framer, le_bytes: &[u8]) -> Result<(), TooLarge> {
    let data = match le_bytes {
        [.., high, 0xff] if high & 0x80 != 0 => &le_bytes[..le_bytes.len() - 1],
        _ => le_bytes,
    };
    if let Ok(len) = u8::try_from(data.len()) {
        out.write(&[LONG1, len]);
    } else {
        let len = i32::try_from(data.len()).map_err(|_| TooLarge)?;
        out.byte(LONG4);
        out.write(&len.to_le_bytes());
    }
    out.write(data);
    Ok(())
}

/// A protocol 0 or 1 long from its decimal digits, with the trailing L
/// that Python 2 wants.
pub fn long_text(out: &mut Framer, digits: &[u8]) {
    out.byte(LONG);
    out.write(digits);
    out.write(b"L\n");
}

/// BINFLOAT; protocol 0's FLOAT needs Python's repr, which the bindings
/// write with [`line`].
#[inline]
pub fn float(out: &mut Framer, value: f64) {
    // One write of the opcode and its eight bytes.
    let mut op = [BINFLOAT; 9];
    op[1..].copy_from_slice(&value.to_be_bytes());
    out.write(&op);
}

/// The header before a binary str's UTF-8 bytes (protocol 1 on).
#[inline]
pub fn str_header(size: usize, proto: u8) -> Result<Header, TooLarge> {
    if size <= 0xff && proto >= 4 {
        Ok(Header::new(SHORT_BINUNICODE, &[size as u8]))
    } else {
        sized_header(size, proto, BINUNICODE, BINUNICODE8)
    }
}

/// The header before a bytes object's bytes (protocol 3 on).
pub fn bytes_header(size: usize, proto: u8) -> Result<Header, TooLarge> {
    if size <= 0xff {
        Ok(Header::new(SHORT_BINBYTES, &[size as u8]))
    } else {
        sized_header(size, proto, BINBYTES, BINBYTES8)
    }
}

/// The header before a bytearray's bytes (protocol 5).
pub fn bytearray_header(size: usize) -> Header {
    Header::new(BYTEARRAY8, &(size as u64).to_le_bytes())
}

fn sized_header(size: usize, proto: u8, op4: u8, op8: u8) -> Result<Header, TooLarge> {
    if let Ok(size) = u32::try_from(size) {
        Ok(Header::new(op4, &size.to_le_bytes()))
    } else if proto >= 4 {
        Ok(Header::new(op8, &(size as u64).to_le_bytes()))
    } else {
        Err(TooLarge)
    }
}

/// The opcode that builds a tuple of `len` items without a MARK, if the
/// protocol has one.
fn short_tuple(len: usize, proto: u8) -> Option<u8> {
    match (len, proto) {
        (0, 1..) => Some(EMPTY_TUPLE),
        (1..=3, 2..) => Some([EMPTY_TUPLE, TUPLE1, TUPLE2, TUPLE3][len]),
        _ => None,
    }
}

/// What goes before a tuple's items.
pub fn tuple_start(out: &mut Framer, len: usize, proto: u8) {
    if short_tuple(len, proto).is_none() {
        out.byte(MARK);
    }
}

/// What builds the tuple after its items.
pub fn tuple_end(out: &mut Framer, len: usize, proto: u8) {
    out.byte(short_tuple(len, proto).unwrap_or(TUPLE));
}

/// Drops a tuple's items (and MARK) from the stack, for a tuple that its
/// items turned out to reach: the copy in the memo is used instead.
pub fn tuple_discard(out: &mut Framer, len: usize, proto: u8) {
    let pops = match (short_tuple(len, proto), proto) {
        (Some(_), _) => len,
        (None, 1..) => return out.byte(POP_MARK),
        // Protocol 0 has no POP_MARK: one POP more, for the MARK.
        (None, 0) => len + 1,
    };
    for _ in 0..pops {
        out.byte(POP);
    }
}

/// Protocol 0 builds an empty list from a MARK.
#[inline]
pub fn empty_list(out: &mut Framer, proto: u8) {
    out.write(if proto == 0 {
        &[MARK, LIST]
    } else {
        &[EMPTY_LIST]
    });
}

/// Protocol 0 builds an empty dict from a MARK.
#[inline]
pub fn empty_dict(out: &mut Framer, proto: u8) {
    out.write(if proto == 0 {
        &[MARK, DICT]
    } else {
        &[EMPTY_DICT]
    });
}

/// GLOBAL before protocol 4: the module and name as lines, which must hold
/// no newline.
pub fn global(out: &mut Framer, module: &[u8], name: &[u8]) {
    line(out, GLOBAL, module);
    out.write(name);
    out.byte(b'\n');
}

#[cfg(test)]
mod tests;
