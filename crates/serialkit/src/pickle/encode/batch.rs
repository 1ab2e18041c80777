//! CPython's batching of items that come from an iterator (the list and
//! dict items of a reduction, or an object's items in the model): up to
//! [`BATCHSIZE`] items between MARK and the batch opcode, except that a
//! last batch of one item is written alone with the single-item opcode.

use super::Framer;
use crate::pickle::opcodes::MARK;

/// How many items one APPENDS, SETITEMS or ADDITEMS carries, as in CPython.
pub const BATCHSIZE: usize = 1000;

/// A writer that the batching helpers interleave their opcodes with.
pub trait Output {
    fn out(&mut self) -> &mut Framer;
}

/// How an iterator's items are taken and written.
pub struct Items<N, C, S> {
    /// The next raw item, if any.
    pub next: N,
    /// Checks a raw item. The first item of a batch is checked as soon as
    /// it is fetched, before the next is; the others just before they are
    /// saved, which is when CPython checks them.
    pub check: C,
    pub save: S,
}

/// Writes the items with `single` after a lone item and `multiple` after
/// a batch. Protocol 0 has no batches: each item is followed by `single`.
/// The item after a batch's first is fetched before the batch starts, as
/// CPython fetches it, to know whether the first is the last.
pub fn batch_iter<W, T, U, E, N, C, S>(
    writer: &mut W,
    proto: u8,
    (single, multiple): (u8, u8),
    mut items: Items<N, C, S>,
) -> Result<(), E>
where
    W: Output + ?Sized,
    N: FnMut(&mut W) -> Result<Option<T>, E>,
    C: FnMut(T) -> Result<U, E>,
    S: FnMut(&mut W, U) -> Result<(), E>,
{
    if proto == 0 {
        while let Some(item) = (items.next)(writer)? {
            (items.save)(writer, (items.check)(item)?)?;
            writer.out().byte(single);
        }
        return Ok(());
    }
    loop {
        let Some(first) = (items.next)(writer)? else {
            return Ok(());
        };
        let first = (items.check)(first)?;
        let Some(mut item) = (items.next)(writer)? else {
            (items.save)(writer, first)?;
            writer.out().byte(single);
            return Ok(());
        };
        writer.out().byte(MARK);
        (items.save)(writer, first)?;
        let mut n = 1;
        let full = loop {
            (items.save)(writer, (items.check)(item)?)?;
            n += 1;
            if n == BATCHSIZE {
                break true;
            }
            match (items.next)(writer)? {
                Some(following) => item = following,
                None => break false,
            }
        };
        writer.out().byte(multiple);
        if !full {
            return Ok(());
        }
    }
}

/// One batch of the items `next` yields: MARK, up to [`BATCHSIZE`] items
/// and `op`. Returns how many items it held. CPython's loops for exact
/// dicts and sets end on a short batch, so a full last batch is followed
/// by an empty one; its loop for exact lists ends when no items are left.
pub fn batch<W, T, E>(
    writer: &mut W,
    op: u8,
    mut next: impl FnMut(&mut W) -> Result<Option<T>, E>,
    mut save: impl FnMut(&mut W, T) -> Result<(), E>,
) -> Result<usize, E>
where
    W: Output + ?Sized,
{
    writer.out().byte(MARK);
    let mut n = 0;
    while n < BATCHSIZE {
        let Some(item) = next(writer)? else {
            break;
        };
        save(writer, item)?;
        n += 1;
    }
    writer.out().byte(op);
    Ok(n)
}
