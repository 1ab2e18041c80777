//! The table of objects written with FLAG_REF: object address to index.
//!
//! One lookup per written object that has more than one reference, so it
//! is a plain open-addressing table (linear probing, addresses hashed by a
//! multiplication) with a single probe loop for "find or insert", cheaper
//! than a general hash map's entry API in the profiles.

pub struct RefTable {
    /// (address, index); address 0 marks an empty slot (no object lives
    /// at address 0).
    slots: Vec<(usize, u32)>,
    len: usize,
    shift: u32,
}

/// What `find_or_insert` found.
pub enum Found {
    Existing(u32),
    Inserted,
}

const MIN_CAPACITY: usize = 64;

impl Default for RefTable {
    fn default() -> Self {
        RefTable {
            slots: vec![(0, 0); MIN_CAPACITY],
            len: 0,
            shift: 64 - MIN_CAPACITY.trailing_zeros(),
        }
    }
}

impl RefTable {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    pub fn clear(&mut self) {
        if self.len > 0 {
            self.slots.fill((0, 0));
            self.len = 0;
        }
    }

    #[inline]
    fn home(&self, address: usize) -> usize {
        ((address as u64 >> 4).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// The index of `address`, or `Inserted` after recording it with the
    /// next index (the table's size before).
    #[inline]
    pub fn find_or_insert(&mut self, address: usize) -> Found {
        let mask = self.slots.len() - 1;
        let mut at = self.home(address);
        loop {
            let (key, index) = self.slots[at];
            if key == address {
                return Found::Existing(index);
            }
            if key == 0 {
                self.slots[at] = (address, self.len as u32);
                self.len += 1;
                if self.len * 2 > self.slots.len() {
                    self.grow();
                }
                return Found::Inserted;
            }
            at = (at + 1) & mask;
        }
    }

    #[cold]
    fn grow(&mut self) {
        let doubled = self.slots.len() * 2;
        let old = std::mem::replace(&mut self.slots, vec![(0, 0); doubled]);
        self.shift -= 1;
        let mask = self.slots.len() - 1;
        for (key, index) in old.into_iter().filter(|(key, _)| *key != 0) {
            let mut at = self.home(key);
            while self.slots[at].0 != 0 {
                at = (at + 1) & mask;
            }
            self.slots[at] = (key, index);
        }
    }
}
