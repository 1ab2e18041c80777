//! Floats as versions 0 and 1 write them: text, `repr`-free, in C's
//! `%.17g` (CPython's `PyOS_double_to_string(v, 'g', 17, 0, NULL)`).

/// Appends `value` formatted as `%.17g` (with "inf", "-inf" and "nan",
/// NaN's sign dropped as CPython drops it).
pub fn write_g17(value: f64, out: &mut Vec<u8>) {
    if value.is_nan() {
        out.extend_from_slice(b"nan");
        return;
    }
    if value.is_infinite() {
        out.extend_from_slice(if value < 0.0 { b"-inf" } else { b"inf" });
        return;
    }
    // Rust's `{:e}` with a precision rounds exactly, as glibc's printf
    // does, so the 17 significant digits are the same; only the layout
    // of %g is left to do.
    let scientific = format!("{:.16e}", value);
    let (mantissa, exponent) = scientific
        .split_once('e')
        .unwrap_or((scientific.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    if negative {
        out.push(b'-');
    }
    if (-4..17).contains(&exponent) {
        let (int_part, frac_part): (Vec<u8>, Vec<u8>) = if exponent >= 0 {
            let split = exponent as usize + 1;
            (digits[..split].to_vec(), digits[split..].to_vec())
        } else {
            let mut frac = vec![b'0'; (-exponent - 1) as usize];
            frac.extend_from_slice(&digits);
            (vec![b'0'], frac)
        };
        out.extend_from_slice(&int_part);
        let frac = trim_zeros(&frac_part);
        if !frac.is_empty() {
            out.push(b'.');
            out.extend_from_slice(frac);
        }
    } else {
        out.push(digits[0]);
        let frac = trim_zeros(&digits[1..]);
        if !frac.is_empty() {
            out.push(b'.');
            out.extend_from_slice(frac);
        }
        out.push(b'e');
        out.push(if exponent < 0 { b'-' } else { b'+' });
        let magnitude = exponent.unsigned_abs();
        if magnitude < 10 {
            out.push(b'0');
        }
        out.extend_from_slice(magnitude.to_string().as_bytes());
    }
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    let end = digits
        .iter()
        .rposition(|&d| d != b'0')
        .map_or(0, |at| at + 1);
    &digits[..end]
}

/// Reads a float written as text, as CPython's `r_float_str` does: the
/// text ends at its first NUL byte, and must then be a float in full.
pub fn parse_text_float(text: &[u8]) -> Option<f64> {
    let end = memchr::memchr(0, text).unwrap_or(text.len());
    let text = std::str::from_utf8(&text[..end]).ok()?;
    // Rust also reads "infinity" and "nan" in any case with a sign, as
    // CPython does; it refuses surrounding spaces, as CPython does too.
    text.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g17(value: f64) -> String {
        let mut out = Vec::new();
        write_g17(value, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn formats_like_printf_g17() {
        let cases = [
            (1.5, "1.5"),
            (0.1, "0.10000000000000001"),
            (1e300, "1.0000000000000001e+300"),
            (-0.0, "-0"),
            (1e16, "10000000000000000"),
            (1e17, "1e+17"),
            (1e-5, "1.0000000000000001e-05"),
            (0.0001, "0.0001"),
            (100.0, "100"),
            (5e-324, "4.9406564584124654e-324"),
            (f64::NAN, "nan"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for (value, text) in cases {
            assert_eq!(g17(value), text, "{value:?}");
        }
    }

    #[test]
    fn parses_text_up_to_nul() {
        assert_eq!(parse_text_float(b"1\x002ab"), Some(1.0));
        assert_eq!(parse_text_float(b" 1.5"), None);
        assert!(parse_text_float(b"-nan").unwrap().is_nan());
    }
}
