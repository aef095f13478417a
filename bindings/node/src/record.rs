//! The shapes a record takes in JavaScript (`KeyRecord`, `Refill`,
//! `RateLimit`, `Denied`), converted from the core's once, in one place.

use std::collections::HashMap;
use std::time::SystemTime;

use napi_derive::napi;

use crate::convert::{JsDate, count, millis, num};
use crate::options::known;

/// Credits that come back: every `every` ms the balance is topped up to `amount`.
#[napi(object)]
#[derive(Clone, Copy)]
pub struct Refill {
    /// The balance restored each period.
    pub amount: f64,
    /// Period length in milliseconds (at least 1000).
    pub every: f64,
}

known!(Refill { amount, every });

impl Refill {
    pub fn to_core(self, field: &'static str) -> keyrack::Result<keyrack::Refill> {
        Ok(keyrack::Refill::new(
            count(field, self.amount)?,
            millis(field, self.every)?,
        ))
    }
    pub fn from_core(r: keyrack::Refill) -> Self {
        Refill {
            amount: num(r.amount),
            every: r.every.as_millis() as f64,
        }
    }
}

/// At most `limit` verifies per `window` ms, counted in memory.
#[napi(object)]
#[derive(Clone, Copy)]
pub struct RateLimit {
    /// Verifies allowed per window (at least 1).
    pub limit: f64,
    /// Window length in milliseconds (at least 1).
    pub window: f64,
}

known!(RateLimit { limit, window });

impl RateLimit {
    pub fn to_core(self, field: &'static str) -> keyrack::Result<keyrack::RateLimit> {
        Ok(keyrack::RateLimit::new(
            count(field, self.limit)?,
            millis(field, self.window)?,
        ))
    }
    pub fn from_core(r: keyrack::RateLimit) -> Self {
        RateLimit {
            limit: num(r.limit),
            window: r.window.as_millis() as f64,
        }
    }
}

/// Refused verifies of one key, counted by outcome.
#[napi(object, object_from_js = false)]
pub struct Denied {
    pub revoked: f64,
    pub disabled: f64,
    pub expired: f64,
    pub insufficient_scope: f64,
    pub rate_limited: f64,
    pub usage_exceeded: f64,
}

/// Everything a store keeps about a key, except its secret (which it never keeps).
#[napi(object, object_from_js = false)]
pub struct KeyRecord {
    /// Public id: `key_` and 22 base62 characters.
    pub id: String,
    /// The key's prefix, e.g. `sk_live`.
    pub prefix: String,
    /// `<prefix>_<first 4 of body>…`, to recognise a key in listings.
    pub hint: String,
    pub name: String,
    pub description: Option<String>,
    /// The host's user or organisation id.
    pub owner: Option<String>,
    pub scopes: Vec<String>,
    pub meta: HashMap<String, String>,
    /// The key's state now: `active`, `revoked`, `disabled` or `expired`.
    #[napi(ts_type = "KeyStatus")]
    pub status: String,
    #[napi(ts_type = "Date")]
    pub created_at: JsDate,
    #[napi(ts_type = "Date")]
    pub expires_at: Option<JsDate>,
    #[napi(ts_type = "Date")]
    pub revoked_at: Option<JsDate>,
    pub enabled: bool,
    /// Last `valid` verify.
    #[napi(ts_type = "Date")]
    pub last_used_at: Option<JsDate>,
    /// Number of `valid` verifies.
    pub uses: f64,
    /// Refused verifies by outcome.
    pub denied: Denied,
    /// Credits left, if the key is metered on its own.
    pub remaining: Option<f64>,
    pub refill: Option<Refill>,
    /// Spends its owner's credit pool instead of its own credits.
    pub shared_credits: bool,
    pub rate_limit: Option<RateLimit>,
}

impl KeyRecord {
    pub fn from_core(r: &keyrack::KeyRecord, now: SystemTime) -> Self {
        let d = &r.denied;
        KeyRecord {
            id: r.id.clone(),
            prefix: r.prefix.clone(),
            hint: r.hint.clone(),
            name: r.name.clone(),
            description: r.description.clone(),
            owner: r.owner.clone(),
            scopes: r.scopes.iter().cloned().collect(),
            meta: r.meta.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            status: r.status_at(now).as_str().to_owned(),
            created_at: JsDate(r.created_at),
            expires_at: r.expires_at.map(JsDate),
            revoked_at: r.revoked_at.map(JsDate),
            enabled: r.enabled,
            last_used_at: r.last_used_at.map(JsDate),
            uses: num(r.uses),
            denied: Denied {
                revoked: num(d.revoked),
                disabled: num(d.disabled),
                expired: num(d.expired),
                insufficient_scope: num(d.insufficient_scope),
                rate_limited: num(d.rate_limited),
                usage_exceeded: num(d.usage_exceeded),
            },
            remaining: r.remaining.map(num),
            refill: r.refill.map(Refill::from_core),
            shared_credits: r.shared_credits,
            rate_limit: r.rate_limit.map(RateLimit::from_core),
        }
    }
}
