//! The fast YAML event producer against saphyr-parser: on every
//! yaml-test-suite case and every benchmark document's YAML text, whenever
//! the fast path accepts, its events and markers must be saphyr-parser's.

use serialkit::yaml::{self, fast, WriteOptions};
use std::path::{Path, PathBuf};

fn corpora() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora")
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("{} must exist: {err}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.file_name().is_some_and(|name| name == "in.yaml") {
            out.push(path);
        }
    }
}

#[test]
fn suite_cases_agree() {
    let mut files = Vec::new();
    yaml_files(&corpora().join("yaml-test-suite"), &mut files);
    assert!(files.len() > 300, "the suite has {} cases", files.len());
    let mut accepted = 0;
    let mut failures = Vec::new();
    for file in &files {
        let Ok(text) = String::from_utf8(std::fs::read(file).unwrap()) else {
            continue;
        };
        match fast::differential(&text) {
            Ok(true) => accepted += 1,
            Ok(false) => {}
            Err(message) => failures.push(format!("{}: {message}", file.display())),
        }
    }
    println!(
        "yaml-test-suite: the fast path accepts {accepted} of {} cases",
        files.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(accepted > 50, "only {accepted} cases accepted");
}

#[test]
fn bench_documents_agree_and_take_the_fast_path() {
    for name in [
        "twitter.json",
        "citm_catalog.json",
        "canada.json",
        "github.json",
    ] {
        let data = std::fs::read(corpora().join("bench").join(name)).unwrap();
        let value = serialkit::json::from_slice(&data, &serialkit::Limits::default()).unwrap();
        let text =
            yaml::write::to_string(std::slice::from_ref(&value), &WriteOptions::default()).unwrap();
        assert_eq!(fast::differential(&text), Ok(true), "{name}");
    }
}

mod generated {
    //! Block-style documents built from pieces PyYAML and config files
    //! use (and pieces that break them), then mutated: whenever the fast
    //! path accepts, it must agree with saphyr-parser.

    use proptest::prelude::*;
    use proptest::test_runner::Config;
    use serialkit::yaml::fast;

    #[derive(Clone, Debug)]
    enum Node {
        Scalar(String),
        Map(Vec<(String, Node)>),
        Seq(Vec<Node>),
    }

    const WORDS: &[&str] = &[
        "a",
        "b c",
        "x:y",
        "#",
        "a #b",
        "- x",
        "-1",
        ":",
        "?x",
        "é",
        "😀",
        "http://x.y/z",
        "a  b",
        "'q",
        "\"d",
        "k: v",
        "1.5",
        "null",
        "yes",
        "~",
        "---",
        "...",
        "[]",
        "{}",
        "a,b",
        "&x",
        "*y",
        "!t",
        "|",
        ">",
        "%",
        "@",
        "`",
        "x ",
        " y",
        "\\n",
        "\\",
        "''",
        "it's",
    ];

    fn word() -> impl Strategy<Value = String> {
        prop::sample::select(WORDS).prop_map(str::to_owned)
    }

    /// A scalar as written: plain, single- or double-quoted, or a block
    /// scalar, maybe over several lines (the continuation indentation is
    /// filled in later).
    fn scalar() -> impl Strategy<Value = String> {
        let words = prop::collection::vec((word(), 0..4usize), 1..5);
        let header = prop::sample::select(&["|", "|-", "|+", ">", ">-", ">+", "| # c", ">2"][..]);
        (words, 0..4u8, header).prop_map(|(words, style, header)| {
            let mut text = String::new();
            for (i, (word, sep)) in words.iter().enumerate() {
                if i > 0 {
                    text.push_str(["\n", " ", "\n\n", "  \n"][*sep]);
                }
                let word = match style {
                    1 => word.replace('\'', "''"),
                    2 => word.replace('\\', "\\\\").replace('"', "\\\""),
                    _ => word.clone(),
                };
                text.push_str(&word);
            }
            match style {
                1 => format!("'{text}'"),
                2 => format!("\"{text}\""),
                3 => format!("{header}\n{text}"),
                _ => text,
            }
        })
    }

    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => prop::sample::select(&["a", "key", "b c", "x-y", "é", "1", "k:v"][..]).prop_map(str::to_owned),
            1 => prop::sample::select(&["'a'", "\"k\"", "'it''s'", "\"\\t\""][..]).prop_map(str::to_owned),
        ]
    }

    fn node() -> impl Strategy<Value = Node> {
        let leaf = prop_oneof![
            6 => scalar().prop_map(Node::Scalar),
            1 => prop::sample::select(&["[]", "{}", ""][..]).prop_map(|s| Node::Scalar(s.to_owned())),
        ];
        leaf.prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec((key(), inner.clone()), 1..4).prop_map(Node::Map),
                prop::collection::vec(inner, 1..4).prop_map(Node::Seq),
            ]
        })
    }

    /// Layout choices: indentation step, indentless sequences under keys,
    /// comments, trailing spaces.
    #[derive(Clone, Debug)]
    struct Layout {
        step: usize,
        indentless: bool,
        comments: bool,
        trailing: bool,
        compact: bool,
    }

    fn layout() -> impl Strategy<Value = Layout> {
        (
            1..5usize,
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(step, indentless, comments, trailing, compact)| Layout {
                step,
                indentless,
                comments,
                trailing,
                compact,
            })
    }

    fn inline_scalar(text: &str, indent: usize) -> String {
        text.replace('\n', &format!("\n{}", " ".repeat(indent)))
    }

    fn write(node: &Node, indent: usize, layout: &Layout, out: &mut String) {
        let pad = " ".repeat(indent);
        match node {
            Node::Scalar(text) => {
                out.push_str(&pad);
                out.push_str(&inline_scalar(text, indent + 1));
                out.push('\n');
            }
            Node::Map(pairs) => {
                for (i, (key, value)) in pairs.iter().enumerate() {
                    if layout.comments && i % 2 == 1 {
                        out.push_str(&format!("{pad}# comment {i}\n"));
                    }
                    out.push_str(&format!("{pad}{key}:"));
                    write_value(value, indent, layout, out, true);
                }
            }
            Node::Seq(items) => {
                for item in items {
                    out.push_str(&pad);
                    out.push('-');
                    write_value(item, indent, layout, out, false);
                }
            }
        }
    }

    fn write_value(value: &Node, indent: usize, layout: &Layout, out: &mut String, in_map: bool) {
        match value {
            Node::Scalar(text) => {
                if !text.is_empty() {
                    out.push(' ');
                    out.push_str(&inline_scalar(text, indent + layout.step));
                }
                if layout.trailing {
                    out.push_str("  ");
                }
                if layout.comments && !text.contains('\n') {
                    out.push_str(" # c");
                }
                out.push('\n');
            }
            Node::Seq(_) if in_map && layout.indentless => {
                out.push('\n');
                write(value, indent, layout, out);
            }
            Node::Map(_) | Node::Seq(_) if !in_map && layout.compact => {
                // `- key: value` / `- - item`: the first line after `- `.
                let mut inner = String::new();
                write(value, indent + 2, layout, &mut inner);
                out.push(' ');
                out.push_str(inner.trim_start_matches(' '));
            }
            _ => {
                out.push('\n');
                write(value, indent + layout.step, layout, out);
            }
        }
    }

    #[derive(Clone, Debug)]
    enum Mutation {
        Delete(usize),
        Insert(usize, char),
        Indent(usize, bool),
    }

    fn mutation() -> impl Strategy<Value = Mutation> {
        let chars = prop::sample::select(vec![
            ' ', '\n', '#', ':', '-', '\'', '"', '\\', '[', ']', '{', '}', ',', '?', '&', '*', '!',
            '|', '>', '%', '.', 'a', 'é', '\t',
        ]);
        prop_oneof![
            any::<usize>().prop_map(Mutation::Delete),
            (any::<usize>(), chars).prop_map(|(at, c)| Mutation::Insert(at, c)),
            (any::<usize>(), any::<bool>()).prop_map(|(line, more)| Mutation::Indent(line, more)),
        ]
    }

    fn mutate(text: &str, mutation: &Mutation) -> String {
        let chars: Vec<char> = text.chars().collect();
        match *mutation {
            Mutation::Delete(at) if !chars.is_empty() => {
                let at = at % chars.len();
                chars[..at].iter().chain(&chars[at + 1..]).collect()
            }
            Mutation::Insert(at, c) => {
                let at = at % (chars.len() + 1);
                let mut out: String = chars[..at].iter().collect();
                out.push(c);
                out.extend(&chars[at..]);
                out
            }
            Mutation::Indent(line, more) => {
                let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
                let line = line % lines.len();
                if more {
                    lines[line].insert(0, ' ');
                } else if lines[line].starts_with(' ') {
                    lines[line].remove(0);
                }
                lines.join("\n")
            }
            Mutation::Delete(_) => text.to_owned(),
        }
    }

    fn document() -> impl Strategy<Value = String> {
        (node(), layout(), 0..4u8, any::<bool>()).prop_map(|(node, layout, framing, no_break)| {
            let mut text = String::new();
            write(&node, 0, &layout, &mut text);
            let mut text = match framing {
                1 => format!("---\n{text}"),
                2 => format!("# head\n\n{text}---\n{text}"),
                3 => format!("{text}# tail\n"),
                _ => text,
            };
            if no_break {
                text.pop();
            }
            text
        })
    }

    proptest! {
        #![proptest_config(Config { cases: 1500, failure_persistence: None, ..Config::default() })]

        #[test]
        fn generated_documents_agree(text in document()) {
            if let Err(difference) = fast::differential(&text) {
                prop_assert!(false, "{}", difference);
            }
        }

        #[test]
        fn mutated_documents_agree(
            text in document(),
            mutations in prop::collection::vec(mutation(), 1..4),
        ) {
            let mut text = text;
            for mutation in &mutations {
                text = mutate(&text, mutation);
            }
            if let Err(difference) = fast::differential(&text) {
                prop_assert!(false, "{}", difference);
            }
        }
    }
}
