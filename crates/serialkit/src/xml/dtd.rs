//! The document type declaration: what it names, whether it points outside
//! the document, and the entities its internal subset declares. Nothing is
//! ever fetched; markup declarations other than entities are skipped.

use super::error::XmlError;
use super::names::is_name;

#[derive(Debug, Default)]
pub struct Doctype {
    /// The SYSTEM identifier of an external subset, if any.
    pub external_subset: Option<String>,
    pub entities: Vec<EntityDecl>,
    pub attributes: Vec<AttributeDecl>,
    /// Comments of the internal subset, which expat reports as comments.
    pub comments: Vec<String>,
    /// Parameter-entity references (`%name;`) between declarations, which
    /// serialkit expands nowhere: the reader refuses them, after deciding
    /// on the entities declared.
    pub parameter_references: Vec<String>,
}

/// One attribute of an `<!ATTLIST>`.
#[derive(Clone, Debug)]
pub struct AttributeDecl {
    pub element: String,
    pub name: String,
    /// The literal default value, if it has one.
    pub default: Option<String>,
    /// Declared with a type other than CDATA: values are then trimmed and
    /// their runs of spaces collapsed.
    pub tokenized: bool,
}

#[derive(Debug)]
pub struct EntityDecl {
    pub name: String,
    pub parameter: bool,
    pub value: EntityValue,
}

#[derive(Debug)]
pub enum EntityValue {
    /// The literal value, character references not yet resolved.
    Internal(String),
    External {
        system: String,
    },
}

struct Scanner<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Scanner<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.at..]
    }

    fn skip_space(&mut self) {
        let rest = self.rest();
        self.at += rest.len() - rest.trim_start_matches([' ', '\t', '\r', '\n']).len();
    }

    fn eat(&mut self, prefix: &str) -> bool {
        if self.rest().starts_with(prefix) {
            self.at += prefix.len();
            true
        } else {
            false
        }
    }

    fn name(&mut self) -> Result<&'a str, XmlError> {
        let rest = self.rest();
        let end = rest
            .find(|c: char| {
                c.is_whitespace() || matches!(c, '>' | '[' | ']' | ';' | '"' | '\'' | '%')
            })
            .unwrap_or(rest.len());
        if end == 0 {
            return Err(XmlError::syntax("syntax error"));
        }
        self.at += end;
        Ok(&rest[..end])
    }

    fn literal(&mut self) -> Result<&'a str, XmlError> {
        let rest = self.rest();
        let quote = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => q,
            _ => return Err(XmlError::syntax("syntax error")),
        };
        match rest[1..].find(quote) {
            Some(end) => {
                self.at += end + 2;
                Ok(&rest[1..end + 1])
            }
            None => Err(XmlError::syntax("unclosed token")),
        }
    }

    /// `SYSTEM "uri"` or `PUBLIC "id" "uri"`; returns the system id.
    fn external_id(&mut self) -> Result<Option<&'a str>, XmlError> {
        if self.eat("SYSTEM") {
            self.skip_space();
            return self.literal().map(Some);
        }
        if self.eat("PUBLIC") {
            self.skip_space();
            self.literal()?;
            self.skip_space();
            return self.literal().map(Some);
        }
        Ok(None)
    }

    /// Skips a declaration up to its closing `>`, past quoted strings.
    fn skip_declaration(&mut self) -> Result<(), XmlError> {
        let mut quote = None;
        for (offset, c) in self.rest().char_indices() {
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), _) if q == c => quote = None,
                (None, '>') => {
                    self.at += offset + 1;
                    return Ok(());
                }
                _ => {}
            }
        }
        Err(XmlError::syntax("unclosed token"))
    }

    fn skip_past(&mut self, end: &str) -> Result<(), XmlError> {
        match self.rest().find(end) {
            Some(at) => {
                self.at += at + end.len();
                Ok(())
            }
            None => Err(XmlError::syntax("unclosed token")),
        }
    }
}

/// Parses the content of `<!DOCTYPE ...>` as quick-xml hands it over.
pub fn parse(content: &str) -> Result<Doctype, XmlError> {
    let mut scanner = Scanner {
        text: content,
        at: 0,
    };
    let mut doctype = Doctype::default();
    scanner.skip_space();
    if !is_name(scanner.name()?) {
        return Err(XmlError::syntax("syntax error"));
    }
    scanner.skip_space();
    doctype.external_subset = scanner.external_id()?.map(str::to_owned);
    scanner.skip_space();
    if !scanner.eat("[") {
        if !scanner.rest().trim().is_empty() {
            return Err(XmlError::syntax("syntax error"));
        }
        return Ok(doctype);
    }
    loop {
        scanner.skip_space();
        if scanner.eat("]") {
            if !scanner.rest().trim().is_empty() {
                return Err(XmlError::syntax("syntax error"));
            }
            return Ok(doctype);
        }
        if scanner.rest().is_empty() {
            return Err(XmlError::syntax("unclosed token"));
        }
        if scanner.eat("<!--") {
            let start = scanner.at;
            scanner.skip_past("-->")?;
            doctype
                .comments
                .push(content[start..scanner.at - 3].to_owned());
        } else if scanner.eat("<?") {
            scanner.skip_past("?>")?;
        } else if scanner.eat("<!ENTITY") {
            doctype.entities.push(entity(&mut scanner)?);
        } else if scanner.eat("<!ATTLIST") {
            attlist(&mut scanner, &mut doctype.attributes)?;
        } else if scanner.eat("<!ELEMENT") || scanner.eat("<!NOTATION") {
            if scanner.rest().starts_with(|c: char| !c.is_whitespace()) {
                return Err(XmlError::syntax("syntax error"));
            }
            scanner.skip_declaration()?;
        } else if scanner.eat("%") {
            let name = scanner.name()?;
            if !scanner.eat(";") {
                return Err(XmlError::syntax("syntax error"));
            }
            doctype.parameter_references.push(name.to_owned());
        } else {
            return Err(XmlError::syntax("syntax error"));
        }
    }
}

/// `<!ATTLIST element (name type default)*>`: what expat applies to start
/// tags: defaults for attributes left out, normalisation of tokenized ones.
fn attlist(scanner: &mut Scanner<'_>, decls: &mut Vec<AttributeDecl>) -> Result<(), XmlError> {
    if !scanner.rest().starts_with(char::is_whitespace) {
        return Err(XmlError::syntax("syntax error"));
    }
    scanner.skip_space();
    let element = scanner.name()?.to_owned();
    if !is_name(&element) {
        return Err(XmlError::syntax("syntax error"));
    }
    loop {
        scanner.skip_space();
        if scanner.eat(">") {
            return Ok(());
        }
        let name = scanner.name()?.to_owned();
        if !is_name(&name) {
            return Err(XmlError::syntax("syntax error"));
        }
        scanner.skip_space();
        let tokenized = if scanner.eat("(") {
            scanner.skip_past(")")?;
            true
        } else {
            let kind = scanner.name()?;
            if kind == "NOTATION" {
                scanner.skip_space();
                scanner.eat("(");
                scanner.skip_past(")")?;
            } else if !matches!(
                kind,
                "CDATA"
                    | "ID"
                    | "IDREF"
                    | "IDREFS"
                    | "ENTITY"
                    | "ENTITIES"
                    | "NMTOKEN"
                    | "NMTOKENS"
            ) {
                return Err(XmlError::syntax("syntax error"));
            }
            kind != "CDATA"
        };
        if !scanner.rest().starts_with(char::is_whitespace) {
            return Err(XmlError::syntax("syntax error"));
        }
        scanner.skip_space();
        let default = if scanner.eat("#REQUIRED") || scanner.eat("#IMPLIED") {
            None
        } else {
            if scanner.eat("#FIXED") {
                scanner.skip_space();
            }
            let value = scanner.literal()?;
            if value.contains('<') {
                return Err(XmlError::syntax("not well-formed (invalid token)"));
            }
            Some(value.to_owned())
        };
        decls.push(AttributeDecl {
            element: element.clone(),
            name,
            default,
            tokenized,
        });
    }
}

fn entity(scanner: &mut Scanner<'_>) -> Result<EntityDecl, XmlError> {
    scanner.skip_space();
    let parameter = scanner.eat("%");
    scanner.skip_space();
    let name = scanner.name()?.to_owned();
    scanner.skip_space();
    let value = match scanner.external_id()? {
        Some(system) => EntityValue::External {
            system: system.to_owned(),
        },
        None => EntityValue::Internal(scanner.literal()?.to_owned()),
    };
    scanner.skip_declaration()?;
    Ok(EntityDecl {
        name,
        parameter,
        value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_entities_and_the_external_subset() {
        let doctype = parse(
            " r SYSTEM \"http://x/r.dtd\" [\n<!ELEMENT r ANY>\n<!ENTITY a \"x>y\">\n<!ENTITY b SYSTEM \"file:///etc/passwd\">\n<!-- ] -->\n]",
        )
        .unwrap();
        assert_eq!(doctype.external_subset.as_deref(), Some("http://x/r.dtd"));
        assert_eq!(doctype.entities.len(), 2);
        assert!(matches!(&doctype.entities[0].value, EntityValue::Internal(v) if v == "x>y"));
        assert!(
            matches!(&doctype.entities[1].value, EntityValue::External { system } if system == "file:///etc/passwd")
        );
    }

    #[test]
    fn reads_attribute_defaults() {
        let doctype =
            parse(" r [<!ATTLIST r a CDATA \"x\" b (p|q) 'p' c ID #IMPLIED d CDATA #FIXED \"f\">]")
                .unwrap();
        let found: Vec<_> = doctype
            .attributes
            .iter()
            .map(|d| format!("{}.{}={:?}/{}", d.element, d.name, d.default, d.tokenized))
            .collect();
        assert_eq!(
            found,
            [
                "r.a=Some(\"x\")/false",
                "r.b=Some(\"p\")/true",
                "r.c=None/true",
                "r.d=Some(\"f\")/false"
            ]
        );
    }
}
