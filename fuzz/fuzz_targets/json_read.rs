//! Feeds arbitrary bytes to the JSON reader. Whatever it accepts must write
//! back out and read in again as the same value.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serialkit::json::{from_slice, to_vec, WriteOptions};
use serialkit::{ErrorKind, Limits, Value};

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

    if let Ok(value) = &default {
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
