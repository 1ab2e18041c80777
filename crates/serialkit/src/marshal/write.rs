//! Writes the core model as marshal data, for conversions from other
//! formats: version 4's forms, and version 5's for slices (which older
//! versions cannot hold). `Shared` nodes get FLAG_REF and `Ref`s become TYPE_REF;
//! nothing else is flagged, since the model says exactly what is shared.

use super::float::write_g17;
use super::sink::CodeLayout;
use super::types::*;
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::value::{ShareId, Value};
use num_bigint::Sign;
use std::collections::HashMap;

/// Marshal version written by [`write`]: what CPython 3.14 writes. Data
/// without slices comes out as version 4 writes it.
pub const VERSION: u8 = 5;

pub fn write(value: &Value, limits: &Limits) -> Result<Vec<u8>> {
    let mut writer = Writer {
        out: Vec::new(),
        slots: HashMap::new(),
        next_slot: 0,
        depth: 0,
        max_depth: limits.max_depth,
    };
    writer.value(value, 0)?;
    Ok(writer.out)
}

struct Writer {
    out: Vec<u8>,
    /// Slot of each Shared id, and whether its value is complete (a
    /// frozenset or code object cannot be referred to from inside).
    slots: HashMap<ShareId, (u32, bool)>,
    next_slot: u32,
    depth: usize,
    max_depth: usize,
}

fn unsupported(what: String) -> Error {
    Error::unsupported(format!("marshal cannot hold {what}"))
}

impl Writer {
    fn long(&mut self, n: i32) {
        self.out.extend_from_slice(&n.to_le_bytes());
    }

    fn size(&mut self, n: usize) -> Result<()> {
        let n = i32::try_from(n)
            .map_err(|_| unsupported("a container or string over 2**31-1".into()))?;
        self.long(n);
        Ok(())
    }

    fn value(&mut self, value: &Value, flag: u8) -> Result<()> {
        if self.depth >= self.max_depth {
            return Err(Error::limit("nesting depth", self.max_depth, None));
        }
        self.depth += 1;
        let result = self.value_body(value, flag);
        self.depth -= 1;
        result
    }

    fn value_body(&mut self, value: &Value, flag: u8) -> Result<()> {
        match value {
            Value::None => self.out.push(TYPE_NONE),
            Value::Bool(false) => self.out.push(TYPE_FALSE),
            Value::Bool(true) => self.out.push(TYPE_TRUE),
            Value::Int(n) => match i32::try_from(*n) {
                Ok(small) => {
                    self.out.push(TYPE_INT | flag);
                    self.long(small);
                }
                Err(_) => {
                    let negative = *n < 0;
                    self.long_int(negative, &n.unsigned_abs().to_le_bytes(), flag)?;
                }
            },
            Value::BigInt(n) => {
                let (sign, magnitude) = n.to_bytes_le();
                self.long_int(sign == Sign::Minus, &magnitude, flag)?;
            }
            Value::Float(x) => {
                self.out.push(TYPE_BINARY_FLOAT | flag);
                self.out.extend_from_slice(&x.to_le_bytes());
            }
            Value::Str(s) => self.str(s, flag)?,
            Value::Bytes(b) => {
                self.out.push(TYPE_STRING | flag);
                self.size(b.len())?;
                self.out.extend_from_slice(b);
            }
            Value::Tuple(items) => {
                if items.len() < 256 {
                    self.out.push(TYPE_SMALL_TUPLE | flag);
                    self.out.push(items.len() as u8);
                } else {
                    self.out.push(TYPE_TUPLE | flag);
                    self.size(items.len())?;
                }
                self.items(items)?;
            }
            Value::List(items) => {
                self.out.push(TYPE_LIST | flag);
                self.size(items.len())?;
                self.items(items)?;
            }
            Value::Set(items) | Value::FrozenSet(items) => {
                let code = if matches!(value, Value::Set(_)) {
                    TYPE_SET
                } else {
                    TYPE_FROZENSET
                };
                self.out.push(code | flag);
                self.size(items.len())?;
                self.items(items)?;
            }
            Value::Dict(entries) => {
                self.out.push(TYPE_DICT | flag);
                for (key, value) in entries {
                    self.value(key, 0)?;
                    self.value(value, 0)?;
                }
                self.out.push(TYPE_NULL);
            }
            Value::Global { module, qualname } => match (module.as_str(), qualname.as_str()) {
                ("builtins", "StopIteration") => self.out.push(TYPE_STOPITER),
                ("builtins", "Ellipsis") => self.out.push(TYPE_ELLIPSIS),
                _ => return Err(unsupported(format!("the global {module}.{qualname}"))),
            },
            Value::Object(object) => self.object(object, flag)?,
            Value::Shared { id, value } => {
                let slot = self.next_slot;
                self.next_slot += 1;
                // Frozensets and code objects enter the table only once
                // complete, so they cannot be referred to from inside.
                let early = !matches!(**value, Value::FrozenSet(_) | Value::Object(_));
                self.slots.insert(*id, (slot, early));
                self.value_body(value, FLAG_REF)?;
                self.slots.insert(*id, (slot, true));
            }
            Value::Ref(id) => match self.slots.get(id) {
                Some(&(slot, true)) => {
                    self.out.push(TYPE_REF);
                    self.long(slot as i32);
                }
                _ => {
                    return Err(unsupported(format!(
                        "a reference to {id} from inside a frozenset or code object, or before it"
                    )))
                }
            },
        }
        Ok(())
    }

    fn items(&mut self, items: &[Value]) -> Result<()> {
        items.iter().try_for_each(|item| self.value(item, 0))
    }

    fn str(&mut self, s: &str, flag: u8) -> Result<()> {
        if s.is_ascii() && s.len() < 256 {
            self.out.push(TYPE_SHORT_ASCII | flag);
            self.out.push(s.len() as u8);
        } else if s.is_ascii() {
            self.out.push(TYPE_ASCII | flag);
            self.size(s.len())?;
        } else {
            self.out.push(TYPE_UNICODE | flag);
            self.size(s.len())?;
        }
        self.out.extend_from_slice(s.as_bytes());
        Ok(())
    }

    /// TYPE_LONG from a little-endian magnitude: 15-bit digits.
    fn long_int(&mut self, negative: bool, magnitude: &[u8], flag: u8) -> Result<()> {
        let bits = magnitude.len() * 8;
        let mut digits: Vec<u16> = (0..bits.div_ceil(15))
            .map(|i| {
                let mut digit = 0u16;
                for bit in 0..15 {
                    let at = i * 15 + bit;
                    if at < bits && magnitude[at / 8] >> (at % 8) & 1 == 1 {
                        digit |= 1 << bit;
                    }
                }
                digit
            })
            .collect();
        while digits.last() == Some(&0) {
            digits.pop();
        }
        if digits.len() <= 2 && !negative && magnitude.len() <= 4 {
            // Reached only for values that fit TYPE_INT: write them so.
            let mut le = [0u8; 4];
            le[..magnitude.len()].copy_from_slice(magnitude);
            if let Ok(small) = i32::try_from(u32::from_le_bytes(le)) {
                self.out.push(TYPE_INT | flag);
                self.long(small);
                return Ok(());
            }
        }
        self.out.push(TYPE_LONG | flag);
        let count =
            i32::try_from(digits.len()).map_err(|_| unsupported("an integer this large".into()))?;
        self.long(if negative { -count } else { count });
        for digit in digits {
            self.out.extend_from_slice(&digit.to_le_bytes());
        }
        Ok(())
    }

    fn object(&mut self, object: &crate::value::Object, flag: u8) -> Result<()> {
        let name = match &object.callable {
            Value::Global { module, qualname } => (module.as_str(), qualname.as_str()),
            _ => ("", ""),
        };
        match (name, object.args.as_slice(), &object.state) {
            (("builtins", "complex"), [Value::Float(re), Value::Float(im)], None) => {
                self.out.push(TYPE_BINARY_COMPLEX | flag);
                self.out.extend_from_slice(&re.to_le_bytes());
                self.out.extend_from_slice(&im.to_le_bytes());
                Ok(())
            }
            (("types", "CodeType"), [], Some(Value::Dict(fields))) => self.code(fields, flag),
            (("builtins", "slice"), [start, stop, step], None) => {
                self.out.push(TYPE_SLICE | flag);
                [start, stop, step]
                    .into_iter()
                    .try_for_each(|item| self.value(item, 0))
            }
            (
                ("codecs", "decode"),
                [Value::Bytes(raw), Value::Str(codec), Value::Str(errors)],
                None,
            ) if codec == "utf-8" && errors == "surrogatepass" => {
                self.out.push(TYPE_UNICODE | flag);
                self.size(raw.len())?;
                self.out.extend_from_slice(raw);
                Ok(())
            }
            _ => Err(unsupported(format!(
                "an object built by {}.{}",
                name.0, name.1
            ))),
        }
    }

    fn code(&mut self, fields: &[(Value, Value)], flag: u8) -> Result<()> {
        let field = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| matches!(k, Value::Str(s) if s == name))
                .map(|(_, v)| v)
                .ok_or_else(|| unsupported(format!("a code object without {name}")))
        };
        let int = |name: &str| match field(name)? {
            Value::Int(n) => i32::try_from(*n).map_err(|_| unsupported(format!("{name} = {n}"))),
            _ => Err(unsupported(format!(
                "a code object whose {name} is not an int"
            ))),
        };
        let has = |name: &str| field(name).is_ok();
        let layout = if has("co_localsplusnames") {
            CodeLayout::Py311
        } else if has("co_lnotab") {
            CodeLayout::Py38
        } else {
            CodeLayout::Py310
        };
        self.out.push(TYPE_CODE | flag);
        let mut ints = vec!["co_argcount", "co_posonlyargcount", "co_kwonlyargcount"];
        if layout.has_nlocals() {
            ints.push("co_nlocals");
        }
        ints.extend(["co_stacksize", "co_flags"]);
        for name in ints {
            let n = int(name)?;
            self.long(n);
        }
        for (index, name) in layout.object_fields().iter().enumerate() {
            if index == CodeLayout::FIRSTLINENO_BEFORE {
                let n = int("co_firstlineno")?;
                self.long(n);
            }
            self.value(field(name)?, 0)?;
        }
        Ok(())
    }
}

/// Text floats (versions 0 and 1), for callers that write old versions.
pub fn write_text_float(value: f64, out: &mut Vec<u8>) {
    let start = out.len();
    out.push(0);
    write_g17(value, out);
    out[start] = (out.len() - start - 1) as u8;
}
