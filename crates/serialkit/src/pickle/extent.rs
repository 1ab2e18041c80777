//! Where a pickle ends, found by running the machine with a sink that
//! builds nothing: a reader of a stream of pickles (`Unpickler.load` on a
//! file) can then take exactly one pickle's bytes, rather than the rest of
//! the file, without executing anything twice.

use super::machine::{load_with_memo, MemoTable};
use super::sink::{Items, Pairs, PickleSink, PickleStr};
use super::{LoadOptions, StringEncoding};
use std::convert::Infallible;

/// A sink that accepts everything and keeps nothing.
struct Nothing;

impl PickleSink for Nothing {
    type Handle = ();
    type Error = Infallible;

    fn share(&mut self, _: &()) {}
    fn str_text(&self, _: &()) -> Option<String> {
        // A memo entry from an earlier pickle: its text is not needed to
        // find where this pickle ends, only that STACK_GLOBAL may use it.
        Some("_".into())
    }
    fn none(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
    fn bool(&mut self, _: bool) -> Result<(), Infallible> {
        Ok(())
    }
    fn int(&mut self, _: i64) -> Result<(), Infallible> {
        Ok(())
    }
    fn big_int(&mut self, _: &[u8]) -> Result<(), Infallible> {
        Ok(())
    }
    fn float(&mut self, _: f64) -> Result<(), Infallible> {
        Ok(())
    }
    fn str(&mut self, _: PickleStr<'_>) -> Result<(), Infallible> {
        Ok(())
    }
    fn bytes(&mut self, _: &[u8]) -> Result<(), Infallible> {
        Ok(())
    }
    fn bytearray(&mut self, _: &[u8]) -> Result<(), Infallible> {
        Ok(())
    }
    fn empty_list(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
    fn empty_dict(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
    fn empty_set(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
    fn tuple(&mut self, _: Items<'_, ()>) -> Result<(), Infallible> {
        Ok(())
    }
    fn frozenset(&mut self, _: Items<'_, ()>) -> Result<(), Infallible> {
        Ok(())
    }
    fn list_extend(&mut self, _: &(), _: Items<'_, ()>) -> Result<(), Infallible> {
        Ok(())
    }
    fn dict_set_items(&mut self, _: &(), _: Pairs<'_, ()>) -> Result<(), Infallible> {
        Ok(())
    }
    fn set_add(&mut self, _: &(), _: Items<'_, ()>) -> Result<(), Infallible> {
        Ok(())
    }
    fn global(&mut self, _: &str, _: &str) -> Result<(), Infallible> {
        Ok(())
    }
    fn call(&mut self, _: (), _: ()) -> Result<(), Infallible> {
        Ok(())
    }
    fn new_object(&mut self, _: (), _: (), _: Option<()>) -> Result<(), Infallible> {
        Ok(())
    }
    fn build(&mut self, _: &(), _: ()) -> Result<(), Infallible> {
        Ok(())
    }
    fn persistent_load(&mut self, _: ()) -> Result<(), Infallible> {
        Ok(())
    }
    fn extension(&mut self, _: u32) -> Result<(), Infallible> {
        Ok(())
    }
    fn next_buffer(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
    fn readonly_buffer(&mut self, _: ()) -> Result<(), Infallible> {
        Ok(())
    }
}

/// The offset just past the STOP of the pickle that starts at `start`,
/// when `input` holds all of it and it is well formed; `None` otherwise
/// (truncated, or malformed: a caller reading a stream reads more, and
/// once there is no more, loads for real to get the error). `memo` is the
/// memo the pickle will be loaded with (`MemoTable::shape` of it), so that
/// a later pickle of a stream may GET what earlier ones stored.
pub fn pickle_end(
    input: &[u8],
    start: usize,
    options: &LoadOptions,
    memo: &mut MemoTable<()>,
) -> Option<usize> {
    let options = LoadOptions {
        // Python 2 strings are not decoded: only their length matters.
        encoding: StringEncoding::Bytes,
        buffers: None,
        ..options.clone()
    };
    let found = load_with_memo(input, start, &options, &mut Nothing, memo);
    found.ok().map(|((), end)| end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_end_of_each_pickle_of_a_stream() {
        let options = LoadOptions::default();
        let mut memo = MemoTable::new();
        let first = b"\x80\x04\x95\x0b\x00\x00\x00\x00\x00\x00\x00]\x94(K\x01\x8c\x01a\x94e.";
        let second = b"\x80\x04h\x01h\x01\x93.";
        let mut stream = first.to_vec();
        stream.extend_from_slice(second);
        stream.extend_from_slice(b"tail");
        let end = pickle_end(&stream, 0, &options, &mut memo);
        assert_eq!(end, Some(first.len()));
        // The second GETs the first's str and feeds it to STACK_GLOBAL.
        let end = pickle_end(&stream, first.len(), &options, &mut memo);
        assert_eq!(end, Some(first.len() + second.len()));
        for cut in 0..first.len() {
            assert_eq!(
                pickle_end(&first[..cut], 0, &options, &mut MemoTable::new()),
                None
            );
        }
        // NEXT_BUFFER needs no buffers here, and persistent ids no hook.
        let hooks = b"\x80\x05\x97\x98K\x01Q\x86.";
        let end = pickle_end(hooks, 0, &options, &mut MemoTable::new());
        assert_eq!(end, Some(hooks.len()));
        // Malformed: no end either.
        assert_eq!(
            pickle_end(b"\x80\x05a.", 0, &options, &mut MemoTable::new()),
            None
        );
    }
}
