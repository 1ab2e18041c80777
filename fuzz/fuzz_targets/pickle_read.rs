//! Feeds arbitrary bytes to the pickle reader, with the default limits and
//! with small ones. Nothing may panic, and the small limits may only turn a
//! success into a limit error.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serialkit::pickle::{from_slice, from_slice_at, LoadOptions, StringEncoding};
use serialkit::{ErrorKind, Limits};

fuzz_target!(|data: &[u8]| {
    let default = LoadOptions {
        buffers: Some(vec![b"buffer".to_vec(); 2]),
        ..LoadOptions::default()
    };
    let small = LoadOptions {
        limits: Limits {
            max_depth: 8,
            ..Limits::default()
        },
        max_memo: 16,
        max_opcodes: 512,
        ..default.clone()
    };
    let full = from_slice_at(data, 0, &default);
    let limited = from_slice(data, &small);

    if let Ok((_, end)) = &full {
        assert!(
            *end <= data.len() && data[end - 1] == b'.',
            "STOP ends at {end}"
        );
    }
    // Debug output compares floats exactly (NaN equals NaN, -0.0 is not 0.0).
    match (&full, &limited) {
        (Ok((value, _)), Ok(shallow)) => {
            assert_eq!(
                format!("{value:?}"),
                format!("{shallow:?}"),
                "limits changed the value"
            )
        }
        (Ok(_), Err(err)) => assert!(
            matches!(err.kind(), ErrorKind::Limit { .. }),
            "accepted with the default limits, but not with small ones: {err:?}"
        ),
        (Err(err), Ok(value)) => {
            panic!("accepted only with the small limits: {value:?}, default: {err:?}")
        }
        (Err(_), Err(_)) => {}
    }
    // Every error points into the input.
    for err in [full.as_ref().err(), limited.as_ref().err()]
        .into_iter()
        .flatten()
    {
        if let Some(position) = err.position() {
            assert!(position.offset() <= data.len(), "{err} is past the end");
        }
    }

    for encoding in [
        StringEncoding::Latin1,
        StringEncoding::Utf8,
        StringEncoding::Bytes,
    ] {
        let options = LoadOptions {
            encoding,
            fix_imports: false,
            ..small.clone()
        };
        let _ = from_slice(data, &options);
    }
});
