//! Escaping as `xml.sax.saxutils` does, which is what xmltodict's output is
//! made of: `escape` for text and comments, `quoteattr` for attributes.

/// `&`, `<` and `>` as entities.
pub fn escape_text(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    let mut start = 0;
    // Long texts are mostly plain: jump between the characters to escape.
    for at in memchr::memchr3_iter(b'&', b'<', b'>', bytes) {
        let replacement = match bytes[at] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            _ => "&gt;",
        };
        out.push_str(&text[start..at]);
        out.push_str(replacement);
        start = at + 1;
    }
    out.push_str(&text[start..]);
}

/// `quoteattr`: escaped, with tabs and line ends as character references,
/// in double quotes unless the value holds `"` and no `'`.
pub fn quote_attr(out: &mut String, value: &str) {
    let has_double = value.contains('"');
    let quote_with_single = has_double && !value.contains('\'');
    let quote = if quote_with_single { '\'' } else { '"' };
    out.push(quote);
    let mut start = 0;
    for (at, b) in value.bytes().enumerate() {
        let replacement = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'\n' => "&#10;",
            b'\r' => "&#13;",
            b'\t' => "&#9;",
            b'"' if !quote_with_single => "&quot;",
            _ => continue,
        };
        out.push_str(&value[start..at]);
        out.push_str(replacement);
        start = at + 1;
    }
    out.push_str(&value[start..]);
    out.push(quote);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_follows_saxutils() {
        let quoted = |value: &str| {
            let mut out = String::new();
            quote_attr(&mut out, value);
            out
        };
        assert_eq!(quoted("a<b"), "\"a&lt;b\"");
        assert_eq!(quoted("say \"hi\""), "'say \"hi\"'");
        assert_eq!(quoted("\"it's\"\n"), "\"&quot;it's&quot;&#10;\"");
    }
}
