//! The interface between the pickle machine and whatever builds values from
//! it: the core [`super::value_sink::ValueSink`] builds [`crate::Value`]s,
//! the Python bindings build Python objects (and decide, under their
//! policy, whether a global may be imported or a call made).
//!
//! The machine never imports or calls anything; it only tells the sink what
//! the pickle asks for. It keeps values as opaque handles on its stack and
//! in its memo, and checks what it can know from the opcodes alone (stack
//! shape, MARKs, memo keys, which opcode produced a value) before calling
//! the sink, so a sink only refuses what it cannot represent or allow.

use super::machine::Slot;
use std::vec::Drain;

/// A decoded string. `bytes` is UTF-8, except that when `surrogates` is set
/// it also holds lone surrogates, encoded in three bytes the way Python's
/// `surrogatepass` error handler writes them (`bytes.decode("utf-8",
/// "surrogatepass")` reads them back). Pickles can carry such strings;
/// Rust strings cannot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PickleStr<'s> {
    pub bytes: &'s [u8],
    pub surrogates: bool,
    /// Every byte is ASCII (so `surrogates` is false). The machine finds
    /// this out anyway while validating, and a sink can then build its
    /// string without scanning the bytes again.
    pub ascii: bool,
}

impl<'s> PickleStr<'s> {
    /// The text as a Rust string, unless it holds surrogates.
    pub fn as_str(&self) -> Option<&'s str> {
        std::str::from_utf8(self.bytes).ok()
    }
}

/// Items popped off the machine's stack, in stack order (first pushed
/// first). They are drained straight from the stack: moving them to a
/// buffer of bare handles first cost a few percent of a load.
pub struct Items<'a, H>(pub(crate) Drain<'a, Slot<H>>);

impl<H> Items<'_, H> {
    /// The first item, left in place.
    pub fn first(&self) -> Option<&H> {
        self.0.as_slice().first().map(|slot| &slot.handle)
    }
}

impl<H> Iterator for Items<'_, H> {
    type Item = H;

    #[inline]
    fn next(&mut self) -> Option<H> {
        self.0.next().map(|slot| slot.handle)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl<H> ExactSizeIterator for Items<'_, H> {}

impl<H> DoubleEndedIterator for Items<'_, H> {
    #[inline]
    fn next_back(&mut self) -> Option<H> {
        self.0.next_back().map(|slot| slot.handle)
    }
}

/// Key/value pairs popped off the machine's stack (DICT, SETITEM,
/// SETITEMS), in stack order. The machine has checked the count is even.
pub struct Pairs<'a, H>(pub(crate) Items<'a, H>);

impl<H> Iterator for Pairs<'_, H> {
    type Item = (H, H);

    #[inline]
    fn next(&mut self) -> Option<(H, H)> {
        let key = self.0.next()?;
        let value = self.0.next()?;
        Some((key, value))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let pairs = self.0.len() / 2;
        (pairs, Some(pairs))
    }
}

impl<H> ExactSizeIterator for Pairs<'_, H> {}

/// Receives the operations of a pickle, in order. Every method that
/// produces a value returns a new handle; methods that mutate take the
/// target by reference, since the target stays on the machine's stack.
///
/// A handle may be dropped at any time (POP, a memo entry overwritten, the
/// end of loading); sinks with reference-counted handles release them in
/// `Drop`.
pub trait PickleSink {
    /// A value on the machine's stack or in its memo.
    type Handle;
    /// Why the sink refused an operation. The machine reports it with the
    /// opcode's name and offset.
    type Error;

    /// Called before each opcode runs, with its offset and code. Sinks
    /// that report where things happen (the scanner) keep them; the
    /// default does nothing and costs nothing.
    #[inline(always)]
    fn at_opcode(&mut self, _offset: usize, _opcode: u8) {}

    /// A second handle to the same value, for DUP, GET and the memo's PUT.
    /// Both handles denote one object: mutations through either are seen
    /// through both, and the value is never copied. A Python sink increfs;
    /// an arena sink copies an index.
    fn share(&mut self, handle: &Self::Handle) -> Self::Handle;

    /// The text of `handle` when it is an exact str whose text the machine
    /// cannot recover from the input (a memo entry kept from an earlier
    /// pickle, or a value made by a call), for STACK_GLOBAL. The default
    /// knows none, and STACK_GLOBAL then refuses it.
    fn str_text(&self, handle: &Self::Handle) -> Option<String> {
        let _ = handle;
        None
    }

    /// NONE.
    fn none(&mut self) -> Result<Self::Handle, Self::Error>;
    /// NEWTRUE, NEWFALSE, and INT's `01`/`00`.
    fn bool(&mut self, value: bool) -> Result<Self::Handle, Self::Error>;
    /// Any integer that fits in 64 bits, whichever opcode carried it.
    fn int(&mut self, value: i64) -> Result<Self::Handle, Self::Error>;
    /// An integer outside the 64-bit range, as little-endian two's-complement
    /// bytes (the encoding of LONG1/LONG4; text INT/LONG are converted to it).
    fn big_int(&mut self, le_twos_complement: &[u8]) -> Result<Self::Handle, Self::Error>;
    /// FLOAT, BINFLOAT.
    fn float(&mut self, value: f64) -> Result<Self::Handle, Self::Error>;
    /// The str opcodes, and Python 2 strings decoded per
    /// [`super::LoadOptions::encoding`].
    fn str(&mut self, text: PickleStr<'_>) -> Result<Self::Handle, Self::Error>;
    /// A non-ASCII BINUNICODE-family string straight from the input, not
    /// yet checked: a sink whose own string constructor validates UTF-8
    /// (lone surrogates allowed, as [`PickleStr`] allows them) can build it
    /// here and spare the machine a second pass over the bytes. Returns
    /// `None` when the bytes are not valid that way; the machine then
    /// validates them itself and reports the error as it always does. The
    /// default declines, so the machine validates before calling
    /// [`PickleSink::str`].
    fn str_validating(&mut self, bytes: &[u8]) -> Option<Result<Self::Handle, Self::Error>> {
        let _ = bytes;
        None
    }
    /// The bytes opcodes, and Python 2 strings when the encoding is
    /// [`super::StringEncoding::Bytes`].
    fn bytes(&mut self, bytes: &[u8]) -> Result<Self::Handle, Self::Error>;
    /// A Python 2 string when the encoding is
    /// [`super::StringEncoding::Delegated`]: the sink decodes it. Without a
    /// decoder of its own a sink keeps the bytes.
    fn python2_str(&mut self, raw: &[u8]) -> Result<Self::Handle, Self::Error> {
        self.bytes(raw)
    }
    /// BYTEARRAY8.
    fn bytearray(&mut self, bytes: &[u8]) -> Result<Self::Handle, Self::Error>;

    /// EMPTY_LIST, and LIST before its items are added with
    /// [`PickleSink::list_extend`].
    fn empty_list(&mut self) -> Result<Self::Handle, Self::Error>;
    /// EMPTY_DICT, and DICT before its items are set with
    /// [`PickleSink::dict_set_items`].
    fn empty_dict(&mut self) -> Result<Self::Handle, Self::Error>;
    /// EMPTY_SET.
    fn empty_set(&mut self) -> Result<Self::Handle, Self::Error>;
    /// EMPTY_TUPLE, TUPLE1-3, TUPLE, and the argument tuples of INST and OBJ.
    fn tuple(&mut self, items: Items<'_, Self::Handle>) -> Result<Self::Handle, Self::Error>;
    /// FROZENSET.
    fn frozenset(&mut self, items: Items<'_, Self::Handle>) -> Result<Self::Handle, Self::Error>;

    /// APPEND, APPENDS and LIST. The target is a list, or a value of a type
    /// the machine cannot know (the result of a call, which CPython would
    /// `extend` or `append` to).
    fn list_extend(
        &mut self,
        target: &Self::Handle,
        items: Items<'_, Self::Handle>,
    ) -> Result<(), Self::Error>;
    /// SETITEM, SETITEMS and DICT, in order; a repeated key replaces the
    /// value as `target[key] = value` would. The target is a dict or a value
    /// of unknown type.
    fn dict_set_items(
        &mut self,
        target: &Self::Handle,
        pairs: Pairs<'_, Self::Handle>,
    ) -> Result<(), Self::Error>;
    /// ADDITEMS. The target is a set or a value of unknown type (CPython
    /// calls its `add`).
    fn set_add(
        &mut self,
        target: &Self::Handle,
        items: Items<'_, Self::Handle>,
    ) -> Result<(), Self::Error>;

    /// GLOBAL, STACK_GLOBAL, INST's class, and the name an extension code
    /// resolves to. `fix_imports` has been applied; `qualname` may be dotted
    /// (see [`super::names`] for what a policy must make of the dots).
    fn global(&mut self, module: &str, qualname: &str) -> Result<Self::Handle, Self::Error>;
    /// REDUCE: `callable(*args)`. `args` is a tuple made by this sink; the
    /// callable is a global or a value of unknown type.
    fn call(
        &mut self,
        callable: Self::Handle,
        args: Self::Handle,
    ) -> Result<Self::Handle, Self::Error>;
    /// NEWOBJ and NEWOBJ_EX: `cls.__new__(cls, *args, **kwargs)`. `args` is a
    /// tuple and `kwargs` a dict made by this sink.
    fn new_object(
        &mut self,
        cls: Self::Handle,
        args: Self::Handle,
        kwargs: Option<Self::Handle>,
    ) -> Result<Self::Handle, Self::Error>;
    /// INST and OBJ. CPython calls `cls.__new__(cls)` when there are no
    /// arguments, `cls` is a class and it has no `__getinitargs__`, and
    /// `cls(*args)` otherwise. The core cannot inspect `cls`, so by default
    /// an empty argument list means [`PickleSink::new_object`] and anything
    /// else [`PickleSink::call`]; a sink holding real classes can decide
    /// exactly.
    fn instantiate(
        &mut self,
        cls: Self::Handle,
        args: Self::Handle,
        arg_count: usize,
    ) -> Result<Self::Handle, Self::Error> {
        if arg_count == 0 {
            self.new_object(cls, args, None)
        } else {
            self.call(cls, args)
        }
    }
    /// BUILD: `__setstate__(state)`, or merging `state` into the object's
    /// `__dict__` (and a `(dict, slots)` pair into its slots). The target is
    /// a value of unknown type; the object stays on the stack.
    fn build(&mut self, target: &Self::Handle, state: Self::Handle) -> Result<(), Self::Error>;

    /// How many bytes right after a BUILD the loader reads by itself rather
    /// than as opcodes. Plain pickles have none; joblib's unpickler reads a
    /// numpy array's data there, after BUILD sets its wrapper's state.
    /// `input[at..]` is what follows the BUILD; the machine skips the count
    /// returned and goes on with the opcodes after it.
    fn out_of_band_after_build(
        &mut self,
        _target: &Self::Handle,
        _input: &[u8],
        _at: usize,
    ) -> Result<usize, Self::Error> {
        Ok(0)
    }

    /// PERSID (with `pid` a str) and BINPERSID: what the unpickler's
    /// `persistent_load(pid)` would return.
    fn persistent_load(&mut self, pid: Self::Handle) -> Result<Self::Handle, Self::Error>;
    /// EXT1, EXT2, EXT4: the object registered under `code` (always
    /// positive) with `copyreg.add_extension`. The core has no registry;
    /// a sink that has one resolves the code to a `(module, name)` and
    /// treats it like [`PickleSink::global`].
    fn extension(&mut self, code: u32) -> Result<Self::Handle, Self::Error>;
    /// NEXT_BUFFER: the next out-of-band buffer given to the loader.
    fn next_buffer(&mut self) -> Result<Self::Handle, Self::Error>;
    /// READONLY_BUFFER: a read-only view of `buffer`, which replaces it on
    /// the stack. A sink without mutable buffers may return it unchanged.
    fn readonly_buffer(&mut self, buffer: Self::Handle) -> Result<Self::Handle, Self::Error>;
}
