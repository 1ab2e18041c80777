//! A table from object addresses to small indices, for writers that must
//! notice an object they met before: the Python bindings' pickle memo and
//! marshal's FLAG_REF table, each looked up once per written object.
//!
//! Open addressing, one 16-byte slot per entry, so a probe touches one
//! cache line where a general hash map touches its control bytes and then
//! its bucket. Slots carry the epoch they were
//! written in, so emptying the table between calls costs nothing however
//! large it grew.

#[derive(Clone, Copy, Default)]
struct Slot {
    /// An object's address, or [`REMOVED`].
    address: usize,
    index: u32,
    /// The table's epoch when written; any other value means empty.
    epoch: u32,
}

/// Marks a removed entry, which lookups step over: no object lives at an
/// odd address.
const REMOVED: usize = 1;

pub struct IdentityTable {
    slots: Vec<Slot>,
    /// Entries, not counting removed ones.
    len: usize,
    /// Slots written this epoch, removed ones included.
    used: usize,
    epoch: u32,
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
            slots: vec![Slot::default(); MIN_CAPACITY],
            len: 0,
            used: 0,
            epoch: 1,
        }
    }
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
        if self.used == 0 {
            return;
        }
        self.len = 0;
        self.used = 0;
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            // Once per four billion clears: stale slots could look current.
            self.slots.fill(Slot::default());
            self.epoch = 1;
        }
    }

    #[inline]
    fn live(&self, slot: &Slot) -> bool {
        slot.epoch == self.epoch
    }

    /// The slot holding `address`, or the empty slot where it would go.
    ///
    /// The first slot tried keeps the address's low bits, past the 16-byte
    /// alignment: objects allocated one after another then sit in
    /// neighbouring slots, so a walk over data built in order, the usual
    /// case, reads the table almost sequentially (a multiplicative hash
    /// measured 3-5% slower on a whole `pickle.dumps`). The bits above the
    /// table's span are folded in, or else the first objects of aligned
    /// blocks (CPython's 16 KiB pools) would all start at one slot.
    /// Further probes jump by the address's high bits, as CPython's dict
    /// and memo tables do, so that neighbours do not pile up into long
    /// runs, as they did with linear probing.
    #[inline(always)]
    fn probe(&self, address: usize) -> (usize, bool) {
        let mask = self.slots.len() - 1;
        let mut perturb = address >> 4;
        let mut at = (perturb ^ (perturb >> self.slots.len().trailing_zeros())) & mask;
        loop {
            let slot = &self.slots[at];
            if !self.live(slot) {
                return (at, false);
            }
            if slot.address == address {
                return (at, true);
            }
            perturb >>= 5;
            at = (at * 5 + perturb + 1) & mask;
        }
    }

    #[inline(always)]
    pub fn get(&self, address: usize) -> Option<u32> {
        match self.probe(address) {
            (at, true) => Some(self.slots[at].index),
            (_, false) => None,
        }
    }

    /// The index of `address`, or `Inserted` after recording it with
    /// index `index`.
    #[inline(always)]
    pub fn find_or_insert(&mut self, address: usize, index: u32) -> Found {
        match self.probe(address) {
            (at, true) => Found::Existing(self.slots[at].index),
            (at, false) => {
                self.fill(at, address, index);
                Found::Inserted
            }
        }
    }

    /// Records `address` under `index`, replacing the index it had;
    /// returns whether it is new.
    pub fn insert(&mut self, address: usize, index: u32) -> bool {
        match self.probe(address) {
            (at, true) => {
                self.slots[at].index = index;
                false
            }
            (at, false) => {
                self.fill(at, address, index);
                true
            }
        }
    }

    #[inline]
    fn fill(&mut self, at: usize, address: usize, index: u32) {
        self.slots[at] = Slot {
            address,
            index,
            epoch: self.epoch,
        };
        self.len += 1;
        self.used += 1;
        if self.used * 3 > self.slots.len() * 2 {
            self.rebuild();
        }
    }

    /// Forgets `address`. Its slot stays marked, so that the probes that
    /// passed over it still reach what lies beyond.
    pub fn remove(&mut self, address: usize) {
        if let (at, true) = self.probe(address) {
            self.slots[at].address = REMOVED;
            self.len -= 1;
        }
    }

    /// Every (address, index), in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (usize, u32)> + '_ {
        self.slots
            .iter()
            .filter(|slot| self.live(slot) && slot.address != REMOVED)
            .map(|slot| (slot.address, slot.index))
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
        self.slots = vec![Slot::default(); capacity];
        self.epoch = 1;
        self.len = 0;
        self.used = 0;
        for (address, index) in entries {
            let (at, _) = self.probe(address);
            self.slots[at] = Slot {
                address,
                index,
                epoch: 1,
            };
            self.len += 1;
            self.used += 1;
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
        let mut perturb = address >> 4;
        let mut at = (perturb ^ (perturb >> table.slots.len().trailing_zeros())) & mask;
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
    fn a_wrapped_epoch_empties_the_table() {
        let mut table = IdentityTable::default();
        table.insert(0x1000, 1);
        table.epoch = u32::MAX;
        table.insert(0x2000, 2);
        table.clear();
        assert_eq!(table.get(0x1000), None);
        assert_eq!(table.get(0x2000), None);
        table.insert(0x3000, 3);
        assert_eq!(table.get(0x3000), Some(3));
        assert_eq!(table.get(0x1000), None);
    }
}
