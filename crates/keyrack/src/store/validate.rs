//! Every rule an option must meet, written once and used by issue, update,
//! import and the pools.

use super::*;

pub(super) const MAX_NAME: usize = 256;
pub(super) const MAX_DESCRIPTION: usize = 4096;
pub(super) const MAX_OWNER: usize = 256;
pub(super) const MAX_SCOPE: usize = 128;
pub(super) const MAX_SCOPES: usize = 256;
pub(super) const MAX_META_KEY: usize = 128;
pub(super) const MAX_META_VALUE: usize = 4096;
pub(super) const MAX_META: usize = 64;
pub(super) const MAX_BATCH: usize = 1_000_000;

pub(super) fn validate_text(field: &'static str, v: &str, min: usize, max: usize) -> Result<()> {
    if v.len() < min {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if v.len() > max {
        return Err(Error::invalid(
            field,
            format!("must be at most {max} bytes"),
        ));
    }
    if v.chars().any(|c| c == '\0') {
        return Err(Error::invalid(field, "must not contain NUL"));
    }
    Ok(())
}

pub(super) fn validate_name(name: &str) -> Result<()> {
    validate_text("name", name, 0, MAX_NAME)
}

pub(super) fn validate_description(d: Option<&str>) -> Result<()> {
    d.map_or(Ok(()), |d| {
        validate_text("description", d, 0, MAX_DESCRIPTION)
    })
}

pub(super) fn validate_owner(owner: Option<&str>) -> Result<()> {
    owner.map_or(Ok(()), |o| validate_text("owner", o, 1, MAX_OWNER))
}

pub(super) fn validate_scopes(scopes: &BTreeSet<String>) -> Result<()> {
    if scopes.len() > MAX_SCOPES {
        return Err(Error::invalid(
            "scopes",
            format!("at most {MAX_SCOPES} scopes"),
        ));
    }
    for s in scopes {
        validate_text("scopes", s, 1, MAX_SCOPE)?;
        if s.chars().any(char::is_whitespace) {
            return Err(Error::invalid(
                "scopes",
                format!("scope {s:?} contains whitespace"),
            ));
        }
    }
    Ok(())
}

pub(super) fn validate_meta(meta: &std::collections::BTreeMap<String, String>) -> Result<()> {
    if meta.len() > MAX_META {
        return Err(Error::invalid(
            "meta",
            format!("at most {MAX_META} entries"),
        ));
    }
    for (k, v) in meta {
        validate_text("meta", k, 1, MAX_META_KEY)?;
        validate_text("meta", v, 0, MAX_META_VALUE)?;
    }
    Ok(())
}

/// The limits of a key's credits and rate limit.
pub(super) fn validate_limits(refill: Option<&Refill>, rate: Option<&RateLimit>) -> Result<()> {
    if let Some(r) = refill {
        r.validate("refill")?;
    }
    if let Some(r) = rate {
        r.validate()?;
    }
    Ok(())
}

/// An owner's pool: set by `set_pool` or carried by an import.
pub(super) fn validate_pool(owner: &str, refill: Option<&Refill>) -> Result<()> {
    validate_text("owner", owner, 1, MAX_OWNER)?;
    refill.map_or(Ok(()), |r| r.validate("refill"))
}

/// A key spends its owner's pool (`shared`, which needs an owner) or its own
/// credits, never both: the one rule issue, update and import share.
pub(super) fn check_credit_source(shared: bool, has_owner: bool, own_credits: bool) -> Result<()> {
    if shared && !has_owner {
        return Err(Error::invalid("shared_credits", "needs an owner"));
    }
    if shared && own_credits {
        return Err(Error::invalid(
            "shared_credits",
            "a key spends either its own credits or its owner's pool, not both",
        ));
    }
    Ok(())
}

/// When a key expires: a fixed time, or a span counted from the time its
/// transaction stamps (so `expires_in(30d)` on issue is exactly 30 days after
/// `created_at`, and on update exactly 30 days after the update commits, not
/// after an earlier clock read).
#[derive(Clone, Copy)]
pub(super) enum Due {
    At(i64),
    After(i64),
}

impl Due {
    /// Checks an expiry against `now` (a span above zero, a time ahead).
    pub(super) fn of(expiry: Expiry, now: i64) -> Result<Due> {
        match expiry {
            Expiry::In(d) => {
                if d.is_zero() {
                    return Err(Error::invalid("expires_in", "must be above zero"));
                }
                Ok(Due::After(duration_millis(d)))
            }
            Expiry::At(t) => {
                let at = crate::clock::to_millis(t);
                if at <= now {
                    return Err(Error::invalid("expires_at", "is in the past"));
                }
                Ok(Due::At(at))
            }
        }
    }

    pub(super) fn resolve(self, stamped: i64) -> i64 {
        match self {
            Due::At(t) => t,
            Due::After(d) => stamped.saturating_add(d),
        }
    }
}

pub(super) fn validate_id(id: &str) -> Result<()> {
    if format::is_id(id) {
        Ok(())
    } else {
        Err(Error::not_found(id))
    }
}

impl Store {
    /// A prefix the store accepts, or the default one.
    fn accepted_prefix(&self, prefix: Option<&String>) -> Result<String> {
        match prefix {
            Some(p) if !self.inner.prefixes.load().contains(p) => Err(Error::invalid(
                "prefix",
                format!(
                    "{p:?} is not one of the store's prefixes {:?}",
                    self.inner.prefixes.load()
                ),
            )),
            Some(p) => Ok(p.clone()),
            None => Ok(self.inner.default_prefix.clone()),
        }
    }

    /// Every option of an issue; returns the prefix and when the key expires.
    pub(super) fn validate_issue(
        &self,
        o: &IssueOptions,
        now: i64,
    ) -> Result<(String, Option<Due>)> {
        validate_name(&o.name)?;
        validate_description(o.description.as_deref())?;
        validate_owner(o.owner.as_deref())?;
        validate_scopes(&o.scopes)?;
        validate_meta(&o.meta)?;
        let prefix = self.accepted_prefix(o.prefix.as_ref())?;
        let expires = o.expiry.map(|e| Due::of(e, now)).transpose()?;
        validate_limits(o.refill.as_ref(), o.rate_limit.as_ref())?;
        check_credit_source(
            o.shared_credits,
            o.owner.is_some(),
            o.remaining.is_some() || o.refill.is_some(),
        )?;
        Ok((prefix, expires))
    }

    /// Every option of an update that can be checked before its transaction
    /// (the credit source is checked against the record inside it); returns
    /// the new expiry, if any.
    pub(super) fn validate_update(
        &self,
        u: &UpdateOptions,
        now: i64,
    ) -> Result<Option<Option<Due>>> {
        if let Some(n) = &u.name {
            validate_name(n)?;
        }
        if let Some(d) = &u.description {
            validate_description(d.as_deref())?;
        }
        if let Some(o) = &u.owner {
            validate_owner(o.as_deref())?;
        }
        if let Some(s) = &u.scopes {
            validate_scopes(s)?;
        }
        if let Some(m) = &u.meta {
            validate_meta(m)?;
        }
        let expires = u
            .expiry
            .map(|e| e.map(|e| Due::of(e, now)).transpose())
            .transpose()?;
        validate_limits(
            u.refill.as_ref().and_then(Option::as_ref),
            u.rate_limit.as_ref().and_then(Option::as_ref),
        )?;
        Ok(expires)
    }

    /// Every field of an imported record (its id is checked by the import).
    pub(super) fn validate_record(&self, r: &KeyRecord) -> Result<()> {
        if !self.inner.prefixes.load().contains(&r.prefix) {
            return Err(Error::invalid(
                "prefix",
                format!("{:?} is not one of the store's prefixes", r.prefix),
            ));
        }
        validate_name(&r.name)?;
        validate_text("hint", &r.hint, 0, MAX_NAME)?;
        validate_description(r.description.as_deref())?;
        validate_owner(r.owner.as_deref())?;
        validate_scopes(&r.scopes)?;
        validate_meta(&r.meta)?;
        validate_limits(r.refill.as_ref(), r.rate_limit.as_ref())?;
        check_credit_source(r.shared_credits, r.owner.is_some(), r.remaining.is_some())
    }
}
