//! Where in a token the first fault is, as expat's tokenizer finds it.
//! quick-xml and the checks on top of it find that a token is malformed;
//! expat reports the character at fault (and, since it reads a whole token
//! before acting on it, a fault of the token before any other error of the
//! same markup). Used when the document is in memory, on the token where
//! an error arose.

use super::names::{is_name_char, is_name_start};

const INVALID: &str = "not well-formed (invalid token)";
const UNCLOSED: &str = "unclosed token";

pub(super) struct Fault {
    pub at: usize,
    pub message: &'static str,
}

fn fault(at: usize, message: &'static str) -> Option<Fault> {
    Some(Fault { at, message })
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
pub(super) fn refine(text: &str, start: usize, message: &str, in_content: bool) -> Option<Fault> {
    let rest = text.get(start..)?;
    if message == "junk after document element" {
        // Expat says so on seeing the markup begin, before reading it.
        return None;
    }
    if let Some(body) = rest.strip_prefix("</") {
        return end_tag(body, start + 2, start).or_else(|| {
            (message == "mismatched tag").then_some(Fault {
                at: start + 2,
                message: "mismatched tag",
            })
        });
    }
    if let Some(body) = rest.strip_prefix("<!--") {
        return comment(body, start + 4, start);
    }
    if let Some(body) = rest.strip_prefix("<![CDATA[") {
        return until(body, start + 9, "]]>", start, "unclosed CDATA section");
    }
    if let Some(body) = rest.strip_prefix("<?") {
        return pi(body, start + 2, start);
    }
    if let Some(body) = rest.strip_prefix("<!") {
        return if in_content {
            bang_in_content(body, start + 2, start)
        } else {
            None
        };
    }
    if let Some(body) = rest.strip_prefix('<') {
        return StartTag::scan(body, start + 1, start, message);
    }
    if let Some(body) = rest.strip_prefix('&') {
        return reference(body, start + 1, start).err();
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
        message: UNCLOSED,
    })
}

/// `name S? >` after `</`.
fn end_tag(body: &str, base: usize, start: usize) -> Option<Fault> {
    let mut iter = chars(body, base);
    match iter.next() {
        None => return fault(start, UNCLOSED),
        Some((at, c)) if !is_name_start(c) => return fault(at, INVALID),
        Some(_) => {}
    }
    let mut in_space = false;
    for (at, c) in iter {
        match c {
            '>' => return None,
            c if is_space(c) => in_space = true,
            c if is_name_char(c) && !in_space => {}
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

fn pi(body: &str, base: usize, start: usize) -> Option<Fault> {
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
        message: INVALID,
    };
    let unclosed = Fault {
        at: start,
        message: UNCLOSED,
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
}

enum Scan {
    Fault(Fault),
    /// The tag is well formed as a token.
    Done,
}

impl<'a> StartTag<'a> {
    fn scan(body: &'a str, base: usize, start: usize, message: &str) -> Option<Fault> {
        let mut tag = StartTag {
            body,
            base,
            start,
            pos: 0,
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
                    message: "duplicate attribute",
                }),
                "reference to invalid character number" => bad_reference.map(|at| Fault {
                    at,
                    message: "reference to invalid character number",
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
            message: UNCLOSED,
        })
    }

    fn invalid(&self) -> Scan {
        Scan::Fault(Fault {
            at: self.at(),
            message: INVALID,
        })
    }

    /// A name; `None` when it is well formed.
    fn name(&mut self) -> Option<Scan> {
        match self.peek() {
            None => return Some(self.unclosed()),
            Some(c) if !is_name_start(c) => return Some(self.invalid()),
            Some(c) => self.bump(c),
        }
        while let Some(c) = self.peek().filter(|&c| is_name_char(c)) {
            self.bump(c);
        }
        None
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
