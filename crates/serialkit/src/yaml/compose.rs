//! The constructor: turns the event parser's events into nodes through a
//! [`Builder`], which the core model ([`super::value_builder`]) and the
//! Python bindings implement. The walk is iterative (an explicit stack), so
//! nesting costs heap, not native stack, and is bounded by
//! [`Limits::max_depth`].
//!
//! Aliases share, never copy: the builder decides what an alias stands
//! for ([`Builder::anchored`]: the same Python object, or a
//! [`crate::Value::Ref`] in the core model), so what is built stays as
//! small as the input. An alias to a collection that is still open (a
//! recursive node, `&a [*a]`) gets the builder's [`Builder::forward`]
//! stand-in, which the builder fills when the collection ends.
//!
//! The expansion budget guards whoever expands the shared data later (a
//! conversion to JSON, `json.dumps` of the result). Each alias charges the
//! expanded size of the node it repeats (aliases inside included; a
//! recursive alias counts 1; a scalar counts one node per
//! [`SCALAR_BYTES_PER_NODE`] bytes of its text, so an alias to a long
//! string costs what copying it would), and the stream is refused when its expanded
//! size exceeds both [`Limits::max_expansion`] and [`EXPANSION_RATIO`]
//! times the nodes actually built. Billion laughs (a few dozen nodes that
//! expand to 10^9) fails after a few levels; a large document that reuses
//! big anchors a few times loads with the default limits.

use super::marks;
use super::resolve::{self, Kind, Scalar, Schema};
use crate::error::{Error, ErrorKind, Position};
use crate::limits::Limits;
use saphyr_parser::{Event, Marker, Parser, ScalarStyle, ScanError};
use std::borrow::Cow;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DuplicateKeys {
    #[default]
    Error,
    /// The last value wins (PyYAML's behaviour).
    LastWins,
}

#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    pub schema: Schema,
    pub duplicate_keys: DuplicateKeys,
    pub limits: Limits,
}

/// What a collection's tag asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Collection<'a> {
    Plain,
    /// `!!set` (a mapping whose values are null).
    Set,
    /// `!!omap` or `!!pairs`: a sequence of one-pair mappings, built as a
    /// list of pairs.
    Pairs,
    /// `!!python/<suffix>`.
    Python(&'a str),
}

/// Once a stream's expanded size is past [`Limits::max_expansion`], it may
/// still be up to this many times the number of nodes actually built.
pub const EXPANSION_RATIO: usize = 100;

/// A scalar counts as one node per this many bytes of its text in the
/// expansion budget.
pub const SCALAR_BYTES_PER_NODE: usize = 64;

/// Receives what the constructor builds. Errors are the builder's own type;
/// positions come with every call so it can locate them.
pub trait Builder {
    type Node: Clone;
    type Error: From<Error>;

    fn scalar(
        &mut self,
        value: Scalar<'_>,
        is_key: bool,
        at: Position,
    ) -> Result<Self::Node, Self::Error>;

    /// A scalar tagged `!!python/<suffix>`.
    fn python_scalar(
        &mut self,
        suffix: &str,
        text: &str,
        at: Position,
    ) -> Result<Self::Node, Self::Error>;

    /// `forward`, when present, is this collection's stand-in from
    /// [`Builder::forward`]: the builder must fill it and return it.
    fn sequence(
        &mut self,
        tag: Collection<'_>,
        items: std::vec::Drain<'_, Self::Node>,
        forward: Option<Self::Node>,
        at: Position,
    ) -> Result<Self::Node, Self::Error>;

    /// `pairs` alternates keys and values. `merges` are the values of `<<`
    /// keys (YAML 1.1), in order: mappings or sequences of mappings, whose
    /// pairs come before the mapping's own and lose to them. `keys_at`
    /// holds where each key starts, for duplicate-key errors (empty unless
    /// `duplicates` is [`DuplicateKeys::Error`]).
    #[allow(clippy::too_many_arguments)]
    fn mapping(
        &mut self,
        tag: Collection<'_>,
        pairs: std::vec::Drain<'_, Self::Node>,
        merges: Vec<Self::Node>,
        duplicates: DuplicateKeys,
        keys_at: &[Position],
        forward: Option<Self::Node>,
        at: Position,
    ) -> Result<Self::Node, Self::Error>;

    /// A stand-in for the collection anchored as `anchor`, met by an alias
    /// inside it (a recursive node). Called at most once per collection;
    /// the stand-in is handed back to `sequence`/`mapping` as `forward`.
    fn forward(
        &mut self,
        anchor: usize,
        mapping: bool,
        tag: Collection<'_>,
        at: Position,
    ) -> Result<Self::Node, Self::Error>;

    /// The node anchored as `anchor` is complete. Returns the node to place
    /// in the document and the one to keep for the aliases to it.
    fn anchored(&mut self, anchor: usize, node: Self::Node) -> (Self::Node, Self::Node) {
        let _ = anchor;
        (node.clone(), node)
    }

    /// What an alias to `anchor` puts in the document: `kept` is what
    /// [`Builder::anchored`] returned to keep.
    fn alias(&mut self, anchor: usize, kept: &Self::Node) -> Self::Node {
        let _ = anchor;
        kept.clone()
    }

    /// A document's root is complete.
    fn document(&mut self, root: Self::Node) -> Self::Node {
        root
    }
}

/// The event parser counts in characters: `offset` here is a character
/// index, line and column are as everywhere (1-based, column in
/// characters).
pub(super) fn position(marker: &Marker) -> Position {
    Position::Text {
        offset: marker.index(),
        line: marker.line(),
        column: marker.col() + 1,
    }
}

fn syntax(message: impl Into<Cow<'static, str>>, at: &Marker) -> Error {
    Error::syntax(message, position(at))
}

struct Frame<'input, N> {
    mapping: bool,
    start: usize,
    anchor: usize,
    tag: NodeTag<'input>,
    at: Position,
    merges: Vec<N>,
    merge_pending: bool,
    /// Where this mapping's keys start in the shared `keys_at` stack.
    keys_start: usize,
    /// Node count when the frame opened, for the size of an anchored node.
    total_at_start: usize,
    /// The builder's stand-in, once an alias inside has needed one.
    forward: Option<N>,
}

/// An anchor's state: its collection is still open (at this frame), or
/// its node is complete, with what aliases repeat and its expanded size.
enum Anchor<N> {
    Open(usize),
    Done(N, usize),
}

/// Which kind of tag a node carries, with the tag's full name resolved.
enum TagClass<'a> {
    None,
    /// `!`: a plain scalar stays a string.
    NonSpecific,
    Core(&'a str),
    Python(&'a str),
    /// Any other tag: the node loads as its plain data.
    Other,
}

const CORE_PREFIX: &str = "tag:yaml.org,2002:";

/// What a standard tag constructs, or `None` for a name PyYAML's safe
/// constructor does not know (`!!foo`), which is an error, not a tag to
/// ignore: no yaml-test-suite case uses one.
fn core_kind(name: &str) -> Option<&'static str> {
    Some(match name {
        "map" | "set" => "mapping",
        "seq" | "omap" | "pairs" => "sequence",
        "str" | "int" | "float" | "bool" | "null" | "binary" | "timestamp" => "scalar",
        _ => return None,
    })
}

fn constructor_error(message: String, at: Position) -> Error {
    Error::new(ErrorKind::Unsupported(message.into()), Some(at))
}

/// A standard tag must fit the node it is on: `!!str [1]` and `!!seq a`
/// are errors, as PyYAML's constructor reports them, as is an unknown
/// `!!` tag.
fn check_core_tag(class: &TagClass<'_>, found: &str, at: Position) -> Result<(), Error> {
    let TagClass::Core(name) = class else {
        return Ok(());
    };
    match core_kind(name) {
        None => Err(constructor_error(
            format!("could not determine a constructor for the tag '{CORE_PREFIX}{name}'"),
            at,
        )),
        // PyYAML's omap and pairs constructors word it without "node".
        Some(expected) if expected != found && matches!(*name, "omap" | "pairs") => Err(
            constructor_error(format!("expected a {expected}, but found {found}"), at),
        ),
        Some(expected) if expected != found => Err(constructor_error(
            format!("expected a {expected} node, but found {found}"),
            at,
        )),
        Some(_) => Ok(()),
    }
}

type NodeTag<'input> = Option<Cow<'input, saphyr_parser::Tag>>;

fn collection_of<'a>(class: &TagClass<'a>, mapping: bool) -> Collection<'a> {
    match (class, mapping) {
        (TagClass::Core("set"), true) => Collection::Set,
        (TagClass::Core("omap" | "pairs"), false) => Collection::Pairs,
        (TagClass::Python(suffix), _) => Collection::Python(suffix),
        _ => Collection::Plain,
    }
}

/// A tag's full name (`tag:yaml.org,2002:str`, `!local`), for
/// [`class_of`] to borrow from; `None` without a tag or for the
/// non-specific `!`.
fn full_name(tag: &NodeTag<'_>) -> Option<String> {
    match tag {
        Some(tag) if !(tag.handle.is_empty() && tag.suffix == "!") => {
            Some(format!("{}{}", tag.handle, tag.suffix))
        }
        _ => None,
    }
}

fn class_of<'a>(tag: &NodeTag<'_>, full: &'a Option<String>) -> TagClass<'a> {
    match (tag, full) {
        (None, _) => TagClass::None,
        (Some(_), None) => TagClass::NonSpecific,
        (Some(_), Some(full)) => match full.strip_prefix(CORE_PREFIX) {
            Some(suffix) => match suffix.strip_prefix("python/") {
                Some(python) => TagClass::Python(python),
                None => TagClass::Core(suffix),
            },
            None => TagClass::Other,
        },
    }
}

/// Parses `text` and builds each document. With `single`, a second
/// document is an error, as in PyYAML's `safe_load`.
pub fn compose<B: Builder>(
    text: &str,
    options: &LoadOptions,
    builder: &mut B,
    single: bool,
) -> Result<Vec<B::Node>, B::Error> {
    let limits = &options.limits;
    if text.len() > limits.max_input_bytes {
        return Err(Error::limit("input size in bytes", limits.max_input_bytes, None).into());
    }
    // The fast producer covers the common block-style subset with the
    // event parser's exact events and markers; outside it (or on any
    // error) the event parser reads the text from the start.
    match super::fast::events(text, limits.max_depth) {
        Some(events) => construct(text, events.map(Ok), options, builder, single),
        None => {
            let events =
                Parser::new_from_str(text).map(|item| item.map(|(ev, span)| (ev, span.start)));
            construct(text, events, options, builder, single)
        }
    }
}

/// Builds each document from `events`, each with the marker where it
/// starts.
fn construct<'input, B: Builder>(
    text: &'input str,
    mut events: impl Iterator<Item = Result<(Event<'input>, Marker), ScanError>>,
    options: &LoadOptions,
    builder: &mut B,
    single: bool,
) -> Result<Vec<B::Node>, B::Error> {
    let limits = &options.limits;
    let mut documents = Vec::new();
    let mut frames: Vec<Frame<'_, B::Node>> = Vec::new();
    let mut items: Vec<B::Node> = Vec::new();
    // Anchors by the parser's anchor id (unique in the stream).
    let mut anchors: Vec<Option<Anchor<B::Node>>> = Vec::new();
    // The stream's expanded size, and the nodes actually built.
    let mut total = 0usize;
    let mut built = 0usize;
    let mut document_count = 0;
    let check_keys = options.duplicate_keys == DuplicateKeys::Error;
    let mut keys_at: Vec<Position> = Vec::new();
    loop {
        let (event, start) = match events.next() {
            None => break,
            Some(Ok(pair)) => pair,
            Some(Err(err)) => return Err(marks::scan_error(&err, text, limits).into()),
        };
        let at = position(&start);
        // Where the node this event completes starts.
        let mut node_at = at;
        let mapping = matches!(event, Event::MappingStart(..));
        let (node, anchor, size) = match event {
            Event::StreamEnd => break,
            Event::StreamStart | Event::DocumentEnd | Event::Nothing => continue,
            Event::DocumentStart(_) => {
                document_count += 1;
                if single && document_count > 1 {
                    return Err(syntax(
                        "expected a single document in the stream, but found another document",
                        &start,
                    )
                    .into());
                }
                continue;
            }
            Event::SequenceStart(anchor, tag) | Event::MappingStart(anchor, tag) => {
                if frames.len() >= limits.max_depth {
                    return Err(Error::limit("nesting depth", limits.max_depth, Some(at)).into());
                }
                if anchor > 0 {
                    set_anchor(&mut anchors, anchor, Anchor::Open(frames.len()));
                }
                frames.push(Frame {
                    mapping,
                    start: items.len(),
                    anchor,
                    tag,
                    at,
                    merges: Vec::new(),
                    merge_pending: false,
                    keys_start: keys_at.len(),
                    total_at_start: total,
                    forward: None,
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = frames.pop() else {
                    return Err(syntax("unbalanced collection end", &start).into());
                };
                total += 1;
                built += 1;
                let full = full_name(&frame.tag);
                let class = class_of(&frame.tag, &full);
                let found = if frame.mapping { "mapping" } else { "sequence" };
                check_core_tag(&class, found, frame.at)?;
                let tag = collection_of(&class, frame.mapping);
                let node = if frame.mapping {
                    let node = builder.mapping(
                        tag,
                        items.drain(frame.start..),
                        frame.merges,
                        options.duplicate_keys,
                        &keys_at[frame.keys_start..],
                        frame.forward,
                        frame.at,
                    )?;
                    keys_at.truncate(frame.keys_start);
                    node
                } else {
                    builder.sequence(tag, items.drain(frame.start..), frame.forward, frame.at)?
                };
                node_at = frame.at;
                (node, frame.anchor, total - frame.total_at_start)
            }
            Event::Alias(id) => {
                let node = match anchors.get(id) {
                    Some(Some(Anchor::Done(kept, size))) => {
                        total = total.saturating_add(*size);
                        if total > limits.max_expansion
                            && total > built.saturating_mul(EXPANSION_RATIO)
                        {
                            return Err(Error::limit(
                                "alias expansion (nodes)",
                                limits.max_expansion,
                                Some(at),
                            )
                            .into());
                        }
                        builder.alias(id, kept)
                    }
                    Some(Some(Anchor::Open(index))) => {
                        total += 1;
                        let Some(frame) = frames.get_mut(*index) else {
                            return Err(syntax("alias to a closed collection", &start).into());
                        };
                        if frame.forward.is_none() {
                            let full = full_name(&frame.tag);
                            let class = class_of(&frame.tag, &full);
                            let tag = collection_of(&class, frame.mapping);
                            frame.forward =
                                Some(builder.forward(id, frame.mapping, tag, frame.at)?);
                        }
                        let forward = frame.forward.clone().expect("set above");
                        builder.alias(id, &forward)
                    }
                    _ => return Err(syntax("found undefined alias", &start).into()),
                };
                (node, 0, 0)
            }
            Event::Scalar(text, style, anchor, tag) => {
                // Long texts weigh more: whoever expands an alias to one
                // copies all of it.
                let weight = 1 + text.len() / SCALAR_BYTES_PER_NODE;
                total += weight;
                built += weight;
                let is_key = frames.last().is_some_and(|f| {
                    f.mapping && (items.len() - f.start) % 2 == 0 && !f.merge_pending
                });
                let full = full_name(&tag);
                let class = class_of(&tag, &full);
                if is_key
                    && options.schema == Schema::Yaml11
                    && ((matches!(class, TagClass::None)
                        && style == ScalarStyle::Plain
                        && text == "<<")
                        || matches!(class, TagClass::Core("merge")))
                {
                    if let Some(frame) = frames.last_mut() {
                        frame.merge_pending = true;
                    }
                    continue;
                }
                let node = scalar(builder, text, style, class, options.schema, is_key, &start)?;
                (node, anchor, weight)
            }
        };
        let node = if anchor > 0 {
            let (placed, kept) = builder.anchored(anchor, node);
            set_anchor(&mut anchors, anchor, Anchor::Done(kept, size));
            placed
        } else {
            node
        };
        match frames.last_mut() {
            None => documents.push(builder.document(node)),
            Some(frame) if frame.merge_pending => {
                frame.merge_pending = false;
                frame.merges.push(node);
            }
            Some(frame) => {
                if check_keys && frame.mapping && (items.len() - frame.start) % 2 == 0 {
                    keys_at.push(node_at);
                }
                items.push(node);
            }
        }
    }
    Ok(documents)
}

fn set_anchor<N>(anchors: &mut Vec<Option<Anchor<N>>>, id: usize, state: Anchor<N>) {
    if anchors.len() <= id {
        anchors.resize_with(id + 1, || None);
    }
    anchors[id] = Some(state);
}

fn scalar<B: Builder>(
    builder: &mut B,
    text: Cow<'_, str>,
    style: ScalarStyle,
    class: TagClass<'_>,
    schema: Schema,
    is_key: bool,
    start: &Marker,
) -> Result<B::Node, B::Error> {
    let at = position(start);
    if let TagClass::Core(_) = class {
        check_core_tag(&class, "scalar", at)?;
    }
    let kind = match class {
        TagClass::Python(suffix) => return builder.python_scalar(suffix, &text, at),
        TagClass::NonSpecific | TagClass::Other => Kind::Str,
        TagClass::None if style != ScalarStyle::Plain => Kind::Str,
        // A merge key or `=` anywhere but where a mapping uses it resolves
        // to a tag PyYAML's constructors have no function for.
        TagClass::None => match resolve::resolve_plain(&text, schema) {
            unconstructed @ (Kind::Merge | Kind::Value) => {
                let suffix = if unconstructed == Kind::Merge {
                    "merge"
                } else {
                    "value"
                };
                return Err(constructor_error(
                    format!(
                        "could not determine a constructor for the tag '{CORE_PREFIX}{suffix}'"
                    ),
                    at,
                )
                .into());
            }
            kind => kind,
        },
        TagClass::Core(suffix) => match suffix {
            "null" => Kind::Null,
            "bool" => Kind::Bool,
            "int" => Kind::Int,
            "float" => Kind::Float,
            "timestamp" => Kind::Timestamp,
            "binary" => {
                let data = resolve::decode_base64(&text)
                    .ok_or_else(|| syntax(format!("invalid binary scalar: {text:?}"), start))?;
                return builder.scalar(Scalar::Binary(data), is_key, at);
            }
            _ => Kind::Str,
        },
    };
    let value = match kind {
        Kind::Str | Kind::Merge | Kind::Value => Scalar::Str(text),
        kind => typed(&text, kind, schema)
            .ok_or_else(|| syntax(format!("invalid {kind:?} scalar: {text:?}"), start))?,
    };
    builder.scalar(value, is_key, at)
}

/// Constructs a non-string scalar. Explicit tags accept either schema's
/// spelling; resolved plain scalars always match their own schema's.
fn typed(text: &str, kind: Kind, schema: Schema) -> Option<Scalar<'static>> {
    let other = match schema {
        Schema::Core => Schema::Yaml11,
        Schema::Yaml11 => Schema::Core,
    };
    Some(match kind {
        Kind::Null => Scalar::Null,
        Kind::Bool => Scalar::Bool(match schema {
            Schema::Core => resolve::core_bool(text).or_else(|| resolve::yaml11_bool(text))?,
            Schema::Yaml11 => resolve::yaml11_bool(text)?,
        }),
        Kind::Int => {
            resolve::parse_int(text, schema).or_else(|| resolve::parse_int(text, other))?
        }
        Kind::Float => Scalar::Float(
            resolve::parse_float(text, schema)
                .or_else(|| resolve::parse_float(text, other))
                .or_else(|| text.trim().parse::<f64>().ok())?,
        ),
        Kind::Timestamp => Scalar::Timestamp(resolve::parse_timestamp(text)?),
        Kind::Str | Kind::Merge | Kind::Value => return None,
    })
}
