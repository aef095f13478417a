//! Owners' shared credit pools: `set_pool` and `pool`.

use super::*;

impl Store {
    /// Sets an owner's shared credit pool (spent by its keys issued with
    /// `shared_credits`).
    pub fn set_pool(&self, owner: &str, remaining: u64, refill: Option<Refill>) -> Result<Pool> {
        validate_pool(owner, refill.as_ref())?;
        self.inner.write(true, |t| {
            let p = StoredPool {
                remaining,
                refill: refill.as_ref().map(refill_pair),
                refilled_at: t.now,
            };
            t.w.put_pool(owner, &p.encode())?;
            let owner = owner.to_owned();
            let state = pool_state(Some(&p));
            t.after.push(Box::new(move |store: &Inner| {
                let pool = store.live.pool_for(&owner, || pool_state(None));
                *pool.lock().unwrap_or_else(|p| p.into_inner()) = state;
            }));
            Ok(p.to_public())
        })
    }

    /// An owner's credit pool, with live (unflushed) spending.
    pub fn pool(&self, owner: &str) -> Result<Option<Pool>> {
        self.inner.usable()?;
        if let Some(p) = self
            .inner
            .live
            .pools
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(owner)
        {
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
