//! Issuing keys: `issue`, `issueMany`, and `rotate` (a new secret for a key
//! already issued), each with its `…Async` twin.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use napi::bindgen_prelude::*;
use napi::{Env, Property, PropertyAttributes, Unknown};
use napi_derive::napi;

use crate::convert::{JsDate, count, millis, required};
use crate::error::Fallible;
use crate::open::Store;
use crate::options::{known, options, required_options};
use crate::record::{KeyRecord, RateLimit, Refill};
use crate::task::Op;

/// What to issue. A property that names none of these throws a `TypeError`.
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

known!(IssueOptions {
    name,
    description,
    owner,
    scopes,
    meta,
    prefix,
    expires_in,
    expires_at,
    remaining,
    refill,
    shared_credits,
    rate_limit
});

impl IssueOptions {
    fn into_core(self) -> keyrack::Result<keyrack::IssueOptions> {
        let mut o = keyrack::IssueOptions::new(self.name.unwrap_or_default());
        o.description = self.description;
        o.owner = self.owner;
        o = o.scopes(self.scopes.unwrap_or_default());
        o.meta = self.meta.unwrap_or_default().into_iter().collect();
        o.prefix = self.prefix;
        o.expiry = keyrack::Expiry::either(
            self.expires_in
                .map(|ms| millis("expiresIn", ms))
                .transpose()?,
            self.expires_at.map(|d| d.0),
        )?;
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

/// How to rotate a key. A property that names none of these throws a `TypeError`.
#[napi(object, object_to_js = false)]
pub struct RotateOptions {
    /// How long the old secret keeps working, in ms (default 0: not at all).
    pub grace: Option<f64>,
}

known!(RotateOptions { grace });

/// A newly issued (or rotated) key. `key` is the secret, shown once: it is a
/// non-enumerable property, so `console.log`, `util.inspect` and
/// `JSON.stringify` of an `Issued` never print it. Read `issued.key` to hand
/// it to its owner.
// Declared for `index.d.ts` only: `IssuedOut` builds the JavaScript value.
#[allow(dead_code)]
#[napi(object, object_from_js = false)]
pub struct Issued {
    /// The key's public id (`key_…`): use it for every management call.
    pub id: String,
    /// The full secret key (non-enumerable).
    pub key: String,
    /// The stored record (never the secret).
    pub record: KeyRecord,
}

/// What `issue`/`rotate` hand to JavaScript: the secret stays in its wiping
/// type until it is copied into the JavaScript string.
pub struct IssuedOut {
    id: String,
    key: keyrack::SecretKey,
    record: KeyRecord,
}

impl IssuedOut {
    fn from_core(i: keyrack::Issued, now: SystemTime) -> Self {
        let record = KeyRecord::from_core(&i.record, now);
        IssuedOut {
            id: i.id.clone(),
            key: i.key.clone(),
            record,
        }
    }
}

impl TypeName for IssuedOut {
    fn type_name() -> &'static str {
        "Issued"
    }
    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ToNapiValue for IssuedOut {
    unsafe fn to_napi_value(raw_env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        let env = Env::from_raw(raw_env);
        let mut obj = Object::new(&env)?;
        obj.set("id", val.id)?;
        obj.set("record", val.record)?;
        let key = env.create_string(val.key.expose())?;
        obj.define_properties(&[Property::new()
            .with_utf8_name("key")?
            .with_value(&key)
            .with_property_attributes(PropertyAttributes::Default)])?;
        unsafe { ToNapiValue::to_napi_value(raw_env, obj) }
    }
}

fn issue_args(v: Option<Unknown<'_>>) -> Fallible<keyrack::IssueOptions> {
    match options::<IssueOptions>(v, "options", "an object")? {
        Some(o) => Ok(o.into_core()?),
        None => Ok(keyrack::IssueOptions::default()),
    }
}

fn batch_args(v: Option<Unknown<'_>>) -> Fallible<Vec<keyrack::IssueOptions>> {
    let batch = required_options::<Vec<IssueOptions>>(v, "batch", "an array of issue options")?;
    Ok(batch
        .into_iter()
        .map(IssueOptions::into_core)
        .collect::<keyrack::Result<_>>()?)
}

fn rotate_args(id: Option<Unknown<'_>>, o: Option<Unknown<'_>>) -> Fallible<(String, Duration)> {
    let id = required::<String>(id, "id", "a string")?;
    let grace = match options::<RotateOptions>(o, "options", "an object")?.and_then(|o| o.grace) {
        Some(ms) => millis("grace", ms)?,
        None => Duration::ZERO,
    };
    Ok((id, grace))
}

impl Store {
    fn issue_op(&self, options: Option<Unknown>) -> Op<IssuedOut> {
        let store = self.inner.clone();
        Op::from(issue_args(options), move |o| {
            let issued = store.issue(o)?;
            Ok(IssuedOut::from_core(issued, store.clock().now()))
        })
    }

    fn issue_many_op(&self, batch: Option<Unknown>) -> Op<Vec<IssuedOut>> {
        let store = self.inner.clone();
        Op::from(batch_args(batch), move |b| {
            let issued = store.issue_many(b)?;
            let now = store.clock().now();
            Ok(issued
                .into_iter()
                .map(|i| IssuedOut::from_core(i, now))
                .collect())
        })
    }

    fn rotate_op(&self, id: Option<Unknown>, options: Option<Unknown>) -> Op<IssuedOut> {
        let store = self.inner.clone();
        Op::from(rotate_args(id, options), move |(id, grace)| {
            let issued = store.rotate(&id, grace)?;
            Ok(IssuedOut::from_core(issued, store.clock().now()))
        })
    }
}

#[napi]
impl Store {
    /// Issues one key, durably. The secret is in the result's `key`, once.
    #[napi(ts_return_type = "Issued")]
    pub fn issue(
        &self,
        env: Env,
        #[napi(ts_arg_type = "IssueOptions")] options: Option<Unknown>,
    ) -> Result<IssuedOut> {
        self.issue_op(options).sync(&env)
    }

    /// `issue` on the libuv pool.
    #[napi(ts_return_type = "Promise<Issued>")]
    pub fn issue_async(
        &self,
        #[napi(ts_arg_type = "IssueOptions")] options: Option<Unknown>,
    ) -> AsyncTask<Op<IssuedOut>> {
        self.issue_op(options).promise()
    }

    /// Issues many keys in one transaction: all or none.
    #[napi(ts_return_type = "Issued[]")]
    pub fn issue_many(
        &self,
        env: Env,
        #[napi(ts_arg_type = "IssueOptions[]")] batch: Unknown,
    ) -> Result<Vec<IssuedOut>> {
        self.issue_many_op(Some(batch)).sync(&env)
    }

    /// `issueMany` on the libuv pool.
    #[napi(ts_return_type = "Promise<Issued[]>")]
    pub fn issue_many_async(
        &self,
        #[napi(ts_arg_type = "IssueOptions[]")] batch: Unknown,
    ) -> AsyncTask<Op<Vec<IssuedOut>>> {
        self.issue_many_op(Some(batch)).promise()
    }

    /// Gives a key a new secret, keeping its id and settings; the old secret
    /// works `grace` ms more (default 0), never past the key's own expiry.
    #[napi(ts_return_type = "Issued")]
    pub fn rotate(
        &self,
        env: Env,
        #[napi(ts_arg_type = "string")] id: Unknown,
        #[napi(ts_arg_type = "RotateOptions")] options: Option<Unknown>,
    ) -> Result<IssuedOut> {
        self.rotate_op(Some(id), options).sync(&env)
    }

    /// `rotate` on the libuv pool.
    #[napi(ts_return_type = "Promise<Issued>")]
    pub fn rotate_async(
        &self,
        #[napi(ts_arg_type = "string")] id: Unknown,
        #[napi(ts_arg_type = "RotateOptions")] options: Option<Unknown>,
    ) -> AsyncTask<Op<IssuedOut>> {
        self.rotate_op(Some(id), options).promise()
    }
}
