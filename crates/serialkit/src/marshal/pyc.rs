//! `.pyc` files: a header, then one marshalled code object.
//!
//! The header has grown over the years: the magic number alone decides its
//! layout. Since Python 3.7 (PEP 552) it is 16 bytes: magic, flags, and
//! either the source's mtime and size or a hash of the source.

use crate::error::{Error, Position, Result};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PycHeader {
    /// The magic number (its first two bytes, little-endian).
    pub magic: u16,
    /// The Python version that writes this magic number, if known.
    pub python: Option<(u8, u8)>,
    /// PEP 552 flags (0 before Python 3.7).
    pub flags: u32,
    pub source: PycSource,
    /// Bytes taken by the header: the code object starts here.
    pub len: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PycSource {
    /// Checked against the source's modification time (and size, from 3.3).
    Timestamp { mtime: u32, size: Option<u32> },
    /// Checked against a SipHash of the source, if `check_source`.
    Hash { hash: [u8; 8], check_source: bool },
}

/// Ranges of magic numbers per Python 3 version (`Lib/importlib/_bootstrap_external.py`).
const VERSIONS: &[(u16, u16, (u8, u8))] = &[
    (3000, 3131, (3, 0)),
    (3141, 3151, (3, 1)),
    (3160, 3180, (3, 2)),
    (3190, 3230, (3, 3)),
    (3250, 3310, (3, 4)),
    (3320, 3351, (3, 5)),
    (3360, 3379, (3, 6)),
    (3390, 3399, (3, 7)),
    (3400, 3419, (3, 8)),
    (3420, 3429, (3, 9)),
    (3430, 3449, (3, 10)),
    (3450, 3499, (3, 11)),
    (3500, 3549, (3, 12)),
    (3550, 3599, (3, 13)),
    (3600, 3649, (3, 14)),
];

pub fn python_version(magic: u16) -> Option<(u8, u8)> {
    VERSIONS
        .iter()
        .find(|(low, high, _)| (*low..=*high).contains(&magic))
        .map(|(_, _, version)| *version)
}

/// Whether `data` starts like a `.pyc` file of a Python 3 version.
pub fn looks_like_pyc(data: &[u8]) -> bool {
    data.len() >= 4
        && &data[2..4] == b"\r\n"
        && python_version(u16::from_le_bytes([data[0], data[1]])).is_some()
}

fn u32_at(data: &[u8], at: usize) -> Result<u32> {
    data.get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| Error::syntax("pyc header too short", Position::Offset(data.len())))
}

pub fn read_header(data: &[u8]) -> Result<PycHeader> {
    if !looks_like_pyc(data) {
        return Err(Error::syntax(
            "not a .pyc file of Python 3 (unknown magic number)",
            Position::Offset(0),
        ));
    }
    let magic = u16::from_le_bytes([data[0], data[1]]);
    let python = python_version(magic);
    let version = python.unwrap_or((3, 0));
    if version < (3, 3) {
        let mtime = u32_at(data, 4)?;
        return Ok(PycHeader {
            magic,
            python,
            flags: 0,
            source: PycSource::Timestamp { mtime, size: None },
            len: 8,
        });
    }
    if version < (3, 7) {
        let mtime = u32_at(data, 4)?;
        let size = u32_at(data, 8)?;
        return Ok(PycHeader {
            magic,
            python,
            flags: 0,
            source: PycSource::Timestamp {
                mtime,
                size: Some(size),
            },
            len: 12,
        });
    }
    let flags = u32_at(data, 4)?;
    let source = if flags & 1 != 0 {
        let hash = data
            .get(8..16)
            .ok_or_else(|| Error::syntax("pyc header too short", Position::Offset(data.len())))?;
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(hash);
        PycSource::Hash {
            hash: bytes,
            check_source: flags & 2 != 0,
        }
    } else {
        PycSource::Timestamp {
            mtime: u32_at(data, 8)?,
            size: Some(u32_at(data, 12)?),
        }
    };
    Ok(PycHeader {
        magic,
        python,
        flags,
        source,
        len: 16,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_timestamp_and_hash_headers() {
        let mut data = 3495u16.to_le_bytes().to_vec();
        data.extend_from_slice(b"\r\n");
        data.extend_from_slice(&0u32.to_le_bytes());
        data.extend_from_slice(&1_700_000_000u32.to_le_bytes());
        data.extend_from_slice(&42u32.to_le_bytes());
        let header = read_header(&data).unwrap();
        assert_eq!(header.python, Some((3, 11)));
        assert_eq!(
            header.source,
            PycSource::Timestamp {
                mtime: 1_700_000_000,
                size: Some(42)
            }
        );
        data[4] = 3;
        let header = read_header(&data).unwrap();
        assert!(matches!(
            header.source,
            PycSource::Hash {
                check_source: true,
                ..
            }
        ));
        assert!(read_header(&data[..10]).is_err());
        assert!(read_header(b"\x00\x00\r\n").is_err());
    }
}
