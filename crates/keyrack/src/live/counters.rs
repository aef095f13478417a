//! Counters kept in memory between flushes: uses, denials, credits, pools
//! and rate-limit windows.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::record::Refill;

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
