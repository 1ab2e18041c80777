//! Writes the core model as YAML through the [`Emitter`].

use super::emit::{self, EmitOptions, Emitter, ScalarEvent, Style};
use super::resolve::{self, Schema};
use crate::error::{Error, Result};
use crate::value::Value;

/// Which schemas a string written plain must read back as a string under.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Quoting {
    /// Both the core schema and YAML 1.1 (serialkit's `dumps`).
    #[default]
    BothSchemas,
    /// YAML 1.1 only, as PyYAML decides (`safe_dump`).
    Yaml11,
}

impl Quoting {
    pub fn plain_is_str(self, text: &str) -> bool {
        resolve::plain_is_str(text, Schema::Yaml11)
            && (self == Quoting::Yaml11 || resolve::plain_is_str(text, Schema::Core))
    }

    /// Whether a non-string scalar's text reads back as its own type when
    /// written plain.
    pub fn plain_is(self, text: &str, kind: resolve::Kind) -> bool {
        resolve::resolve_plain(text, Schema::Yaml11) == kind
            && (self == Quoting::Yaml11 || resolve::resolve_plain(text, Schema::Core) == kind)
    }
}

#[derive(Clone, Debug)]
pub struct WriteOptions {
    pub emit: EmitOptions,
    pub sort_keys: bool,
    /// `Some(true)`: every collection in flow style; `Some(false)`: block
    /// style; `None`: flow style for collections of scalars only (PyYAML's
    /// `default_flow_style=None`).
    pub flow: Option<bool>,
    pub quoting: Quoting,
    pub max_depth: usize,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            emit: EmitOptions::default(),
            sort_keys: false,
            flow: Some(false),
            quoting: Quoting::default(),
            max_depth: crate::limits::Limits::DEFAULT_MAX_DEPTH,
        }
    }
}

/// The text PyYAML's representer writes for a float.
pub fn float_text(value: f64) -> String {
    if value.is_nan() {
        return ".nan".into();
    }
    if value.is_infinite() {
        return if value > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    let repr = crate::number::python_float_repr(value).to_ascii_lowercase();
    if !repr.contains('.') && repr.contains('e') {
        repr.replacen('e', ".0e", 1)
    } else {
        repr
    }
}

pub fn to_string(documents: &[Value], options: &WriteOptions) -> Result<String> {
    let mut writer = Writer {
        emitter: Emitter::new(&options.emit),
        options,
        depth: 0,
        anchors: std::collections::HashMap::new(),
    };
    for document in documents {
        writer.emitter.document_start();
        writer.node(document)?;
        writer.emitter.document_end();
    }
    Ok(writer.emitter.finish())
}

struct Writer<'a> {
    emitter: Emitter,
    options: &'a WriteOptions,
    depth: usize,
    /// Anchor names of the shared nodes met so far, numbered as PyYAML
    /// numbers them (`id001`, ...).
    anchors: std::collections::HashMap<crate::value::ShareId, String>,
}

/// A scalar's text and how it is tagged.
struct Rendered {
    text: String,
    tag: &'static str,
    plain_implicit: bool,
    quoted_implicit: bool,
    style: Style,
}

fn is_scalar(value: &Value) -> bool {
    if let Value::Shared { value, .. } = value {
        return is_scalar(value);
    }
    !matches!(
        value,
        Value::Ref(_)
            | Value::List(_)
            | Value::Tuple(_)
            | Value::Dict(_)
            | Value::Set(_)
            | Value::FrozenSet(_)
            | Value::Bytes(_)
    )
}

impl Writer<'_> {
    fn render(&self, value: &Value) -> Result<Rendered> {
        let quoting = self.options.quoting;
        let typed = |text: String, tag, kind| {
            let plain_implicit = quoting.plain_is(&text, kind);
            Rendered {
                text,
                tag,
                plain_implicit,
                quoted_implicit: false,
                style: Style::Any,
            }
        };
        Ok(match value {
            Value::None => typed("null".into(), "!!null", resolve::Kind::Null),
            Value::Bool(b) => typed(
                if *b { "true" } else { "false" }.into(),
                "!!bool",
                resolve::Kind::Bool,
            ),
            Value::Int(i) => typed(i.to_string(), "!!int", resolve::Kind::Int),
            Value::BigInt(i) => typed(i.to_string(), "!!int", resolve::Kind::Int),
            Value::Float(f) => typed(float_text(*f), "!!float", resolve::Kind::Float),
            Value::Str(s) => Rendered {
                plain_implicit: quoting.plain_is_str(s),
                text: s.clone(),
                tag: "!!str",
                quoted_implicit: true,
                style: Style::Any,
            },
            Value::Bytes(b) => Rendered {
                text: resolve::encode_base64_lines(b),
                tag: "!!binary",
                plain_implicit: false,
                quoted_implicit: false,
                style: Style::Literal,
            },
            other => {
                return Err(Error::unsupported(format!(
                    "YAML cannot hold a {} value",
                    other.type_name()
                )))
            }
        })
    }

    fn node(&mut self, value: &Value) -> Result<()> {
        match value {
            Value::Shared { id, value } => {
                let name = format!("id{:03}", self.anchors.len() + 1);
                self.emitter.anchor(&name);
                self.anchors.insert(*id, name);
                self.node(value)
            }
            Value::Ref(id) => {
                let name = self.anchors.get(id).ok_or_else(|| {
                    Error::unsupported(format!("a reference to shared node {id} comes before it"))
                })?;
                self.emitter.alias(name);
                Ok(())
            }
            Value::List(items) | Value::Tuple(items) => self.sequence(items),
            Value::Dict(entries) => {
                let pairs: Vec<(&Value, &Value)> = entries.iter().map(|(k, v)| (k, v)).collect();
                self.mapping(pairs, None)
            }
            Value::Set(items) | Value::FrozenSet(items) => {
                let pairs = items.iter().map(|k| (k, &Value::None)).collect();
                self.mapping(pairs, Some("!!set"))
            }
            scalar => {
                let rendered = self.render(scalar)?;
                self.emitter.scalar(&event(&rendered), None);
                Ok(())
            }
        }
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > self.options.max_depth {
            return Err(Error::limit("nesting depth", self.options.max_depth, None));
        }
        Ok(())
    }

    fn flow(&self, leaf: bool) -> bool {
        self.options.flow.unwrap_or(leaf)
    }

    fn sequence(&mut self, items: &[Value]) -> Result<()> {
        self.enter()?;
        let flow = self.flow(items.iter().all(is_scalar));
        self.emitter.sequence_start(None, flow, items.is_empty());
        for item in items {
            self.emitter.item();
            self.node(item)?;
        }
        self.emitter.sequence_end();
        self.depth -= 1;
        Ok(())
    }

    fn mapping(&mut self, mut pairs: Vec<(&Value, &Value)>, tag: Option<&str>) -> Result<()> {
        self.enter()?;
        if self.options.sort_keys {
            sort_pairs(&mut pairs);
        }
        let flow = self.flow(pairs.iter().all(|(k, v)| is_scalar(k) && is_scalar(v)));
        self.emitter.mapping_start(tag, flow, pairs.is_empty());
        for (key, value) in pairs {
            let simple = match key {
                Value::List(items) | Value::Tuple(items) => {
                    items.is_empty() && emit::simple_key_empty_collection("!!seq")
                }
                Value::Dict(items) => {
                    items.is_empty() && emit::simple_key_empty_collection("!!map")
                }
                Value::Set(_) | Value::FrozenSet(_) | Value::Bytes(_) | Value::Shared { .. } => {
                    false
                }
                // An alias is always a simple key.
                Value::Ref(_) => true,
                scalar => {
                    let rendered = self.render(scalar)?;
                    let analysis = self.emitter.analyze(&rendered.text);
                    let simple = emit::simple_key_scalar(&analysis, rendered.tag, None);
                    self.emitter.key(simple);
                    self.emitter.scalar(&event(&rendered), Some(analysis));
                    self.emitter.value(simple);
                    self.node(value)?;
                    continue;
                }
            };
            self.emitter.key(simple);
            self.node(key)?;
            self.emitter.value(simple);
            self.node(value)?;
        }
        self.emitter.mapping_end();
        self.depth -= 1;
        Ok(())
    }
}

fn event(rendered: &Rendered) -> ScalarEvent<'_> {
    ScalarEvent {
        text: &rendered.text,
        tag: rendered.tag,
        plain_implicit: rendered.plain_implicit,
        quoted_implicit: rendered.quoted_implicit,
        style: rendered.style,
    }
}

/// Sorts as Python's `sorted` would, when the keys are comparable; keys of
/// mixed kinds stay in order (PyYAML falls back the same way).
fn sort_pairs(pairs: &mut [(&Value, &Value)]) {
    if pairs.iter().all(|(k, _)| matches!(k, Value::Str(_))) {
        pairs.sort_by(|(a, _), (b, _)| match (a, b) {
            (Value::Str(a), Value::Str(b)) => a.cmp(b),
            _ => std::cmp::Ordering::Equal,
        });
    } else if pairs
        .iter()
        .all(|(k, _)| matches!(k, Value::Int(_) | Value::Float(_) | Value::Bool(_)))
    {
        let number = |v: &Value| match v {
            Value::Int(i) => *i as f64,
            Value::Float(f) => *f,
            Value::Bool(b) => f64::from(u8::from(*b)),
            _ => 0.0,
        };
        pairs.sort_by(|(a, _), (b, _)| number(a).total_cmp(&number(b)));
    }
}
