//! The `serialkit` command line: argument definitions and dispatch. The work
//! lives in the modules below; this file only turns arguments into calls and
//! errors into exit statuses.

mod atomic;
mod convert;
mod formats;
mod inspect;
mod inspect_marshal;
mod progress;
mod report;
mod scan;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use serialkit::{Format, Limits};

use crate::convert::{Endpoint, Plan};

#[derive(Parser)]
#[command(
    name = "serialkit",
    version,
    about = "Convert data between serialization formats with one engine",
    after_help = "Run `serialkit formats` to see which formats are available.",
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Convert a document from one format to another
    #[command(
        after_help = "An existing OUTPUT file is replaced only once the conversion has \
        succeeded;\non failure it is left as it was.\n\n\
        Examples:\n  \
        serialkit convert data.json pretty.json --indent 2 --sort-keys\n  \
        cat data.json | serialkit convert - - --from json --to json"
    )]
    Convert(ConvertArgs),
    /// List the supported formats with their file extensions
    Formats,
    /// Show an annotated disassembly of a pickle and what loading it would
    /// import and call (nothing is imported or called), or the header and
    /// code object tree of a .pyc or .marshal file
    #[command(after_help = "Examples:\n  \
        serialkit inspect model.pkl\n  \
        serialkit inspect --format json - < model.pkl\n  \
        serialkit inspect module.pyc")]
    Inspect(InspectArgs),
    /// Find malicious pickles in files and folders without loading them
    /// (exit status: 0 clean, 1 dangerous, 2 errors or unrecognised files)
    #[command(after_help = "Examples:\n  \
        serialkit scan model.pt\n  \
        serialkit scan --format json --strict models/")]
    Scan(scan::ScanArgs),
}

#[derive(Args)]
struct InspectArgs {
    /// File to read, or `-` for standard input
    #[arg(value_name = "FILE")]
    input: PathBuf,
    /// Output format
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t)]
    format: inspect::OutputFormat,
    /// Refuse input larger than BYTES
    #[arg(long, value_name = "BYTES", default_value_t = Limits::DEFAULT_MAX_INPUT_BYTES)]
    max_size: usize,
}

impl InspectArgs {
    fn into_plan(self) -> inspect::Plan {
        let input = (self.input.as_os_str() != "-").then_some(self.input);
        inspect::Plan {
            input,
            format: self.format,
            max_input_bytes: self.max_size,
        }
    }
}

#[derive(Args)]
struct ConvertArgs {
    /// File to read, or `-` for standard input (then --from is required)
    #[arg(value_name = "INPUT")]
    input: PathBuf,
    /// File to write, or `-` for standard output (then --to is required)
    #[arg(value_name = "OUTPUT")]
    output: PathBuf,
    /// Format of INPUT, instead of inferring it from the file extension
    #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
    from: Option<&'static Format>,
    /// Format of OUTPUT, instead of inferring it from the file extension
    #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
    to: Option<&'static Format>,
    /// Spaces per indentation level for text formats [default: compact]
    #[arg(long, value_name = "N")]
    indent: Option<usize>,
    /// Write mapping keys in sorted order
    #[arg(long)]
    sort_keys: bool,
    /// Read every document of a multi-document input (YAML) as one list, and
    /// write a list as one document per item to a multi-document output
    #[arg(long)]
    all_documents: bool,
    /// Refuse input nested deeper than N containers
    #[arg(long, value_name = "N", default_value_t = Limits::DEFAULT_MAX_DEPTH)]
    max_depth: usize,
    /// Refuse input larger than BYTES
    #[arg(long, value_name = "BYTES", default_value_t = Limits::DEFAULT_MAX_INPUT_BYTES)]
    max_size: usize,
}

/// Validating format names while parsing makes a misspelt name a usage
/// error (exit status 2) with clap's usual message.
fn parse_format(name: &str) -> Result<&'static Format, String> {
    serialkit::format::by_name(name).ok_or_else(|| {
        format!(
            "unknown format; known formats: {}",
            formats::names().join(", ")
        )
    })
}

impl ConvertArgs {
    fn into_plan(self) -> Plan {
        Plan {
            input: Endpoint::from_arg(self.input),
            output: Endpoint::from_arg(self.output),
            from: self.from,
            to: self.to,
            options: serialkit::Options {
                limits: Limits {
                    max_depth: self.max_depth,
                    max_input_bytes: self.max_size,
                    ..Limits::default()
                },
                indent: self.indent,
                sort_keys: self.sort_keys,
                all_documents: self.all_documents,
            },
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Convert(args) => convert::run(&args.into_plan()),
        Command::Formats => formats::print(),
        Command::Inspect(args) => inspect::run(&args.into_plan()),
        Command::Scan(args) => return scan::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => report::print(&err),
    }
}
