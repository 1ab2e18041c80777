//! The memo: PUT/MEMOIZE store, GET retrieves. Picklers number entries
//! 0, 1, 2, ..., so keys are kept in a vector while they stay dense; keys
//! far beyond the number of entries (which only hostile pickles use) go to
//! a map, so no key can make the memo allocate more than a small multiple
//! of its entry count.

use std::collections::HashMap;

pub(super) struct Memo<T> {
    dense: Vec<Option<T>>,
    sparse: HashMap<u64, T>,
    len: usize,
}

/// Slack that lets the dense part absorb small gaps without a map.
const DENSE_SLACK: u64 = 256;

impl<T> Memo<T> {
    /// A memo with room for `capacity` dense entries before it first grows.
    pub(super) fn with_capacity(capacity: usize) -> Self {
        Memo {
            dense: Vec::with_capacity(capacity),
            sparse: HashMap::new(),
            len: 0,
        }
    }

    /// The number of distinct keys set.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    pub(super) fn get(&self, key: u64) -> Option<&T> {
        let dense = usize::try_from(key)
            .ok()
            .and_then(|at| self.dense.get(at))
            .and_then(Option::as_ref);
        dense.or_else(|| self.sparse.get(&key))
    }

    /// Every entry, dense keys in order first, then the sparse ones sorted.
    pub(super) fn entries(&self) -> Vec<(u64, &T)> {
        let mut sparse: Vec<(u64, &T)> = self.sparse.iter().map(|(&k, v)| (k, v)).collect();
        sparse.sort_unstable_by_key(|&(key, _)| key);
        let dense = self.dense.iter().enumerate();
        let dense = dense.filter_map(|(at, slot)| Some((at as u64, slot.as_ref()?)));
        dense.chain(sparse).collect()
    }

    pub(super) fn values_mut(&mut self) -> impl Iterator<Item = &mut T> {
        let dense = self.dense.iter_mut().filter_map(Option::as_mut);
        dense.chain(self.sparse.values_mut())
    }

    /// The same entries with every value converted; the dense part keeps
    /// its allocation when the two value types have the same layout.
    pub(super) fn map<U>(self, mut convert: impl FnMut(T) -> U) -> Memo<U> {
        Memo {
            dense: self
                .dense
                .into_iter()
                .map(|slot| slot.map(&mut convert))
                .collect(),
            sparse: self
                .sparse
                .into_iter()
                .map(|(key, value)| (key, convert(value)))
                .collect(),
            len: self.len,
        }
    }

    pub(super) fn map_ref<U>(&self, mut convert: impl FnMut(&T) -> U) -> Memo<U> {
        Memo {
            dense: self
                .dense
                .iter()
                .map(|slot| slot.as_ref().map(&mut convert))
                .collect(),
            sparse: self
                .sparse
                .iter()
                .map(|(&key, value)| (key, convert(value)))
                .collect(),
            len: self.len,
        }
    }

    pub(super) fn clear(&mut self) {
        self.dense.clear();
        self.sparse.clear();
        self.len = 0;
    }

    pub(super) fn contains(&self, key: u64) -> bool {
        self.get(key).is_some()
    }

    /// Sets `key`, replacing any earlier value. A key lives in at most one
    /// of the two parts: a dense slot wins, and claiming one removes the
    /// key from the map.
    /// The common case, MEMOIZE or PUT of the next key after dense-only
    /// entries, is a push, inlined into the machine's loop; anything else
    /// takes the general path.
    #[inline(always)]
    pub(super) fn insert(&mut self, key: u64, value: T) {
        if self.sparse.is_empty() && key == self.dense.len() as u64 && self.len == self.dense.len()
        {
            match super::push_in_room(&mut self.dense, Some(value)) {
                Ok(()) => self.len += 1,
                // No room: the general path grows the vector. (The value
                // comes back as the `Some` it went in as.)
                Err(slot) => {
                    if let Some(value) = slot {
                        self.insert_general(key, value);
                    }
                }
            }
        } else {
            self.insert_general(key, value);
        }
    }

    #[inline(never)]
    fn insert_general(&mut self, key: u64, value: T) {
        let dense_bound = (self.len as u64)
            .saturating_mul(2)
            .saturating_add(DENSE_SLACK);
        let at = usize::try_from(key).ok().filter(|_| key < dense_bound);
        match at {
            Some(at) => {
                if at >= self.dense.len() {
                    self.dense.resize_with(at + 1, || None);
                }
                let had_sparse = !self.sparse.is_empty() && self.sparse.remove(&key).is_some();
                if self.dense[at].replace(value).is_none() && !had_sparse {
                    self.len += 1;
                }
            }
            None => {
                let in_dense = usize::try_from(key)
                    .ok()
                    .and_then(|at| self.dense.get_mut(at))
                    .filter(|slot| slot.is_some());
                match in_dense {
                    Some(slot) => *slot = Some(value),
                    None => {
                        if self.sparse.insert(key, value).is_none() {
                            self.len += 1;
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_and_sparse_keys_agree() {
        let mut memo = Memo::with_capacity(0);
        memo.insert(0, 'a');
        memo.insert(1 << 40, 'b');
        memo.insert(1, 'c');
        memo.insert(1, 'd');
        assert_eq!(memo.len(), 3);
        assert_eq!(memo.get(1), Some(&'d'));
        assert_eq!(memo.get(1 << 40), Some(&'b'));
        assert_eq!(memo.get(2), None);
        // A key first stored sparsely, then reachable densely, stays single.
        memo.insert(600, 'e');
        for key in 2..600 {
            memo.insert(key, 'f');
        }
        memo.insert(600, 'g');
        assert_eq!(memo.get(600), Some(&'g'));
        assert_eq!(memo.len(), 602);
        assert!(memo.dense.len() <= 2 * memo.len() + DENSE_SLACK as usize);
    }

    #[test]
    fn entries_list_dense_keys_then_sorted_sparse_ones() {
        let mut memo = Memo::with_capacity(0);
        memo.insert(1 << 41, 'z');
        memo.insert(1, 'b');
        memo.insert(1 << 40, 'y');
        memo.insert(0, 'a');
        let keys: Vec<u64> = memo.entries().iter().map(|&(key, _)| key).collect();
        assert_eq!(keys, [0, 1, 1 << 40, 1 << 41]);
        let memo = memo.map(|c| c.to_ascii_uppercase());
        assert_eq!(memo.get(1 << 40), Some(&'Y'));
        assert_eq!(memo.len(), 4);
        let mut memo = memo;
        memo.clear();
        assert_eq!((memo.len(), memo.get(0)), (0, None));
    }
}
