//! Opcodes that push a scalar: None, bools, numbers, strings and bytes.

use super::{Codec, Kind, Machine, Step, TextSource};
use crate::pickle::opcodes::*;
use crate::pickle::read::Short;
use crate::pickle::sink::{PickleSink, PickleStr};
use crate::pickle::text::{self, IntArg, Integer, Py2Encoding};
use crate::pickle::StringEncoding;

impl<'a, S: PickleSink> Machine<'a, '_, '_, S> {
    pub(super) fn number(&mut self, op: u8) -> Step<S::Error> {
        match op {
            NONE => {
                let made = self.sink.none();
                self.produce(made, Kind::None)
            }
            NEWTRUE | NEWFALSE => {
                let made = self.sink.bool(op == NEWTRUE);
                self.produce(made, Kind::Bool)
            }
            INT => {
                let line = self.nonempty_line()?;
                match text::int_arg(line).map_err(|message| self.syntax(message))? {
                    IntArg::Bool(value) => {
                        let made = self.sink.bool(value);
                        self.produce(made, Kind::Bool)
                    }
                    IntArg::Int(value) => self.integer(value),
                }
            }
            BININT => {
                let value = self.reader.i32().map_err(|s| self.short(s))?;
                self.small_int(value.into())
            }
            BININT1 => {
                let value = self.reader.u8().map_err(|s| self.short(s))?;
                self.small_int(value.into())
            }
            BININT2 => {
                let value = self.reader.u16().map_err(|s| self.short(s))?;
                self.small_int(value.into())
            }
            LONG => {
                let line = self.nonempty_line()?;
                let value = text::long_arg(line).map_err(|message| self.syntax(message))?;
                self.integer(value)
            }
            LONG1 => {
                let len = self.reader.u8().map_err(|s| self.short(s))?;
                let bytes = self.reader.take(len.into()).map_err(|s| self.short(s))?;
                self.long_bytes(bytes)
            }
            LONG4 => {
                let len = self.reader.i32().map_err(|s| self.short(s))?;
                let len = u64::try_from(len).map_err(|_| self.syntax("negative byte count"))?;
                let bytes = self.reader.take(len).map_err(|s| self.short(s))?;
                self.long_bytes(bytes)
            }
            FLOAT => {
                let line = self.nonempty_line()?;
                let value = text::float_arg(line).map_err(|message| self.syntax(message))?;
                let made = self.sink.float(value);
                self.produce(made, Kind::Float)
            }
            BINFLOAT => {
                let value = self.reader.f64_be().map_err(|s| self.short(s))?;
                let made = self.sink.float(value);
                self.produce(made, Kind::Float)
            }
            _ => Err(self.syntax("not a number opcode")),
        }
    }

    fn small_int(&mut self, value: i64) -> Step<S::Error> {
        let made = self.sink.int(value);
        self.produce(made, Kind::Int)
    }

    fn integer(&mut self, value: Integer) -> Step<S::Error> {
        match value {
            Integer::Small(value) => self.small_int(value),
            Integer::Big(value) => {
                let made = self.sink.big_int(&value.to_signed_bytes_le());
                self.produce(made, Kind::Int)
            }
        }
    }

    /// LONG1/LONG4 payloads, which may carry redundant sign bytes: values
    /// that fit in 64 bits go to [`PickleSink::int`] whatever their length.
    fn long_bytes(&mut self, bytes: &[u8]) -> Step<S::Error> {
        let negative = bytes.last().is_some_and(|&b| b & 0x80 != 0);
        let filler = if negative { 0xFF } else { 0x00 };
        let mut len = bytes.len();
        // Drop a filler byte while the byte below it still carries the sign.
        while len > 1 && bytes[len - 1] == filler && (bytes[len - 2] & 0x80 != 0) == negative {
            len -= 1;
        }
        let bytes = &bytes[..len];
        if bytes.len() <= 8 {
            let mut word = [filler; 8];
            word[..bytes.len()].copy_from_slice(bytes);
            return self.small_int(i64::from_le_bytes(word));
        }
        let made = self.sink.big_int(bytes);
        self.produce(made, Kind::Int)
    }

    /// SHORT_BINUNICODE, BINUNICODE, BINUNICODE8, once the step has read
    /// the length (each reads its own, sparing a second match on the
    /// opcode for the most common value there is).
    // Hot: the machine's loop, not a call, should reach it.
    #[inline(always)]
    pub(super) fn unicode(&mut self, len: Result<u64, Short>) -> Step<S::Error> {
        let len = len.map_err(|s| self.short(s))?;
        let bytes = self.reader.take(len).map_err(|s| self.short(s))?;
        // Most strings are ASCII, which is valid UTF-8 and checked
        // far faster than by the general validator.
        let ascii = bytes.is_ascii();
        if !ascii {
            if let Some(made) = self.sink.str_validating(bytes) {
                return self.produce(made, Kind::Str(self.source(bytes, Codec::Utf8)));
            }
        }
        let surrogates = !ascii
            && text::check_utf8_surrogatepass(bytes)
                .map_err(|at| self.syntax(format!("invalid UTF-8 at byte {at} of the string")))?;
        let made = self.sink.str(PickleStr {
            bytes,
            surrogates,
            ascii,
        });
        self.produce(made, Kind::Str(self.source(bytes, Codec::Utf8)))
    }

    pub(super) fn string(&mut self, op: u8) -> Step<S::Error> {
        match op {
            STRING => {
                let line = self.reader.line().map_err(|s| self.short(s))?;
                let inner = text::unquote(line)
                    .ok_or_else(|| self.syntax("the argument must be quoted"))?;
                let mut decoded = std::mem::take(&mut self.text);
                let escaped = text::escape_decode(inner, &mut decoded);
                let result = match escaped {
                    Ok(()) => self.py2_string(&decoded, self.source(inner, Codec::Py2Escaped)),
                    Err(message) => Err(self.syntax(message)),
                };
                self.text = decoded;
                result
            }
            BINSTRING => {
                let len = self.reader.i32().map_err(|s| self.short(s))?;
                let len = u64::try_from(len).map_err(|_| self.syntax("negative byte count"))?;
                let bytes = self.reader.take(len).map_err(|s| self.short(s))?;
                self.py2_string(bytes, self.source(bytes, Codec::Py2))
            }
            SHORT_BINSTRING => {
                let len = self.reader.u8().map_err(|s| self.short(s))?;
                let bytes = self.reader.take(len.into()).map_err(|s| self.short(s))?;
                self.py2_string(bytes, self.source(bytes, Codec::Py2))
            }
            UNICODE => {
                let line = self.reader.line().map_err(|s| self.short(s))?;
                let mut decoded = std::mem::take(&mut self.text);
                let result = match text::raw_unicode_escape_decode(line, &mut decoded) {
                    Ok(surrogates) => {
                        let made = self.sink.str(PickleStr {
                            bytes: &decoded,
                            surrogates,
                            ascii: decoded.is_ascii(),
                        });
                        let kind = Kind::Str(self.source(line, Codec::RawUnicodeEscape));
                        self.produce(made, kind)
                    }
                    Err(message) => Err(self.syntax(message)),
                };
                self.text = decoded;
                result
            }
            SHORT_BINBYTES | BINBYTES | BINBYTES8 | BYTEARRAY8 => {
                let len = match op {
                    SHORT_BINBYTES => self.reader.u8().map(u64::from),
                    BINBYTES => self.reader.u32().map(u64::from),
                    _ => self.reader.u64(),
                };
                let len = len.map_err(|s| self.short(s))?;
                let bytes = self.reader.take(len).map_err(|s| self.short(s))?;
                if op == BYTEARRAY8 {
                    let made = self.sink.bytearray(bytes);
                    self.produce(made, Kind::ByteArray)
                } else {
                    let made = self.sink.bytes(bytes);
                    self.produce(made, Kind::Bytes)
                }
            }
            _ => Err(self.syntax("not a string opcode")),
        }
    }

    /// Where `argument`, a slice of the input, lies in it.
    fn source(&self, argument: &[u8], codec: Codec) -> TextSource {
        let start = (argument.as_ptr() as usize).wrapping_sub(self.input.as_ptr() as usize);
        TextSource::new(start, argument.len(), codec)
    }

    fn py2_encoding(&self) -> Option<Py2Encoding> {
        match self.options.encoding {
            StringEncoding::Ascii => Some(Py2Encoding::Ascii),
            StringEncoding::Latin1 => Some(Py2Encoding::Latin1),
            StringEncoding::Utf8 => Some(Py2Encoding::Utf8),
            StringEncoding::Bytes | StringEncoding::Delegated => None,
        }
    }

    /// A Python 2 `str`, decoded as `pickle.loads(encoding=...)` would.
    fn py2_string(&mut self, raw: &[u8], source: TextSource) -> Step<S::Error> {
        if self.options.encoding == StringEncoding::Delegated {
            let made = self.sink.python2_str(raw);
            return self.produce(made, Kind::Str(source));
        }
        let Some(encoding) = self.py2_encoding() else {
            let made = self.sink.bytes(raw);
            return self.produce(made, Kind::Bytes);
        };
        let decoded = text::decode_py2(raw, encoding).map_err(|message| self.syntax(message))?;
        let made = self.sink.str(PickleStr {
            bytes: &decoded,
            surrogates: false,
            ascii: decoded.is_ascii(),
        });
        self.produce(made, Kind::Str(source))
    }

    /// The text of a string value, for STACK_GLOBAL, decoded again from the
    /// input: names are short, and this keeps the sink out of it.
    pub(super) fn text_of(&self, source: TextSource) -> Result<String, String> {
        let raw = source
            .range()
            .and_then(|range| self.input.get(range))
            .ok_or_else(|| "the string lies beyond 4 GiB into the input".to_owned())?;
        let no_surrogates = || "the name holds a lone surrogate".to_owned();
        let mut decoded = Vec::new();
        match source.codec {
            Codec::Utf8 => decoded.extend_from_slice(raw),
            Codec::RawUnicodeEscape => {
                if text::raw_unicode_escape_decode(raw, &mut decoded)? {
                    return Err(no_surrogates());
                }
            }
            Codec::Py2 | Codec::Py2Escaped => {
                // A delegated codec is the sink's; names are ASCII in any
                // codec that can spell a module name.
                let encoding = match self.options.encoding {
                    StringEncoding::Delegated => Py2Encoding::Ascii,
                    _ => self
                        .py2_encoding()
                        .ok_or_else(|| "Python 2 strings are read as bytes".to_owned())?,
                };
                let mut unescaped = Vec::new();
                let raw = if source.codec == Codec::Py2Escaped {
                    text::escape_decode(raw, &mut unescaped)?;
                    &unescaped[..]
                } else {
                    raw
                };
                decoded = text::decode_py2(raw, encoding)?.into_owned();
            }
        }
        String::from_utf8(decoded).map_err(|_| no_surrogates())
    }
}
