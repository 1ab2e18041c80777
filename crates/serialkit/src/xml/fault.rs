//! Where in a token the first fault is, as expat's tokenizer finds it.
//! quick-xml and the checks on top of it find that a token is malformed;
//! expat reports the character at fault (and, since it reads a whole token
//! before acting on it, a fault of the token before any other error of the
//! same markup). Used when the document is in memory, on the token where
//! an error arose.

use super::dtd;
use super::error::XmlErrorKind;
use super::names::{is_name_char, is_name_start};
use std::borrow::Cow;

const INVALID: &str = "not well-formed (invalid token)";
const UNCLOSED: &str = "unclosed token";

pub(super) struct Fault {
    pub at: usize,
    pub message: Cow<'static, str>,
}

fn fault(at: usize, message: &'static str) -> Option<Fault> {
    Some(Fault {
        at,
        message: message.into(),
    })
}

/// A character XML allows nowhere: C0 controls other than tab and line
/// ends, U+FFFE and U+FFFF.
fn forbidden(c: char) -> bool {
    (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// The fault of the token starting at `start`, given the error `message`
/// found there; `None` leaves the error as it is.
#[derive(Clone, Copy)]
pub(super) struct Context {
    /// Inside the root element (else in the prolog or after the root).
    pub in_content: bool,
    /// Namespaces are processed: names are qualified names.
    pub namespaces: bool,
    /// The root element has ended.
    pub after_root: bool,
}

/// Where a name (a qualified one under namespaces) stops being one:
/// `Ok` with the offset past it, `Err` with the offset of the fault.
/// `None` in the `Err` means the text ended inside the name.
fn scan_name(body: &str, from: usize, namespaces: bool) -> Result<usize, Option<usize>> {
    let mut iter = body[from..].char_indices().map(|(at, c)| (from + at, c));
    match iter.next() {
        None => return Err(None),
        Some((at, c)) if !is_name_start(c) || (namespaces && c == ':') => return Err(Some(at)),
        Some(_) => {}
    }
    let mut colon = false;
    let mut after_colon = false;
    for (at, c) in iter {
        if namespaces && after_colon {
            if c == ':' || !is_name_start(c) {
                return Err(Some(at));
            }
            after_colon = false;
            continue;
        }
        if !is_name_char(c) {
            return Ok(at);
        }
        if namespaces && c == ':' {
            if colon {
                return Err(Some(at));
            }
            colon = true;
            after_colon = true;
        }
    }
    if after_colon {
        return Err(None);
    }
    Ok(body.len())
}

pub(super) fn refine(text: &str, start: usize, message: &str, context: &Context) -> Option<Fault> {
    let Context {
        in_content,
        namespaces,
        after_root,
    } = *context;
    let rest = text.get(start..)?;
    if message == "junk after document element" && rest.starts_with('<') {
        // Expat says so on seeing the markup begin, before reading it.
        return None;
    }
    if let Some(body) = rest.strip_prefix("</") {
        return end_tag(body, start + 2, start, namespaces).or_else(|| {
            (message == "mismatched tag").then_some(Fault {
                at: start + 2,
                message: "mismatched tag".into(),
            })
        });
    }
    if let Some(body) = rest.strip_prefix("<!--") {
        return comment(body, start + 4, start);
    }
    if let Some(body) = rest.strip_prefix("<![CDATA[") {
        // Expat finds the section unclosed where the text ends.
        return until(body, start + 9, "]]>", text.len(), "unclosed CDATA section");
    }
    if let Some(body) = rest.strip_prefix("<?") {
        return pi(body, start + 2, start, namespaces);
    }
    if let Some(body) = rest.strip_prefix("<!") {
        return if in_content {
            bang_in_content(body, start + 2, start)
        } else {
            declaration(text, body, start, namespaces)
        };
    }
    if let Some(body) = rest.strip_prefix('<') {
        return StartTag::scan(body, start + 1, start, message, namespaces);
    }
    if let Some(body) = rest.strip_prefix('&') {
        return reference(body, start + 1, start).err();
    }
    let tokenizer_fault = matches!(
        message,
        INVALID | "syntax error" | "junk after document element"
    );
    if !in_content && tokenizer_fault {
        // Text outside the root: expat reads it as prolog tokens, any of
        // which is out of place.
        let mut lexer = super::dtd_lex::Lexer::new(rest, start as u64, namespaces);
        let out_of_place = if after_root {
            "junk after document element"
        } else {
            "syntax error"
        };
        return match lexer.next() {
            Ok((at, _)) => fault(start + at, out_of_place),
            Err(err) => match err.kind {
                XmlErrorKind::Syntax(message) => Some(Fault {
                    at: err.at.map_or(start, |at| at as usize),
                    message,
                }),
                _ => None,
            },
        };
    }
    text_run(rest, start)
}

/// Characters of `body` (at offset `base`) one by one with their offsets.
fn chars(body: &str, base: usize) -> impl Iterator<Item = (usize, char)> + '_ {
    body.char_indices().map(move |(at, c)| (base + at, c))
}

fn text_run(body: &str, base: usize) -> Option<Fault> {
    let mut closing = 0;
    for (at, c) in chars(body, base) {
        match c {
            '<' | '&' => return None,
            ']' => {
                closing += 1;
                continue;
            }
            '>' if closing >= 2 => return fault(at, INVALID),
            c if forbidden(c) => return fault(at, INVALID),
            _ => {}
        }
        closing = 0;
    }
    None
}

/// Outside the root, `<!` opens a comment or a declaration: a keyword of
/// letters, then space; the DOCTYPE is read on from there.
fn declaration(text: &str, body: &str, start: usize, namespaces: bool) -> Option<Fault> {
    let letters = body
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(body.len());
    if letters == 0 {
        return match body.chars().next() {
            None => fault(start, UNCLOSED),
            Some('-') => match body[1..].chars().next() {
                None => fault(start, UNCLOSED),
                Some(_) => fault(start + 3, INVALID),
            },
            Some(_) => fault(start + 2, INVALID),
        };
    }
    match body[letters..].chars().next() {
        None => return fault(start, UNCLOSED),
        Some(c) if is_space(c) || c == '%' => {}
        Some(_) => return fault(start + 2 + letters, INVALID),
    }
    if &body[..letters] != "DOCTYPE" {
        return fault(start, "syntax error");
    }
    let content = start + 2 + letters;
    match dtd::check_prefix(&text[content..], content as u64, namespaces) {
        Ok(()) => None,
        Err(err) => match err.kind {
            XmlErrorKind::Syntax(message) => Some(Fault {
                at: err.at.map_or(start, |at| at as usize),
                message,
            }),
            _ => None,
        },
    }
}

/// In content, `<!` opens a comment or a CDATA section, nothing else.
fn bang_in_content(body: &str, base: usize, start: usize) -> Option<Fault> {
    let expected = match body.chars().next() {
        None => return fault(start, UNCLOSED),
        Some('-') => "--",
        Some('[') => "[CDATA[",
        Some(_) => return fault(base, INVALID),
    };
    for ((at, c), want) in chars(body, base).zip(expected.chars()) {
        if c != want {
            return fault(at, INVALID);
        }
    }
    (body.len() < expected.len()).then_some(Fault {
        at: start,
        message: UNCLOSED.into(),
    })
}

/// `name S? >` after `</`.
fn end_tag(body: &str, base: usize, start: usize, namespaces: bool) -> Option<Fault> {
    let end = match scan_name(body, 0, namespaces) {
        Ok(end) => end,
        Err(Some(at)) => return fault(base + at, INVALID),
        Err(None) => return fault(start, UNCLOSED),
    };
    for (at, c) in chars(&body[end..], base + end) {
        match c {
            '>' => return None,
            c if is_space(c) => {}
            _ => return fault(at, INVALID),
        }
    }
    fault(start, UNCLOSED)
}

fn comment(body: &str, base: usize, start: usize) -> Option<Fault> {
    let mut iter = chars(body, base).peekable();
    while let Some((at, c)) = iter.next() {
        if forbidden(c) {
            return fault(at, INVALID);
        }
        if c == '-' && iter.peek().is_some_and(|&(_, next)| next == '-') {
            iter.next();
            return match iter.next() {
                Some((_, '>')) => None,
                Some((at, _)) => fault(at, INVALID),
                None => fault(start, UNCLOSED),
            };
        }
    }
    fault(start, UNCLOSED)
}

/// Content up to `end`, in which only forbidden characters are faults.
fn until(
    body: &str,
    base: usize,
    end: &str,
    start: usize,
    unclosed: &'static str,
) -> Option<Fault> {
    let stop = body.find(end);
    let scanned = &body[..stop.unwrap_or(body.len())];
    if let Some((at, _)) = chars(scanned, base).find(|&(_, c)| forbidden(c)) {
        return fault(at, INVALID);
    }
    match stop {
        Some(_) => None,
        None => fault(start, unclosed),
    }
}

fn pi(body: &str, base: usize, start: usize, namespaces: bool) -> Option<Fault> {
    if namespaces {
        let target = body.find(|c: char| !is_name_char(c)).unwrap_or(body.len());
        if let Some(colon) = body[..target].find(':') {
            return fault(base + colon, INVALID);
        }
    }
    let mut iter = chars(body, base);
    match iter.next() {
        None => return fault(start, UNCLOSED),
        Some((at, c)) if !is_name_start(c) => return fault(at, INVALID),
        Some(_) => {}
    }
    for (at, c) in iter {
        if is_name_char(c) {
            continue;
        }
        if is_space(c) {
            return until(&body[at - base..], at, "?>", start, UNCLOSED);
        }
        if c == '?' {
            return match body[at - base + 1..].chars().next() {
                Some('>') => None,
                Some(_) => fault(at + 1, INVALID),
                None => fault(start, UNCLOSED),
            };
        }
        return fault(at, INVALID);
    }
    fault(start, UNCLOSED)
}

/// A reference after its `&`: `name;`, `#digits;` or `#xhex;`. `Ok` with
/// the length read (the `;` included) when well formed.
fn reference(body: &str, base: usize, start: usize) -> Result<usize, Fault> {
    let invalid = |at| Fault {
        at,
        message: INVALID.into(),
    };
    let unclosed = Fault {
        at: start,
        message: UNCLOSED.into(),
    };
    let mut iter = chars(body, base).peekable();
    let Some((at, first)) = iter.next() else {
        return Err(unclosed);
    };
    if first == '#' {
        let hex = iter.peek().is_some_and(|&(_, c)| c == 'x');
        if hex {
            iter.next();
        }
        let digit = |c: char| {
            if hex {
                c.is_ascii_hexdigit()
            } else {
                c.is_ascii_digit()
            }
        };
        match iter.next() {
            None => return Err(unclosed),
            Some((at, c)) if !digit(c) => return Err(invalid(at)),
            Some(_) => {}
        }
        for (at, c) in iter {
            if c == ';' {
                return Ok(at + 1 - base);
            }
            if !digit(c) {
                return Err(invalid(at));
            }
        }
        return Err(unclosed);
    }
    if !is_name_start(first) {
        return Err(invalid(at));
    }
    for (at, c) in iter {
        if c == ';' {
            return Ok(at + 1 - base);
        }
        if !is_name_char(c) {
            return Err(invalid(at));
        }
    }
    Err(unclosed)
}

/// A start tag after its `<`, read as expat's tokenizer reads it.
struct StartTag<'a> {
    body: &'a str,
    base: usize,
    start: usize,
    /// Offset into `body` of the next character.
    pos: usize,
    namespaces: bool,
}

enum Scan {
    Fault(Fault),
    /// The tag is well formed as a token.
    Done,
}

impl<'a> StartTag<'a> {
    fn scan(
        body: &'a str,
        base: usize,
        start: usize,
        message: &str,
        namespaces: bool,
    ) -> Option<Fault> {
        let mut tag = StartTag {
            body,
            base,
            start,
            pos: 0,
            namespaces,
        };
        let mut names = Vec::new();
        let mut duplicate = None;
        let mut bad_reference = None;
        let outcome = tag.run(&mut names, &mut duplicate, &mut bad_reference);
        match outcome {
            Scan::Fault(fault) => Some(fault),
            // Faults found only once the token is read, reported as such.
            Scan::Done => match message {
                "duplicate attribute" => duplicate.map(|at| Fault {
                    at,
                    message: "duplicate attribute".into(),
                }),
                "reference to invalid character number" => bad_reference.map(|at| Fault {
                    at,
                    message: "reference to invalid character number".into(),
                }),
                _ => None,
            },
        }
    }

    fn peek(&self) -> Option<char> {
        self.body[self.pos..].chars().next()
    }

    fn at(&self) -> usize {
        self.base + self.pos
    }

    fn bump(&mut self, c: char) {
        self.pos += c.len_utf8();
    }

    fn unclosed(&self) -> Scan {
        Scan::Fault(Fault {
            at: self.start,
            message: UNCLOSED.into(),
        })
    }

    fn invalid(&self) -> Scan {
        Scan::Fault(Fault {
            at: self.at(),
            message: INVALID.into(),
        })
    }

    /// A name; `None` when it is well formed.
    fn name(&mut self) -> Option<Scan> {
        match scan_name(self.body, self.pos, self.namespaces) {
            Ok(end) => {
                self.pos = end;
                None
            }
            Err(Some(at)) => {
                self.pos = at;
                Some(self.invalid())
            }
            Err(None) => Some(self.unclosed()),
        }
    }

    fn skip_space(&mut self) -> bool {
        let before = self.pos;
        while let Some(c) = self.peek().filter(|&c| is_space(c)) {
            self.bump(c);
        }
        self.pos > before
    }

    /// After a name or a value: the end of the tag, or space.
    fn end_or_space(&mut self) -> Option<Scan> {
        match self.peek() {
            None => Some(self.unclosed()),
            Some('>') => Some(Scan::Done),
            Some('/') => {
                self.bump('/');
                match self.peek() {
                    None => Some(self.unclosed()),
                    Some('>') => Some(Scan::Done),
                    Some(_) => Some(self.invalid()),
                }
            }
            Some(c) if is_space(c) => {
                self.skip_space();
                None
            }
            Some(_) => Some(self.invalid()),
        }
    }

    fn run(
        &mut self,
        names: &mut Vec<&'a str>,
        duplicate: &mut Option<usize>,
        bad_reference: &mut Option<usize>,
    ) -> Scan {
        if let Some(scan) = self.name() {
            return scan;
        }
        loop {
            if let Some(scan) = self.end_or_space() {
                return scan;
            }
            // After space: the end of the tag, or an attribute.
            if let Some('>' | '/') = self.peek() {
                if let Some(scan) = self.end_or_space() {
                    return scan;
                }
                continue;
            }
            let name_start = self.pos;
            if let Some(scan) = self.name() {
                return scan;
            }
            let name = &self.body[name_start..self.pos];
            if names.contains(&name) {
                duplicate.get_or_insert(self.base + name_start);
            }
            names.push(name);
            self.skip_space();
            match self.peek() {
                None => return self.unclosed(),
                Some('=') => self.bump('='),
                Some(_) => return self.invalid(),
            }
            self.skip_space();
            let quote = match self.peek() {
                None => return self.unclosed(),
                Some(q @ ('"' | '\'')) => q,
                Some(_) => return self.invalid(),
            };
            self.bump(quote);
            loop {
                match self.peek() {
                    None => return self.unclosed(),
                    Some(c) if c == quote => {
                        self.bump(c);
                        break;
                    }
                    Some('<') => return self.invalid(),
                    Some('&') => {
                        let amp = self.at();
                        let after = self.pos + 1;
                        match reference(&self.body[after..], self.base + after, self.start) {
                            Ok(len) => {
                                let text = &self.body[after..after + len - 1];
                                if text.starts_with('#')
                                    && super::lexical::char_ref(&text[1..]).is_err()
                                {
                                    bad_reference.get_or_insert(amp);
                                }
                                self.pos = after + len;
                            }
                            Err(fault) => return Scan::Fault(fault),
                        }
                    }
                    Some(c) if forbidden(c) => return self.invalid(),
                    Some(c) => self.bump(c),
                }
            }
            match self.peek() {
                None => return self.unclosed(),
                Some(c) if is_space(c) || c == '>' || c == '/' => {}
                Some(_) => return self.invalid(),
            }
        }
    }
}
