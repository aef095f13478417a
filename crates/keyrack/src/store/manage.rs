//! Changing a key: `revoke`, `enable`, `disable`, `update`, `purge`.

use super::*;

impl Store {
    /// Revokes a key at once and for good: once this returns, no verify in
    /// any thread succeeds with it. The record stays (for audit) until purged.
    /// Revoking a revoked key changes nothing.
    pub fn revoke(&self, id: &str) -> Result<KeyRecord> {
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
    }
    /// Changes a key's settings (see [`UpdateOptions`]); the fields changed
    /// are named in the audit log.
    pub fn update(&self, id: &str, change: UpdateOptions) -> Result<KeyRecord> {
        let expires = self.validate_update(&change, self.inner.clock.now_millis())?;
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
                if let Some(r) = change.remaining {
                    s.remaining = r;
                    changed.push("remaining");
                } else if credits_changed && s.remaining.is_none() {
                    s.remaining = s.refill.map(|(a, _)| a);
                }
                check_credit_source(s.shared_credits, s.owner.is_some(), s.remaining.is_some())?;
                if credits_changed {
                    // In-memory credits are authoritative while the handle lives:
                    // replace them with the new balance.
                    let c = credits_of(&s);
                    let id = id.to_owned();
                    t.after.push(Box::new(move |store: &Inner| {
                        let u = store.live.usage_for(&id, || c);
                        *u.credits() = c;
                    }));
                } else if let Some(u) = self.inner.live.existing_usage(id) {
                    // Keep the live balance in what we write back.
                    if let Some(c) = *u.credits() {
                        s.remaining = Some(c.remaining);
                        s.refilled_at = c.refilled_at;
                    }
                }
                Self::put(t, &s)?;
                if !changed.is_empty() {
                    t.audit(AuditKind::Updated, id, &changed.join(","))?;
                }
                Ok(s.to_public())
            })
            .map(|r| self.inner.with_live(r))
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
                let mut map = store.live.usage.lock().unwrap_or_else(|p| p.into_inner());
                for id in &ids {
                    map.remove(id);
                }
            }));
            Ok(doomed.len() as u64)
        })
    }
}
