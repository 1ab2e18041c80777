//! `serialkit convert`: pick the formats, read, re-encode, write.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use serialkit::{tagged, Format, Options, Value};

use crate::atomic;
use crate::report::{ReadError, UsageError};

/// Where a document comes from or goes to.
pub enum Endpoint {
    Stdio,
    Path(PathBuf),
}

impl Endpoint {
    /// `-` is the conventional spelling of standard input or output; a file
    /// really named `-` can still be given as `./-`.
    pub fn from_arg(arg: PathBuf) -> Self {
        if arg.as_os_str() == "-" {
            Endpoint::Stdio
        } else {
            Endpoint::Path(arg)
        }
    }
}

pub struct Plan {
    pub input: Endpoint,
    pub output: Endpoint,
    pub from: Option<&'static Format>,
    pub to: Option<&'static Format>,
    pub options: Options,
}

pub fn run(plan: &Plan) -> Result<()> {
    // Both formats are settled before any I/O so that a usage mistake never
    // consumes standard input or leaves a half-done conversion behind.
    let from = resolve(plan.from, &plan.input, Role::Input)?;
    let to = resolve(plan.to, &plan.output, Role::Output)?;

    let source = source_name(&plan.input);
    let bytes = read_input(&plan.input, plan.options.limits.max_input_bytes)
        .map_err(|err| ReadError::new(&source, err))?;
    let documents =
        (from.read)(&bytes, &plan.options).map_err(|err| ReadError::new(&source, err))?;
    let documents = bridge_models(documents, from, to, &plan.options)
        .map_err(|err| ReadError::new(&source, err))?;
    // Encoding completes in memory before the output is opened, so a value
    // the target format cannot hold leaves the output untouched.
    let encoded = (to.write)(&documents, &plan.options)
        .map_err(|err| anyhow!("{}", err.kind()))
        .with_context(|| format!("cannot write {source} as {}", to.name))?;

    match &plan.output {
        Endpoint::Stdio => write_stdout(&encoded).context("cannot write to standard output"),
        Endpoint::Path(path) => atomic::write(path, &encoded)
            .with_context(|| format!("cannot write {}", path.display())),
    }
}

/// Carries what only one side can hold across a conversion: values that
/// a plain format (JSON) cannot hold are spelled in the tagged form, and
/// that spelling is read back when converting into a full-model format
/// (pickle), so pickle -> JSON -> pickle loses nothing.
fn bridge_models(
    documents: Vec<Value>,
    from: &Format,
    to: &Format,
    options: &Options,
) -> serialkit::Result<Vec<Value>> {
    Ok(match (from.holds_full_model, to.holds_full_model) {
        (true, false) => documents
            .into_iter()
            .map(|document| {
                // Shared strings and numbers (memoized dict keys) become
                // plain copies first, so the output stays plain JSON.
                let document = tagged::inline_atoms(document, options.limits.max_expansion);
                tagged::encode(&document)
            })
            .collect(),
        (false, true) => documents.into_iter().map(tagged::decode).collect(),
        // Shared nodes (YAML aliases) are kept between two readers of the
        // same format; other plain writers get copies.
        (false, false) if !std::ptr::eq(from, to) => {
            return documents.into_iter().map(Value::expand_shared).collect()
        }
        _ => documents,
    })
}

#[derive(Clone, Copy)]
enum Role {
    Input,
    Output,
}

impl Role {
    fn flag(self) -> &'static str {
        match self {
            Role::Input => "--from",
            Role::Output => "--to",
        }
    }
}

fn resolve(
    explicit: Option<&'static Format>,
    endpoint: &Endpoint,
    role: Role,
) -> Result<&'static Format> {
    if let Some(format) = explicit {
        return Ok(format);
    }
    let flag = role.flag();
    let path = match endpoint {
        Endpoint::Path(path) => path,
        Endpoint::Stdio => {
            let stream = match role {
                Role::Input => "standard input",
                Role::Output => "standard output",
            };
            return Err(UsageError::new(format!(
                "the format of {stream} cannot be inferred; name it with {flag} FORMAT"
            ))
            .into());
        }
    };
    let Some(extension) = path.extension() else {
        return Err(UsageError::new(format!(
            "cannot infer the format of '{}' without a file extension; name it with {flag} FORMAT",
            path.display()
        ))
        .into());
    };
    // Non-UTF-8 extensions cannot match a registered one, but are still
    // shown (lossily) so the user sees what was rejected.
    let extension = extension.to_string_lossy();
    serialkit::format::by_extension(&extension).ok_or_else(|| {
        UsageError::new(format!(
            "unknown file extension '.{extension}' of '{}'; name the format with {flag} FORMAT \
             (see `serialkit formats`)",
            path.display()
        ))
        .into()
    })
}

fn source_name(endpoint: &Endpoint) -> String {
    match endpoint {
        Endpoint::Stdio => "<stdin>".to_owned(),
        Endpoint::Path(path) => path.display().to_string(),
    }
}

/// Reads at most one byte past the limit, so oversized (or endless) input
/// is refused without first being held in memory whole.
fn read_input(endpoint: &Endpoint, limit: usize) -> serialkit::Result<Vec<u8>> {
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let mut bytes = Vec::new();
    match endpoint {
        Endpoint::Stdio => io::stdin().lock().take(cap).read_to_end(&mut bytes)?,
        Endpoint::Path(path) => open(path)?.take(cap).read_to_end(&mut bytes)?,
    };
    if bytes.len() > limit {
        return Err(serialkit::Error::limit("input size in bytes", limit, None));
    }
    Ok(bytes)
}

fn open(path: &Path) -> io::Result<std::fs::File> {
    let file = std::fs::File::open(path)?;
    // Opening a directory succeeds on Unix; reading it would then fail with
    // a less helpful message.
    if file.metadata()?.is_dir() {
        return Err(io::Error::other("is a directory"));
    }
    Ok(file)
}

fn write_stdout(bytes: &[u8]) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    stdout.write_all(bytes)?;
    stdout.flush()
}
