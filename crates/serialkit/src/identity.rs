//! A table from object addresses to small indices, for writers that must
//! notice an object they met before: the Python bindings' pickle memo and
//! marshal's FLAG_REF table, each looked up once per written object.
//!
//! Open addressing with a byte of tag per slot, kept apart from the
//! 16-byte slots. Most lookups of an object not yet written end on the tag
//! bytes, a table a sixteenth the size of the slots that stays in cache
//! when the slots do not: a pickle of 56,000 lists missed the cache on
//! nearly every first lookup when it had to read the slots themselves.
//! The slots written are listed, so emptying the table between calls
//! costs what was written, not what the table grew to.

#[derive(Clone, Copy, Default)]
struct Slot {
    address: usize,
    index: u32,
}

/// The tag of an empty slot.
const EMPTY: u8 = 0;
/// The tag of a removed entry, which lookups step over; live tags have
/// their top bit set.
const REMOVED: u8 = 1;

pub struct IdentityTable {
    tags: Vec<u8>,
    slots: Vec<Slot>,
    /// Every slot written since the last clear, removed ones included.
    written: Vec<u32>,
    /// Entries, not counting removed ones.
    len: usize,
}

/// What [`IdentityTable::find_or_insert`] found.
pub enum Found {
    Existing(u32),
    Inserted,
}

const MIN_CAPACITY: usize = 64;

impl Default for IdentityTable {
    fn default() -> Self {
        IdentityTable {
            tags: vec![EMPTY; MIN_CAPACITY],
            slots: vec![Slot::default(); MIN_CAPACITY],
            written: Vec::new(),
            len: 0,
        }
    }
}

/// Where an address is looked for first, and its tag.
///
/// The first slot keeps the address's low bits, past the 16-byte
/// alignment: objects allocated one after another then sit in
/// neighbouring slots, so a walk over data built in order, the usual case,
/// reads the table almost sequentially (a multiplicative hash measured
/// 3-5% slower on a whole `pickle.dumps`). The bits above the table's span
/// are folded in, or else the first objects of aligned blocks (CPython's
/// 16 KiB pools) would all start at one slot. The tag comes from a
/// multiplicative hash, so that neighbours sharing a run of slots differ
/// in it.
#[inline(always)]
fn home_and_tag(address: usize, capacity: usize) -> (usize, u8) {
    let bits = address >> 4;
    let home = (bits ^ (bits >> capacity.trailing_zeros())) & (capacity - 1);
    let mixed = (bits as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (home, 0x80 | (mixed >> 57) as u8)
}

impl IdentityTable {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Forgets every entry, keeping the capacity.
    pub fn clear(&mut self) {
        for &at in &self.written {
            if let Some(tag) = self.tags.get_mut(at as usize) {
                *tag = EMPTY;
            }
        }
        self.written.clear();
        self.len = 0;
    }

    /// The slot holding `address`, or the empty slot where it would go,
    /// and the address's tag. Further probes jump by the address's high
    /// bits, as CPython's dict and memo tables do, so that neighbours do
    /// not pile up into long runs, as they did with linear probing.
    #[inline(always)]
    fn probe(&self, address: usize) -> (usize, bool, u8) {
        let mask = self.slots.len() - 1;
        let (mut at, tag) = home_and_tag(address, self.slots.len());
        let mut perturb = address >> 4;
        loop {
            let found = self.tags[at];
            if found == EMPTY {
                return (at, false, tag);
            }
            if found == tag && self.slots[at].address == address {
                return (at, true, tag);
            }
            perturb >>= 5;
            at = (at * 5 + perturb + 1) & mask;
        }
    }

    #[inline(always)]
    pub fn get(&self, address: usize) -> Option<u32> {
        match self.probe(address) {
            (at, true, _) => Some(self.slots[at].index),
            _ => None,
        }
    }

    /// The index of `address`, or `Inserted` after recording it with
    /// index `index`.
    #[inline(always)]
    pub fn find_or_insert(&mut self, address: usize, index: u32) -> Found {
        match self.probe(address) {
            (at, true, _) => Found::Existing(self.slots[at].index),
            (at, false, tag) => {
                self.fill(at, tag, address, index);
                Found::Inserted
            }
        }
    }

    /// Records `address` under `index`, replacing the index it had;
    /// returns whether it is new.
    pub fn insert(&mut self, address: usize, index: u32) -> bool {
        match self.probe(address) {
            (at, true, _) => {
                self.slots[at].index = index;
                false
            }
            (at, false, tag) => {
                self.fill(at, tag, address, index);
                true
            }
        }
    }

    #[inline]
    fn fill(&mut self, at: usize, tag: u8, address: usize, index: u32) {
        self.tags[at] = tag;
        self.slots[at] = Slot { address, index };
        self.written.push(at as u32);
        self.len += 1;
        if self.written.len() * 3 > self.slots.len() * 2 {
            self.rebuild();
        }
    }

    /// Forgets `address`. Its slot stays marked, so that the probes that
    /// passed over it still reach what lies beyond.
    pub fn remove(&mut self, address: usize) {
        if let (at, true, _) = self.probe(address) {
            self.tags[at] = REMOVED;
            self.len -= 1;
        }
    }

    /// Every (address, index), in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (usize, u32)> + '_ {
        self.written.iter().filter_map(|&at| {
            let at = at as usize;
            (self.tags[at] & 0x80 != 0).then(|| (self.slots[at].address, self.slots[at].index))
        })
    }

    /// Lays the entries out afresh, without the removed ones, in a table
    /// at most half full.
    #[cold]
    fn rebuild(&mut self) {
        let entries: Vec<(usize, u32)> = self.iter().collect();
        let mut capacity = self.slots.len();
        while entries.len() * 2 > capacity {
            capacity *= 2;
        }
        self.tags = vec![EMPTY; capacity];
        self.slots = vec![Slot::default(); capacity];
        self.written.clear();
        self.len = 0;
        for (address, index) in entries {
            let (at, _, tag) = self.probe(address);
            self.tags[at] = tag;
            self.slots[at] = Slot { address, index };
            self.written.push(at as u32);
            self.len += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Addresses that crowd a few runs of slots, as objects allocated side
    /// by side do, plus some that wrap around the table.
    fn addresses(count: usize) -> Vec<usize> {
        (0..count)
            .map(|i| 0x7f00_0000_0000 + (i % 97) * 16 + (i / 97) * 0x10_0000)
            .collect()
    }

    #[test]
    fn agrees_with_a_hash_map_through_inserts_removes_and_clears() {
        let mut table = IdentityTable::default();
        let mut model: HashMap<usize, u32> = HashMap::new();
        let addrs = addresses(3000);
        for round in 0..3u32 {
            for (i, &address) in addrs.iter().enumerate() {
                let index = i as u32 + round;
                assert_eq!(
                    table.insert(address, index),
                    model.insert(address, index).is_none()
                );
                if i % 7 == 3 {
                    let gone = addrs[i / 2];
                    table.remove(gone);
                    model.remove(&gone);
                }
            }
            assert_eq!(table.len(), model.len());
            for &address in &addrs {
                assert_eq!(table.get(address), model.get(&address).copied());
            }
            let mut listed: Vec<_> = table.iter().collect();
            let mut expected: Vec<_> = model.iter().map(|(&a, &i)| (a, i)).collect();
            listed.sort_unstable();
            expected.sort_unstable();
            assert_eq!(listed, expected);
            table.clear();
            model.clear();
            assert!(addrs.iter().all(|&a| table.get(a).is_none()));
        }
    }

    /// How many slots a lookup of `address` visits.
    fn probe_length(table: &IdentityTable, address: usize) -> usize {
        let mask = table.slots.len() - 1;
        let (mut at, _) = home_and_tag(address, table.slots.len());
        let mut perturb = address >> 4;
        let mut visited = 1;
        while table.slots[at].address != address {
            perturb >>= 5;
            at = (at * 5 + perturb + 1) & mask;
            visited += 1;
        }
        visited
    }

    #[test]
    fn addresses_a_table_span_apart_do_not_pile_up() {
        let mut table = IdentityTable::default();
        let addrs: Vec<usize> = (0..4000).map(|i| 0x7f00_0000_0000 + (i << 20)).collect();
        for (i, &address) in addrs.iter().enumerate() {
            assert!(table.insert(address, i as u32));
        }
        let total: usize = addrs.iter().map(|&a| probe_length(&table, a)).sum();
        assert!(total < 4 * addrs.len(), "{total} slots visited");
        for (i, &address) in addrs.iter().enumerate() {
            assert_eq!(table.get(address), Some(i as u32));
        }
    }

    #[test]
    fn find_or_insert_returns_the_first_index() {
        let mut table = IdentityTable::default();
        assert!(matches!(table.find_or_insert(0x1000, 0), Found::Inserted));
        assert!(matches!(
            table.find_or_insert(0x1000, 5),
            Found::Existing(0)
        ));
        assert_eq!(table.len(), 1);
    }

    #[test]
    fn a_cleared_table_keeps_its_capacity_and_forgets_everything() {
        let mut table = IdentityTable::default();
        let addrs = addresses(500);
        for (i, &address) in addrs.iter().enumerate() {
            table.insert(address, i as u32);
        }
        table.remove(addrs[3]);
        let capacity = table.capacity();
        table.clear();
        assert_eq!(table.capacity(), capacity);
        assert!(table.is_empty());
        assert!(table.tags.iter().all(|&tag| tag == EMPTY));
        assert!(addrs.iter().all(|&a| table.get(a).is_none()));
        table.insert(addrs[7], 1);
        assert_eq!(table.get(addrs[7]), Some(1));
        assert_eq!(table.iter().count(), 1);
    }
}
