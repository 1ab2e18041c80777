//! Tests on eight bytes at once ("SIMD within a register"), for the scans
//! over string contents that dominate parsing and escaping.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The eight bytes at `at`, or None when fewer remain.
#[inline]
pub fn word_at(bytes: &[u8], at: usize) -> Option<u64> {
    let chunk = bytes.get(at..at + 8)?;
    Some(u64::from_le_bytes(chunk.try_into().ok()?))
}

/// Whether some byte of `word` equals `byte`.
#[inline]
pub fn has_byte(word: u64, byte: u8) -> bool {
    let masked = word ^ (ONES * u64::from(byte));
    (masked.wrapping_sub(ONES) & !masked & HIGHS) != 0
}

/// Whether some byte of `word` is below 0x20 (a control character).
#[inline]
pub fn has_control(word: u64) -> bool {
    (word.wrapping_sub(ONES * 0x20) & !word & HIGHS) != 0
}

/// Whether some byte of `word` is outside ASCII.
#[inline]
pub fn has_non_ascii(word: u64) -> bool {
    word & HIGHS != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_bytes_in_any_lane() {
        for lane in 0..8 {
            let mut bytes = *b"abcdefgh";
            bytes[lane] = b'"';
            assert!(has_byte(u64::from_le_bytes(bytes), b'"'));
            bytes[lane] = 0x1f;
            assert!(has_control(u64::from_le_bytes(bytes)));
            bytes[lane] = 0xC3;
            assert!(has_non_ascii(u64::from_le_bytes(bytes)));
        }
        let plain = u64::from_le_bytes(*b"abcdefgh");
        assert!(!has_byte(plain, b'"') && !has_control(plain) && !has_non_ascii(plain));
        assert!(!has_control(u64::from_le_bytes(*b"        ")));
    }
}
