//! `serialkit inspect`: an annotated disassembly of a file, for now of
//! pickles only, with a summary of what loading it would import and call.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::ValueEnum;
use serialkit::pickle::inspect::{self, CallUse, Entry, GlobalTarget, GlobalUse, Listing};
use serialkit::pickle::LoadOptions;
use serialkit::{Limits, Value};

use crate::report::{ReadError, UsageError};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// An aligned table, like `python -m pickletools`
    #[default]
    Text,
    /// The same data as one JSON document
    Json,
}

pub struct Plan {
    /// `None` for standard input.
    pub input: Option<PathBuf>,
    pub format: OutputFormat,
    pub max_input_bytes: usize,
}

pub fn run(plan: &Plan) -> Result<()> {
    let source = match &plan.input {
        None => "<stdin>".to_owned(),
        Some(path) => path.display().to_string(),
    };
    let bytes = read_input(plan.input.as_deref(), plan.max_input_bytes)
        .map_err(|err| ReadError::new(&source, err))?;
    let extension = plan
        .input
        .as_deref()
        .and_then(|path| path.extension())
        .and_then(|ext| ext.to_str());
    if crate::inspect_marshal::wanted(&bytes, extension) {
        return run_marshal(plan, &source, &bytes);
    }
    // Pickles and marshal data can be inspected; anything else is refused
    // before any output, as a usage error (exit status 2).
    if !inspect::looks_like_pickle(&bytes) {
        return Err(UsageError::new(format!(
            "unrecognised format: {source} does not look like a pickle \
             (`inspect` reads pickles, .pyc files and .marshal files)"
        ))
        .into());
    }
    let options = LoadOptions {
        limits: Limits {
            max_input_bytes: plan.max_input_bytes,
            ..Limits::default()
        },
        ..LoadOptions::default()
    };
    let mut listing =
        inspect::disassemble(&bytes, &options).map_err(|err| ReadError::new(&source, err))?;
    let rendered = match plan.format {
        OutputFormat::Text => render_text(&listing),
        OutputFormat::Json => {
            let value = to_value(&listing);
            let mut out =
                serialkit::json::to_vec(&value, &serialkit::json::WriteOptions::indented(2))
                    .map_err(|err| anyhow::anyhow!("{}", err.kind()))
                    .context("cannot write the listing as JSON")?;
            out.push(b'\n');
            out
        }
    };
    write_stdout(&rendered).context("cannot write to standard output")?;
    // The listing (with the summary of what ran before the failure) is
    // printed first; the failure is then reported like any read error.
    match listing.error.take() {
        Some(error) => Err(ReadError::new(&source, error).into()),
        None => Ok(()),
    }
}

fn run_marshal(plan: &Plan, source: &str, bytes: &[u8]) -> Result<()> {
    let limits = Limits {
        max_input_bytes: plan.max_input_bytes,
        ..Limits::default()
    };
    let (header, value) =
        crate::inspect_marshal::read(bytes, &limits).map_err(|err| ReadError::new(source, err))?;
    // Strings and numbers that the writer shared (names, file names) are
    // shown in place rather than as references.
    let value = serialkit::tagged::inline_atoms(value, limits.max_expansion);
    let rendered = match plan.format {
        OutputFormat::Text => crate::inspect_marshal::render_text(header.as_ref(), &value),
        OutputFormat::Json => {
            let mut entries = Vec::new();
            if let Some(header) = &header {
                entries.push((str("magic"), Value::Int(i64::from(header.magic))));
                let python = header.python.map_or(Value::None, |(major, minor)| {
                    str(&format!("{major}.{minor}"))
                });
                entries.push((str("python"), python));
                entries.push((str("flags"), Value::Int(i64::from(header.flags))));
                let source = match &header.source {
                    serialkit::marshal::pyc::PycSource::Timestamp { mtime, size } => dict(vec![
                        ("mtime", Value::Int(i64::from(*mtime))),
                        (
                            "size",
                            size.map_or(Value::None, |s| Value::Int(i64::from(s))),
                        ),
                    ]),
                    serialkit::marshal::pyc::PycSource::Hash { hash, check_source } => dict(vec![
                        (
                            "hash",
                            str(&hash.iter().map(|b| format!("{b:02x}")).collect::<String>()),
                        ),
                        ("check_source", Value::Bool(*check_source)),
                    ]),
                };
                entries.push((str("source"), source));
            }
            entries.push((str("value"), serialkit::tagged::encode(&value)));
            let mut out = serialkit::json::to_vec(
                &Value::Dict(entries),
                &serialkit::json::WriteOptions::indented(2),
            )
            .map_err(|err| anyhow::anyhow!("{}", err.kind()))
            .context("cannot write the listing as JSON")?;
            out.push(b'\n');
            out
        }
    };
    write_stdout(&rendered).context("cannot write to standard output")
}

/// Reads at most one byte past the limit, so oversized input is refused
/// without being held whole.
fn read_input(path: Option<&Path>, limit: usize) -> serialkit::Result<Vec<u8>> {
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let mut bytes = Vec::new();
    match path {
        None => io::stdin().lock().take(cap).read_to_end(&mut bytes)?,
        Some(path) => {
            let file = std::fs::File::open(path)?;
            if file.metadata()?.is_dir() {
                return Err(io::Error::other("is a directory").into());
            }
            file.take(cap).read_to_end(&mut bytes)?
        }
    };
    if bytes.len() > limit {
        return Err(serialkit::Error::limit("input size in bytes", limit, None));
    }
    Ok(bytes)
}

fn write_stdout(bytes: &[u8]) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    stdout.write_all(bytes)?;
    stdout.flush()
}

/// Widest argument column; longer arguments overflow into the next column
/// rather than widening every row.
const MAX_ARGUMENT_WIDTH: usize = 32;
/// Indentation per open MARK, as `pickletools.dis` indents; capped so deep
/// nesting cannot push the table off the screen.
const MARK_INDENT: usize = 2;
const MAX_INDENT: usize = 16;

fn width(text: &str) -> usize {
    text.chars().count()
}

fn pad(out: &mut String, text: &str, to: usize) {
    out.push_str(text);
    for _ in width(text)..to {
        out.push(' ');
    }
}

/// The byte as `pickletools` shows it: printable ASCII as is, else `\xNN`.
fn code_text(code: u8) -> String {
    if code.is_ascii_graphic() {
        char::from(code).to_string()
    } else {
        format!("\\x{code:02x}")
    }
}

/// The opcode name indented by the MARKs open before it, as
/// `pickletools.dis` indents: a MARK at its outer level, the opcode that
/// closes it at the inner one.
fn opcode_text(entry: &Entry, marks_before: usize) -> String {
    let indent = (marks_before * MARK_INDENT).min(MAX_INDENT);
    format!("{:indent$}{}", "", entry.opcode)
}

/// Each entry with the number of MARKs open before it.
fn with_levels(entries: &[Entry]) -> impl Iterator<Item = (&Entry, usize)> + Clone {
    let before = std::iter::once(0).chain(entries.iter().map(|entry| entry.marks));
    entries.iter().zip(before)
}

fn render_text(listing: &Listing) -> Vec<u8> {
    let mut out = String::new();
    let levels = listing
        .pickles
        .iter()
        .flat_map(|pickle| with_levels(&pickle.entries));
    let entries = listing.pickles.iter().flat_map(|pickle| &pickle.entries);
    let opcode_width = levels
        .map(|(entry, level)| width(&opcode_text(entry, level)))
        .max()
        .unwrap_or(0)
        .max("opcode".len());
    let argument_width = entries
        .clone()
        .map(|entry| width(&entry.argument))
        .max()
        .unwrap_or(0)
        .clamp("argument".len(), MAX_ARGUMENT_WIDTH);
    let memo_width = entries
        .map(|entry| entry.memo.as_deref().map_or(0, width))
        .max()
        .unwrap_or(0)
        .min(MAX_ARGUMENT_WIDTH);
    let header = |out: &mut String| {
        pad(out, "  offset  byte  ", 0);
        pad(out, "opcode", opcode_width + 2);
        pad(out, "argument", argument_width + 2);
        out.push_str("stack  ");
        if memo_width > 0 {
            pad(out, "memo", memo_width + 2);
        }
        out.push_str("effect\n");
    };
    let many = listing.pickles.len() > 1;
    for (index, pickle) in listing.pickles.iter().enumerate() {
        if many || pickle.start > 0 {
            if index > 0 {
                out.push('\n');
            }
            out.push_str(&format!("pickle {} at byte {}\n", index + 1, pickle.start));
        }
        header(&mut out);
        for (entry, level) in with_levels(&pickle.entries) {
            let mut line = String::new();
            line.push_str(&format!("{:>8}  ", entry.offset));
            pad(&mut line, &code_text(entry.code), 6);
            pad(&mut line, &opcode_text(entry, level), opcode_width + 2);
            pad(&mut line, &entry.argument, argument_width + 2);
            let stack = if entry.failed {
                "-".to_owned()
            } else {
                entry.depth.to_string()
            };
            line.push_str(&format!("{stack:>5}  "));
            if memo_width > 0 {
                pad(
                    &mut line,
                    entry.memo.as_deref().unwrap_or(""),
                    memo_width + 2,
                );
            }
            if entry.failed {
                line.push_str("FAILED");
                if !entry.effect.is_empty() {
                    line.push_str(" after: ");
                }
            }
            line.push_str(&entry.effect);
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    if let Some(error) = &listing.error {
        let at = error.position().map_or(String::new(), |position| {
            format!(" at byte {}", position.offset())
        });
        out.push_str(&format!("error{at}: {}\n", error.kind()));
    }

    out.push_str("\nGlobals imported:\n");
    if listing.globals.is_empty() {
        out.push_str("  (none)\n");
    }
    for global in &listing.globals {
        out.push_str(&format!(
            "  byte {:<8} {:<13} {}\n",
            global.offset,
            global.opcode,
            global.target.display_name()
        ));
    }
    out.push_str("\nCalls made:\n");
    if listing.calls.is_empty() {
        out.push_str("  (none)\n");
    }
    for call in &listing.calls {
        out.push_str(&format!(
            "  byte {:<8} {:<13} {}\n",
            call.offset, call.opcode, call.text
        ));
    }
    out.into_bytes()
}

fn str(text: &str) -> Value {
    Value::Str(text.to_owned())
}

fn int(value: usize) -> Value {
    Value::Int(i64::try_from(value).unwrap_or(i64::MAX))
}

fn dict(entries: Vec<(&str, Value)>) -> Value {
    Value::Dict(
        entries
            .into_iter()
            .map(|(key, value)| (str(key), value))
            .collect(),
    )
}

fn optional(value: Option<Value>) -> Value {
    value.unwrap_or(Value::None)
}

fn target_value(target: &GlobalTarget) -> Vec<(&'static str, Value)> {
    match target {
        GlobalTarget::Name { module, qualname } => vec![
            ("module", str(module)),
            ("qualname", str(qualname)),
            ("extension_code", Value::None),
        ],
        GlobalTarget::Extension(code) => vec![
            ("module", Value::None),
            ("qualname", Value::None),
            ("extension_code", Value::Int(i64::from(*code))),
        ],
    }
}

fn entry_value(entry: &Entry) -> Value {
    dict(vec![
        ("offset", int(entry.offset)),
        ("opcode", str(entry.opcode)),
        ("code", Value::Int(i64::from(entry.code))),
        ("argument", str(&entry.argument)),
        ("stack_depth", int(entry.depth)),
        ("marks", int(entry.marks)),
        ("memo", optional(entry.memo.as_deref().map(str))),
        ("effect", str(&entry.effect)),
        ("failed", Value::Bool(entry.failed)),
    ])
}

fn global_value(global: &GlobalUse) -> Value {
    let mut entries = vec![
        ("pickle", int(global.pickle)),
        ("offset", int(global.offset)),
        ("opcode", str(global.opcode)),
        ("name", str(&global.target.display_name())),
    ];
    entries.extend(target_value(&global.target));
    dict(entries)
}

fn call_value(call: &CallUse) -> Value {
    dict(vec![
        ("pickle", int(call.pickle)),
        ("offset", int(call.offset)),
        ("opcode", str(call.opcode)),
        ("callable", str(&call.callable)),
        (
            "global",
            optional(
                call.global
                    .as_ref()
                    .map(|target| dict(target_value(target))),
            ),
        ),
        ("args", optional(call.args.map(int))),
        ("kwargs", optional(call.kwargs.map(int))),
        ("text", str(&call.text)),
    ])
}

fn to_value(listing: &Listing) -> Value {
    let pickles = listing
        .pickles
        .iter()
        .map(|pickle| {
            dict(vec![
                ("start", int(pickle.start)),
                ("end", optional(pickle.end.map(int))),
                (
                    "entries",
                    Value::List(pickle.entries.iter().map(entry_value).collect()),
                ),
            ])
        })
        .collect();
    let error = listing.error.as_ref().map(|error| {
        dict(vec![
            (
                "offset",
                optional(error.position().map(|position| int(position.offset()))),
            ),
            ("message", str(&error.kind().to_string())),
        ])
    });
    dict(vec![
        ("format", str("pickle")),
        ("pickles", Value::List(pickles)),
        (
            "globals",
            Value::List(listing.globals.iter().map(global_value).collect()),
        ),
        (
            "calls",
            Value::List(listing.calls.iter().map(call_value).collect()),
        ),
        ("error", optional(error)),
    ])
}
