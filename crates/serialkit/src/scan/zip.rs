//! A minimal, tolerant zip reader: it lists members from the central
//! directory and from a walk over the local headers, and never stops at
//! what torch itself tolerates (bad CRCs, unusual flag bits, names that
//! differ between the local header and the central directory). It does
//! not decompress; members are returned with their method.

use std::collections::HashSet;

use memchr::memmem;

const LOCAL: &[u8] = b"PK\x03\x04";
const CENTRAL: &[u8] = b"PK\x01\x02";
const END: &[u8] = b"PK\x05\x06";
const END64_LOCATOR: &[u8] = b"PK\x06\x07";
const END64: &[u8] = b"PK\x06\x06";

/// One member, found either way.
#[derive(Clone, Debug)]
pub struct Member {
    pub name: String,
    /// 0 stored, 8 deflate, ...
    pub method: u16,
    /// Offset of the (compressed) data in the archive.
    pub data_start: usize,
    /// Compressed size, cut to what the archive holds.
    pub size: usize,
    /// Oddities worth a warning.
    pub notes: Vec<String>,
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    let bytes = data.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([bytes[0], bytes[1]]))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    let bytes = data.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

fn u64_at(data: &[u8], at: usize) -> Option<u64> {
    let bytes = data.get(at..at.checked_add(8)?)?;
    let mut array = [0; 8];
    array.copy_from_slice(bytes);
    Some(u64::from_le_bytes(array))
}

fn sig_at(data: &[u8], at: usize, sig: &[u8]) -> bool {
    data.get(at..).is_some_and(|rest| rest.starts_with(sig))
}

fn name(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

struct CentralEntry {
    name: String,
    method: u16,
    size: u64,
    local: u64,
}

/// The central directory's entries; empty when it cannot be found.
fn central(data: &[u8]) -> Vec<CentralEntry> {
    let tail_start = data.len().saturating_sub(22 + 65535);
    let Some(end) = memmem::rfind(&data[tail_start..], END).map(|at| at + tail_start) else {
        return Vec::new();
    };
    let (mut count, mut cd_size, mut cd_offset) = (
        u64::from(u16_at(data, end + 10).unwrap_or(0)),
        u64::from(u32_at(data, end + 12).unwrap_or(0)),
        u64::from(u32_at(data, end + 16).unwrap_or(0)),
    );
    if end >= 20 && sig_at(data, end - 20, END64_LOCATOR) {
        if let Some(at) = u64_at(data, end - 20 + 8).and_then(|v| usize::try_from(v).ok()) {
            if sig_at(data, at, END64) {
                count = u64_at(data, at + 32).unwrap_or(count);
                cd_size = u64_at(data, at + 40).unwrap_or(cd_size);
                cd_offset = u64_at(data, at + 48).unwrap_or(cd_offset);
            }
        }
    }
    let mut at = usize::try_from(cd_offset).unwrap_or(usize::MAX);
    if !sig_at(data, at, CENTRAL) {
        // Data prepended to the archive shifts every offset.
        at = usize::try_from(cd_size)
            .ok()
            .and_then(|size| end.checked_sub(size))
            .unwrap_or(usize::MAX);
    }
    let mut entries = Vec::new();
    while (entries.len() as u64) < count.max(1) && sig_at(data, at, CENTRAL) {
        let field = |offset: usize| u16_at(data, at + offset).unwrap_or(0);
        let method = field(10);
        let mut size = u64::from(u32_at(data, at + 20).unwrap_or(0));
        let uncompressed = u32_at(data, at + 24).unwrap_or(0);
        let (name_len, extra_len, comment_len) = (
            usize::from(field(28)),
            usize::from(field(30)),
            usize::from(field(32)),
        );
        let mut local = u64::from(u32_at(data, at + 42).unwrap_or(0));
        let name_start = at + 46;
        let entry_name = name(data.get(name_start..name_start + name_len).unwrap_or(&[]));
        // Zip64 extra field: the 32-bit fields set to all ones, in order.
        let extra_start = name_start + name_len;
        let extra = data
            .get(extra_start..extra_start + extra_len)
            .unwrap_or(&[]);
        let mut pos = 0;
        while pos + 4 <= extra.len() {
            let id = u16_at(extra, pos).unwrap_or(0);
            let len = usize::from(u16_at(extra, pos + 2).unwrap_or(0));
            if id == 1 {
                let mut field_at = pos + 4;
                if uncompressed == u32::MAX {
                    field_at += 8;
                }
                if size == u64::from(u32::MAX) {
                    size = u64_at(extra, field_at).unwrap_or(size);
                    field_at += 8;
                }
                if local == u64::from(u32::MAX) {
                    local = u64_at(extra, field_at).unwrap_or(local);
                }
            }
            pos += 4 + len;
        }
        entries.push(CentralEntry {
            name: entry_name,
            method,
            size,
            local,
        });
        at = extra_start + extra_len + comment_len;
    }
    entries
}

/// Reads the local header at `at`; `central` supplies what a data
/// descriptor or zip64 leaves out of it.
fn local_member(data: &[u8], at: usize, central: Option<&CentralEntry>) -> Option<Member> {
    if !sig_at(data, at, LOCAL) {
        return None;
    }
    let flags = u16_at(data, at + 6)?;
    let method = u16_at(data, at + 8)?;
    let size = u32_at(data, at + 18)?;
    let name_len = usize::from(u16_at(data, at + 26)?);
    let extra_len = usize::from(u16_at(data, at + 28)?);
    let local_name = name(data.get(at + 30..(at + 30 + name_len).min(data.len()))?);
    let data_start = (at + 30 + name_len + extra_len).min(data.len());
    let mut notes = Vec::new();
    let size = match central {
        Some(entry) => usize::try_from(entry.size).unwrap_or(usize::MAX),
        None if flags & 8 == 0 && size != u32::MAX => size as usize,
        // Size unknown here: up to the next header.
        None => {
            let rest = &data[data_start..];
            let next = [LOCAL, CENTRAL]
                .iter()
                .filter_map(|sig| memmem::find(rest, sig))
                .min();
            next.unwrap_or(rest.len())
        }
    };
    let available = data.len() - data_start;
    if size > available {
        notes.push(format!(
            "member data is truncated ({size} bytes declared, {available} present)"
        ));
    }
    let mut member_name = local_name.clone();
    let mut member_method = method;
    if let Some(entry) = central {
        if entry.name != local_name {
            notes.push(format!(
                "local header names it {local_name:?}, the central directory {:?}",
                entry.name
            ));
        }
        if entry.method != method {
            notes.push(format!(
                "local header says method {method}, the central directory {}",
                entry.method
            ));
        }
        member_name = entry.name.clone();
        member_method = entry.method;
    }
    Some(Member {
        name: member_name,
        method: member_method,
        data_start,
        size: size.min(available),
        notes,
    })
}

/// Every member found in the central directory or by walking the local
/// headers from the start; each local header is reported once.
pub fn members(data: &[u8]) -> Vec<Member> {
    let entries = central(data);
    let by_local = |at: usize| entries.iter().find(|e| e.local == at as u64);
    let mut seen = HashSet::new();
    let mut members = Vec::new();
    // The walk over local headers, from the start.
    let mut at = 0;
    while let Some(member) = local_member(data, at, by_local(at)) {
        seen.insert(at);
        let end = member.data_start + member.size;
        members.push(member);
        at = if sig_at(data, end, LOCAL) {
            end
        } else {
            // A data descriptor, or sizes that lie: find the next header.
            match memmem::find(&data[end..], LOCAL) {
                Some(found) => end + found,
                None => break,
            }
        };
    }
    // Members only the central directory knows of.
    for entry in &entries {
        let Ok(local) = usize::try_from(entry.local) else {
            continue;
        };
        if !seen.insert(local) {
            continue;
        }
        if let Some(member) = local_member(data, local, Some(entry)) {
            members.push(member);
        }
    }
    members
}
