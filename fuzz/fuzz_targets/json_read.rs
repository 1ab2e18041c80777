//! Feeds arbitrary bytes to the JSON reader. Whatever it accepts must write
//! back out and read in again as the same value.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serialkit::json::{from_slice, to_vec, WriteOptions};
use serialkit::ucs::Width;
use serialkit::{ErrorKind, Limits, Value};
use ucs_units::Decoder;

mod ucs_units;

/// Small enough that the fuzzer reaches the depth limit with short inputs.
const SMALL_DEPTH: usize = 4;

fuzz_target!(|data: &[u8]| {
    let default = from_slice(data, &Limits::default());
    let small = from_slice(
        data,
        &Limits {
            max_depth: SMALL_DEPTH,
            ..Limits::default()
        },
    );

    // A tighter depth limit may only turn a success into a limit error.
    match (&default, &small) {
        (Ok(full), Ok(shallow)) => assert!(
            same(full, shallow),
            "depth limit changed the value: {full:?} vs {shallow:?}"
        ),
        (Ok(_), Err(err)) => assert!(
            matches!(err.kind(), ErrorKind::Limit { .. }),
            "accepted with the default depth, but with max_depth {SMALL_DEPTH}: {err:?}"
        ),
        (Err(err), Ok(value)) => {
            panic!("accepted only with the smaller depth limit: {value:?}, default: {err:?}")
        }
        (Err(_), Err(_)) => {}
    }

    // Arbitrary bytes: the transcoder may give up, but must not panic.
    transcode(data);

    if let Ok(value) = &default {
        each_str(value, &mut |text| {
            assert!(transcode(text.as_bytes()), "failed to transcode {text:?}");
        });
        round_trip(value, &WriteOptions::default());
        let mut ascii = WriteOptions::indented(2);
        ascii.ensure_ascii = true;
        round_trip(value, &ascii);
    }
});

fn round_trip(value: &Value, options: &WriteOptions) {
    let written = to_vec(value, options)
        .unwrap_or_else(|err| panic!("a value read from JSON must write: {value:?}: {err:?}"));
    let reread = from_slice(&written, &Limits::default()).unwrap_or_else(|err| {
        panic!(
            "written JSON must read back: {:?}: {err:?}",
            String::from_utf8_lossy(&written)
        )
    });
    assert!(
        same(value, &reread),
        "round trip changed the value with {options:?}:\n  before: {value:?}\n  text: {:?}\n  after: {reread:?}",
        String::from_utf8_lossy(&written)
    );
}

/// Structural equality in which floats compare by bits (so NaN equals NaN
/// and -0.0 differs from 0.0): Python's repr is exact, so a float must come
/// back as the very same float.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => {
            x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
        }
        (Value::List(xs), Value::List(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| same(x, y))
        }
        (Value::Dict(xs), Value::Dict(ys)) => {
            xs.len() == ys.len()
                && xs
                    .iter()
                    .zip(ys)
                    .all(|((kx, vx), (ky, vy))| same(kx, ky) && same(vx, vy))
        }
        _ => a == b,
    }
}

/// Decodes `utf8` at the width `ucs::shape` picks, as the Python bindings
/// build their strings. On valid UTF-8 it must succeed with exactly the
/// characters Rust decodes; returns whether it succeeded.
fn transcode(utf8: &[u8]) -> bool {
    let (shape, units) = ucs_units::decode(utf8, Decoder::Trusting);
    if let Ok(text) = std::str::from_utf8(utf8) {
        let expected: Vec<u32> = text.chars().map(u32::from).collect();
        assert_eq!(
            units.as_ref(),
            Some(&expected),
            "transcoded {text:?} wrongly"
        );
        let largest = expected.iter().copied().max().unwrap_or(0);
        assert!(
            largest <= shape.width.max_char(),
            "{text:?} is wider than {shape:?}"
        );
        let narrower = match shape.width {
            Width::Ascii => None,
            Width::Ucs1 => Some(Width::Ascii),
            Width::Ucs2 => Some(Width::Ucs1),
            Width::Ucs4 => Some(Width::Ucs2),
        };
        assert!(
            narrower.is_none_or(|narrower| largest > narrower.max_char()),
            "{text:?} would fit narrower than {shape:?}"
        );
    }
    units.is_some()
}

/// Calls `visit` on every string in `value`, dict keys included.
fn each_str(value: &Value, visit: &mut impl FnMut(&str)) {
    match value {
        Value::Str(text) => visit(text),
        Value::List(items) => items.iter().for_each(|item| each_str(item, visit)),
        Value::Dict(entries) => {
            for (key, item) in entries {
                each_str(key, visit);
                each_str(item, visit);
            }
        }
        _ => {}
    }
}
