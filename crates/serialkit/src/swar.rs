//! Tests on eight bytes at once ("SIMD within a register"), for the scans
//! over string contents and whitespace that dominate parsing, escaping and
//! transcoding.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The eight bytes at `at`, or None when fewer remain.
#[inline]
pub fn word_at(bytes: &[u8], at: usize) -> Option<u64> {
    let chunk = bytes.get(at..at + 8)?;
    Some(u64::from_le_bytes(chunk.try_into().ok()?))
}

/// The high bit of each byte of `word` that equals `byte`. Borrows can
/// also flag bytes above a match, but the lowest flagged byte is always a
/// true match, which is all [`first_flagged`] relies on; and with no match
/// there is no borrow, so the mask is zero exactly when no byte matches.
#[inline]
pub fn byte_mask(word: u64, byte: u8) -> u64 {
    let masked = word ^ (ONES * u64::from(byte));
    masked.wrapping_sub(ONES) & !masked & HIGHS
}

/// Like [`byte_mask`] (and as exact about whether any byte is flagged), for
/// bytes below 0x20 (control characters).
#[inline]
pub fn control_mask(word: u64) -> u64 {
    word.wrapping_sub(ONES * 0x20) & !word & HIGHS
}

/// Index of the lowest byte of a non-zero mask that has any bit set: the
/// flagged byte of the masks above, or, of `word ^ pattern`, the first
/// byte that differs from the pattern.
#[inline]
pub fn first_flagged(mask: u64) -> usize {
    (mask.trailing_zeros() / 8) as usize
}

/// The bytes of `word` below index `count`, the others cleared.
#[inline]
pub fn bytes_below(word: u64, count: usize) -> u64 {
    match count {
        0 => 0,
        8.. => word,
        _ => word & (u64::MAX >> (64 - 8 * count)),
    }
}

/// Whether some byte of `word` is outside ASCII.
#[inline]
pub fn has_non_ascii(word: u64) -> bool {
    non_ascii_mask(word) != 0
}

/// The high bit of each byte of `word` outside ASCII.
#[inline]
pub fn non_ascii_mask(word: u64) -> u64 {
    word & HIGHS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_bytes_in_any_lane() {
        for lane in 0..8 {
            let mut bytes = *b"abcdefgh";
            bytes[lane] = b'"';
            assert!(byte_mask(u64::from_le_bytes(bytes), b'"') != 0);
            bytes[lane] = 0x1f;
            assert!(control_mask(u64::from_le_bytes(bytes)) != 0);
            bytes[lane] = 0xC3;
            assert!(has_non_ascii(u64::from_le_bytes(bytes)));
        }
        let plain = u64::from_le_bytes(*b"abcdefgh");
        assert!(byte_mask(plain, b'"') == 0 && control_mask(plain) == 0 && !has_non_ascii(plain));
        assert!(control_mask(u64::from_le_bytes(*b"        ")) == 0);
    }

    #[test]
    fn first_flagged_is_the_first_match_even_after_borrows() {
        // 0x00 borrows into the 0x01 above it; both look like matches of 0
        // but only the first one is, and that is the one reported.
        let word = u64::from_le_bytes([b'a', 0x00, 0x01, b'"', 0, 0, 0, 0]);
        assert_eq!(first_flagged(byte_mask(word, 0x00)), 1);
        assert_eq!(first_flagged(byte_mask(word, b'"')), 3);
        let controls = u64::from_le_bytes([b'x', b'y', 0x1f, 0x20, 0x1f, b'"', 0, 0]);
        assert_eq!(first_flagged(control_mask(controls)), 2);
        assert_eq!(bytes_below(u64::MAX, 3), 0xFF_FFFF);
        assert_eq!(bytes_below(u64::MAX, 0), 0);
        let text = u64::from_le_bytes(*b"cat\xC3\xA9gor");
        assert_eq!(first_flagged(non_ascii_mask(text)), 3);
    }
}
