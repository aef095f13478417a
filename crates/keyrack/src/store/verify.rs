//! The hot path: `verify`, `verify_with`, `verify_headers`, and the checks in
//! the design's order.

use super::*;
use crate::live::Spend;
use crate::outcome::{Extracted, extract_key};

/// The answer of [`Store::verify`]: an outcome, never an error for a bad key.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verification {
    /// What the checks found.
    pub outcome: Outcome,
    /// The key's record when the key was found (the secret is never in it).
    /// Its `uses`, `last_used_at`, `denied` and `remaining` are as of when the
    /// store loaded it; [`Store::get`] shows live counts, and
    /// [`remaining`](Verification::remaining) the live credits.
    pub record: Option<Arc<KeyRecord>>,
    /// Credits left after this call, on a metered key (or its owner's pool).
    pub remaining: Option<u64>,
    /// For `rate_limited`: how long until the window reopens.
    pub retry_after: Option<Duration>,
}

impl Verification {
    /// An outcome with nothing found: `missing`, `malformed` or `not_found`.
    pub fn bare(outcome: Outcome) -> Self {
        Verification {
            outcome,
            record: None,
            remaining: None,
            retry_after: None,
        }
    }

    /// Whether the key may be let in.
    pub fn is_valid(&self) -> bool {
        self.outcome.is_valid()
    }
}

impl Store {
    /// Verifies a key presented by a client, with no scope required and cost 1.
    /// Equivalent to `verify_with(key, &VerifyOptions::default())`.
    pub fn verify(&self, key: &str) -> Result<Verification> {
        self.verify_with(key, &VerifyOptions::default())
    }

    /// Verifies a key: the checks run in the design's order and the first
    /// failing one is the outcome. A bad key is never an error; errors are
    /// store failures (`Io`, `Closed`, `WrongProcess`, `Corrupted`).
    pub fn verify_with(&self, key: &str, options: &VerifyOptions) -> Result<Verification> {
        self.inner.usable()?;
        let accepted = match format::parse(key) {
            Ok(p) => self.inner.prefixes.load().iter().any(|x| x == p.prefix()),
            Err(_) => false,
        };
        if !accepted {
            return Ok(Verification::bare(Outcome::Malformed));
        }
        let hash = self.inner.hash(key);
        let now = self.inner.clock.now_millis();
        if let Some((first, entry)) = self.inner.cache.with(&hash, |e| {
            let first = self.check(e, options, now);
            // Only a verify that must reserve keeps the entry (out of the lock).
            let entry = first.is_err().then(|| e.clone());
            (first, entry)
        }) {
            let entry = || entry.clone().ok_or(Error::Closed);
            return self.verify_entry(first, entry, options);
        }
        if !self.inner.known.may_contain(&hash) {
            return Ok(Verification::bare(Outcome::NotFound));
        }
        match self.load(&hash)? {
            Some(entry) => {
                let first = self.check(&entry, options, now);
                self.verify_entry(first, || Ok(entry.clone()), options)
            }
            None => Ok(Verification::bare(Outcome::NotFound)),
        }
    }

    /// Finds the key in request headers (see [`extract_key`]) and verifies
    /// it; no key header at all answers [`Outcome::Missing`].
    ///
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// use keyrack::{IssueOptions, Options, Outcome, Store, VerifyOptions};
    /// let store = Store::open(dir.path().join("k.redb"), Options::default())?;
    /// let key = store.issue(IssueOptions::new("ci"))?.key;
    /// let bearer = format!("Bearer {}", key.expose());
    /// let v = store.verify_headers([("Authorization", bearer.as_str())], &VerifyOptions::default())?;
    /// assert!(v.is_valid());
    /// let none = store.verify_headers([("accept", "*/*")], &VerifyOptions::default())?;
    /// assert_eq!(none.outcome, Outcome::Missing);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_headers<'a, I, N>(
        &self,
        headers: I,
        options: &VerifyOptions,
    ) -> Result<Verification>
    where
        I: IntoIterator<Item = (N, &'a str)>,
        N: AsRef<str>,
    {
        match extract_key(headers) {
            Extracted::Key(key) => self.verify_with(key, options),
            Extracted::Missing => {
                self.inner.usable()?;
                Ok(Verification::bare(Outcome::Missing))
            }
        }
    }

    fn load(&self, hash: &[u8; 32]) -> Result<Option<Arc<Cached>>> {
        let generation = self.inner.cache.generation(hash);
        let entry = loop {
            let seen = self.inner.live.seen();
            let read = self.inner.with_backend(|b| {
                let r = b.read()?;
                let Some(row) = r.secret(hash)? else {
                    return Ok(Some(None));
                };
                let Some(bytes) = r.record(&row.id)? else {
                    return Ok(Some(None));
                };
                let stored = StoredV1::decode(&row.id, &bytes)?;
                Ok(self
                    .cached(&stored, row.valid_until, r.as_ref(), seen)?
                    .map(Some))
            })?;
            // `None`: a balance changed since this read began; read again.
            if let Some(entry) = read {
                break entry;
            }
        };
        if let Some(e) = &entry {
            self.inner.cache.insert(*hash, e.clone(), generation);
        }
        Ok(entry)
    }

    fn cached(
        &self,
        stored: &StoredV1,
        valid_until: Option<i64>,
        r: &dyn Reader,
        seen: u64,
    ) -> Result<Option<Arc<Cached>>> {
        let Some(usage) = self
            .inner
            .live
            .usage_from(&stored.id, seen, || credits_of(stored))
        else {
            return Ok(None);
        };
        let pool = match (&stored.owner, stored.shared_credits) {
            (Some(owner), true) => {
                let loaded = match r.pool(owner)? {
                    Some(b) => Some(StoredPool::decode(&b)?),
                    None => None,
                };
                let pool = self
                    .inner
                    .live
                    .pool_from(owner, seen, || pool_state(loaded.as_ref()));
                if pool.is_none() {
                    return Ok(None);
                }
                pool
            }
            _ => None,
        };
        Ok(Some(Arc::new(Cached {
            valid_until,
            revoked: stored.revoked_at.is_some(),
            enabled: stored.enabled,
            expires_ms: stored.expires_at,
            record: Arc::new(stored.to_public()),
            usage,
            pool,
        })))
    }

    /// Runs the checks on a loaded key. `Err(Reserve)` when the key (or its
    /// owner's pool) must reserve credits in the file before this verify may
    /// spend: the caller does so outside every cache lock and checks again.
    fn check(
        &self,
        e: &Cached,
        options: &VerifyOptions,
        now: i64,
    ) -> Result<Verification, Reserve> {
        let outcome = self.outcome(e, options, now)?;
        let mut v = Verification {
            outcome: Outcome::Valid,
            record: Some(e.record.clone()),
            remaining: None,
            retry_after: None,
        };
        match outcome {
            Ok(remaining) => {
                e.usage.record_use(now, &self.inner.live);
                v.remaining = remaining;
            }
            Err((outcome, retry)) => {
                if let Some(slot) = outcome.denied_slot() {
                    e.usage.record_denied(slot, &self.inner.live);
                }
                v.outcome = outcome;
                v.retry_after = retry.map(|ms| Duration::from_millis(ms.max(0) as u64));
            }
        }
        Ok(v)
    }

    #[allow(clippy::type_complexity)]
    fn outcome(
        &self,
        e: &Cached,
        options: &VerifyOptions,
        now: i64,
    ) -> Result<std::result::Result<Option<u64>, (Outcome, Option<i64>)>, Reserve> {
        if e.revoked {
            return Ok(Err((Outcome::Revoked, None)));
        }
        if !e.enabled {
            return Ok(Err((Outcome::Disabled, None)));
        }
        if e.valid_until.is_some_and(|u| u <= now)
            || e.expires_ms
                .is_some_and(|x| x.saturating_add(self.inner.leeway_ms) <= now)
        {
            return Ok(Err((Outcome::Expired, None)));
        }
        if !options.scopes.iter().all(|s| e.record.scopes.contains(s)) {
            return Ok(Err((Outcome::InsufficientScope, None)));
        }
        let metered = e.pool.is_some() || e.record.shared_credits || e.record.remaining.is_some();
        if self.inner.read_only && options.cost > 0 && (metered || e.record.rate_limit.is_some()) {
            // Another process may be spending the same credits and tokens; a
            // read-only handle cannot record what it grants, so it grants
            // nothing (a cost-0 verify checks without spending).
            return Err(Reserve::ReadOnly);
        }
        // Reserve before the rate limit counts this call, so that a verify
        // that has to wait for the file never counts twice.
        if options.cost > 0 {
            if let Some(pool) = &e.pool {
                let mut p = pool.lock().unwrap_or_else(|p| p.into_inner());
                if p.credits.reservation(options.cost, 1, now).is_some() {
                    return Err(Reserve::Pool);
                }
            } else if e.record.remaining.is_some()
                && let Some(c) = e.usage.credits().as_mut()
                && c.reservation(options.cost, 1, now).is_some()
            {
                return Err(Reserve::Key);
            }
        }
        let counted = !self.inner.read_only || options.cost > 0;
        if counted
            && let Some(RateLimit { limit, window }) = e.record.rate_limit
            && let Err(retry) = e.usage.hit(limit, duration_millis(window), now)
        {
            return Ok(Err((Outcome::RateLimited, Some(retry))));
        }
        let spent = if let Some(pool) = &e.pool {
            let mut p = pool.lock().unwrap_or_else(|p| p.into_inner());
            Some(p.credits.spend(options.cost, now))
        } else if e.record.shared_credits {
            Some(Spend::Exceeded)
        } else if e.record.remaining.is_some() {
            let mut c = e.usage.credits();
            c.as_mut().map(|c| c.spend(options.cost, now))
        } else {
            // Unmetered: no lock on the hot path.
            None
        };
        match spent {
            None => Ok(Ok(None)),
            Some(Spend::Spent(left)) => Ok(Ok(Some(left))),
            Some(Spend::Exceeded) => Ok(Err((Outcome::UsageExceeded, None))),
            Some(Spend::Reserve) => {
                // Another verify used the reservation up since the check
                // above: give the rate-limit hit back and go again.
                if counted && e.record.rate_limit.is_some() {
                    e.usage.unhit(now);
                }
                Err(if e.pool.is_some() {
                    Reserve::Pool
                } else {
                    Reserve::Key
                })
            }
        }
    }

    /// Verifies through a loaded entry, reserving credits in the file first
    /// whenever the entry asks for it.
    fn verify_entry(
        &self,
        first: Result<Verification, Reserve>,
        entry: impl Fn() -> Result<Arc<Cached>>,
        options: &VerifyOptions,
    ) -> Result<Verification> {
        let mut checked = first;
        loop {
            match checked {
                Ok(v) => return Ok(v),
                Err(Reserve::ReadOnly) => return Err(Error::ReadOnly),
                Err(why) => {
                    let e = entry()?;
                    if !self.reserve(&e, why, options.cost)? {
                        // Purged (or its pool removed) since it was loaded.
                        return Ok(Verification::bare(Outcome::NotFound));
                    }
                    let now = self.inner.clock.now_millis();
                    checked = self.check(&e, options, now);
                }
            }
        }
    }
}

/// Why a verify must step out of the cache before it may spend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Reserve {
    /// The key's own credits need a reservation in the file.
    Key,
    /// The owner's pool needs one.
    Pool,
    /// A read-only handle was asked to spend.
    ReadOnly,
}
