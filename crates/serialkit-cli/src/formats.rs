//! `serialkit formats`: the registry as a table.

use std::io::{self, Write};

use anyhow::{Context, Result};
use serialkit::{Format, FORMATS};

pub fn names() -> Vec<&'static str> {
    FORMATS.iter().map(|format| format.name).collect()
}

pub fn print() -> Result<()> {
    let mut stdout = io::stdout().lock();
    stdout
        .write_all(table(FORMATS).as_bytes())
        .and_then(|()| stdout.flush())
        .context("cannot write to standard output")
}

fn table(formats: &[&Format]) -> String {
    let rows: Vec<[String; 3]> = formats
        .iter()
        .map(|format| {
            let extensions: Vec<String> = format
                .extensions
                .iter()
                .map(|ext| format!(".{ext}"))
                .collect();
            [
                format.name.to_owned(),
                extensions.join(", "),
                format.description.to_owned(),
            ]
        })
        .collect();
    let header = ["FORMAT", "EXTENSIONS", "DESCRIPTION"].map(str::to_owned);
    let width = |column: usize| {
        std::iter::once(&header)
            .chain(&rows)
            .map(|row| row[column].chars().count())
            .max()
            .unwrap_or(0)
    };
    let (name_width, extensions_width) = (width(0), width(1));
    let mut out = String::new();
    for [name, extensions, description] in std::iter::once(&header).chain(&rows) {
        // The last column is not padded, so lines carry no trailing spaces.
        out.push_str(&format!(
            "{name:<name_width$}  {extensions:<extensions_width$}  {description}\n"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serialkit::{Options, Result, Value};

    fn no_read(_: &[u8], _: &Options) -> Result<Vec<Value>> {
        Ok(Vec::new())
    }

    fn no_write(_: &[Value], _: &Options) -> Result<Vec<u8>> {
        Ok(Vec::new())
    }

    #[test]
    fn columns_line_up() {
        let long = Format {
            name: "longname",
            extensions: &["ln", "long"],
            description: "A long one",
            read: no_read,
            write: no_write,
            holds_full_model: false,
        };
        let short = Format {
            name: "s",
            extensions: &["s"],
            description: "Short",
            read: no_read,
            write: no_write,
            holds_full_model: false,
        };
        assert_eq!(
            table(&[&long, &short]),
            "FORMAT    EXTENSIONS  DESCRIPTION\n\
             longname  .ln, .long  A long one\n\
             s         .s          Short\n"
        );
    }
}
