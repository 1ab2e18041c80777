//! Feeds arbitrary bytes to the marshal reader, as data and as a `.pyc`
//! file, with the default limits and with small ones. Nothing may panic,
//! and the small limits may only turn a success into a limit error.
//! Whatever is read is written back, and that must read the same.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serialkit::marshal::{read, read_pyc, write::write};
use serialkit::{ErrorKind, Limits};

fuzz_target!(|data: &[u8]| {
    let default = Limits::default();
    let small = Limits {
        max_depth: 8,
        ..Limits::default()
    };
    let full = read(data, &default);
    let limited = read(data, &small);
    // Debug output compares floats exactly (NaN equals NaN, -0.0 is not 0.0).
    match (&full, &limited) {
        (Ok(value), Ok(shallow)) => assert_eq!(format!("{value:?}"), format!("{shallow:?}")),
        (Ok(_), Err(err)) => assert!(
            matches!(err.kind(), ErrorKind::Limit { .. }),
            "accepted with the default limits, but not with small ones: {err:?}"
        ),
        (Err(err), Ok(value)) => {
            panic!("accepted only with the small limits: {value:?}, default: {err:?}")
        }
        (Err(_), Err(_)) => {}
    }
    for err in [full.as_ref().err(), limited.as_ref().err()]
        .into_iter()
        .flatten()
    {
        if let Some(position) = err.position() {
            assert!(position.offset() <= data.len(), "{err} is past the end");
        }
    }
    // The writer may refuse what the reader accepted (a reference into a
    // frozenset being built), but what it writes reads back, and writes
    // again to the same bytes (shared ids are renumbered on the way).
    if let Ok(value) = &full {
        if let Ok(bytes) = write(value, &default) {
            let again = read(&bytes, &default).expect("written data reads back");
            let rewritten = write(&again, &default).expect("read-back data writes");
            assert_eq!(bytes, rewritten);
        }
    }
    let _ = read_pyc(data, &small);
});
