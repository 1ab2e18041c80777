//! Lexical rules of XML 1.0 that quick-xml leaves to its caller, as
//! expat applies them: legal characters, line ends, references, the XML
//! declaration, attribute separation; and quick-xml's errors in expat's
//! words.

use super::error::{XmlError, XmlErrorKind};
use super::read::VersionRule;
use std::borrow::Cow;

pub(super) fn utf8(bytes: &[u8]) -> Result<&str, XmlError> {
    std::str::from_utf8(bytes).map_err(|_| XmlError::syntax("not well-formed (invalid token)"))
}

pub(super) fn quick_error(err: quick_xml::Error) -> XmlError {
    use quick_xml::errors::{IllFormedError, SyntaxError};
    use quick_xml::Error as Q;
    let message: Cow<'static, str> = match err {
        Q::Io(io) => {
            return XmlError::of(XmlErrorKind::Io(std::io::Error::new(
                io.kind(),
                io.to_string(),
            )))
        }
        Q::IllFormed(IllFormedError::MismatchedEndTag { .. }) => "mismatched tag".into(),
        Q::IllFormed(IllFormedError::UnmatchedEndTag(_)) => "syntax error".into(),
        Q::IllFormed(IllFormedError::MissingEndTag(_)) => "no element found".into(),
        Q::IllFormed(IllFormedError::UnclosedReference) => "not well-formed (invalid token)".into(),
        Q::Syntax(
            SyntaxError::UnclosedTag
            | SyntaxError::UnclosedComment
            | SyntaxError::UnclosedPI
            | SyntaxError::UnclosedXmlDecl
            | SyntaxError::UnclosedDoctype
            | SyntaxError::UnclosedSingleQuotedAttributeValue
            | SyntaxError::UnclosedDoubleQuotedAttributeValue,
        ) => "unclosed token".into(),
        Q::Syntax(SyntaxError::UnclosedCData) => "unclosed CDATA section".into(),
        Q::InvalidAttr(quick_xml::events::attributes::AttrError::Duplicated(..)) => {
            "duplicate attribute".into()
        }
        Q::InvalidAttr(_) => "not well-formed (invalid token)".into(),
        Q::Escape(_) => "reference to invalid character number".into(),
        other => format!("not well-formed ({other})").into(),
    };
    XmlError::syntax(message)
}

/// Control characters other than tab and line ends, which XML 1.0 allows
/// nowhere.
pub(super) fn has_forbidden_control(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
}

/// Whether each attribute value is followed by whitespace or the end of
/// the tag, as XML requires (`a="1"b="2"` is not well-formed).
pub(super) fn attributes_separated(raw: &[u8]) -> bool {
    let mut quote = None;
    let mut after_value = false;
    for &b in raw {
        match quote {
            Some(q) => {
                if b == q {
                    quote = None;
                    after_value = true;
                }
            }
            None => {
                if after_value && !matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'/') {
                    return false;
                }
                after_value = false;
                if b == b'"' || b == b'\'' {
                    quote = Some(b);
                }
            }
        }
    }
    true
}

/// Where the XML declaration `content` (from `xml` to before `?>`) is
/// malformed, read as expat reads it: `version`, then optionally
/// `encoding` and `standalone`, each after whitespace, with values of the
/// right form, the version's as `versions` says. `None` when it is well
/// formed.
pub(super) fn declaration_fault(content: &[u8], versions: VersionRule) -> Option<usize> {
    let start = 3; // past `xml`
    let mut at = start;
    let (version, number) = match pseudo_attribute(content, &mut at) {
        Err(bad) => return Some(bad),
        Ok(None) => return Some(at),
        Ok(Some(found)) => found,
    };
    if &content[version.clone()] != b"version" {
        return Some(version.start);
    }
    let number_ok = match versions {
        VersionRule::Any => true,
        VersionRule::NonEmpty => !number.is_empty(),
        VersionRule::VersionNum => is_version_number(&content[number.clone()]),
    };
    if !number_ok {
        return Some(number.start);
    }
    let (mut name, mut value) = match pseudo_attribute(content, &mut at) {
        Err(bad) => return Some(bad),
        Ok(None) => return None,
        Ok(Some(found)) => found,
    };
    if &content[name.clone()] == b"encoding" {
        if !content
            .get(value.start)
            .is_some_and(u8::is_ascii_alphabetic)
        {
            return Some(value.start);
        }
        match pseudo_attribute(content, &mut at) {
            Err(bad) => return Some(bad),
            Ok(None) => return None,
            Ok(Some(found)) => (name, value) = found,
        }
    }
    if &content[name.clone()] != b"standalone" {
        return Some(name.start);
    }
    if !matches!(&content[value.clone()], b"yes" | b"no") {
        return Some(value.start);
    }
    content[at..]
        .iter()
        .position(|b| !is_space_byte(*b))
        .map(|skip| at + skip)
}

/// `VersionNum ::= '1.' [0-9]+`.
fn is_version_number(value: &[u8]) -> bool {
    value
        .strip_prefix(b"1.")
        .is_some_and(|digits| !digits.is_empty() && digits.iter().all(u8::is_ascii_digit))
}

fn is_space_byte(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

type Span = std::ops::Range<usize>;

/// One `name="value"` of the declaration from `*at`, which it moves past.
/// `Ok(None)` at the end; `Err` with where it is malformed.
fn pseudo_attribute(content: &[u8], at: &mut usize) -> Result<Option<(Span, Span)>, usize> {
    let mut ptr = *at;
    if ptr == content.len() {
        return Ok(None);
    }
    if !is_space_byte(content[ptr]) {
        return Err(ptr);
    }
    while content.get(ptr).copied().is_some_and(is_space_byte) {
        ptr += 1;
    }
    if ptr == content.len() {
        *at = ptr;
        return Ok(None);
    }
    let name_start = ptr;
    let name_end;
    loop {
        let Some(&c) = content.get(ptr) else {
            return Err(ptr);
        };
        if c >= 0x80 {
            return Err(ptr);
        }
        if c == b'=' {
            name_end = ptr;
            break;
        }
        if is_space_byte(c) {
            name_end = ptr;
            while content.get(ptr).copied().is_some_and(is_space_byte) {
                ptr += 1;
            }
            if content.get(ptr) != Some(&b'=') {
                return Err(ptr);
            }
            break;
        }
        ptr += 1;
    }
    if name_end == name_start {
        return Err(ptr);
    }
    ptr += 1;
    while content.get(ptr).copied().is_some_and(is_space_byte) {
        ptr += 1;
    }
    let quote = match content.get(ptr) {
        Some(&q @ (b'"' | b'\'')) => q,
        _ => return Err(ptr),
    };
    ptr += 1;
    let value_start = ptr;
    loop {
        let Some(&c) = content.get(ptr) else {
            return Err(ptr);
        };
        if c == quote {
            break;
        }
        if !(c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_')) {
            return Err(ptr);
        }
        ptr += 1;
    }
    *at = ptr + 1;
    Ok(Some((name_start..name_end, value_start..ptr)))
}

/// Whether `]]>`, which text may not contain, is in `text`: `>` is rare
/// in text, `]` not always (think of serialised lists).
pub(super) fn has_cdata_end(text: &[u8]) -> bool {
    memchr::memchr_iter(b'>', text).any(|at| at >= 2 && &text[at - 2..at] == b"]]")
}

pub(super) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Character data as XML delivers it: line ends normalised to `\n`.
pub(super) fn push_text(out: &mut String, text: &str) -> Result<(), XmlError> {
    // One branch-free pass finds whether any control character is there at
    // all; only then is it worth telling CR from the forbidden ones.
    let any_control = text.bytes().fold(false, |seen, b| seen | (b < 0x20));
    if !any_control {
        out.push_str(text);
        return Ok(());
    }
    if text
        .bytes()
        .any(|b| b < 0x20 && b != b'\t' && b != b'\n' && b != b'\r')
    {
        return Err(XmlError::syntax("not well-formed (invalid token)"));
    }
    if !text.contains('\r') {
        out.push_str(text);
        return Ok(());
    }
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            if chars.peek() == Some(&'\n') {
                chars.next();
            }
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    Ok(())
}

/// Character data from an entity's replacement text: checked, but a CR
/// is kept, since only a character reference can have put it there.
pub(super) fn push_entity_text(out: &mut String, text: &str) -> Result<(), XmlError> {
    if text
        .bytes()
        .any(|b| b < 0x20 && b != b'\t' && b != b'\n' && b != b'\r')
    {
        return Err(XmlError::syntax("not well-formed (invalid token)"));
    }
    out.push_str(text);
    Ok(())
}

pub(super) fn predefined(name: &str) -> Option<char> {
    Some(match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "apos" => '\'',
        "quot" => '"',
        _ => return None,
    })
}

pub(super) fn char_ref(reference: &str) -> Result<char, XmlError> {
    let invalid = || XmlError::syntax("reference to invalid character number");
    let code = match reference.strip_prefix('x') {
        Some(hex) if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
            u32::from_str_radix(hex, 16).map_err(|_| invalid())?
        }
        Some(_) => return Err(invalid()),
        None if !reference.is_empty() && reference.bytes().all(|b| b.is_ascii_digit()) => {
            reference.parse::<u32>().map_err(|_| invalid())?
        }
        None => return Err(invalid()),
    };
    char::from_u32(code)
        .filter(|&c| is_xml_char(c))
        .ok_or_else(invalid)
}
