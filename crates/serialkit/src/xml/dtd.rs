//! The document type declaration: what it names, whether it points outside
//! the document, and what its internal subset declares, checked as expat
//! checks it (content models, attribute types and defaults, entity and
//! notation declarations). Nothing is ever fetched.

use super::dtd_lex::{Lexer, Tok};
use super::error::XmlError;

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

/// Parses the content of `<!DOCTYPE ...>` as quick-xml hands it over
/// (after `<!DOCTYPE`, before the closing `>`); `base` is where that
/// content starts in the document, for the positions of errors;
/// `namespaces` forbids colons in processing instructions' targets.
pub fn parse(content: &str, base: u64, namespaces: bool) -> Result<Doctype, XmlError> {
    // The closing `>` quick-xml took off is one more token.
    let text = format!("{content}>");
    let mut lexer = Lexer::new(&text, base, namespaces);
    let doctype = declaration(&mut lexer)?;
    match lexer.next()? {
        (_, Tok::Eof) => Ok(doctype),
        (at, _) => Err(lexer.syntax(at)),
    }
}

/// Reads a DOCTYPE from `text` (the document after `<!DOCTYPE`) to its
/// closing `>`, for where its first fault is when quick-xml could not
/// find its end.
pub(super) fn check_prefix(text: &str, base: u64, namespaces: bool) -> Result<(), XmlError> {
    let mut lexer = Lexer::new(text, base, namespaces);
    declaration(&mut lexer).map(drop)
}

fn declaration(lexer: &mut Lexer<'_>) -> Result<Doctype, XmlError> {
    let mut doctype = Doctype::default();
    let (at, tok) = lexer.next()?;
    match tok {
        Tok::Name(name) if lexer.is_name(name) => {}
        Tok::Eof => return Err(lexer.error("unclosed token", 0)),
        _ => return Err(lexer.syntax(at)),
    }
    let (mut at, mut tok) = lexer.next()?;
    if let Some(system) = external_id(lexer, at, &tok, true)? {
        doctype.external_subset = system.map(str::to_owned);
        (at, tok) = lexer.next()?;
    }
    if tok == Tok::OpenBracket {
        subset(lexer, &mut doctype)?;
        (at, tok) = lexer.next()?;
    }
    if tok != Tok::End {
        return Err(lexer.syntax(at));
    }
    Ok(doctype)
}

const PUBID_PUNCTUATION: &str = " \r\n-'()+,./:=?;!*#@$_%";

/// `SYSTEM "uri"` or `PUBLIC "id" "uri"` starting at `tok`: `None` if
/// `tok` starts neither, else the system literal (which a notation may
/// leave out when `system_required` is false).
fn external_id<'a>(
    lexer: &mut Lexer<'a>,
    at: usize,
    tok: &Tok<'a>,
    system_required: bool,
) -> Result<Option<Option<&'a str>>, XmlError> {
    match tok {
        Tok::Name("SYSTEM") => match lexer.next()? {
            (_, Tok::Literal(system)) => Ok(Some(Some(system))),
            (at, _) => Err(lexer.syntax(at)),
        },
        Tok::Name("PUBLIC") => {
            let (id_at, id) = match lexer.next()? {
                (id_at, Tok::Literal(id)) => (id_at, id),
                (at, _) => return Err(lexer.syntax(at)),
            };
            if let Some((bad, _)) = id
                .char_indices()
                .find(|&(_, c)| !c.is_ascii_alphanumeric() && !PUBID_PUNCTUATION.contains(c))
            {
                return Err(lexer.error("illegal character(s) in public id", id_at + 1 + bad));
            }
            if !system_required {
                return Ok(Some(None));
            }
            match lexer.next()? {
                (_, Tok::Literal(system)) => Ok(Some(Some(system))),
                (at, _) => Err(lexer.syntax(at)),
            }
        }
        _ => {
            let _ = at;
            Ok(None)
        }
    }
}

fn subset(lexer: &mut Lexer<'_>, doctype: &mut Doctype) -> Result<(), XmlError> {
    loop {
        let (at, tok) = lexer.next()?;
        match tok {
            Tok::CloseBracket => return Ok(()),
            Tok::Comment(text) => doctype.comments.push(text.to_owned()),
            Tok::Pi => {}
            Tok::PeRef(name) => doctype.parameter_references.push(name.to_owned()),
            Tok::DeclOpen("ELEMENT") => element(lexer)?,
            Tok::DeclOpen("ATTLIST") => attlist(lexer, &mut doctype.attributes)?,
            Tok::DeclOpen("ENTITY") => doctype.entities.push(entity(lexer)?),
            Tok::DeclOpen("NOTATION") => notation(lexer)?,
            _ => return Err(lexer.syntax(at)),
        }
    }
}

fn expect_name<'a>(lexer: &mut Lexer<'a>) -> Result<&'a str, XmlError> {
    match lexer.next()? {
        (_, Tok::Name(name)) if lexer.is_name(name) => Ok(name),
        (at, _) => Err(lexer.syntax(at)),
    }
}

fn expect_end(lexer: &mut Lexer<'_>) -> Result<(), XmlError> {
    match lexer.next()? {
        (_, Tok::End) => Ok(()),
        (at, _) => Err(lexer.syntax(at)),
    }
}

/// `<!ELEMENT name (EMPTY | ANY | mixed | children)>`.
fn element(lexer: &mut Lexer<'_>) -> Result<(), XmlError> {
    expect_name(lexer)?;
    match lexer.next()? {
        (_, Tok::Name("EMPTY" | "ANY")) => {}
        (_, Tok::Open) => match lexer.next()? {
            (_, Tok::Pound("PCDATA")) => mixed(lexer)?,
            (at, tok) => group(lexer, at, tok)?,
        },
        (at, _) => return Err(lexer.syntax(at)),
    }
    expect_end(lexer)
}

/// The rest of `(#PCDATA | a | b)*` or `(#PCDATA)`.
fn mixed(lexer: &mut Lexer<'_>) -> Result<(), XmlError> {
    let mut names = false;
    loop {
        match lexer.next()? {
            (at, Tok::Close(quant)) => {
                let closes = if names {
                    quant == Some('*')
                } else {
                    matches!(quant, None | Some('*'))
                };
                return if closes {
                    Ok(())
                } else {
                    Err(lexer.syntax(at))
                };
            }
            (_, Tok::Or) => {
                expect_name(lexer)?;
                names = true;
            }
            (at, _) => return Err(lexer.syntax(at)),
        }
    }
}

/// A choice or sequence after its `(`, from its first token on.
fn group<'a>(lexer: &mut Lexer<'a>, at: usize, first: Tok<'a>) -> Result<(), XmlError> {
    particle(lexer, at, first)?;
    let mut separator = None;
    loop {
        let (at, tok) = lexer.next()?;
        match tok {
            Tok::Close(_) => return Ok(()),
            Tok::Or | Tok::Comma => {
                let is_or = tok == Tok::Or;
                if separator.is_some_and(|known| known != is_or) {
                    return Err(lexer.syntax(at));
                }
                separator = Some(is_or);
                let (at, tok) = lexer.next()?;
                particle(lexer, at, tok)?;
            }
            _ => return Err(lexer.syntax(at)),
        }
    }
}

fn particle<'a>(lexer: &mut Lexer<'a>, at: usize, tok: Tok<'a>) -> Result<(), XmlError> {
    match tok {
        Tok::Name(name) | Tok::NameQuant(name) if lexer.is_name(name) => Ok(()),
        Tok::Open => {
            let (at, first) = lexer.next()?;
            group(lexer, at, first)
        }
        _ => Err(lexer.syntax(at)),
    }
}

/// `<!ATTLIST element (name type default)*>`: what expat applies to start
/// tags: defaults for attributes left out, normalisation of tokenized ones.
fn attlist(lexer: &mut Lexer<'_>, decls: &mut Vec<AttributeDecl>) -> Result<(), XmlError> {
    let element = expect_name(lexer)?.to_owned();
    loop {
        let name = match lexer.next()? {
            (_, Tok::End) => return Ok(()),
            (_, Tok::Name(name)) if lexer.is_name(name) => name.to_owned(),
            (at, _) => return Err(lexer.syntax(at)),
        };
        let tokenized = match lexer.next()? {
            (
                _,
                Tok::Name(
                    kind @ ("CDATA" | "ID" | "IDREF" | "IDREFS" | "ENTITY" | "ENTITIES" | "NMTOKEN"
                    | "NMTOKENS"),
                ),
            ) => kind != "CDATA",
            (_, Tok::Name("NOTATION")) => {
                match lexer.next()? {
                    (_, Tok::Open) => {}
                    (at, _) => return Err(lexer.syntax(at)),
                }
                enumeration(lexer, true)?;
                true
            }
            (_, Tok::Open) => {
                enumeration(lexer, false)?;
                true
            }
            (at, _) => return Err(lexer.syntax(at)),
        };
        let default = match lexer.next()? {
            (_, Tok::Pound("REQUIRED" | "IMPLIED")) => None,
            (_, Tok::Pound("FIXED")) => match lexer.next()? {
                (at, Tok::Literal(value)) => Some(default_value(lexer, at, value)?),
                (at, _) => return Err(lexer.syntax(at)),
            },
            (at, Tok::Literal(value)) => Some(default_value(lexer, at, value)?),
            (at, _) => return Err(lexer.syntax(at)),
        };
        decls.push(AttributeDecl {
            element: element.clone(),
            name,
            default,
            tokenized,
        });
    }
}

fn default_value(lexer: &Lexer<'_>, at: usize, value: &str) -> Result<String, XmlError> {
    match value.find('<') {
        Some(bad) => Err(lexer.error("not well-formed (invalid token)", at + 1 + bad)),
        None => Ok(value.to_owned()),
    }
}

/// `a | b | c)` after `(`: names for a notation type, name tokens for an
/// enumeration.
fn enumeration(lexer: &mut Lexer<'_>, names: bool) -> Result<(), XmlError> {
    loop {
        match lexer.next()? {
            (_, Tok::Name(token)) if !names || lexer.is_name(token) => {}
            (at, _) => return Err(lexer.syntax(at)),
        }
        match lexer.next()? {
            (_, Tok::Close(None)) => return Ok(()),
            (_, Tok::Or) => {}
            (at, _) => return Err(lexer.syntax(at)),
        }
    }
}

fn entity(lexer: &mut Lexer<'_>) -> Result<EntityDecl, XmlError> {
    let (mut at, mut tok) = lexer.next()?;
    let parameter = tok == Tok::Percent;
    if parameter {
        (at, tok) = lexer.next()?;
    }
    let name = match tok {
        Tok::Name(name) if lexer.is_name(name) => name.to_owned(),
        _ => return Err(lexer.syntax(at)),
    };
    let (at, tok) = lexer.next()?;
    let value = match tok {
        Tok::Literal(value) => EntityValue::Internal(value.to_owned()),
        _ => match external_id(lexer, at, &tok, true)? {
            Some(system) => EntityValue::External {
                system: system.unwrap_or_default().to_owned(),
            },
            None => return Err(lexer.syntax(at)),
        },
    };
    let (at, tok) = lexer.next()?;
    match tok {
        Tok::End => {}
        Tok::Name("NDATA") if !parameter && matches!(value, EntityValue::External { .. }) => {
            expect_name(lexer)?;
            expect_end(lexer)?;
        }
        _ => return Err(lexer.syntax(at)),
    }
    Ok(EntityDecl {
        name,
        parameter,
        value,
    })
}

fn notation(lexer: &mut Lexer<'_>) -> Result<(), XmlError> {
    expect_name(lexer)?;
    let (at, tok) = lexer.next()?;
    match tok {
        Tok::Name("PUBLIC") => {
            external_id(lexer, at, &tok, false)?;
            match lexer.next()? {
                (_, Tok::End) => Ok(()),
                (_, Tok::Literal(_)) => expect_end(lexer),
                (at, _) => Err(lexer.syntax(at)),
            }
        }
        Tok::Name("SYSTEM") => {
            external_id(lexer, at, &tok, true)?;
            expect_end(lexer)
        }
        _ => Err(lexer.syntax(at)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_entities_and_the_external_subset() {
        let doctype = parse(
            " r SYSTEM \"http://x/r.dtd\" [\n<!ELEMENT r ANY>\n<!ENTITY a \"x>y\">\n<!ENTITY b SYSTEM \"file:///etc/passwd\">\n<!-- ] -->\n]",
            0,
            false,
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
        let doctype = parse(
            " r [<!ATTLIST r a CDATA \"x\" b (p|q) 'p' c ID #IMPLIED d CDATA #FIXED \"f\">]",
            0,
            false,
        )
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
