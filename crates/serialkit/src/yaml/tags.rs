//! Tags as PyYAML's emitter writes them when `%TAG` directives change the
//! handles (`safe_dump(..., tags=...)`): the handle of the last prefix, in
//! sorted order, that the full tag starts with, and the rest of the tag
//! percent-escaped where URIs do not allow the character.

/// `tag` is the short form the writers use (`!!str`, `!local`);
/// `prefixes` are the (prefix, handle) pairs in force, sorted by prefix.
pub fn prepare(tag: &str, prefixes: &[(String, String)]) -> String {
    let full = match tag.strip_prefix("!!") {
        Some(suffix) => format!("tag:yaml.org,2002:{suffix}"),
        None => tag.to_owned(),
    };
    if full == "!" {
        return full;
    }
    let mut handle: Option<&str> = None;
    let mut suffix = full.as_str();
    for (prefix, prefix_handle) in prefixes {
        if full.starts_with(prefix.as_str()) && (prefix == "!" || prefix.len() < full.len()) {
            handle = Some(prefix_handle);
            suffix = &full[prefix.len()..];
        }
    }
    let mut text = String::new();
    for ch in suffix.chars() {
        if ch.is_ascii_alphanumeric()
            || "-;/?:@&=+$,_.~*'()[]".contains(ch)
            || (ch == '!' && handle != Some("!"))
        {
            text.push(ch);
        } else {
            let mut buf = [0u8; 4];
            for byte in ch.encode_utf8(&mut buf).bytes() {
                text.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    match handle {
        Some(handle) => format!("{handle}{text}"),
        None => format!("!<{text}>"),
    }
}

#[cfg(test)]
mod tests {
    use super::prepare;

    fn prefixes(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut pairs: Vec<_> = pairs
            .iter()
            .map(|(p, h)| ((*p).to_owned(), (*h).to_owned()))
            .collect();
        pairs.sort();
        pairs
    }

    #[test]
    fn the_last_matching_prefix_gives_the_handle() {
        let core = prefixes(&[("!", "!"), ("tag:yaml.org,2002:", "!y!")]);
        assert_eq!(prepare("!!binary", &core), "!y!binary");
        assert_eq!(prepare("!local", &core), "!local");
        let longer = prefixes(&[("tag:yaml.org,2002:", "!!"), ("tag:yaml.org,2002:b", "!b!")]);
        assert_eq!(prepare("!!binary", &longer), "!b!inary");
        assert_eq!(prepare("!!set", &longer), "!!set");
    }

    #[test]
    fn unmatched_tags_are_verbatim_and_escaped() {
        let other = prefixes(&[("tag:example.com,2000:", "!e!")]);
        assert_eq!(prepare("!!str", &other), "!<tag:yaml.org,2002:str>");
        assert_eq!(prepare("!é x", &other), "!<!%C3%A9%20x>");
    }
}
