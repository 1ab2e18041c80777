//! XML names and namespace scopes.

use super::error::XmlError;
use super::name_table;
use std::borrow::Cow;
use std::collections::HashMap;
use std::rc::Rc;

const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

pub(super) fn is_name_start(c: char) -> bool {
    if c.is_ascii() {
        return ASCII_NAME[c as usize] == START;
    }
    name_table::class(c) == name_table::START
}

pub(super) fn is_name_char(c: char) -> bool {
    if c.is_ascii() {
        return ASCII_NAME[c as usize] != 0;
    }
    name_table::class(c) >= name_table::REST
}

const START: u8 = 2;
const REST: u8 = 1;

/// For each ASCII byte: START if a name may begin with it, REST if it may
/// only follow, 0 if neither.
static ASCII_NAME: [u8; 128] = {
    let mut table = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        table[b] = if c.is_ascii_alphabetic() || c == b'_' || c == b':' {
            START
        } else if c.is_ascii_digit() || c == b'-' || c == b'.' {
            REST
        } else {
            0
        };
        b += 1;
    }
    table
};

/// Whether `name` matches the XML 1.0 `Name` production.
pub fn is_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    // Most names are short ASCII: one pass through a table, leaving the
    // character-by-character rules to names with other characters.
    match bytes.split_first() {
        None => return false,
        Some((&first, rest)) if first < 0x80 => {
            if ASCII_NAME[usize::from(first)] != START {
                return false;
            }
            match rest
                .iter()
                .position(|&b| b >= 0x80 || ASCII_NAME[usize::from(b)] == 0)
            {
                None => return true,
                Some(at) if rest[at] < 0x80 => return false,
                Some(_) => {}
            }
        }
        Some(_) => {}
    }
    let mut chars = name.chars();
    chars.next().is_some_and(is_name_start) && chars.all(is_name_char)
}

/// Prefix bindings in scope, innermost last, as expat keeps them.
#[derive(Default)]
pub struct Namespaces {
    bindings: Vec<(String, String)>,
    /// How many bindings each open element added.
    scopes: Vec<usize>,
    /// Element and attribute names already resolved under the bindings in
    /// scope (which change rarely: most documents declare at the root),
    /// so a name repeated through a document is built once.
    elements: HashMap<String, Rc<str>>,
    attributes: HashMap<String, Rc<str>>,
}

/// Resolved names kept per kind; a document with more distinct names
/// resolves the rest each time.
const MAX_CACHED_NAMES: usize = 4096;

impl Namespaces {
    /// Takes the `xmlns` attributes out of `attrs`, binds them and returns
    /// them as (prefix, uri) pairs in document order.
    pub fn enter(
        &mut self,
        attrs: &mut Vec<(Cow<'_, str>, Cow<'_, str>)>,
    ) -> Result<Vec<(String, String)>, XmlError> {
        let mut declared = Vec::new();
        attrs.retain(|(key, value)| {
            let prefix = if key == "xmlns" {
                ""
            } else if let Some(prefix) = key.strip_prefix("xmlns:") {
                prefix
            } else {
                return true;
            };
            declared.push((prefix.to_owned(), value.to_string()));
            false
        });
        for (prefix, uri) in &declared {
            if !prefix.is_empty() && uri.is_empty() {
                return Err(XmlError::syntax("unbound prefix"));
            }
            self.bindings.push((prefix.clone(), uri.clone()));
        }
        if !declared.is_empty() {
            self.forget_resolved();
        }
        self.scopes.push(declared.len());
        Ok(declared)
    }

    pub fn leave(&mut self) {
        let added = self.scopes.pop().unwrap_or(0);
        if added > 0 {
            self.forget_resolved();
        }
        self.bindings
            .truncate(self.bindings.len().saturating_sub(added));
    }

    fn forget_resolved(&mut self) {
        self.elements.clear();
        self.attributes.clear();
    }

    /// [`Self::resolve`], remembered: `None` when the name stands for
    /// itself.
    pub fn resolve_cached(
        &mut self,
        name: &str,
        element: bool,
        separator: &str,
    ) -> Result<Option<Rc<str>>, XmlError> {
        let cache = if element {
            &self.elements
        } else {
            &self.attributes
        };
        if let Some(found) = cache.get(name) {
            return Ok(Some(found.clone()));
        }
        let resolved: Rc<str> = match self.resolve(name, element, separator)? {
            Cow::Borrowed(_) => return Ok(None),
            Cow::Owned(resolved) => resolved.into(),
        };
        let cache = if element {
            &mut self.elements
        } else {
            &mut self.attributes
        };
        if cache.len() < MAX_CACHED_NAMES {
            cache.insert(name.to_owned(), resolved.clone());
        }
        Ok(Some(resolved))
    }

    fn lookup(&self, prefix: &str) -> Option<&str> {
        if prefix == "xml" {
            return Some(XML_NAMESPACE);
        }
        self.bindings
            .iter()
            .rev()
            .find(|(bound, _)| bound == prefix)
            .map(|(_, uri)| uri.as_str())
    }

    /// `uri` + separator + local name; unprefixed attributes have no
    /// namespace, unprefixed elements take the default one.
    pub fn resolve<'n>(
        &self,
        name: &'n str,
        element: bool,
        separator: &str,
    ) -> Result<Cow<'n, str>, XmlError> {
        let (uri, local) = match name.split_once(':') {
            // A qualified name is prefix:local, both non-empty, one colon.
            Some((prefix, local))
                if prefix.is_empty() || local.is_empty() || local.contains(':') =>
            {
                return Err(XmlError::syntax("not well-formed (invalid token)"))
            }
            Some((prefix, local)) => match self.lookup(prefix) {
                Some(uri) if !uri.is_empty() => (uri, local),
                _ => return Err(XmlError::syntax("unbound prefix")),
            },
            None if element => match self.lookup("") {
                Some(uri) if !uri.is_empty() => (uri, name),
                _ => return Ok(Cow::Borrowed(name)),
            },
            None => return Ok(Cow::Borrowed(name)),
        };
        Ok(Cow::Owned(format!("{uri}{separator}{local}")))
    }

    pub fn check_unique(&self, attrs: &[(Cow<'_, str>, Cow<'_, str>)]) -> Result<(), XmlError> {
        for (index, (key, _)) in attrs.iter().enumerate() {
            if attrs[..index].iter().any(|(other, _)| other == key) {
                return Err(XmlError::syntax("duplicate attribute"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_name("a:b-c.d_1"));
        assert!(is_name("été"));
        assert!(!is_name("1a"));
        assert!(!is_name("a b"));
        assert!(!is_name(""));
        assert!(!is_name("a\"><x"));
        assert!(is_name("aé-\u{300}"));
        assert!(!is_name("a\u{d7}"));
        assert!(!is_name("-é"));
        assert!(!is_name("é "));
    }
}
