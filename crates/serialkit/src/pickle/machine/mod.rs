//! The pickle virtual machine: reads opcodes, keeps the stack, the MARKs
//! and the memo, and tells a [`PickleSink`] what to build. It follows
//! CPython's unpickler (the pure-Python `_Unpickler` for semantics, the C
//! one, which `pickle.loads` uses, where the two differ in what they accept)
//! but never imports or calls anything.
//!
//! Besides each value's handle, the machine records what kind of value it
//! is, which the opcodes alone determine (EMPTY_LIST makes a list, REDUCE
//! something unknown). That lets it reject what CPython would reject
//! (APPENDS onto an int, SETITEMS onto a list, STACK_GLOBAL with non-str
//! names) without asking the sink, and lets STACK_GLOBAL recover the text
//! of its names from the input without the sink having to expose strings.

mod containers;
mod memo;
mod objects;
mod scalars;

use super::opcodes::{self, *};
use super::read::{Reader, Short};
use super::sink::PickleSink;
use super::LoadOptions;
use crate::error::{Error, Position};
use memo::Memo;

/// Why loading stopped.
#[derive(Debug)]
pub enum Failure<E> {
    /// The input is malformed, or a limit was reached.
    Pickle(Error),
    /// The sink refused the operation of the opcode named `opcode`, which
    /// starts at byte `offset`.
    Sink {
        error: E,
        offset: usize,
        opcode: &'static str,
    },
}

/// How a string's text is recovered from the input for STACK_GLOBAL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Codec {
    /// BINUNICODE and its siblings: UTF-8, surrogates allowed.
    Utf8,
    /// UNICODE.
    RawUnicodeEscape,
    /// STRING: Python 2 escapes, then the Python 2 string encoding.
    Py2Escaped,
    /// BINSTRING, SHORT_BINSTRING: the Python 2 string encoding.
    Py2,
}

/// Where a string's argument lies in the input. Every value on the stack
/// and in the memo carries its kind, packed with this into one word (see
/// [`Packed`]), so the length is kept to 24 bits. A string starting past
/// 4 GiB records no place ([`TextSource::UNKNOWN`]); one of 16 MiB or more
/// records its length as [`TextSource::LONG`], which is more than any name
/// limit but a huge one allows. Only STACK_GLOBAL needs either.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct TextSource {
    start: u32,
    /// At most [`TextSource::LONG`].
    len: u32,
    codec: Codec,
}

impl TextSource {
    const UNKNOWN: u32 = u32::MAX;
    /// The length recorded for a string of this many bytes or more.
    const LONG: usize = (1 << 24) - 1;

    fn new(start: usize, len: usize, codec: Codec) -> Self {
        let len = len.min(Self::LONG);
        let start = match u32::try_from(start) {
            Ok(start) if start != Self::UNKNOWN => start,
            _ => Self::UNKNOWN,
        };
        TextSource {
            start,
            len: len as u32,
            codec,
        }
    }

    /// The argument's length in bytes, or [`TextSource::LONG`] when it is
    /// that long or longer.
    fn len(self) -> usize {
        self.len as usize
    }

    /// The byte range in the input, when it was recorded in full.
    fn range(self) -> Option<std::ops::Range<usize>> {
        if self.start == Self::UNKNOWN || self.len() == Self::LONG {
            return None;
        }
        let start = self.start as usize;
        Some(start..start + self.len())
    }
}

/// What the opcodes say a value is. `Unknown` is anything produced by a
/// call, a persistent load or a buffer: only the sink knows its type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    None,
    Bool,
    Int,
    Float,
    Str(TextSource),
    Bytes,
    ByteArray,
    Buffer,
    List,
    Tuple,
    Dict,
    Set,
    FrozenSet,
    Global,
    Unknown,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::None => "None",
            Kind::Bool => "bool",
            Kind::Int => "int",
            Kind::Float => "float",
            Kind::Str(_) => "str",
            Kind::Bytes => "bytes",
            Kind::ByteArray => "bytearray",
            Kind::Buffer => "buffer",
            Kind::List => "list",
            Kind::Tuple => "tuple",
            Kind::Dict => "dict",
            Kind::Set => "set",
            Kind::FrozenSet => "frozenset",
            Kind::Global => "global",
            Kind::Unknown => "object",
        }
    }
}

/// A value on the stack or in the memo. Visible to the sink module only
/// so that [`super::sink::Items`] can drain slots off the stack.
pub(crate) struct Slot<H> {
    pub(crate) handle: H,
    kind: Packed,
}

impl<H> Slot<H> {
    #[inline(always)]
    fn new(handle: H, kind: Kind) -> Self {
        Slot {
            handle,
            kind: Packed::new(kind),
        }
    }

    #[inline(always)]
    fn kind(&self) -> Kind {
        self.kind.get()
    }
}

/// A [`Kind`] in one word: the tag in the low byte (a str's codec in it
/// too), a str's length in the next 24 bits and its start in the high 32.
/// A slot is then a pair of scalars, which Rust passes in registers: with
/// the kind an enum, every push went through memory, and the 16-byte
/// reload of a value just stored in parts stalled (store forwarding fails)
/// on each of the machine's pushes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Packed(u64);

impl Packed {
    const STR: u64 = 16;

    #[inline(always)]
    fn new(kind: Kind) -> Self {
        let tag = match kind {
            Kind::None => 0,
            Kind::Bool => 1,
            Kind::Int => 2,
            Kind::Float => 3,
            Kind::Bytes => 4,
            Kind::ByteArray => 5,
            Kind::Buffer => 6,
            Kind::List => 7,
            Kind::Tuple => 8,
            Kind::Dict => 9,
            Kind::Set => 10,
            Kind::FrozenSet => 11,
            Kind::Global => 12,
            Kind::Unknown => 13,
            Kind::Str(source) => {
                let codec = match source.codec {
                    Codec::Utf8 => 0,
                    Codec::RawUnicodeEscape => 1,
                    Codec::Py2Escaped => 2,
                    Codec::Py2 => 3,
                };
                let len = u64::from(source.len) << 8;
                let start = u64::from(source.start) << 32;
                return Packed((Self::STR + codec) | len | start);
            }
        };
        Packed(tag)
    }

    #[inline(always)]
    fn get(self) -> Kind {
        let codec = match self.0 as u8 {
            0 => return Kind::None,
            1 => return Kind::Bool,
            2 => return Kind::Int,
            3 => return Kind::Float,
            4 => return Kind::Bytes,
            5 => return Kind::ByteArray,
            6 => return Kind::Buffer,
            7 => return Kind::List,
            8 => return Kind::Tuple,
            9 => return Kind::Dict,
            10 => return Kind::Set,
            11 => return Kind::FrozenSet,
            12 => return Kind::Global,
            16 => Codec::Utf8,
            17 => Codec::RawUnicodeEscape,
            18 => Codec::Py2Escaped,
            19 => Codec::Py2,
            _ => return Kind::Unknown,
        };
        Kind::Str(TextSource {
            start: (self.0 >> 32) as u32,
            len: (self.0 >> 8) as u32 & 0xFF_FFFF,
            codec,
        })
    }
}

type Step<E> = Result<(), Failure<E>>;

struct Machine<'a, 'o, 's, S: PickleSink> {
    input: &'a [u8],
    reader: Reader<'a>,
    options: &'o LoadOptions,
    sink: &'s mut S,
    stack: Vec<Slot<S::Handle>>,
    /// Stack heights at each open MARK; values below the last one are out
    /// of reach until it is popped.
    marks: Vec<usize>,
    memo: Memo<Slot<S::Handle>>,
    /// The last PROTO seen; `fix_imports` applies below 3.
    proto: u8,
    /// Opcodes still allowed by `max_opcodes`: a countdown is one compare
    /// against zero per opcode rather than a load of the limit.
    ops_left: usize,
    /// Decoded text of the current argument, reused across opcodes.
    text: Vec<u8>,
    /// The current opcode and its offset, for errors.
    op: u8,
    at: usize,
}

/// Runs one pickle from `start` to its STOP and returns the value with the
/// offset just past STOP, so that a caller can go on with the next pickle
/// of a concatenation. Bytes after STOP are not looked at.
pub fn load<S: PickleSink>(
    input: &[u8],
    start: usize,
    options: &LoadOptions,
    sink: &mut S,
) -> Result<(S::Handle, usize), Failure<S::Error>> {
    let memo = Memo::with_capacity(memo_guess(input.len() - start.min(input.len())));
    run_with(input, start, options, sink, memo).0
}

/// The memo of an unpickler that reads several pickles: like
/// `pickle.Unpickler`, which keeps its memo from one `load` to the next
/// (a `Pickler` does too, so a later pickle may GET what an earlier one
/// PUT), and whose memo callers can read and set.
pub struct MemoTable<H> {
    memo: Memo<Slot<H>>,
}

impl<H> Default for MemoTable<H> {
    fn default() -> Self {
        MemoTable {
            memo: Memo::with_capacity(0),
        }
    }
}

impl<H> MemoTable<H> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.memo.len()
    }

    pub fn is_empty(&self) -> bool {
        self.memo.len() == 0
    }

    pub fn clear(&mut self) {
        self.memo.clear();
    }

    /// Every entry by key, in ascending order.
    pub fn entries(&self) -> Vec<(u64, &H)> {
        let entries = self.memo.entries().into_iter();
        entries.map(|(key, slot)| (key, &slot.handle)).collect()
    }

    /// Stores a value made outside any pickle. The machine cannot know what
    /// it is, so it treats it as the result of a call: only the sink knows.
    pub fn insert(&mut self, key: u64, handle: H) {
        self.memo.insert(key, Slot::new(handle, Kind::Unknown));
    }

    /// The keys and what the machine knows of each value, without the
    /// values: enough to find where a pickle loaded with this memo ends.
    pub fn shape(&self) -> MemoTable<()> {
        MemoTable {
            memo: self.memo.map_ref(|slot| Slot {
                handle: (),
                kind: slot.kind,
            }),
        }
    }

    /// The same table with every handle converted (for sinks whose handles
    /// borrow something only while a load runs).
    pub fn map<U>(self, mut convert: impl FnMut(H) -> U) -> MemoTable<U> {
        MemoTable {
            memo: self.memo.map(|slot| Slot {
                handle: convert(slot.handle),
                kind: slot.kind,
            }),
        }
    }
}

/// [`load`] starting from the entries of `memo`, which keeps what the pickle
/// stores, whether or not loading succeeds (as CPython's unpickler does).
pub fn load_with_memo<S: PickleSink>(
    input: &[u8],
    start: usize,
    options: &LoadOptions,
    sink: &mut S,
    memo: &mut MemoTable<S::Handle>,
) -> Result<(S::Handle, usize), Failure<S::Error>> {
    let taken = std::mem::replace(&mut memo.memo, Memo::with_capacity(0));
    let (outcome, mut kept) = run_with(input, start, options, sink, taken);
    // Where a string lies in this input means nothing for the next one.
    for slot in kept.values_mut() {
        if let Kind::Str(source) = slot.kind() {
            let nowhere = TextSource::new(usize::MAX, 0, source.codec);
            slot.kind = Packed::new(Kind::Str(nowhere));
        }
    }
    memo.memo = kept;
    outcome
}

type Outcome<S> = Result<(<S as PickleSink>::Handle, usize), Failure<<S as PickleSink>::Error>>;

fn run_with<S: PickleSink>(
    input: &[u8],
    start: usize,
    options: &LoadOptions,
    sink: &mut S,
    memo: Memo<Slot<S::Handle>>,
) -> (Outcome<S>, Memo<Slot<S::Handle>>) {
    let max_input = options.limits.max_input_bytes;
    if input.len() > max_input {
        let error = Error::limit(
            "input size in bytes",
            max_input,
            Some(Position::Offset(max_input)),
        );
        return (Err(Failure::Pickle(error)), memo);
    }
    let mut machine = Machine {
        input,
        reader: Reader::new(input, start),
        options,
        sink,
        stack: Vec::with_capacity(64),
        marks: Vec::new(),
        memo,
        proto: 0,
        ops_left: options.max_opcodes,
        text: Vec::new(),
        op: STOP,
        at: start,
    };
    let outcome = machine.run();
    (outcome, machine.memo)
}

/// Dense memo slots to reserve for a pickle of `len` bytes. Picklers
/// memoize every string and container, about one entry per 40 bytes of
/// typical data; reserving one per 32 bytes up front saves copying the
/// memo as it doubles (its slots are two words: a handle and the value's
/// kind).
/// Capped, so that a pickle of large blobs reserves little it never uses.
fn memo_guess(len: usize) -> usize {
    const BYTES_PER_ENTRY: usize = 32;
    const MAX_RESERVED: usize = 1 << 16;
    (len / BYTES_PER_ENTRY).min(MAX_RESERVED)
}

impl<'a, S: PickleSink> Machine<'a, '_, '_, S> {
    fn run(&mut self) -> Result<(S::Handle, usize), Failure<S::Error>> {
        loop {
            self.at = self.reader.pos();
            let Some(op) = self.reader.opcode() else {
                return Err(Failure::Pickle(Error::syntax(
                    "truncated: the pickle ends before its STOP opcode",
                    Position::Offset(self.at),
                )));
            };
            self.op = op;
            self.sink.at_opcode(self.at, op);
            if self.ops_left == 0 {
                return Err(self.limit("opcode count", self.options.max_opcodes));
            }
            self.ops_left -= 1;
            if op == STOP {
                let slot = self.pop()?;
                return Ok((slot.handle, self.reader.pos()));
            }
            self.step(op)?;
        }
    }

    // Inlined into `run`'s loop: as a call, its prologue and epilogue
    // (a large frame with many saved registers) cost more than most
    // opcodes themselves.
    #[inline(always)]
    fn step(&mut self, op: u8) -> Step<S::Error> {
        match op {
            PROTO => {
                let proto = self.reader.u8().map_err(|s| self.short(s))?;
                if proto > 5 {
                    return Err(self.syntax(format!("unsupported pickle protocol: {proto}")));
                }
                self.proto = proto;
                Ok(())
            }
            FRAME => {
                let len = self.reader.u64().map_err(|s| self.short(s))?;
                self.reader.frame(len).map_err(|s| self.short(s))
            }
            NONE | NEWTRUE | NEWFALSE | INT | BININT | BININT1 | BININT2 | LONG | LONG1 | LONG4
            | FLOAT | BINFLOAT => self.number(op),
            SHORT_BINUNICODE => {
                let len = self.reader.u8().map(u64::from);
                self.unicode(len)
            }
            BINUNICODE => {
                let len = self.reader.u32().map(u64::from);
                self.unicode(len)
            }
            BINUNICODE8 => {
                let len = self.reader.u64();
                self.unicode(len)
            }
            STRING | BINSTRING | SHORT_BINSTRING | UNICODE | BINBYTES | SHORT_BINBYTES
            | BINBYTES8 | BYTEARRAY8 => self.string(op),
            EMPTY_LIST | EMPTY_DICT | EMPTY_SET | EMPTY_TUPLE | TUPLE1 | TUPLE2 | TUPLE3
            | TUPLE | LIST | DICT | FROZENSET => self.container(op),
            APPEND | APPENDS | SETITEM | SETITEMS | ADDITEMS => self.fill(op),
            MARK | POP | POP_MARK | DUP => self.stack_op(op),
            // The memo opcodes are among the most frequent, so each reads
            // its own key here rather than in a shared helper that would
            // match on the opcode again.
            MEMOIZE => self.memo_put(self.memo.len() as u64),
            BINPUT => {
                let key = self.reader.u8().map_err(|s| self.short(s))?;
                self.memo_put(key.into())
            }
            LONG_BINPUT => {
                let key = self.reader.u32().map_err(|s| self.short(s))?;
                self.memo_put(key.into())
            }
            PUT => {
                let key = self.decimal_key()?;
                self.memo_put(key)
            }
            BINGET => {
                let key = self.reader.u8().map_err(|s| self.short(s))?;
                self.memo_get(key.into())
            }
            LONG_BINGET => {
                let key = self.reader.u32().map_err(|s| self.short(s))?;
                self.memo_get(key.into())
            }
            GET => {
                let key = self.decimal_key()?;
                self.memo_get(key)
            }
            GLOBAL | STACK_GLOBAL | INST | OBJ | REDUCE | NEWOBJ | NEWOBJ_EX | BUILD | EXT1
            | EXT2 | EXT4 | PERSID | BINPERSID | NEXT_BUFFER | READONLY_BUFFER => self.object(op),
            _ => Err(Failure::Pickle(Error::syntax(
                format!("unknown opcode 0x{op:02x}"),
                Position::Offset(self.at),
            ))),
        }
    }

    fn syntax(&self, message: impl std::fmt::Display) -> Failure<S::Error> {
        Failure::Pickle(Error::syntax(
            format!("{}: {message}", opcodes::name(self.op)),
            Position::Offset(self.at),
        ))
    }

    fn short(&self, short: Short) -> Failure<S::Error> {
        self.syntax(short.message())
    }

    fn limit(&self, what: &'static str, limit: usize) -> Failure<S::Error> {
        Failure::Pickle(Error::limit(what, limit, Some(Position::Offset(self.at))))
    }

    fn refused(&self, error: S::Error) -> Failure<S::Error> {
        Failure::Sink {
            error,
            offset: self.at,
            opcode: opcodes::name(self.op),
        }
    }

    /// A line argument, which the C unpickler requires to be non-empty.
    fn nonempty_line(&mut self) -> Result<&'a [u8], Failure<S::Error>> {
        match self.reader.line() {
            Ok([]) => Err(self.syntax("the argument is empty")),
            Ok(line) => Ok(line),
            Err(short) => Err(self.short(short)),
        }
    }

    #[inline(always)]
    fn push(&mut self, handle: S::Handle, kind: Kind) {
        self.push_slot(Slot::new(handle, kind));
    }

    #[inline(always)]
    fn push_slot(&mut self, slot: Slot<S::Handle>) {
        if let Err(slot) = push_in_room(&mut self.stack, slot) {
            self.push_growing(slot);
        }
    }

    #[cold]
    #[inline(never)]
    fn push_growing(&mut self, slot: Slot<S::Handle>) {
        self.stack.push(slot);
    }

    /// Pushes what a sink call produced. Inlined: most opcodes end here.
    #[inline(always)]
    fn produce(&mut self, made: Result<S::Handle, S::Error>, kind: Kind) -> Step<S::Error> {
        let handle = made.map_err(|error| self.refused(error))?;
        self.push(handle, kind);
        Ok(())
    }

    /// The stack height below which values are hidden by the last MARK.
    fn fence(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    fn underflow(&self) -> Failure<S::Error> {
        if self.marks.is_empty() {
            self.syntax("stack underflow")
        } else {
            self.syntax("stack underflow: nothing above the last MARK")
        }
    }

    /// Requires `count` values above the fence.
    fn require(&self, count: usize) -> Step<S::Error> {
        if self.stack.len() < self.fence() + count {
            return Err(self.underflow());
        }
        Ok(())
    }

    fn pop(&mut self) -> Result<Slot<S::Handle>, Failure<S::Error>> {
        self.require(1)?;
        self.stack.pop().ok_or_else(|| self.underflow())
    }

    /// Closes the last MARK; the values above it start at the returned index.
    fn pop_mark(&mut self) -> Result<usize, Failure<S::Error>> {
        self.marks
            .pop()
            .ok_or_else(|| self.syntax("no MARK on the stack"))
    }
}

/// `vec.push(value)` when `vec` has room, as two stores inlined into the
/// caller; the value back when it has none. `Vec::push` itself stays a
/// call in the machine's loop, however its room is checked first: LLVM
/// declines to inline std's `push_mut` there, and the two calls (the
/// stack's push and the memo's) took 3% of a github.json load under perf,
/// storing their arguments only to load them again.
#[inline(always)]
pub(super) fn push_in_room<T>(vec: &mut Vec<T>, value: T) -> Result<(), T> {
    let len = vec.len();
    if len == vec.capacity() {
        return Err(value);
    }
    // SAFETY: len < capacity, so the element at `len` lies inside the
    // allocation and holds no value: writing it leaks and drops nothing,
    // and after it the first `len + 1` elements are initialised, which is
    // what `set_len` requires.
    unsafe {
        vec.as_mut_ptr().add(len).write(value);
        vec.set_len(len + 1);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_stay_small() {
        assert_eq!(std::mem::size_of::<Slot<usize>>(), 16);
        assert_eq!(std::mem::size_of::<Option<Slot<&u8>>>(), 16);
    }

    #[test]
    fn text_sources_past_4_gib_record_no_place() {
        let near = TextSource::new(10, 5, Codec::Utf8);
        assert_eq!(near.range(), Some(10..15));
        let far = TextSource::new(1 << 33, 5, Codec::Utf8);
        assert_eq!(far.range(), None);
        let long = TextSource::new(0, 1 << 33, Codec::Utf8);
        assert_eq!((long.range(), long.len()), (None, TextSource::LONG));
        let just_short = TextSource::new(7, TextSource::LONG - 1, Codec::Py2);
        assert_eq!(just_short.range(), Some(7..7 + TextSource::LONG - 1));
    }

    #[test]
    fn kinds_survive_packing() {
        let mut kinds = vec![
            Kind::None,
            Kind::Bool,
            Kind::Int,
            Kind::Float,
            Kind::Bytes,
            Kind::ByteArray,
            Kind::Buffer,
            Kind::List,
            Kind::Tuple,
            Kind::Dict,
            Kind::Set,
            Kind::FrozenSet,
            Kind::Global,
            Kind::Unknown,
        ];
        for codec in [
            Codec::Utf8,
            Codec::RawUnicodeEscape,
            Codec::Py2Escaped,
            Codec::Py2,
        ] {
            for (start, len) in [(0, 0), (u32::MAX as usize, 3), (1 << 31, 1 << 40)] {
                kinds.push(Kind::Str(TextSource::new(start, len, codec)));
            }
        }
        for kind in kinds {
            assert_eq!(Packed::new(kind).get(), kind);
        }
    }
}
