//! New secrets: `issue`, `issue_many`, `issue_many_relaxed` and `rotate`.

use super::*;

/// A newly issued (or rotated) key: the secret is here once, never again.
#[derive(Debug)]
#[non_exhaustive]
pub struct Issued {
    /// The key's public id.
    pub id: String,
    /// The full key, to hand to its owner. Redacted in `Debug`, wiped on drop.
    pub key: SecretKey,
    /// The stored record.
    pub record: KeyRecord,
}

impl Store {
    /// `key_` + 22 base62 chars of 128 bits: a 48-bit millisecond timestamp,
    /// then 80 random bits. Ids are public; time-ordered ids make the keys
    /// table grow at its end (denser pages, a smaller file) and list keys in
    /// issue order. An id reveals when its key was issued, as `created_at` does.
    fn new_id(rng: &mut KeyRng, now_ms: i64) -> Result<String> {
        let mut b = [0u8; crate::ids::PACKED];
        b[..6].copy_from_slice(&(now_ms.max(0) as u64).to_be_bytes()[2..]);
        rng.fill(&mut b[6..])?;
        Ok(crate::ids::unpack(&b))
    }

    /// Issues one key, durably. The secret is in the returned [`Issued`] and
    /// nowhere else.
    pub fn issue(&self, options: IssueOptions) -> Result<Issued> {
        let mut v = self.issue_many(vec![options])?;
        Ok(v.pop().expect("one issued"))
    }

    /// Issues many keys in one transaction: all or none.
    pub fn issue_many(&self, batch: Vec<IssueOptions>) -> Result<Vec<Issued>> {
        self.issue_batch(batch, true)
    }

    /// Like [`issue_many`](Store::issue_many) but commits without waiting for
    /// the disk (for bulk imports): the keys are durable after the next durable
    /// write or [`close`](Store::close). Call [`sync`](Store::sync) to force it.
    pub fn issue_many_relaxed(&self, batch: Vec<IssueOptions>) -> Result<Vec<Issued>> {
        self.issue_batch(batch, false)
    }

    fn issue_batch(&self, batch: Vec<IssueOptions>, durable: bool) -> Result<Vec<Issued>> {
        if batch.len() > MAX_BATCH {
            return Err(Error::invalid(
                "batch",
                format!("at most {MAX_BATCH} keys at once"),
            ));
        }
        let now = self.inner.clock.now_millis();
        let checked: Vec<_> = batch
            .iter()
            .map(|o| self.validate_issue(o, now))
            .collect::<Result<_>>()?;
        self.inner.write(durable, |t| {
            let mut issued = Vec::with_capacity(batch.len());
            for (o, (prefix, expires)) in batch.iter().zip(checked.iter()) {
                let id = Self::new_id(&mut t.ws.rng, t.now)?;
                let mut body = Zeroizing::new([0u8; BODY_BYTES]);
                t.ws.rng.fill(body.as_mut())?;
                let key = format::compose(prefix, &body).expect("prefix validated");
                let hash = self.inner.hash(key.expose());
                let remaining = o.remaining.or(o.refill.map(|r| r.amount));
                let stored = StoredV1 {
                    id: id.clone(),
                    prefix: prefix.clone(),
                    hint: key.hint(),
                    name: o.name.clone(),
                    description: o.description.clone(),
                    owner: o.owner.clone(),
                    scopes: o.scopes.iter().cloned().collect(),
                    meta: o.meta.clone().into_iter().collect(),
                    created_at: t.now,
                    expires_at: expires.map(|d| d.resolve(t.now)),
                    revoked_at: None,
                    enabled: true,
                    last_used_at: None,
                    uses: 0,
                    denied: [0; 6],
                    remaining,
                    refill: o.refill.as_ref().map(refill_pair),
                    refilled_at: t.now,
                    shared_credits: o.shared_credits,
                    rate_limit: o.rate_limit.as_ref().map(rate_pair),
                    hashes: vec![hash],
                };
                t.put_secret(
                    &hash,
                    &SecretRow {
                        id: id.clone(),
                        valid_until: None,
                    },
                )?;
                t.w.put_record(&id, &stored.encode())?;
                if let Some(owner) = &stored.owner {
                    t.w.put_owner(owner, &id)?;
                }
                t.audit(AuditKind::Issued, &id, "")?;
                t.touched.push(hash);
                issued.push(Issued {
                    id,
                    key,
                    record: stored.to_public(),
                });
            }
            Ok(issued)
        })
    }

    /// Gives a key a new secret, keeping its id and settings. The old secret
    /// keeps working until `now + grace` (never past the key's own expiry);
    /// a zero grace ends it at once. A key has at most two live secrets: a
    /// second rotation ends the oldest one immediately.
    pub fn rotate(&self, id: &str, grace: Duration) -> Result<Issued> {
        self.inner.counted(|| {
            self.inner
                .write(true, |t| {
                    let mut s = Self::stored(t, id)?;
                    if s.revoked_at.is_some() {
                        return Err(Error::invalid("id", "a revoked key cannot be rotated"));
                    }
                    let mut body = Zeroizing::new([0u8; BODY_BYTES]);
                    t.ws.rng.fill(body.as_mut())?;
                    let key = format::compose(&s.prefix, &body)
                        .map_err(|e| Error::Corrupted(format!("stored prefix: {e}")))?;
                    let hash = self.inner.hash(key.expose());
                    let mut until = t.now.saturating_add(duration_millis(grace));
                    if let Some(x) = s.expires_at {
                        until = until.min(x);
                    }
                    let old = s.hashes.clone();
                    for (i, h) in old.iter().enumerate() {
                        if i == 0 {
                            t.update_secret(
                                h,
                                &SecretRow {
                                    id: id.to_owned(),
                                    valid_until: Some(until),
                                },
                            )?;
                        } else {
                            t.delete_secret(h)?;
                        }
                    }
                    t.put_secret(
                        &hash,
                        &SecretRow {
                            id: id.to_owned(),
                            valid_until: None,
                        },
                    )?;
                    t.touched.extend(old.iter().copied());
                    s.hashes = vec![hash];
                    s.hashes.extend(old.first().copied());
                    s.hint = key.hint();
                    Self::put(t, &s)?;
                    t.audit(
                        AuditKind::Rotated,
                        id,
                        &format!("grace {} ms", duration_millis(grace)),
                    )?;
                    Ok(Issued {
                        id: id.to_owned(),
                        key,
                        record: s.to_public(),
                    })
                })
                .map(|mut i| {
                    i.record = self.inner.with_live(i.record);
                    i
                })
        })
    }
}
