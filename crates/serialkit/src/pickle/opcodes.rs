//! The opcodes of pickle protocols 0 to 5: each one's byte, name, how its
//! argument is encoded and the protocol that introduced it. The machine
//! dispatches on the byte constants; the table serves error messages and
//! tools that disassemble pickles. A test checks it against `pickletools`.

/// How an opcode's argument is laid out after the opcode byte. The names
/// follow `pickletools`' argument descriptors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arg {
    None,
    /// Decimal text up to a newline; `00`/`01` stand for False/True (INT).
    DecimalNlShort,
    /// Decimal text up to a newline with an optional trailing `L`.
    DecimalNlLong,
    Uint1,
    Uint2,
    Uint4,
    Uint8,
    Int4,
    /// A one-byte length, then a little-endian two's-complement integer.
    Long1,
    /// A four-byte signed length, then a little-endian two's-complement integer.
    Long4,
    /// A quoted string with Python 2 escapes, up to a newline.
    StringNl,
    /// Text up to a newline, without escapes.
    StringNlNoescape,
    /// Two lines of text (module, then name).
    StringNlNoescapePair,
    String1,
    String4,
    Bytes1,
    Bytes4,
    Bytes8,
    ByteArray8,
    /// raw-unicode-escape text up to a newline.
    UnicodeStringNl,
    UnicodeString1,
    UnicodeString4,
    UnicodeString8,
    /// A float's repr up to a newline.
    FloatNl,
    /// A big-endian IEEE 754 double.
    Float8,
}

impl Arg {
    /// The name `pickletools` gives this layout, if the opcode has an argument.
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            Arg::None => return None,
            Arg::DecimalNlShort => "decimalnl_short",
            Arg::DecimalNlLong => "decimalnl_long",
            Arg::Uint1 => "uint1",
            Arg::Uint2 => "uint2",
            Arg::Uint4 => "uint4",
            Arg::Uint8 => "uint8",
            Arg::Int4 => "int4",
            Arg::Long1 => "long1",
            Arg::Long4 => "long4",
            Arg::StringNl => "stringnl",
            Arg::StringNlNoescape => "stringnl_noescape",
            Arg::StringNlNoescapePair => "stringnl_noescape_pair",
            Arg::String1 => "string1",
            Arg::String4 => "string4",
            Arg::Bytes1 => "bytes1",
            Arg::Bytes4 => "bytes4",
            Arg::Bytes8 => "bytes8",
            Arg::ByteArray8 => "bytearray8",
            Arg::UnicodeStringNl => "unicodestringnl",
            Arg::UnicodeString1 => "unicodestring1",
            Arg::UnicodeString4 => "unicodestring4",
            Arg::UnicodeString8 => "unicodestring8",
            Arg::FloatNl => "floatnl",
            Arg::Float8 => "float8",
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpcodeInfo {
    pub code: u8,
    pub name: &'static str,
    pub arg: Arg,
    /// The protocol that introduced the opcode.
    pub proto: u8,
}

const fn op(code: u8, name: &'static str, arg: Arg, proto: u8) -> OpcodeInfo {
    OpcodeInfo {
        code,
        name,
        arg,
        proto,
    }
}

pub const INT: u8 = b'I';
pub const BININT: u8 = b'J';
pub const BININT1: u8 = b'K';
pub const BININT2: u8 = b'M';
pub const LONG: u8 = b'L';
pub const LONG1: u8 = 0x8A;
pub const LONG4: u8 = 0x8B;
pub const STRING: u8 = b'S';
pub const BINSTRING: u8 = b'T';
pub const SHORT_BINSTRING: u8 = b'U';
pub const BINBYTES: u8 = b'B';
pub const SHORT_BINBYTES: u8 = b'C';
pub const BINBYTES8: u8 = 0x8E;
pub const BYTEARRAY8: u8 = 0x96;
pub const NEXT_BUFFER: u8 = 0x97;
pub const READONLY_BUFFER: u8 = 0x98;
pub const NONE: u8 = b'N';
pub const NEWTRUE: u8 = 0x88;
pub const NEWFALSE: u8 = 0x89;
pub const UNICODE: u8 = b'V';
pub const SHORT_BINUNICODE: u8 = 0x8C;
pub const BINUNICODE: u8 = b'X';
pub const BINUNICODE8: u8 = 0x8D;
pub const FLOAT: u8 = b'F';
pub const BINFLOAT: u8 = b'G';
pub const EMPTY_LIST: u8 = b']';
pub const APPEND: u8 = b'a';
pub const APPENDS: u8 = b'e';
pub const LIST: u8 = b'l';
pub const EMPTY_TUPLE: u8 = b')';
pub const TUPLE: u8 = b't';
pub const TUPLE1: u8 = 0x85;
pub const TUPLE2: u8 = 0x86;
pub const TUPLE3: u8 = 0x87;
pub const EMPTY_DICT: u8 = b'}';
pub const DICT: u8 = b'd';
pub const SETITEM: u8 = b's';
pub const SETITEMS: u8 = b'u';
pub const EMPTY_SET: u8 = 0x8F;
pub const ADDITEMS: u8 = 0x90;
pub const FROZENSET: u8 = 0x91;
pub const POP: u8 = b'0';
pub const DUP: u8 = b'2';
pub const MARK: u8 = b'(';
pub const POP_MARK: u8 = b'1';
pub const GET: u8 = b'g';
pub const BINGET: u8 = b'h';
pub const LONG_BINGET: u8 = b'j';
pub const PUT: u8 = b'p';
pub const BINPUT: u8 = b'q';
pub const LONG_BINPUT: u8 = b'r';
pub const MEMOIZE: u8 = 0x94;
pub const EXT1: u8 = 0x82;
pub const EXT2: u8 = 0x83;
pub const EXT4: u8 = 0x84;
pub const GLOBAL: u8 = b'c';
pub const STACK_GLOBAL: u8 = 0x93;
pub const REDUCE: u8 = b'R';
pub const BUILD: u8 = b'b';
pub const INST: u8 = b'i';
pub const OBJ: u8 = b'o';
pub const NEWOBJ: u8 = 0x81;
pub const NEWOBJ_EX: u8 = 0x92;
pub const PROTO: u8 = 0x80;
pub const STOP: u8 = b'.';
pub const FRAME: u8 = 0x95;
pub const PERSID: u8 = b'P';
pub const BINPERSID: u8 = b'Q';

/// Every opcode, in `pickletools.opcodes` order.
pub static OPCODES: [OpcodeInfo; 68] = [
    op(INT, "INT", Arg::DecimalNlShort, 0),
    op(BININT, "BININT", Arg::Int4, 1),
    op(BININT1, "BININT1", Arg::Uint1, 1),
    op(BININT2, "BININT2", Arg::Uint2, 1),
    op(LONG, "LONG", Arg::DecimalNlLong, 0),
    op(LONG1, "LONG1", Arg::Long1, 2),
    op(LONG4, "LONG4", Arg::Long4, 2),
    op(STRING, "STRING", Arg::StringNl, 0),
    op(BINSTRING, "BINSTRING", Arg::String4, 1),
    op(SHORT_BINSTRING, "SHORT_BINSTRING", Arg::String1, 1),
    op(BINBYTES, "BINBYTES", Arg::Bytes4, 3),
    op(SHORT_BINBYTES, "SHORT_BINBYTES", Arg::Bytes1, 3),
    op(BINBYTES8, "BINBYTES8", Arg::Bytes8, 4),
    op(BYTEARRAY8, "BYTEARRAY8", Arg::ByteArray8, 5),
    op(NEXT_BUFFER, "NEXT_BUFFER", Arg::None, 5),
    op(READONLY_BUFFER, "READONLY_BUFFER", Arg::None, 5),
    op(NONE, "NONE", Arg::None, 0),
    op(NEWTRUE, "NEWTRUE", Arg::None, 2),
    op(NEWFALSE, "NEWFALSE", Arg::None, 2),
    op(UNICODE, "UNICODE", Arg::UnicodeStringNl, 0),
    op(SHORT_BINUNICODE, "SHORT_BINUNICODE", Arg::UnicodeString1, 4),
    op(BINUNICODE, "BINUNICODE", Arg::UnicodeString4, 1),
    op(BINUNICODE8, "BINUNICODE8", Arg::UnicodeString8, 4),
    op(FLOAT, "FLOAT", Arg::FloatNl, 0),
    op(BINFLOAT, "BINFLOAT", Arg::Float8, 1),
    op(EMPTY_LIST, "EMPTY_LIST", Arg::None, 1),
    op(APPEND, "APPEND", Arg::None, 0),
    op(APPENDS, "APPENDS", Arg::None, 1),
    op(LIST, "LIST", Arg::None, 0),
    op(EMPTY_TUPLE, "EMPTY_TUPLE", Arg::None, 1),
    op(TUPLE, "TUPLE", Arg::None, 0),
    op(TUPLE1, "TUPLE1", Arg::None, 2),
    op(TUPLE2, "TUPLE2", Arg::None, 2),
    op(TUPLE3, "TUPLE3", Arg::None, 2),
    op(EMPTY_DICT, "EMPTY_DICT", Arg::None, 1),
    op(DICT, "DICT", Arg::None, 0),
    op(SETITEM, "SETITEM", Arg::None, 0),
    op(SETITEMS, "SETITEMS", Arg::None, 1),
    op(EMPTY_SET, "EMPTY_SET", Arg::None, 4),
    op(ADDITEMS, "ADDITEMS", Arg::None, 4),
    op(FROZENSET, "FROZENSET", Arg::None, 4),
    op(POP, "POP", Arg::None, 0),
    op(DUP, "DUP", Arg::None, 0),
    op(MARK, "MARK", Arg::None, 0),
    op(POP_MARK, "POP_MARK", Arg::None, 1),
    op(GET, "GET", Arg::DecimalNlShort, 0),
    op(BINGET, "BINGET", Arg::Uint1, 1),
    op(LONG_BINGET, "LONG_BINGET", Arg::Uint4, 1),
    op(PUT, "PUT", Arg::DecimalNlShort, 0),
    op(BINPUT, "BINPUT", Arg::Uint1, 1),
    op(LONG_BINPUT, "LONG_BINPUT", Arg::Uint4, 1),
    op(MEMOIZE, "MEMOIZE", Arg::None, 4),
    op(EXT1, "EXT1", Arg::Uint1, 2),
    op(EXT2, "EXT2", Arg::Uint2, 2),
    op(EXT4, "EXT4", Arg::Int4, 2),
    op(GLOBAL, "GLOBAL", Arg::StringNlNoescapePair, 0),
    op(STACK_GLOBAL, "STACK_GLOBAL", Arg::None, 4),
    op(REDUCE, "REDUCE", Arg::None, 0),
    op(BUILD, "BUILD", Arg::None, 0),
    op(INST, "INST", Arg::StringNlNoescapePair, 0),
    op(OBJ, "OBJ", Arg::None, 1),
    op(NEWOBJ, "NEWOBJ", Arg::None, 2),
    op(NEWOBJ_EX, "NEWOBJ_EX", Arg::None, 4),
    op(PROTO, "PROTO", Arg::Uint1, 2),
    op(STOP, "STOP", Arg::None, 0),
    op(FRAME, "FRAME", Arg::Uint8, 4),
    op(PERSID, "PERSID", Arg::StringNlNoescape, 0),
    op(BINPERSID, "BINPERSID", Arg::None, 1),
];

const UNKNOWN: u8 = u8::MAX;

/// Maps an opcode byte to its row in [`OPCODES`], built at compile time so
/// that looking up a name on the error path costs one index.
static INDEX: [u8; 256] = {
    let mut index = [UNKNOWN; 256];
    let mut row = 0;
    while row < OPCODES.len() {
        index[OPCODES[row].code as usize] = row as u8;
        row += 1;
    }
    index
};

/// The opcode a byte stands for, if any.
pub fn info(code: u8) -> Option<&'static OpcodeInfo> {
    match INDEX[code as usize] {
        UNKNOWN => None,
        row => OPCODES.get(row as usize),
    }
}

/// The opcode's name, or `"unknown opcode"` for bytes that are not opcodes.
pub fn name(code: u8) -> &'static str {
    info(code).map_or("unknown opcode", |info| info.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_indexed() {
        for (row, opcode) in OPCODES.iter().enumerate() {
            assert_eq!(info(opcode.code), Some(&OPCODES[row]));
        }
        let known = (0..=255u8).filter(|&code| info(code).is_some()).count();
        assert_eq!(known, OPCODES.len());
        assert_eq!(name(0xFF), "unknown opcode");
    }
}
