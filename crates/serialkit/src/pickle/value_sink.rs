//! The core sink: builds [`crate::Value`]s for the CLI and Rust callers.
//!
//! Values live in an arena and handles are indices, so everything the
//! memo shares (GET after PUT, DUP) and every cycle (a list appended to
//! itself, an object whose state refers back to it) stays one node. Only at
//! the end is the graph turned into a tree (in `tree.rs`), with
//! `Shared`/`Ref` where a node is reached more than once.
//!
//! The one place where the model copies is an object's arguments: `args`
//! and `kwargs` are held inline, so a tuple or dict passed to several calls
//! is copied into each. The first use of each is free (every pickler makes
//! fresh arguments per call); further uses count against
//! `Limits::max_expansion`, so memo references cannot multiply the output.
//! Globals are interned: one node per `(module, qualname)`, as `find_class`
//! returns one object per name.

use super::sink::{Items, Pairs, PickleSink, PickleStr};
use super::tree;
use crate::limits::Limits;
use crate::value::Construct;
use num_bigint::BigInt;
use std::borrow::Cow;
use std::collections::HashMap;

pub(super) type Id = usize;

pub(super) enum Node {
    None,
    Bool(bool),
    Int(i64),
    BigInt(BigInt),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    List(Vec<Id>),
    Tuple(Vec<Id>),
    Dict(Vec<(Id, Id)>),
    Set(Vec<Id>),
    FrozenSet(Vec<Id>),
    Global { module: String, qualname: String },
    Object(Box<ObjectNode>),
}

pub(super) struct ObjectNode {
    pub(super) construct: Construct,
    pub(super) callable: Id,
    pub(super) args: Vec<Id>,
    pub(super) kwargs: Vec<(Id, Id)>,
    pub(super) state: Option<Id>,
    pub(super) list_items: Vec<Id>,
    pub(super) dict_items: Vec<(Id, Id)>,
}

/// Why the core model cannot take what the pickle asks for.
#[derive(Debug)]
pub enum SinkError {
    /// Containers nest deeper than `Limits::max_depth`.
    Depth,
    /// Arguments copied beyond `Limits::max_expansion`.
    Expansion,
    Unsupported(Cow<'static, str>),
}

fn unsupported(message: impl Into<Cow<'static, str>>) -> SinkError {
    SinkError::Unsupported(message.into())
}

pub struct ValueSink {
    pub(super) nodes: Vec<Node>,
    meta: Vec<Meta>,
    max_depth: usize,
    max_expansion: usize,
    /// Argument values copied so far for tuples and dicts used more than once.
    expanded: usize,
    globals: HashMap<(String, String), Id>,
    buffers: Option<Vec<Vec<u8>>>,
    next_buffer: usize,
}

#[derive(Clone, Copy, Default)]
struct Meta {
    /// The nesting depth as known when the node was last filled: exact for
    /// pickles that complete a value before storing it (all picklers do),
    /// so the depth limit trips at the opcode that crosses it. The
    /// conversion to a tree checks again for the other orders.
    depth: usize,
    /// Whether this tuple or dict has already been copied into a call.
    used_as_arguments: bool,
}

impl ValueSink {
    /// Uses `limits.max_depth` and `limits.max_expansion`; `buffers` are
    /// the out-of-band buffers for NEXT_BUFFER.
    pub fn new(limits: &Limits, buffers: Option<Vec<Vec<u8>>>) -> Self {
        ValueSink {
            nodes: Vec::new(),
            meta: Vec::new(),
            max_depth: limits.max_depth,
            max_expansion: limits.max_expansion,
            expanded: 0,
            globals: HashMap::new(),
            buffers,
            next_buffer: 0,
        }
    }

    /// Turns the value behind `root` into a tree: a node reached more than
    /// once becomes `Value::Shared` where first met (depth-first) and
    /// `Value::Ref` after, except None, bools, 64-bit ints and floats, which
    /// are copied.
    pub fn finish(self, root: Id) -> Result<crate::Value, SinkError> {
        tree::build(self.nodes, root, self.max_depth)
    }

    fn add(&mut self, node: Node, depth: usize) -> Result<Id, SinkError> {
        if depth > self.max_depth {
            return Err(SinkError::Depth);
        }
        self.nodes.push(node);
        self.meta.push(Meta {
            depth,
            used_as_arguments: false,
        });
        Ok(self.nodes.len() - 1)
    }

    /// One more than the deepest of `children`, leaving out `parent` itself
    /// (a container holding itself is no deeper for it).
    fn depth_over(&self, parent: Option<Id>, children: impl IntoIterator<Item = Id>) -> usize {
        children
            .into_iter()
            .filter(|&child| Some(child) != parent)
            .map(|child| self.meta.get(child).map_or(0, |meta| meta.depth) + 1)
            .max()
            .unwrap_or(1)
    }

    /// Records that `target` now holds `children`.
    fn deepen(&mut self, target: Id, children: &[Id]) -> Result<(), SinkError> {
        let depth = self.depth_over(Some(target), children.iter().copied());
        let Some(meta) = self.meta.get_mut(target) else {
            return Err(unsupported("no such value"));
        };
        if depth > meta.depth {
            if depth > self.max_depth {
                return Err(SinkError::Depth);
            }
            meta.depth = depth;
        }
        Ok(())
    }

    fn node_mut(&mut self, id: Id) -> Result<&mut Node, SinkError> {
        self.nodes
            .get_mut(id)
            .ok_or_else(|| unsupported("no such value"))
    }

    /// Charges a copy of `count` argument values from node `id`, unless it
    /// is the node's first use as arguments.
    fn charge(&mut self, id: Id, count: usize) -> Result<(), SinkError> {
        let Some(meta) = self.meta.get_mut(id) else {
            return Err(unsupported("no such value"));
        };
        if !meta.used_as_arguments {
            meta.used_as_arguments = true;
            return Ok(());
        }
        self.expanded = self.expanded.saturating_add(count);
        if self.expanded > self.max_expansion {
            return Err(SinkError::Expansion);
        }
        Ok(())
    }

    fn object(
        &mut self,
        construct: Construct,
        callable: Id,
        args_id: Id,
        kwargs_id: Option<Id>,
    ) -> Result<Id, SinkError> {
        let args = match self.nodes.get(args_id) {
            Some(Node::Tuple(items)) => items.clone(),
            _ => return Err(unsupported("the arguments are not a tuple")),
        };
        self.charge(args_id, args.len())?;
        let kwargs = match kwargs_id {
            None => Vec::new(),
            Some(id) => {
                let pairs = match self.nodes.get(id) {
                    Some(Node::Dict(pairs)) => pairs.clone(),
                    _ => return Err(unsupported("the keyword arguments are not a dict")),
                };
                self.charge(id, 2 * pairs.len())?;
                pairs
            }
        };
        let children = std::iter::once(callable)
            .chain(args.iter().copied())
            .chain(kwargs.iter().flat_map(|&(k, v)| [k, v]));
        let depth = self.depth_over(None, children);
        let node = ObjectNode {
            construct,
            callable,
            args,
            kwargs,
            state: None,
            list_items: Vec::new(),
            dict_items: Vec::new(),
        };
        self.add(Node::Object(Box::new(node)), depth)
    }
}

impl PickleSink for ValueSink {
    type Handle = Id;
    type Error = SinkError;

    fn share(&mut self, handle: &Id) -> Id {
        *handle
    }

    fn str_text(&self, handle: &Id) -> Option<String> {
        match self.nodes.get(*handle)? {
            Node::Str(text) => Some(text.clone()),
            _ => None,
        }
    }

    fn none(&mut self) -> Result<Id, SinkError> {
        self.add(Node::None, 0)
    }

    fn bool(&mut self, value: bool) -> Result<Id, SinkError> {
        self.add(Node::Bool(value), 0)
    }

    fn int(&mut self, value: i64) -> Result<Id, SinkError> {
        self.add(Node::Int(value), 0)
    }

    fn big_int(&mut self, le_twos_complement: &[u8]) -> Result<Id, SinkError> {
        self.add(
            Node::BigInt(BigInt::from_signed_bytes_le(le_twos_complement)),
            0,
        )
    }

    fn float(&mut self, value: f64) -> Result<Id, SinkError> {
        self.add(Node::Float(value), 0)
    }

    fn str(&mut self, text: PickleStr<'_>) -> Result<Id, SinkError> {
        let Some(text) = text.as_str().filter(|_| !text.surrogates) else {
            return Err(unsupported(
                "the string holds a lone surrogate, which only Python strings can hold",
            ));
        };
        self.add(Node::Str(text.to_owned()), 0)
    }

    fn bytes(&mut self, bytes: &[u8]) -> Result<Id, SinkError> {
        self.add(Node::Bytes(bytes.to_vec()), 0)
    }

    /// The model has no bytearray; it becomes the call that protocols 3
    /// and 4 pickle it as, `builtins.bytearray(b"...")`.
    fn bytearray(&mut self, bytes: &[u8]) -> Result<Id, SinkError> {
        let callable = self.global("builtins", "bytearray")?;
        let content = self.bytes(bytes)?;
        let args = self.add(Node::Tuple(vec![content]), 1)?;
        self.call(callable, args)
    }

    fn empty_list(&mut self) -> Result<Id, SinkError> {
        self.add(Node::List(Vec::new()), 1)
    }

    fn empty_dict(&mut self) -> Result<Id, SinkError> {
        self.add(Node::Dict(Vec::new()), 1)
    }

    fn empty_set(&mut self) -> Result<Id, SinkError> {
        self.add(Node::Set(Vec::new()), 1)
    }

    fn tuple(&mut self, items: Items<'_, Id>) -> Result<Id, SinkError> {
        let items: Vec<Id> = items.collect();
        let depth = self.depth_over(None, items.iter().copied());
        self.add(Node::Tuple(items), depth)
    }

    fn frozenset(&mut self, items: Items<'_, Id>) -> Result<Id, SinkError> {
        let items: Vec<Id> = items.collect();
        let depth = self.depth_over(None, items.iter().copied());
        self.add(Node::FrozenSet(items), depth)
    }

    fn list_extend(&mut self, target: &Id, items: Items<'_, Id>) -> Result<(), SinkError> {
        let items: Vec<Id> = items.collect();
        self.deepen(*target, &items)?;
        match self.node_mut(*target)? {
            Node::List(list) => list.extend(items),
            Node::Object(object) => object.list_items.extend(items),
            _ => return Err(unsupported("cannot append to this value")),
        }
        Ok(())
    }

    fn dict_set_items(&mut self, target: &Id, pairs: Pairs<'_, Id>) -> Result<(), SinkError> {
        let pairs: Vec<(Id, Id)> = pairs.collect();
        let flat: Vec<Id> = pairs.iter().flat_map(|&(k, v)| [k, v]).collect();
        self.deepen(*target, &flat)?;
        match self.node_mut(*target)? {
            Node::Dict(dict) => dict.extend(pairs),
            Node::Object(object) => object.dict_items.extend(pairs),
            _ => return Err(unsupported("cannot set items on this value")),
        }
        Ok(())
    }

    fn set_add(&mut self, target: &Id, items: Items<'_, Id>) -> Result<(), SinkError> {
        let items: Vec<Id> = items.collect();
        self.deepen(*target, &items)?;
        match self.node_mut(*target)? {
            Node::Set(set) => set.extend(items),
            _ => {
                return Err(unsupported(
                    "items added to an object (ADDITEMS) have no place in the model",
                ))
            }
        }
        Ok(())
    }

    fn global(&mut self, module: &str, qualname: &str) -> Result<Id, SinkError> {
        let key = (module.to_owned(), qualname.to_owned());
        if let Some(&id) = self.globals.get(&key) {
            return Ok(id);
        }
        let node = Node::Global {
            module: key.0.clone(),
            qualname: key.1.clone(),
        };
        let id = self.add(node, 0)?;
        self.globals.insert(key, id);
        Ok(id)
    }

    fn call(&mut self, callable: Id, args: Id) -> Result<Id, SinkError> {
        self.object(Construct::Call, callable, args, None)
    }

    fn new_object(&mut self, cls: Id, args: Id, kwargs: Option<Id>) -> Result<Id, SinkError> {
        self.object(Construct::New, cls, args, kwargs)
    }

    fn build(&mut self, target: &Id, state: Id) -> Result<(), SinkError> {
        self.deepen(*target, &[state])?;
        match self.node_mut(*target)? {
            Node::Object(object) if object.state.is_none() => {
                object.state = Some(state);
                Ok(())
            }
            Node::Object(_) => Err(unsupported(
                "a second BUILD on one object has no place in the model",
            )),
            _ => Err(unsupported("only objects made by a call have state")),
        }
    }

    fn persistent_load(&mut self, pid: Id) -> Result<Id, SinkError> {
        let message = match self.nodes.get(pid) {
            Some(Node::Str(pid)) => format!(
                "persistent id {pid:?} needs the unpickler's persistent_load, which the core model does not have"
            ),
            _ => "persistent ids need the unpickler's persistent_load, which the core model does not have"
                .to_owned(),
        };
        Err(unsupported(message))
    }

    fn extension(&mut self, code: u32) -> Result<Id, SinkError> {
        Err(unsupported(format!(
            "extension code {code} needs copyreg's extension registry, which the core does not have"
        )))
    }

    /// The buffers given in [`super::LoadOptions::buffers`], in order, as
    /// bytes: the model does not tell buffers from bytes.
    fn next_buffer(&mut self) -> Result<Id, SinkError> {
        let Some(buffers) = &mut self.buffers else {
            return Err(unsupported(
                "the pickle refers to out-of-band buffers, but none were given",
            ));
        };
        let Some(buffer) = buffers.get_mut(self.next_buffer) else {
            return Err(unsupported("not enough out-of-band buffers"));
        };
        let buffer = std::mem::take(buffer);
        self.next_buffer += 1;
        self.add(Node::Bytes(buffer), 0)
    }

    fn readonly_buffer(&mut self, buffer: Id) -> Result<Id, SinkError> {
        Ok(buffer)
    }
}
