//! The write machinery every verb goes through: one transaction under the
//! write lock, the in-memory updates after its commit, and the counter flush.

use super::*;

/// How often a flush also forgets idle counters.
const SWEEP_EVERY_MS: i64 = 60_000;

impl Store {
    /// Reads a record for a write, failing with `NotFound`.
    pub(super) fn stored(t: &Txn<'_>, id: &str) -> Result<StoredV1> {
        validate_id(id)?;
        match t.w.record(id)? {
            Some(b) => StoredV1::decode(id, &b),
            None => Err(Error::not_found(id)),
        }
    }

    pub(super) fn put(t: &mut Txn<'_>, s: &StoredV1) -> Result<()> {
        t.w.put_record(&s.id, &s.encode())?;
        t.touched.extend(s.hashes.iter().copied());
        Ok(())
    }
}

/// How the store's storage is doing: see [`Store::health`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Health {
    /// `false` from a failed write or background flush until a later one
    /// succeeds (the store reopens its file and retries by itself).
    pub ok: bool,
    /// The most recent storage failure, kept after the store heals.
    pub last_error: Option<Fault>,
}

/// One storage failure, as [`Health`] reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Fault {
    /// Its kind (`Io` or `Corrupted`).
    pub kind: ErrorKind,
    /// Its message (never a secret).
    pub message: String,
    /// When it happened.
    pub at: std::time::SystemTime,
    /// Whether the background counter flush met it (no caller saw it).
    pub background: bool,
}

impl Store {
    /// How the storage is doing: whether the last write succeeded, and the
    /// last failure, including one met by the background counter flush (which
    /// no caller would otherwise see). After an I/O fault the next write (or
    /// flush) reopens the file and retries, so `ok` turns true again once the
    /// fault clears, without reopening the store.
    pub fn health(&self) -> Health {
        self.inner
            .health
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

impl Store {
    /// How many keys have counters in memory (for tests of the memory bound).
    #[doc(hidden)]
    pub fn counters_in_memory(&self) -> usize {
        self.inner.live.len()
    }
}

impl Inner {
    /// Records how a storage call went.
    pub(super) fn note(&self, result: &Result<(), &Error>, background: bool) {
        let mut h = self.health.lock().unwrap_or_else(|p| p.into_inner());
        match result {
            Ok(()) => h.ok = true,
            Err(e) if matches!(e.kind(), ErrorKind::Io | ErrorKind::Corrupted) => {
                h.ok = false;
                h.last_error = Some(Fault {
                    kind: e.kind(),
                    message: e.to_string(),
                    at: self.clock.now(),
                    background,
                });
            }
            Err(_) => {}
        }
    }

    /// Closes the storage and opens it again (after an I/O fault), with the
    /// write lock held. The cache starts over: the file is the truth.
    fn heal(&self) -> Result<()> {
        let Some(reopen) = &self.reopen else {
            return Err(Error::Io(std::io::Error::other(
                "an earlier write failed and this store cannot reopen its storage; open it again",
            )));
        };
        let mut guard = self.backend.write().unwrap_or_else(|p| p.into_inner());
        if let Some(old) = guard.take() {
            // Releases the file (and its lock); its own error is the old news.
            let _ = old.close();
        }
        let fresh = reopen();
        if let Ok(b) = fresh {
            *guard = Some(b);
            drop(guard);
            self.broken.store(false, Ordering::Release);
            self.cache.clear();
            return Ok(());
        }
        fresh.map(|_| ())
    }

    /// Reopens the storage if a write failed since it was opened; the
    /// background flusher calls this even when it has nothing to write.
    pub(super) fn heal_if_broken(&self, background: bool) -> Result<()> {
        if !self.broken.load(Ordering::Acquire) {
            return Ok(());
        }
        let _ws = self.writes.lock().unwrap_or_else(|p| p.into_inner());
        if !self.broken.load(Ordering::Acquire) {
            return Ok(());
        }
        let healed = self.heal();
        self.note(&healed.as_ref().map(|_| ()), background);
        healed
    }

    /// Runs one write transaction under the store's write lock; after commit,
    /// drops the cache entries of `touched` hashes so the next verify reads the
    /// new state, then runs `after` (in-memory updates), before returning.
    pub(super) fn write<T>(
        &self,
        durable: bool,
        f: impl FnOnce(&mut Txn<'_>) -> Result<T>,
    ) -> Result<T> {
        self.usable()?;
        if self.read_only {
            return Err(Error::ReadOnly);
        }
        let mut ws = self.writes.lock().unwrap_or_else(|p| p.into_inner());
        if self.broken.load(Ordering::Acquire) {
            let healed = self.heal();
            self.note(&healed.as_ref().map(|_| ()), false);
            healed?;
        }
        let now = self.clock.now_millis();
        let mut f = Some(f);
        let mut out = None;
        let mut touched = Vec::new();
        let mut secrets = Vec::new();
        let mut after: Vec<AfterCommit> = Vec::new();
        let seq_start = ws.seq;
        let result = self.with_backend(|b| {
            b.write(durable, &mut |w: &mut dyn Writer| {
                touched.clear();
                secrets.clear();
                after.clear();
                ws.seq = seq_start;
                let f = f
                    .take()
                    .ok_or_else(|| Error::Io(std::io::Error::other("retried")))?;
                let mut txn = Txn {
                    w,
                    now,
                    ws: &mut ws,
                    touched: &mut touched,
                    secrets: &mut secrets,
                    after: &mut after,
                };
                out = Some(f(&mut txn)?);
                Ok(())
            })
        });
        self.note(&result.as_ref().map(|_| ()), false);
        if let Err(e) = result {
            if matches!(e, Error::Io(_)) && self.reopen.is_some() {
                // redb refuses every write after a failed one: reopen first.
                self.broken.store(true, Ordering::Release);
            }
            ws.seq = seq_start;
            // The commit may or may not have landed: knowing a hash too many
            // only sends its verifies to the file, so add, never remove.
            for (h, _) in secrets.iter().filter(|(_, added)| *added) {
                self.known.add(h);
            }
            // Anything read into memory during the failed transaction may be
            // ahead of the file: start over from the file.
            for h in &touched {
                self.cache.invalidate(h);
            }
            return Err(e);
        }
        // In-memory state first, then the cache: a verify that reloads the new
        // record must already find the new credits.
        for (h, added) in &secrets {
            if *added {
                self.known.add(h);
            } else {
                self.known.remove(h);
            }
        }
        for a in after {
            a(self);
        }
        for h in &touched {
            self.cache.invalidate(h);
        }
        drop(ws);
        out.ok_or_else(|| Error::Io(std::io::Error::other("write produced no result")))
    }

    /// Adds the counters not yet flushed to a record read from the file.
    pub(super) fn with_live(&self, mut r: KeyRecord) -> KeyRecord {
        if let Some(u) = self.live.existing_usage(&r.id) {
            let (uses, last, denied) = u.pending();
            r.uses += uses;
            if last != NEVER {
                let last = from_millis(last);
                r.last_used_at = Some(r.last_used_at.map_or(last, |x| x.max(last)));
            }
            let mut d = r.denied.as_array();
            for (a, b) in d.iter_mut().zip(denied) {
                *a += b;
            }
            r.denied = crate::Denied::from_array(d);
            if let Some(c) = *u.credits() {
                r.remaining = Some(c.remaining);
            }
        }
        r
    }

    /// Writes the counters verifies took since the last flush, durably, and
    /// keeps each spending key's (and pool's) credit reservation topped up.
    /// `force` commits even when nothing changed (so `sync` makes relaxed
    /// writes durable); `release` gives every reservation back (a clean
    /// close). One flush runs at a time: `sync` waits for one in flight.
    pub(super) fn flush(&self, force: bool, release: bool) -> Result<()> {
        if self.read_only {
            return Ok(());
        }
        let _one_at_a_time = self.flushing.write().unwrap_or_else(|p| p.into_inner());
        let now = self.clock.now_millis();
        let sweep = release
            || now.saturating_sub(self.live.swept_at.load(Ordering::Relaxed)) >= SWEEP_EVERY_MS
            || self.live.len() > self.cache_capacity;
        // Only what changed since the last flush: verifies queue an entry
        // when they first dirty it (credits change only with a counted verify).
        let dirty: Vec<Arc<Usage>> =
            std::mem::take(&mut *self.live.dirty.lock().unwrap_or_else(|p| p.into_inner()));
        // On a sweep, entries no cached key holds give their reservation back
        // (then they can be forgotten); on close, every entry does.
        let idle: Vec<Arc<Usage>> = if sweep {
            let map = self.live.usage.lock().unwrap_or_else(|p| p.into_inner());
            map.values()
                .filter(|u| release || Arc::strong_count(u) == 1)
                .filter(|u| u.credits().is_some_and(|c| c.release().is_some()))
                .cloned()
                .collect()
        } else {
            Vec::new()
        };
        let pools: Vec<(String, Arc<Mutex<PoolState>>, bool)> = {
            let map = self.live.pools.lock().unwrap_or_else(|p| p.into_inner());
            map.iter()
                .filter_map(|(k, p)| {
                    let give_back = sweep && (release || Arc::strong_count(p) == 1);
                    let s = p.lock().unwrap_or_else(|p| p.into_inner());
                    let wanted = s.exists
                        && (s.credits.dirty || (give_back && s.credits.release().is_some()));
                    wanted.then(|| (k.clone(), p.clone(), give_back))
                })
                .collect()
        };
        if dirty.is_empty() && idle.is_empty() && pools.is_empty() && !force {
            if sweep {
                self.forget_idle(now);
            }
            return Ok(());
        }
        let lease = self.credit_lease;
        let mut taken = Vec::new();
        // Reservations given back before the commit (restored if it fails).
        let mut lowered: Vec<(Arc<Usage>, Credits)> = Vec::new();
        let mut lowered_pools: Vec<(Arc<Mutex<PoolState>>, Credits)> = Vec::new();
        let result = self.write(true, |t| {
            let give_back: std::collections::HashSet<*const Usage> =
                idle.iter().map(Arc::as_ptr).collect();
            let mut seen = std::collections::HashSet::new();
            for u in dirty.iter().chain(idle.iter()) {
                if !seen.insert(Arc::as_ptr(u)) {
                    continue;
                }
                let id = &*u.id;
                let Some(bytes) = t.w.record(id)? else {
                    continue;
                };
                let mut s = StoredV1::decode(id, &bytes)?;
                let pending = u.take();
                taken.push((u.clone(), pending));
                s.uses += pending.0;
                if pending.1 != NEVER {
                    s.last_used_at = Some(s.last_used_at.map_or(pending.1, |x| x.max(pending.1)));
                }
                for (a, b) in s.denied.iter_mut().zip(pending.2) {
                    *a += b;
                }
                if let Some(c) = u.credits().as_mut() {
                    // Closing never reserves: it gives every reservation back.
                    if release || give_back.contains(&Arc::as_ptr(u)) {
                        if let Some(w) = c.release() {
                            lowered.push((u.clone(), *c));
                            c.written(w);
                            (s.remaining, s.refilled_at) = (Some(w.0), w.1);
                        }
                    } else if let Some(w) = c.top_up(lease, t.now) {
                        (s.remaining, s.refilled_at) = (Some(w.0), w.1);
                        let u = u.clone();
                        t.after.push(Box::new(move |_| {
                            if let Some(c) = u.credits().as_mut() {
                                c.written(w);
                            }
                        }));
                    }
                }
                t.w.put_record(id, &s.encode())?;
            }
            for (owner, p, give_back) in &pools {
                let mut state = p.lock().unwrap_or_else(|p| p.into_inner());
                let c = &mut state.credits;
                c.dirty = false;
                let target = if *give_back {
                    c.release().inspect(|&w| {
                        lowered_pools.push((p.clone(), *c));
                        c.written(w);
                    })
                } else {
                    c.top_up(lease, t.now).inspect(|&w| {
                        let p = p.clone();
                        t.after.push(Box::new(move |_| {
                            p.lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .credits
                                .written(w);
                        }));
                    })
                };
                if let Some((remaining, refilled_at)) = target {
                    let sp = StoredPool {
                        remaining,
                        refill: c.refill.as_ref().map(refill_pair),
                        refilled_at,
                    };
                    t.w.put_pool(owner, &sp.encode())?;
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            // Put everything back as it was: the counts in the queue, the
            // reservations the file still holds.
            let reached: std::collections::HashSet<*const Usage> =
                taken.iter().map(|(u, _)| Arc::as_ptr(u)).collect();
            for (u, pending) in taken {
                u.restore(pending, &self.live);
            }
            for u in dirty
                .iter()
                .filter(|u| !reached.contains(&Arc::as_ptr(u)) && u.dirty.load(Ordering::Acquire))
            {
                self.live
                    .dirty
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(u.clone());
            }
            for (u, before) in lowered {
                if let Some(c) = u.credits().as_mut() {
                    c.written((before.stored, before.stored_refilled_at));
                }
            }
            for (p, before) in lowered_pools {
                let mut p = p.lock().unwrap_or_else(|p| p.into_inner());
                p.credits
                    .written((before.stored, before.stored_refilled_at));
            }
            for (_, p, _) in &pools {
                p.lock().unwrap_or_else(|p| p.into_inner()).credits.dirty = true;
            }
            return Err(e);
        }
        if sweep {
            // This flush's own handles on the entries must not keep them.
            drop((dirty, idle, pools, taken, lowered, lowered_pools));
            self.forget_idle(now);
        }
        Ok(())
    }

    /// Forgets counters and pools that hold nothing the file lacks, so memory
    /// follows the working set (bounded by `cache_capacity`).
    fn forget_idle(&self, now: i64) {
        self.live.swept_at.store(now, Ordering::Relaxed);
        // A verify that read the file before a reservation was given back
        // must not bring the entry back with the file's older balance.
        self.live.changed();
        self.live
            .usage
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, u| Arc::strong_count(u) > 1 || !u.idle(now));
        self.live
            .pools
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, p| {
                Arc::strong_count(p) > 1 || {
                    let s = p.lock().unwrap_or_else(|p| p.into_inner());
                    s.credits.dirty || s.credits.release().is_some()
                }
            });
    }

    pub(super) fn shutdown(&self) -> Result<()> {
        let flusher = self
            .flusher
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some((tx, handle)) = flusher {
            drop(tx);
            if handle.thread().id() != std::thread::current().id() {
                let _ = handle.join();
            }
        }
        if !self.closed.load(Ordering::Acquire) && !self.read_only {
            // A failed final flush keeps the store open with every count and
            // reservation in memory: close again once the fault clears.
            self.heal_if_broken(false)?;
            self.flush(true, true)?;
        }
        let mut result = Ok(());
        self.closed.store(true, Ordering::Release);
        let backend = self
            .backend
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        self.cache.clear();
        if let Some(b) = backend {
            let closed = b.close();
            if result.is_ok() {
                result = closed;
            }
        }
        result
    }
}

impl Store {
    /// Reserves credits in the file for a verify that may not spend before
    /// they are there (see [`Credits`]): one durable write, after which every
    /// verify spends in memory until the reservation is used up. Returns
    /// `false` when the key (or pool) is gone from the file.
    pub(super) fn reserve(
        &self,
        e: &Cached,
        why: super::verify::Reserve,
        cost: u64,
    ) -> Result<bool> {
        let lease = self.inner.credit_lease;
        match (why, &e.pool) {
            (super::verify::Reserve::Pool, Some(pool)) => {
                let Some(owner) = e.record.owner.clone() else {
                    return Ok(false);
                };
                self.inner.write(true, |t| {
                    let Some(bytes) = t.w.pool(&owner)? else {
                        return Ok(false);
                    };
                    let mut sp = StoredPool::decode(&bytes)?;
                    let mut state = pool.lock().unwrap_or_else(|p| p.into_inner());
                    if let Some(w) = state.credits.reservation(cost, lease, t.now) {
                        (sp.remaining, sp.refilled_at) = w;
                        t.w.put_pool(&owner, &sp.encode())?;
                        let pool = pool.clone();
                        t.after.push(Box::new(move |_| {
                            pool.lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .credits
                                .written(w);
                        }));
                    }
                    Ok(true)
                })
            }
            _ => {
                let usage = e.usage.clone();
                self.inner.write(true, |t| {
                    let Some(bytes) = t.w.record(&usage.id)? else {
                        return Ok(false);
                    };
                    let mut s = StoredV1::decode(&usage.id, &bytes)?;
                    let mut credits = usage.credits();
                    let Some(c) = credits.as_mut() else {
                        return Ok(false);
                    };
                    if let Some(w) = c.reservation(cost, lease, t.now) {
                        (s.remaining, s.refilled_at) = (Some(w.0), w.1);
                        t.w.put_record(&s.id, &s.encode())?;
                        let usage = usage.clone();
                        t.after.push(Box::new(move |_| {
                            if let Some(c) = usage.credits().as_mut() {
                                c.written(w);
                            }
                        }));
                    }
                    Ok(true)
                })
            }
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if self.fork_generation != fork::generation() {
            // A forked child must not touch the parent's file: leak the handle.
            if let Some(b) = self.backend.get_mut().ok().and_then(Option::take) {
                std::mem::forget(b);
            }
            if let Some(f) = self.flusher.get_mut().ok().and_then(Option::take) {
                std::mem::forget(f);
            }
            return;
        }
        let _ = self.shutdown();
    }
}

pub(super) fn flusher(weak: Weak<Inner>, stop: mpsc::Receiver<()>, every: Duration) {
    loop {
        match stop.recv_timeout(every) {
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            _ => return,
        }
        let Some(inner) = weak.upgrade() else { return };
        if inner.fork_generation != fork::generation() || inner.closed.load(Ordering::Acquire) {
            return;
        }
        // Failures are not dropped: `note` puts them in `Store::health`.
        if inner.heal_if_broken(true).is_ok()
            && let Err(e) = inner.flush(false, false)
        {
            inner.note(&Err(&e), true);
        }
    }
}

pub(super) fn credits_of(s: &StoredV1) -> Option<Credits> {
    s.remaining
        .map(|remaining| Credits::stored(remaining, s.refill.map(refill_from_pair), s.refilled_at))
}

pub(super) fn pool_state(p: Option<&StoredPool>) -> PoolState {
    match p {
        Some(p) => PoolState {
            credits: Credits::stored(p.remaining, p.refill.map(refill_from_pair), p.refilled_at),
            exists: true,
        },
        None => PoolState {
            credits: Credits::stored(0, None, 0),
            exists: false,
        },
    }
}

/// In-memory updates that run after a write commits, before it returns.
pub(super) type AfterCommit = Box<dyn FnOnce(&Inner)>;

/// A write in progress.
pub(super) struct Txn<'a> {
    pub(super) w: &'a mut dyn Writer,
    pub(super) now: i64,
    pub(super) ws: &'a mut WriteState,
    pub(super) touched: &'a mut Vec<[u8; 32]>,
    /// Secret rows written (`true`) or deleted (`false`), for [`Known`].
    pub(super) secrets: &'a mut Vec<([u8; 32], bool)>,
    pub(super) after: &'a mut Vec<AfterCommit>,
}

impl Txn<'_> {
    /// Writes a new secret row.
    pub(super) fn put_secret(&mut self, hash: &[u8; 32], row: &SecretRow) -> Result<()> {
        self.w.put_secret(hash, row)?;
        self.secrets.push((*hash, true));
        Ok(())
    }

    /// Rewrites the row of a secret already stored (e.g. its grace deadline).
    pub(super) fn update_secret(&mut self, hash: &[u8; 32], row: &SecretRow) -> Result<()> {
        self.w.put_secret(hash, row)
    }

    pub(super) fn delete_secret(&mut self, hash: &[u8; 32]) -> Result<()> {
        self.w.delete_secret(hash)?;
        self.secrets.push((*hash, false));
        Ok(())
    }

    pub(super) fn audit(&mut self, kind: AuditKind, id: &str, detail: &str) -> Result<()> {
        let seq = self.ws.seq;
        self.ws.seq += 1;
        let ev = StoredAudit {
            kind,
            id: id.to_owned(),
            detail: detail.to_owned(),
        };
        self.w.put_audit(self.now, seq, &ev.encode())
    }
}
