//! Turns the [`super::value_sink::ValueSink`] arena into a [`Value`] tree.
//!
//! A node reached more than once is written as `Value::Shared` where it is
//! first met in depth-first document order and as `Value::Ref` everywhere
//! after, including inside itself (a cycle). None, bools, 64-bit ints and
//! floats are exceptions: they are copied, since a copy costs no more than
//! a reference and their identity means nothing. Both passes use explicit
//! stacks, so no pickle can exhaust the Rust stack here.
//!
//! Dicts and sets get Python's semantics for repeated keys (first position,
//! last value) and members (first one kept). Keys compare equal when they
//! are the same node, or equal None, numbers (`True == 1 == 1.0`), strs or
//! bytes; other values (tuples, NaN) are only equal to themselves, which is
//! exact for every dict a pickler writes.

use super::value_sink::{Id, Node, SinkError};
use crate::value::{Object, ShareId, Value};
use num_bigint::BigInt;
use std::collections::hash_map::{Entry, RandomState};
use std::collections::HashMap;
use std::hash::BuildHasher;

/// A key as Python's dict would compare it.
#[derive(Hash, PartialEq, Eq)]
enum KeyRef<'a> {
    None,
    Int(i64),
    Big(&'a BigInt),
    Float(u64),
    Str(&'a str),
    Bytes(&'a [u8]),
    Node(Id),
}

fn key_of(nodes: &[Node], id: Id) -> KeyRef<'_> {
    match nodes.get(id) {
        Some(Node::None) => KeyRef::None,
        Some(Node::Bool(value)) => KeyRef::Int(i64::from(*value)),
        Some(Node::Int(value)) => KeyRef::Int(*value),
        Some(Node::BigInt(value)) => KeyRef::Big(value),
        Some(Node::Float(value)) if value.is_nan() => KeyRef::Node(id),
        Some(Node::Float(value)) => {
            let integral = value.fract() == 0.0 && value.abs() < 9.2e18;
            if integral {
                KeyRef::Int(*value as i64)
            } else {
                KeyRef::Float(value.to_bits())
            }
        }
        Some(Node::Str(text)) => KeyRef::Str(text),
        Some(Node::Bytes(bytes)) => KeyRef::Bytes(bytes),
        _ => KeyRef::Node(id),
    }
}

const UNSET: Id = Id::MAX;

/// Maps each key node to one representative of the nodes equal to it.
/// Each node's contents are hashed once, however many dicts use it, so
/// memo references to a long string cannot make merging quadratic.
struct Canon {
    of: Vec<Id>,
    buckets: HashMap<u64, Vec<Id>>,
    hasher: RandomState,
    /// Scratch for one container: the representatives kept so far, and
    /// their positions once the container is too large to scan.
    kept: Vec<Id>,
    positions: HashMap<Id, usize>,
}

/// Containers up to this size are scanned instead of indexed.
const LINEAR_SCAN: usize = 16;

impl Canon {
    fn new(len: usize) -> Self {
        Canon {
            of: vec![UNSET; len],
            buckets: HashMap::new(),
            hasher: RandomState::new(),
            kept: Vec::new(),
            positions: HashMap::new(),
        }
    }

    fn canonical(&mut self, nodes: &[Node], id: Id) -> Id {
        match self.of.get(id) {
            Some(&known) if known != UNSET => return known,
            Some(_) => {}
            None => return id,
        }
        let key = key_of(nodes, id);
        let canonical = match key {
            KeyRef::Node(id) => id,
            _ => {
                let bucket = self.buckets.entry(self.hasher.hash_one(&key)).or_default();
                match bucket.iter().find(|&&other| key_of(nodes, other) == key) {
                    Some(&other) => other,
                    None => {
                        bucket.push(id);
                        id
                    }
                }
            }
        };
        self.of[id] = canonical;
        canonical
    }

    /// Where an element equal to `id` was kept, or `None` after recording
    /// `id` as kept at position `count`.
    fn find_or_keep(
        &mut self,
        nodes: &[Node],
        id: Id,
        count: usize,
        linear: bool,
    ) -> Option<usize> {
        let canonical = self.canonical(nodes, id);
        if linear {
            let found = self.kept.iter().position(|&kept| kept == canonical);
            if found.is_none() {
                self.kept.push(canonical);
            }
            return found;
        }
        match self.positions.entry(canonical) {
            Entry::Occupied(at) => Some(*at.get()),
            Entry::Vacant(slot) => {
                slot.insert(count);
                None
            }
        }
    }

    /// Pairs with repeated keys merged: first position, last value. The
    /// list is only rebuilt when it has a repeat, which real pickles never do.
    fn pairs(&mut self, nodes: &[Node], pairs: Vec<(Id, Id)>) -> Vec<(Id, Id)> {
        self.kept.clear();
        self.positions.clear();
        let linear = pairs.len() <= LINEAR_SCAN;
        let mut merged: Option<Vec<(Id, Id)>> = None;
        let mut count = 0;
        for (index, &(key, value)) in pairs.iter().enumerate() {
            match self.find_or_keep(nodes, key, count, linear) {
                Some(at) => {
                    let merged = merged.get_or_insert_with(|| pairs[..index].to_vec());
                    if let Some(pair) = merged.get_mut(at) {
                        pair.1 = value;
                    }
                }
                None => {
                    count += 1;
                    if let Some(merged) = &mut merged {
                        merged.push((key, value));
                    }
                }
            }
        }
        merged.unwrap_or(pairs)
    }

    /// Members with repeats dropped: the first stays.
    fn members(&mut self, nodes: &[Node], members: Vec<Id>) -> Vec<Id> {
        self.kept.clear();
        self.positions.clear();
        let linear = members.len() <= LINEAR_SCAN;
        let mut merged: Option<Vec<Id>> = None;
        let mut count = 0;
        for (index, &member) in members.iter().enumerate() {
            match self.find_or_keep(nodes, member, count, linear) {
                Some(_) => {
                    merged.get_or_insert_with(|| members[..index].to_vec());
                }
                None => {
                    count += 1;
                    if let Some(merged) = &mut merged {
                        merged.push(member);
                    }
                }
            }
        }
        merged.unwrap_or(members)
    }
}

/// Merges repeated keys and members in node `id`: a dict's items, a set's
/// members, an object's keyword arguments. The lists are taken out while
/// the other nodes are read; a key that is this very node compares by
/// identity and needs no contents.
fn dedup(nodes: &mut [Node], canon: &mut Canon, id: Id) {
    match nodes.get_mut(id) {
        Some(Node::Dict(pairs)) => {
            let pairs = std::mem::take(pairs);
            let merged = canon.pairs(nodes, pairs);
            if let Some(Node::Dict(slot)) = nodes.get_mut(id) {
                *slot = merged;
            }
        }
        Some(Node::Set(members) | Node::FrozenSet(members)) => {
            let members = std::mem::take(members);
            let merged = canon.members(nodes, members);
            if let Some(Node::Set(slot) | Node::FrozenSet(slot)) = nodes.get_mut(id) {
                *slot = merged;
            }
        }
        Some(Node::Object(object)) => {
            let kwargs = std::mem::take(&mut object.kwargs);
            let merged = canon.pairs(nodes, kwargs);
            if let Some(Node::Object(object)) = nodes.get_mut(id) {
                object.kwargs = merged;
            }
        }
        _ => {}
    }
}

/// The `index`-th child of a node, in the order [`assemble`] expects.
fn child(node: &Node, index: usize) -> Option<Id> {
    match node {
        Node::List(items) | Node::Tuple(items) | Node::Set(items) | Node::FrozenSet(items) => {
            items.get(index).copied()
        }
        Node::Dict(pairs) => pair_child(pairs, index),
        Node::Object(object) => {
            let mut index = index;
            if index == 0 {
                return Some(object.callable);
            }
            index -= 1;
            if index < object.args.len() {
                return object.args.get(index).copied();
            }
            index -= object.args.len();
            if index < 2 * object.kwargs.len() {
                return pair_child(&object.kwargs, index);
            }
            index -= 2 * object.kwargs.len();
            if let Some(state) = object.state {
                if index == 0 {
                    return Some(state);
                }
                index -= 1;
            }
            if index < object.list_items.len() {
                return object.list_items.get(index).copied();
            }
            index -= object.list_items.len();
            pair_child(&object.dict_items, index)
        }
        _ => None,
    }
}

fn pair_child(pairs: &[(Id, Id)], index: usize) -> Option<Id> {
    pairs
        .get(index / 2)
        .map(|&(key, value)| if index % 2 == 0 { key } else { value })
}

fn pairs_from(values: &mut std::vec::IntoIter<Value>, count: usize) -> Vec<(Value, Value)> {
    let mut pairs = Vec::with_capacity(count);
    for _ in 0..count {
        match (values.next(), values.next()) {
            (Some(key), Some(value)) => pairs.push((key, value)),
            _ => break,
        }
    }
    pairs
}

/// Builds a container's value from its children's values, in [`child`] order.
fn assemble(node: &Node, children: Vec<Value>) -> Value {
    match node {
        Node::List(_) => Value::List(children),
        Node::Tuple(_) => Value::Tuple(children),
        Node::Set(_) => Value::Set(children),
        Node::FrozenSet(_) => Value::FrozenSet(children),
        Node::Dict(pairs) => Value::Dict(pairs_from(&mut children.into_iter(), pairs.len())),
        Node::Object(object) => {
            let mut values = children.into_iter();
            let callable = values.next().unwrap_or(Value::None);
            let args = values.by_ref().take(object.args.len()).collect();
            let kwargs = pairs_from(&mut values, object.kwargs.len());
            let state = object.state.and_then(|_| values.next());
            let list_items = values.by_ref().take(object.list_items.len()).collect();
            let dict_items = pairs_from(&mut values, object.dict_items.len());
            Value::Object(Box::new(Object {
                construct: object.construct,
                callable,
                args,
                kwargs,
                state,
                list_items,
                dict_items,
            }))
        }
        _ => Value::None,
    }
}

/// The value of a node without children. Nodes are converted once (later
/// references are `Ref`s), so contents are moved out, except for the
/// scalars that are copied at every reference.
fn leaf(node: &mut Node) -> Option<Value> {
    Some(match node {
        Node::None => Value::None,
        Node::Bool(value) => Value::Bool(*value),
        Node::Int(value) => Value::Int(*value),
        Node::BigInt(value) => Value::BigInt(std::mem::take(value)),
        Node::Float(value) => Value::Float(*value),
        Node::Str(text) => Value::Str(std::mem::take(text)),
        Node::Bytes(bytes) => Value::Bytes(std::mem::take(bytes)),
        Node::Global { module, qualname } => Value::Global {
            module: std::mem::take(module),
            qualname: std::mem::take(qualname),
        },
        _ => return None,
    })
}

/// How many children [`child`] yields for a node.
fn child_count(node: &Node) -> usize {
    match node {
        Node::List(items) | Node::Tuple(items) | Node::Set(items) | Node::FrozenSet(items) => {
            items.len()
        }
        Node::Dict(pairs) => 2 * pairs.len(),
        Node::Object(object) => {
            1 + object.args.len()
                + 2 * object.kwargs.len()
                + usize::from(object.state.is_some())
                + object.list_items.len()
                + 2 * object.dict_items.len()
        }
        _ => 0,
    }
}

/// Whether a node is copied at every reference instead of shared.
fn copied(node: &Node) -> bool {
    matches!(
        node,
        Node::None | Node::Bool(_) | Node::Int(_) | Node::Float(_)
    )
}

/// Counts how often each node reachable from `root` is referenced,
/// merging repeated dict keys and set members on first visit.
fn count_references(nodes: &mut [Node], root: Id) -> Vec<u32> {
    let mut counts = vec![0u32; nodes.len()];
    let mut canon = Canon::new(nodes.len());
    let mut pending = vec![root];
    if let Some(count) = counts.get_mut(root) {
        *count = 1;
    }
    while let Some(id) = pending.pop() {
        dedup(nodes, &mut canon, id);
        let Some(node) = nodes.get(id) else {
            continue;
        };
        let mut index = 0;
        while let Some(child) = child(node, index) {
            index += 1;
            if let Some(count) = counts.get_mut(child) {
                *count = count.saturating_add(1);
                if *count == 1 {
                    pending.push(child);
                }
            }
        }
    }
    counts
}

struct Frame {
    id: Id,
    next: usize,
    children: Vec<Value>,
    share: Option<ShareId>,
}

struct Emitter {
    nodes: Vec<Node>,
    counts: Vec<u32>,
    share_ids: Vec<Option<ShareId>>,
    next_share: ShareId,
}

impl Emitter {
    /// A finished value, or a container to descend into.
    fn visit(&mut self, id: Id) -> Result<Result<Value, Frame>, SinkError> {
        let Some(node) = self.nodes.get_mut(id) else {
            return Err(SinkError::Unsupported("no such value".into()));
        };
        let shared = self.counts.get(id).is_some_and(|&count| count > 1) && !copied(node);
        let mut share = None;
        if shared {
            if let Some(existing) = self.share_ids.get(id).copied().flatten() {
                return Ok(Ok(Value::Ref(existing)));
            }
            share = Some(self.next_share);
            if let Some(slot) = self.share_ids.get_mut(id) {
                *slot = share;
            }
            self.next_share = self
                .next_share
                .checked_add(1)
                .ok_or(SinkError::Unsupported("too many shared values".into()))?;
        }
        Ok(match leaf(node) {
            Some(value) => Ok(wrap(value, share)),
            None => Err(Frame {
                id,
                next: 0,
                children: Vec::with_capacity(child_count(node)),
                share,
            }),
        })
    }
}

/// Converts the graph under `root`; containers may nest `max_depth` deep.
pub(super) fn build(mut nodes: Vec<Node>, root: Id, max_depth: usize) -> Result<Value, SinkError> {
    let counts = count_references(&mut nodes, root);
    let len = nodes.len();
    let mut emitter = Emitter {
        nodes,
        counts,
        share_ids: vec![None; len],
        next_share: 0,
    };
    let mut frames: Vec<Frame> = Vec::new();
    match emitter.visit(root)? {
        Ok(value) => return Ok(value),
        Err(_) if max_depth == 0 => return Err(SinkError::Depth),
        Err(frame) => frames.push(frame),
    }
    loop {
        let Some(frame) = frames.last_mut() else {
            return Err(SinkError::Unsupported("empty conversion stack".into()));
        };
        let next = emitter
            .nodes
            .get(frame.id)
            .and_then(|node| child(node, frame.next));
        if let Some(id) = next {
            frame.next += 1;
            match emitter.visit(id)? {
                Ok(value) => frame.children.push(value),
                Err(child_frame) => {
                    if frames.len() >= max_depth {
                        return Err(SinkError::Depth);
                    }
                    frames.push(child_frame);
                }
            }
            continue;
        }
        let Some(done) = frames.pop() else {
            return Err(SinkError::Unsupported("empty conversion stack".into()));
        };
        let value = match emitter.nodes.get(done.id) {
            Some(node) => wrap(assemble(node, done.children), done.share),
            None => Value::None,
        };
        match frames.last_mut() {
            Some(parent) => parent.children.push(value),
            None => return Ok(value),
        }
    }
}

fn wrap(value: Value, share: Option<ShareId>) -> Value {
    match share {
        Some(id) => Value::Shared {
            id,
            value: Box::new(value),
        },
        None => value,
    }
}
