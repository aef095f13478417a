//! In-memory state of an open store: the verify cache, the counters waiting
//! to be flushed, credits, pools and rate-limit windows.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use crate::record::{KeyRecord, Refill};

/// The map key hashes are already uniform blake3 output: use 8 of their bytes.
#[derive(Default)]
pub(crate) struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8).take(1) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.0 ^= u64::from_le_bytes(b);
        }
    }
}

type HashKeyed<V> = HashMap<[u8; 32], V, BuildHasherDefault<PassThrough>>;

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
    order: std::collections::VecDeque<[u8; 32]>,
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
                        order: std::collections::VecDeque::new(),
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
    pub(crate) fn with<R>(&self, hash: &[u8; 32], f: impl FnOnce(&Cached) -> R) -> Option<R> {
        let shard = self.shards[shard_of(hash)]
            .read()
            .unwrap_or_else(|p| p.into_inner());
        shard.map.get(hash).map(|e| f(e))
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

/// Credits of a metered key (or a pool), authoritative while in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Credits {
    pub remaining: u64,
    pub refill: Option<Refill>,
    pub refilled_at: i64,
    pub dirty: bool,
}

impl Credits {
    /// Applies lazy refill, then spends `cost` if there is enough.
    pub(crate) fn spend(&mut self, cost: u64, now: i64) -> Result<u64, u64> {
        if let Some(refill) = self.refill {
            let (remaining, at) = refill.apply(self.remaining, self.refilled_at, now);
            if at != self.refilled_at {
                self.remaining = remaining;
                self.refilled_at = at;
                self.dirty = true;
            }
        }
        if self.remaining < cost {
            return Err(self.remaining);
        }
        if cost > 0 {
            self.remaining -= cost;
            self.dirty = true;
        }
        Ok(self.remaining)
    }
}

/// A pool's state; `exists` is false for an owner with no pool (0 credits).
pub(crate) struct PoolState {
    pub credits: Credits,
    pub exists: bool,
}

/// Per-key counters kept in memory between flushes.
pub(crate) struct Usage {
    /// The key's id, for the flush that writes these counters.
    pub id: Box<str>,
    pub uses: AtomicU64,
    pub last_used: AtomicI64,
    pub denied: [AtomicU64; 6],
    pub dirty: AtomicBool,
    pub credits: Mutex<Option<Credits>>,
    pub window: Mutex<(i64, u64)>,
}

pub(crate) const NEVER: i64 = i64::MIN;

impl Usage {
    pub(crate) fn new(id: &str, credits: Option<Credits>) -> Self {
        Usage {
            id: id.into(),
            uses: AtomicU64::new(0),
            last_used: AtomicI64::new(NEVER),
            denied: Default::default(),
            dirty: AtomicBool::new(false),
            credits: Mutex::new(credits),
            window: Mutex::new((NEVER, 0)),
        }
    }

    pub(crate) fn record_use(self: &Arc<Self>, now: i64, live: &Live) {
        self.uses.fetch_add(1, Ordering::Relaxed);
        self.last_used.fetch_max(now, Ordering::Relaxed);
        self.mark_dirty(live);
    }

    pub(crate) fn record_denied(self: &Arc<Self>, slot: usize, live: &Live) {
        self.denied[slot].fetch_add(1, Ordering::Relaxed);
        self.mark_dirty(live);
    }

    /// Marks the counters unwritten, queueing them for the next flush when
    /// they were clean: a flush visits what changed, never every key. The
    /// plain load keeps the common case (already dirty) free of a write.
    fn mark_dirty(self: &Arc<Self>, live: &Live) {
        if !self.dirty.load(Ordering::Relaxed) && !self.dirty.swap(true, Ordering::AcqRel) {
            live.dirty
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(self.clone());
        }
    }

    pub(crate) fn credits(&self) -> std::sync::MutexGuard<'_, Option<Credits>> {
        self.credits.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The counters not yet written: (uses, last_used, denied).
    pub(crate) fn pending(&self) -> (u64, i64, [u64; 6]) {
        (
            self.uses.load(Ordering::Relaxed),
            self.last_used.load(Ordering::Relaxed),
            std::array::from_fn(|i| self.denied[i].load(Ordering::Relaxed)),
        )
    }

    /// Takes the pending counters (to write them). Clean first, then take:
    /// a count that lands after the take finds the entry clean and queues
    /// it again.
    pub(crate) fn take(&self) -> (u64, i64, [u64; 6]) {
        self.dirty.store(false, Ordering::SeqCst);
        (
            self.uses.swap(0, Ordering::AcqRel),
            self.last_used.swap(NEVER, Ordering::AcqRel),
            std::array::from_fn(|i| self.denied[i].swap(0, Ordering::AcqRel)),
        )
    }

    /// Puts back counters whose write failed, queued for the next flush.
    pub(crate) fn restore(self: &Arc<Self>, taken: (u64, i64, [u64; 6]), live: &Live) {
        self.uses.fetch_add(taken.0, Ordering::AcqRel);
        self.last_used.fetch_max(taken.1, Ordering::AcqRel);
        for (i, d) in taken.2.iter().enumerate() {
            self.denied[i].fetch_add(*d, Ordering::AcqRel);
        }
        self.mark_dirty(live);
    }

    /// Counts one hit in a fixed window; `Err(retry_after_ms)` when spent.
    pub(crate) fn hit(&self, limit: u64, window_ms: i64, now: i64) -> Result<(), i64> {
        let mut w = self.window.lock().unwrap_or_else(|p| p.into_inner());
        if w.0 == NEVER || now >= w.0.saturating_add(window_ms) || now < w.0 {
            *w = (now, 0);
        }
        if w.1 >= limit {
            return Err((w.0 + window_ms - now).max(1));
        }
        w.1 += 1;
        Ok(())
    }

    /// Whether this entry can be dropped from memory without losing anything.
    pub(crate) fn idle(&self, now: i64) -> bool {
        !self.dirty.load(Ordering::Acquire)
            && self.credits().is_none()
            && self
                .window
                .lock()
                .map(|w| w.0 == NEVER || now - w.0 > 86_400_000)
                .unwrap_or(false)
    }
}

/// Id → counters, and owner → pool. Never evicts metered keys or pools, so
/// in-memory credits stay authoritative for the life of the handle.
#[derive(Default)]
pub(crate) struct Live {
    pub usage: Mutex<HashMap<String, Arc<Usage>>>,
    pub pools: Mutex<HashMap<String, Arc<Mutex<PoolState>>>>,
    /// Counters changed since the last flush (each entry once).
    pub dirty: Mutex<Vec<Arc<Usage>>>,
    /// When a flush last forgot idle counters (ms).
    pub swept_at: AtomicI64,
}

impl Live {
    pub(crate) fn usage_for(
        &self,
        id: &str,
        credits: impl FnOnce() -> Option<Credits>,
    ) -> Arc<Usage> {
        let mut map = self.usage.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(id.to_owned())
            .or_insert_with(|| Arc::new(Usage::new(id, credits())))
            .clone()
    }

    pub(crate) fn existing_usage(&self, id: &str) -> Option<Arc<Usage>> {
        self.usage
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned()
    }

    pub(crate) fn pool_for(
        &self,
        owner: &str,
        load: impl FnOnce() -> PoolState,
    ) -> Arc<Mutex<PoolState>> {
        let mut map = self.pools.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(owner.to_owned())
            .or_insert_with(|| Arc::new(Mutex::new(load())))
            .clone()
    }
}

/// Every secret hash the file holds, as 8-byte fingerprints with a count: a
/// verify of a key whose fingerprint is absent answers `not_found` without
/// touching the file (unknown keys are what an attacker sends). Built at open,
/// kept by this process's writes (the only writer). About 16 bytes per key.
#[derive(Default)]
pub(crate) struct Known {
    set: RwLock<HashMap<u64, u32, BuildHasherDefault<PassThrough>>>,
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
        let mut set = HashMap::with_capacity_and_hasher(fingerprints.len(), Default::default());
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

#[cfg(test)]
mod tests {
    use super::*;

    fn queued(live: &Live) -> usize {
        live.dirty.lock().unwrap().len()
    }

    #[test]
    fn counters_queue_once_per_flush_and_again_after_a_take() {
        let live = Live::default();
        let a = live.usage_for("key_a", || None);
        let b = live.usage_for("key_b", || None);
        assert_eq!(queued(&live), 0, "loading queues nothing");
        a.record_use(10, &live);
        a.record_use(11, &live);
        a.record_denied(0, &live);
        assert_eq!(queued(&live), 1, "one entry, however many counts");
        b.record_denied(2, &live);
        assert_eq!(queued(&live), 2);
        // A flush takes the queue, then each entry's counters.
        let taken = std::mem::take(&mut *live.dirty.lock().unwrap());
        assert_eq!(a.take(), (2, 11, [1, 0, 0, 0, 0, 0]));
        // A count after the take queues the entry again.
        a.record_use(12, &live);
        assert_eq!(queued(&live), 1);
        // A failed write puts the taken counts back without queueing twice.
        a.restore((2, 11, [1, 0, 0, 0, 0, 0]), &live);
        assert_eq!(queued(&live), 1);
        assert_eq!(a.take(), (3, 12, [1, 0, 0, 0, 0, 0]));
        assert_eq!(b.take(), (0, NEVER, [0, 0, 1, 0, 0, 0]));
        let after_restore = b.clone();
        after_restore.restore((0, NEVER, [0, 0, 1, 0, 0, 0]), &live);
        assert_eq!(queued(&live), 2, "a restore queues a clean entry");
        drop(taken);
    }
}
