//! Turning the input into UTF-8 before parsing, as expat does with its
//! built-in encodings: byte order marks, UTF-16 without one (detected by the
//! `<?` pattern), and the encoding named in the XML declaration or by the
//! caller. Encodings beyond these are reported as unsupported so the Python
//! layer can decode them with Python's codecs.

use super::error::XmlError;
use std::borrow::Cow;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
    Latin1,
    Ascii,
}

/// Maps an encoding label to one of ours; `None` for others.
pub fn lookup(label: &str) -> Option<Encoding> {
    let normalized: String = label
        .chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect();
    Some(match normalized.as_str() {
        "utf8" => Encoding::Utf8,
        "utf16le" => Encoding::Utf16Le,
        "utf16be" => Encoding::Utf16Be,
        // Plain "utf-16" takes its byte order from a BOM; without one,
        // big-endian as the XML specification says.
        "utf16" => Encoding::Utf16Be,
        "latin1" | "iso88591" | "l1" | "iso885911987" | "cp819" => Encoding::Latin1,
        "ascii" | "usascii" => Encoding::Ascii,
        _ => return None,
    })
}

/// The encoding named in an XML declaration at the start of ASCII-compatible
/// input, if any.
pub fn declared(input: &[u8]) -> Option<&str> {
    let head = input.strip_prefix(b"<?xml")?;
    let end = memchr::memmem::find(head, b"?>")?;
    let decl = std::str::from_utf8(&head[..end]).ok()?;
    let at = decl.find("encoding")?;
    let rest = decl[at + "encoding".len()..].trim_start();
    let rest = rest.strip_prefix('=')?.trim_start();
    let quote = rest.chars().next()?;
    if quote != '"' && quote != '\'' {
        return None;
    }
    let value = &rest[1..];
    value.find(quote).map(|end| &value[..end])
}

/// The input as UTF-8. `forced` is the caller's `encoding=`, which wins
/// over what the document says, as with expat.
pub fn to_utf8<'a>(input: &'a [u8], forced: Option<&str>) -> Result<Cow<'a, [u8]>, XmlError> {
    let (encoding, skip) = match forced {
        Some(label) => match lookup(label) {
            Some(encoding) => (encoding, bom_length(input, encoding)),
            None => return Err(unknown(label)),
        },
        None => detect(input)?,
    };
    let body = &input[skip..];
    match encoding {
        Encoding::Utf8 => Ok(Cow::Borrowed(body)),
        Encoding::Ascii => match body.iter().position(|b| !b.is_ascii()) {
            None => Ok(Cow::Borrowed(body)),
            Some(_) => Err(XmlError::syntax("not well-formed (invalid token)")),
        },
        Encoding::Latin1 => {
            if body.is_ascii() {
                return Ok(Cow::Borrowed(body));
            }
            Ok(Cow::Owned(
                body.iter()
                    .map(|&b| char::from(b))
                    .collect::<String>()
                    .into_bytes(),
            ))
        }
        Encoding::Utf16Le | Encoding::Utf16Be => {
            let units = body.chunks_exact(2).map(|pair| {
                if encoding == Encoding::Utf16Le {
                    u16::from_le_bytes([pair[0], pair[1]])
                } else {
                    u16::from_be_bytes([pair[0], pair[1]])
                }
            });
            let mut out = String::with_capacity(body.len() / 2);
            for unit in char::decode_utf16(units) {
                match unit {
                    Ok(c) => out.push(c),
                    Err(_) => return Err(XmlError::syntax("not well-formed (invalid token)")),
                }
            }
            if body.len() % 2 == 1 {
                return Err(XmlError::syntax("unclosed token"));
            }
            // Expat refuses a declaration that names another encoding
            // than the one the bytes are in.
            if forced.is_none() {
                if let Some(label) = declared(out.as_bytes()) {
                    if !matches!(lookup(label), Some(Encoding::Utf16Le | Encoding::Utf16Be)) {
                        return Err(XmlError::syntax(
                            "encoding specified in XML declaration is incorrect",
                        ));
                    }
                }
            }
            Ok(Cow::Owned(out.into_bytes()))
        }
    }
}

fn unknown(label: &str) -> XmlError {
    XmlError::unsupported(format!("unknown encoding: {label}"))
}

fn bom_length(input: &[u8], encoding: Encoding) -> usize {
    match encoding {
        Encoding::Utf8 if input.starts_with(b"\xEF\xBB\xBF") => 3,
        Encoding::Utf16Le if input.starts_with(b"\xFF\xFE") => 2,
        Encoding::Utf16Be if input.starts_with(b"\xFE\xFF") => 2,
        _ => 0,
    }
}

fn detect(input: &[u8]) -> Result<(Encoding, usize), XmlError> {
    if input.starts_with(b"\xEF\xBB\xBF") {
        return Ok((Encoding::Utf8, 3));
    }
    if input.starts_with(b"\xFF\xFE") {
        return Ok((Encoding::Utf16Le, 2));
    }
    if input.starts_with(b"\xFE\xFF") {
        return Ok((Encoding::Utf16Be, 2));
    }
    if input.starts_with(b"<\0?\0") {
        return Ok((Encoding::Utf16Le, 0));
    }
    if input.starts_with(b"\0<\0?") {
        return Ok((Encoding::Utf16Be, 0));
    }
    match declared(input) {
        None => Ok((Encoding::Utf8, 0)),
        Some(label) => match lookup(label) {
            // A UTF-16 label on bytes that are not UTF-16 is what expat
            // reads as UTF-8 anyway: the declaration itself was ASCII.
            Some(Encoding::Utf16Le | Encoding::Utf16Be) => Ok((Encoding::Utf8, 0)),
            Some(encoding) => Ok((encoding, 0)),
            None => Err(unknown(label)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_declaration_is_transcoded() {
        let input = b"<?xml version='1.0' encoding='ISO-8859-1'?><a>\xe9</a>";
        let out = to_utf8(input, None).unwrap();
        assert!(std::str::from_utf8(&out)
            .unwrap()
            .ends_with("<a>\u{e9}</a>"));
    }

    #[test]
    fn utf16_with_bom_is_transcoded() {
        let mut input = vec![0xFF, 0xFE];
        for unit in "<a>\u{e9}</a>".encode_utf16() {
            input.extend_from_slice(&unit.to_le_bytes());
        }
        assert_eq!(&*to_utf8(&input, None).unwrap(), "<a>\u{e9}</a>".as_bytes());
    }

    #[test]
    fn unknown_encodings_are_reported() {
        let input = b"<?xml version='1.0' encoding='klingon'?><a/>";
        assert!(to_utf8(input, None).is_err());
    }
}
