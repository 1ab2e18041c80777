//! The marshal reader, generic over a [`MarshalSink`].
//!
//! It follows CPython's `r_object` type code for type code (3.14's, which
//! adds slices), including when each object enters the reference table, so
//! references resolve to the same objects, and faults are met in the same
//! order, so the one reported is CPython's. What CPython trusts, it
//! checks: every declared size is compared with the input left before
//! anything is allocated (each item takes at least one byte; a container
//! that cannot be complete is read without room for its items, for the
//! first fault among them), references must name a slot that is already
//! filled, and nesting is bounded.

use super::float::parse_text_float;
use super::sink::{CodeInts, CodeLayout, MarshalSink, MarshalStr, StrKind};
use super::types::*;
use crate::error::{Error, Position};
use crate::limits::Limits;

/// Why a stream could not be read.
#[derive(Debug)]
pub enum Failure<E> {
    /// The input ended early (Python raises `EOFError`). `needed` is a
    /// length the input must at least have for reading to get further, so
    /// a reader of a stream can read that much more without reading past
    /// the object.
    Eof { error: Error, needed: usize },
    /// The input is malformed or over a limit (`ValueError`).
    Invalid(Error),
    /// The sink refused a value.
    Sink(E),
}

impl<E> Failure<E> {
    #[cold]
    fn eof(message: &'static str, offset: usize, needed: usize) -> Box<Self> {
        Box::new(Failure::Eof {
            error: Error::syntax(message, Position::Offset(offset)),
            needed,
        })
    }

    #[cold]
    fn invalid(message: impl Into<std::borrow::Cow<'static, str>>, offset: usize) -> Box<Self> {
        Box::new(Failure::Invalid(Error::syntax(
            message,
            Position::Offset(offset),
        )))
    }

    #[cold]
    fn limit(what: &'static str, limit: usize, offset: Option<usize>) -> Box<Self> {
        Box::new(Failure::Invalid(Error::limit(
            what,
            limit,
            offset.map(Position::Offset),
        )))
    }

    #[cold]
    fn sink(error: E) -> Box<Self> {
        Box::new(Failure::Sink(error))
    }
}

/// Failures are boxed inside the parser so that every object's result
/// fits in two registers: each nesting level returns one, and a wider
/// result went through memory on every object.
type Parsed<T, E> = Result<T, Box<Failure<E>>>;

/// CPython's own bound on nesting (`MAX_MARSHAL_STACK_DEPTH`).
pub const CPYTHON_MAX_DEPTH: usize = 2000;

/// Reads one object from the start of `data`. Returns it with the number
/// of bytes it took; whatever follows is left alone, as `marshal.loads`
/// ignores trailing bytes.
pub fn parse<S: MarshalSink>(
    data: &[u8],
    limits: &Limits,
    sink: &mut S,
) -> Result<(S::Obj, usize), Failure<S::Error>> {
    parse_with_layout(data, limits, CodeLayout::default(), sink)
}

/// [`parse`], reading code objects in the given layout (from a `.pyc`
/// header's Python version).
pub fn parse_with_layout<S: MarshalSink>(
    data: &[u8],
    limits: &Limits,
    layout: CodeLayout,
    sink: &mut S,
) -> Result<(S::Obj, usize), Failure<S::Error>> {
    if data.len() > limits.max_input_bytes {
        return Err(*Failure::limit("input size", limits.max_input_bytes, None));
    }
    let mut parser = Parser {
        data,
        pos: 0,
        depth: 0,
        max_depth: limits.max_depth,
        slots: 0,
        reserved: Vec::new(),
        layout,
        sink,
    };
    match parser.object() {
        Ok(Some(obj)) => Ok((obj, parser.pos)),
        Ok(None) => Err(*Failure::invalid(
            "bad marshal data (NULL object in marshal data for object)",
            0,
        )),
        Err(failure) => Err(*failure),
    }
}

const RED_ZONE: usize = 64 * 1024;
const STACK_SEGMENT: usize = 1024 * 1024;
const CHECK_EVERY: usize = 8;

/// The type codes read by `Parser::object_body`: those that nest. A
/// table, as one load per object is cheaper than a chain of compares.
const CONTAINERS: [bool; 128] = {
    let mut table = [false; 128];
    let codes = [
        TYPE_SMALL_TUPLE,
        TYPE_TUPLE,
        TYPE_LIST,
        TYPE_DICT,
        TYPE_SET,
        TYPE_FROZENSET,
        TYPE_CODE,
        TYPE_SLICE,
    ];
    let mut i = 0;
    while i < codes.len() {
        table[codes[i] as usize] = true;
        i += 1;
    }
    table
};

fn is_container(type_code: u8) -> bool {
    CONTAINERS[usize::from(type_code & 0x7f)]
}

fn lift<T, E>(result: Result<T, E>) -> Parsed<T, E> {
    result.map_err(Failure::sink)
}

struct Parser<'d, 's, S> {
    data: &'d [u8],
    pos: usize,
    depth: usize,
    max_depth: usize,
    /// Reference slots claimed so far.
    slots: u32,
    /// Slots claimed by frozensets and code objects still being read: not
    /// yet referable. Few at a time (they nest), so a vector is enough.
    reserved: Vec<u32>,
    layout: CodeLayout,
    sink: &'s mut S,
}

impl<'d, S: MarshalSink> Parser<'d, '_, S> {
    fn left(&self) -> usize {
        self.data.len() - self.pos
    }

    fn take(&mut self, n: usize) -> Parsed<&'d [u8], S::Error> {
        if n > self.left() {
            let needed = self.pos.saturating_add(n);
            return Err(Failure::eof("marshal data too short", self.pos, needed));
        }
        let bytes = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(bytes)
    }

    fn byte(&mut self) -> Parsed<u8, S::Error> {
        match self.data.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(b)
            }
            None => Err(Failure::eof(
                "EOF read where object expected",
                self.pos,
                self.pos + 1,
            )),
        }
    }

    /// A one-byte length (of a small tuple, a short string, a text float),
    /// which CPython's reader reports missing in words of its own.
    fn length_byte(&mut self) -> Parsed<usize, S::Error> {
        match self.data.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(usize::from(b))
            }
            None => Err(Failure::eof(
                "EOF read where not expected",
                self.pos,
                self.pos + 1,
            )),
        }
    }

    fn long(&mut self) -> Parsed<i32, S::Error> {
        let b = self.take(4)?;
        Ok(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A 32-bit size that must be non-negative and, at `min_item` bytes per
    /// item, fit in the input left: checked before anything is allocated.
    fn size(&mut self, what: &'static str, min_item: usize) -> Parsed<usize, S::Error> {
        let at = self.pos;
        let n = self.count(what)?;
        if n.saturating_mul(min_item) > self.left() {
            let needed = self.pos.saturating_add(n.saturating_mul(min_item));
            return Err(Failure::eof("marshal data too short", at, needed));
        }
        Ok(n)
    }

    /// A container's 32-bit item count, which must be non-negative. Whether
    /// the input left can hold that many items is the container's business
    /// (see [`Parser::doomed`]).
    fn count(&mut self, what: &'static str) -> Parsed<usize, S::Error> {
        let at = self.pos;
        let n = self.long()?;
        if n < 0 {
            return Err(Failure::invalid(
                format!("bad marshal data ({what} size out of range)"),
                at,
            ));
        }
        Ok(n as usize)
    }

    /// A container that declares more items than the input has bytes left
    /// (each takes one at least) cannot be complete. CPython would allocate
    /// it and read items until something fails, so the fault it reports is
    /// the first among the items, which need not be the shortage (a bad
    /// type code, an unhashable set item). The items are read here for that
    /// fault alone, into a stand-in of the same kind with no room reserved:
    /// nothing the data merely declares is allocated.
    #[cold]
    #[inline(never)]
    fn doomed(&mut self, code: u8, flag: bool, n: usize) -> Parsed<S::Obj, S::Error> {
        let needed = self.pos.saturating_add(n);
        let result = self.doomed_items(code, flag, n);
        match result {
            // Never reached: the input ends before the last item.
            Ok(()) => Err(Failure::eof("marshal data too short", self.pos, needed)),
            Err(mut failure) => {
                // The container needs `needed` bytes at least, more than
                // the item that ran out: a reader of a stream may read
                // that much.
                if let Failure::Eof { needed: item, .. } = &mut *failure {
                    *item = (*item).max(needed);
                }
                Err(failure)
            }
        }
    }

    fn doomed_items(&mut self, code: u8, flag: bool, n: usize) -> Parsed<(), S::Error> {
        let (mut stand_in, what, hashed) = match code {
            TYPE_LIST => (lift(self.sink.list(0))?, "list", false),
            TYPE_SET | TYPE_FROZENSET => (lift(self.sink.set(0))?, "set", true),
            _ => (lift(self.sink.tuple(0))?, "tuple", false),
        };
        if code == TYPE_FROZENSET {
            // Referable only once complete, which it never is.
            self.reserve_until_done(flag);
        } else {
            let slot = self.reserve(flag);
            self.fill(slot, &mut stand_in);
        }
        for _ in 0..n {
            let item = self.item(what)?;
            if hashed {
                let added = self.sink.set_add(&mut stand_in, item);
                lift(added)?;
            }
        }
        Ok(())
    }

    /// Claims the next reference slot, if the type code's flag asks.
    fn reserve(&mut self, flag: bool) -> Option<u32> {
        if !flag {
            return None;
        }
        // Each slot is claimed by at least one byte of input, and inputs
        // are bounded well below u32::MAX by `Limits::max_input_bytes`.
        let slot = self.slots;
        self.slots += 1;
        Some(slot)
    }

    /// Claims a slot that stays unreferable until `fill`: frozensets and
    /// code objects enter CPython's table only once complete.
    fn reserve_until_done(&mut self, flag: bool) -> Option<u32> {
        let slot = self.reserve(flag)?;
        self.reserved.push(slot);
        Some(slot)
    }

    fn fill(&mut self, slot: Option<u32>, obj: &mut S::Obj) {
        if let Some(slot) = slot {
            if self.reserved.last() == Some(&slot) {
                self.reserved.pop();
            }
            self.sink.keep(slot, obj);
        }
    }

    /// Records an object that is referable as soon as it exists (all but
    /// frozensets, code objects and slices) in the next slot, if flagged.
    #[inline(always)]
    fn keep_now(&mut self, flag: bool, obj: &mut S::Obj) {
        if flag {
            // A slot just claimed is never among the reserved ones.
            let slot = self.slots;
            self.slots += 1;
            self.sink.keep(slot, obj);
        }
    }

    #[inline(always)]
    fn scalar(&mut self, flag: bool, obj: Result<S::Obj, S::Error>) -> Parsed<S::Obj, S::Error> {
        let mut obj = lift(obj)?;
        self.keep_now(flag, &mut obj);
        Ok(obj)
    }

    /// Reads a container's items one level deeper. Should the thread's
    /// stack run low, the rest of the nesting continues on a stack segment
    /// from the heap, so no depth the limits admit can overflow it. The
    /// stack is measured every few levels only: a thread-local lookup per
    /// container would show in profiles, and a few levels take far less
    /// than the red zone. Scalars nest nothing, so only containers count
    /// levels; every object checks the depth it is read at (in `object`).
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn nested<T>(
        &mut self,
        read: impl FnOnce(&mut Self) -> Parsed<T, S::Error>,
    ) -> Parsed<T, S::Error> {
        self.depth += 1;
        let result = if self.depth % CHECK_EVERY == 0 {
            stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || read(self))
        } else {
            read(self)
        };
        self.depth -= 1;
        result
    }

    /// An object, or `None` for TYPE_NULL (which ends a dict).
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn object(&mut self) -> Parsed<Option<S::Obj>, S::Error> {
        let at = self.pos;
        let code = self.byte()?;
        // `depth` counts the containers around this object: CPython
        // counts the object itself too, and refuses it past its limit.
        if self.depth >= self.max_depth {
            return Err(Failure::limit("nesting depth", self.max_depth, Some(at)));
        }
        // Most objects are scalars: read by a function of their own, they
        // skip the prologue of the large recursive one (a tenth of the
        // parser's instructions on twitter.json).
        if is_container(code & !FLAG_REF) {
            self.object_body(at, code)
        } else {
            self.scalar_body(at, code)
        }
    }

    // Nesting recurses through `object_body` and the container readers
    // only, so in debug builds (large frames) they are kept small. Every
    // scalar lives in `scalar_body`, out of line.
    fn object_body(&mut self, at: usize, code: u8) -> Parsed<Option<S::Obj>, S::Error> {
        let flag = code & FLAG_REF != 0;
        let obj = match code & !FLAG_REF {
            TYPE_SMALL_TUPLE => {
                let n = self.length_byte()?;
                self.nested(|p| p.tuple(flag, n))?
            }
            TYPE_TUPLE => {
                let n = self.count("tuple")?;
                self.nested(|p| p.tuple(flag, n))?
            }
            TYPE_LIST => self.nested(|p| p.list(flag))?,
            TYPE_DICT => self.nested(|p| p.dict(flag))?,
            TYPE_SET => self.nested(|p| p.set(flag))?,
            TYPE_FROZENSET => self.nested(|p| p.frozenset(flag))?,
            TYPE_CODE => {
                let slot = self.reserve_until_done(flag);
                let mut code = self.nested(|p| p.code())?;
                self.fill(slot, &mut code);
                code
            }
            TYPE_SLICE if self.sink.reads_slices() => {
                let slot = self.reserve_until_done(flag);
                let Some(mut slice) = self.nested(|p| p.slice())? else {
                    return Ok(None);
                };
                self.fill(slot, &mut slice);
                slice
            }
            _ => return self.scalar_body(at, code),
        };
        Ok(Some(obj))
    }

    /// Every object but the containers, and `None` for TYPE_NULL.
    #[inline(never)]
    fn scalar_body(&mut self, at: usize, code: u8) -> Parsed<Option<S::Obj>, S::Error> {
        let flag = code & FLAG_REF != 0;
        let obj = match code & !FLAG_REF {
            TYPE_NULL => return Ok(None),
            TYPE_REF => {
                let n = self.long()?;
                let filled =
                    u32::try_from(n).is_ok_and(|n| n < self.slots && !self.reserved.contains(&n));
                if !filled {
                    return Err(Failure::invalid("bad marshal data (invalid reference)", at));
                }
                self.sink.fetch(n as u32)
            }
            TYPE_NONE => lift(self.sink.none())?,
            TYPE_STOPITER => lift(self.sink.stop_iteration())?,
            TYPE_ELLIPSIS => lift(self.sink.ellipsis())?,
            TYPE_FALSE => lift(self.sink.bool(false))?,
            TYPE_TRUE => lift(self.sink.bool(true))?,
            TYPE_INT => {
                let n = self.long()?;
                let obj = self.sink.int(i64::from(n));
                self.scalar(flag, obj)?
            }
            TYPE_INT64 => {
                let b = self.take(8)?;
                let mut le = [0u8; 8];
                le.copy_from_slice(b);
                let obj = self.sink.int(i64::from_le_bytes(le));
                self.scalar(flag, obj)?
            }
            TYPE_LONG => {
                let obj = self.long_int(at)?;
                self.scalar(flag, Ok(obj))?
            }
            TYPE_FLOAT => {
                let value = self.text_float()?;
                let obj = self.sink.float(value);
                self.scalar(flag, obj)?
            }
            TYPE_BINARY_FLOAT => {
                let value = self.binary_float()?;
                let obj = self.sink.float(value);
                self.scalar(flag, obj)?
            }
            TYPE_COMPLEX => {
                let real = self.text_float()?;
                let imag = self.text_float()?;
                let obj = self.sink.complex(real, imag);
                self.scalar(flag, obj)?
            }
            TYPE_BINARY_COMPLEX => {
                let real = self.binary_float()?;
                let imag = self.binary_float()?;
                let obj = self.sink.complex(real, imag);
                self.scalar(flag, obj)?
            }
            TYPE_STRING => {
                let n = self.size("bytes object", 1)?;
                let bytes = self.take(n)?;
                let obj = self.sink.bytes(bytes);
                self.scalar(flag, obj)?
            }
            TYPE_ASCII | TYPE_ASCII_INTERNED => {
                let n = self.size("string", 1)?;
                self.string(
                    flag,
                    n,
                    StrKind::Latin1,
                    code & !FLAG_REF == TYPE_ASCII_INTERNED,
                )?
            }
            TYPE_SHORT_ASCII | TYPE_SHORT_ASCII_INTERNED => {
                let n = self.length_byte()?;
                let interned = code & !FLAG_REF == TYPE_SHORT_ASCII_INTERNED;
                self.string(flag, n, StrKind::Latin1, interned)?
            }
            TYPE_UNICODE | TYPE_INTERNED => {
                let n = self.size("string", 1)?;
                self.string(flag, n, StrKind::Utf8, code & !FLAG_REF == TYPE_INTERNED)?
            }
            _ => return Err(Failure::invalid("bad marshal data (unknown type code)", at)),
        };
        Ok(Some(obj))
    }

    #[cfg_attr(debug_assertions, inline(never))]
    fn list(&mut self, flag: bool) -> Parsed<S::Obj, S::Error> {
        let n = self.count("list")?;
        if n > self.left() {
            return self.doomed(TYPE_LIST, flag, n);
        }
        let mut list = lift(self.sink.list(n))?;
        self.keep_now(flag, &mut list);
        for index in 0..n {
            let item = self.item("list")?;
            self.sink.list_set(&mut list, index, item);
        }
        Ok(list)
    }

    #[cfg_attr(debug_assertions, inline(never))]
    fn dict(&mut self, flag: bool) -> Parsed<S::Obj, S::Error> {
        let mut dict = lift(self.sink.dict())?;
        self.keep_now(flag, &mut dict);
        // CPython ends a dict at the first NULL, key or value.
        while let Some(key) = self.object()? {
            let Some(value) = self.object()? else { break };
            let result = self.sink.dict_set(&mut dict, key, value);
            lift(result)?;
        }
        Ok(dict)
    }

    #[cfg_attr(debug_assertions, inline(never))]
    fn set(&mut self, flag: bool) -> Parsed<S::Obj, S::Error> {
        let n = self.count("set")?;
        if n > self.left() {
            return self.doomed(TYPE_SET, flag, n);
        }
        let mut set = lift(self.sink.set(n))?;
        self.keep_now(flag, &mut set);
        for _ in 0..n {
            let item = self.item("set")?;
            let result = self.sink.set_add(&mut set, item);
            lift(result)?;
        }
        Ok(set)
    }

    #[cfg_attr(debug_assertions, inline(never))]
    fn frozenset(&mut self, flag: bool) -> Parsed<S::Obj, S::Error> {
        let n = self.count("set")?;
        if n > self.left() {
            return self.doomed(TYPE_FROZENSET, flag, n);
        }
        let slot = self.reserve_until_done(flag);
        let mut items = Vec::with_capacity(n);
        for _ in 0..n {
            items.push(self.item("set")?);
        }
        let mut set = lift(self.sink.frozenset(items))?;
        self.fill(slot, &mut set);
        Ok(set)
    }

    /// An item of a container, where NULL is an error.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn item(&mut self, container: &'static str) -> Parsed<S::Obj, S::Error> {
        let at = self.pos;
        match self.object()? {
            Some(obj) => Ok(obj),
            None => Err(Failure::invalid(
                match container {
                    "tuple" => "bad marshal data (NULL object in marshal data for tuple)",
                    "list" => "bad marshal data (NULL object in marshal data for list)",
                    "set" => "bad marshal data (NULL object in marshal data for set)",
                    _ => "bad marshal data (NULL object in marshal data for object)",
                },
                at,
            )),
        }
    }

    #[cfg_attr(debug_assertions, inline(never))]
    fn tuple(&mut self, flag: bool, n: usize) -> Parsed<S::Obj, S::Error> {
        if n > self.left() {
            return self.doomed(TYPE_TUPLE, flag, n);
        }
        let mut tuple = lift(self.sink.tuple(n))?;
        self.keep_now(flag, &mut tuple);
        for index in 0..n {
            let item = self.item("tuple")?;
            self.sink.tuple_set(&mut tuple, index, item);
        }
        Ok(tuple)
    }

    fn string(
        &mut self,
        flag: bool,
        n: usize,
        kind: StrKind,
        interned: bool,
    ) -> Parsed<S::Obj, S::Error> {
        let bytes = self.take(n)?;
        let value = MarshalStr {
            bytes,
            kind,
            ascii: bytes.is_ascii(),
            interned,
        };
        let obj = self.sink.str(value);
        self.scalar(flag, obj)
    }

    fn binary_float(&mut self) -> Parsed<f64, S::Error> {
        let b = self.take(8)?;
        let mut le = [0u8; 8];
        le.copy_from_slice(b);
        Ok(f64::from_le_bytes(le))
    }

    fn text_float(&mut self) -> Parsed<f64, S::Error> {
        let n = self.length_byte()?;
        let at = self.pos;
        let text = self.take(n)?;
        parse_text_float(text).ok_or_else(|| {
            // Worded as CPython words it: the text as a C string (up to a
            // NUL), cut at 200 bytes, decoded with replacement, in quotes.
            let shown = text.split(|&b| b == 0).next().unwrap_or(&[]);
            let shown = &shown[..shown.len().min(200)];
            Failure::invalid(
                format!(
                    "could not convert string to float: '{}'",
                    String::from_utf8_lossy(shown)
                ),
                at,
            )
        })
    }

    /// TYPE_LONG: a signed count of 15-bit digits, least significant first.
    fn long_int(&mut self, at: usize) -> Parsed<S::Obj, S::Error> {
        let n = self.long()?;
        if n == 0 {
            return lift(self.sink.int(0));
        }
        if n == i32::MIN {
            return Err(Failure::invalid(
                "bad marshal data (long size out of range)",
                at,
            ));
        }
        let count = n.unsigned_abs() as usize;
        // CPython reads the digits one by one: a bad digit before the input
        // runs out is the fault it reports. It reads them as signed shorts,
        // so 0x8000 and up are negative and refused.
        let present = count.min(self.left() / 2);
        let bad_digit = self.data[self.pos..self.pos + present * 2]
            .chunks_exact(2)
            .any(|d| u16::from_le_bytes([d[0], d[1]]) >= 1 << 15);
        if bad_digit {
            return Err(Failure::invalid(
                "bad marshal data (digit out of range in long)",
                at,
            ));
        }
        if present < count {
            let needed = self.pos.saturating_add(count.saturating_mul(2));
            return Err(Failure::eof("marshal data too short", self.pos, needed));
        }
        let raw = self.take(count * 2)?;
        let mut digits = raw
            .chunks_exact(2)
            .map(|d| u16::from_le_bytes([d[0], d[1]]));
        if digits.clone().next_back() == Some(0) {
            return Err(Failure::invalid(
                "bad marshal data (unnormalized long data)",
                at,
            ));
        }
        let mut magnitude = vec![0u8; count * 2 + 1];
        for (i, digit) in digits.by_ref().enumerate() {
            let bit = i * 15;
            let mut carry = u32::from(digit) << (bit % 8);
            let mut byte = bit / 8;
            while carry != 0 {
                let sum = u32::from(magnitude[byte]) + (carry & 0xFF);
                magnitude[byte] = sum as u8;
                carry = (carry >> 8) + (sum >> 8);
                byte += 1;
            }
        }
        while magnitude.last() == Some(&0) {
            magnitude.pop();
        }
        let negative = n < 0;
        if magnitude.len() <= 8 {
            let mut le = [0u8; 8];
            le[..magnitude.len()].copy_from_slice(&magnitude);
            let value = u64::from_le_bytes(le);
            let signed = if negative {
                0i64.checked_sub_unsigned(value)
            } else {
                i64::try_from(value).ok()
            };
            if let Some(value) = signed {
                return lift(self.sink.int(value));
            }
        }
        lift(self.sink.big_int(negative, &magnitude))
    }

    /// Start, stop and step. A NULL among them makes the slice itself NULL,
    /// as in CPython, which sets no error for it: what holds the slice
    /// decides (a dict ends there, a tuple is bad data). Out of line: rare
    /// (constants of 3.14 code), and kept out of the hot recursion.
    #[inline(never)]
    fn slice(&mut self) -> Parsed<Option<S::Obj>, S::Error> {
        let Some(start) = self.object()? else {
            return Ok(None);
        };
        let Some(stop) = self.object()? else {
            return Ok(None);
        };
        let Some(step) = self.object()? else {
            return Ok(None);
        };
        lift(self.sink.slice(start, stop, step)).map(Some)
    }

    #[cfg_attr(debug_assertions, inline(never))]
    fn code(&mut self) -> Parsed<S::Obj, S::Error> {
        let layout = self.layout;
        let argcount = self.long()?;
        let posonlyargcount = self.long()?;
        let kwonlyargcount = self.long()?;
        let nlocals = if layout.has_nlocals() {
            self.long()?
        } else {
            0
        };
        let stacksize = self.long()?;
        let flags = self.long()?;
        let fields = layout.object_fields();
        let mut objects = Vec::with_capacity(fields.len());
        let mut firstlineno = 0;
        for index in 0..fields.len() {
            if index == CodeLayout::FIRSTLINENO_BEFORE {
                firstlineno = self.long()?;
            }
            objects.push(self.item("object")?);
        }
        let ints = CodeInts {
            layout,
            argcount,
            posonlyargcount,
            kwonlyargcount,
            nlocals,
            stacksize,
            flags,
            firstlineno,
        };
        lift(self.sink.code(ints, objects))
    }
}
