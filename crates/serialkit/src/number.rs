//! Number formatting shared by the text formats.

/// Writes `value` exactly as Python's `repr(float)` does: the shortest text
/// that reads back to the same float, in fixed notation when the decimal
/// exponent is in -4..16 and scientific notation otherwise (`1e+16`,
/// `1e-05`). Infinities and NaN are written as `inf`, `-inf` and `nan`;
/// formats that spell them differently handle them before calling this.
pub fn write_python_float_repr(out: &mut Vec<u8>, value: f64) {
    if !value.is_finite() {
        out.extend_from_slice(match (value.is_nan(), value.is_sign_negative()) {
            (true, _) => b"nan",
            (false, false) => b"inf",
            (false, true) => b"-inf",
        });
        return;
    }
    let mut buffer = ryu::Buffer::new();
    let shortest = buffer.format_finite(value).as_bytes();
    // In this range ryu and Python both choose fixed notation with the same
    // digits ("0.0001", "123.0", "1000000000000000.0"), so the text can be
    // used as it is; only outside it do their layouts differ.
    let magnitude = value.abs();
    if magnitude == 0.0 || (1e-4..1e16).contains(&magnitude) {
        out.extend_from_slice(shortest);
        return;
    }
    let (negative, shortest) = match shortest.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, shortest),
    };
    let (mantissa, exponent) = match shortest.iter().position(|&b| b == b'e') {
        Some(at) => (&shortest[..at], parse_exponent(&shortest[at + 1..])),
        None => (shortest, 0),
    };
    // Collect the significant digits and where the decimal point falls
    // relative to the first of them.
    let mut digits = [0u8; 32];
    let mut count = 0;
    let mut point: i32 = 0;
    let mut seen_point = false;
    let mut leading = true;
    for &byte in mantissa {
        if byte == b'.' {
            seen_point = true;
            continue;
        }
        if leading && byte == b'0' {
            if seen_point {
                point -= 1;
            }
            continue;
        }
        leading = false;
        if count < digits.len() {
            digits[count] = byte;
            count += 1;
        }
        if !seen_point {
            point += 1;
        }
    }
    while count > 0 && digits[count - 1] == b'0' {
        count -= 1;
    }
    if negative {
        out.push(b'-');
    }
    if count == 0 {
        out.extend_from_slice(b"0.0");
        return;
    }
    let digits = &digits[..count];
    let point = point + exponent;
    if (-3..=16).contains(&point) {
        if point <= 0 {
            out.extend_from_slice(b"0.");
            out.extend(std::iter::repeat_n(b'0', (-point) as usize));
            out.extend_from_slice(digits);
        } else if point as usize >= digits.len() {
            out.extend_from_slice(digits);
            out.extend(std::iter::repeat_n(b'0', point as usize - digits.len()));
            out.extend_from_slice(b".0");
        } else {
            let (whole, fraction) = digits.split_at(point as usize);
            out.extend_from_slice(whole);
            out.push(b'.');
            out.extend_from_slice(fraction);
        }
    } else {
        out.push(digits[0]);
        if digits.len() > 1 {
            out.push(b'.');
            out.extend_from_slice(&digits[1..]);
        }
        let shown = point - 1;
        out.push(b'e');
        out.push(if shown < 0 { b'-' } else { b'+' });
        let magnitude = shown.unsigned_abs();
        if magnitude < 10 {
            out.push(b'0');
        }
        out.extend_from_slice(itoa::Buffer::new().format(magnitude).as_bytes());
    }
}

fn parse_exponent(text: &[u8]) -> i32 {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let magnitude = digits
        .iter()
        .fold(0i32, |acc, &d| acc * 10 + i32::from(d - b'0'));
    if negative {
        -magnitude
    } else {
        magnitude
    }
}

pub fn python_float_repr(value: f64) -> String {
    let mut out = Vec::with_capacity(24);
    write_python_float_repr(&mut out, value);
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::python_float_repr as repr;

    #[test]
    fn matches_python_repr() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (1e22, "1e+22"),
            (1.5e300, "1.5e+300"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (123.456, "123.456"),
            (-2.5, "-2.5"),
            (9007199254740993.0, "9007199254740992.0"),
            (f64::INFINITY, "inf"),
            (f64::NAN, "nan"),
        ];
        for &(value, expected) in cases {
            assert_eq!(repr(value), expected, "{value:e}");
        }
    }
}
