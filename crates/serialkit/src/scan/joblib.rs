//! joblib files: a pickle with numpy arrays written in the middle of it.
//!
//! joblib pickles each array as a `NumpyArrayWrapper` whose state gives the
//! shape, dtype and order, and writes the array right after the BUILD that
//! sets that state: raw bytes (since joblib 1.2 behind a padding-length
//! byte and that many padding bytes), or, for arrays holding Python
//! objects, a protocol 2 pickle of its own. joblib's unpickler reads that
//! data itself and then goes on with the opcodes after it.
//!
//! [`layout`] runs the pickle machine with a sink that knows just enough
//! values (ints, strings, tuples, dicts, globals and objects) to find those
//! stretches. The scanner then scans the opcodes without them, and each
//! object array's pickle as a stream of its own.

use crate::pickle::{load, Items, LoadOptions, Pairs, PickleSink, PickleStr};

/// Array data found inside the stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfBand {
    pub start: usize,
    pub len: usize,
    /// The data is a pickle (an array of Python objects), not raw bytes.
    pub pickle: bool,
}

/// The out-of-band stretches of a joblib stream, in order, and why the
/// walk stopped early if it did (the scan of the opcodes reports that
/// failure itself; this one explains a wrapper it could not size).
#[derive(Debug, Default)]
pub struct Layout {
    pub arrays: Vec<OutOfBand>,
    pub problem: Option<(usize, String)>,
}

/// Deepest nesting of values the sizing looks into (dtype fields).
const MAX_DTYPE_DEPTH: usize = 32;

/// Finds the arrays of every pickle in `input`.
pub fn layout(input: &[u8], options: &LoadOptions) -> Layout {
    let mut sink = Sizer::default();
    let mut start = 0;
    let mut problem = None;
    while start < input.len() {
        match load(input, start, options, &mut sink) {
            Ok((_, end)) if end > start => start = end,
            Ok(_) => break,
            Err(crate::pickle::Failure::Sink { error, offset, .. }) => {
                problem = Some((offset, error.0));
                break;
            }
            Err(_) => break,
        }
        sink.nodes.clear();
    }
    Layout {
        arrays: sink.arrays,
        problem,
    }
}

/// The stream without its array data, and where each of its pieces came
/// from, to map offsets in it back to the file.
pub struct Spliced {
    pub data: Vec<u8>,
    /// `(offset in data, offset in the file)` at the start of each piece.
    pieces: Vec<(usize, usize)>,
}

impl Spliced {
    pub fn new(input: &[u8], arrays: &[OutOfBand]) -> Self {
        let mut data = Vec::with_capacity(input.len());
        let mut pieces = Vec::with_capacity(arrays.len() + 1);
        let mut from = 0;
        for array in arrays {
            pieces.push((data.len(), from));
            data.extend_from_slice(&input[from..array.start]);
            from = array.start + array.len;
        }
        pieces.push((data.len(), from));
        data.extend_from_slice(&input[from..]);
        Spliced { data, pieces }
    }

    /// The file offset of byte `offset` of the spliced data.
    pub fn file_offset(&self, offset: usize) -> usize {
        let piece = self.pieces.partition_point(|&(at, _)| at <= offset);
        match piece.checked_sub(1).map(|i| self.pieces[i]) {
            Some((at, file)) => file + (offset - at),
            None => offset,
        }
    }
}

#[derive(Debug)]
pub struct SizeError(String);

type Id = usize;

enum Node {
    Int(i64),
    Str(String),
    Tuple(Vec<Id>),
    Dict(Vec<(Id, Id)>),
    Global(String),
    Object {
        callable: Id,
        args: Id,
        state: Option<Id>,
    },
    Other,
}

#[derive(Default)]
struct Sizer {
    nodes: Vec<Node>,
    arrays: Vec<OutOfBand>,
}

impl Sizer {
    fn add(&mut self, node: Node) -> Id {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    fn node(&self, id: Id) -> &Node {
        self.nodes.get(id).unwrap_or(&Node::Other)
    }

    fn global_name(&self, id: Id) -> Option<&str> {
        match self.node(id) {
            Node::Global(name) => Some(name),
            _ => None,
        }
    }

    /// The class an object was made from: `cls(...)`, `cls.__new__(cls)`,
    /// or protocol 0 and 1's `copyreg._reconstructor(cls, object, None)`.
    fn class_of(&self, id: Id) -> Option<&str> {
        let Node::Object { callable, args, .. } = self.node(id) else {
            return None;
        };
        let name = self.global_name(*callable)?;
        if name == "copyreg._reconstructor" || name == "copy_reg._reconstructor" {
            let Node::Tuple(args) = self.node(*args) else {
                return None;
            };
            return self.global_name(*args.first()?);
        }
        Some(name)
    }

    fn dict_get(&self, dict: Id, key: &str) -> Option<Id> {
        let Node::Dict(pairs) = self.node(dict) else {
            return None;
        };
        pairs
            .iter()
            .rev()
            .find(|(k, _)| matches!(self.node(*k), Node::Str(text) if text == key))
            .map(|&(_, value)| value)
    }

    fn tuple_item(&self, tuple: Id, index: usize) -> Option<Id> {
        match self.node(tuple) {
            Node::Tuple(items) => items.get(index).copied(),
            _ => None,
        }
    }

    fn int_value(&self, id: Id) -> Option<i64> {
        match self.node(id) {
            Node::Int(value) => Some(*value),
            _ => None,
        }
    }

    /// A `numpy.dtype(type_string, align, copy)` object with its state.
    fn dtype_parts(&self, id: Id) -> Option<(&str, Option<Id>)> {
        let Node::Object { args, state, .. } = self.node(id) else {
            return None;
        };
        match self.node(self.tuple_item(*args, 0)?) {
            Node::Str(kind) => Some((kind, *state)),
            _ => None,
        }
    }

    /// Whether the dtype holds Python objects, itself or in a field or
    /// subarray (its state nests further dtypes).
    fn has_object(&self, id: Id, depth: usize) -> bool {
        if depth > MAX_DTYPE_DEPTH {
            return true;
        }
        match self.node(id) {
            Node::Object { args, state, .. } => {
                let own = matches!(
                    self.tuple_item(*args, 0).map(|a| self.node(a)),
                    Some(Node::Str(kind)) if kind.starts_with('O')
                );
                own || state.is_some_and(|state| self.has_object(state, depth + 1))
            }
            Node::Tuple(items) => items.iter().any(|&i| self.has_object(i, depth + 1)),
            Node::Dict(pairs) => pairs.iter().any(|&(_, v)| self.has_object(v, depth + 1)),
            _ => false,
        }
    }

    /// Bytes per element: the state's `elsize` where numpy records one
    /// (flexible and structured dtypes), otherwise the type string's digits.
    fn item_size(&self, dtype: Id) -> Option<u64> {
        let (kind, state) = self.dtype_parts(dtype)?;
        let recorded = state
            .and_then(|state| self.tuple_item(state, 5))
            .and_then(|size| self.int_value(size))
            .filter(|&size| size > 0);
        if let Some(size) = recorded {
            return u64::try_from(size).ok();
        }
        let digits = kind.trim_start_matches(|c: char| !c.is_ascii_digit());
        digits.parse().ok()
    }

    fn size_array(&mut self, state: Id, input: &[u8], at: usize) -> Result<usize, SizeError> {
        let fail = |what: &str| SizeError(format!("joblib array wrapper with {what}"));
        let dtype = self
            .dict_get(state, "dtype")
            .ok_or_else(|| fail("no dtype"))?;
        if self.has_object(dtype, 0) {
            // The array was pickled into the stream: its length is where
            // that pickle stops.
            let options = LoadOptions::default();
            let mut nested = Sizer::default();
            let end = load(input, at, &options, &mut nested)
                .map(|(_, end)| end)
                .map_err(|_| fail("an object array whose pickle is malformed"))?;
            self.arrays.push(OutOfBand {
                start: at,
                len: end - at,
                pickle: true,
            });
            return Ok(end - at);
        }
        let item = self
            .item_size(dtype)
            .ok_or_else(|| fail("an unknown dtype"))?;
        let shape = self
            .dict_get(state, "shape")
            .ok_or_else(|| fail("no shape"))?;
        let Node::Tuple(dims) = self.node(shape) else {
            return Err(fail("a shape that is not a tuple"));
        };
        let mut count: u64 = 1;
        for &dim in dims {
            let dim = self
                .int_value(dim)
                .and_then(|d| u64::try_from(d).ok())
                .ok_or_else(|| fail("a shape that is not non-negative ints"))?;
            count = count
                .checked_mul(dim)
                .ok_or_else(|| fail("a shape too large"))?;
        }
        let mut len = count
            .checked_mul(item)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| fail("a size too large"))?;
        let aligned = self
            .dict_get(state, "numpy_array_alignment_bytes")
            .is_some_and(|value| self.int_value(value).is_some());
        if aligned {
            let padding = input.get(at).ok_or_else(|| fail("its padding missing"))?;
            len = len
                .checked_add(1 + usize::from(*padding))
                .ok_or_else(|| fail("a size too large"))?;
        }
        if len > input.len() - at {
            return Err(SizeError(format!(
                "joblib array data is truncated ({len} bytes declared, {} present)",
                input.len() - at
            )));
        }
        self.arrays.push(OutOfBand {
            start: at,
            len,
            pickle: false,
        });
        Ok(len)
    }
}

impl PickleSink for Sizer {
    type Handle = Id;
    type Error = SizeError;

    fn share(&mut self, handle: &Id) -> Id {
        *handle
    }
    fn none(&mut self) -> Result<Id, SizeError> {
        Ok(self.add(Node::Other))
    }
    fn bool(&mut self, _: bool) -> Result<Id, SizeError> {
        self.none()
    }
    fn int(&mut self, value: i64) -> Result<Id, SizeError> {
        Ok(self.add(Node::Int(value)))
    }
    fn big_int(&mut self, _: &[u8]) -> Result<Id, SizeError> {
        self.none()
    }
    fn float(&mut self, _: f64) -> Result<Id, SizeError> {
        self.none()
    }
    fn str(&mut self, text: PickleStr<'_>) -> Result<Id, SizeError> {
        let text = String::from_utf8_lossy(text.bytes).into_owned();
        Ok(self.add(Node::Str(text)))
    }
    fn bytes(&mut self, _: &[u8]) -> Result<Id, SizeError> {
        self.none()
    }
    fn python2_str(&mut self, raw: &[u8]) -> Result<Id, SizeError> {
        let text = raw.iter().map(|&b| char::from(b)).collect();
        Ok(self.add(Node::Str(text)))
    }
    fn bytearray(&mut self, _: &[u8]) -> Result<Id, SizeError> {
        self.none()
    }
    fn empty_list(&mut self) -> Result<Id, SizeError> {
        self.none()
    }
    fn empty_dict(&mut self) -> Result<Id, SizeError> {
        Ok(self.add(Node::Dict(Vec::new())))
    }
    fn empty_set(&mut self) -> Result<Id, SizeError> {
        self.none()
    }
    fn tuple(&mut self, items: Items<'_, Id>) -> Result<Id, SizeError> {
        let items = items.collect();
        Ok(self.add(Node::Tuple(items)))
    }
    fn frozenset(&mut self, _: Items<'_, Id>) -> Result<Id, SizeError> {
        self.none()
    }
    fn list_extend(&mut self, _: &Id, _: Items<'_, Id>) -> Result<(), SizeError> {
        Ok(())
    }
    fn dict_set_items(&mut self, target: &Id, pairs: Pairs<'_, Id>) -> Result<(), SizeError> {
        if let Some(Node::Dict(existing)) = self.nodes.get_mut(*target) {
            existing.extend(pairs);
        }
        Ok(())
    }
    fn set_add(&mut self, _: &Id, _: Items<'_, Id>) -> Result<(), SizeError> {
        Ok(())
    }
    fn global(&mut self, module: &str, qualname: &str) -> Result<Id, SizeError> {
        Ok(self.add(Node::Global(format!("{module}.{qualname}"))))
    }
    fn call(&mut self, callable: Id, args: Id) -> Result<Id, SizeError> {
        let node = Node::Object {
            callable,
            args,
            state: None,
        };
        Ok(self.add(node))
    }
    fn new_object(&mut self, cls: Id, args: Id, _: Option<Id>) -> Result<Id, SizeError> {
        self.call(cls, args)
    }
    fn build(&mut self, target: &Id, state: Id) -> Result<(), SizeError> {
        if let Some(Node::Object { state: slot, .. }) = self.nodes.get_mut(*target) {
            *slot = Some(state);
        }
        Ok(())
    }
    fn out_of_band_after_build(
        &mut self,
        target: &Id,
        input: &[u8],
        at: usize,
    ) -> Result<usize, SizeError> {
        let wrapper = self
            .class_of(*target)
            .is_some_and(|name| name.ends_with(".NumpyArrayWrapper"));
        let state = match self.node(*target) {
            Node::Object { state, .. } => *state,
            _ => None,
        };
        match state {
            Some(state) if wrapper => self.size_array(state, input, at),
            _ => Ok(0),
        }
    }
    fn persistent_load(&mut self, _: Id) -> Result<Id, SizeError> {
        self.none()
    }
    fn extension(&mut self, _: u32) -> Result<Id, SizeError> {
        self.none()
    }
    fn next_buffer(&mut self) -> Result<Id, SizeError> {
        self.none()
    }
    fn readonly_buffer(&mut self, buffer: Id) -> Result<Id, SizeError> {
        Ok(buffer)
    }
}
