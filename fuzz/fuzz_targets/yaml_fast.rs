//! Feeds arbitrary text to the fast YAML event producer: whenever it
//! accepts, its events and their start markers must be exactly
//! saphyr-parser's (the fallback it stands in for), and it must never
//! panic or hang.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serialkit::yaml::fast;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(difference) = fast::differential(text) {
        panic!("{difference}");
    }
    // A depth limit only ever sends the text to the slow path.
    if let Some(shallow) = fast::events(text, 3) {
        let full = fast::events(text, usize::MAX).expect("accepted with a smaller depth limit");
        assert!(
            shallow.eq(full),
            "the depth limit changed the events of {text:?}"
        );
    }
});
