//! An annotated disassembly of pickles, in the spirit of
//! `pickletools.dis`: each opcode with its offset, argument, the stack
//! depth after it and its effect on the stack and the memo, then every
//! global the pickle names and every call it asks for.
//!
//! The real work is done by the same [`machine`](super::machine) that loads
//! pickles, driven with a sink that only records what it is asked to do.
//! So STACK_GLOBAL operands fetched from the memo, DUPs, Python 2 renames
//! and the checks that make a pickle fail are exactly those of a load; the
//! listing can never disagree with what a loader would run. The opcode
//! stream is walked a second time, with the machine's own reader and the
//! opcode table, only for what the sink cannot see: offsets, raw arguments,
//! stack depth and memo keys. Each opcode's sink calls are a fixed function
//! of the opcode (and, for APPENDS and its siblings, of whether the batch is
//! empty), which is how the two walks are matched up.
//!
//! Nothing is imported or called, whatever the pickle holds.

use std::collections::HashSet;
use std::convert::Infallible;

use num_bigint::BigInt;

use super::machine::{load, Failure};
use super::opcodes::{self, Arg, *};
use super::read::Reader;
use super::sink::{Items, Pairs, PickleSink, PickleStr};
use super::LoadOptions;
use crate::error::{Error, Position, Result};

/// Longest text shown for a string or bytes value, in characters. Enough to
/// recognise a module name or a shell command; the rest is elided with its
/// length, so a hostile 2 GB string cannot flood the listing.
const MAX_SHOWN_CHARS: usize = 48;

/// The disassembly of everything in the input: the pickles one after the
/// other, then what they import and call.
#[derive(Debug, Default)]
pub struct Listing {
    pub pickles: Vec<PickleListing>,
    /// Every global named, in input order, including those named by the
    /// opcode that failed.
    pub globals: Vec<GlobalUse>,
    /// Every call asked for, in input order.
    pub calls: Vec<CallUse>,
    /// Why disassembly stopped early. Everything before it is listed, and
    /// counted in `globals` and `calls`: a loader would have run it.
    pub error: Option<Error>,
}

/// One pickle of a concatenation.
#[derive(Clone, Debug)]
pub struct PickleListing {
    /// Offset of its first opcode.
    pub start: usize,
    /// Offset just past its STOP; `None` when it failed before.
    pub end: Option<usize>,
    pub entries: Vec<Entry>,
}

/// One opcode.
#[derive(Clone, Debug)]
pub struct Entry {
    pub offset: usize,
    pub code: u8,
    /// The `pickletools` name, or `"unknown opcode"`.
    pub opcode: &'static str,
    /// The decoded argument as display text; empty when there is none.
    pub argument: String,
    /// Values on the stack after the opcode (MARKs not counted).
    pub depth: usize,
    /// Open MARKs after the opcode.
    pub marks: usize,
    /// `memo[3] = …` for a store, `← memo[3]` for a fetch.
    pub memo: Option<String>,
    /// What the opcode does, e.g. `push str 'name'`, `call os.system(1 args)`.
    pub effect: String,
    /// Set on the opcode at which loading failed; `depth` and `marks` are
    /// then those before it.
    pub failed: bool,
}

/// What a global use names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GlobalTarget {
    /// `module` and `qualname` after `fix_imports`' Python 2 renames.
    Name { module: String, qualname: String },
    /// An EXT1/EXT2/EXT4 code. The name depends on the loading process's
    /// `copyreg` extension registry, which the core does not have.
    Extension(u32),
}

impl GlobalTarget {
    /// `module.qualname`, or `extension code N`.
    pub fn display_name(&self) -> String {
        match self {
            GlobalTarget::Name { module, qualname } => format!("{module}.{qualname}"),
            GlobalTarget::Extension(code) => format!("extension code {code}"),
        }
    }
}

#[derive(Clone, Debug)]
pub struct GlobalUse {
    /// Index into [`Listing::pickles`].
    pub pickle: usize,
    pub offset: usize,
    /// GLOBAL, STACK_GLOBAL, INST, EXT1, EXT2 or EXT4.
    pub opcode: &'static str,
    pub target: GlobalTarget,
}

#[derive(Clone, Debug)]
pub struct CallUse {
    pub pickle: usize,
    pub offset: usize,
    /// REDUCE, NEWOBJ, NEWOBJ_EX, OBJ, INST, BUILD, PERSID or BINPERSID;
    /// APPEND(S), SETITEM(S) and ADDITEMS when their target is an object
    /// a call made, since a loader then calls its `extend`/`append`,
    /// `__setitem__` or `add`.
    pub opcode: &'static str,
    /// The callable as display text: `os.system`, `mod.Cls.__setstate__`,
    /// `persistent_load`, or a description such as `<result of f>`.
    pub callable: String,
    /// The callable, when it is a global (or the class of a BUILD target).
    pub global: Option<GlobalTarget>,
    /// Positional arguments, when the call takes an argument tuple.
    pub args: Option<usize>,
    /// Keyword arguments (NEWOBJ_EX).
    pub kwargs: Option<usize>,
    /// The whole call as display text, e.g. `os.system('echo hi')`.
    pub text: String,
}

/// Disassembles every pickle in `input`, one after the other, until the
/// input ends or one fails. Failures of the pickle (malformed, truncated,
/// over a limit) are reported in [`Listing::error`] with what was read
/// before them; only an input over `max_input_bytes` is an `Err`, since
/// nothing of it is looked at.
pub fn disassemble(input: &[u8], options: &LoadOptions) -> Result<Listing> {
    let max_input = options.limits.max_input_bytes;
    if input.len() > max_input {
        return Err(Error::limit(
            "input size in bytes",
            max_input,
            Some(Position::Offset(max_input)),
        ));
    }
    let mut listing = Listing::default();
    let mut start = 0;
    loop {
        let index = listing.pickles.len();
        let mut sink = Recorder::default();
        let outcome = load(input, start, options, &mut sink);
        let (end, error) = match outcome {
            Ok((root, end)) => {
                sink.root = Some(root);
                (Some(end), None)
            }
            Err(Failure::Pickle(error)) => (None, Some(error)),
            Err(Failure::Sink { error, .. }) => match error {},
        };
        let failed_at = error
            .as_ref()
            .map(|error| error.position().map_or(input.len(), |p| p.offset()));
        let walk = Walk {
            input,
            pickle: index,
            sink: &sink,
            next_event: 0,
            depth: 0,
            marks: Vec::new(),
            memo_keys: HashSet::new(),
            listing: &mut listing,
        };
        let entries = walk.run(start, failed_at);
        listing.pickles.push(PickleListing {
            start,
            end,
            entries,
        });
        match end {
            Some(end) if end < input.len() => start = end,
            _ => {
                listing.error = error;
                return Ok(listing);
            }
        }
    }
}

/// Whether `input` looks like a pickle: it starts with PROTO, or (for
/// protocols 0 and 1, which have no header) it starts with an opcode that
/// pushes a value or a MARK, and its first opcodes are all protocol 0/1
/// opcodes with well-formed arguments, up to a STOP, for long enough that
/// text does not pass by accident, or up to the end of a truncated input.
/// JSON never passes: `{`, `[`, `"` and digits cannot start a pickle, and
/// `true`, `false`, `null` start with letters that are not opcodes or
/// cannot come first.
pub fn looks_like_pickle(input: &[u8]) -> bool {
    const ENOUGH_OPCODES: usize = 16;
    const ENOUGH_BEFORE_THE_END: usize = 4;
    match input.first().copied() {
        Some(PROTO) => return true,
        Some(
            MARK | NONE | INT | BININT | BININT1 | BININT2 | LONG | FLOAT | BINFLOAT | STRING
            | BINSTRING | SHORT_BINSTRING | UNICODE | BINUNICODE | EMPTY_LIST | EMPTY_DICT
            | EMPTY_TUPLE | GLOBAL | PERSID,
        ) => {}
        _ => return false,
    }
    let mut reader = Reader::new(input, 0);
    for read in 0..ENOUGH_OPCODES {
        let Some(code) = reader.opcode() else {
            return read >= ENOUGH_BEFORE_THE_END;
        };
        match opcodes::info(code) {
            Some(info) if info.proto <= 1 => {}
            _ => return false,
        }
        if code == STOP {
            return true;
        }
        if read_argument(&mut reader, code).is_err() {
            // Arguments only fail to read when the input ends inside them
            // (or a length is negative): a truncated pickle.
            return read >= ENOUGH_BEFORE_THE_END;
        }
    }
    true
}

/// What a handle stands for: a short description, not the value.
#[derive(Clone, Debug)]
enum Desc {
    None,
    Bool(bool),
    Int(String),
    Float(f64),
    Str(String),
    Bytes(String),
    ByteArray(usize),
    Buffer,
    List(usize),
    Dict(usize),
    Set(usize),
    Tuple(usize),
    FrozenSet(usize),
    Global(GlobalTarget),
    /// Made by a call to the named callable.
    Object(String),
    Persistent(String),
}

impl Desc {
    fn text(&self) -> String {
        match self {
            Desc::None => "None".into(),
            Desc::Bool(true) => "True".into(),
            Desc::Bool(false) => "False".into(),
            Desc::Int(text) => format!("int {text}"),
            Desc::Float(value) => format!("float {value:?}"),
            Desc::Str(repr) => format!("str {repr}"),
            Desc::Bytes(repr) => format!("bytes {repr}"),
            Desc::ByteArray(len) => format!("bytearray of {len} bytes"),
            Desc::Buffer => "buffer".into(),
            Desc::List(len) => format!("list of {len}"),
            Desc::Dict(len) => format!("dict of {len}"),
            Desc::Set(len) => format!("set of {len}"),
            Desc::Tuple(len) => format!("tuple of {len}"),
            Desc::FrozenSet(len) => format!("frozenset of {len}"),
            Desc::Global(target) => format!("global {}", target.display_name()),
            Desc::Object(maker) => format!("<result of {maker}>"),
            Desc::Persistent(pid) => format!("<persistent {pid}>"),
        }
    }

    /// How the value reads as an argument in a call's display text.
    fn as_argument(&self) -> String {
        match self {
            Desc::Int(text) => text.clone(),
            Desc::Str(repr) | Desc::Bytes(repr) => repr.clone(),
            Desc::Float(value) => format!("{value:?}"),
            Desc::Global(target) => target.display_name(),
            _ => self.text(),
        }
    }

    /// The callable's name, when this value is used as one.
    fn callable_name(&self) -> String {
        match self {
            Desc::Global(target) => target.display_name(),
            Desc::Object(_) | Desc::Persistent(_) => self.text(),
            other => format!("<{}>", other.text()),
        }
    }

    fn global(&self) -> Option<GlobalTarget> {
        match self {
            Desc::Global(target) => Some(target.clone()),
            _ => None,
        }
    }
}

/// One sink call, described when it happened (containers change later).
#[derive(Debug)]
struct Event {
    effect: String,
    /// For `share`: the shared value, for memo and DUP annotations.
    shared: Option<String>,
    global: Option<GlobalTarget>,
    call: Option<Call>,
}

#[derive(Debug)]
struct Call {
    callable: String,
    global: Option<GlobalTarget>,
    args: Option<usize>,
    kwargs: Option<usize>,
    text: String,
}

impl Event {
    fn effect(effect: String) -> Self {
        Event {
            effect,
            shared: None,
            global: None,
            call: None,
        }
    }
}

/// The recording sink. Handles index `descs`; `share` hands out the same
/// index, so a mutation through one handle shows through all, as the
/// [`PickleSink`] contract requires.
#[derive(Default)]
struct Recorder {
    descs: Vec<Desc>,
    /// Arguments of tuples, kept short, for call display text.
    tuple_items: Vec<Vec<String>>,
    events: Vec<Event>,
    /// Tuples whose first item is a global, by handle: the class that
    /// `copyreg._reconstructor(cls, …)` and `copyreg.__newobj__(cls, …)`
    /// instantiate, so a later BUILD can be named after it.
    first_globals: std::collections::HashMap<usize, String>,
    buffers: usize,
    root: Option<usize>,
}

/// Tuples longer than this show only their first items in call text.
const MAX_SHOWN_ARGS: usize = 4;

impl Recorder {
    fn make(&mut self, desc: Desc, effect: String) -> usize {
        self.events.push(Event::effect(effect));
        self.add(desc)
    }

    fn add(&mut self, desc: Desc) -> usize {
        self.descs.push(desc);
        self.tuple_items.push(Vec::new());
        self.descs.len() - 1
    }

    fn desc(&self, handle: usize) -> &Desc {
        self.descs.get(handle).unwrap_or(&Desc::None)
    }

    fn text(&self, handle: usize) -> String {
        self.desc(handle).text()
    }

    fn len(&self, handle: usize) -> usize {
        match self.desc(handle) {
            Desc::List(len)
            | Desc::Dict(len)
            | Desc::Set(len)
            | Desc::Tuple(len)
            | Desc::FrozenSet(len) => *len,
            _ => 0,
        }
    }

    /// `(a, b, …)` of a tuple made by this sink.
    fn arguments(&self, tuple: usize) -> String {
        let items = self.tuple_items.get(tuple).map_or(&[][..], Vec::as_slice);
        let mut text = items.join(", ");
        if self.len(tuple) > items.len() {
            text.push_str(", …");
        }
        text
    }

    /// Grows a container after APPENDS and the like; for a call's result,
    /// records the method call a loader would make on it.
    fn fill(
        &mut self,
        target: usize,
        added: usize,
        verb: &str,
        method: &str,
    ) -> Result<(), Infallible> {
        let desc = self.descs.get_mut(target);
        let call = match desc {
            Some(Desc::List(len) | Desc::Dict(len) | Desc::Set(len)) => {
                *len += added;
                None
            }
            Some(other) => {
                let owner = other.callable_name();
                Some(Call {
                    callable: format!("{owner}.{method}"),
                    global: None,
                    args: Some(added),
                    kwargs: None,
                    text: format!("{owner}.{method}({added} items)"),
                })
            }
            None => None,
        };
        let target = self.text(target);
        let effect = match method {
            "__setitem__" => format!("set {added} items on {target}"),
            _ => format!("{verb} {added} to {target}"),
        };
        self.events.push(Event {
            call,
            ..Event::effect(effect)
        });
        Ok(())
    }
}

impl PickleSink for Recorder {
    type Handle = usize;
    type Error = Infallible;

    fn share(&mut self, handle: &usize) -> usize {
        let shared = self.text(*handle);
        self.events.push(Event {
            shared: Some(shared),
            ..Event::effect(String::new())
        });
        *handle
    }

    fn none(&mut self) -> Result<usize, Infallible> {
        Ok(self.make(Desc::None, "push None".into()))
    }

    fn bool(&mut self, value: bool) -> Result<usize, Infallible> {
        let desc = Desc::Bool(value);
        let effect = format!("push {}", desc.text());
        Ok(self.make(desc, effect))
    }

    fn int(&mut self, value: i64) -> Result<usize, Infallible> {
        let desc = Desc::Int(value.to_string());
        let effect = format!("push {}", desc.text());
        Ok(self.make(desc, effect))
    }

    fn big_int(&mut self, le_twos_complement: &[u8]) -> Result<usize, Infallible> {
        let desc = Desc::Int(big_int_text(le_twos_complement));
        let effect = format!("push {}", desc.text());
        Ok(self.make(desc, effect))
    }

    fn float(&mut self, value: f64) -> Result<usize, Infallible> {
        let desc = Desc::Float(value);
        let effect = format!("push {}", desc.text());
        Ok(self.make(desc, effect))
    }

    fn str(&mut self, text: PickleStr<'_>) -> Result<usize, Infallible> {
        let desc = Desc::Str(str_repr(&String::from_utf8_lossy(text.bytes)));
        let effect = format!("push {}", desc.text());
        Ok(self.make(desc, effect))
    }

    fn bytes(&mut self, bytes: &[u8]) -> Result<usize, Infallible> {
        let desc = Desc::Bytes(bytes_repr(bytes));
        let effect = format!("push {}", desc.text());
        Ok(self.make(desc, effect))
    }

    fn bytearray(&mut self, bytes: &[u8]) -> Result<usize, Infallible> {
        let desc = Desc::ByteArray(bytes.len());
        let effect = format!("push {}", desc.text());
        Ok(self.make(desc, effect))
    }

    fn empty_list(&mut self) -> Result<usize, Infallible> {
        Ok(self.make(Desc::List(0), "push empty list".into()))
    }

    fn empty_dict(&mut self) -> Result<usize, Infallible> {
        Ok(self.make(Desc::Dict(0), "push empty dict".into()))
    }

    fn empty_set(&mut self) -> Result<usize, Infallible> {
        Ok(self.make(Desc::Set(0), "push empty set".into()))
    }

    fn tuple(&mut self, items: Items<'_, usize>) -> Result<usize, Infallible> {
        let len = items.len();
        let first = items.first().map(|&item| self.desc(item).global());
        let shown: Vec<String> = items
            .take(MAX_SHOWN_ARGS)
            .map(|item| self.desc(item).as_argument())
            .collect();
        let effect = if len == 0 {
            "push empty tuple".to_owned()
        } else {
            format!("build tuple of {len}")
        };
        let handle = self.make(Desc::Tuple(len), effect);
        if let Some(Some(class)) = first {
            self.first_globals.insert(handle, class.display_name());
        }
        if let Some(slot) = self.tuple_items.get_mut(handle) {
            *slot = shown;
        }
        Ok(handle)
    }

    fn frozenset(&mut self, items: Items<'_, usize>) -> Result<usize, Infallible> {
        let len = items.len();
        Ok(self.make(Desc::FrozenSet(len), format!("build frozenset of {len}")))
    }

    fn list_extend(&mut self, target: &usize, items: Items<'_, usize>) -> Result<(), Infallible> {
        self.fill(*target, items.len(), "append", "extend")
    }

    fn dict_set_items(
        &mut self,
        target: &usize,
        pairs: Pairs<'_, usize>,
    ) -> Result<(), Infallible> {
        // Repeated keys are counted each time: the recorder keeps no keys.
        self.fill(*target, pairs.len(), "set items", "__setitem__")
    }

    fn set_add(&mut self, target: &usize, items: Items<'_, usize>) -> Result<(), Infallible> {
        self.fill(*target, items.len(), "add", "add")
    }

    fn global(&mut self, module: &str, qualname: &str) -> Result<usize, Infallible> {
        let target = GlobalTarget::Name {
            module: module.into(),
            qualname: qualname.into(),
        };
        let effect = format!("push global {}", target.display_name());
        self.events.push(Event {
            global: Some(target.clone()),
            ..Event::effect(effect)
        });
        Ok(self.add(Desc::Global(target)))
    }

    fn call(&mut self, callable: usize, args: usize) -> Result<usize, Infallible> {
        let name = self.desc(callable).callable_name();
        let count = self.len(args);
        let text = format!("{name}({})", self.arguments(args));
        let call = Call {
            callable: name.clone(),
            global: self.desc(callable).global(),
            args: Some(count),
            kwargs: None,
            text,
        };
        self.events.push(Event {
            call: Some(call),
            ..Event::effect(format!("call {name}({count} args)"))
        });
        // Protocols 0 and 1 (and some reducers) make instances through
        // copyreg; what is built is an instance of the class passed first.
        let made = match name.as_str() {
            "copyreg._reconstructor" | "copyreg.__newobj__" | "copyreg.__newobj_ex__" => {
                self.first_globals.get(&args).cloned().unwrap_or(name)
            }
            _ => name,
        };
        Ok(self.add(Desc::Object(made)))
    }

    fn new_object(
        &mut self,
        cls: usize,
        args: usize,
        kwargs: Option<usize>,
    ) -> Result<usize, Infallible> {
        let name = self.desc(cls).callable_name();
        let count = self.len(args);
        let kwargs = kwargs.map(|kwargs| self.len(kwargs));
        let mut shown = self.arguments(args);
        let mut effect = format!("call {name}.__new__({count} args");
        if let Some(kwargs) = kwargs {
            effect.push_str(&format!(", {kwargs} kwargs"));
            if !shown.is_empty() {
                shown.push_str(", ");
            }
            shown.push_str(&format!("**dict of {kwargs}"));
        }
        effect.push(')');
        let call = Call {
            callable: name.clone(),
            global: self.desc(cls).global(),
            args: Some(count),
            kwargs,
            text: format!(
                "{name}.__new__({name}{}{shown})",
                if shown.is_empty() { "" } else { ", " }
            ),
        };
        self.events.push(Event {
            call: Some(call),
            ..Event::effect(effect)
        });
        Ok(self.add(Desc::Object(name)))
    }

    /// Overridden so INST and OBJ record one call, whichever way CPython
    /// would make it.
    fn instantiate(
        &mut self,
        cls: usize,
        args: usize,
        arg_count: usize,
    ) -> Result<usize, Infallible> {
        let name = self.desc(cls).callable_name();
        let call = Call {
            callable: name.clone(),
            global: self.desc(cls).global(),
            args: Some(arg_count),
            kwargs: None,
            text: format!("{name}({})", self.arguments(args)),
        };
        self.events.push(Event {
            call: Some(call),
            ..Event::effect(format!("instantiate {name}({arg_count} args)"))
        });
        Ok(self.add(Desc::Object(name)))
    }

    fn build(&mut self, target: &usize, state: usize) -> Result<(), Infallible> {
        // The machine only lets BUILD act on what a call made, so the
        // callable is that object's __setstate__ (or the __dict__ update
        // a loader falls back on).
        let owner = match self.desc(*target) {
            Desc::Object(maker) => maker.clone(),
            other => other.callable_name(),
        };
        let state_text = self.text(state);
        let global = match self.desc(*target) {
            Desc::Object(maker) => self.descs.iter().find_map(|desc| match desc {
                Desc::Global(target) if target.display_name() == *maker => Some(target.clone()),
                _ => None,
            }),
            _ => None,
        };
        let call = Call {
            callable: format!("{owner}.__setstate__"),
            global,
            args: Some(1),
            kwargs: None,
            text: format!("{owner}.__setstate__({state_text})"),
        };
        self.events.push(Event {
            call: Some(call),
            ..Event::effect(format!(
                "set state of {} from {state_text}",
                self.text(*target)
            ))
        });
        Ok(())
    }

    fn persistent_load(&mut self, pid: usize) -> Result<usize, Infallible> {
        let pid_text = self.desc(pid).as_argument();
        let call = Call {
            callable: "persistent_load".into(),
            global: None,
            args: Some(1),
            kwargs: None,
            text: format!("persistent_load({pid_text})"),
        };
        self.events.push(Event {
            call: Some(call),
            ..Event::effect(format!("call persistent_load({pid_text})"))
        });
        Ok(self.add(Desc::Persistent(pid_text)))
    }

    fn extension(&mut self, code: u32) -> Result<usize, Infallible> {
        let target = GlobalTarget::Extension(code);
        self.events.push(Event {
            global: Some(target.clone()),
            ..Event::effect(format!(
                "push the global registered as extension code {code} (copyreg)"
            ))
        });
        Ok(self.add(Desc::Global(target)))
    }

    fn next_buffer(&mut self) -> Result<usize, Infallible> {
        self.buffers += 1;
        let effect = format!("push out-of-band buffer #{}", self.buffers);
        Ok(self.make(Desc::Buffer, effect))
    }

    fn readonly_buffer(&mut self, buffer: usize) -> Result<usize, Infallible> {
        let effect = format!("make {} read-only", self.text(buffer));
        self.events.push(Event::effect(effect));
        Ok(buffer)
    }
}

/// The second pass over one pickle: offsets, arguments, stack depth and
/// memo keys, matched with the recorder's events.
struct Walk<'i, 'r, 'l> {
    input: &'i [u8],
    pickle: usize,
    sink: &'r Recorder,
    next_event: usize,
    depth: usize,
    /// Stack depths and offsets of the open MARKs.
    marks: Vec<(usize, usize)>,
    /// Distinct keys set, for MEMOIZE's implicit key.
    memo_keys: HashSet<u64>,
    listing: &'l mut Listing,
}

/// The decoded argument of one opcode.
enum Argument {
    None,
    Number(u64),
    /// INT and LONG's decimal line, which GET and PUT also use.
    Key(Option<u64>),
}

impl Walk<'_, '_, '_> {
    /// Lists the pickle from `start` until its STOP or the opcode at
    /// `failed_at`, where the machine stopped.
    fn run(mut self, start: usize, failed_at: Option<usize>) -> Vec<Entry> {
        let mut reader = Reader::new(self.input, start);
        let mut entries = Vec::new();
        loop {
            let offset = reader.pos();
            let failing = failed_at == Some(offset);
            let Some(code) = reader.opcode() else {
                break;
            };
            let opcode = opcodes::name(code);
            let parsed = read_argument(&mut reader, code);
            let (argument, display) = match parsed {
                Ok((argument, display)) => (Some(argument), display),
                Err(()) => (None, String::new()),
            };
            let mut entry = Entry {
                offset,
                code,
                opcode,
                argument: display,
                depth: self.depth,
                marks: self.marks.len(),
                memo: None,
                effect: String::new(),
                failed: failing,
            };
            let (Some(argument), false) = (argument, failing) else {
                // The machine failed here; any sink calls it made before
                // failing still count (a loader would have made them).
                entry.failed = true;
                let rest = self.sink.events.len().saturating_sub(self.next_event);
                let effects = self.take_events(rest, offset, opcode);
                entry.effect = effects.last().cloned().unwrap_or_default();
                entries.push(entry);
                break;
            };
            self.step(code, argument, &mut entry);
            entry.depth = self.depth;
            entry.marks = self.marks.len();
            entries.push(entry);
            if code == STOP {
                break;
            }
        }
        // Every sink call has been matched to its opcode by now; should one
        // be left over, it still belongs in the summary, which must never
        // miss an import or a call.
        let rest = self.sink.events.len().saturating_sub(self.next_event);
        if let Some(last) = entries.last() {
            self.take_events(rest, last.offset, last.opcode);
        }
        entries
    }

    /// Applies one opcode the machine accepted.
    fn step(&mut self, code: u8, argument: Argument, entry: &mut Entry) {
        let fence = self.marks.last().map_or(0, |&(depth, _)| depth);
        let (offset, opcode) = (entry.offset, entry.opcode);
        let mut events = 1;
        let mut effect = None;
        match code {
            PROTO => {
                events = 0;
                if let Argument::Number(proto) = argument {
                    effect = Some(format!("protocol {proto}"));
                }
            }
            FRAME => {
                events = 0;
                if let Argument::Number(len) = argument {
                    effect = Some(format!("frame of {len} bytes"));
                }
            }
            MARK => {
                events = 0;
                self.marks.push((self.depth, offset));
                effect = Some("push mark".into());
            }
            POP => {
                events = 0;
                // With nothing above the last MARK, POP discards the MARK.
                if self.depth > fence {
                    self.depth -= 1;
                    effect = Some("discard top".into());
                } else {
                    self.marks.pop();
                    effect = Some("discard mark".into());
                }
            }
            POP_MARK => {
                events = 0;
                let count = self.close_mark(entry);
                effect = Some(format!("discard mark and {count} above it"));
            }
            STOP => {
                events = 0;
                self.depth = self.depth.saturating_sub(1);
                let root = self.sink.root.map(|root| self.sink.text(root));
                effect = Some(format!("return {}", root.unwrap_or_default()));
            }
            APPENDS | SETITEMS | ADDITEMS => {
                if self.close_mark(entry) == 0 {
                    events = 0;
                    effect = Some("nothing to add".into());
                }
            }
            LIST | DICT => {
                let count = self.close_mark(entry);
                events = 2;
                effect = Some(match code {
                    LIST => format!("build list of {count}"),
                    _ => format!("build dict of {}", count / 2),
                });
                self.depth += 1;
            }
            TUPLE | FROZENSET => {
                self.close_mark(entry);
                self.depth += 1;
            }
            INST | OBJ => {
                self.close_mark(entry);
                events = if code == INST { 3 } else { 2 };
                self.depth += 1;
            }
            PERSID => {
                events = 2;
                self.depth += 1;
            }
            TUPLE1 | TUPLE2 | TUPLE3 => {
                let count = usize::from(code - TUPLE1) + 1;
                self.depth = self.depth.saturating_sub(count) + 1;
            }
            APPEND | STACK_GLOBAL | REDUCE | NEWOBJ | BUILD => {
                self.depth = self.depth.saturating_sub(1);
            }
            SETITEM | NEWOBJ_EX => self.depth = self.depth.saturating_sub(2),
            BINPERSID | READONLY_BUFFER => {}
            DUP | GET | BINGET | LONG_BINGET => {
                self.depth += 1;
                let key = match argument {
                    Argument::Number(key) | Argument::Key(Some(key)) => Some(key),
                    _ => None,
                };
                if let Some(key) = key {
                    entry.memo = Some(format!("← memo[{key}]"));
                }
            }
            PUT | BINPUT | LONG_BINPUT | MEMOIZE => {
                let key = match argument {
                    Argument::Number(key) | Argument::Key(Some(key)) => key,
                    _ => self.memo_keys.len() as u64,
                };
                self.memo_keys.insert(key);
                if code == MEMOIZE {
                    entry.argument = format!("(as {key})");
                }
                entry.memo = Some(format!("memo[{key}] = "));
            }
            // Everything else pushes one value.
            _ => self.depth += 1,
        }
        let effects = self.take_events(events, offset, opcode);
        let shared = events == 1
            && matches!(
                code,
                DUP | GET | BINGET | LONG_BINGET | PUT | BINPUT | LONG_BINPUT | MEMOIZE
            );
        if shared {
            let value = self
                .sink
                .events
                .get(self.next_event.saturating_sub(1))
                .and_then(|event| event.shared.clone())
                .unwrap_or_default();
            match code {
                DUP => effect = Some(format!("push a copy of {value}")),
                GET | BINGET | LONG_BINGET => effect = Some(format!("push {value}")),
                _ => {
                    if let Some(memo) = &mut entry.memo {
                        memo.push_str(&value);
                    }
                    effect = Some(String::new());
                }
            }
        }
        entry.effect = effect.unwrap_or_else(|| effects.last().cloned().unwrap_or_default());
    }

    /// Closes the last MARK and returns the number of values above it;
    /// notes where the MARK was, as `pickletools.dis` does.
    fn close_mark(&mut self, entry: &mut Entry) -> usize {
        let (mark, at) = self.marks.pop().unwrap_or((0, 0));
        let count = self.depth.saturating_sub(mark);
        self.depth = mark;
        if entry.argument.is_empty() {
            entry.argument = format!("(MARK at {at})");
        }
        count
    }

    /// Takes the next `count` events, adds what they import or call to the
    /// summary, and returns their effects.
    fn take_events(&mut self, count: usize, offset: usize, opcode: &'static str) -> Vec<String> {
        let end = self
            .next_event
            .saturating_add(count)
            .min(self.sink.events.len());
        let events = self.sink.events.get(self.next_event..end).unwrap_or(&[]);
        self.next_event = end;
        let mut effects = Vec::with_capacity(events.len());
        for event in events {
            if let Some(target) = &event.global {
                self.listing.globals.push(GlobalUse {
                    pickle: self.pickle,
                    offset,
                    opcode,
                    target: target.clone(),
                });
            }
            if let Some(call) = &event.call {
                self.listing.calls.push(CallUse {
                    pickle: self.pickle,
                    offset,
                    opcode,
                    callable: call.callable.clone(),
                    global: call.global.clone(),
                    args: call.args,
                    kwargs: call.kwargs,
                    text: call.text.clone(),
                });
            }
            effects.push(event.effect.clone());
        }
        effects
    }
}

/// Reads an opcode's argument as the opcode table lays it out, for display.
/// The machine has already validated it (or failed on it); this only has
/// to consume the same bytes.
fn read_argument(reader: &mut Reader<'_>, code: u8) -> Result<(Argument, String), ()> {
    let Some(info) = opcodes::info(code) else {
        return Err(());
    };
    Ok(match info.arg {
        Arg::None => (Argument::None, String::new()),
        Arg::Uint1 => number(u64::from(reader.u8().map_err(|_| ())?)),
        Arg::Uint2 => number(u64::from(reader.u16().map_err(|_| ())?)),
        Arg::Uint4 => number(u64::from(reader.u32().map_err(|_| ())?)),
        Arg::Uint8 => number(reader.u64().map_err(|_| ())?),
        Arg::Int4 => {
            let value = reader.i32().map_err(|_| ())?;
            let argument = u64::try_from(value).map_or(Argument::None, Argument::Number);
            (argument, value.to_string())
        }
        Arg::Long1 | Arg::Long4 => {
            let len = if info.arg == Arg::Long1 {
                i64::from(reader.u8().map_err(|_| ())?)
            } else {
                i64::from(reader.i32().map_err(|_| ())?)
            };
            let len = u64::try_from(len).map_err(|_| ())?;
            let bytes = take(reader, len)?;
            (Argument::None, big_int_text(bytes))
        }
        Arg::DecimalNlShort | Arg::DecimalNlLong => {
            let line = reader.line().map_err(|_| ())?;
            let text = String::from_utf8_lossy(line);
            let key = text.trim().parse::<u64>().ok();
            (Argument::Key(key), shorten(&text))
        }
        Arg::FloatNl | Arg::StringNl | Arg::StringNlNoescape | Arg::UnicodeStringNl => {
            let line = reader.line().map_err(|_| ())?;
            (Argument::None, shorten(&escape_line(line)))
        }
        Arg::StringNlNoescapePair => {
            let module = reader.line().map_err(|_| ())?;
            let name = reader.line().map_err(|_| ())?;
            let pair = format!("{} {}", escape_line(module), escape_line(name));
            (Argument::None, str_repr(&pair))
        }
        Arg::String1 | Arg::String4 => {
            let len = if info.arg == Arg::String1 {
                i64::from(reader.u8().map_err(|_| ())?)
            } else {
                i64::from(reader.i32().map_err(|_| ())?)
            };
            let len = u64::try_from(len).map_err(|_| ())?;
            // Python 2 str: shown as latin-1 text, as pickletools does.
            let bytes = take(reader, len)?;
            let text: String = bytes.iter().map(|&b| char::from(b)).collect();
            (Argument::None, str_repr(&text))
        }
        Arg::Bytes1 | Arg::Bytes4 | Arg::Bytes8 | Arg::ByteArray8 => {
            let len = match info.arg {
                Arg::Bytes1 => u64::from(reader.u8().map_err(|_| ())?),
                Arg::Bytes4 => u64::from(reader.u32().map_err(|_| ())?),
                _ => reader.u64().map_err(|_| ())?,
            };
            (Argument::None, bytes_repr(take(reader, len)?))
        }
        Arg::UnicodeString1 | Arg::UnicodeString4 | Arg::UnicodeString8 => {
            let len = match info.arg {
                Arg::UnicodeString1 => u64::from(reader.u8().map_err(|_| ())?),
                Arg::UnicodeString4 => u64::from(reader.u32().map_err(|_| ())?),
                _ => reader.u64().map_err(|_| ())?,
            };
            let bytes = take(reader, len)?;
            (Argument::None, str_repr(&String::from_utf8_lossy(bytes)))
        }
        Arg::Float8 => {
            let value = reader.f64_be().map_err(|_| ())?;
            (Argument::None, format!("{value:?}"))
        }
    })
}

fn take<'a>(reader: &mut Reader<'a>, len: u64) -> Result<&'a [u8], ()> {
    reader.take(len).map_err(|_| ())
}

fn number(value: u64) -> (Argument, String) {
    (Argument::Number(value), value.to_string())
}

fn big_int_text(le_twos_complement: &[u8]) -> String {
    // Printing a huge integer in decimal is quadratic; past a few hundred
    // digits' worth, the size says as much.
    const MAX_DECIMAL_BYTES: usize = 128;
    if le_twos_complement.len() > MAX_DECIMAL_BYTES {
        return format!("<{} byte integer>", le_twos_complement.len());
    }
    shorten(&BigInt::from_signed_bytes_le(le_twos_complement).to_string())
}

/// A text line argument, with control and non-UTF-8 bytes escaped.
fn escape_line(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(line);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_escaped(&mut out, c, None);
    }
    out
}

/// Cuts display text to [`MAX_SHOWN_CHARS`], saying how long it was.
fn shorten(text: &str) -> String {
    let total = text.chars().count();
    if total <= MAX_SHOWN_CHARS {
        return text.to_owned();
    }
    let head: String = text.chars().take(MAX_SHOWN_CHARS).collect();
    format!("{head}… ({total} chars)")
}

/// Python's repr of a str, shortened.
fn str_repr(text: &str) -> String {
    let total = text.chars().count();
    let mut out = String::from("'");
    for c in text.chars().take(MAX_SHOWN_CHARS) {
        push_escaped(&mut out, c, Some('\''));
    }
    out.push('\'');
    if total > MAX_SHOWN_CHARS {
        out.push_str(&format!("… ({total} chars)"));
    }
    out
}

/// Python's repr of bytes, shortened.
fn bytes_repr(bytes: &[u8]) -> String {
    let mut out = String::from("b'");
    for &byte in bytes.iter().take(MAX_SHOWN_CHARS) {
        match byte {
            b'\\' => out.push_str("\\\\"),
            b'\'' => out.push_str("\\'"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7E => out.push(char::from(byte)),
            _ => out.push_str(&format!("\\x{byte:02x}")),
        }
    }
    out.push('\'');
    if bytes.len() > MAX_SHOWN_CHARS {
        out.push_str(&format!("… ({} bytes)", bytes.len()));
    }
    out
}

/// Escapes one character as Python's repr would, keeping printable
/// non-ASCII text readable.
fn push_escaped(out: &mut String, c: char, quote: Option<char>) {
    match c {
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if Some(c) == quote => {
            out.push('\\');
            out.push(c);
        }
        c if u32::from(c) <= 0xFF && c.is_control() => {
            out.push_str(&format!("\\x{:02x}", u32::from(c)));
        }
        c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
        c => out.push(c),
    }
}
