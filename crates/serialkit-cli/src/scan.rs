//! `serialkit scan`: looks for malicious pickles in files and folders,
//! without importing or calling anything. Files are spread over all cores.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use clap::{Args, ValueEnum};
use serialkit::scan::{self, Finding, Problem, Report, Severity};
use serialkit::Value;

use crate::progress::{Progress, When};

#[derive(Clone, Copy, Debug, Default, ValueEnum)]
pub enum ScanFormat {
    /// A human-readable table of what is not known to be safe
    #[default]
    Table,
    /// Every finding, safe ones included, as one JSON document
    Json,
    /// SARIF 2.1.0 for code scanning tools; safe findings are left out
    Sarif,
}

#[derive(Args)]
pub struct ScanArgs {
    /// Files and folders to scan (folders recursively)
    #[arg(value_name = "PATH", required = true)]
    paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t)]
    format: ScanFormat,
    /// Exit with status 1 for suspicious findings too, not only dangerous ones
    #[arg(long)]
    strict: bool,
    /// When to show a progress bar on standard error
    #[arg(long, value_enum, value_name = "WHEN", default_value_t)]
    progress: When,
}

/// Scans, prints the report and returns the exit status: 0 clean, 1
/// dangerous (or suspicious with --strict), 2 errors or unrecognised files.
pub fn run(args: &ScanArgs) -> ExitCode {
    let mut report = Report::default();
    let mut files = Vec::new();
    for path in &args.paths {
        collect(path, &mut files, &mut report);
    }
    let progress = args
        .progress
        .enabled()
        .then(|| Progress::new(files.len(), args.progress == When::Always));
    report.merge(scan_all(&files, progress.as_ref()));
    let output = match args.format {
        ScanFormat::Table => table(&report, args.strict),
        ScanFormat::Json | ScanFormat::Sarif => {
            let document = match args.format {
                ScanFormat::Sarif => sarif(&report),
                _ => json(&report, args.strict),
            };
            let options = serialkit::json::WriteOptions::indented(2);
            match serialkit::json::to_vec(&document, &options) {
                Ok(mut bytes) => {
                    bytes.push(b'\n');
                    bytes
                }
                Err(error) => {
                    eprintln!("serialkit: cannot write the report: {error}");
                    return ExitCode::from(2);
                }
            }
        }
    };
    let mut stdout = io::stdout().lock();
    if stdout
        .write_all(&output)
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return ExitCode::from(2);
    }
    ExitCode::from(report.exit_status(args.strict))
}

/// Files under `path`, in a stable order; symbolic links to folders are
/// not followed (they could loop).
fn collect(path: &Path, files: &mut Vec<PathBuf>, report: &mut Report) {
    let problem = |message: String| Problem {
        file: path.display().to_string(),
        member: None,
        offset: None,
        message,
    };
    let metadata = match fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(error) => {
            report.errors.push(problem(format!("cannot read: {error}")));
            return;
        }
    };
    if !metadata.is_dir() {
        files.push(path.to_owned());
        return;
    }
    let entries = match fs::read_dir(path) {
        Ok(entries) => entries,
        Err(error) => {
            report.errors.push(problem(format!("cannot list: {error}")));
            return;
        }
    };
    let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    children.sort();
    for child in children {
        let is_link = child
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink());
        if is_link && child.is_dir() {
            continue;
        }
        collect(&child, files, report);
    }
}

/// Scans the files over all cores; the reports are merged in file order.
fn scan_all(files: &[PathBuf], progress: Option<&Progress>) -> Report {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(files.len())
        .max(1);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, Report)>> = Mutex::new(Vec::with_capacity(files.len()));
    std::thread::scope(|scope| {
        if let Some(progress) = progress {
            scope.spawn(|| progress.run());
        }
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = files.get(index) else {
                        break;
                    };
                    let report = scan_one(path);
                    results
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((index, report));
                    if let Some(progress) = progress {
                        progress.advance();
                    }
                })
            })
            .collect();
        for worker in workers {
            // scan_one catches panics, so a worker only ends by finishing.
            let _ = worker.join();
        }
        if let Some(progress) = progress {
            progress.finish();
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    results.sort_by_key(|(index, _)| *index);
    let mut report = Report::default();
    for (_, one) in results {
        report.merge(one);
    }
    report
}

/// Scans one file. A panic would be a bug in the scanner; it is caught so
/// that the file is reported as an error rather than left out (and so
/// counted as clean).
fn scan_one(path: &Path) -> Report {
    std::panic::catch_unwind(|| scan::scan_file(path)).unwrap_or_else(|_| Report {
        files: 1,
        errors: vec![Problem {
            file: path.display().to_string(),
            member: None,
            offset: None,
            message: "internal error while scanning (a bug in serialkit: please report it)".into(),
        }],
        ..Report::default()
    })
}

fn place(file: &str, member: Option<&str>) -> String {
    match member {
        Some(member) => format!("{file}:{member}"),
        None => file.to_owned(),
    }
}

fn table(report: &Report, strict: bool) -> Vec<u8> {
    let mut out = String::new();
    let shown: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Safe)
        .collect();
    if !shown.is_empty() {
        let rows: Vec<[String; 6]> = shown
            .iter()
            .map(|f| {
                [
                    f.severity.as_str().to_owned(),
                    f.kind.as_str().to_owned(),
                    place(&f.file, f.member.as_deref()),
                    f.offset.to_string(),
                    f.name.clone(),
                    f.reason.clone(),
                ]
            })
            .collect();
        let header = ["SEVERITY", "KIND", "FILE", "OFFSET", "NAME", "REASON"];
        let mut widths = header.map(str::len);
        for row in &rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let mut line = |cells: [&str; 6]| {
            let mut text = String::new();
            for (i, cell) in cells.iter().enumerate() {
                if i + 1 == cells.len() {
                    text.push_str(cell);
                } else {
                    let pad = widths[i] - cell.chars().count();
                    text.push_str(cell);
                    text.push_str(&" ".repeat(pad + 2));
                }
            }
            out.push_str(text.trim_end());
            out.push('\n');
        };
        line(header);
        for row in &rows {
            line(row.each_ref().map(String::as_str));
        }
        out.push('\n');
    }
    for file in &report.unrecognised {
        out.push_str(&format!(
            "unrecognised: {file}: not a format serialkit can scan\n"
        ));
    }
    for (label, problems) in [("error", &report.errors), ("warning", &report.warnings)] {
        for problem in problems {
            let at = problem
                .offset
                .map_or_else(String::new, |offset| format!(" at byte {offset}"));
            out.push_str(&format!(
                "{label}: {}{at}: {}\n",
                place(&problem.file, problem.member.as_deref()),
                problem.message
            ));
        }
    }
    let verdict = match report.exit_status(strict) {
        0 => "clean",
        1 => "DANGEROUS",
        _ => "INCOMPLETE",
    };
    out.push_str(&format!(
        "{verdict}: {} files scanned; {} dangerous, {} suspicious, {} safe findings; {} \
         unrecognised, {} errors\n",
        report.files,
        report.count(Severity::Dangerous),
        report.count(Severity::Suspicious),
        report.count(Severity::Safe),
        report.unrecognised.len(),
        report.errors.len(),
    ));
    out.into_bytes()
}

fn dict(entries: Vec<(&str, Value)>) -> Value {
    Value::Dict(
        entries
            .into_iter()
            .map(|(key, value)| (Value::str(key), value))
            .collect(),
    )
}

fn int(value: usize) -> Value {
    Value::Int(i64::try_from(value).unwrap_or(i64::MAX))
}

fn opt_str(value: Option<&str>) -> Value {
    value.map_or(Value::None, Value::str)
}

fn problem_value(problem: &Problem) -> Value {
    dict(vec![
        ("file", Value::str(problem.file.as_str())),
        ("member", opt_str(problem.member.as_deref())),
        ("offset", problem.offset.map_or(Value::None, int)),
        ("message", Value::str(problem.message.as_str())),
    ])
}

fn json(report: &Report, strict: bool) -> Value {
    let findings = report
        .findings
        .iter()
        .map(|f| {
            dict(vec![
                ("file", Value::str(f.file.as_str())),
                ("member", opt_str(f.member.as_deref())),
                ("offset", int(f.offset)),
                ("kind", Value::str(f.kind.as_str())),
                ("name", Value::str(f.name.as_str())),
                ("severity", Value::str(f.severity.as_str())),
                ("reason", Value::str(f.reason.as_str())),
                ("count", int(f.count)),
            ])
        })
        .collect();
    dict(vec![
        ("files", int(report.files)),
        (
            "exit_status",
            Value::Int(i64::from(report.exit_status(strict))),
        ),
        (
            "summary",
            dict(vec![
                ("dangerous", int(report.count(Severity::Dangerous))),
                ("suspicious", int(report.count(Severity::Suspicious))),
                ("safe", int(report.count(Severity::Safe))),
            ]),
        ),
        ("findings", Value::List(findings)),
        (
            "unrecognised",
            Value::List(
                report
                    .unrecognised
                    .iter()
                    .map(|f| Value::str(f.as_str()))
                    .collect(),
            ),
        ),
        (
            "errors",
            Value::List(report.errors.iter().map(problem_value).collect()),
        ),
        (
            "warnings",
            Value::List(report.warnings.iter().map(problem_value).collect()),
        ),
    ])
}

/// The SARIF rules, in the order of `tool.driver.rules`: (id, level,
/// short description). `ruleIndex` in each result points into this list.
const SARIF_RULES: &[(&str, &str, &str)] = &[
    (
        "dangerous-import",
        "error",
        "A pickle imports a global that can run code, spawn processes or touch files",
    ),
    (
        "dangerous-call",
        "error",
        "A pickle calls something that can run code, spawn processes or touch files",
    ),
    (
        "suspicious-import",
        "warning",
        "A pickle imports a global not known to be safe",
    ),
    (
        "suspicious-call",
        "warning",
        "A pickle calls something not known to be safe",
    ),
    (
        "unrecognised-format",
        "error",
        "A file is not in a format serialkit can scan, so it is not known to be clean",
    ),
    ("scan-error", "error", "Part of a file could not be scanned"),
    (
        "scan-warning",
        "note",
        "A note about the input that does not change the verdict",
    ),
];

/// A SARIF result for `rule` (an id from [`SARIF_RULES`]).
///
/// Archive members are named in the artifact URI as `file!/member` (the
/// convention of `jar:` URLs), so that `region.byteOffset`, which counts
/// from the start of the member, stays relative to the artifact named.
fn sarif_result(
    rule: &str,
    text: String,
    file: &str,
    member: Option<&str>,
    offset: Option<usize>,
) -> Value {
    let index = SARIF_RULES
        .iter()
        .position(|(id, _, _)| *id == rule)
        .expect("known SARIF rule");
    let uri = match member {
        Some(member) => format!("{file}!/{member}"),
        None => file.to_owned(),
    };
    let mut physical = vec![("artifactLocation", dict(vec![("uri", Value::str(uri))]))];
    if let Some(offset) = offset {
        physical.push(("region", dict(vec![("byteOffset", int(offset))])));
    }
    dict(vec![
        ("ruleId", Value::str(rule)),
        ("ruleIndex", int(index)),
        ("level", Value::str(SARIF_RULES[index].1)),
        ("message", dict(vec![("text", Value::str(text))])),
        (
            "locations",
            Value::List(vec![dict(vec![("physicalLocation", dict(physical))])]),
        ),
    ])
}

/// The report as a SARIF 2.1.0 log: one result per finding that is not
/// safe, per unrecognised file, per error and per warning.
fn sarif(report: &Report) -> Value {
    let mut results = Vec::new();
    for finding in &report.findings {
        let severity = match finding.severity {
            Severity::Safe => continue,
            Severity::Suspicious => "suspicious",
            Severity::Dangerous => "dangerous",
        };
        let rule = format!("{severity}-{}", finding.kind.as_str());
        // Most reasons already start with the name; do not say it twice.
        let text = if finding
            .reason
            .strip_prefix(finding.name.as_str())
            .is_some_and(|rest| rest.starts_with(':'))
        {
            finding.reason.clone()
        } else {
            format!("{}: {}", finding.name, finding.reason)
        };
        results.push(sarif_result(
            &rule,
            text,
            &finding.file,
            finding.member.as_deref(),
            Some(finding.offset),
        ));
    }
    for file in &report.unrecognised {
        results.push(sarif_result(
            "unrecognised-format",
            format!("{file}: not a format serialkit can scan"),
            file,
            None,
            None,
        ));
    }
    for (rule, problems) in [
        ("scan-error", &report.errors),
        ("scan-warning", &report.warnings),
    ] {
        for problem in problems {
            results.push(sarif_result(
                rule,
                problem.message.clone(),
                &problem.file,
                problem.member.as_deref(),
                problem.offset,
            ));
        }
    }
    let rules = SARIF_RULES
        .iter()
        .map(|(id, level, description)| {
            dict(vec![
                ("id", Value::str(*id)),
                (
                    "shortDescription",
                    dict(vec![("text", Value::str(*description))]),
                ),
                (
                    "defaultConfiguration",
                    dict(vec![("level", Value::str(*level))]),
                ),
            ])
        })
        .collect();
    let driver = dict(vec![
        ("name", Value::str("serialkit")),
        ("version", Value::str(env!("CARGO_PKG_VERSION"))),
        ("rules", Value::List(rules)),
    ]);
    dict(vec![
        (
            "$schema",
            Value::str("https://json.schemastore.org/sarif-2.1.0.json"),
        ),
        ("version", Value::str("2.1.0")),
        (
            "runs",
            Value::List(vec![dict(vec![
                ("tool", dict(vec![("driver", driver)])),
                ("results", Value::List(results)),
            ])]),
        ),
    ])
}
