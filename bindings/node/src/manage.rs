//! Changing keys already issued: `revoke`, `enable`, `disable`, `update`,
//! `addCredits`, `purge`, each with its `…Async` twin.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use napi::bindgen_prelude::*;
use napi::{Env, Unknown};
use napi_derive::napi;

use crate::convert::{JsDate, count, is_null, millis, num, required, without_nulls};
use crate::error::{Fallible, invalid};
use crate::open::Store;
use crate::options::{known, options, refuse_strays};
use crate::record::{KeyRecord, RateLimit, Refill};
use crate::task::Op;

/// Changes to a key; an absent field is left alone and `null` clears it.
/// A property that names none of these throws a `TypeError`.
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
    /// New expiry this many ms after the update commits (exclusive with `expiresAt`).
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

known!(UpdateOptions {
    name,
    description,
    owner,
    scopes,
    meta,
    expires_at,
    expires_in,
    remaining,
    refill,
    rate_limit,
    shared_credits
});

/// What to purge. A property that names none of these throws a `TypeError`.
#[napi(object, object_to_js = false)]
pub struct PurgeOptions {
    /// Only records revoked or expired at least this many ms ago (default 0).
    pub older_than: Option<f64>,
}

known!(PurgeOptions { older_than });

/// `Some(Some(v))` to set, `Some(None)` to clear (the property was `null`),
/// `None` to leave alone.
fn pick<T>(value: Option<T>, cleared: bool) -> Option<Option<T>> {
    match (value, cleared) {
        (Some(v), _) => Some(Some(v)),
        (None, true) => Some(None),
        (None, false) => None,
    }
}

fn update_args(
    id: Option<Unknown<'_>>,
    changes: Option<Unknown<'_>>,
) -> Fallible<(String, keyrack::UpdateOptions)> {
    let id = required::<String>(id, "id", "a string")?;
    let cleared = |name: &str| is_null(&changes, name);
    let (description, owner, expiry, remaining, refill, rate) = (
        cleared("description"),
        cleared("owner"),
        cleared("expiresAt"),
        cleared("remaining"),
        cleared("refill"),
        cleared("rateLimit"),
    );
    // Unknown properties are refused on the object as given; then its
    // `null`s (read above) are dropped so the typed conversion sees them absent.
    refuse_strays::<UpdateOptions>(&changes)?;
    let v = without_nulls(changes).map_err(|e| invalid("changes", e.reason))?;
    let u = options::<UpdateOptions>(v, "changes", "an object")?
        .ok_or_else(|| invalid("changes", "is required and must be an object"))?;
    let mut o = keyrack::UpdateOptions::default();
    o.name = u.name;
    o.description = pick(u.description, description);
    o.owner = pick(u.owner, owner);
    o.scopes = u.scopes.map(|s| s.into_iter().collect());
    o.meta = u.meta.map(|m| m.into_iter().collect());
    // `expiresAt: null` counts as given for the core's "not both" rule:
    // "expire in 5 s" and "never expire" together are the same mistake as
    // two times. The epoch only stands in for that `null` here.
    let at = pick(u.expires_at.map(|d| d.0), expiry);
    let given = at.map(|t| t.unwrap_or(SystemTime::UNIX_EPOCH));
    let expires_in = u.expires_in.map(|ms| millis("expiresIn", ms)).transpose()?;
    let either = keyrack::Expiry::either(expires_in, given)?;
    o.expiry = match at {
        Some(None) => Some(None),
        _ => either.map(Some),
    };
    o.remaining = pick(
        u.remaining.map(|n| count("remaining", n)).transpose()?,
        remaining,
    );
    o.refill = pick(u.refill.map(|r| r.to_core("refill")).transpose()?, refill);
    o.rate_limit = pick(
        u.rate_limit.map(|r| r.to_core("rateLimit")).transpose()?,
        rate,
    );
    o.shared_credits = u.shared_credits;
    Ok((id, o))
}

/// A top-up: a whole number of credits (the core refuses 0 and overflow).
pub(crate) fn credits_arg(v: Option<Unknown<'_>>) -> Fallible<u64> {
    let n = required::<f64>(v, "credits", "a number")?;
    Ok(count("credits", n)?)
}

fn purge_args(v: Option<Unknown<'_>>) -> Fallible<Duration> {
    match options::<PurgeOptions>(v, "options", "an object")?.and_then(|o| o.older_than) {
        Some(ms) => Ok(millis("olderThan", ms)?),
        None => Ok(Duration::ZERO),
    }
}

/// The op of a verb that takes an id and answers the key's record.
pub(crate) fn record_op(
    store: &keyrack::Store,
    id: Option<Unknown>,
    f: fn(&keyrack::Store, &str) -> keyrack::Result<keyrack::KeyRecord>,
) -> Op<KeyRecord> {
    let store = store.clone();
    Op::from(
        required::<String>(id, "id", "a string").map_err(Into::into),
        move |id| {
            let r = f(&store, &id)?;
            Ok(KeyRecord::from_core(&r, store.clock().now()))
        },
    )
}

impl Store {
    fn update_op(&self, id: Option<Unknown>, changes: Option<Unknown>) -> Op<KeyRecord> {
        let store = self.inner.clone();
        Op::from(update_args(id, changes), move |(id, change)| {
            let r = store.update(&id, change)?;
            Ok(KeyRecord::from_core(&r, store.clock().now()))
        })
    }

    fn add_credits_op(&self, id: Option<Unknown>, credits: Option<Unknown>) -> Op<KeyRecord> {
        let store = self.inner.clone();
        let args = required::<String>(id, "id", "a string")
            .map_err(Into::into)
            .and_then(|id| Ok((id, credits_arg(credits)?)));
        Op::from(args, move |(id, credits)| {
            let r = store.add_credits(&id, credits)?;
            Ok(KeyRecord::from_core(&r, store.clock().now()))
        })
    }

    fn purge_op(&self, options: Option<Unknown>) -> Op<f64> {
        let store = self.inner.clone();
        Op::from(purge_args(options), move |age| Ok(num(store.purge(age)?)))
    }
}

#[napi]
impl Store {
    /// Revokes a key at once and for good: once this returns, no verify
    /// succeeds with it. The record stays (for audit) until purged.
    #[napi]
    pub fn revoke(
        &self,
        env: Env,
        #[napi(ts_arg_type = "string")] id: Unknown,
    ) -> Result<KeyRecord> {
        record_op(&self.inner, Some(id), keyrack::Store::revoke).sync(&env)
    }

    /// `revoke` on the libuv pool.
    #[napi(ts_return_type = "Promise<KeyRecord>")]
    pub fn revoke_async(
        &self,
        #[napi(ts_arg_type = "string")] id: Unknown,
    ) -> AsyncTask<Op<KeyRecord>> {
        record_op(&self.inner, Some(id), keyrack::Store::revoke).promise()
    }

    /// Enables a disabled key.
    #[napi]
    pub fn enable(
        &self,
        env: Env,
        #[napi(ts_arg_type = "string")] id: Unknown,
    ) -> Result<KeyRecord> {
        record_op(&self.inner, Some(id), keyrack::Store::enable).sync(&env)
    }

    /// `enable` on the libuv pool.
    #[napi(ts_return_type = "Promise<KeyRecord>")]
    pub fn enable_async(
        &self,
        #[napi(ts_arg_type = "string")] id: Unknown,
    ) -> AsyncTask<Op<KeyRecord>> {
        record_op(&self.inner, Some(id), keyrack::Store::enable).promise()
    }

    /// Disables a key: it verifies as `disabled` until enabled again.
    #[napi]
    pub fn disable(
        &self,
        env: Env,
        #[napi(ts_arg_type = "string")] id: Unknown,
    ) -> Result<KeyRecord> {
        record_op(&self.inner, Some(id), keyrack::Store::disable).sync(&env)
    }

    /// `disable` on the libuv pool.
    #[napi(ts_return_type = "Promise<KeyRecord>")]
    pub fn disable_async(
        &self,
        #[napi(ts_arg_type = "string")] id: Unknown,
    ) -> AsyncTask<Op<KeyRecord>> {
        record_op(&self.inner, Some(id), keyrack::Store::disable).promise()
    }

    /// Changes a key's settings; an absent field is left alone, `null` clears it.
    #[napi]
    pub fn update(
        &self,
        env: Env,
        #[napi(ts_arg_type = "string")] id: Unknown,
        #[napi(ts_arg_type = "UpdateOptions")] changes: Unknown,
    ) -> Result<KeyRecord> {
        self.update_op(Some(id), Some(changes)).sync(&env)
    }

    /// `update` on the libuv pool.
    #[napi(ts_return_type = "Promise<KeyRecord>")]
    pub fn update_async(
        &self,
        #[napi(ts_arg_type = "string")] id: Unknown,
        #[napi(ts_arg_type = "UpdateOptions")] changes: Unknown,
    ) -> AsyncTask<Op<KeyRecord>> {
        self.update_op(Some(id), Some(changes)).promise()
    }

    /// Adds `credits` to a metered key's balance, atomically: credits spent
    /// meanwhile are kept (an `update` with the sum would lose them). Audited
    /// as `credits_added`. Throws `KEYRACK_INVALID_ARGUMENT` with field `id`
    /// for a key that is unmetered or spends its owner's pool (see
    /// `addPoolCredits`), field `credits` for 0 or a balance that would overflow.
    #[napi]
    pub fn add_credits(
        &self,
        env: Env,
        #[napi(ts_arg_type = "string")] id: Unknown,
        #[napi(ts_arg_type = "number")] credits: Unknown,
    ) -> Result<KeyRecord> {
        self.add_credits_op(Some(id), Some(credits)).sync(&env)
    }

    /// `addCredits` on the libuv pool.
    #[napi(ts_return_type = "Promise<KeyRecord>")]
    pub fn add_credits_async(
        &self,
        #[napi(ts_arg_type = "string")] id: Unknown,
        #[napi(ts_arg_type = "number")] credits: Unknown,
    ) -> AsyncTask<Op<KeyRecord>> {
        self.add_credits_op(Some(id), Some(credits)).promise()
    }

    /// Removes revoked and expired records (and rotated-out secrets) at least
    /// `olderThan` ms past; returns how many records were removed.
    #[napi]
    pub fn purge(
        &self,
        env: Env,
        #[napi(ts_arg_type = "PurgeOptions")] options: Option<Unknown>,
    ) -> Result<f64> {
        self.purge_op(options).sync(&env)
    }

    /// `purge` on the libuv pool.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn purge_async(
        &self,
        #[napi(ts_arg_type = "PurgeOptions")] options: Option<Unknown>,
    ) -> AsyncTask<Op<f64>> {
        self.purge_op(options).promise()
    }
}
