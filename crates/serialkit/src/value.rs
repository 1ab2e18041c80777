//! The data model every format reads into and writes from.
//!
//! It is shaped like Python data because Python is where the formats meet:
//! pickle and marshal are Python's own, and JSON, YAML and XML documents are
//! consumed as Python dicts and lists. Anything a format can express that is
//! not plain data (a class, a call that rebuilds an object, a code object)
//! becomes a [`Value::Global`] or a [`Value::Object`], which record what a
//! loader *would* import or call without ever doing it.

use num_bigint::BigInt;

/// Identity of a node that appears more than once in one document.
pub type ShareId = u32;

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    None,
    Bool(bool),
    /// Integers that fit in 64 bits, kept apart from [`Value::BigInt`] so the
    /// common case never allocates.
    Int(i64),
    BigInt(BigInt),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    List(Vec<Value>),
    Tuple(Vec<Value>),
    /// Insertion-ordered; keys may be any value, as in a Python dict.
    Dict(Vec<(Value, Value)>),
    Set(Vec<Value>),
    FrozenSet(Vec<Value>),
    /// A named module attribute (class, function or constant), never resolved.
    Global {
        module: String,
        qualname: String,
    },
    /// An object a loader would build by calling something.
    Object(Box<Object>),
    /// The first appearance of a node that is referenced again by
    /// [`Value::Ref`] with the same id. Sharing and cycles stay explicit
    /// instead of being copied, so a reader can never be tricked into
    /// exponential expansion by the model itself.
    Shared {
        id: ShareId,
        value: Box<Value>,
    },
    /// A reference to a [`Value::Shared`] node seen earlier in document order;
    /// when it sits inside that node, the document is cyclic.
    Ref(ShareId),
}

/// How an [`Object`] would be created, mirroring pickle's opcodes because
/// they are the most general; YAML's `!!python/object*` tags and marshal's
/// code objects map onto the same shapes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Construct {
    /// `callable(*args, **kwargs)` (pickle REDUCE, YAML `object/apply`).
    Call,
    /// `cls.__new__(cls, *args, **kwargs)` (pickle NEWOBJ/NEWOBJ_EX, YAML `object/new`).
    New,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Object {
    pub construct: Construct,
    pub callable: Value,
    pub args: Vec<Value>,
    pub kwargs: Vec<(Value, Value)>,
    /// Passed to `__setstate__`, or merged into `__dict__` (pickle BUILD).
    pub state: Option<Value>,
    /// Appended after creation (pickle APPENDS on a reduced object).
    pub list_items: Vec<Value>,
    /// Set as items after creation (pickle SETITEMS on a reduced object).
    pub dict_items: Vec<(Value, Value)>,
}

impl Object {
    pub fn call(callable: Value, args: Vec<Value>) -> Self {
        Object {
            construct: Construct::Call,
            callable,
            args,
            kwargs: Vec::new(),
            state: None,
            list_items: Vec::new(),
            dict_items: Vec::new(),
        }
    }
}

impl Value {
    pub fn str(s: impl Into<String>) -> Value {
        Value::Str(s.into())
    }

    pub fn global(module: impl Into<String>, qualname: impl Into<String>) -> Value {
        Value::Global {
            module: module.into(),
            qualname: qualname.into(),
        }
    }

    /// The name Python would give this value's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::None => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) | Value::BigInt(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::Bytes(_) => "bytes",
            Value::List(_) => "list",
            Value::Tuple(_) => "tuple",
            Value::Dict(_) => "dict",
            Value::Set(_) => "set",
            Value::FrozenSet(_) => "frozenset",
            Value::Global { .. } => "global",
            Value::Object(_) => "object",
            Value::Shared { .. } => "shared",
            Value::Ref(_) => "reference",
        }
    }

    /// Replaces each [`Value::Ref`] by a copy of its shared node, for
    /// formats that hold plain trees only. A cyclic value has no such form
    /// and is an error. Readers that produce sharing bound what expanding
    /// it costs (YAML's alias budget).
    pub fn expand_shared(self) -> crate::Result<Value> {
        let mut done = std::collections::HashMap::new();
        self.expand(&mut done)
    }

    fn expand(
        self,
        done: &mut std::collections::HashMap<ShareId, Option<Value>>,
    ) -> crate::Result<Value> {
        let all = |items: Vec<Value>, done: &mut _| {
            items
                .into_iter()
                .map(|item| item.expand(done))
                .collect::<crate::Result<Vec<_>>>()
        };
        Ok(match self {
            Value::Shared { id, value } => {
                done.insert(id, None);
                let value = value.expand(done)?;
                done.insert(id, Some(value.clone()));
                value
            }
            Value::Ref(id) => match done.get(&id) {
                Some(Some(value)) => value.clone(),
                Some(None) => {
                    return Err(crate::Error::unsupported(
                        "the data is recursive (it contains itself); only formats with shared \
                         references (YAML, pickle) can hold it",
                    ))
                }
                None => {
                    return Err(crate::Error::unsupported(format!(
                        "a reference to shared node {id} comes before it"
                    )))
                }
            },
            Value::List(items) => Value::List(all(items, done)?),
            Value::Tuple(items) => Value::Tuple(all(items, done)?),
            Value::Set(items) => Value::Set(all(items, done)?),
            Value::FrozenSet(items) => Value::FrozenSet(all(items, done)?),
            Value::Dict(entries) => Value::Dict(
                entries
                    .into_iter()
                    .map(|(k, v)| Ok((k.expand(done)?, v.expand(done)?)))
                    .collect::<crate::Result<Vec<_>>>()?,
            ),
            other => other,
        })
    }
}

/// Builds a dict with Python's semantics for repeated keys: the last value
/// wins and the key keeps the position where it first appeared.
#[derive(Default)]
pub struct DictBuilder {
    entries: Vec<(Value, Value)>,
    /// Only consulted past a few entries, where a linear scan stops paying.
    index: Option<std::collections::HashMap<String, usize>>,
}

const LINEAR_SCAN_ENTRIES: usize = 16;

impl DictBuilder {
    pub fn insert_str_key(&mut self, key: String, value: Value) {
        if let Some(index) = &mut self.index {
            match index.get(&key) {
                Some(&at) => self.entries[at].1 = value,
                None => {
                    index.insert(key.clone(), self.entries.len());
                    self.entries.push((Value::Str(key), value));
                }
            }
            return;
        }
        let existing = self
            .entries
            .iter()
            .position(|(k, _)| matches!(k, Value::Str(s) if *s == key));
        match existing {
            Some(at) => self.entries[at].1 = value,
            None => {
                self.entries.push((Value::Str(key), value));
                if self.entries.len() > LINEAR_SCAN_ENTRIES {
                    self.build_index();
                }
            }
        }
    }

    fn build_index(&mut self) {
        let index = self
            .entries
            .iter()
            .enumerate()
            .filter_map(|(at, (k, _))| match k {
                Value::Str(s) => Some((s.clone(), at)),
                _ => None,
            })
            .collect();
        self.index = Some(index);
    }

    pub fn finish(self) -> Value {
        Value::Dict(self.entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_keys_keep_first_position_and_last_value() {
        for size in [3, 40] {
            let mut builder = DictBuilder::default();
            for i in 0..size {
                builder.insert_str_key(format!("k{i}"), Value::Int(i));
            }
            builder.insert_str_key("k1".into(), Value::Int(-1));
            let Value::Dict(entries) = builder.finish() else {
                unreachable!()
            };
            assert_eq!(entries.len(), size as usize);
            assert_eq!(entries[1], (Value::str("k1"), Value::Int(-1)));
        }
    }
}
