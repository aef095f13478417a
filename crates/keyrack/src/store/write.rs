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

impl Inner {
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
        if let Err(e) = result {
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

    pub(super) fn flush(&self, durable: bool) -> Result<()> {
        if self.read_only {
            return Ok(());
        }
        let now = self.clock.now_millis();
        // Only what changed since the last flush: verifies queue an entry
        // when they first dirty it (credits change only with a counted verify).
        let dirty: Vec<Arc<Usage>> =
            std::mem::take(&mut *self.live.dirty.lock().unwrap_or_else(|p| p.into_inner()));
        let pools: Vec<(String, Arc<Mutex<PoolState>>)> = {
            let map = self.live.pools.lock().unwrap_or_else(|p| p.into_inner());
            map.iter()
                .filter(|(_, p)| p.lock().map(|p| p.credits.dirty).unwrap_or(false))
                .map(|(k, p)| (k.clone(), p.clone()))
                .collect()
        };
        if dirty.is_empty() && pools.is_empty() && !durable {
            return Ok(());
        }
        let mut taken = Vec::new();
        let result = self.write(durable, |t| {
            for u in &dirty {
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
                    s.remaining = Some(c.remaining);
                    s.refilled_at = c.refilled_at;
                    c.dirty = false;
                }
                t.w.put_record(id, &s.encode())?;
            }
            for (owner, p) in &pools {
                let mut p = p.lock().unwrap_or_else(|p| p.into_inner());
                if p.exists {
                    let sp = StoredPool {
                        remaining: p.credits.remaining,
                        refill: p.credits.refill.as_ref().map(refill_pair),
                        refilled_at: p.credits.refilled_at,
                    };
                    t.w.put_pool(owner, &sp.encode())?;
                }
                p.credits.dirty = false;
            }
            Ok(())
        });
        if let Err(e) = result {
            // Entries not reached before the failure go back in the queue.
            let reached: std::collections::HashSet<*const Usage> =
                taken.iter().map(|(u, _)| Arc::as_ptr(u)).collect();
            for (u, pending) in taken {
                if let Some(c) = u.credits().as_mut() {
                    c.dirty = true;
                }
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
            for (_, p) in &pools {
                p.lock().unwrap_or_else(|p| p.into_inner()).credits.dirty = true;
            }
            return Err(e);
        }
        // Forget idle entries so memory follows the working set: a walk over
        // every entry, so once a minute rather than on every flush.
        if now.saturating_sub(self.live.swept_at.load(Ordering::Relaxed)) >= SWEEP_EVERY_MS {
            self.live.swept_at.store(now, Ordering::Relaxed);
            let mut map = self.live.usage.lock().unwrap_or_else(|p| p.into_inner());
            map.retain(|_, u| Arc::strong_count(u) > 1 || !u.idle(now));
        }
        Ok(())
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
        let mut result = Ok(());
        if !self.closed.load(Ordering::Acquire) && !self.read_only {
            // Borrow a Store view to flush through the normal write path.
            result = self.flush(true);
        }
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
        let _ = inner.flush(false);
    }
}

pub(super) fn credits_of(s: &StoredV1) -> Option<Credits> {
    s.remaining.map(|remaining| Credits {
        remaining,
        refill: s.refill.map(refill_from_pair),
        refilled_at: s.refilled_at,
        dirty: false,
    })
}

pub(super) fn pool_state(p: Option<&StoredPool>) -> PoolState {
    match p {
        Some(p) => PoolState {
            credits: Credits {
                remaining: p.remaining,
                refill: p.refill.map(refill_from_pair),
                refilled_at: p.refilled_at,
                dirty: false,
            },
            exists: true,
        },
        None => PoolState {
            credits: Credits {
                remaining: 0,
                refill: None,
                refilled_at: 0,
                dirty: false,
            },
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
