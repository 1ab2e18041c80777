//! Writes a [`Value`] as a pickle that CPython's `pickle.loads` reads back
//! as the equivalent Python object.
//!
//! The opcodes, memo numbering, batching and protocol 4 framing follow
//! CPython's C pickler, so plain data (None, bools, ints, floats, strs,
//! bytes, lists, dicts, tuples, sets, frozensets) comes out byte for byte
//! as `pickle.dumps(obj, protocol)` writes it, and a pickle that CPython
//! wrote, read into the model and written again, comes out unchanged.
//!
//! Sharing is explicit in the model: [`Value::Shared`] is memoized where it
//! first appears and every [`Value::Ref`] to it becomes a memo GET. Mutable
//! containers (lists, dicts, sets, objects) are memoized before their
//! contents, as CPython does, so they may contain themselves. Globals are
//! memoized once per name, as CPython memoizes the one class object.
//!
//! Protocols 0 to 5 are written; 5 adds nothing the model needs beyond 4.
//! Names are written as Python 3 spells them: below protocol 3, CPython's
//! `fix_imports` would rename some (`builtins` to `__builtin__`) for Python
//! 2, so there the bytes equal `pickle.dumps(obj, p, fix_imports=False)`.
//! A call with keyword arguments, which no opcode expresses, is written as
//! a call of `functools.partial(callable, **kwargs)` (see `call_with_kwargs`).
//! Writing is recursive, one level per container, bounded by
//! [`DumpOptions::max_depth`] so no value can exhaust the stack.

use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::value::{Construct, Object, ShareId, Value};
use num_bigint::BigInt;
use std::collections::HashMap;

use super::encode::{self, batch, batch_iter, Framer, Items, Output, TooLarge, BATCHSIZE};
use super::opcodes::*;

pub const DEFAULT_PROTOCOL: u8 = 4;
pub const HIGHEST_PROTOCOL: u8 = 5;
const LOWEST_PROTOCOL: u8 = 0;

#[derive(Clone, Debug)]
pub struct DumpOptions {
    /// 0 to 5; [`DEFAULT_PROTOCOL`] is CPython's default.
    pub protocol: u8,
    /// Deepest nesting of containers (lists, tuples, dicts, sets, objects)
    /// written; deeper values are refused rather than risk the stack.
    pub max_depth: usize,
}

impl Default for DumpOptions {
    fn default() -> Self {
        DumpOptions {
            protocol: DEFAULT_PROTOCOL,
            max_depth: Limits::DEFAULT_MAX_DEPTH,
        }
    }
}

/// Writes `value` as one pickle of the given protocol (0 to 5).
pub fn to_vec(value: &Value, protocol: u8) -> Result<Vec<u8>> {
    to_vec_with(
        value,
        &DumpOptions {
            protocol,
            ..DumpOptions::default()
        },
    )
}

pub fn to_vec_with(value: &Value, options: &DumpOptions) -> Result<Vec<u8>> {
    let proto = options.protocol;
    if !(LOWEST_PROTOCOL..=HIGHEST_PROTOCOL).contains(&proto) {
        return Err(Error::unsupported(format!(
            "pickle protocol {proto} cannot be written; choose {LOWEST_PROTOCOL} to {HIGHEST_PROTOCOL}"
        )));
    }
    let mut pickler = Pickler {
        out: Framer::default(),
        proto,
        max_depth: options.max_depth,
        depth: 0,
        memo_len: 0,
        shared: HashMap::new(),
        pending: HashMap::new(),
        nodes: HashMap::new(),
        rewrites: 0,
        names: HashMap::new(),
        globals: HashMap::new(),
    };
    if proto >= 2 {
        pickler.out.write(&[PROTO, proto]);
    }
    // As in CPython, the PROTO opcode sits outside the first frame.
    pickler.out.set_framing(proto >= 4);
    pickler.value(value, None)?;
    pickler.out.byte(STOP);
    Ok(pickler.out.finish())
}

/// What a memo entry is recorded under: the [`Value::Shared`] id, and the
/// node's address, which identifies it as an object's identity does in
/// CPython's memo (the value is borrowed throughout, so addresses are
/// stable and distinct).
#[derive(Clone, Copy, Default)]
struct Key {
    share: Option<ShareId>,
    node: Option<usize>,
}

impl Key {
    fn share(id: ShareId) -> Key {
        Key {
            share: Some(id),
            node: None,
        }
    }
}

struct Pending<'v> {
    value: &'v Value,
    rewriting: bool,
}

struct Pickler<'v> {
    out: Framer,
    proto: u8,
    max_depth: usize,
    depth: usize,
    /// Memo entries written so far; the next MEMOIZE gets this index.
    memo_len: usize,
    /// Where each share id written so far sits in the memo.
    shared: HashMap<ShareId, usize>,
    /// Shared tuples and frozensets whose contents are being written: they
    /// are memoized only after their contents, so a reference from inside
    /// (through a mutable container) is resolved as CPython resolves it,
    /// by writing the value again at that point.
    pending: HashMap<ShareId, Pending<'v>>,
    /// Memo indices of nodes written inside shared tuples and frozensets,
    /// by address (see `register`).
    nodes: HashMap<usize, usize>,
    /// How many shared values are being written again (see `reference`).
    rewrites: usize,
    /// Memoized module and qualified names of globals (protocol 4): CPython
    /// saves the same interned name objects again and again.
    names: HashMap<String, usize>,
    /// Memoized globals by name: CPython memoizes the one class object.
    globals: HashMap<(String, String), usize>,
}

fn too_many_memoized(_: TooLarge) -> Error {
    Error::unsupported("too many memoized values for a pickle")
}

fn missing_reference(id: ShareId) -> Error {
    Error::unsupported(format!(
        "reference {id} is not to a value written before it (a forward reference, or a cycle \
         that runs through immutable values or an object's arguments only)"
    ))
}

impl<'v> Pickler<'v> {
    /// Writes `value`; returns the memo index it is stored under, if any.
    /// `share` is the id of the [`Value::Shared`] being written, which a
    /// mutable container must register before its contents.
    fn value(&mut self, value: &'v Value, share: Option<ShareId>) -> Result<Option<usize>> {
        self.out.boundary();
        let key = Key {
            share,
            node: Some(std::ptr::from_ref(value) as usize),
        };
        if self.rewrites > 0 {
            if let Some(index) = self.memoized(key) {
                self.get(index)?;
                return Ok(Some(index));
            }
        }
        match value {
            Value::None => self.out.byte(NONE),
            Value::Bool(value) => encode::boolean(&mut self.out, *value, self.proto),
            Value::Int(value) => self.int(*value)?,
            Value::BigInt(value) => self.big_int(value)?,
            Value::Float(value) => self.float(*value),
            Value::Str(text) => {
                self.str(text)?;
                return self.memoize(key).map(Some);
            }
            Value::Bytes(bytes) => return self.bytes(bytes, key).map(Some),
            Value::List(items) => return self.nested(|p| p.list(items, key)).map(Some),
            Value::Tuple(items) => return self.nested(|p| p.tuple(items, key)),
            Value::Dict(pairs) => return self.nested(|p| p.dict(pairs, key)).map(Some),
            Value::Set(items) => return self.nested(|p| p.set(items, key)).map(Some),
            Value::FrozenSet(items) => return self.nested(|p| p.frozenset(items, key)).map(Some),
            Value::Global { module, qualname } => {
                let index = self.global(module, qualname)?;
                self.register(key, index);
                return Ok(Some(index));
            }
            Value::Object(object) => return self.nested(|p| p.object(object, key)).map(Some),
            Value::Shared { id, value } => return self.shared(*id, value, share).map(Some),
            Value::Ref(id) => return self.reference(*id, share),
        }
        Ok(None)
    }

    fn nested<T>(&mut self, write: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        if self.depth >= self.max_depth {
            return Err(Error::limit("nesting depth", self.max_depth, None));
        }
        self.depth += 1;
        let result = write(self);
        self.depth -= 1;
        result
    }

    fn shared(&mut self, id: ShareId, value: &'v Value, outer: Option<ShareId>) -> Result<usize> {
        if let (Some(&index), true) = (self.shared.get(&id), self.rewrites > 0) {
            // Met again while a tuple is written again (see `reference`).
            self.get(index)?;
            return Ok(index);
        }
        if self.shared.contains_key(&id) || self.pending.contains_key(&id) {
            return Err(Error::unsupported(format!(
                "shared value {id} appears twice; later appearances must be references"
            )));
        }
        if matches!(value, Value::Tuple(_) | Value::FrozenSet(_)) {
            self.pending.insert(
                id,
                Pending {
                    value,
                    rewriting: false,
                },
            );
        }
        let written = self.value(value, Some(id));
        self.pending.remove(&id);
        // Values CPython never memoizes (numbers, None, the empty tuple)
        // get an explicit memo entry so that references can find them.
        let index = match written? {
            Some(index) => index,
            None => self.memoize(Key::share(id))?,
        };
        self.shared.insert(id, index);
        if let Some(outer) = outer {
            self.shared.insert(outer, index);
        }
        Ok(index)
    }

    fn reference(&mut self, id: ShareId, outer: Option<ShareId>) -> Result<Option<usize>> {
        if let Some(&index) = self.shared.get(&id) {
            self.get(index)?;
            if let Some(outer) = outer {
                self.shared.insert(outer, index);
            }
            return Ok(Some(index));
        }
        // A tuple or frozenset reached again from inside itself: write it
        // again here, where everything mutable it holds is in the memo by
        // now; the outer copy then finds it memoized and discards itself.
        let value = match self.pending.get_mut(&id) {
            Some(pending) if !pending.rewriting => {
                pending.rewriting = true;
                pending.value
            }
            _ => return Err(missing_reference(id)),
        };
        self.rewrites += 1;
        let index = self.value(value, Some(id));
        self.rewrites -= 1;
        let index = index?;
        if let Some((outer, index)) = outer.zip(index) {
            self.shared.insert(outer, index);
        }
        Ok(index)
    }

    fn memoize(&mut self, key: Key) -> Result<usize> {
        let index = self.memo_len;
        encode::put(&mut self.out, index, self.proto).map_err(too_many_memoized)?;
        self.memo_len += 1;
        self.register(key, index);
        Ok(index)
    }

    /// Records where `key`'s value sits in the memo. Nodes are recorded
    /// by address only inside a shared tuple or frozenset, the only place
    /// they can be met again (see `reference`).
    fn register(&mut self, key: Key, index: usize) {
        if let Some(id) = key.share {
            self.shared.insert(id, index);
        }
        if let (Some(node), false) = (key.node, self.pending.is_empty()) {
            self.nodes.insert(node, index);
        }
    }

    /// Where `key`'s value sits in the memo, if it is there yet.
    fn memoized(&self, key: Key) -> Option<usize> {
        let by_share = key.share.and_then(|id| self.shared.get(&id));
        let by_node = || key.node.and_then(|node| self.nodes.get(&node));
        by_share.or_else(by_node).copied()
    }

    fn get(&mut self, index: usize) -> Result<()> {
        encode::get(&mut self.out, index, self.proto).map_err(too_many_memoized)
    }

    fn int(&mut self, value: i64) -> Result<()> {
        encode::int(&mut self.out, value, self.proto).map_err(too_large_int)
    }

    fn big_int(&mut self, value: &BigInt) -> Result<()> {
        match i64::try_from(value) {
            Ok(small) => self.int(small),
            // CPython's encoding is the shortest two's complement, which
            // is what `to_signed_bytes_le` gives.
            Err(_) if self.proto < 2 => {
                encode::long_text(&mut self.out, value.to_string().as_bytes());
                Ok(())
            }
            Err(_) => self.long(&value.to_signed_bytes_le()),
        }
    }

    fn float(&mut self, value: f64) {
        if self.proto == 0 {
            let mut text = Vec::new();
            crate::number::write_python_float_repr(&mut text, value);
            encode::line(&mut self.out, FLOAT, &text);
        } else {
            encode::float(&mut self.out, value);
        }
    }

    fn long(&mut self, data: &[u8]) -> Result<()> {
        encode::long(&mut self.out, data).map_err(too_large_int)
    }

    /// A str's opcode and text, without the memo entry.
    fn str(&mut self, text: &str) -> Result<()> {
        if self.proto == 0 {
            let escaped = encode::raw_unicode_escape(text.chars().map(u32::from));
            encode::line(&mut self.out, UNICODE, &escaped);
            return Ok(());
        }
        let data = text.as_bytes();
        let header = encode::str_header(data.len(), self.proto).map_err(|TooLarge| {
            Error::unsupported("a string of 4 GiB or more needs pickle protocol 4 or higher")
        })?;
        self.out.payload(&header, data);
        Ok(())
    }

    fn bytes(&mut self, data: &[u8], key: Key) -> Result<usize> {
        if self.proto < 3 {
            return self.bytes_by_reduce(data, key);
        }
        let header = encode::bytes_header(data.len(), self.proto).map_err(|TooLarge| {
            Error::unsupported("bytes of 4 GiB or more need pickle protocol 4 or higher")
        })?;
        self.out.payload(&header, data);
        self.memoize(key)
    }

    /// Protocol 2 has no bytes opcode; CPython writes
    /// `_codecs.encode(text, "latin1")` (or `bytes()` when empty), which
    /// rebuilds the bytes under Python 3.
    fn bytes_by_reduce(&mut self, data: &[u8], key: Key) -> Result<usize> {
        if data.is_empty() {
            self.global("builtins", "bytes")?;
            encode::tuple_start(&mut self.out, 0, self.proto);
            encode::tuple_end(&mut self.out, 0, self.proto);
        } else {
            self.global("_codecs", "encode")?;
            let text: String = data.iter().map(|&b| char::from(b)).collect();
            encode::tuple_start(&mut self.out, 2, self.proto);
            self.out.boundary();
            self.str(&text)?;
            self.memoize(Key::default())?;
            self.out.boundary();
            self.str("latin1")?;
            self.memoize(Key::default())?;
            encode::tuple_end(&mut self.out, 2, self.proto);
            self.memoize(Key::default())?;
        }
        self.out.byte(REDUCE);
        self.memoize(key)
    }

    fn list(&mut self, items: &'v [Value], key: Key) -> Result<usize> {
        encode::empty_list(&mut self.out, self.proto);
        let index = self.memoize(key)?;
        match items {
            [] => {}
            // Protocol 0 has no APPENDS: one APPEND per item.
            _ if self.proto == 0 => self.iterated(items, (APPEND, APPENDS), Self::item)?,
            // CPython's path for exact lists: one item is a lone APPEND,
            // anything more goes in MARK/APPENDS batches.
            [item] => {
                self.value(item, None)?;
                self.out.byte(APPEND);
            }
            _ => {
                let mut items = items.iter();
                while !items.as_slice().is_empty() {
                    batch(self, APPENDS, |_| Ok(items.next()), Self::item)?;
                }
            }
        }
        Ok(index)
    }

    fn dict(&mut self, pairs: &'v [(Value, Value)], key: Key) -> Result<usize> {
        encode::empty_dict(&mut self.out, self.proto);
        let index = self.memoize(key)?;
        match pairs {
            [] => {}
            _ if self.proto == 0 => self.iterated(pairs, (SETITEM, SETITEMS), Self::pair)?,
            [(key, value)] => {
                self.value(key, None)?;
                self.value(value, None)?;
                self.out.byte(SETITEM);
            }
            _ => {
                let mut pairs = pairs.iter();
                while batch(self, SETITEMS, |_| Ok(pairs.next()), Self::pair)? == BATCHSIZE {}
            }
        }
        Ok(index)
    }

    fn iterated<T>(
        &mut self,
        items: &'v [T],
        ops: (u8, u8),
        save: fn(&mut Self, &'v T) -> Result<()>,
    ) -> Result<()> {
        let mut items = items.iter();
        let next = |_: &mut Self| Ok(items.next());
        batch_iter(
            self,
            self.proto,
            ops,
            Items {
                next,
                check: Ok,
                save,
            },
        )
    }

    /// A container's item, for the batching helpers.
    fn item(&mut self, item: &'v Value) -> Result<()> {
        self.value(item, None).map(drop)
    }

    fn pair(&mut self, (key, value): &'v (Value, Value)) -> Result<()> {
        self.value(key, None)?;
        self.value(value, None).map(drop)
    }

    fn set(&mut self, items: &'v [Value], key: Key) -> Result<usize> {
        if self.proto < 4 {
            return self.collection_by_reduce("set", items, key);
        }
        self.out.byte(EMPTY_SET);
        let index = self.memoize(key)?;
        if items.is_empty() {
            return Ok(index);
        }
        let mut items = items.iter();
        while batch(self, ADDITEMS, |_| Ok(items.next()), Self::item)? == BATCHSIZE {}
        Ok(index)
    }

    fn frozenset(&mut self, items: &'v [Value], key: Key) -> Result<usize> {
        if self.proto < 4 {
            return self.collection_by_reduce("frozenset", items, key);
        }
        self.out.byte(MARK);
        for item in items {
            self.value(item, None)?;
        }
        if let Some(index) = self.memoized(key) {
            // Written again from inside itself (see `reference`).
            self.out.byte(POP_MARK);
            self.get(index)?;
            return Ok(index);
        }
        self.out.byte(FROZENSET);
        self.memoize(key)
    }

    /// Sets before protocol 4: `builtins.set([items])`, as CPython writes them.
    fn collection_by_reduce(&mut self, name: &str, items: &'v [Value], key: Key) -> Result<usize> {
        self.global("builtins", name)?;
        encode::tuple_start(&mut self.out, 1, self.proto);
        self.out.boundary();
        self.list(items, Key::default())?;
        encode::tuple_end(&mut self.out, 1, self.proto);
        self.memoize(Key::default())?;
        self.out.byte(REDUCE);
        self.reduced(key)
    }

    /// After REDUCE or NEWOBJ: memoizes the new object, unless it was
    /// written again from inside its own arguments (see `reference`); then,
    /// as CPython does, this copy is popped and that one fetched.
    fn reduced(&mut self, key: Key) -> Result<usize> {
        if let Some(index) = self.memoized(key) {
            self.out.byte(POP);
            self.get(index)?;
            return Ok(index);
        }
        self.memoize(key)
    }

    fn tuple(&mut self, items: &'v [Value], key: Key) -> Result<Option<usize>> {
        let (len, proto) = (items.len(), self.proto);
        encode::tuple_start(&mut self.out, len, proto);
        if items.is_empty() {
            encode::tuple_end(&mut self.out, len, proto);
            return Ok(None);
        }
        for item in items {
            self.value(item, None)?;
        }
        if let Some(index) = self.memoized(key) {
            // Written again from inside itself (see `reference`): drop
            // this copy's items and take that one from the memo.
            encode::tuple_discard(&mut self.out, len, proto);
            self.get(index)?;
            return Ok(Some(index));
        }
        encode::tuple_end(&mut self.out, len, proto);
        self.memoize(key).map(Some)
    }

    /// A global, memoized once per name.
    fn global(&mut self, module: &str, qualname: &str) -> Result<usize> {
        self.out.boundary();
        let key = (module.to_owned(), qualname.to_owned());
        if let Some(&index) = self.globals.get(&key) {
            self.get(index)?;
            return Ok(index);
        }
        if self.proto >= 4 {
            self.name(module)?;
            self.name(qualname)?;
            self.out.byte(STACK_GLOBAL);
        } else if let Some((parent, last)) = qualname.rsplit_once('.') {
            // Before protocol 4 GLOBAL takes no dotted names; CPython
            // writes `getattr(parent, "last")` instead.
            self.global("builtins", "getattr")?;
            encode::tuple_start(&mut self.out, 2, self.proto);
            self.global(module, parent)?;
            self.out.boundary();
            self.str(last)?;
            self.memoize(Key::default())?;
            encode::tuple_end(&mut self.out, 2, self.proto);
            self.memoize(Key::default())?;
            self.out.byte(REDUCE);
        } else {
            if module.contains('\n') || qualname.contains('\n') {
                return Err(Error::unsupported(
                    "a global's name holds a newline, which GLOBAL cannot write",
                ));
            }
            encode::global(&mut self.out, module.as_bytes(), qualname.as_bytes());
        }
        let index = self.memoize(Key::default())?;
        self.globals.insert(key, index);
        Ok(index)
    }

    fn name(&mut self, name: &str) -> Result<()> {
        self.out.boundary();
        if let Some(&index) = self.names.get(name) {
            return self.get(index);
        }
        self.str(name)?;
        let index = self.memoize(Key::default())?;
        self.names.insert(name.to_owned(), index);
        Ok(())
    }

    fn object(&mut self, object: &'v Object, key: Key) -> Result<usize> {
        match object.construct {
            Construct::Call if object.kwargs.is_empty() => {
                self.value(&object.callable, None)?;
                self.out.boundary();
                self.tuple(&object.args, Key::default())?;
                self.out.byte(REDUCE);
            }
            Construct::Call => self.call_with_kwargs(object)?,
            Construct::New if object.kwargs.is_empty() && self.proto >= 2 => {
                self.value(&object.callable, None)?;
                self.out.boundary();
                self.tuple(&object.args, Key::default())?;
                self.out.byte(NEWOBJ);
            }
            Construct::New if object.kwargs.is_empty() => {
                // Before protocol 2 there is no NEWOBJ; the call
                // `copyreg.__newobj__(cls, *args)` is `cls.__new__(cls, *args)`.
                self.global("copyreg", "__newobj__")?;
                let len = object.args.len() + 1;
                encode::tuple_start(&mut self.out, len, self.proto);
                self.value(&object.callable, None)?;
                for arg in &object.args {
                    self.value(arg, None)?;
                }
                encode::tuple_end(&mut self.out, len, self.proto);
                self.memoize(Key::default())?;
                self.out.byte(REDUCE);
            }
            Construct::New if self.proto >= 4 => {
                self.value(&object.callable, None)?;
                self.out.boundary();
                self.tuple(&object.args, Key::default())?;
                self.out.boundary();
                self.dict(&object.kwargs, Key::default())?;
                self.out.byte(NEWOBJ_EX);
            }
            Construct::New => {
                // Before protocol 4 there is no NEWOBJ_EX; the call
                // `copyreg.__newobj_ex__(cls, args, kwargs)` is
                // `cls.__new__(cls, *args, **kwargs)`.
                self.global("copyreg", "__newobj_ex__")?;
                encode::tuple_start(&mut self.out, 3, self.proto);
                self.value(&object.callable, None)?;
                self.out.boundary();
                self.tuple(&object.args, Key::default())?;
                self.out.boundary();
                self.dict(&object.kwargs, Key::default())?;
                encode::tuple_end(&mut self.out, 3, self.proto);
                self.memoize(Key::default())?;
                self.out.byte(REDUCE);
            }
        }
        if let Some(index) = self.memoized(key) {
            // Written again from inside its arguments: the items and state
            // went with that copy, as in CPython's C pickler.
            self.out.byte(POP);
            self.get(index)?;
            return Ok(index);
        }
        let index = self.memoize(key)?;
        // An object's items are written as CPython writes the iterators
        // of a reduction.
        self.iterated(&object.list_items, (APPEND, APPENDS), Self::item)?;
        self.iterated(&object.dict_items, (SETITEM, SETITEMS), Self::pair)?;
        if let Some(state) = &object.state {
            self.value(state, None)?;
            self.out.byte(BUILD);
        }
        Ok(index)
    }
}

impl<'v> Pickler<'v> {
    /// `callable(*args, **kwargs)`. REDUCE passes a tuple only, and no
    /// opcode passes keyword arguments to a call, so the callable is first
    /// wrapped as `functools.partial(callable, **kwargs)` (built as
    /// `partial.__reduce__` describes it: `partial(callable)` then BUILD
    /// with `(callable, (), kwargs, None)`), which REDUCE then calls with
    /// `args`. Any unpickler loads it as that call; serialkit's safe
    /// loader, like for any global, imports `functools.partial` only when
    /// allowed, and the core reader reads it back as the two calls it is.
    fn call_with_kwargs(&mut self, object: &'v Object) -> Result<()> {
        self.global("functools", "partial")?;
        encode::tuple_start(&mut self.out, 1, self.proto);
        self.value(&object.callable, None)?;
        encode::tuple_end(&mut self.out, 1, self.proto);
        self.memoize(Key::default())?;
        self.out.byte(REDUCE);
        self.memoize(Key::default())?;
        encode::tuple_start(&mut self.out, 4, self.proto);
        self.value(&object.callable, None)?;
        encode::tuple_start(&mut self.out, 0, self.proto);
        encode::tuple_end(&mut self.out, 0, self.proto);
        self.out.boundary();
        self.dict(&object.kwargs, Key::default())?;
        self.out.byte(NONE);
        encode::tuple_end(&mut self.out, 4, self.proto);
        self.memoize(Key::default())?;
        self.out.byte(BUILD);
        self.out.boundary();
        self.tuple(&object.args, Key::default())?;
        self.out.byte(REDUCE);
        Ok(())
    }
}

impl Output for Pickler<'_> {
    fn out(&mut self) -> &mut Framer {
        &mut self.out
    }
}

fn too_large_int(_: TooLarge) -> Error {
    Error::unsupported("the integer is too large for a pickle")
}
