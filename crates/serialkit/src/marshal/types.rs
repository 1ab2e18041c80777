//! Marshal's type codes (CPython's `Python/marshal.c`).

pub const FLAG_REF: u8 = 0x80;

pub const TYPE_NULL: u8 = b'0';
pub const TYPE_NONE: u8 = b'N';
pub const TYPE_FALSE: u8 = b'F';
pub const TYPE_TRUE: u8 = b'T';
pub const TYPE_STOPITER: u8 = b'S';
pub const TYPE_ELLIPSIS: u8 = b'.';
pub const TYPE_INT: u8 = b'i';
/// Not written since Python 2; still read.
pub const TYPE_INT64: u8 = b'I';
pub const TYPE_FLOAT: u8 = b'f';
pub const TYPE_BINARY_FLOAT: u8 = b'g';
pub const TYPE_COMPLEX: u8 = b'x';
pub const TYPE_BINARY_COMPLEX: u8 = b'y';
pub const TYPE_LONG: u8 = b'l';
pub const TYPE_STRING: u8 = b's';
pub const TYPE_INTERNED: u8 = b't';
pub const TYPE_REF: u8 = b'r';
pub const TYPE_TUPLE: u8 = b'(';
pub const TYPE_LIST: u8 = b'[';
pub const TYPE_DICT: u8 = b'{';
pub const TYPE_CODE: u8 = b'c';
pub const TYPE_UNICODE: u8 = b'u';
pub const TYPE_SET: u8 = b'<';
pub const TYPE_FROZENSET: u8 = b'>';
pub const TYPE_ASCII: u8 = b'a';
pub const TYPE_ASCII_INTERNED: u8 = b'A';
pub const TYPE_SMALL_TUPLE: u8 = b')';
pub const TYPE_SHORT_ASCII: u8 = b'z';
pub const TYPE_SHORT_ASCII_INTERNED: u8 = b'Z';
/// Version 5 (Python 3.14): a slice, then its start, stop and step.
pub const TYPE_SLICE: u8 = b':';
