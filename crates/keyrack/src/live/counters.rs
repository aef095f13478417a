//! Counters kept in memory between flushes: uses, denials, credits, pools
//! and rate-limit windows.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::record::Refill;

/// Credits of a metered key (or a pool), authoritative while in memory.
///
/// Credits are spent in memory, but only out of a **reservation** the file
/// already holds: the file's balance (`stored`) is the live balance less the
/// credits this process reserved, written durably before any of them is
/// spent. A crash at any instant therefore never gives a spent credit back;
/// it forfeits at most the unspent reservation (bounded by
/// `Options::credit_lease`). A clean close writes the live balance, giving
/// the reservation back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Credits {
    /// The live balance.
    pub remaining: u64,
    pub refill: Option<Refill>,
    /// When the live balance was last refilled.
    pub refilled_at: i64,
    /// The balance the file holds (live balance less the reservation).
    pub stored: u64,
    /// The refill time the file holds: a refill in memory starts a new
    /// balance, so no credit of it is spent before the file records it.
    pub stored_refilled_at: i64,
    /// Spent since the last flush (pools: the flush tops up their reservation).
    pub dirty: bool,
}

/// What a spend found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Spend {
    /// Spent; this many are left.
    Spent(u64),
    /// Fewer credits than the cost.
    Exceeded,
    /// Enough credits, but not enough reserved in the file: reserve, then retry.
    Reserve,
}

impl Credits {
    /// Credits as the file holds them: nothing reserved yet.
    pub(crate) fn stored(remaining: u64, refill: Option<Refill>, refilled_at: i64) -> Credits {
        Credits {
            remaining,
            refill,
            refilled_at,
            stored: remaining,
            stored_refilled_at: refilled_at,
            dirty: false,
        }
    }

    /// Applies the lazy refill due at `now` to the live balance.
    pub(crate) fn refill_now(&mut self, now: i64) {
        if let Some(refill) = self.refill {
            let (remaining, at) = refill.apply(self.remaining, self.refilled_at, now);
            if at != self.refilled_at {
                self.remaining = remaining;
                self.refilled_at = at;
            }
        }
    }

    /// Credits spendable without writing: the reservation of this balance.
    fn reserved(&self) -> u64 {
        if self.refilled_at == self.stored_refilled_at {
            self.remaining.saturating_sub(self.stored)
        } else {
            0
        }
    }

    /// Applies lazy refill, then spends `cost` out of the reservation.
    pub(crate) fn spend(&mut self, cost: u64, now: i64) -> Spend {
        self.refill_now(now);
        if self.remaining < cost {
            return Spend::Exceeded;
        }
        if cost > 0 {
            if self.reserved() < cost {
                return Spend::Reserve;
            }
            self.remaining -= cost;
            self.dirty = true;
        }
        Spend::Spent(self.remaining)
    }

    /// What the file should hold to reserve `size` credits (at least `cost`)
    /// of the live balance, or `None` when the reservation already covers
    /// `cost` (or nothing can be reserved).
    pub(crate) fn reservation(&mut self, cost: u64, size: u64, now: i64) -> Option<(u64, i64)> {
        self.refill_now(now);
        if self.remaining < cost || (cost > 0 && self.reserved() >= cost) {
            return None;
        }
        let take = size.max(cost).min(self.remaining);
        Some((self.remaining - take, self.refilled_at))
    }

    /// What the file should hold to top the reservation back up to `size`
    /// (the background flush does this for keys that are spending), or
    /// `None` while at least half of it is left.
    pub(crate) fn top_up(&mut self, size: u64, now: i64) -> Option<(u64, i64)> {
        self.refill_now(now);
        if self.reserved() >= size.div_ceil(2) || self.remaining == 0 {
            return None;
        }
        let take = size.min(self.remaining);
        if self.refilled_at == self.stored_refilled_at && self.remaining - take >= self.stored {
            return None;
        }
        Some((self.remaining - take, self.refilled_at))
    }

    /// What the file should hold to give the reservation back (a clean
    /// close), or `None` when it already holds the live balance.
    pub(crate) fn release(&self) -> Option<(u64, i64)> {
        (self.stored != self.remaining || self.stored_refilled_at != self.refilled_at)
            .then_some((self.remaining, self.refilled_at))
    }

    /// Records that the file now holds `(stored, refilled_at)`.
    pub(crate) fn written(&mut self, (stored, refilled_at): (u64, i64)) {
        self.stored = stored;
        self.stored_refilled_at = refilled_at;
    }

    /// Adds credits to the live balance and the file's alike.
    pub(crate) fn add(&mut self, n: u64) {
        self.remaining = self.remaining.saturating_add(n);
        self.stored = self.stored.saturating_add(n);
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
    /// The rate-limit window: (start ms, hits, length ms).
    pub window: Mutex<(i64, u64, i64)>,
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
            window: Mutex::new((NEVER, 0, 0)),
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
            *w = (now, 0, window_ms);
        }
        w.2 = window_ms;
        if w.1 >= limit {
            // Saturating: a window of i64::MAX ms must not wrap.
            return Err(w.0.saturating_add(window_ms).saturating_sub(now).max(1));
        }
        w.1 += 1;
        Ok(())
    }

    /// Gives back the hit [`hit`](Usage::hit) just counted at `now`.
    pub(crate) fn unhit(&self, now: i64) {
        let mut w = self.window.lock().unwrap_or_else(|p| p.into_inner());
        if w.0 != NEVER && now >= w.0 && w.1 > 0 {
            w.1 -= 1;
        }
    }

    /// Whether this entry can be dropped from memory without losing
    /// anything: no count waiting for the flush, the file holding its exact
    /// balance (no reservation), and its rate-limit window over (a window
    /// lives as long as the window, however long).
    pub(crate) fn idle(&self, now: i64) -> bool {
        !self.dirty.load(Ordering::Acquire)
            && self.credits().is_none_or(|c| c.release().is_none())
            && self
                .window
                .lock()
                .map(|w| w.0 == NEVER || now.saturating_sub(w.0) >= w.2)
                .unwrap_or(false)
    }
}

/// Id → counters, and owner → pool. An entry is forgotten once it is idle
/// (see [`Usage::idle`]): its reservation given back, nothing left to flush.
#[derive(Default)]
pub(crate) struct Live {
    pub usage: Mutex<HashMap<String, Arc<Usage>>>,
    pub pools: Mutex<HashMap<String, Arc<Mutex<PoolState>>>>,
    /// Counters changed since the last flush (each entry once).
    pub dirty: Mutex<Vec<Arc<Usage>>>,
    /// When a flush last forgot idle counters (ms).
    pub swept_at: AtomicI64,
    /// Bumped by every write that changes a balance in the file behind an
    /// entry's back (or forgets entries): a verify that read the file before
    /// it must not put its older view in the map.
    pub changes: AtomicU64,
}

impl Live {
    /// How many keys have counters in memory.
    pub(crate) fn len(&self) -> usize {
        self.usage.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

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

    /// Marks that balances changed in the file (see [`Live::changes`]).
    pub(crate) fn changed(&self) {
        self.changes.fetch_add(1, Ordering::SeqCst);
    }

    /// What [`Live::changes`] is now: read it before reading the file.
    pub(crate) fn seen(&self) -> u64 {
        self.changes.load(Ordering::SeqCst)
    }

    /// The entry for `id`, made from a read of the file that began when
    /// `changes` was `seen`; `None` when a write changed balances since (read
    /// the file again).
    pub(crate) fn usage_from(
        &self,
        id: &str,
        seen: u64,
        credits: impl FnOnce() -> Option<Credits>,
    ) -> Option<Arc<Usage>> {
        let mut map = self.usage.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(u) = map.get(id) {
            return Some(u.clone());
        }
        if self.seen() != seen {
            return None;
        }
        let u = Arc::new(Usage::new(id, credits()));
        map.insert(id.to_owned(), u.clone());
        Some(u)
    }

    /// The pool of `owner`, as [`usage_from`](Live::usage_from) for keys.
    pub(crate) fn pool_from(
        &self,
        owner: &str,
        seen: u64,
        load: impl FnOnce() -> PoolState,
    ) -> Option<Arc<Mutex<PoolState>>> {
        let mut map = self.pools.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = map.get(owner) {
            return Some(p.clone());
        }
        if self.seen() != seen {
            return None;
        }
        let p = Arc::new(Mutex::new(load()));
        map.insert(owner.to_owned(), p.clone());
        Some(p)
    }

    pub(crate) fn existing_pool(&self, owner: &str) -> Option<Arc<Mutex<PoolState>>> {
        self.pools
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(owner)
            .cloned()
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
