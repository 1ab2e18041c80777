//! UTF-8 to the fixed-width forms CPython stores a `str` in (one, two or
//! four bytes a character). Once a reader has validated a string (the JSON
//! parser does as it finds the string's end; pickle and marshal strings
//! are checked first), the bindings can size the `str` from [`shape`] and
//! fill it with [`decode`] instead of running the interpreter's codec,
//! which validates again and grows its buffer as wider characters appear.

use crate::swar;

/// The storage CPython picks for a string: the narrowest that holds its
/// largest character.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Width {
    Ascii,
    /// Latin-1: every character below U+0100.
    Ucs1,
    /// The Basic Multilingual Plane.
    Ucs2,
    Ucs4,
}

impl Width {
    /// The largest character of this width: the `maxchar` to give
    /// `PyUnicode_New` so that it picks this width.
    pub fn max_char(self) -> u32 {
        match self {
            Width::Ascii => 0x7F,
            Width::Ucs1 => 0xFF,
            Width::Ucs2 => 0xFFFF,
            Width::Ucs4 => 0x10_FFFF,
        }
    }
}

/// How many characters a UTF-8 string holds, and how wide they must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    pub chars: usize,
    pub width: Width,
}

/// The character count and width of UTF-8 text. Continuation bytes
/// (0x80-0xBF) are below every lead byte, so the largest byte is the
/// largest lead, and the lead alone bounds the character: 0xC2-0xC3 start
/// U+0080-U+00FF, 0xC4-0xEF the rest of the BMP, 0xF0-0xF4 the planes
/// above it.
pub fn shape(utf8: &[u8]) -> Shape {
    let mut chars = 0;
    let mut largest = 0u8;
    // Byte-wide counters in the inner loop let it run on vector lanes;
    // 255 bytes cannot overflow them.
    for block in utf8.chunks(255) {
        let mut starts = 0u8;
        for &byte in block {
            starts += u8::from((byte as i8) >= -0x40);
            largest = largest.max(byte);
        }
        chars += usize::from(starts);
    }
    let width = match largest {
        0..=0x7F => Width::Ascii,
        0x80..=0xC3 => Width::Ucs1,
        0xC4..=0xEF => Width::Ucs2,
        _ => Width::Ucs4,
    };
    Shape { chars, width }
}

/// Writes the characters of `utf8` into `out`, one unit each, and returns
/// whether they filled it exactly and each fit its unit. `utf8` must be
/// valid UTF-8 for the characters to be right (continuation bytes are not
/// checked again); on other input this still never panics, and reports
/// false when the lengths do not work out.
pub fn decode<U>(utf8: &[u8], out: &mut [U]) -> bool
where
    U: Copy + From<u8> + TryFrom<u32>,
{
    decode_units::<U, false>(utf8, out)
}

/// [`decode`] for bytes nobody has validated, as pickle and marshal carry
/// them: false, as well, unless they are UTF-8 in which lone surrogates
/// (three bytes each) may stand, exactly what CPython's codec accepts with
/// the `surrogatepass` handler, which both formats' loaders use. Checking
/// here, in the one pass that decodes, costs far less than a separate
/// validation (std's `from_utf8` alone took more instructions on
/// twitter.json's pickle than the codec's whole decode).
pub fn decode_wtf8<U>(bytes: &[u8], out: &mut [U]) -> bool
where
    U: Copy + From<u8> + TryFrom<u32>,
{
    decode_units::<U, true>(bytes, out)
}

fn decode_units<U, const CHECK: bool>(utf8: &[u8], out: &mut [U]) -> bool
where
    U: Copy + From<u8> + TryFrom<u32>,
{
    let follows = |byte: u8| (byte as i8) < -0x40;
    let tail = |byte: u8| u32::from(byte & 0x3F);
    let mut pos = 0;
    let mut at = 0;
    while let Some(&lead) = utf8.get(pos) {
        let code = if lead < 0x80 {
            // ASCII (spaces, digits, a URL between the words) a word at a
            // time: all eight bytes are written, and the slots past the
            // ASCII prefix are written again by what follows.
            if let (Some(word), Some(slots)) = (swar::word_at(utf8, pos), out.get_mut(at..at + 8)) {
                for (slot, byte) in slots.iter_mut().zip(word.to_le_bytes()) {
                    *slot = U::from(byte);
                }
                let others = swar::non_ascii_mask(word);
                let ascii = if others == 0 {
                    8
                } else {
                    swar::first_flagged(others)
                };
                at += ascii;
                pos += ascii;
                continue;
            }
            pos += 1;
            u32::from(lead)
        } else if lead < 0xE0 {
            let Some(&b1) = utf8.get(pos + 1) else {
                return false;
            };
            // Below 0xC2: a stray continuation byte, or an overlong form.
            if CHECK && (lead < 0xC2 || !follows(b1)) {
                return false;
            }
            pos += 2;
            u32::from(lead & 0x1F) << 6 | tail(b1)
        } else if lead < 0xF0 {
            let three =
                |lead: u8, b1: u8, b2: u8| u32::from(lead & 0x0F) << 12 | tail(b1) << 6 | tail(b2);
            // CJK text runs three-byte characters together: two at a time,
            // and in a loop of their own, halves the dispatch on the lead.
            let before = pos;
            while let Some(&[b0, b1, b2, b3, b4, b5]) = utf8.get(pos..pos + 6) {
                if (b0 & 0xF0 != 0xE0) | (b3 & 0xF0 != 0xE0) {
                    break;
                }
                let (one, two) = (three(b0, b1, b2), three(b3, b4, b5));
                // Anything amiss is left to the one-at-a-time path to refuse.
                if CHECK
                    && !(follows(b1) & follows(b2) & follows(b4) & follows(b5))
                        | (one < 0x800)
                        | (two < 0x800)
                {
                    break;
                }
                let pair = (out.get_mut(at..at + 2), U::try_from(one), U::try_from(two));
                let (Some([first, second]), Ok(one), Ok(two)) = pair else {
                    return false;
                };
                *first = one;
                *second = two;
                at += 2;
                pos += 6;
            }
            if pos != before {
                continue;
            }
            let Some(&[b1, b2]) = utf8.get(pos + 1..pos + 3) else {
                return false;
            };
            let code = three(lead, b1, b2);
            if CHECK && (!(follows(b1) & follows(b2)) || code < 0x800) {
                return false;
            }
            pos += 3;
            code
        } else {
            let Some(&[b1, b2, b3]) = utf8.get(pos + 1..pos + 4) else {
                return false;
            };
            let code = u32::from(lead & 0x07) << 18 | tail(b1) << 12 | tail(b2) << 6 | tail(b3);
            let valid = lead <= 0xF4
                && follows(b1) & follows(b2) & follows(b3)
                && (0x1_0000..=0x10_FFFF).contains(&code);
            if CHECK && !valid {
                return false;
            }
            pos += 4;
            code
        };
        let (Some(slot), Ok(unit)) = (out.get_mut(at), U::try_from(code)) else {
            return false;
        };
        *slot = unit;
        at += 1;
    }
    at == out.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units<U>(text: &str) -> Vec<U>
    where
        U: Copy + From<u8> + TryFrom<u32>,
    {
        text.chars()
            .map(|c| U::try_from(u32::from(c)).ok().expect("fits"))
            .collect()
    }

    /// Decodes `text` at the width `shape` picks and checks it against
    /// Rust's own UTF-8 decoding.
    fn round_trip(text: &str) -> Width {
        let shape = shape(text.as_bytes());
        assert_eq!(shape.chars, text.chars().count(), "{text:?}");
        let largest = text.chars().map(u32::from).max().unwrap_or(0);
        assert!(largest <= shape.width.max_char(), "{text:?}");
        match shape.width {
            Width::Ascii | Width::Ucs1 => {
                let mut out = vec![0u8; shape.chars];
                assert!(decode(text.as_bytes(), &mut out), "{text:?}");
                assert_eq!(out, units::<u8>(text));
            }
            Width::Ucs2 => {
                let mut out = vec![0u16; shape.chars];
                assert!(decode(text.as_bytes(), &mut out), "{text:?}");
                assert_eq!(out, units::<u16>(text));
            }
            Width::Ucs4 => {
                let mut out = vec![0u32; shape.chars];
                assert!(decode(text.as_bytes(), &mut out), "{text:?}");
                assert_eq!(out, units::<u32>(text));
            }
        }
        shape.width
    }

    #[test]
    fn picks_the_narrowest_width_at_each_boundary() {
        let cases = [
            ("", Width::Ascii),
            ("\u{7F}", Width::Ascii),
            ("\u{80}", Width::Ucs1),
            ("\u{FF}", Width::Ucs1),
            ("\u{100}", Width::Ucs2),
            ("\u{7FF}", Width::Ucs2),
            ("\u{800}", Width::Ucs2),
            ("\u{D7FF}\u{E000}", Width::Ucs2),
            ("\u{FFFF}", Width::Ucs2),
            ("\u{10000}", Width::Ucs4),
            ("\u{10FFFF}", Width::Ucs4),
        ];
        for (text, width) in cases {
            assert_eq!(round_trip(text), width, "{text:?}");
            // The same character among ASCII runs longer than a word.
            let padded = format!("0123456789{text}abcdefghij{text}z");
            assert_eq!(round_trip(&padded), width, "{padded:?}");
        }
    }

    #[test]
    fn decodes_mixed_text_of_every_length() {
        // Mostly kana (the pairs path) broken up by every other length.
        let alphabet: Vec<char> = "a \u{E9}\u{3042}\u{3044}\u{3046}\u{3048}\u{1F600}\u{FF}\u{100}"
            .chars()
            .collect();
        let mut seed = 1u32;
        for len in 0..60 {
            for _ in 0..20 {
                let text: String = (0..len)
                    .map(|_| {
                        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                        alphabet[(seed >> 16) as usize % alphabet.len()]
                    })
                    .collect();
                round_trip(&text);
            }
        }
        round_trip(&"\u{E9}t\u{E9} ".repeat(100));
        round_trip(&"\u{65E5}\u{672C}\u{8A9E}".repeat(33));
    }

    #[test]
    fn long_text_counts_past_the_byte_wide_counters() {
        let text = "\u{E9}".repeat(1000) + &"x".repeat(300);
        assert_eq!(shape(text.as_bytes()).chars, 1300);
        round_trip(&text);
    }

    #[test]
    fn reports_a_wrong_length_or_a_unit_too_narrow() {
        let text = "h\u{E9}llo w\u{F6}rld, a long enough line";
        let chars = text.chars().count();
        assert!(!decode(text.as_bytes(), &mut vec![0u8; chars - 1]));
        assert!(!decode(text.as_bytes(), &mut vec![0u8; chars + 1]));
        assert!(!decode("\u{3042}".as_bytes(), &mut [0u8; 1]));
        assert!(!decode("\u{1F600}".as_bytes(), &mut [0u16; 1]));
    }

    #[test]
    fn checking_accepts_what_surrogatepass_accepts() {
        let text = "caf\u{E9} \u{3042}\u{3044} \u{1F600} and more ASCII";
        let chars = text.chars().count();
        let mut out = vec![0u32; chars];
        assert!(decode_wtf8(text.as_bytes(), &mut out));
        assert_eq!(out, units::<u32>(text));
        // Lone surrogates, as surrogatepass writes them, each stays one
        // unit: a high and a low half are not joined.
        let mut out = vec![0u16; 4];
        assert!(decode_wtf8(b"a\xED\xA0\xBD\xED\xB8\x80b", &mut out));
        assert_eq!(out, [0x61, 0xD83D, 0xDE00, 0x62]);
    }

    #[test]
    fn checking_refuses_what_the_codec_refuses() {
        let refused: [&[u8]; 9] = [
            b"ab\xC0\x80",
            b"ab\xC1\xBF",
            b"ab\xE0\x9F\xBF",
            b"ab\xE0\x80\x80\xE3\x81\x82",
            b"ab\xE3\x81\x82\xE3\x81\x41",
            b"ab\xF0\x8F\xBF\xBF",
            b"ab\xF4\x90\x80\x80",
            b"ab\xFC\x84\x80\x80",
            b"ab\xC3\x41",
        ];
        for bytes in refused {
            let shape = shape(bytes);
            let mut out = vec![0u32; shape.chars];
            assert!(!decode_wtf8(bytes, &mut out), "{bytes:?}");
            // The trusting decoder takes the same bytes as they come.
            let mut out = vec![0u32; shape.chars];
            decode(bytes, &mut out);
        }
    }

    #[test]
    fn malformed_input_never_panics() {
        // Truncated sequences of each length, stray continuation bytes and
        // leads that are never valid.
        let inputs: [&[u8]; 6] = [
            b"\xC3",
            b"\xE3\x81",
            b"\xF0\x9F\x98",
            b"\x80\x80",
            b"\xFF\xFE",
            b"abcdefgh\xE3",
        ];
        for input in inputs {
            let shape = shape(input);
            decode(input, &mut vec![0u32; shape.chars]);
            decode(input, &mut vec![0u8; shape.chars + 2]);
        }
    }
}
