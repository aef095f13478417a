//! Owners' shared credit pools: `set_pool` and `pool`.

use super::*;

impl Store {
    /// Sets an owner's shared credit pool (spent by its keys issued with
    /// `shared_credits`) to `remaining` credits. `refill` replaces the pool's
    /// refill when given; `None` keeps the one it has. Audited as `pool_set`.
    pub fn set_pool(&self, owner: &str, remaining: u64, refill: Option<Refill>) -> Result<Pool> {
        validate_pool(owner, refill.as_ref())?;
        self.inner.write(true, |t| {
            let kept = match (&refill, t.w.pool(owner)?) {
                (None, Some(bytes)) => StoredPool::decode(&bytes)?.refill,
                _ => None,
            };
            let p = StoredPool {
                remaining,
                refill: refill.as_ref().map(refill_pair).or(kept),
                refilled_at: t.now,
            };
            t.w.put_pool(owner, &p.encode())?;
            let refill_text = p
                .refill
                .map(|(a, every)| format!(", refill {a} every {every} ms"))
                .unwrap_or_default();
            t.audit(
                AuditKind::PoolSet,
                "",
                &format!("owner {owner:?}: {remaining} credits{refill_text}"),
            )?;
            let owner = owner.to_owned();
            let state = pool_state(Some(&p));
            t.after.push(Box::new(move |store: &Inner| {
                store.live.changed();
                let pool = store.live.pool_for(&owner, || pool_state(None));
                *pool.lock().unwrap_or_else(|p| p.into_inner()) = state;
            }));
            Ok(p.to_public())
        })
    }

    /// Adds `credits` to an owner's pool, atomically (spends made meanwhile
    /// are kept). Audited as `pool_credits_added`. An owner with no pool is
    /// `InvalidArgument` ([`set_pool`](Store::set_pool) makes one).
    pub fn add_pool_credits(&self, owner: &str, credits: u64) -> Result<Pool> {
        validate_pool(owner, None)?;
        if credits == 0 {
            return Err(Error::invalid("credits", "must be at least 1"));
        }
        self.inner.write(true, |t| {
            let Some(bytes) = t.w.pool(owner)? else {
                return Err(Error::invalid(
                    "owner",
                    format!("{owner:?} has no credit pool: set_pool makes one"),
                ));
            };
            let mut p = StoredPool::decode(&bytes)?;
            let overflow = || Error::invalid("credits", "the balance would overflow");
            let mut shown = p.remaining.checked_add(credits).ok_or_else(overflow)?;
            if let Some(l) = self.inner.live.existing_pool(owner) {
                let l = l.lock().unwrap_or_else(|p| p.into_inner());
                shown = l
                    .credits
                    .remaining
                    .checked_add(credits)
                    .ok_or_else(overflow)?;
            }
            let file = p.remaining;
            p.remaining += credits;
            t.w.put_pool(owner, &p.encode())?;
            t.audit(
                AuditKind::PoolCreditsAdded,
                "",
                &format!("owner {owner:?}: +{credits}"),
            )?;
            let (owner, exact) = (owner.to_owned(), pool_state(Some(&p)));
            t.after.push(Box::new(move |store: &Inner| {
                // A pool loaded before this commit holds the old balance (add
                // to it); made now, it holds the new one.
                store.live.changed();
                let pool = store.live.pool_for(&owner, || exact);
                let mut l = pool.lock().unwrap_or_else(|p| p.into_inner());
                if l.credits.stored == file {
                    l.credits.add(credits);
                }
            }));
            Ok(Pool {
                remaining: shown,
                refill: p.refill.map(refill_from_pair),
            })
        })
    }

    /// An owner's credit pool, with live (unflushed) spending.
    pub fn pool(&self, owner: &str) -> Result<Option<Pool>> {
        self.inner.usable()?;
        if let Some(p) = self.inner.live.existing_pool(owner) {
            let p = p.lock().unwrap_or_else(|p| p.into_inner());
            return Ok(p.exists.then_some(Pool {
                remaining: p.credits.remaining,
                refill: p.credits.refill,
            }));
        }
        self.inner.with_backend(|b| match b.read()?.pool(owner)? {
            Some(bytes) => Ok(Some(StoredPool::decode(&bytes)?.to_public())),
            None => Ok(None),
        })
    }
}
