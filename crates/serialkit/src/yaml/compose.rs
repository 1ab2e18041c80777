//! The constructor: turns the event parser's events into nodes through a
//! [`Builder`], which the core model ([`super::value_builder`]) and the
//! Python bindings implement. The walk is iterative (an explicit stack), so
//! nesting costs heap, not native stack, and is bounded by
//! [`Limits::max_depth`].
//!
//! Aliases hand the builder the anchored node again (`Clone`). Each alias
//! charges the size of the node it repeats against
//! [`Limits::max_expansion`], sizes including the aliases inside, so a
//! billion-laughs document fails after a few levels instead of after
//! exhausting memory.

use super::resolve::{self, Kind, Scalar, Schema};
use crate::error::{Error, ErrorKind, Position};
use crate::limits::Limits;
use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Span};
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

    fn sequence(
        &mut self,
        tag: Collection<'_>,
        items: std::vec::Drain<'_, Self::Node>,
        at: Position,
    ) -> Result<Self::Node, Self::Error>;

    /// `pairs` alternates keys and values. `merges` are the values of `<<`
    /// keys (YAML 1.1), in order: mappings or sequences of mappings, whose
    /// pairs come before the mapping's own and lose to them. `keys_at`
    /// holds where each key starts, for duplicate-key errors (empty unless
    /// `duplicates` is [`DuplicateKeys::Error`]).
    fn mapping(
        &mut self,
        tag: Collection<'_>,
        pairs: std::vec::Drain<'_, Self::Node>,
        merges: Vec<Self::Node>,
        duplicates: DuplicateKeys,
        keys_at: &[Position],
        at: Position,
    ) -> Result<Self::Node, Self::Error>;
}

/// The event parser counts in characters: `offset` here is a character
/// index, line and column are as everywhere (1-based, column in
/// characters).
fn position(marker: &Marker) -> Position {
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

/// A standard tag on a collection of the wrong kind (`!!str [1]`,
/// `!!seq {a: 1}`) is an error, as PyYAML's constructor reports it, not a
/// tag to ignore.
fn check_collection_tag(class: &TagClass<'_>, mapping: bool, at: Position) -> Result<(), Error> {
    let TagClass::Core(name) = class else {
        return Ok(());
    };
    let fits = if mapping {
        matches!(*name, "map" | "set")
    } else {
        matches!(*name, "seq" | "omap" | "pairs")
    };
    if fits {
        return Ok(());
    }
    let expected = match *name {
        "map" | "set" => "a mapping",
        "seq" | "omap" | "pairs" => "a sequence",
        _ => "a scalar",
    };
    let found = if mapping { "mapping" } else { "sequence" };
    Err(Error::new(
        ErrorKind::Unsupported(
            format!("expected {expected} node for !!{name}, but found {found}").into(),
        ),
        Some(at),
    ))
}

type NodeTag<'input> = Option<Cow<'input, saphyr_parser::Tag>>;

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
    let mut parser = Parser::new_from_str(text);
    let mut documents = Vec::new();
    let mut frames: Vec<Frame<'_, B::Node>> = Vec::new();
    let mut items: Vec<B::Node> = Vec::new();
    // Anchored nodes by the parser's anchor id, with their sizes.
    let mut anchors: Vec<Option<(B::Node, usize)>> = Vec::new();
    let mut total = 0usize;
    let mut expanded = 0usize;
    let mut document_count = 0;
    let check_keys = options.duplicate_keys == DuplicateKeys::Error;
    let mut keys_at: Vec<Position> = Vec::new();
    loop {
        let (event, span): (Event<'_>, Span) = match parser.next_event() {
            None => break,
            Some(Ok(pair)) => pair,
            Some(Err(err)) => return Err(syntax(err.info().to_owned(), err.marker()).into()),
        };
        let at = position(&span.start);
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
                        &span.start,
                    )
                    .into());
                }
                continue;
            }
            Event::SequenceStart(anchor, tag) | Event::MappingStart(anchor, tag) => {
                if frames.len() >= limits.max_depth {
                    return Err(Error::limit("nesting depth", limits.max_depth, Some(at)).into());
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
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = frames.pop() else {
                    return Err(syntax("unbalanced collection end", &span.start).into());
                };
                total += 1;
                let full = full_name(&frame.tag);
                let class = class_of(&frame.tag, &full);
                check_collection_tag(&class, frame.mapping, frame.at)?;
                let node = if frame.mapping {
                    let tag = match class {
                        TagClass::Core("set") => Collection::Set,
                        TagClass::Python(suffix) => Collection::Python(suffix),
                        _ => Collection::Plain,
                    };
                    let node = builder.mapping(
                        tag,
                        items.drain(frame.start..),
                        frame.merges,
                        options.duplicate_keys,
                        &keys_at[frame.keys_start..],
                        frame.at,
                    )?;
                    keys_at.truncate(frame.keys_start);
                    node
                } else {
                    let tag = match class {
                        TagClass::Core("omap" | "pairs") => Collection::Pairs,
                        TagClass::Python(suffix) => Collection::Python(suffix),
                        _ => Collection::Plain,
                    };
                    builder.sequence(tag, items.drain(frame.start..), frame.at)?
                };
                node_at = frame.at;
                (node, frame.anchor, total - frame.total_at_start)
            }
            Event::Alias(id) => {
                let Some(Some((node, size))) = anchors.get(id) else {
                    return Err(syntax(
                        "alias to an anchor that is not defined, or to a node that contains it",
                        &span.start,
                    )
                    .into());
                };
                expanded = expanded.saturating_add(*size);
                total = total.saturating_add(*size);
                if expanded > limits.max_expansion {
                    return Err(Error::limit(
                        "alias expansion (nodes)",
                        limits.max_expansion,
                        Some(at),
                    )
                    .into());
                }
                (node.clone(), 0, 0)
            }
            Event::Scalar(text, style, anchor, tag) => {
                total += 1;
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
                let node = scalar(builder, text, style, class, options.schema, is_key, &span)?;
                (node, anchor, 1)
            }
        };
        if anchor > 0 {
            if anchors.len() <= anchor {
                anchors.resize_with(anchor + 1, || None);
            }
            anchors[anchor] = Some((node.clone(), size));
        }
        match frames.last_mut() {
            None => documents.push(node),
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

fn scalar<B: Builder>(
    builder: &mut B,
    text: Cow<'_, str>,
    style: ScalarStyle,
    class: TagClass<'_>,
    schema: Schema,
    is_key: bool,
    span: &Span,
) -> Result<B::Node, B::Error> {
    let at = position(&span.start);
    let kind = match class {
        TagClass::Python(suffix) => return builder.python_scalar(suffix, &text, at),
        TagClass::NonSpecific | TagClass::Other => Kind::Str,
        TagClass::None if style != ScalarStyle::Plain => Kind::Str,
        TagClass::None => match resolve::resolve_plain(&text, schema) {
            Kind::Merge => Kind::Str,
            Kind::Value => {
                return Err(syntax(
                    "could not determine a constructor for the tag 'tag:yaml.org,2002:value'",
                    &span.start,
                )
                .into())
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
                let data = resolve::decode_base64(&text).ok_or_else(|| {
                    syntax(format!("invalid binary scalar: {text:?}"), &span.start)
                })?;
                return builder.scalar(Scalar::Binary(data), is_key, at);
            }
            _ => Kind::Str,
        },
    };
    let value = match kind {
        Kind::Str | Kind::Merge | Kind::Value => Scalar::Str(text),
        kind => typed(&text, kind, schema)
            .ok_or_else(|| syntax(format!("invalid {kind:?} scalar: {text:?}"), &span.start))?,
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
