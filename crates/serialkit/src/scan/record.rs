//! The scanner's own sink for the pickle machine: it records every import
//! and call a loader would make, with the opcode's offset, and the bytes
//! values that start like a pickle, in one pass. It keeps nothing else of
//! the values: ints, strings and plain containers share one handle, so a
//! large pickle of plain data costs the machine's walk and little more.
//!
//! [`crate::pickle::inspect`] records the same imports and calls, but also
//! describes every value for its listing; scanning needs only these.

use std::collections::HashMap;
use std::convert::Infallible;

use crate::error::Error;
use crate::pickle::inspect::GlobalTarget;
use crate::pickle::opcodes;
use crate::pickle::{load, Failure, Items, LoadOptions, Pairs, PickleSink, PickleStr};

/// One import or call, in input order.
#[derive(Clone, Debug)]
pub struct Use {
    pub offset: usize,
    /// The opcode's `pickletools` name.
    pub opcode: &'static str,
    pub kind: UseKind,
}

#[derive(Clone, Debug)]
pub enum UseKind {
    /// A global named; an index into [`Record::targets`].
    Import(usize),
    /// A call. `callable` is display text (`os.system`,
    /// `mod.Cls.__setstate__`, `<result of f>`); `global` indexes
    /// [`Record::targets`] when the callable is a global, or the class of
    /// a BUILD target.
    Call {
        callable: String,
        global: Option<usize>,
    },
}

/// Where a bytes value that starts like a pickle lies.
#[derive(Clone, Debug)]
pub enum Blob {
    /// In the input, at this range.
    Range(usize, usize),
    /// Decoded from a string whose code points are bytes.
    Owned(Vec<u8>),
}

/// What a scan of one stream found.
#[derive(Debug, Default)]
pub struct Record {
    /// Every distinct global named, once each.
    pub targets: Vec<GlobalTarget>,
    pub uses: Vec<Use>,
    pub blobs: Vec<Blob>,
    /// Pickles read to their STOP.
    pub complete: usize,
    /// Why reading stopped before the end of the input.
    pub error: Option<Error>,
}

/// Runs every pickle of `input`, one after the other, until the input
/// ends or one fails.
pub fn record(input: &[u8], options: &LoadOptions) -> Record {
    let mut sink = Sink {
        input,
        nodes: vec![Node::Plain],
        ..Sink::default()
    };
    let mut start = 0;
    loop {
        match load(input, start, options, &mut sink) {
            Ok((_, end)) => {
                sink.record.complete += 1;
                if end <= start || end >= input.len() {
                    break;
                }
                start = end;
            }
            Err(Failure::Pickle(error)) => {
                sink.record.error = Some(error);
                break;
            }
            Err(Failure::Sink { error, .. }) => match error {},
        }
        // Handles do not outlive their pickle.
        sink.nodes.truncate(1);
    }
    sink.record
}

type Id = usize;

/// The one handle every value without a node shares.
const PLAIN: Id = 0;

#[derive(Clone, Copy, Debug)]
enum Node {
    Plain,
    /// A global; an index into `Record::targets`.
    Global(usize),
    /// A tuple whose first item is this global, as `copyreg` helpers take
    /// the class they make an instance of.
    FirstGlobal(usize),
    /// What a call made: the maker is a global, or (for calls of values
    /// that are not globals) an index into `Sink::texts`.
    Object(Maker),
    Persistent,
}

#[derive(Clone, Copy, Debug)]
enum Maker {
    Global(usize),
    Text(usize),
}

#[derive(Default)]
struct Sink<'a> {
    input: &'a [u8],
    nodes: Vec<Node>,
    record: Record,
    target_ids: HashMap<(String, String), usize>,
    extension_ids: HashMap<u32, usize>,
    texts: Vec<String>,
    offset: usize,
    opcode: u8,
}

type Made = Result<Id, Infallible>;

impl Sink<'_> {
    fn add(&mut self, node: Node) -> Made {
        self.nodes.push(node);
        Ok(self.nodes.len() - 1)
    }

    fn node(&self, id: Id) -> Node {
        self.nodes.get(id).copied().unwrap_or(Node::Plain)
    }

    fn intern(&mut self, target: GlobalTarget) -> usize {
        let found = match &target {
            GlobalTarget::Name { module, qualname } => self
                .target_ids
                .get(&(module.clone(), qualname.clone()))
                .copied(),
            GlobalTarget::Extension(code) => self.extension_ids.get(code).copied(),
        };
        if let Some(index) = found {
            return index;
        }
        let index = self.record.targets.len();
        match &target {
            GlobalTarget::Name { module, qualname } => {
                self.target_ids
                    .insert((module.clone(), qualname.clone()), index);
            }
            GlobalTarget::Extension(code) => {
                self.extension_ids.insert(*code, index);
            }
        }
        self.record.targets.push(target);
        index
    }

    fn opcode_name(&self) -> &'static str {
        opcodes::name(self.opcode)
    }

    fn import(&mut self, target: GlobalTarget) -> Made {
        let index = self.intern(target);
        self.record.uses.push(Use {
            offset: self.offset,
            opcode: self.opcode_name(),
            kind: UseKind::Import(index),
        });
        self.add(Node::Global(index))
    }

    fn maker_name(&self, maker: Maker) -> String {
        match maker {
            Maker::Global(index) => self.record.targets[index].display_name(),
            Maker::Text(index) => self.texts[index].clone(),
        }
    }

    /// The callable's display name and global, as the listing names them.
    fn callable(&self, id: Id) -> (String, Option<usize>) {
        match self.node(id) {
            Node::Global(index) => (self.record.targets[index].display_name(), Some(index)),
            Node::Object(maker) => (format!("<result of {}>", self.maker_name(maker)), None),
            Node::Persistent => ("<persistent object>".into(), None),
            Node::Plain | Node::FirstGlobal(_) => ("<a value that is not a global>".into(), None),
        }
    }

    fn push_call(&mut self, callable: String, global: Option<usize>) {
        self.record.uses.push(Use {
            offset: self.offset,
            opcode: self.opcode_name(),
            kind: UseKind::Call { callable, global },
        });
    }

    /// A call of `callable`, which makes an object; `args` is the argument
    /// tuple, for `copyreg` helpers whose first argument is the class.
    fn make(&mut self, callable: Id, args: Option<Id>) -> Made {
        let maker = match self.node(callable) {
            Node::Global(index) => {
                let name = self.record.targets[index].display_name();
                self.push_call(name.clone(), Some(index));
                let via_copyreg = matches!(
                    name.as_str(),
                    "copyreg._reconstructor" | "copyreg.__newobj__" | "copyreg.__newobj_ex__"
                );
                match args.map(|args| self.node(args)) {
                    Some(Node::FirstGlobal(class)) if via_copyreg => Maker::Global(class),
                    _ => Maker::Global(index),
                }
            }
            _ => {
                let (name, global) = self.callable(callable);
                self.push_call(name.clone(), global);
                self.texts.push(name);
                Maker::Text(self.texts.len() - 1)
            }
        };
        self.add(Node::Object(maker))
    }

    /// APPENDS and the like on what a call made: a loader calls its method.
    fn fill(&mut self, target: Id, method: &str) {
        if let Node::Object(maker) = self.node(target) {
            let owner = format!("<result of {}>", self.maker_name(maker));
            self.push_call(format!("{owner}.{method}"), None);
        }
    }

    fn note_blob(&mut self, data: &[u8]) {
        if !matches!(data, [0x80, 2..=5, ..]) {
            return;
        }
        let base = self.input.as_ptr() as usize;
        let at = data.as_ptr() as usize;
        if at >= base && at + data.len() <= base + self.input.len() {
            self.record
                .blobs
                .push(Blob::Range(at - base, at - base + data.len()));
        } else {
            self.record.blobs.push(Blob::Owned(data.to_vec()));
        }
    }
}

impl PickleSink for Sink<'_> {
    type Handle = Id;
    type Error = Infallible;

    #[inline]
    fn at_opcode(&mut self, offset: usize, opcode: u8) {
        self.offset = offset;
        self.opcode = opcode;
    }
    fn share(&mut self, handle: &Id) -> Id {
        *handle
    }
    fn none(&mut self) -> Made {
        Ok(PLAIN)
    }
    fn bool(&mut self, _: bool) -> Made {
        Ok(PLAIN)
    }
    fn int(&mut self, _: i64) -> Made {
        Ok(PLAIN)
    }
    fn big_int(&mut self, _: &[u8]) -> Made {
        Ok(PLAIN)
    }
    fn float(&mut self, _: f64) -> Made {
        Ok(PLAIN)
    }
    fn str(&mut self, text: PickleStr<'_>) -> Made {
        // "\x80\x02…" as text: what `s.encode("latin-1")` would turn into
        // a pickle.
        if text.bytes.starts_with(&[0xC2, 0x80]) {
            if let Some(text) = text.as_str() {
                let bytes: Option<Vec<u8>> = text
                    .chars()
                    .map(|c| u8::try_from(u32::from(c)).ok())
                    .collect();
                if let Some(bytes) = bytes {
                    self.note_blob(&bytes);
                }
            }
        }
        Ok(PLAIN)
    }
    fn bytes(&mut self, bytes: &[u8]) -> Made {
        self.note_blob(bytes);
        Ok(PLAIN)
    }
    fn bytearray(&mut self, bytes: &[u8]) -> Made {
        self.note_blob(bytes);
        Ok(PLAIN)
    }
    fn empty_list(&mut self) -> Made {
        Ok(PLAIN)
    }
    fn empty_dict(&mut self) -> Made {
        Ok(PLAIN)
    }
    fn empty_set(&mut self) -> Made {
        Ok(PLAIN)
    }
    fn tuple(&mut self, items: Items<'_, Id>) -> Made {
        match items.first().map(|&first| self.node(first)) {
            Some(Node::Global(index)) => self.add(Node::FirstGlobal(index)),
            _ => Ok(PLAIN),
        }
    }
    fn frozenset(&mut self, _: Items<'_, Id>) -> Made {
        Ok(PLAIN)
    }
    fn list_extend(&mut self, target: &Id, _: Items<'_, Id>) -> Result<(), Infallible> {
        self.fill(*target, "extend");
        Ok(())
    }
    fn dict_set_items(&mut self, target: &Id, _: Pairs<'_, Id>) -> Result<(), Infallible> {
        self.fill(*target, "__setitem__");
        Ok(())
    }
    fn set_add(&mut self, target: &Id, _: Items<'_, Id>) -> Result<(), Infallible> {
        self.fill(*target, "add");
        Ok(())
    }
    fn global(&mut self, module: &str, qualname: &str) -> Made {
        self.import(GlobalTarget::Name {
            module: module.into(),
            qualname: qualname.into(),
        })
    }
    fn call(&mut self, callable: Id, args: Id) -> Made {
        self.make(callable, Some(args))
    }
    fn new_object(&mut self, cls: Id, _: Id, _: Option<Id>) -> Made {
        self.make(cls, None)
    }
    /// INST and OBJ: one call, whichever way CPython would make it.
    fn instantiate(&mut self, cls: Id, _: Id, _: usize) -> Made {
        self.make(cls, None)
    }
    fn build(&mut self, target: &Id, _: Id) -> Result<(), Infallible> {
        // The machine lets BUILD act only on what a call made: the callable
        // is that object's __setstate__, classified by its class.
        let (owner, global) = match self.node(*target) {
            Node::Object(Maker::Global(index)) => {
                (self.record.targets[index].display_name(), Some(index))
            }
            Node::Object(maker) => (self.maker_name(maker), None),
            _ => self.callable(*target),
        };
        self.push_call(format!("{owner}.__setstate__"), global);
        Ok(())
    }
    fn persistent_load(&mut self, _: Id) -> Made {
        self.push_call("persistent_load".into(), None);
        self.add(Node::Persistent)
    }
    fn extension(&mut self, code: u32) -> Made {
        self.import(GlobalTarget::Extension(code))
    }
    fn next_buffer(&mut self) -> Made {
        Ok(PLAIN)
    }
    fn readonly_buffer(&mut self, buffer: Id) -> Made {
        Ok(buffer)
    }
}
