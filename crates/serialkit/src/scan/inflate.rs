//! Decompression for what the scanner meets compressed: deflated zip
//! members (`np.savez_compressed`, zips written with compression) and
//! zlib or gzip streams (joblib's `compress=`).
//!
//! Output is capped, so a decompression bomb costs at most the cap. What
//! was inflated before the cap is still returned: the header of a large
//! numeric `.npy` is all the scanner needs of it.

use miniz_oxide::inflate::{self, TINFLStatus};

/// Most bytes one member or stream is inflated to.
pub const MAX_INFLATED: usize = 512 << 20;

/// Inflated data, whole or cut at [`MAX_INFLATED`].
pub struct Inflated {
    pub data: Vec<u8>,
    pub complete: bool,
}

/// The ways a compressed file can start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wrapper {
    Zlib,
    Gzip,
}

impl Wrapper {
    pub fn name(self) -> &'static str {
        match self {
            Wrapper::Zlib => "zlib",
            Wrapper::Gzip => "gzip",
        }
    }

    /// A zlib header (deflate, a window of at most 32 KiB, a valid check
    /// value) or a gzip header with the deflate method.
    pub fn sniff(data: &[u8]) -> Option<Wrapper> {
        match data {
            [0x1f, 0x8b, 8, ..] => Some(Wrapper::Gzip),
            [cmf, flg, ..]
                if cmf & 0x0f == 8
                    && cmf >> 4 <= 7
                    && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0 =>
            {
                Some(Wrapper::Zlib)
            }
            _ => None,
        }
    }
}

/// Inflates raw deflate data, as zip members hold it, to at most `cap`
/// bytes.
pub fn raw(data: &[u8], cap: usize) -> Result<Inflated, String> {
    finish(inflate::decompress_to_vec_with_limit(data, cap))
}

/// Inflates a zlib or gzip stream to at most `cap` bytes.
pub fn wrapped(data: &[u8], wrapper: Wrapper, cap: usize) -> Result<Inflated, String> {
    match wrapper {
        Wrapper::Zlib => finish(inflate::decompress_to_vec_zlib_with_limit(data, cap)),
        Wrapper::Gzip => {
            let start = gzip_body(data).ok_or("malformed gzip header")?;
            raw(&data[start..], cap)
        }
    }
}

fn finish(result: Result<Vec<u8>, inflate::DecompressError>) -> Result<Inflated, String> {
    match result {
        Ok(data) => Ok(Inflated {
            data,
            complete: true,
        }),
        Err(error) if error.status == TINFLStatus::HasMoreOutput => Ok(Inflated {
            data: error.output,
            complete: false,
        }),
        Err(error) => Err(format!("corrupt compressed data ({:?})", error.status)),
    }
}

/// Where a gzip member's deflate data starts, past its optional fields.
fn gzip_body(data: &[u8]) -> Option<usize> {
    const EXTRA: u8 = 4;
    const NAME: u8 = 8;
    const COMMENT: u8 = 16;
    const HEADER_CRC: u8 = 2;
    let flags = *data.get(3)?;
    let mut at = 10;
    if flags & EXTRA != 0 {
        let len = data.get(at..at + 2)?;
        at += 2 + usize::from(u16::from_le_bytes([len[0], len[1]]));
    }
    for field in [NAME, COMMENT] {
        if flags & field != 0 {
            at += memchr::memchr(0, data.get(at..)?)? + 1;
        }
    }
    if flags & HEADER_CRC != 0 {
        at += 2;
    }
    (at <= data.len()).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_zlib_and_gzip_headers() {
        assert_eq!(Wrapper::sniff(b"\x78\x9c rest"), Some(Wrapper::Zlib));
        assert_eq!(Wrapper::sniff(b"\x78\x01"), Some(Wrapper::Zlib));
        assert_eq!(Wrapper::sniff(b"\x1f\x8b\x08\x00"), Some(Wrapper::Gzip));
        // A protocol 2 pickle and a check value that fails.
        assert_eq!(Wrapper::sniff(b"\x80\x02"), None);
        assert_eq!(Wrapper::sniff(b"\x78\x9d"), None);
    }

    #[test]
    fn inflates_what_miniz_deflates_and_caps_bombs() {
        let text = b"serialkit ".repeat(1000);
        let zlib = miniz_oxide::deflate::compress_to_vec_zlib(&text, 6);
        let back = wrapped(&zlib, Wrapper::Zlib, MAX_INFLATED).unwrap();
        assert!(back.complete);
        assert_eq!(back.data, text);

        let bomb = miniz_oxide::deflate::compress_to_vec(&vec![0; 1 << 20], 9);
        assert!(bomb.len() < 2048);
        let capped = raw(&bomb, 4096).unwrap();
        assert!(!capped.complete);
        assert_eq!(capped.data.len(), 4096);
    }

    #[test]
    fn corrupt_data_is_an_error_not_a_panic() {
        assert!(raw(b"\xff\xff\xff\xff", MAX_INFLATED).is_err());
        assert!(wrapped(b"\x1f\x8b\x08\x1f", Wrapper::Gzip, MAX_INFLATED).is_err());
    }
}
