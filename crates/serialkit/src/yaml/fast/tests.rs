//! Tricky inputs for the fast producer: each must either be accepted with
//! saphyr-parser's exact events and markers, or left to it.

use super::{differential, events};

/// Accepted, and equal to saphyr-parser's events.
fn accepted(text: &str) {
    assert_eq!(differential(text), Ok(true), "{text:?}");
}

/// Left to saphyr-parser.
fn declined(text: &str) {
    assert!(
        events(text, usize::MAX).is_none(),
        "{text:?} should take the slow path"
    );
}

#[test]
fn empty_and_comment_only_streams() {
    for text in [
        "",
        "\n",
        "# c",
        "# c\n",
        "  \n\n# x\n  # y",
        "---",
        "---\n",
        "--- # c\n",
    ] {
        accepted(text);
    }
}

#[test]
fn block_mappings_and_sequences() {
    for text in [
        "a: 1\nb: 2\n",
        "a: 1\nb: 2",
        "a:\n  b:\n    c: d\ne: f\n",
        "a:\n  b:\n    c: d",
        "a:\n      b: c",
        "- a\n- b\n",
        "- - a\n  - b\n- c",
        "- a: 1\n  b: 2\n- c: 3\n",
        "a:\n- 1\n- 2\nb: 3\n",
        "a:\n- 1\n- 2\n",
        "a:\n- 1\n-\nb:\n",
        "a:\n  - x\n  -\n  - y\n",
        "-\n-\n",
        "- \n  a\n",
        "-   # c\n  a\n",
        "a: # c\n  b\n",
        "a:\nb:\n",
        "  a: 1\n  b: 2\n",
        "a: 1\n---\n- b\n--- # x\nc\n",
        "---\n---\n",
        "a: []\nb: {}\n- x\n",
        "a: []\nb: {}\n",
        "- []\n- {}\n",
        "[]\n",
        "a : b\n",
        "? : x\n",
    ] {
        if events(text, usize::MAX).is_some() {
            accepted(text);
        }
    }
    for text in [
        "a: 1\nb: 2\n",
        "- - a\n  - b\n- c",
        "a:\n- 1\n-\nb:\n",
        "a: []\nb: {}\n",
    ] {
        accepted(text);
    }
}

#[test]
fn plain_scalars() {
    for text in [
        "a: b c  d\n",
        "a: b\n  c\n\n  d\n\n\n  e\nf: g\n",
        "a: http://x.y/z:w\n",
        "a: b#c\n",
        "a: b # c\n",
        "a: b # c\nd: e\n",
        "a: -1\nb: :x\nc: ?y\n",
        "key: a - b\n  - c\n",
        "- a\n  b\n- c\n",
        "plain\nroot\n\n scalar\n",
        "a\n---\n",
        "a\n---x\n",
        "é: ü\nx: 😀 y\n  z\n",
        "a: b   \n  c   \n",
        "- a: b\n    c\n  d: e\n",
        "a:    \n  b\n",
    ] {
        accepted(text);
    }
}

#[test]
fn quoted_scalars() {
    for text in [
        "a: 'b'\n'c': \"d\"\n",
        "a: 'it''s'\n",
        "a: 'one\n  two\n\n  three'\n",
        "a: \"x\\ty\\u00e9\\x41\\U0001F600\\N\\_\\L\\P\\0\\a\\b\\v\\f\\e\\ \\/\\\\\\\"\"\n",
        "a: \"one \\\n  two\"\n",
        "a: \"one\\\n\n  two\"\n",
        "a: 'x'  # c\n",
        "'a' : b\n",
        "- 'a\n  b'\n",
        "\"root\"\n",
        "a: \"é\\\"ü\"\n",
        "a: 'x   \n   y'\n",
    ] {
        accepted(text);
    }
}

#[test]
fn markers_at_the_end_of_an_input_without_a_final_break() {
    for text in [
        "a:\n  b:\n    c: d\n# x",
        "a:\n  b:\n    c: d\n      ",
        "a:\n  b:\n    c:",
        "a:\n- b\n- c\n#",
        "- - - a\n  ",
        "a:\n  - b\n    ",
    ] {
        accepted(text);
    }
}

#[test]
fn out_of_the_subset() {
    for text in [
        "a: &x 1\nb: *x\n",
        "a: !!str 1\n",
        "a: |2\n  x\n",
        "a: |\n",
        "a: |#c\n  x\n",
        "|\nroot\n",
        "? a\n: b\n",
        "a: [1, 2]\n",
        "a: {b: c}\n",
        "a:\tb\n",
        "a: b\r\n",
        "%YAML 1.2\n---\na\n",
        "a\n...\n",
        "--- a\n",
        "\u{feff}a: b\n",
        "a: b: c\n",
        "a: 'b\nc'\n",
        "a: 'b'c\n",
        "a: 'b'#c\n",
        "a: []#c\n",
        "a: b # c\n  d\n",
        "- a\nb: c\n",
        "a: 1\n- b\n",
        "a:\n  b: 1\n c: 2\n",
        "a: 'unterminated\n",
        "a: \"\\q\"\n",
        "a: \"\\ud800\"\n",
    ] {
        declined(text);
    }
}

#[test]
fn long_keys_are_left_to_the_event_parser() {
    let key = "k".repeat(1100);
    declined(&format!("{key}: v\n"));
    let key = "k".repeat(900);
    accepted(&format!("{key}: v\n"));
}

#[test]
fn nesting_past_the_depth_limit_is_left_to_the_event_parser() {
    let deep = "- ".repeat(50) + "a\n";
    assert!(events(&deep, 49).is_none());
    assert!(events(&deep, 50).is_some());
    accepted(&deep);
}

#[test]
fn non_ascii_text_counts_characters_in_markers() {
    for text in [
        "é: ü\nxé:\n  - ü😀 a\n  - 'é''ü'\n  -\n  - \"😀\\t\"\nz: 1\n",
        "# é comment 😀\nk: v # ü\n",
        "- é\n  ü\n\n  😀\n- x",
        "é:\n  ü: 😀",
    ] {
        accepted(text);
    }
}

#[test]
fn block_scalars() {
    for text in [
        "a: |\n  x\n  y\nb: 1\n",
        "a: >\n  x\n  y\n\n  z\n   w\n  v\nb: 1\n",
        "a: |-\n  x\n\n\nb: |+\n  y\n\n\nc: >-\n  z\n",
        "a: | # c\n\n\n    x\n    # not a comment\n  # a comment\n",
        "- |\n  a\n- >\n  b\n   c\n- x\n",
        "- a: |\n    x\n  b: >+\n    y\n\n",
        "a: |\n  x\n  ",
        "a: |\n  x",
        "a: >\n  x\n     \n  y\n",
        "a: |\n  é😀\n  ü\nb: ü\n",
        "a:\n  |\n   x\n",
    ] {
        accepted(text);
    }
}
