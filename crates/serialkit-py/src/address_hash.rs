//! Hash maps keyed by object addresses.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Hashes object addresses. They are unique and spread well once their
/// alignment bits are dropped; SipHash's defence against chosen keys buys
/// nothing for addresses and showed in the profiles of memo- and
/// call-heavy pickles.
#[derive(Default)]
pub struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_usize(&mut self, address: usize) {
        const TAG_BITS: u64 = 0x7f << 57;
        let address = address as u64 >> 4;
        let mixed = address.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = (address ^ (address >> 12)) & !TAG_BITS | mixed & TAG_BITS;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A map from object addresses (as `usize`) to `V`.
pub type AddressMap<V> = HashMap<usize, V, BuildHasherDefault<AddressHasher>>;
