//! The set of stored secret fingerprints.

use std::sync::RwLock;

use super::PassThroughMap;

/// Every secret hash the file holds, as 8-byte fingerprints with a count: a
/// verify of a key whose fingerprint is absent answers `not_found` without
/// touching the file (unknown keys are what an attacker sends). Built at open,
/// kept by this process's writes (the only writer). About 16 bytes per key.
#[derive(Default)]
pub(crate) struct Known {
    set: RwLock<PassThroughMap<u64, u32>>,
}

fn fingerprint(hash: &[u8; 32]) -> u64 {
    u64::from_le_bytes(hash[..8].try_into().expect("8 bytes"))
}

impl Known {
    /// The 8 bytes of a hash the set keeps.
    pub(crate) fn fingerprint(hash: &[u8; 32]) -> u64 {
        fingerprint(hash)
    }

    /// The set of these fingerprints, sized once (a store's open).
    pub(crate) fn of(fingerprints: Vec<u64>) -> Known {
        let mut set =
            PassThroughMap::with_capacity_and_hasher(fingerprints.len(), Default::default());
        for f in fingerprints {
            *set.entry(f).or_insert(0) += 1;
        }
        Known {
            set: RwLock::new(set),
        }
    }

    pub(crate) fn may_contain(&self, hash: &[u8; 32]) -> bool {
        self.set
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(&fingerprint(hash))
    }

    pub(crate) fn add(&self, hash: &[u8; 32]) {
        let mut set = self.set.write().unwrap_or_else(|p| p.into_inner());
        *set.entry(fingerprint(hash)).or_insert(0) += 1;
    }

    pub(crate) fn remove(&self, hash: &[u8; 32]) {
        let mut set = self.set.write().unwrap_or_else(|p| p.into_inner());
        let f = fingerprint(hash);
        if let Some(n) = set.get_mut(&f) {
            *n -= 1;
            if *n == 0 {
                set.remove(&f);
            }
        }
    }
}
