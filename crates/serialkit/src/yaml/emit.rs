//! The emitter: layout and scalar styles, driven by a walker (the core
//! model's in [`super::write`], the Python dumper's in the bindings).
//!
//! The output matches PyYAML's pure-Python emitter byte for byte, since
//! `safe_dump` promises to: the same choices of scalar style (from the
//! same analysis of each scalar), the same folding at the line width, the
//! same indentation (sequences inside mappings are not indented), `{}`/`[]`
//! for empty collections and `...` after a bare top-level plain scalar.
//! Where PyYAML keeps a queue of events to look ahead, the walker answers
//! the same questions (is the collection empty, is the key simple) when it
//! opens a node.

use std::borrow::Cow;

/// Characters that break a line.
fn is_break(c: char) -> bool {
    matches!(c, '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_space_or_break_or_nul(c: char) -> bool {
    matches!(
        c,
        '\0' | ' ' | '\t' | '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

#[derive(Clone, Debug)]
pub struct EmitOptions {
    pub indent: usize,
    pub width: usize,
    pub allow_unicode: bool,
    pub explicit_start: bool,
    /// Reproduce PyYAML's output even where it does not read back (a
    /// double-quoted scalar folded when the indentation alone is past the
    /// width).
    pub pyyaml_quirks: bool,
    /// PyYAML's `canonical`: flow collections, every node tagged, scalars
    /// double-quoted, one item per line.
    pub canonical: bool,
    /// `...` after each document.
    pub explicit_end: bool,
    /// `\n`, `\r` or `\r\n`.
    pub line_break: String,
    /// The style of scalars that do not ask for one (PyYAML's
    /// `default_style`); `Style::Any` for none.
    pub default_style: Style,
    /// Directive lines written before each document (`%YAML 1.1`,
    /// `%TAG !e! tag:example.com,2000:`), already prepared.
    pub directives: Vec<String>,
    /// Tag prefixes and their handles when `%TAG` directives change them,
    /// sorted by prefix; empty for the defaults (`!` and `!!`).
    pub tag_prefixes: Vec<(String, String)>,
}

impl Default for EmitOptions {
    fn default() -> Self {
        EmitOptions {
            indent: 2,
            width: 80,
            allow_unicode: true,
            explicit_start: false,
            pyyaml_quirks: false,
            canonical: false,
            explicit_end: false,
            line_break: "\n".into(),
            default_style: Style::Any,
            directives: Vec::new(),
            tag_prefixes: Vec::new(),
        }
    }
}

/// What the emitter learns about a scalar before choosing its style.
#[derive(Clone, Copy, Debug)]
pub struct Analysis {
    pub chars: usize,
    pub empty: bool,
    pub multiline: bool,
    pub allow_flow_plain: bool,
    pub allow_block_plain: bool,
    pub allow_single_quoted: bool,
    pub allow_block: bool,
}

/// `unicode_breaks`: NEL, LS and PS break lines, as in YAML 1.1 (PyYAML).
/// YAML 1.2 reads them as ordinary characters, so output meant for both
/// passes false and they are escaped in double quotes instead.
pub fn analyze(text: &str, allow_unicode: bool, unicode_breaks: bool) -> Analysis {
    if text.is_ascii() {
        // Bytes are characters here: no decoding, no counting.
        analyze_units(text.as_bytes(), allow_unicode, unicode_breaks)
    } else {
        let chars: Vec<char> = text.chars().collect();
        analyze_units(&chars, allow_unicode, unicode_breaks)
    }
}

/// PyYAML's `analyze_scalar` over the characters of a non-empty text.
fn analyze_units<T: Copy + Into<char>>(
    units: &[T],
    allow_unicode: bool,
    unicode_breaks: bool,
) -> Analysis {
    let total = units.len();
    if total == 0 {
        return Analysis {
            chars: 0,
            empty: true,
            multiline: false,
            allow_flow_plain: false,
            allow_block_plain: true,
            allow_single_quoted: true,
            allow_block: false,
        };
    }
    let at = |index: usize| -> char { units[index].into() };
    let mut block_indicators = false;
    let mut flow_indicators = false;
    let mut line_breaks = false;
    let mut special = false;
    let (mut leading_space, mut leading_break) = (false, false);
    let (mut trailing_space, mut trailing_break) = (false, false);
    let (mut break_space, mut space_break) = (false, false);
    if total >= 3 {
        let head = [at(0), at(1), at(2)];
        if head == ['-'; 3] || head == ['.'; 3] {
            block_indicators = true;
            flow_indicators = true;
        }
    }
    let mut preceded_by_whitespace = true;
    let (mut previous_space, mut previous_break) = (false, false);
    for index in 0..total {
        let ch = at(index);
        // Letters and digits, the bulk of most texts, affect nothing but
        // the previous-character state.
        if ch.is_ascii_alphanumeric() {
            previous_space = false;
            previous_break = false;
            preceded_by_whitespace = false;
            continue;
        }
        let followed_by_whitespace = index + 1 >= total || is_space_or_break_or_nul(at(index + 1));
        if index == 0 {
            match ch {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                '?' | ':' => {
                    flow_indicators = true;
                    block_indicators |= followed_by_whitespace;
                }
                '-' if followed_by_whitespace => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                _ => {}
            }
        } else {
            match ch {
                ',' | '?' | '[' | ']' | '{' | '}' => flow_indicators = true,
                ':' => {
                    flow_indicators = true;
                    block_indicators |= followed_by_whitespace;
                }
                '#' if preceded_by_whitespace => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                _ => {}
            }
        }
        let is_break_char = is_break(ch);
        if is_break_char {
            line_breaks = true;
        }
        if !unicode_breaks && matches!(ch, '\u{85}' | '\u{2028}' | '\u{2029}') {
            special = true;
        }
        if !(ch == '\n' || (' '..='~').contains(&ch)) {
            let unicode = (ch == '\u{85}'
                || ('\u{A0}'..='\u{D7FF}').contains(&ch)
                || ('\u{E000}'..='\u{FFFD}').contains(&ch)
                || ('\u{10000}'..'\u{10FFFF}').contains(&ch))
                && ch != '\u{FEFF}';
            if !unicode || !allow_unicode {
                special = true;
            }
        }
        if ch == ' ' {
            leading_space |= index == 0;
            trailing_space |= index == total - 1;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break_char {
            leading_break |= index == 0;
            trailing_break |= index == total - 1;
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_space_or_break_or_nul(ch);
    }
    let mut allow_flow_plain = true;
    let mut allow_block_plain = true;
    let mut allow_single_quoted = true;
    let mut allow_block = true;
    if leading_space || leading_break || trailing_space || trailing_break {
        allow_flow_plain = false;
        allow_block_plain = false;
    }
    if trailing_space {
        allow_block = false;
    }
    if break_space {
        allow_flow_plain = false;
        allow_block_plain = false;
        allow_single_quoted = false;
    }
    if space_break || special {
        allow_flow_plain = false;
        allow_block_plain = false;
        allow_single_quoted = false;
        allow_block = false;
    }
    if line_breaks {
        allow_flow_plain = false;
        allow_block_plain = false;
    }
    if flow_indicators {
        allow_flow_plain = false;
    }
    if block_indicators {
        allow_block_plain = false;
    }
    Analysis {
        chars: total,
        empty: false,
        multiline: line_breaks,
        allow_flow_plain,
        allow_block_plain,
        allow_single_quoted,
        allow_block,
    }
}

/// A scalar style a caller may ask for; the emitter falls back as PyYAML
/// does when the text does not allow it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Any,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

/// A scalar to write. `tag` is the short form (`!!str`); `plain_implicit`
/// says whether the text written plain reads back with that tag,
/// `quoted_implicit` whether it does when quoted (only strings).
#[derive(Clone, Copy, Debug)]
pub struct ScalarEvent<'a> {
    pub text: &'a str,
    pub tag: &'a str,
    pub plain_implicit: bool,
    pub quoted_implicit: bool,
    pub style: Style,
}

/// Whether a scalar key is written as a simple key (`key: value`) rather
/// than with `? `. PyYAML counts the tag it would prepare into the length.
pub fn simple_key_scalar(analysis: &Analysis, tag: &str, anchor: Option<&str>) -> bool {
    let anchor = anchor.map_or(0, str::len);
    analysis.chars + tag.chars().count() + anchor < 128 && !analysis.empty && !analysis.multiline
}

/// Whether an empty collection key is simple.
pub fn simple_key_empty_collection(tag: &str) -> bool {
    tag.chars().count() < 128
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Frame {
    BlockSequence,
    FlowSequence { first: bool },
    BlockMapping,
    FlowMapping { first: bool },
}

pub struct Emitter {
    out: String,
    best_indent: usize,
    best_width: usize,
    allow_unicode: bool,
    explicit_start: bool,
    pyyaml_quirks: bool,
    canonical: bool,
    explicit_end: bool,
    line_break: String,
    default_style: Style,
    directives: Vec<String>,
    tag_prefixes: Vec<(String, String)>,
    pending_anchor: Option<String>,
    indent: Option<usize>,
    indents: Vec<Option<usize>>,
    frames: Vec<Frame>,
    flow_level: usize,
    column: usize,
    whitespace: bool,
    indention: bool,
    open_ended: bool,
    root_context: bool,
    mapping_context: bool,
    simple_key_context: bool,
    /// The last node written was an alias, which may be a simple key.
    alias_written: bool,
    documents: usize,
}

impl Emitter {
    pub fn new(options: &EmitOptions) -> Emitter {
        let best_indent = if (2..10).contains(&options.indent) {
            options.indent
        } else {
            2
        };
        let best_width = if options.width > best_indent * 2 {
            options.width
        } else {
            80
        };
        Emitter {
            out: String::new(),
            best_indent,
            best_width,
            allow_unicode: options.allow_unicode,
            explicit_start: options.explicit_start,
            pyyaml_quirks: options.pyyaml_quirks,
            canonical: options.canonical,
            explicit_end: options.explicit_end,
            line_break: match options.line_break.as_str() {
                "\r" | "\n" | "\r\n" => options.line_break.clone(),
                _ => "\n".into(),
            },
            default_style: options.default_style,
            directives: options.directives.clone(),
            tag_prefixes: options.tag_prefixes.clone(),
            pending_anchor: None,
            indent: None,
            indents: Vec::new(),
            frames: Vec::new(),
            flow_level: 0,
            column: 0,
            whitespace: true,
            indention: true,
            open_ended: false,
            root_context: false,
            mapping_context: false,
            simple_key_context: false,
            alias_written: false,
            documents: 0,
        }
    }

    pub fn analyze(&self, text: &str) -> Analysis {
        analyze(text, self.allow_unicode, self.pyyaml_quirks)
    }

    pub fn in_flow(&self) -> bool {
        self.flow_level > 0
    }

    pub fn finish(mut self) -> String {
        if self.open_ended {
            self.write_indicator("...", true, false, false);
            self.write_indent();
        }
        self.out
    }

    pub fn document_start(&mut self) {
        let directives = !self.directives.is_empty();
        if directives && self.open_ended {
            self.write_indicator("...", true, false, false);
            self.write_indent();
        }
        for index in 0..self.directives.len() {
            // Written raw, as PyYAML writes directives (the column is reset
            // by the line break).
            self.out.push_str(&self.directives[index]);
            self.write_line_break(None);
        }
        let implicit =
            self.documents == 0 && !self.explicit_start && !self.canonical && !directives;
        self.documents += 1;
        if !implicit {
            self.write_indent();
            self.write_indicator("---", true, false, false);
            if self.canonical {
                self.write_indent();
            }
        }
        self.set_context(true, false, false);
    }

    pub fn document_end(&mut self) {
        self.write_indent();
        if self.explicit_end {
            self.write_indicator("...", true, false, false);
            self.write_indent();
        }
    }

    /// A tag as written: the short form (`!!str`) unless `%TAG`
    /// directives changed the handles (see [`super::tags::prepare`]).
    pub fn prepare_tag<'t>(&self, tag: &'t str) -> Cow<'t, str> {
        if self.tag_prefixes.is_empty() {
            return Cow::Borrowed(tag);
        }
        Cow::Owned(super::tags::prepare(tag, &self.tag_prefixes))
    }

    fn set_context(&mut self, root: bool, mapping: bool, simple_key: bool) {
        self.root_context = root;
        self.mapping_context = mapping;
        self.simple_key_context = simple_key;
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        self.indent = match self.indent {
            None if flow => Some(self.best_indent),
            None => Some(0),
            Some(indent) if !indentless => Some(indent + self.best_indent),
            same => same,
        };
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().flatten();
    }

    /// Gives the next node an anchor (`&name`).
    pub fn anchor(&mut self, name: &str) {
        self.pending_anchor = Some(name.to_owned());
    }

    /// Writes an alias (`*name`) in place of a node.
    pub fn alias(&mut self, name: &str) {
        self.write_indicator(&format!("*{name}"), true, false, false);
        self.alias_written = true;
    }

    fn write_anchor(&mut self) {
        if let Some(name) = self.pending_anchor.take() {
            self.write_indicator(&format!("&{name}"), true, false, false);
        }
    }

    fn write_tag(&mut self, tag: Option<&str>) {
        self.write_anchor();
        if let Some(tag) = tag {
            let tag = self.prepare_tag(tag).into_owned();
            self.write_indicator(&tag, true, false, false);
        }
    }

    /// Opens a sequence. `tag` is written when given (the collection is not
    /// implicit).
    pub fn sequence_start(&mut self, tag: Option<&str>, flow: bool, empty: bool) {
        self.write_tag(tag.or(self.canonical.then_some("!!seq")));
        if self.flow_level > 0 || flow || empty || self.canonical {
            self.write_indicator("[", true, true, false);
            self.flow_level += 1;
            self.increase_indent(true, false);
            self.frames.push(Frame::FlowSequence { first: true });
        } else {
            let indentless = self.mapping_context && !self.indention;
            self.increase_indent(false, indentless);
            self.frames.push(Frame::BlockSequence);
        }
    }

    /// Before each item of the current sequence.
    pub fn item(&mut self) {
        match self.frames.last_mut() {
            Some(Frame::FlowSequence { first }) => {
                let was_first = std::mem::replace(first, false);
                if !was_first {
                    self.write_indicator(",", false, false, false);
                }
                if self.canonical || self.column > self.best_width {
                    self.write_indent();
                }
            }
            _ => {
                self.write_indent();
                self.write_indicator("-", true, false, true);
            }
        }
        self.set_context(false, false, false);
    }

    pub fn sequence_end(&mut self) {
        let flow = match self.frames.pop() {
            Some(Frame::FlowSequence { first }) => Some(first),
            _ => None,
        };
        self.collection_end(flow, "]");
    }

    /// Closes a collection; `flow` holds, for a flow collection, whether it
    /// is still empty (canonical output ends a non-empty one with a comma).
    fn collection_end(&mut self, flow: Option<bool>, close: &str) {
        self.pop_indent();
        if let Some(first) = flow {
            self.flow_level -= 1;
            if self.canonical && !first {
                self.write_indicator(",", false, false, false);
                self.write_indent();
            }
            self.write_indicator(close, false, false, false);
        }
    }

    pub fn mapping_start(&mut self, tag: Option<&str>, flow: bool, empty: bool) {
        self.write_tag(tag.or(self.canonical.then_some("!!map")));
        if self.flow_level > 0 || flow || empty || self.canonical {
            self.write_indicator("{", true, true, false);
            self.flow_level += 1;
            self.increase_indent(true, false);
            self.frames.push(Frame::FlowMapping { first: true });
        } else {
            self.increase_indent(false, false);
            self.frames.push(Frame::BlockMapping);
        }
    }

    /// Before each key; `simple` as decided by [`simple_key_scalar`] (false
    /// for a non-empty collection).
    pub fn key(&mut self, simple: bool) {
        self.alias_written = false;
        let simple = simple && !self.canonical;
        match self.frames.last_mut() {
            Some(Frame::FlowMapping { first }) => {
                let was_first = std::mem::replace(first, false);
                if !was_first {
                    self.write_indicator(",", false, false, false);
                }
                if self.canonical || self.column > self.best_width {
                    self.write_indent();
                }
                if !simple {
                    self.write_indicator("?", true, false, false);
                }
            }
            _ => {
                self.write_indent();
                if !simple {
                    self.write_indicator("?", true, false, true);
                }
            }
        }
        self.set_context(false, true, simple);
    }

    pub fn value(&mut self, simple: bool) {
        let simple = simple && !self.canonical;
        let flow = matches!(self.frames.last(), Some(Frame::FlowMapping { .. }));
        // After an alias key PyYAML writes `*a: v`, which YAML 1.2 reads
        // as an alias named `a:`; `*a : v` reads back everywhere.
        let alias_key = std::mem::take(&mut self.alias_written) && !self.pyyaml_quirks;
        if simple {
            self.write_indicator(":", alias_key, false, false);
        } else if flow {
            if self.canonical || self.column > self.best_width {
                self.write_indent();
            }
            self.write_indicator(":", true, false, false);
        } else {
            self.write_indent();
            self.write_indicator(":", true, false, true);
        }
        self.set_context(false, true, false);
    }

    pub fn mapping_end(&mut self) {
        let flow = match self.frames.pop() {
            Some(Frame::FlowMapping { first }) => Some(first),
            _ => None,
        };
        self.collection_end(flow, "}");
    }

    fn choose_style(&self, event: &ScalarEvent<'_>, analysis: &Analysis) -> Style {
        if event.style == Style::DoubleQuoted || self.canonical {
            return Style::DoubleQuoted;
        }
        // `Style::Any` stands for PyYAML's "no style" (plain if possible).
        if event.style == Style::Any
            && event.plain_implicit
            && !(self.simple_key_context && (analysis.empty || analysis.multiline))
            && ((self.flow_level > 0 && analysis.allow_flow_plain)
                || (self.flow_level == 0 && analysis.allow_block_plain))
        {
            return Style::Any;
        }
        if matches!(event.style, Style::Literal | Style::Folded)
            && self.flow_level == 0
            && !self.simple_key_context
            && analysis.allow_block
        {
            return event.style;
        }
        if matches!(event.style, Style::Any | Style::SingleQuoted)
            && analysis.allow_single_quoted
            && !(self.simple_key_context && analysis.multiline)
        {
            return Style::SingleQuoted;
        }
        Style::DoubleQuoted
    }

    /// Writes a scalar, with its analysis when the caller already made it
    /// (to decide whether a key is simple).
    pub fn scalar(&mut self, event: &ScalarEvent<'_>, analysis: Option<Analysis>) {
        let analysis = analysis.unwrap_or_else(|| self.analyze(event.text));
        let mut event = *event;
        if event.style == Style::Any {
            event.style = self.default_style;
        }
        let style = self.choose_style(&event, &analysis);
        self.write_anchor();
        let implicit = if style == Style::Any {
            event.plain_implicit
        } else {
            event.quoted_implicit
        };
        if !implicit || self.canonical {
            let tag = self.prepare_tag(event.tag).into_owned();
            self.write_indicator(&tag, true, false, false);
        }
        self.increase_indent(true, false);
        let split = !self.simple_key_context;
        match style {
            Style::DoubleQuoted => self.write_double_quoted(event.text, split),
            Style::SingleQuoted => self.write_single_quoted(event.text, split),
            Style::Folded => self.write_folded(event.text),
            Style::Literal => self.write_literal(event.text),
            Style::Any => self.write_plain(event.text, split),
        }
        self.pop_indent();
    }

    fn write_raw(&mut self, text: &str) {
        self.column += text.chars().count();
        self.out.push_str(text);
    }

    fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        whitespace: bool,
        indention: bool,
    ) {
        if !self.whitespace && need_whitespace {
            self.out.push(' ');
            self.column += 1;
        }
        self.whitespace = whitespace;
        self.indention = self.indention && indention;
        self.write_raw(indicator);
        self.open_ended = false;
    }

    fn write_indent(&mut self) {
        let indent = self.indent.unwrap_or(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.write_line_break(None);
        }
        if self.column < indent {
            self.whitespace = true;
            for _ in self.column..indent {
                self.out.push(' ');
            }
            self.column = indent;
        }
    }

    fn write_line_break(&mut self, data: Option<char>) {
        self.whitespace = true;
        self.indention = true;
        self.column = 0;
        match data {
            Some(br) => self.out.push(br),
            None => self.out.push_str(&self.line_break),
        }
    }

    /// Whether scalars written with no style of their own get one.
    pub fn has_default_style(&self) -> bool {
        self.default_style != Style::Any
    }

    fn write_breaks(&mut self, breaks: &str) {
        for br in breaks.chars() {
            self.write_line_break(if br == '\n' { None } else { Some(br) });
        }
    }

    fn write_plain(&mut self, text: &str, split: bool) {
        if self.root_context {
            self.open_ended = true;
        }
        if text.is_empty() {
            return;
        }
        if !self.whitespace {
            self.out.push(' ');
            self.column += 1;
        }
        self.whitespace = false;
        self.indention = false;
        if self.fits_unbroken(text, split) {
            self.write_raw(text);
            return;
        }
        let (mut spaces, mut breaks) = (false, false);
        let mut start = 0;
        for (end, ch) in positions(text) {
            if spaces {
                if ch != Some(' ') {
                    if start + 1 == end && self.column > self.best_width && split {
                        self.write_indent();
                        self.whitespace = false;
                        self.indention = false;
                    } else {
                        self.write_raw(&text[start..end]);
                    }
                    start = end;
                }
            } else if breaks {
                if !ch.is_some_and(is_break) {
                    if text[start..].starts_with('\n') {
                        self.write_line_break(None);
                    }
                    self.write_breaks(&text[start..end]);
                    self.write_indent();
                    self.whitespace = false;
                    self.indention = false;
                    start = end;
                }
            } else if ch.is_none_or(|c| c == ' ' || is_break(c)) {
                self.write_raw(&text[start..end]);
                start = end;
            }
            if let Some(c) = ch {
                spaces = c == ' ';
                breaks = is_break(c);
            }
        }
    }

    /// Whether `text` can be written as it is: no line breaks, and no
    /// space where the line would be folded (a fold needs the column past
    /// the width at a space, and the column only grows along the text).
    fn fits_unbroken(&self, text: &str, split: bool) -> bool {
        if text.is_ascii() {
            return !text.as_bytes().contains(&b'\n')
                && (!split || self.column + text.len() <= self.best_width || !text.contains(' '));
        }
        !text.contains(is_break)
            && (!split
                || !text.contains(' ')
                || self.column + text.chars().count() <= self.best_width)
    }

    fn write_single_quoted(&mut self, text: &str, split: bool) {
        self.write_indicator("'", true, false, false);
        if !text.contains('\'') && self.fits_unbroken(text, split) {
            self.write_raw(text);
            self.write_indicator("'", false, false, false);
            return;
        }
        let (mut spaces, mut breaks) = (false, false);
        let mut start = 0;
        for (end, ch) in positions(text) {
            if spaces {
                if ch != Some(' ') {
                    if start + 1 == end
                        && self.column > self.best_width
                        && split
                        && start != 0
                        && end != text.len()
                    {
                        self.write_indent();
                    } else {
                        self.write_raw(&text[start..end]);
                    }
                    start = end;
                }
            } else if breaks {
                if !ch.is_some_and(is_break) {
                    if text[start..].starts_with('\n') {
                        self.write_line_break(None);
                    }
                    self.write_breaks(&text[start..end]);
                    self.write_indent();
                    start = end;
                }
            } else if ch.is_none_or(|c| c == ' ' || c == '\'' || is_break(c)) && start < end {
                self.write_raw(&text[start..end]);
                start = end;
            }
            if ch == Some('\'') {
                self.write_raw("''");
                start = end + 1;
            }
            if let Some(c) = ch {
                spaces = c == ' ';
                breaks = is_break(c);
            }
        }
        self.write_indicator("'", false, false, false);
    }

    fn write_double_quoted(&mut self, text: &str, split: bool) {
        self.write_indicator("\"", true, false, false);
        let mut start = 0;
        let total = text.chars().count();
        // PyYAML folds again right after a fold when the indentation alone
        // passes the width, writing a line of `\\` that does not read back.
        // Only PyYAML-compatible output keeps that.
        let mut just_folded = false;
        for (index, (end, ch)) in positions(text).enumerate() {
            let escape = match ch {
                None => true,
                Some(c) => {
                    matches!(
                        c,
                        '"' | '\\' | '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}'
                    ) || !((' '..='~').contains(&c)
                        || (self.allow_unicode
                            && (('\u{A0}'..='\u{D7FF}').contains(&c)
                                || ('\u{E000}'..='\u{FFFD}').contains(&c))))
                }
            };
            if escape {
                if start < end {
                    self.write_raw(&text[start..end]);
                    just_folded = false;
                    start = end;
                }
                if let Some(c) = ch {
                    let data = match c {
                        '\0' => "\\0".to_owned(),
                        '\x07' => "\\a".to_owned(),
                        '\x08' => "\\b".to_owned(),
                        '\t' => "\\t".to_owned(),
                        '\n' => "\\n".to_owned(),
                        '\x0B' => "\\v".to_owned(),
                        '\x0C' => "\\f".to_owned(),
                        '\r' => "\\r".to_owned(),
                        '\x1B' => "\\e".to_owned(),
                        '"' => "\\\"".to_owned(),
                        '\\' => "\\\\".to_owned(),
                        '\u{85}' => "\\N".to_owned(),
                        '\u{A0}' => "\\_".to_owned(),
                        '\u{2028}' => "\\L".to_owned(),
                        '\u{2029}' => "\\P".to_owned(),
                        c if (c as u32) <= 0xFF => format!("\\x{:02X}", c as u32),
                        c if (c as u32) <= 0xFFFF => format!("\\u{:04X}", c as u32),
                        c => format!("\\U{:08X}", c as u32),
                    };
                    self.write_raw(&data);
                    just_folded = false;
                    start = end + ch.map_or(0, char::len_utf8);
                }
            }
            // After an escape, `start` is one character past `end`.
            let pending = if start <= end {
                text[start..end].chars().count() as isize
            } else {
                -(text[end..start].chars().count() as isize)
            };
            if index > 0
                && index + 1 < total
                && (ch == Some(' ') || start >= end)
                && self.column as isize + pending > self.best_width as isize
                && split
                && (self.pyyaml_quirks || !just_folded)
            {
                just_folded = true;
                let run = if start < end { &text[start..end] } else { "" };
                let data = format!("{run}\\");
                if start < end {
                    start = end;
                }
                self.write_raw(&data);
                self.write_indent();
                self.whitespace = false;
                self.indention = false;
                if text[start..].starts_with(' ') {
                    self.write_raw("\\");
                }
            }
        }
        self.write_indicator("\"", false, false, false);
    }

    fn block_hints(&self, text: &str) -> String {
        let mut hints = String::new();
        let mut chars = text.chars();
        if let Some(first) = chars.clone().next() {
            if first == ' ' || is_break(first) {
                hints.push_str(&self.best_indent.to_string());
            }
            let last = chars.next_back();
            let before_last = chars.next_back();
            if !last.is_some_and(is_break) {
                hints.push('-');
            } else if before_last.is_none_or(is_break) {
                hints.push('+');
            }
        }
        hints
    }

    fn write_literal(&mut self, text: &str) {
        let hints = self.block_hints(text);
        self.write_indicator(&format!("|{hints}"), true, false, false);
        if hints.ends_with('+') {
            self.open_ended = true;
        }
        self.write_line_break(None);
        let mut breaks = true;
        let mut start = 0;
        for (end, ch) in positions(text) {
            if breaks {
                if !ch.is_some_and(is_break) {
                    self.write_breaks(&text[start..end]);
                    if ch.is_some() {
                        self.write_indent();
                    }
                    start = end;
                }
            } else if ch.is_none_or(is_break) {
                self.out.push_str(&text[start..end]);
                if ch.is_none() {
                    self.write_line_break(None);
                }
                start = end;
            }
            if let Some(c) = ch {
                breaks = is_break(c);
            }
        }
    }

    fn write_folded(&mut self, text: &str) {
        let hints = self.block_hints(text);
        self.write_indicator(&format!(">{hints}"), true, false, false);
        if hints.ends_with('+') {
            self.open_ended = true;
        }
        self.write_line_break(None);
        let mut leading_space = true;
        let (mut spaces, mut breaks) = (false, true);
        let mut start = 0;
        for (end, ch) in positions(text) {
            if breaks {
                if !ch.is_some_and(is_break) {
                    if !leading_space
                        && ch.is_some_and(|c| c != ' ')
                        && text[start..].starts_with('\n')
                    {
                        self.write_line_break(None);
                    }
                    leading_space = ch == Some(' ');
                    self.write_breaks(&text[start..end]);
                    if ch.is_some() {
                        self.write_indent();
                    }
                    start = end;
                }
            } else if spaces {
                if ch != Some(' ') {
                    if start + 1 == end && self.column > self.best_width {
                        self.write_indent();
                    } else {
                        self.write_raw(&text[start..end]);
                    }
                    start = end;
                }
            } else if ch.is_none_or(|c| c == ' ' || is_break(c)) {
                self.write_raw(&text[start..end]);
                if ch.is_none() {
                    self.write_line_break(None);
                }
                start = end;
            }
            if let Some(c) = ch {
                breaks = is_break(c);
                spaces = c == ' ';
            }
        }
    }
}

/// Each character with its byte position, then the end with `None`.
fn positions(text: &str) -> impl Iterator<Item = (usize, Option<char>)> + '_ {
    text.char_indices()
        .map(|(at, c)| (at, Some(c)))
        .chain(std::iter::once((text.len(), None)))
}
