//! `serialkit inspect` for marshal data and `.pyc` files: the header (magic
//! number and so the Python version, flags, source mtime or hash) and the
//! tree of code objects with their names, constants and sizes.

use serialkit::marshal::pyc::{PycHeader, PycSource};
use serialkit::{Limits, Value};

/// Whether `inspect` should read `bytes` as marshal data: `.pyc` files by
/// their magic number, others by their extension.
pub fn wanted(bytes: &[u8], extension: Option<&str>) -> bool {
    serialkit::marshal::pyc::looks_like_pyc(bytes)
        || extension.is_some_and(|ext| {
            ext.eq_ignore_ascii_case("pyc") || ext.eq_ignore_ascii_case("marshal")
        })
}

/// The header (for `.pyc` files) and the value.
pub fn read(bytes: &[u8], limits: &Limits) -> serialkit::Result<(Option<PycHeader>, Value)> {
    if serialkit::marshal::pyc::looks_like_pyc(bytes) {
        let (header, value) = serialkit::marshal::read_pyc(bytes, limits)?;
        return Ok((Some(header), value));
    }
    Ok((None, serialkit::marshal::read(bytes, limits)?))
}

pub fn render_text(header: Option<&PycHeader>, value: &Value) -> Vec<u8> {
    let mut out = String::new();
    if let Some(header) = header {
        out.push_str(&header_text(header));
    }
    match code_fields(value) {
        Some(_) => code_text(&mut out, value, 0),
        None => {
            out.push_str("value: ");
            out.push_str(&repr(value, 2000));
            out.push('\n');
        }
    }
    out.into_bytes()
}

fn header_text(header: &PycHeader) -> String {
    let python = header
        .python
        .map_or("unknown Python".to_owned(), |(major, minor)| {
            format!("Python {major}.{minor}")
        });
    let mut out = format!(
        "magic:  {} ({python})\nflags:  {:#x}\n",
        header.magic, header.flags
    );
    match &header.source {
        PycSource::Timestamp { mtime, size } => {
            out.push_str(&format!(
                "source: mtime {mtime} ({})",
                utc_date(u64::from(*mtime))
            ));
            if let Some(size) = size {
                out.push_str(&format!(", size {size} bytes"));
            }
            out.push('\n');
        }
        PycSource::Hash { hash, check_source } => {
            let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
            let checked = if *check_source {
                "checked"
            } else {
                "unchecked"
            };
            out.push_str(&format!("source: hash {hex} ({checked})\n"));
        }
    }
    out.push('\n');
    out
}

/// `YYYY-MM-DD HH:MM:SS UTC` from seconds since the epoch.
fn utc_date(seconds: u64) -> String {
    let days = (seconds / 86_400) as i64;
    let rest = seconds % 86_400;
    // Civil date from a day count (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

fn unshared(value: &Value) -> &Value {
    match value {
        Value::Shared { value, .. } => unshared(value),
        other => other,
    }
}

/// The fields of a code object, if `value` is one.
fn code_fields(value: &Value) -> Option<&[(Value, Value)]> {
    match unshared(value) {
        Value::Object(object) => match (&object.callable, &object.state) {
            (Value::Global { module, qualname }, Some(Value::Dict(fields)))
                if module == "types" && qualname == "CodeType" =>
            {
                Some(fields)
            }
            _ => None,
        },
        _ => None,
    }
}

fn field<'v>(fields: &'v [(Value, Value)], name: &str) -> Option<&'v Value> {
    fields
        .iter()
        .find(|(k, _)| matches!(k, Value::Str(s) if s == name))
        .map(|(_, v)| unshared(v))
}

const FLAG_NAMES: &[(i64, &str)] = &[
    (0x1, "OPTIMIZED"),
    (0x2, "NEWLOCALS"),
    (0x4, "VARARGS"),
    (0x8, "VARKEYWORDS"),
    (0x10, "NESTED"),
    (0x20, "GENERATOR"),
    (0x80, "COROUTINE"),
    (0x100, "ITERABLE_COROUTINE"),
    (0x200, "ASYNC_GENERATOR"),
    (0x40, "NOFREE"),
    (0x100_0000, "FUTURE_ANNOTATIONS"),
    // Python 3.14.
    (0x400_0000, "HAS_DOCSTRING"),
    (0x800_0000, "METHOD"),
];

fn flags_text(flags: i64) -> String {
    let names: Vec<&str> = FLAG_NAMES
        .iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|(_, name)| *name)
        .collect();
    if names.is_empty() {
        format!("{flags:#x}")
    } else {
        format!("{flags:#x} ({})", names.join(", "))
    }
}

fn int_field(fields: &[(Value, Value)], name: &str) -> i64 {
    match field(fields, name) {
        Some(Value::Int(n)) => *n,
        _ => 0,
    }
}

fn len_field(fields: &[(Value, Value)], name: &str) -> usize {
    match field(fields, name) {
        Some(Value::Bytes(b)) => b.len(),
        Some(Value::Tuple(items)) => items.len(),
        _ => 0,
    }
}

fn names_field(fields: &[(Value, Value)], name: &str) -> String {
    match field(fields, name) {
        Some(Value::Tuple(items)) if !items.is_empty() => items
            .iter()
            .map(|item| match unshared(item) {
                Value::Str(s) => s.clone(),
                other => repr(other, 60),
            })
            .collect::<Vec<_>>()
            .join(", "),
        _ => "(none)".to_owned(),
    }
}

/// Code objects nest through their constants; the tree is indented by
/// depth, capped so that pathological nesting stays readable.
fn code_text(out: &mut String, value: &Value, depth: usize) {
    let Some(fields) = code_fields(value) else {
        return;
    };
    let indent = "  ".repeat(depth.min(12));
    let text = |name: &str| match field(fields, name) {
        Some(Value::Str(s)) => s.clone(),
        Some(other) => repr(other, 60),
        None => "?".to_owned(),
    };
    let qualname = match field(fields, "co_qualname") {
        Some(_) => format!(" (qualname {})", text("co_qualname")),
        None => String::new(),
    };
    out.push_str(&format!(
        "{indent}code {}{qualname} in {:?}, line {}\n",
        text("co_name"),
        text("co_filename"),
        int_field(fields, "co_firstlineno")
    ));
    out.push_str(&format!(
        "{indent}  flags {}; arguments {} (positional-only {}, keyword-only {}); stack size {}\n",
        flags_text(int_field(fields, "co_flags")),
        int_field(fields, "co_argcount"),
        int_field(fields, "co_posonlyargcount"),
        int_field(fields, "co_kwonlyargcount"),
        int_field(fields, "co_stacksize"),
    ));
    out.push_str(&format!(
        "{indent}  bytecode {} bytes; line table {} bytes; exception table {} bytes\n",
        len_field(fields, "co_code"),
        len_field(fields, "co_linetable") + len_field(fields, "co_lnotab"),
        len_field(fields, "co_exceptiontable"),
    ));
    out.push_str(&format!(
        "{indent}  names: {}\n",
        names_field(fields, "co_names")
    ));
    if field(fields, "co_localsplusnames").is_some() {
        out.push_str(&format!(
            "{indent}  locals, cells and free variables: {}\n",
            names_field(fields, "co_localsplusnames")
        ));
    } else {
        // Before Python 3.11: three tuples, and the local count.
        out.push_str(&format!(
            "{indent}  locals ({}): {}; cells: {}; free variables: {}\n",
            int_field(fields, "co_nlocals"),
            names_field(fields, "co_varnames"),
            names_field(fields, "co_cellvars"),
            names_field(fields, "co_freevars"),
        ));
    }
    let consts = match field(fields, "co_consts") {
        Some(Value::Tuple(items)) => items.as_slice(),
        _ => &[],
    };
    out.push_str(&format!("{indent}  constants: {}\n", consts.len()));
    for (index, constant) in consts.iter().enumerate() {
        if code_fields(constant).is_some() {
            out.push_str(&format!("{indent}    {index}:\n"));
            code_text(out, constant, depth + 3);
        } else {
            out.push_str(&format!("{indent}    {index}: {}\n", repr(constant, 100)));
        }
    }
}

/// A Python-like repr, cut at about `limit` characters.
pub fn repr(value: &Value, limit: usize) -> String {
    let mut out = String::new();
    write_repr(&mut out, value, limit);
    if out.chars().count() > limit {
        let cut: String = out.chars().take(limit).collect();
        return format!("{cut}...");
    }
    out
}

fn write_items<'v>(
    out: &mut String,
    open: &str,
    items: impl Iterator<Item = &'v Value>,
    close: &str,
    limit: usize,
) {
    out.push_str(open);
    for (index, item) in items.enumerate() {
        if out.len() > limit {
            out.push_str("...");
            break;
        }
        if index > 0 {
            out.push_str(", ");
        }
        write_repr(out, item, limit);
    }
    out.push_str(close);
}

fn write_repr(out: &mut String, value: &Value, limit: usize) {
    match value {
        Value::None => out.push_str("None"),
        Value::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
        Value::Int(n) => out.push_str(&n.to_string()),
        Value::BigInt(n) => out.push_str(&n.to_string()),
        Value::Float(x) => out.push_str(&serialkit::number::python_float_repr(*x)),
        Value::Str(s) => out.push_str(&format!("{s:?}")),
        Value::Bytes(b) => {
            out.push_str("b'");
            for &byte in b.iter().take(limit) {
                match byte {
                    b'\'' | b'\\' => {
                        out.push('\\');
                        out.push(char::from(byte));
                    }
                    0x20..=0x7e => out.push(char::from(byte)),
                    _ => out.push_str(&format!("\\x{byte:02x}")),
                }
            }
            out.push('\'');
        }
        Value::List(items) => write_items(out, "[", items.iter(), "]", limit),
        Value::Tuple(items) if items.len() == 1 => write_items(out, "(", items.iter(), ",)", limit),
        Value::Tuple(items) => write_items(out, "(", items.iter(), ")", limit),
        Value::Set(items) if items.is_empty() => out.push_str("set()"),
        Value::Set(items) => write_items(out, "{", items.iter(), "}", limit),
        Value::FrozenSet(items) => write_items(out, "frozenset({", items.iter(), "})", limit),
        Value::Dict(entries) => {
            out.push('{');
            for (index, (key, value)) in entries.iter().enumerate() {
                if out.len() > limit {
                    out.push_str("...");
                    break;
                }
                if index > 0 {
                    out.push_str(", ");
                }
                write_repr(out, key, limit);
                out.push_str(": ");
                write_repr(out, value, limit);
            }
            out.push('}');
        }
        Value::Global { module, qualname } => match (module.as_str(), qualname.as_str()) {
            ("builtins", name) => out.push_str(name),
            _ => out.push_str(&format!("{module}.{qualname}")),
        },
        Value::Object(object) => {
            if code_fields(value).is_some() {
                out.push_str("<code object>");
            } else {
                write_repr(out, &object.callable, limit);
                write_items(out, "(", object.args.iter(), ")", limit);
            }
        }
        Value::Shared { value, .. } => write_repr(out, value, limit),
        Value::Ref(id) => out.push_str(&format!("<reference to #{id}>")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil_utc() {
        assert_eq!(utc_date(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc_date(1_700_000_000), "2023-11-14 22:13:20 UTC");
    }
}
