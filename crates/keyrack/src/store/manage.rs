//! Changing a key: `revoke`, `enable`, `disable`, `update`, `purge`.

use super::*;

impl Store {
    /// Revokes a key at once and for good: once this returns, no verify in
    /// any thread succeeds with it. The record stays (for audit) until purged.
    /// Revoking a revoked key changes nothing.
    pub fn revoke(&self, id: &str) -> Result<KeyRecord> {
        self.inner.counted(|| {
            self.inner
                .write(true, |t| {
                    let mut s = Self::stored(t, id)?;
                    if s.revoked_at.is_none() {
                        s.revoked_at = Some(t.now);
                        Self::put(t, &s)?;
                        t.audit(AuditKind::Revoked, id, "")?;
                    }
                    Ok(s.to_public())
                })
                .map(|r| self.inner.with_live(r))
        })
    }

    /// Enables a disabled key.
    pub fn enable(&self, id: &str) -> Result<KeyRecord> {
        self.set_enabled(id, true)
    }

    /// Disables a key: it verifies as `disabled` until enabled again.
    pub fn disable(&self, id: &str) -> Result<KeyRecord> {
        self.set_enabled(id, false)
    }

    fn set_enabled(&self, id: &str, enabled: bool) -> Result<KeyRecord> {
        self.inner.counted(|| {
            self.inner
                .write(true, |t| {
                    let mut s = Self::stored(t, id)?;
                    if s.enabled != enabled {
                        s.enabled = enabled;
                        Self::put(t, &s)?;
                        let kind = if enabled {
                            AuditKind::Enabled
                        } else {
                            AuditKind::Disabled
                        };
                        t.audit(kind, id, "")?;
                    }
                    Ok(s.to_public())
                })
                .map(|r| self.inner.with_live(r))
        })
    }
    /// Changes a key's settings (see [`UpdateOptions`]); the fields changed
    /// are named in the audit log.
    pub fn update(&self, id: &str, change: UpdateOptions) -> Result<KeyRecord> {
        let expires = self.validate_update(&change, self.inner.clock.now_millis())?;
        self.inner.counted(|| {
            self.inner
                .write(true, |t| {
                    let mut s = Self::stored(t, id)?;
                    let mut changed = Vec::new();
                    if let Some(n) = &change.name {
                        s.name = n.clone();
                        changed.push("name");
                    }
                    if let Some(d) = &change.description {
                        s.description = d.clone();
                        changed.push("description");
                    }
                    if let Some(o) = &change.owner {
                        if let Some(old) = &s.owner {
                            t.w.delete_owner(old, id)?;
                        }
                        if let Some(new) = o {
                            t.w.put_owner(new, id)?;
                        }
                        s.owner = o.clone();
                        changed.push("owner");
                    }
                    if let Some(sc) = &change.scopes {
                        s.scopes = sc.iter().cloned().collect();
                        changed.push("scopes");
                    }
                    if let Some(m) = &change.meta {
                        s.meta = m.clone().into_iter().collect();
                        changed.push("meta");
                    }
                    if let Some(x) = expires {
                        s.expires_at = x.map(|due| due.resolve(t.now));
                        changed.push("expires_at");
                    }
                    if let Some(r) = change.rate_limit {
                        s.rate_limit = r.as_ref().map(rate_pair);
                        changed.push("rate_limit");
                    }
                    if let Some(sh) = change.shared_credits {
                        s.shared_credits = sh;
                        changed.push("shared_credits");
                    }
                    let credits_changed = change.remaining.is_some() || change.refill.is_some();
                    if let Some(r) = change.refill {
                        s.refill = r.as_ref().map(refill_pair);
                        s.refilled_at = t.now;
                        changed.push("refill");
                    }
                    // A new refill alone keeps the live balance (and the file's
                    // reservation of it); a new balance replaces both.
                    let mut keep_live = false;
                    if let Some(r) = change.remaining {
                        s.remaining = r;
                        changed.push("remaining");
                    } else if change.refill.is_some() {
                        let live = self.inner.live.existing_usage(id);
                        match live.as_ref().and_then(|u| *u.credits()) {
                            Some(c) if s.remaining.is_some() => {
                                s.remaining = Some(c.stored);
                                keep_live = true;
                            }
                            _ if s.remaining.is_none() => s.remaining = s.refill.map(|(a, _)| a),
                            _ => {}
                        }
                    }
                    check_credit_source(
                        s.shared_credits,
                        s.owner.is_some(),
                        s.remaining.is_some(),
                    )?;
                    if credits_changed {
                        let exact = credits_of(&s);
                        let refill = s.refill.map(refill_from_pair);
                        let (id, now) = (id.to_owned(), t.now);
                        t.after.push(Box::new(move |store: &Inner| {
                            store.live.changed();
                            let u = store.live.usage_for(&id, || exact);
                            let mut credits = u.credits();
                            match (keep_live, credits.as_mut()) {
                                (true, Some(c)) => {
                                    c.refill = refill;
                                    c.refilled_at = now;
                                    c.stored_refilled_at = now;
                                }
                                _ => *credits = exact,
                            }
                        }));
                    }
                    Self::put(t, &s)?;
                    if !changed.is_empty() {
                        t.audit(AuditKind::Updated, id, &changed.join(","))?;
                    }
                    Ok(s.to_public())
                })
                .map(|r| self.inner.with_live(r))
        })
    }

    /// Adds `credits` to a metered key's balance, atomically: spends made
    /// meanwhile, in memory or not yet flushed, are all kept (a read, then
    /// [`update`](Store::update) with the sum, would lose them). Audited as
    /// `credits_added`. A key that is unmetered, or spends its owner's pool
    /// (see [`add_pool_credits`](Store::add_pool_credits)), is
    /// `InvalidArgument`.
    ///
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// use keyrack::{IssueOptions, Options, Store};
    /// let store = Store::open(dir.path().join("k.redb"), Options::default())?;
    /// let issued = store.issue(IssueOptions::new("ci").remaining(2))?;
    /// store.verify(issued.key.expose())?;
    /// assert_eq!(store.add_credits(&issued.id, 10)?.remaining, Some(11));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_credits(&self, id: &str, credits: u64) -> Result<KeyRecord> {
        if credits == 0 {
            return Err(Error::invalid("credits", "must be at least 1"));
        }
        self.inner.counted(|| {
            self.inner
                .write(true, |t| {
                    let mut s = Self::stored(t, id)?;
                    if s.shared_credits {
                        return Err(Error::invalid(
                            "id",
                            "the key spends its owner's pool: add credits to the pool instead",
                        ));
                    }
                    let Some(file) = s.remaining else {
                        return Err(Error::invalid(
                            "id",
                            "the key is not metered: give it a balance with update(remaining)",
                        ));
                    };
                    let overflow = || Error::invalid("credits", "the balance would overflow");
                    if let Some(c) = self
                        .inner
                        .live
                        .existing_usage(id)
                        .and_then(|u| *u.credits())
                    {
                        c.remaining.checked_add(credits).ok_or_else(overflow)?;
                    }
                    s.remaining = Some(file.checked_add(credits).ok_or_else(overflow)?);
                    t.w.put_record(id, &s.encode())?;
                    t.audit(AuditKind::CreditsAdded, id, &format!("+{credits}"))?;
                    let (id, exact) = (id.to_owned(), credits_of(&s));
                    t.after.push(Box::new(move |store: &Inner| {
                        // Counters loaded before this commit hold the old balance
                        // (add to it); made now, they hold the new one.
                        store.live.changed();
                        let u = store.live.usage_for(&id, || exact);
                        if let Some(c) = u.credits().as_mut()
                            && c.stored == file
                        {
                            c.add(credits);
                        }
                    }));
                    Ok(s.to_public())
                })
                .map(|r| self.inner.with_live(r))
        })
    }

    /// Removes revoked and expired records (and rotated-out secrets) whose
    /// revocation or expiry is at least `older_than` in the past. Returns how
    /// many records were removed.
    pub fn purge(&self, older_than: Duration) -> Result<u64> {
        let cutoff_of = |now: i64| now.saturating_sub(duration_millis(older_than));
        self.inner.write(true, |t| {
            let cutoff = cutoff_of(t.now);
            let mut doomed = Vec::new();
            let mut trimmed = Vec::new();
            t.w.scan_records(None, &mut |id, bytes| {
                let s = StoredV1::decode(id, bytes)?;
                let gone = s.revoked_at.is_some_and(|r| r <= cutoff)
                    || s.expires_at.is_some_and(|x| x <= cutoff);
                if gone {
                    doomed.push(s);
                } else if s.hashes.len() > 1 {
                    trimmed.push(id.to_owned());
                }
                Ok(true)
            })?;
            for s in &doomed {
                for h in &s.hashes {
                    t.delete_secret(h)?;
                }
                t.w.delete_record(&s.id)?;
                if let Some(o) = &s.owner {
                    t.w.delete_owner(o, &s.id)?;
                }
                t.touched.extend(s.hashes.iter().copied());
                t.audit(AuditKind::Purged, &s.id, "")?;
            }
            for id in trimmed {
                let mut s = Self::stored(t, &id)?;
                let mut keep = vec![s.hashes[0]];
                for h in s.hashes.iter().skip(1) {
                    let row = t.w.secret(h)?;
                    if row.and_then(|r| r.valid_until).is_some_and(|u| u <= cutoff) {
                        t.delete_secret(h)?;
                        t.touched.push(*h);
                    } else {
                        keep.push(*h);
                    }
                }
                if keep.len() != s.hashes.len() {
                    t.touched.extend(s.hashes.iter().copied());
                    s.hashes = keep;
                    t.w.put_record(&s.id, &s.encode())?;
                }
            }
            let ids: Vec<String> = doomed.iter().map(|s| s.id.clone()).collect();
            t.after.push(Box::new(move |store: &Inner| {
                store.live.changed();
                let mut map = store.live.usage.lock().unwrap_or_else(|p| p.into_inner());
                for id in &ids {
                    map.remove(id);
                }
            }));
            Ok(doomed.len() as u64)
        })
    }
}
