//! Block scalars (`|` literal, `>` folded) read the way the event parser
//! reads them: chomping indicator, indentation from the first content line
//! (or the longest blank line before it), folding, and the same handling
//! of trailing lines. An indentation indicator, a scalar with no content
//! line, a block scalar at the top of a document, or anything odd in the
//! header gives `None`.

use super::cursor::indicator_at;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Chomping {
    Strip,
    Clip,
    Keep,
}

pub(super) struct Block {
    pub text: String,
    /// Where the event parser starts the scalar: its first content line,
    /// past the indentation.
    pub content: usize,
    /// Where scanning goes on: past the indentation of the first line
    /// after the scalar, or the end of the input.
    pub end: usize,
}

fn push_breaks(out: &mut String, count: usize) {
    out.extend(std::iter::repeat_n('\n', count));
}

/// The block scalar whose indicator is at `start`; `parent` is the column
/// of the enclosing block (-1 at the top).
pub(super) fn block_scalar(text: &str, start: usize, parent: isize) -> Option<Block> {
    // At the top, the document would start where the content does.
    if parent < 0 {
        return None;
    }
    let bytes = text.as_bytes();
    let literal = bytes[start] == b'|';
    let mut at = start + 1;
    let chomping = match bytes.get(at) {
        Some(b'-') => Chomping::Strip,
        Some(b'+') => Chomping::Keep,
        _ => Chomping::Clip,
    };
    if chomping != Chomping::Clip {
        at += 1;
    }
    if bytes.get(at).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let header_end = at;
    while bytes.get(at) == Some(&b' ') {
        at += 1;
    }
    if bytes.get(at) == Some(&b'#') {
        if at == header_end {
            return None;
        }
        at = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |n| at + n);
    }
    if bytes.get(at) != Some(&b'\n') {
        return None;
    }
    at += 1;
    let mut line_start = at;
    // Blank lines before the first content line: the longest sets the
    // least indentation.
    let mut max_indent = 0;
    let mut trailing_breaks = 0usize;
    loop {
        while bytes.get(at) == Some(&b' ') {
            at += 1;
        }
        max_indent = max_indent.max(at - line_start);
        if bytes.get(at) != Some(&b'\n') {
            break;
        }
        trailing_breaks += 1;
        at += 1;
        line_start = at;
    }
    if at >= bytes.len() {
        return None;
    }
    let indent = max_indent.max(usize::try_from(parent + 1).ok()?);
    let col = at - line_start;
    if col < indent && isize::try_from(col).ok()? > parent {
        return None;
    }
    let content = at;
    let mut out = String::new();
    let mut leading_break = false;
    let mut leading_blank = false;
    while at - line_start == indent && at < bytes.len() && bytes[at] != b'\n' {
        if indent == 0 && (indicator_at(bytes, at, b'-') || indicator_at(bytes, at, b'.')) {
            break;
        }
        let trailing_blank = bytes[at] == b' ';
        if !literal && leading_break && !leading_blank && !trailing_blank {
            if trailing_breaks == 0 {
                out.push(' ');
            }
            push_breaks(&mut out, trailing_breaks);
        } else {
            push_breaks(&mut out, usize::from(leading_break) + trailing_breaks);
        }
        leading_break = false;
        trailing_breaks = 0;
        leading_blank = trailing_blank;
        let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |n| at + n);
        out.push_str(&text[at..end]);
        at = end;
        if at >= bytes.len() {
            break;
        }
        at += 1;
        line_start = at;
        leading_break = true;
        // The next line's indentation, and the empty lines before it.
        loop {
            while at - line_start < indent && bytes.get(at) == Some(&b' ') {
                at += 1;
            }
            if bytes.get(at) != Some(&b'\n') {
                break;
            }
            trailing_breaks += 1;
            at += 1;
            line_start = at;
        }
    }
    if chomping != Chomping::Strip {
        if leading_break {
            out.push('\n');
        }
        // A last line without a line break still ends with one.
        if at >= bytes.len() && text[line_start..].chars().count() >= indent.max(1) {
            out.push('\n');
        }
    }
    if chomping == Chomping::Keep {
        push_breaks(&mut out, trailing_breaks);
    }
    Some(Block {
        text: out,
        content,
        end: at,
    })
}
