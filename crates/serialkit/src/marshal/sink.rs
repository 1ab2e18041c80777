//! The interface between the marshal parser and whatever builds values
//! from it: [`super::value_sink::ValueSink`] builds [`crate::Value`]s, the
//! Python bindings build Python objects directly.
//!
//! The parser checks everything the stream alone reveals (type codes,
//! sizes against the input left, references to unset slots, depth) before
//! calling the sink, so a sink only refuses what it cannot represent.

/// How a string was stored. Marshal's "ASCII" forms are not checked by
/// CPython: their bytes are Latin-1 code points, so they are passed on as
/// such.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StrKind {
    /// One byte per character (TYPE_ASCII, TYPE_SHORT_ASCII and their
    /// interned forms). Pure ASCII when `ascii` is set in [`MarshalStr`].
    Latin1,
    /// UTF-8 that may hold lone surrogates (`surrogatepass`), as
    /// TYPE_UNICODE and TYPE_INTERNED store it.
    Utf8,
}

#[derive(Clone, Copy, Debug)]
pub struct MarshalStr<'s> {
    pub bytes: &'s [u8],
    pub kind: StrKind,
    /// Every byte is below 0x80, so both kinds read the same.
    pub ascii: bool,
    /// The stream asks for the string to be interned.
    pub interned: bool,
}

/// How code objects are laid out: it changed with Python versions, and a
/// marshal stream does not say which it holds (a `.pyc` header does).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CodeLayout {
    /// Python 3.11 and later.
    #[default]
    Py311,
    /// Python 3.10 (like 3.8 but with `co_linetable`).
    Py310,
    /// Python 3.8 and 3.9.
    Py38,
}

impl CodeLayout {
    /// The layout written by a Python version, if it is one serialkit reads.
    pub fn for_python(version: (u8, u8)) -> Option<CodeLayout> {
        match version {
            (3, minor) if minor >= 11 => Some(CodeLayout::Py311),
            (3, 10) => Some(CodeLayout::Py310),
            (3, 8 | 9) => Some(CodeLayout::Py38),
            _ => None,
        }
    }

    /// The object fields, in stream order; `co_firstlineno` (an int) comes
    /// just before the field at [`CodeLayout::FIRSTLINENO_BEFORE`].
    pub fn object_fields(self) -> &'static [&'static str] {
        match self {
            CodeLayout::Py311 => &CODE_OBJECT_FIELDS,
            CodeLayout::Py310 => &[
                "co_code",
                "co_consts",
                "co_names",
                "co_varnames",
                "co_freevars",
                "co_cellvars",
                "co_filename",
                "co_name",
                "co_linetable",
            ],
            CodeLayout::Py38 => &[
                "co_code",
                "co_consts",
                "co_names",
                "co_varnames",
                "co_freevars",
                "co_cellvars",
                "co_filename",
                "co_name",
                "co_lnotab",
            ],
        }
    }

    pub const FIRSTLINENO_BEFORE: usize = 8;

    /// Whether `co_nlocals` is stored (before 3.11 it was).
    pub fn has_nlocals(self) -> bool {
        self != CodeLayout::Py311
    }
}

/// The scalar fields of a code object.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CodeInts {
    pub layout: CodeLayout,
    pub argcount: i32,
    pub posonlyargcount: i32,
    pub kwonlyargcount: i32,
    /// Stored before Python 3.11 only (0 otherwise).
    pub nlocals: i32,
    pub stacksize: i32,
    pub flags: i32,
    pub firstlineno: i32,
}

/// The object fields of a CPython 3.11+ code object, in stream order.
pub const CODE_OBJECT_FIELDS: [&str; 10] = [
    "co_code",
    "co_consts",
    "co_names",
    "co_localsplusnames",
    "co_localspluskinds",
    "co_filename",
    "co_name",
    "co_qualname",
    "co_linetable",
    "co_exceptiontable",
];

/// Receives the values of a marshal stream. Containers are created first
/// and filled afterwards, as CPython does, because a stream may refer to a
/// list, dict, set or tuple from inside it.
pub trait MarshalSink {
    type Obj;
    type Error;

    fn none(&mut self) -> Result<Self::Obj, Self::Error>;
    fn stop_iteration(&mut self) -> Result<Self::Obj, Self::Error>;
    fn ellipsis(&mut self) -> Result<Self::Obj, Self::Error>;
    fn bool(&mut self, value: bool) -> Result<Self::Obj, Self::Error>;
    fn int(&mut self, value: i64) -> Result<Self::Obj, Self::Error>;
    /// An integer beyond 64 bits: its magnitude in little-endian bytes.
    fn big_int(&mut self, negative: bool, magnitude: &[u8]) -> Result<Self::Obj, Self::Error>;
    fn float(&mut self, value: f64) -> Result<Self::Obj, Self::Error>;
    fn complex(&mut self, real: f64, imag: f64) -> Result<Self::Obj, Self::Error>;
    fn bytes(&mut self, value: &[u8]) -> Result<Self::Obj, Self::Error>;
    fn str(&mut self, value: MarshalStr<'_>) -> Result<Self::Obj, Self::Error>;

    /// A tuple of `len` items, filled by `tuple_set` at every index in
    /// order. It may be referred to before it is full.
    fn tuple(&mut self, len: usize) -> Result<Self::Obj, Self::Error>;
    fn tuple_set(&mut self, tuple: &mut Self::Obj, index: usize, item: Self::Obj);
    fn list(&mut self, len: usize) -> Result<Self::Obj, Self::Error>;
    fn list_set(&mut self, list: &mut Self::Obj, index: usize, item: Self::Obj);
    fn dict(&mut self) -> Result<Self::Obj, Self::Error>;
    fn dict_set(
        &mut self,
        dict: &mut Self::Obj,
        key: Self::Obj,
        value: Self::Obj,
    ) -> Result<(), Self::Error>;
    fn set(&mut self, len: usize) -> Result<Self::Obj, Self::Error>;
    fn set_add(&mut self, set: &mut Self::Obj, item: Self::Obj) -> Result<(), Self::Error>;
    /// Frozensets are built whole: they cannot be referred to until done.
    fn frozenset(&mut self, items: Vec<Self::Obj>) -> Result<Self::Obj, Self::Error>;
    /// A code object, from its fields (named by `ints.layout`).
    fn code(&mut self, ints: CodeInts, objects: Vec<Self::Obj>) -> Result<Self::Obj, Self::Error>;
    /// A slice (version 5), built whole like a frozenset.
    fn slice(
        &mut self,
        start: Self::Obj,
        stop: Self::Obj,
        step: Self::Obj,
    ) -> Result<Self::Obj, Self::Error>;

    /// Whether TYPE_SLICE is a type code at all. A sink standing in for an
    /// interpreter older than 3.14 says no, so that the stream fails where
    /// that interpreter's reader fails: at the type code, as unknown.
    fn reads_slices(&self) -> bool {
        true
    }

    /// Records `obj` in reference slot `slot` (FLAG_REF). Called when
    /// CPython records it: before a list's, dict's, set's or tuple's items
    /// are read, after a frozenset or code object is complete.
    fn keep(&mut self, slot: u32, obj: &mut Self::Obj);
    /// A new handle to the object kept in `slot` (TYPE_REF). The parser
    /// has checked that the slot was filled.
    fn fetch(&mut self, slot: u32) -> Self::Obj;
}
