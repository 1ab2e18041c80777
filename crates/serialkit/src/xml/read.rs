//! The event reader: quick-xml tokenises, this module enforces what expat
//! enforces on top (one root, declared entities, namespaces, line ends,
//! attribute-value normalisation), applies the hardening rules and limits,
//! and reports SAX-like events to an [`XmlSink`]. Character data is
//! delivered in one piece per run of text, as pyexpat's `buffer_text` does.

use super::dtd::{self, EntityValue};
use super::entity::replacement_text;
use super::error::{XmlError, XmlErrorKind};
use super::lexical::{
    attributes_separated, declaration_fault, has_cdata_end, has_forbidden_control,
    push_entity_text, push_text, quick_error, utf8,
};
use super::names::{is_name, Namespaces};
use super::source::Source;
use crate::limits::Limits;
use quick_xml::events::{BytesStart, Event};
use std::borrow::Cow;
use std::collections::HashMap;
use std::rc::Rc;

#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// Resolve prefixes: names become `uri` + separator + local name, and
    /// `xmlns` attributes become [`XmlSink::namespace_decl`] calls.
    pub process_namespaces: bool,
    pub namespace_separator: String,
    /// Refuse any entity declaration (the default, as in xmltodict).
    pub disable_entities: bool,
    /// Refuse any DOCTYPE at all.
    pub forbid_dtd: bool,
    /// Refuse DOCTYPEs and entities that point outside the document. They
    /// are never fetched either way; allowed, they are ignored as expat
    /// ignores them without a handler.
    pub forbid_external: bool,
    pub process_comments: bool,
    /// Which versions an XML declaration may give.
    pub versions: VersionRule,
    pub limits: Limits,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            process_namespaces: false,
            namespace_separator: ":".into(),
            disable_entities: true,
            forbid_dtd: false,
            forbid_external: true,
            process_comments: false,
            versions: VersionRule::VersionNum,
            limits: Limits::default(),
        }
    }
}

/// What the version in an XML declaration must look like. Expat grew
/// stricter over its 2026 releases, and a drop-in must refuse what the
/// running interpreter's expat refuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VersionRule {
    /// Any pseudo-attribute value, even an empty one (expat 2.5).
    Any,
    /// Any but an empty one.
    NonEmpty,
    /// The spec's `VersionNum`: `1.` and digits (expat 2.9).
    VersionNum,
}

pub type Attrs<'a> = [(Cow<'a, str>, Cow<'a, str>)];

/// Receives the document, as the handlers of a SAX parser do.
pub trait XmlSink {
    type Error;
    fn start_element(&mut self, name: &str, attrs: &Attrs<'_>) -> Result<(), Self::Error>;
    fn end_element(&mut self, name: &str) -> Result<(), Self::Error>;
    /// A run of character data. The sink may take the string (swapping in
    /// another); the reader clears whatever it is left with.
    fn characters(&mut self, text: &mut String) -> Result<(), Self::Error>;
    fn comment(&mut self, text: &str) -> Result<(), Self::Error>;
    /// Called before the `start_element` of the element that declares it,
    /// only when namespaces are processed.
    fn namespace_decl(&mut self, prefix: &str, uri: &str) -> Result<(), Self::Error>;
}

/// Why a parse stopped: the document, or the sink.
#[derive(Debug)]
pub enum Failure<E> {
    Xml(XmlError),
    Sink(E),
}

impl<E> From<XmlError> for Failure<E> {
    fn from(err: XmlError) -> Self {
        Failure::Xml(err)
    }
}

pub(super) type Step<E> = Result<(), Failure<E>>;

pub(super) struct Parser<'o, 'i> {
    pub(super) whole: Option<&'i str>,
    pub(super) options: &'o ReadOptions,
    pub(super) depth: usize,
    pub(super) seen_root: bool,
    /// The source may hold U+FFFE or U+FFFF somewhere.
    pub(super) non_char_possible: bool,
    pub(super) seen_doctype: bool,
    pub(super) root_closed: bool,
    pub(super) text: String,
    /// Internal general entities and their replacement texts; `None` for
    /// external ones, whose references expand to nothing.
    pub(super) entities: HashMap<String, Option<Rc<str>>>,
    pub(super) expanded: usize,
    /// The entities being expanded, innermost last: a reference to one of
    /// them is recursive.
    pub(super) open_entities: Vec<String>,
    pub(super) namespaces: Option<Namespaces>,
    /// Attributes declared in the DOCTYPE, by element name.
    pub(super) attribute_decls: HashMap<String, Vec<dtd::AttributeDecl>>,
    /// Where the event being handled starts: errors found while handling
    /// it point there, as expat's do.
    pub(super) event_start: u64,
}

// The error paths stay out of the event loop, so that the loop (with the
// tokenizer inlined into it) stays small.
#[cold]
#[inline(never)]
fn non_char_error(bad: u64) -> XmlError {
    XmlError::syntax("not well-formed (invalid token)").at(Some(bad))
}

#[cold]
#[inline(never)]
fn read_error<'i, S: Source<'i>>(source: &S, err: quick_xml::Error) -> XmlError {
    let error_offset = source.error_offset();
    match source.non_char().filter(|&bad| bad < error_offset) {
        Some(bad) => non_char_error(bad),
        None => quick_error(err).at(Some(error_offset)),
    }
}

/// Parses a whole document from `source` into `sink`.
pub fn parse<'i, S: Source<'i>, K: XmlSink>(
    source: &mut S,
    options: &ReadOptions,
    sink: &mut K,
) -> Result<(), Failure<K::Error>> {
    let config = source.config_mut();
    config.check_end_names = true;
    config.expand_empty_elements = false;
    config.trim_text(false);
    let mut parser = Parser {
        whole: source.whole(),
        non_char_possible: source.may_hold_non_char(),
        options,
        depth: 0,
        seen_root: false,
        seen_doctype: false,
        root_closed: false,
        text: String::new(),
        entities: HashMap::new(),
        expanded: 0,
        open_entities: Vec::new(),
        namespaces: options.process_namespaces.then(Namespaces::default),
        event_start: 0,
        attribute_decls: HashMap::new(),
    };
    let result = parser.run(source, sink);
    result.map_err(|failure| match failure {
        Failure::Xml(mut err) => {
            if err.position.is_none() {
                parser.refine(&mut err);
                err.position = Some(source.locate(err.at.unwrap_or(parser.event_start)));
            }
            Failure::Xml(err)
        }
        other => other,
    })
}

impl<'i> Parser<'_, 'i> {
    /// Event data as text: sliced from the whole input when it came from
    /// there, checked otherwise.
    fn str_of<'a>(&self, bytes: &'a [u8]) -> Result<&'a str, XmlError>
    where
        'i: 'a,
    {
        if let Some(whole) = self.whole {
            let at = (bytes.as_ptr() as usize).wrapping_sub(whole.as_ptr() as usize);
            if at <= whole.len() && bytes.len() <= whole.len() - at {
                if let Some(text) = whole.get(at..at + bytes.len()) {
                    return Ok(text);
                }
            }
        }
        utf8(bytes)
    }

    /// Where event data borrowed from the whole input starts in it.
    fn offset_of(&self, bytes: &[u8]) -> Option<u64> {
        let whole = self.whole?;
        let at = (bytes.as_ptr() as usize).wrapping_sub(whole.as_ptr() as usize);
        (at <= whole.len()).then_some(at as u64)
    }

    fn run<S: Source<'i>, K: XmlSink>(&mut self, source: &mut S, sink: &mut K) -> Step<K::Error> {
        let limits = &self.options.limits;
        let mut first = true;
        loop {
            if source.offset() > limits.max_input_bytes as u64 {
                return Err(XmlError::limit("input size in bytes", limits.max_input_bytes).into());
            }
            // Checked here, after the event that holds it was handled
            // (it is an error either way): asking while an event borrows
            // the source would take a check per event. The event is still
            // the one where the error arose.
            if let Some(bad) = source.non_char() {
                return Err(non_char_error(bad).into());
            }
            if let Some(at) = source.misspelt_doctype() {
                return Err(XmlError::syntax("syntax error").at(Some(at)).into());
            }
            self.event_start = source.offset();
            let event = match source.next_event() {
                Ok(event) => event,
                Err(err) => return Err(read_error(source, err).into()),
            };
            let was_first = std::mem::replace(&mut first, false);
            if let Event::Eof = event {
                if let Some(bad) = source.non_char() {
                    return Err(non_char_error(bad).into());
                }
                if self.depth > 0 || !self.seen_root {
                    return Err(XmlError::syntax("no element found").into());
                }
                return Ok(());
            }
            self.handle(event, was_first, sink)?;
        }
    }

    /// One event of the document, or of an entity's replacement text read
    /// as content (`self.open_entities` is then not empty).
    #[inline]
    pub(super) fn handle<'a, K: XmlSink>(
        &mut self,
        event: Event<'a>,
        was_first: bool,
        sink: &mut K,
    ) -> Step<K::Error>
    where
        'i: 'a,
    {
        match event {
            Event::Start(start) => {
                self.flush(sink)?;
                self.start(&start, sink)?;
            }
            Event::Empty(start) => {
                // Found only after its event otherwise, a U+FFFE in an
                // empty element would reach the sink (an item callback)
                // as a whole element before the error.
                if self.non_char_possible && super::source::find_non_char(&start).is_some() {
                    return Err(XmlError::syntax("not well-formed (invalid token)").into());
                }
                self.flush(sink)?;
                self.start(&start, sink)?;
                self.end(self.str_of(start.name().into_inner())?, sink)?;
            }
            Event::End(end) => {
                self.flush(sink)?;
                self.end(self.str_of(end.name().into_inner())?, sink)?;
            }
            Event::Text(text) => {
                let text = self.str_of(&text)?;
                if has_cdata_end(text.as_bytes()) {
                    return Err(XmlError::syntax("not well-formed (invalid token)").into());
                }
                if self.depth == 0 {
                    self.outside_root(text)?;
                } else if self.open_entities.is_empty() {
                    push_text(&mut self.text, text)?;
                } else {
                    // A CR here came from a character reference in the
                    // entity's value (literal ones were folded when declared)
                    // and stays, as in expat.
                    push_entity_text(&mut self.text, text)?;
                }
            }
            Event::CData(data) => {
                self.inside_root()?;
                let data = self.str_of(&data)?;
                push_text(&mut self.text, data)?;
            }
            Event::GeneralRef(reference) => {
                if self.depth == 0 {
                    // Outside the root expat knows no references at all.
                    return Err(XmlError::syntax("not well-formed (invalid token)").into());
                }
                self.reference(self.str_of(&reference)?, sink)?;
            }
            other => self.markup(other, was_first, sink)?,
        }
        Ok(())
    }

    /// Comments, declarations, processing instructions and the DOCTYPE:
    /// rare, kept out of the loop.
    #[inline(never)]
    fn markup<'a, K: XmlSink>(
        &mut self,
        event: Event<'a>,
        was_first: bool,
        sink: &mut K,
    ) -> Step<K::Error>
    where
        'i: 'a,
    {
        match event {
            Event::Comment(comment) => {
                let double_hyphen =
                    memchr::memmem::find(&comment, b"--").is_some() || comment.ends_with(b"-");
                if double_hyphen || has_forbidden_control(&comment) {
                    return Err(XmlError::syntax("not well-formed (invalid token)").into());
                }
                if self.options.process_comments {
                    let comment = self.str_of(&comment)?;
                    if comment.contains("--") {
                        return Err(XmlError::syntax("not well-formed (invalid token)").into());
                    }
                    self.flush(sink)?;
                    let mut text = String::new();
                    push_text(&mut text, comment)?;
                    sink.comment(&text).map_err(Failure::Sink)?;
                }
            }
            Event::Decl(decl) => {
                if !was_first {
                    return Err(
                        XmlError::syntax("XML or text declaration not at start of entity").into(),
                    );
                }
                if let Some(bad) = declaration_fault(&decl, self.options.versions) {
                    let at = self.event_start + 2 + bad as u64;
                    let err = XmlError::syntax("XML declaration not well-formed");
                    return Err(err.at(Some(at)).into());
                }
            }
            Event::PI(pi) => {
                let target_ok = std::str::from_utf8(pi.target()).is_ok_and(is_name);
                let separated = pi
                    .content()
                    .first()
                    .is_none_or(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'));
                // With namespaces, a target may not hold a colon.
                let colon = self.namespaces.is_some() && pi.target().contains(&b':');
                if !target_ok || !separated || colon || has_forbidden_control(&pi) {
                    return Err(XmlError::syntax("not well-formed (invalid token)").into());
                }
                if pi.target().eq_ignore_ascii_case(b"xml") {
                    return Err(
                        XmlError::syntax("XML or text declaration not at start of entity").into(),
                    );
                }
            }
            Event::DocType(doctype) => {
                if !self.open_entities.is_empty() {
                    return Err(XmlError::syntax("not well-formed (invalid token)").into());
                }
                if self.seen_root || self.seen_doctype {
                    return Err(XmlError::syntax("syntax error").into());
                }
                self.seen_doctype = true;
                let content = self.str_of(&doctype)?.to_owned();
                // quick-xml takes `<!doctype` and `<!DOCTYPEx` too; expat
                // knows only the keyword `DOCTYPE`.
                let keyword = self.whole.and_then(|whole| {
                    let start = usize::try_from(self.event_start).ok()?;
                    whole.get(start + 2..start + 10)
                });
                if keyword.is_some_and(|keyword| {
                    !keyword.starts_with("DOCTYPE") || !keyword.ends_with([' ', '\t', '\r', '\n'])
                }) {
                    return Err(XmlError::syntax("syntax error").into());
                }
                let base = self.offset_of(&doctype).unwrap_or(self.event_start + 10);
                for comment in self.doctype(&content, base)? {
                    if self.options.process_comments {
                        let mut text = String::new();
                        push_text(&mut text, &comment)?;
                        sink.comment(&text).map_err(Failure::Sink)?;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Points a syntax error at the character at fault in the token where
    /// it arose, as expat does, when the document is in memory.
    fn refine(&self, err: &mut XmlError) {
        let (Some(whole), XmlErrorKind::Syntax(message)) = (self.whole, &err.kind) else {
            return;
        };
        let Ok(start) = usize::try_from(self.event_start) else {
            return;
        };
        let context = super::fault::Context {
            in_content: self.depth > 0,
            namespaces: self.namespaces.is_some(),
            after_root: self.root_closed,
        };
        if let Some(found) = super::fault::refine(whole, start, message, &context) {
            err.kind = XmlErrorKind::Syntax(found.message);
            err.at = Some(found.at as u64);
        }
    }

    fn inside_root(&self) -> Result<(), XmlError> {
        if self.depth == 0 {
            return Err(XmlError::syntax(if self.root_closed {
                "junk after document element"
            } else {
                "syntax error"
            }));
        }
        Ok(())
    }

    fn outside_root(&self, text: &str) -> Result<(), XmlError> {
        if text
            .bytes()
            .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        {
            return Ok(());
        }
        self.inside_root()
    }

    fn flush<K: XmlSink>(&mut self, sink: &mut K) -> Step<K::Error> {
        if !self.text.is_empty() {
            sink.characters(&mut self.text).map_err(Failure::Sink)?;
            self.text.clear();
        }
        Ok(())
    }

    fn start<K: XmlSink>(&mut self, start: &BytesStart<'_>, sink: &mut K) -> Step<K::Error> {
        if self.root_closed {
            return Err(XmlError::syntax("junk after document element").into());
        }
        if self.depth >= self.options.limits.max_depth {
            return Err(XmlError::limit("nesting depth", self.options.limits.max_depth).into());
        }
        let raw_name = self.str_of(start.name().into_inner())?;
        if !is_name(raw_name) {
            return Err(XmlError::syntax("not well-formed (invalid token)").into());
        }
        if !attributes_separated(start.attributes_raw()) {
            return Err(XmlError::syntax("not well-formed (invalid token)").into());
        }
        let mut attrs: Vec<(Cow<'_, str>, Cow<'_, str>)> = Vec::new();
        for attr in start.attributes().with_checks(true) {
            let attr = attr.map_err(|err| quick_error(err.into()))?;
            let key = self.str_of(attr.key.into_inner())?;
            if !is_name(key) {
                return Err(XmlError::syntax("not well-formed (invalid token)").into());
            }
            let value = match attr.value {
                Cow::Borrowed(raw) => self.attr_value(self.str_of(raw)?)?,
                Cow::Owned(raw) => Cow::Owned(self.attr_value(self.str_of(&raw)?)?.into_owned()),
            };
            attrs.push((Cow::Borrowed(key), value));
        }
        if !self.attribute_decls.is_empty() {
            if let Some(decls) = self.attribute_decls.get(raw_name).cloned() {
                self.apply_declarations(&decls, &mut attrs)?;
            }
        }
        self.depth += 1;
        self.seen_root = true;
        match self.namespaces.as_mut() {
            None => sink
                .start_element(raw_name, &attrs)
                .map_err(Failure::Sink)?,
            Some(namespaces) => {
                let separator = &self.options.namespace_separator;
                let declared = namespaces.enter(&mut attrs)?;
                for (prefix, uri) in declared {
                    sink.namespace_decl(&prefix, &uri).map_err(Failure::Sink)?;
                }
                let name = namespaces.resolve_cached(raw_name, true, separator)?;
                let keys = attrs
                    .iter()
                    .map(|(key, _)| namespaces.resolve_cached(key, false, separator))
                    .collect::<Result<Vec<_>, _>>()?;
                let resolved: Vec<_> = attrs
                    .into_iter()
                    .zip(&keys)
                    .map(|((key, value), resolved)| match resolved {
                        Some(resolved) => (Cow::Borrowed(&**resolved), value),
                        None => (key, value),
                    })
                    .collect();
                namespaces.check_unique(&resolved)?;
                sink.start_element(name.as_deref().unwrap_or(raw_name), &resolved)
                    .map_err(Failure::Sink)?;
            }
        }
        Ok(())
    }

    fn end<K: XmlSink>(&mut self, raw_name: &str, sink: &mut K) -> Step<K::Error> {
        if self.depth == 0 {
            return Err(XmlError::syntax("syntax error").into());
        }
        match self.namespaces.as_mut() {
            None => sink.end_element(raw_name).map_err(Failure::Sink)?,
            Some(namespaces) => {
                let name =
                    namespaces.resolve_cached(raw_name, true, &self.options.namespace_separator)?;
                namespaces.leave();
                sink.end_element(name.as_deref().unwrap_or(raw_name))
                    .map_err(Failure::Sink)?;
            }
        }
        self.depth -= 1;
        if self.depth == 0 {
            self.root_closed = true;
        }
        Ok(())
    }

    /// What the DOCTYPE says of this element's attributes: tokenized ones
    /// trimmed with their space runs collapsed, and defaults added, after
    /// the attributes given, as expat reports them.
    fn apply_declarations(
        &mut self,
        decls: &[dtd::AttributeDecl],
        attrs: &mut Vec<(Cow<'_, str>, Cow<'_, str>)>,
    ) -> Result<(), XmlError> {
        let collapse = |value: &str| {
            value
                .split(' ')
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        };
        for decl in decls {
            match attrs.iter_mut().find(|(key, _)| *key == decl.name) {
                Some((_, value)) => {
                    if decl.tokenized {
                        *value = Cow::Owned(collapse(value));
                    }
                }
                None => {
                    if let Some(literal) = &decl.default {
                        let mut value = self.attr_value(literal)?.into_owned();
                        if decl.tokenized {
                            value = collapse(&value);
                        }
                        attrs.push((Cow::Owned(decl.name.clone()), Cow::Owned(value)));
                    }
                }
            }
        }
        Ok(())
    }

    /// Takes in what the DOCTYPE declares; returns its comments.
    fn doctype(&mut self, content: &str, base: u64) -> Result<Vec<String>, XmlError> {
        let options = self.options;
        if options.forbid_dtd {
            return Err(XmlError::of(XmlErrorKind::DtdForbidden));
        }
        let doctype = dtd::parse(content, base, self.namespaces.is_some())?;
        if options.disable_entities {
            if let Some(entity) = doctype.entities.first() {
                return Err(XmlError::of(XmlErrorKind::EntitiesForbidden(
                    entity.name.clone(),
                )));
            }
        }
        if let Some(name) = doctype.parameter_references.first() {
            // They could pull in declarations, or external DTDs, from
            // anywhere: serialkit expands none.
            return Err(XmlError::unsupported(format!(
                "parameter entity references are not supported (%{name};)"
            )));
        }
        if options.forbid_external {
            if let Some(system) = doctype.external_subset {
                return Err(XmlError::of(XmlErrorKind::ExternalReferenceForbidden(
                    format!("external DTD {system:?}"),
                )));
            }
        }
        for decl in doctype.attributes {
            let decls = self
                .attribute_decls
                .entry(decl.element.clone())
                .or_default();
            // The first declaration of an attribute is the binding one.
            if !decls.iter().any(|known| known.name == decl.name) {
                decls.push(decl);
            }
        }
        for entity in doctype.entities {
            if entity.parameter {
                continue;
            }
            let value = match entity.value {
                EntityValue::Internal(value) => Some(replacement_text(&value)?.into()),
                EntityValue::External { system } => {
                    if options.forbid_external {
                        return Err(XmlError::of(XmlErrorKind::ExternalReferenceForbidden(
                            format!("external entity {:?} ({system:?})", entity.name),
                        )));
                    }
                    None
                }
            };
            self.entities.entry(entity.name).or_insert(value);
        }
        Ok(doctype.comments)
    }
}
