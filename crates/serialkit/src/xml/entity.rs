//! Internal general entities, expanded as expat expands them: a reference
//! in content reads the replacement text again as content of the element it
//! is in (elements, CDATA, comments, further references), which must close
//! every element it opens; a reference in an attribute value reads it as
//! attribute text, where `<` is an error. A reference to an entity that is
//! being expanded is recursive. Every expansion is charged against
//! `max_expansion` before it is read, so billion-laughs and quadratic-blowup
//! documents stop early, whatever markup their entities hold.

use super::error::XmlError;
use super::lexical::{
    char_ref, has_cdata_end, is_xml_char, predefined, push_entity_text, quick_error,
};
use super::names::is_name;
use super::read::{Parser, Step, XmlSink};
use quick_xml::events::Event;
use quick_xml::reader::Reader;
use std::borrow::Cow;
use std::rc::Rc;

/// How deep references may nest inside replacement texts. Recursion is
/// refused anyway; this bounds the native stack for long chains of
/// distinct entities, where expat has no bound.
const MAX_ENTITY_NESTING: usize = 64;

impl Parser<'_, '_> {
    /// A general reference in content.
    pub(super) fn reference<K: XmlSink>(&mut self, name: &str, sink: &mut K) -> Step<K::Error> {
        if let Some(number) = name.strip_prefix('#') {
            self.text.push(char_ref(number)?);
            return Ok(());
        }
        if let Some(c) = predefined(name) {
            self.text.push(c);
            return Ok(());
        }
        let Some(value) = self.entity_value(name)? else {
            return Ok(());
        };
        if !value.contains(['<', '&']) {
            if has_cdata_end(value.as_bytes()) {
                return Err(XmlError::syntax("not well-formed (invalid token)").into());
            }
            push_entity_text(&mut self.text, &value)?;
            return Ok(());
        }
        self.open_entities.push(name.to_owned());
        let result = self.expand_content(&value, sink);
        self.open_entities.pop();
        result
    }

    /// Reads a replacement text as content. Errors found in it carry no
    /// position of their own: they point at the outermost reference, where
    /// expat's line numbers point too.
    fn expand_content<K: XmlSink>(&mut self, value: &str, sink: &mut K) -> Step<K::Error> {
        // Read through a buffer, not as the document's slice is: a second
        // user of the slice reader's code would keep the compiler from
        // inlining it into the document's event loop.
        let mut reader = Reader::from_reader(value.as_bytes());
        let config = reader.config_mut();
        config.check_end_names = true;
        config.expand_empty_elements = false;
        config.trim_text(false);
        let floor = self.depth;
        let mut buf = Vec::new();
        loop {
            buf.clear();
            let event = reader.read_event_into(&mut buf).map_err(entity_error)?;
            if let Event::Eof = event {
                if self.depth != floor {
                    return Err(XmlError::syntax("asynchronous entity").into());
                }
                return Ok(());
            }
            self.handle(event, false, sink)?;
        }
    }

    /// Attribute-value normalisation: references resolved, and each
    /// whitespace character that is not from a character reference becomes
    /// a space (a CR LF pair of the document becomes one).
    pub(super) fn attr_value<'a>(&mut self, raw: &'a str) -> Result<Cow<'a, str>, XmlError> {
        if !raw
            .bytes()
            .any(|b| matches!(b, b'&' | b'<' | b'\t' | b'\n' | b'\r'))
        {
            if raw.bytes().any(|b| b < 0x20) {
                return Err(XmlError::syntax("not well-formed (invalid token)"));
            }
            return Ok(Cow::Borrowed(raw));
        }
        let mut out = String::with_capacity(raw.len());
        self.normalize_into(raw, &mut out, false)?;
        Ok(Cow::Owned(out))
    }

    /// `from_entity`: `raw` is a replacement text, whose CRs came from
    /// character references, so each is a space of its own.
    fn normalize_into(
        &mut self,
        raw: &str,
        out: &mut String,
        from_entity: bool,
    ) -> Result<(), XmlError> {
        let mut rest = raw;
        while let Some(c) = rest.chars().next() {
            rest = &rest[c.len_utf8()..];
            match c {
                '<' => return Err(XmlError::syntax("not well-formed (invalid token)")),
                '\r' => {
                    if !from_entity {
                        rest = rest.strip_prefix('\n').unwrap_or(rest);
                    }
                    out.push(' ');
                }
                '\t' | '\n' => out.push(' '),
                '&' => {
                    let end = rest
                        .find(';')
                        .ok_or_else(|| XmlError::syntax("not well-formed (invalid token)"))?;
                    let name = &rest[..end];
                    rest = &rest[end + 1..];
                    if let Some(number) = name.strip_prefix('#') {
                        out.push(char_ref(number)?);
                    } else if let Some(c) = predefined(name) {
                        out.push(c);
                    } else if let Some(value) = self.entity_value(name)? {
                        self.open_entities.push(name.to_owned());
                        let result = self.normalize_into(&value, out, true);
                        self.open_entities.pop();
                        result?;
                    }
                }
                c if (c as u32) < 0x20 => {
                    return Err(XmlError::syntax("not well-formed (invalid token)"))
                }
                c => out.push(c),
            }
            self.charge(1)?;
        }
        Ok(())
    }

    /// The replacement text of a declared entity, counted against the
    /// expansion budget; `None` for an (ignored) external one.
    fn entity_value(&mut self, name: &str) -> Result<Option<Rc<str>>, XmlError> {
        if self.open_entities.iter().any(|open| open == name) {
            return Err(XmlError::syntax("recursive entity reference"));
        }
        if self.open_entities.len() >= MAX_ENTITY_NESTING {
            return Err(XmlError::limit("entity nesting", MAX_ENTITY_NESTING));
        }
        match self.entities.get(name) {
            None => Err(XmlError::syntax("undefined entity")),
            Some(None) => Ok(None),
            Some(Some(value)) => {
                let value = value.clone();
                self.charge(value.len())?;
                Ok(Some(value))
            }
        }
    }

    pub(super) fn charge(&mut self, amount: usize) -> Result<(), XmlError> {
        if self.entities.is_empty() {
            return Ok(());
        }
        self.expanded += amount;
        let limit = self.options.limits.max_expansion;
        if self.expanded > limit {
            return Err(XmlError::limit("entity expansion in characters", limit));
        }
        Ok(())
    }
}

/// quick-xml's errors inside a replacement text: an end tag it did not
/// open, or an element it leaves open, breaks the entity's balance.
fn entity_error(err: quick_xml::Error) -> XmlError {
    use quick_xml::errors::IllFormedError;
    match err {
        quick_xml::Error::IllFormed(
            IllFormedError::UnmatchedEndTag(_) | IllFormedError::MissingEndTag(_),
        ) => XmlError::syntax("asynchronous entity"),
        // The text ends inside the reference, as inside an unclosed tag.
        quick_xml::Error::IllFormed(IllFormedError::UnclosedReference) => {
            XmlError::syntax("unclosed token")
        }
        other => quick_error(other),
    }
}

/// An internal entity's replacement text, formed as XML forms it when the
/// entity is declared: line ends folded, character references expanded,
/// general references checked and left for when the text is used, where
/// it is read again as markup (so `&#38;amp;` means `&` and `&#60;` starts
/// a tag).
pub(super) fn replacement_text(literal: &str) -> Result<String, XmlError> {
    let invalid = || XmlError::syntax("not well-formed (invalid token)");
    let mut out = String::with_capacity(literal.len());
    let mut rest = literal;
    while let Some(c) = rest.chars().next() {
        rest = &rest[c.len_utf8()..];
        match c {
            '\r' => {
                rest = rest.strip_prefix('\n').unwrap_or(rest);
                out.push('\n');
            }
            '&' => {
                let end = rest.find(';').ok_or_else(invalid)?;
                let reference = &rest[..end];
                rest = &rest[end + 1..];
                match reference.strip_prefix('#') {
                    Some(number) => out.push(char_ref(number)?),
                    None if is_name(reference) => {
                        out.push('&');
                        out.push_str(reference);
                        out.push(';');
                    }
                    None => return Err(invalid()),
                }
            }
            '%' => {
                let reference = rest.split_once(';').map(|(name, _)| name);
                return Err(match reference {
                    Some(name) if is_name(name) => {
                        XmlError::syntax("illegal parameter entity reference")
                    }
                    _ => invalid(),
                });
            }
            c if !is_xml_char(c) => return Err(invalid()),
            c => out.push(c),
        }
    }
    Ok(out)
}
