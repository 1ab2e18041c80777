//! The differential check the tests and the fuzz target run: the fast
//! producer against saphyr-parser on one text.

use super::events;
use saphyr_parser::{Event, Marker, Parser};

/// An event with the marker where it starts.
pub type Spanned<'a> = (Event<'a>, Marker);

/// saphyr-parser's events up to and including the stream's end, each with
/// its start marker; `None` when it reports an error.
pub fn reference_events(text: &str) -> Option<Vec<Spanned<'_>>> {
    let mut out = Vec::new();
    for item in Parser::new_from_str(text) {
        let (event, span) = item.ok()?;
        out.push((event, span.start));
    }
    Some(out)
}

/// Whether the fast producer accepted `text`; an error describing the
/// first difference when it accepted it with other events than
/// saphyr-parser's (or saphyr-parser refuses it).
pub fn differential(text: &str) -> Result<bool, String> {
    let Some(fast) = events(text, usize::MAX) else {
        return Ok(false);
    };
    let fast: Vec<Spanned<'_>> = fast.collect();
    let Some(reference) = reference_events(text) else {
        return Err(format!(
            "fast path accepted {text:?}, which saphyr-parser refuses"
        ));
    };
    for (index, (ours, theirs)) in fast.iter().zip(&reference).enumerate() {
        if ours != theirs {
            return Err(format!(
                "{text:?}: event {index} differs: fast {ours:?}, saphyr-parser {theirs:?}"
            ));
        }
    }
    if fast.len() != reference.len() {
        return Err(format!(
            "{text:?}: {} events from the fast path, {} from saphyr-parser",
            fast.len(),
            reference.len()
        ));
    }
    Ok(true)
}
