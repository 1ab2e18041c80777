//! Opcodes that name globals, make objects by calls, set their state, and
//! stand for things outside the pickle (persistent ids, extension codes,
//! out-of-band buffers). All of it is passed to the sink as data.

use super::{Failure, Kind, Machine, Slot, Step};
use crate::pickle::names;
use crate::pickle::opcodes::*;
use crate::pickle::sink::{Items, PickleSink, PickleStr};

/// What may stand where CPython needs a callable or a class: only a global
/// or the result of some call can be one.
fn callable(kind: Kind) -> bool {
    matches!(kind, Kind::Global | Kind::Unknown)
}

const CALLABLE: &str = "a global or an object";

impl<'a, S: PickleSink> Machine<'a, '_, '_, S> {
    pub(super) fn object(&mut self, op: u8) -> Step<S::Error> {
        match op {
            GLOBAL | INST => {
                let module = self.name_line()?;
                let name = self.name_line()?;
                if op == GLOBAL {
                    let made = self.global(module, name)?;
                    self.push(made, Kind::Global);
                    return Ok(());
                }
                let start = self.pop_mark()?;
                let cls = self.global(module, name)?;
                self.instantiate(cls, start)
            }
            STACK_GLOBAL => {
                let name = self.pop()?;
                let module = self.pop()?;
                let module = self.str_text(&module)?;
                let name = self.str_text(&name)?;
                let made = self.global(&module, &name)?;
                self.push(made, Kind::Global);
                Ok(())
            }
            OBJ => {
                let start = self.pop_mark()?;
                if self.stack.len() <= start {
                    return Err(self.syntax("no class after the MARK"));
                }
                let cls = self.stack.remove(start);
                self.expect(cls.kind(), callable, "the class", CALLABLE)?;
                self.instantiate(cls.handle, start)
            }
            REDUCE => {
                let args = self.pop()?;
                let callable_slot = self.pop()?;
                self.expect(callable_slot.kind(), callable, "the callable", CALLABLE)?;
                self.expect_arguments(args.kind())?;
                let made = self.sink.call(callable_slot.handle, args.handle);
                self.produce(made, Kind::Unknown)
            }
            NEWOBJ | NEWOBJ_EX => {
                let kwargs = match op {
                    NEWOBJ_EX => Some(self.pop()?),
                    _ => None,
                };
                let args = self.pop()?;
                let cls = self.pop()?;
                self.expect(cls.kind(), callable, "the class", CALLABLE)?;
                self.expect_arguments(args.kind())?;
                if let Some(kwargs) = &kwargs {
                    self.expect(
                        kwargs.kind(),
                        |k| k == Kind::Dict,
                        "the keyword arguments",
                        "a dict",
                    )?;
                }
                let made =
                    self.sink
                        .new_object(cls.handle, args.handle, kwargs.map(|slot| slot.handle));
                self.produce(made, Kind::Unknown)
            }
            BUILD => {
                let state = self.pop()?;
                self.require(1)?;
                let Some(target) = self.stack.last() else {
                    return Err(self.underflow());
                };
                if target.kind() != Kind::Unknown {
                    let kind = target.kind();
                    return Err(self.syntax(format!("cannot set the state of {}", kind.name())));
                }
                let built = self.sink.build(&target.handle, state.handle);
                built.map_err(|error| self.refused(error))?;
                let after = self.reader.pos();
                let skip = self
                    .sink
                    .out_of_band_after_build(&target.handle, self.input, after)
                    .map_err(|error| self.refused(error))?;
                if skip > 0 {
                    self.reader
                        .take(skip as u64)
                        .map_err(|short| self.short(short))?;
                }
                Ok(())
            }
            EXT1 | EXT2 | EXT4 => {
                let code = match op {
                    EXT1 => self.reader.u8().map(i64::from),
                    EXT2 => self.reader.u16().map(i64::from),
                    _ => self.reader.i32().map(i64::from),
                };
                let code = code.map_err(|s| self.short(s))?;
                let code = u32::try_from(code)
                    .ok()
                    .filter(|&code| code > 0)
                    .ok_or_else(|| self.syntax(format!("extension code {code} is not positive")))?;
                let made = self.sink.extension(code);
                self.produce(made, Kind::Global)
            }
            PERSID => {
                let line = self.reader.line().map_err(|s| self.short(s))?;
                if !line.is_ascii() {
                    return Err(self.syntax("the persistent id is not ASCII"));
                }
                let pid = self.sink.str(PickleStr {
                    bytes: line,
                    surrogates: false,
                    ascii: true,
                });
                let pid = pid.map_err(|error| self.refused(error))?;
                let made = self.sink.persistent_load(pid);
                self.produce(made, Kind::Unknown)
            }
            BINPERSID => {
                let pid = self.pop()?;
                let made = self.sink.persistent_load(pid.handle);
                self.produce(made, Kind::Unknown)
            }
            NEXT_BUFFER => {
                let made = self.sink.next_buffer();
                self.produce(made, Kind::Buffer)
            }
            _ => {
                let buffer = self.pop()?;
                let kind = match buffer.kind() {
                    Kind::Bytes | Kind::Unknown => buffer.kind(),
                    Kind::ByteArray | Kind::Buffer => Kind::Buffer,
                    other => {
                        return Err(self.syntax(format!("needs a buffer, not {}", other.name())))
                    }
                };
                let made = self.sink.readonly_buffer(buffer.handle);
                self.produce(made, kind)
            }
        }
    }

    /// A call's positional arguments must be a tuple.
    fn expect_arguments(&self, kind: Kind) -> Step<S::Error> {
        self.expect(kind, |k| k == Kind::Tuple, "the arguments", "a tuple")
    }

    /// Checks an operand's kind; `wanted` describes the allowed kinds.
    fn expect(
        &self,
        kind: Kind,
        allowed: impl Fn(Kind) -> bool,
        what: &str,
        wanted: &str,
    ) -> Step<S::Error> {
        if allowed(kind) {
            return Ok(());
        }
        Err(self.syntax(format!("{what} must be {wanted}, not {}", kind.name())))
    }

    /// One line of GLOBAL or INST: a non-empty UTF-8 name (INST's are ASCII
    /// in CPython, a subset).
    fn name_line(&mut self) -> Result<&'a str, Failure<S::Error>> {
        let line = self.nonempty_line()?;
        self.check_name_length(line.len())?;
        let name = std::str::from_utf8(line).map_err(|_| self.syntax("the name is not UTF-8"))?;
        if self.op == INST && !name.is_ascii() {
            return Err(self.syntax("the name is not ASCII"));
        }
        Ok(name)
    }

    fn check_name_length(&self, len: usize) -> Step<S::Error> {
        let max = self.options.max_name_bytes;
        if len > max {
            return Err(self.limit("global name length in bytes", max));
        }
        Ok(())
    }

    /// The text of STACK_GLOBAL's operand, which must be a str.
    fn str_text(&self, slot: &Slot<S::Handle>) -> Result<String, Failure<S::Error>> {
        let source = match slot.kind() {
            Kind::Str(source) if source.range().is_some() => source,
            // A str from an earlier pickle's memo, one past 4 GiB or
            // 16 MiB long, or a value made by a call or set from outside:
            // only the sink knows its text (CPython accepts any exact str).
            Kind::Str(_) | Kind::Unknown => {
                if let Kind::Str(source) = slot.kind() {
                    // At least this long: over any limit short of it,
                    // whether or not the sink knows the text.
                    self.check_name_length(source.len())?;
                }
                let text = self.sink.str_text(&slot.handle).ok_or_else(|| {
                    self.syntax(format!("needs str names, not {}", slot.kind().name()))
                })?;
                self.check_name_length(text.len())?;
                return Ok(text);
            }
            _ => return Err(self.syntax(format!("needs str names, not {}", slot.kind().name()))),
        };
        // Measured in the input: that bounds the decoding work per opcode.
        self.check_name_length(source.len())?;
        self.text_of(source).map_err(|message| self.syntax(message))
    }

    /// Resolves a global's name as `find_class` would, without importing.
    fn global(&mut self, module: &str, name: &str) -> Result<S::Handle, Failure<S::Error>> {
        if module.is_empty() || name.is_empty() {
            return Err(self.syntax("empty module or attribute name"));
        }
        let (module, name) = if self.proto < 3 && self.options.fix_imports {
            names::fix_name(module, name)
        } else {
            (module.into(), name.into())
        };
        let made = self.sink.global(&module, &name);
        made.map_err(|error| self.refused(error))
    }

    /// INST and OBJ: the class has been taken off the stack; its arguments
    /// are the values from `start` up.
    fn instantiate(&mut self, cls: S::Handle, start: usize) -> Step<S::Error> {
        let start = start.min(self.stack.len());
        let arg_count = self.stack.len() - start;
        let args = self.sink.tuple(Items(self.stack.drain(start..)));
        let args = args.map_err(|error| self.refused(error))?;
        let made = self.sink.instantiate(cls, args, arg_count);
        self.produce(made, Kind::Unknown)
    }
}
