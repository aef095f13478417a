//! The verify cache: keyed hash → what verify needs of a key.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, RwLock};

use super::{PassThroughMap, PoolState, Usage};
use crate::record::KeyRecord;

type HashKeyed<V> = PassThroughMap<[u8; 32], V>;

/// A key as verify needs it, built from one snapshot of the file.
pub(crate) struct Cached {
    pub valid_until: Option<i64>,
    pub revoked: bool,
    pub enabled: bool,
    pub expires_ms: Option<i64>,
    pub record: Arc<KeyRecord>,
    pub usage: Arc<Usage>,
    pub pool: Option<Arc<Mutex<PoolState>>>,
}

const SHARDS: usize = 64;

struct Shard {
    map: HashKeyed<Arc<Cached>>,
    /// Insertion order, for first-in-first-out eviction; may hold hashes
    /// already invalidated (skipped when met).
    order: VecDeque<[u8; 32]>,
    generation: u64,
}

/// Verify cache: keyed hash → entry. Writers invalidate after commit and bump
/// the shard's generation, so a reader that loaded before a commit cannot
/// insert a stale entry after it.
pub(crate) struct Cache {
    shards: Vec<RwLock<Shard>>,
    per_shard: usize,
}

fn shard_of(hash: &[u8; 32]) -> usize {
    hash[31] as usize % SHARDS
}

impl Cache {
    pub(crate) fn new(capacity: usize) -> Self {
        Cache {
            shards: (0..SHARDS)
                .map(|_| {
                    RwLock::new(Shard {
                        map: HashKeyed::default(),
                        order: VecDeque::new(),
                        generation: 0,
                    })
                })
                .collect(),
            // Keys do not spread evenly over shards: 25% headroom lets a store
            // with `capacity` keys keep all of them (a shard's share varies by
            // a few percent at a million keys).
            per_shard: capacity.div_ceil(SHARDS).saturating_mul(5) / 4,
        }
    }

    /// Runs `f` on the cached entry, holding the shard's read lock.
    pub(crate) fn with<R>(&self, hash: &[u8; 32], f: impl FnOnce(&Arc<Cached>) -> R) -> Option<R> {
        let shard = self.shards[shard_of(hash)]
            .read()
            .unwrap_or_else(|p| p.into_inner());
        shard.map.get(hash).map(f)
    }

    pub(crate) fn generation(&self, hash: &[u8; 32]) -> u64 {
        self.shards[shard_of(hash)]
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .generation
    }

    /// Inserts unless a writer invalidated the shard since `generation`.
    pub(crate) fn insert(&self, hash: [u8; 32], entry: Arc<Cached>, generation: u64) {
        if self.per_shard == 0 {
            return;
        }
        let mut shard = self.shards[shard_of(&hash)]
            .write()
            .unwrap_or_else(|p| p.into_inner());
        if shard.generation != generation {
            return;
        }
        // Bounded memory: evict the oldest entries (they reload on demand).
        while shard.map.len() >= self.per_shard {
            match shard.order.pop_front() {
                Some(old) => {
                    shard.map.remove(&old);
                }
                None => break,
            }
        }
        if shard.map.insert(hash, entry).is_none() {
            shard.order.push_back(hash);
        }
        if shard.order.len() > 2 * self.per_shard.max(16) {
            // Drop stale (invalidated) hashes from the order queue.
            let Shard { map, order, .. } = &mut *shard;
            order.retain(|h| map.contains_key(h));
        }
    }

    pub(crate) fn invalidate(&self, hash: &[u8; 32]) {
        let mut shard = self.shards[shard_of(hash)]
            .write()
            .unwrap_or_else(|p| p.into_inner());
        shard.map.remove(hash);
        shard.generation += 1;
    }

    pub(crate) fn clear(&self) {
        for s in &self.shards {
            let mut shard = s.write().unwrap_or_else(|p| p.into_inner());
            shard.map.clear();
            shard.order.clear();
            shard.generation += 1;
        }
    }
}
