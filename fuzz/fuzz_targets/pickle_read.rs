//! Feeds arbitrary bytes to the pickle reader, with the default limits and
//! with small ones. Nothing may panic, and the small limits may only turn a
//! success into a limit error. The same bytes, as the contents of a pickled
//! string, must be checked by `ucs::decode_wtf8` exactly as CPython's codec
//! checks them with `surrogatepass`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serialkit::pickle::{from_slice, from_slice_at, LoadOptions, StringEncoding};
use serialkit::{ErrorKind, Limits};
use ucs_units::Decoder;

mod ucs_units;

fuzz_target!(|data: &[u8]| {
    check_wtf8(data);

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

/// `decode_wtf8` must accept exactly UTF-8 with lone surrogates allowed,
/// and give its characters. The reference: std's validator, after each
/// encoded surrogate's lead (0xED before 0xA0-0xBF) is swapped for 0xE1,
/// whose second byte may be anything 0x80-0xBF, so the swap makes a valid
/// three-byte character exactly where the surrogate was well formed.
fn check_wtf8(bytes: &[u8]) {
    let mut swapped = bytes.to_vec();
    let mut surrogates = Vec::new();
    for at in 0..swapped.len().saturating_sub(1) {
        if swapped[at] == 0xED && (0xA0..=0xBF).contains(&swapped[at + 1]) {
            swapped[at] = 0xE1;
            surrogates.push(at);
        }
    }
    let expected: Option<Vec<u32>> = std::str::from_utf8(&swapped).ok().map(|text| {
        text.char_indices()
            .map(|(at, c)| {
                let code = u32::from(c);
                // Back from U+1800-U+1FFF to the surrogate it stood for.
                if surrogates.contains(&at) {
                    code - 0x1000 + 0xD000
                } else {
                    code
                }
            })
            .collect()
    });
    let (_, units) = ucs_units::decode(bytes, Decoder::Checking);
    assert_eq!(units, expected, "decode_wtf8 disagrees on {bytes:?}");
}
