//! Writes the core [`Value`] as JSON, formatted as CPython's `json.dumps`
//! formats it, so the CLI's output matches what Python users see.

use super::escape::write_escaped;
use crate::error::{Error, Result};
use crate::number::write_python_float_repr;
use crate::value::Value;

#[derive(Clone, Debug)]
pub struct WriteOptions {
    /// Indentation per level; `None` writes everything on one line.
    pub indent: Option<String>,
    pub item_separator: String,
    pub key_separator: String,
    pub sort_keys: bool,
    pub ensure_ascii: bool,
    pub allow_nan: bool,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            indent: None,
            item_separator: ", ".into(),
            key_separator: ": ".into(),
            sort_keys: false,
            ensure_ascii: false,
            allow_nan: true,
        }
    }
}

impl WriteOptions {
    /// Python's defaults for a given indent: `","` between items when
    /// indenting (the newline separates them), `", "` otherwise.
    pub fn indented(spaces: usize) -> Self {
        WriteOptions {
            indent: Some(" ".repeat(spaces)),
            item_separator: ",".into(),
            ..WriteOptions::default()
        }
    }
}

pub fn to_vec(value: &Value, options: &WriteOptions) -> Result<Vec<u8>> {
    let mut writer = Writer {
        out: Vec::with_capacity(128),
        options,
        level: 0,
    };
    writer.value(value)?;
    Ok(writer.out)
}

struct Writer<'o> {
    out: Vec<u8>,
    options: &'o WriteOptions,
    level: usize,
}

impl Writer<'_> {
    fn float(&mut self, value: f64) -> Result<()> {
        if value.is_finite() {
            write_python_float_repr(&mut self.out, value);
            return Ok(());
        }
        if !self.options.allow_nan {
            return Err(Error::unsupported(
                "Out of range float values are not JSON compliant",
            ));
        }
        let text: &[u8] = if value.is_nan() {
            b"NaN"
        } else if value > 0.0 {
            b"Infinity"
        } else {
            b"-Infinity"
        };
        self.out.extend_from_slice(text);
        Ok(())
    }

    fn newline(&mut self) {
        if let Some(indent) = &self.options.indent {
            self.out.push(b'\n');
            for _ in 0..self.level {
                self.out.extend_from_slice(indent.as_bytes());
            }
        }
    }

    fn value(&mut self, value: &Value) -> Result<()> {
        match value {
            Value::None => self.out.extend_from_slice(b"null"),
            Value::Bool(true) => self.out.extend_from_slice(b"true"),
            Value::Bool(false) => self.out.extend_from_slice(b"false"),
            Value::Int(int) => self
                .out
                .extend_from_slice(itoa::Buffer::new().format(*int).as_bytes()),
            Value::BigInt(int) => self.out.extend_from_slice(int.to_string().as_bytes()),
            Value::Float(float) => self.float(*float)?,
            Value::Str(text) => {
                write_escaped(&mut self.out, text.as_bytes(), self.options.ensure_ascii)
            }
            Value::List(items) | Value::Tuple(items) => self.sequence(items)?,
            Value::Dict(entries) => self.dict(entries)?,
            Value::Shared { value, .. } => self.value(value)?,
            other => {
                return Err(Error::unsupported(format!(
                    "a {} value has no JSON form",
                    other.type_name()
                )))
            }
        }
        Ok(())
    }

    fn sequence(&mut self, items: &[Value]) -> Result<()> {
        if items.is_empty() {
            self.out.extend_from_slice(b"[]");
            return Ok(());
        }
        self.out.push(b'[');
        self.level += 1;
        self.newline();
        for (index, item) in items.iter().enumerate() {
            if index > 0 {
                self.out
                    .extend_from_slice(self.options.item_separator.as_bytes());
                self.newline();
            }
            self.value(item)?;
        }
        self.level -= 1;
        self.newline();
        self.out.push(b']');
        Ok(())
    }

    /// Keys are converted as Python converts them: strings as they are,
    /// numbers, booleans and None by their JSON spelling.
    fn key_text(&self, key: &Value) -> Result<String> {
        Ok(match key {
            Value::Str(text) => text.clone(),
            Value::Bool(true) => "true".into(),
            Value::Bool(false) => "false".into(),
            Value::None => "null".into(),
            Value::Int(int) => int.to_string(),
            Value::BigInt(int) => int.to_string(),
            Value::Float(float) => {
                let mut writer = Writer {
                    out: Vec::new(),
                    options: self.options,
                    level: 0,
                };
                writer.float(*float)?;
                String::from_utf8(writer.out).unwrap_or_default()
            }
            other => {
                return Err(Error::unsupported(format!(
                    "keys must be str, int, float, bool or None, not {}",
                    other.type_name()
                )))
            }
        })
    }

    fn dict(&mut self, entries: &[(Value, Value)]) -> Result<()> {
        if entries.is_empty() {
            self.out.extend_from_slice(b"{}");
            return Ok(());
        }
        let mut keyed = entries
            .iter()
            .map(|(key, value)| Ok((self.key_text(key)?, value)))
            .collect::<Result<Vec<_>>>()?;
        if self.options.sort_keys {
            keyed.sort_by(|a, b| a.0.cmp(&b.0));
        }
        self.out.push(b'{');
        self.level += 1;
        self.newline();
        for (index, (key, value)) in keyed.into_iter().enumerate() {
            if index > 0 {
                self.out
                    .extend_from_slice(self.options.item_separator.as_bytes());
                self.newline();
            }
            write_escaped(&mut self.out, key.as_bytes(), self.options.ensure_ascii);
            self.out
                .extend_from_slice(self.options.key_separator.as_bytes());
            self.value(value)?;
        }
        self.level -= 1;
        self.newline();
        self.out.push(b'}');
        Ok(())
    }
}
