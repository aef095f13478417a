//! The option objects each call takes, as plain JavaScript objects typed in
//! `index.d.ts`, and their conversion to the core's option types.

use std::collections::HashMap;

use napi::Unknown;
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::clock::ClockArg;
use crate::convert::{JsDate, RateLimit, Refill, arg, count, is_null, millis};
use crate::error::invalid;

/// How to open a store.
#[napi(object, object_to_js = false)]
pub struct StoreOptions {
    /// Default prefix of issued keys (a new store defaults to `kr`).
    pub prefix: Option<String>,
    /// Further accepted prefixes (replacing the saved set).
    pub prefixes: Option<Vec<String>>,
    /// 32 bytes kept outside the file (e.g. `Buffer.from(process.env.PEPPER, 'hex')`).
    pub pepper: Option<Uint8Array>,
    /// Open without writing; several processes may read at once.
    pub read_only: Option<bool>,
    /// Create the file when missing (default `true`).
    pub create: Option<bool>,
    /// A manual clock for tests (default: the system clock).
    #[napi(ts_type = "ManualClock")]
    pub clock: Option<ClockArg>,
    /// Grace allowed past `expiresAt`, in ms (default 0).
    pub leeway: Option<f64>,
    /// How often in-memory counters are written, in ms (default 1000).
    pub flush_interval: Option<f64>,
    /// Most keys kept in the verify cache (default 1,000,000).
    pub cache_capacity: Option<f64>,
}

pub fn store_options(v: Option<Unknown<'_>>) -> keyrack::Result<keyrack::Options> {
    let mut o = keyrack::Options::default();
    let Some(s) = arg::<StoreOptions>(v, "options", "an object")? else {
        return Ok(o);
    };
    o.prefix = s.prefix;
    o.prefixes = s.prefixes;
    if let Some(p) = s.pepper {
        o.pepper = Some(keyrack::Pepper::from_slice(&p)?);
    }
    o.read_only = s.read_only.unwrap_or(false);
    o.create = s.create.unwrap_or(true);
    if let Some(c) = s.clock {
        o.clock = c.0;
    }
    if let Some(ms) = s.leeway {
        o.leeway = millis("leeway", ms)?;
    }
    if let Some(ms) = s.flush_interval {
        o.flush_interval = millis("flushInterval", ms)?;
    }
    if let Some(n) = s.cache_capacity {
        o.cache_capacity = usize::try_from(count("cacheCapacity", n)?).unwrap_or(usize::MAX);
    }
    Ok(o)
}

/// What to issue.
#[napi(object, object_to_js = false)]
pub struct IssueOptions {
    /// A name for people (default empty).
    pub name: Option<String>,
    pub description: Option<String>,
    /// The host's user or organisation id.
    pub owner: Option<String>,
    /// Scopes granted.
    pub scopes: Option<Vec<String>>,
    /// String metadata.
    pub meta: Option<HashMap<String, String>>,
    /// One of the store's accepted prefixes (default: the store's default).
    pub prefix: Option<String>,
    /// Expires this many ms after issue.
    pub expires_in: Option<f64>,
    /// Expires at this time (exclusive with `expiresIn`).
    #[napi(ts_type = "Date")]
    pub expires_at: Option<JsDate>,
    /// Usage credits (default: unmetered).
    pub remaining: Option<f64>,
    /// How credits refill.
    pub refill: Option<Refill>,
    /// Spend the owner's credit pool instead (needs `owner`).
    pub shared_credits: Option<bool>,
    pub rate_limit: Option<RateLimit>,
}

impl IssueOptions {
    pub fn into_core(self) -> keyrack::Result<keyrack::IssueOptions> {
        let mut o = keyrack::IssueOptions::new(self.name.unwrap_or_default());
        o.description = self.description;
        o.owner = self.owner;
        o = o.scopes(self.scopes.unwrap_or_default());
        o.meta = self.meta.unwrap_or_default().into_iter().collect();
        o.prefix = self.prefix;
        o.expiry = match (self.expires_in, self.expires_at) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "expiresIn",
                    "give expiresIn or expiresAt, not both",
                ));
            }
            (Some(ms), None) => Some(keyrack::Expiry::In(millis("expiresIn", ms)?)),
            (None, Some(at)) => Some(keyrack::Expiry::At(at.0)),
            (None, None) => None,
        };
        o.remaining = self.remaining.map(|n| count("remaining", n)).transpose()?;
        o.refill = self.refill.map(|r| r.to_core("refill")).transpose()?;
        o.shared_credits = self.shared_credits.unwrap_or(false);
        o.rate_limit = self
            .rate_limit
            .map(|r| r.to_core("rateLimit"))
            .transpose()?;
        Ok(o)
    }
}

pub fn issue_options(v: Option<Unknown<'_>>) -> keyrack::Result<keyrack::IssueOptions> {
    match arg::<IssueOptions>(v, "options", "an object")? {
        Some(o) => o.into_core(),
        None => Ok(keyrack::IssueOptions::default()),
    }
}

pub fn issue_batch(v: Option<Unknown<'_>>) -> keyrack::Result<Vec<keyrack::IssueOptions>> {
    let batch =
        crate::convert::required::<Vec<IssueOptions>>(v, "batch", "an array of issue options")?;
    batch.into_iter().map(IssueOptions::into_core).collect()
}

/// What a verify requires beyond a good key.
#[napi(object, object_to_js = false)]
pub struct VerifyOptions {
    /// Scopes the key must all have.
    pub scopes: Option<Vec<String>>,
    /// Credits this call costs on a metered key (default 1; 0 only checks).
    pub cost: Option<f64>,
}

pub fn verify_options(v: Option<Unknown<'_>>) -> keyrack::Result<Option<keyrack::VerifyOptions>> {
    let Some(o) = arg::<VerifyOptions>(v, "options", "an object")? else {
        return Ok(None);
    };
    let mut out = keyrack::VerifyOptions::default().scopes(o.scopes.unwrap_or_default());
    if let Some(c) = o.cost {
        out.cost = count("cost", c)?;
    }
    Ok(Some(out))
}

/// Changes to a key; an absent field is left alone and `null` clears it.
#[napi(object, object_to_js = false)]
pub struct UpdateOptions {
    pub name: Option<String>,
    #[napi(ts_type = "string | null")]
    pub description: Option<String>,
    #[napi(ts_type = "string | null")]
    pub owner: Option<String>,
    /// Replaces the scopes.
    pub scopes: Option<Vec<String>>,
    /// Replaces the metadata.
    pub meta: Option<HashMap<String, String>>,
    /// New expiry; `null` removes it.
    #[napi(ts_type = "Date | null")]
    pub expires_at: Option<JsDate>,
    /// New expiry this many ms from now (exclusive with `expiresAt`).
    pub expires_in: Option<f64>,
    /// New credit balance; `null` unmeters the key.
    #[napi(ts_type = "number | null")]
    pub remaining: Option<f64>,
    #[napi(ts_type = "Refill | null")]
    pub refill: Option<Refill>,
    #[napi(ts_type = "RateLimit | null")]
    pub rate_limit: Option<RateLimit>,
    pub shared_credits: Option<bool>,
}

pub fn update_options(
    v: Option<Unknown<'_>>,
    now: std::time::SystemTime,
) -> keyrack::Result<keyrack::UpdateOptions> {
    let nulls = |name: &str| is_null(&v, name);
    let (
        cleared_description,
        cleared_owner,
        cleared_expiry,
        cleared_remaining,
        cleared_refill,
        cleared_rate,
    ) = (
        nulls("description"),
        nulls("owner"),
        nulls("expiresAt"),
        nulls("remaining"),
        nulls("refill"),
        nulls("rateLimit"),
    );
    let v = crate::convert::without_nulls(v).map_err(|e| invalid("changes", e.reason))?;
    let Some(u) = arg::<UpdateOptions>(v, "changes", "an object")? else {
        return Err(invalid("changes", "is required and must be an object"));
    };
    let mut o = keyrack::UpdateOptions::default();
    o.name = u.name;
    o.description = pick(u.description, cleared_description);
    o.owner = pick(u.owner, cleared_owner);
    o.scopes = u.scopes.map(|s| s.into_iter().collect());
    o.meta = u.meta.map(|m| m.into_iter().collect());
    o.expiry = match (u.expires_in, u.expires_at, cleared_expiry) {
        (Some(_), Some(_), _) | (Some(_), _, true) => {
            return Err(invalid(
                "expiresIn",
                "give expiresIn or expiresAt, not both",
            ));
        }
        (Some(ms), None, false) => Some(Some(keyrack::Expiry::In(millis("expiresIn", ms)?))),
        (None, at, cleared) => pick(at.map(|a| keyrack::Expiry::At(a.0)), cleared),
    };
    o.remaining = pick(
        u.remaining.map(|n| count("remaining", n)).transpose()?,
        cleared_remaining,
    );
    o.refill = pick(
        u.refill.map(|r| r.to_core("refill")).transpose()?,
        cleared_refill,
    );
    o.rate_limit = pick(
        u.rate_limit.map(|r| r.to_core("rateLimit")).transpose()?,
        cleared_rate,
    );
    o.shared_credits = u.shared_credits;
    Ok(o)
}

/// `Some(Some(v))` to set, `Some(None)` to clear, `None` to leave alone.
fn pick<T>(value: Option<T>, cleared: bool) -> Option<Option<T>> {
    match (value, cleared) {
        (Some(v), _) => Some(Some(v)),
        (None, true) => Some(None),
        (None, false) => None,
    }
}

/// How to rotate a key.
#[napi(object, object_to_js = false)]
pub struct RotateOptions {
    /// How long the old secret keeps working, in ms (default 0: not at all).
    pub grace: Option<f64>,
}

pub fn rotate_grace(v: Option<Unknown<'_>>) -> keyrack::Result<std::time::Duration> {
    match arg::<RotateOptions>(v, "options", "an object")?.and_then(|o| o.grace) {
        Some(ms) => millis("grace", ms),
        None => Ok(std::time::Duration::ZERO),
    }
}

/// What to purge.
#[napi(object, object_to_js = false)]
pub struct PurgeOptions {
    /// Only records revoked or expired at least this many ms ago (default 0).
    pub older_than: Option<f64>,
}

pub fn purge_age(v: Option<Unknown<'_>>) -> keyrack::Result<std::time::Duration> {
    match arg::<PurgeOptions>(v, "options", "an object")?.and_then(|o| o.older_than) {
        Some(ms) => millis("olderThan", ms),
        None => Ok(std::time::Duration::ZERO),
    }
}

/// Which records to list, one page at a time.
#[napi(object, object_to_js = false)]
pub struct ListOptions {
    /// Only this owner's keys.
    pub owner: Option<String>,
    /// Only keys with this prefix.
    pub prefix: Option<String>,
    /// Only keys in this state.
    #[napi(ts_type = "KeyStatus")]
    pub status: Option<String>,
    /// Only keys not used since this time (never-used keys included).
    #[napi(ts_type = "Date")]
    pub unused_since: Option<JsDate>,
    /// Page size, 1–1000 (default 100).
    pub limit: Option<f64>,
    /// `nextCursor` of the previous page.
    pub cursor: Option<String>,
}

pub fn list_options(v: Option<Unknown<'_>>) -> keyrack::Result<keyrack::ListOptions> {
    let mut o = keyrack::ListOptions::default();
    let Some(l) = arg::<ListOptions>(v, "options", "an object")? else {
        return Ok(o);
    };
    o.owner = l.owner;
    o.prefix = l.prefix;
    o.status = l.status.map(|s| s.parse()).transpose()?;
    o.unused_since = l.unused_since.map(|d| d.0);
    if let Some(n) = l.limit {
        o.limit = usize::try_from(count("limit", n)?).unwrap_or(usize::MAX);
    }
    o.cursor = l.cursor;
    Ok(o)
}

/// Which audit events to read, oldest first.
#[napi(object, object_to_js = false)]
pub struct AuditOptions {
    /// Only this key's events.
    pub id: Option<String>,
    /// Only this kind of event.
    #[napi(ts_type = "AuditKind")]
    pub kind: Option<String>,
    /// Only events at or after this time.
    #[napi(ts_type = "Date")]
    pub since: Option<JsDate>,
    /// Page size, 1–10000 (default 100).
    pub limit: Option<f64>,
    /// `nextCursor` of the previous page.
    pub cursor: Option<String>,
}

pub fn audit_options(v: Option<Unknown<'_>>) -> keyrack::Result<keyrack::AuditOptions> {
    let mut o = keyrack::AuditOptions::default();
    let Some(a) = arg::<AuditOptions>(v, "options", "an object")? else {
        return Ok(o);
    };
    o.id = a.id;
    o.kind = a
        .kind
        .as_deref()
        .map(crate::convert::audit_kind)
        .transpose()?;
    o.since = a.since.map(|d| d.0);
    if let Some(n) = a.limit {
        o.limit = usize::try_from(count("limit", n)?).unwrap_or(usize::MAX);
    }
    o.cursor = a.cursor;
    Ok(o)
}

/// An owner's shared credit balance.
#[napi(object)]
pub struct Pool {
    /// Credits left.
    pub remaining: f64,
    /// How they refill, if they do.
    pub refill: Option<Refill>,
}

pub fn pool(v: Option<Unknown<'_>>) -> keyrack::Result<(u64, Option<keyrack::Refill>)> {
    let p = crate::convert::required::<Pool>(v, "pool", "an object like {remaining, refill}")?;
    Ok((
        count("remaining", p.remaining)?,
        p.refill.map(|r| r.to_core("refill")).transpose()?,
    ))
}
