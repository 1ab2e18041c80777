//! The tokens of a document type declaration, split as expat's prolog
//! tokenizer splits them: what may follow a name, a literal or a closing
//! parenthesis is checked here (a fault is "not well-formed (invalid
//! token)" at the character), the order of tokens by the grammar in
//! [`super::dtd`] (a fault is a "syntax error" at the token).

use super::error::XmlError;
use super::names::{is_name_char, is_name_start};

const INVALID: &str = "not well-formed (invalid token)";

#[derive(Debug, PartialEq)]
pub(super) enum Tok<'a> {
    /// `<!` and its keyword (`ELEMENT`, `ATTLIST`, ...).
    DeclOpen(&'a str),
    Comment(&'a str),
    Pi,
    /// A name, or a name token that is not a name (`1a`).
    Name(&'a str),
    /// A name directly followed by `?`, `*` or `+`.
    NameQuant(&'a str),
    /// `#` and a name (`#PCDATA`, `#REQUIRED`).
    Pound(&'a str),
    /// A quoted literal's content.
    Literal(&'a str),
    Open,
    /// `)`, with the `?`, `*` or `+` directly after it.
    Close(Option<char>),
    Or,
    Comma,
    End,
    OpenBracket,
    CloseBracket,
    /// `%name;`.
    PeRef(&'a str),
    /// `%` before a parameter entity's name.
    Percent,
    Eof,
}

pub(super) struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    /// Where `text` starts in the document.
    base: u64,
    /// Namespaces are processed: a colon may not be in a PI's target.
    namespaces: bool,
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

fn forbidden(c: char) -> bool {
    (c < ' ' && !is_space(c)) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

impl<'a> Lexer<'a> {
    pub(super) fn new(text: &'a str, base: u64, namespaces: bool) -> Self {
        Lexer {
            text,
            pos: 0,
            base,
            namespaces,
        }
    }

    /// Whether a name token may stand where a name is expected: under
    /// namespaces, expat's tokenizer takes only qualified names as names
    /// (`a:` and `a:b:c` are name tokens, which the grammar refuses).
    pub(super) fn is_name(&self, name: &str) -> bool {
        if !super::names::is_name(name) {
            return false;
        }
        if !self.namespaces {
            return true;
        }
        match name.split_once(':') {
            None => true,
            Some((prefix, local)) => {
                !prefix.is_empty()
                    && !local.contains(':')
                    && local.chars().next().is_some_and(super::names::is_name_char)
            }
        }
    }

    /// A "syntax error" at `at`, an offset in `text`.
    pub(super) fn syntax(&self, at: usize) -> XmlError {
        XmlError::syntax("syntax error").at(Some(self.base + at as u64))
    }

    pub(super) fn error(&self, message: &'static str, at: usize) -> XmlError {
        XmlError::syntax(message).at(Some(self.base + at as u64))
    }

    fn invalid(&self, at: usize) -> XmlError {
        self.error(INVALID, at)
    }

    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn name_end(&self, from: usize) -> usize {
        let rest = &self.text[from..];
        from + rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len())
    }

    /// What may come straight after a name, a literal or `)`.
    fn check_follow(&self, allowed: &str) -> Result<(), XmlError> {
        match self.peek() {
            Some(c) if !is_space(c) && !allowed.contains(c) => Err(self.invalid(self.pos)),
            _ => Ok(()),
        }
    }

    /// The next token and where it starts.
    pub(super) fn next(&mut self) -> Result<(usize, Tok<'a>), XmlError> {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start_matches(is_space).len();
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Ok((start, Tok::Eof));
        };
        let single = |tok| (start, tok);
        let token = match c {
            '<' => return self.markup(start),
            '>' => {
                self.pos += 1;
                single(Tok::End)
            }
            '[' => {
                self.pos += 1;
                single(Tok::OpenBracket)
            }
            ']' => {
                self.pos += 1;
                single(Tok::CloseBracket)
            }
            '(' => {
                self.pos += 1;
                single(Tok::Open)
            }
            '|' => {
                self.pos += 1;
                single(Tok::Or)
            }
            ',' => {
                self.pos += 1;
                single(Tok::Comma)
            }
            ')' => {
                self.pos += 1;
                let quant = self.peek().filter(|q| matches!(q, '?' | '*' | '+'));
                if let Some(q) = quant {
                    self.pos += q.len_utf8();
                }
                self.check_follow(">)|,%")?;
                single(Tok::Close(quant))
            }
            '"' | '\'' => {
                let Some(len) = self.text[start + 1..].find(c) else {
                    return Err(self.error("unclosed token", start));
                };
                let value = &self.text[start + 1..start + 1 + len];
                if let Some((at, _)) = value.char_indices().find(|&(_, c)| forbidden(c)) {
                    return Err(self.invalid(start + 1 + at));
                }
                self.pos = start + len + 2;
                self.check_follow(">%[")?;
                single(Tok::Literal(value))
            }
            '#' => {
                self.pos += 1;
                match self.peek() {
                    Some(c) if is_name_start(c) => {}
                    Some(_) => return Err(self.invalid(self.pos)),
                    None => return Err(self.error("unclosed token", start)),
                }
                self.pos = self.name_end(self.pos);
                self.check_follow(")|>%")?;
                single(Tok::Pound(&self.text[start + 1..self.pos]))
            }
            '%' => {
                self.pos += 1;
                match self.peek() {
                    Some(c) if is_space(c) => single(Tok::Percent),
                    Some(c) if is_name_start(c) => {
                        self.pos = self.name_end(self.pos);
                        if self.peek() != Some(';') {
                            return Err(self.invalid(self.pos));
                        }
                        self.pos += 1;
                        single(Tok::PeRef(&self.text[start + 1..self.pos - 1]))
                    }
                    Some(_) => return Err(self.invalid(self.pos)),
                    None => return Err(self.error("unclosed token", start)),
                }
            }
            c if is_name_char(c) => {
                self.pos = self.name_end(start);
                let name = &self.text[start..self.pos];
                match self.peek() {
                    Some(q @ ('?' | '*' | '+')) => {
                        self.pos += q.len_utf8();
                        self.check_follow(">)|,%")?;
                        single(Tok::NameQuant(name))
                    }
                    _ => {
                        self.check_follow(">%)|,[")?;
                        single(Tok::Name(name))
                    }
                }
            }
            _ => return Err(self.invalid(start)),
        };
        Ok(token)
    }

    /// A declaration's opening, a comment or a processing instruction.
    fn markup(&mut self, start: usize) -> Result<(usize, Tok<'a>), XmlError> {
        let rest = self.rest();
        if let Some(body) = rest.strip_prefix("<!--") {
            let mut chars = body.char_indices().peekable();
            while let Some((at, c)) = chars.next() {
                if forbidden(c) {
                    return Err(self.invalid(start + 4 + at));
                }
                if c == '-' && chars.peek().is_some_and(|&(_, c)| c == '-') {
                    chars.next();
                    return match chars.next() {
                        Some((end, '>')) => {
                            self.pos = start + 4 + end + 1;
                            Ok((start, Tok::Comment(&body[..at])))
                        }
                        Some((bad, _)) => Err(self.invalid(start + 4 + bad)),
                        None => Err(self.error("unclosed token", start)),
                    };
                }
            }
            return Err(self.error("unclosed token", start));
        }
        if let Some(body) = rest.strip_prefix("<?") {
            return self.pi(start, body);
        }
        if let Some(body) = rest.strip_prefix("<!") {
            let letters = body
                .find(|c: char| !c.is_ascii_alphabetic())
                .unwrap_or(body.len());
            if letters == 0 {
                return match body.chars().next() {
                    Some('[') => Err(self.syntax(start)),
                    Some(_) => Err(self.invalid(start + 2)),
                    None => Err(self.error("unclosed token", start)),
                };
            }
            self.pos = start + 2 + letters;
            match self.peek() {
                Some(c) if is_space(c) || c == '%' => {}
                Some(_) => return Err(self.invalid(self.pos)),
                None => return Err(self.error("unclosed token", start)),
            }
            return Ok((start, Tok::DeclOpen(&body[..letters])));
        }
        match rest[1..].chars().next() {
            Some(c) if is_name_start(c) => Err(self.syntax(start)),
            Some(_) => Err(self.invalid(start + 1)),
            None => Err(self.error("unclosed token", start)),
        }
    }

    fn pi(&mut self, start: usize, body: &'a str) -> Result<(usize, Tok<'a>), XmlError> {
        let base = start + 2;
        match body.chars().next() {
            Some(c) if is_name_start(c) => {}
            Some(_) => return Err(self.invalid(base)),
            None => return Err(self.error("unclosed token", start)),
        }
        let target_len = body.find(|c: char| !is_name_char(c)).unwrap_or(body.len());
        if self.namespaces {
            if let Some(colon) = body[..target_len].find(':') {
                return Err(self.invalid(base + colon));
            }
        }
        let after = &body[target_len..];
        let end = match after.chars().next() {
            Some('?') if after[1..].starts_with('>') => target_len,
            Some('?') if after.len() > 1 => return Err(self.invalid(base + target_len + 1)),
            Some(c) if is_space(c) => {
                let Some(close) = after.find("?>") else {
                    return Err(self.error("unclosed token", start));
                };
                if let Some((at, _)) = after[..close].char_indices().find(|&(_, c)| forbidden(c)) {
                    return Err(self.invalid(base + target_len + at));
                }
                target_len + close
            }
            Some(_) => return Err(self.invalid(base + target_len)),
            None => return Err(self.error("unclosed token", start)),
        };
        if body[..target_len].eq_ignore_ascii_case("xml") {
            return Err(self.error("XML or text declaration not at start of entity", start));
        }
        self.pos = base + end + 2;
        Ok((start, Tok::Pi))
    }
}
