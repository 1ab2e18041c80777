//! Opcodes that build and fill containers, move values on the stack and
//! use the memo.

use super::{Failure, Kind, Machine, Slot, Step};
use crate::pickle::opcodes::*;
use crate::pickle::sink::{Items, Pairs, PickleSink};
use crate::pickle::text::{self, Integer};

impl<S: PickleSink> Machine<'_, '_, '_, S> {
    pub(super) fn container(&mut self, op: u8) -> Step<S::Error> {
        match op {
            EMPTY_LIST => {
                let made = self.sink.empty_list();
                self.produce(made, Kind::List)
            }
            EMPTY_DICT => {
                let made = self.sink.empty_dict();
                self.produce(made, Kind::Dict)
            }
            EMPTY_SET => {
                let made = self.sink.empty_set();
                self.produce(made, Kind::Set)
            }
            EMPTY_TUPLE | TUPLE1 | TUPLE2 | TUPLE3 => {
                let count = match op {
                    EMPTY_TUPLE => 0,
                    TUPLE1 => 1,
                    TUPLE2 => 2,
                    _ => 3,
                };
                self.require(count)?;
                let start = self.stack.len() - count;
                let made = self.sink.tuple(Items(self.stack.drain(start..)));
                self.produce(made, Kind::Tuple)
            }
            TUPLE | FROZENSET => {
                let start = self.pop_mark()?;
                let items = Items(self.stack.drain(start.min(self.stack.len())..));
                let (made, kind) = if op == TUPLE {
                    (self.sink.tuple(items), Kind::Tuple)
                } else {
                    (self.sink.frozenset(items), Kind::FrozenSet)
                };
                self.produce(made, kind)
            }
            LIST | DICT => {
                let start = self.pop_mark()?;
                if op == DICT && (self.stack.len() - start) % 2 != 0 {
                    return Err(self.syntax("odd number of items"));
                }
                let (made, kind) = if op == LIST {
                    (self.sink.empty_list(), Kind::List)
                } else {
                    (self.sink.empty_dict(), Kind::Dict)
                };
                let target = made.map_err(|error| self.refused(error))?;
                let items = Items(self.stack.drain(start.min(self.stack.len())..));
                let filled = if op == LIST {
                    self.sink.list_extend(&target, items)
                } else {
                    self.sink.dict_set_items(&target, Pairs(items))
                };
                filled.map_err(|error| self.refused(error))?;
                self.push(target, kind);
                Ok(())
            }
            _ => Err(self.syntax("not a container opcode")),
        }
    }

    /// APPEND, APPENDS, SETITEM, SETITEMS, ADDITEMS: the items start at some
    /// stack index and the target sits just below them.
    pub(super) fn fill(&mut self, op: u8) -> Step<S::Error> {
        let start = match op {
            APPEND => {
                self.require(2)?;
                self.stack.len() - 1
            }
            SETITEM => {
                self.require(3)?;
                self.stack.len() - 2
            }
            _ => self.pop_mark()?,
        };
        // As in the C unpickler, the target must exist but an empty batch
        // leaves it alone, whatever it is.
        if start <= self.fence() {
            return Err(self.underflow());
        }
        let count = self.stack.len() - start;
        if count == 0 {
            return Ok(());
        }
        let target_kind = self.stack.get(start - 1).map_or(Kind::Unknown, Slot::kind);
        let fits = match op {
            APPEND | APPENDS => matches!(target_kind, Kind::List | Kind::Unknown),
            SETITEM | SETITEMS => matches!(target_kind, Kind::Dict | Kind::Unknown),
            _ => matches!(target_kind, Kind::Set | Kind::Unknown),
        };
        if !fits {
            let verb = match op {
                APPEND | APPENDS => "cannot append to",
                SETITEM | SETITEMS => "cannot set items on",
                _ => "cannot add items to",
            };
            return Err(self.syntax(format!("{verb} {}", target_kind.name())));
        }
        if matches!(op, SETITEM | SETITEMS) && count % 2 != 0 {
            return Err(self.syntax("odd number of items"));
        }
        // The target is drained with its items and put back after: the
        // sink reads it while the items leave the stack.
        let mut taken = self.stack.drain(start - 1..);
        let Some(target) = taken.next() else {
            drop(taken);
            return Err(self.underflow());
        };
        let items = Items(taken);
        let filled = match op {
            APPEND | APPENDS => self.sink.list_extend(&target.handle, items),
            SETITEM | SETITEMS => self.sink.dict_set_items(&target.handle, Pairs(items)),
            _ => self.sink.set_add(&target.handle, items),
        };
        self.stack.push(target);
        filled.map_err(|error| self.refused(error))
    }

    pub(super) fn stack_op(&mut self, op: u8) -> Step<S::Error> {
        match op {
            MARK => {
                if self.marks.len() >= self.options.limits.max_depth {
                    return Err(self.limit("MARK nesting depth", self.options.limits.max_depth));
                }
                self.marks.push(self.stack.len());
            }
            POP => {
                // With nothing above the last MARK, POP discards the MARK.
                if self.stack.len() > self.fence() {
                    self.stack.pop();
                } else if self.marks.pop().is_none() {
                    return Err(self.underflow());
                }
            }
            POP_MARK => {
                let start = self.pop_mark()?;
                self.stack.truncate(start);
            }
            _ => {
                self.require(1)?;
                let Some(top) = self.stack.last() else {
                    return Err(self.underflow());
                };
                let slot = Slot {
                    kind: top.kind,
                    handle: self.sink.share(&top.handle),
                };
                self.push_slot(slot);
            }
        }
        Ok(())
    }

    /// GET, BINGET, LONG_BINGET: the memo entry `key`, pushed again.
    // Hot: the machine's loop, not a call, should reach it.
    #[inline(always)]
    pub(super) fn memo_get(&mut self, key: u64) -> Step<S::Error> {
        let Some(slot) = self.memo.get(key) else {
            return Err(self.syntax(format!("memo key {key} was never set")));
        };
        let kind = slot.kind;
        let handle = self.sink.share(&slot.handle);
        self.push_slot(Slot { handle, kind });
        Ok(())
    }

    /// PUT, BINPUT, LONG_BINPUT, MEMOIZE: the top of the stack stored under
    /// `key`. The step reads the key, so each opcode reaches here without
    /// matching on it again.
    // Hot: the machine's loop, not a call, should reach it.
    #[inline(always)]
    pub(super) fn memo_put(&mut self, key: u64) -> Step<S::Error> {
        if self.memo.len() >= self.options.max_memo && !self.memo.contains(key) {
            return Err(self.limit("memo entries", self.options.max_memo));
        }
        self.require(1)?;
        let Some(top) = self.stack.last() else {
            return Err(self.underflow());
        };
        let slot = Slot {
            kind: top.kind,
            handle: self.sink.share(&top.handle),
        };
        self.memo.insert(key, slot);
        Ok(())
    }

    /// GET and PUT's decimal argument. A negative or huge key cannot be in
    /// the memo; CPython fails on it either way.
    pub(super) fn decimal_key(&mut self) -> Result<u64, Failure<S::Error>> {
        let line = self.nonempty_line()?;
        match text::decimal_int(line).map_err(|message| self.syntax(message))? {
            Integer::Small(key) => {
                u64::try_from(key).map_err(|_| self.syntax(format!("negative memo key {key}")))
            }
            Integer::Big(_) => Err(self.syntax("memo key out of range")),
        }
    }
}
