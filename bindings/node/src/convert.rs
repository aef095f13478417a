//! Conversions between JavaScript values and keyrack's types: `Date` for
//! times, milliseconds for durations, numbers for counts. No behaviour lives
//! here; every rule is the core's.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use keyrack::Error;
use napi::bindgen_prelude::*;
use napi::{JsValue, Unknown, ValueType, sys};
use napi_derive::napi;

use crate::error::invalid;

/// Largest integer a JavaScript number holds exactly (`Number.MAX_SAFE_INTEGER`).
pub const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

/// A JavaScript `Date` (milliseconds since the Unix epoch).
#[derive(Clone, Copy, Debug)]
pub struct JsDate(pub SystemTime);

impl TypeName for JsDate {
    fn type_name() -> &'static str {
        "Date"
    }
    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ValidateNapiValue for JsDate {}

impl ToNapiValue for JsDate {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        let mut out = std::ptr::null_mut();
        let ms = keyrack::to_millis(val.0) as f64;
        check_status!(
            unsafe { sys::napi_create_date(env, ms, &mut out) },
            "cannot create a Date"
        )?;
        Ok(out)
    }
}

impl FromNapiValue for JsDate {
    unsafe fn from_napi_value(env: sys::napi_env, v: sys::napi_value) -> Result<Self> {
        let mut is_date = false;
        check_status!(unsafe { sys::napi_is_date(env, v, &mut is_date) })?;
        if !is_date {
            return Err(napi::Error::new(
                Status::DateExpected,
                "expected a Date".to_owned(),
            ));
        }
        let mut ms = 0.0;
        check_status!(unsafe { sys::napi_get_date_value(env, v, &mut ms) })?;
        if !ms.is_finite() {
            return Err(napi::Error::new(
                Status::DateExpected,
                "expected a valid Date, got Invalid Date".to_owned(),
            ));
        }
        Ok(JsDate(keyrack::from_millis(ms as i64)))
    }
}

/// A JavaScript number that must be a whole count (0 ≤ n ≤ 2^53 − 1).
pub fn count(field: &'static str, n: f64) -> keyrack::Result<u64> {
    if (0.0..=MAX_SAFE).contains(&n) && n.fract() == 0.0 {
        Ok(n as u64)
    } else {
        Err(invalid(
            field,
            format!("must be a whole number from 0 to 2^53-1, got {n}"),
        ))
    }
}

/// A duration in milliseconds (a whole, non-negative number).
pub fn millis(field: &'static str, n: f64) -> keyrack::Result<Duration> {
    count(field, n).map(Duration::from_millis)
}

/// A count handed to JavaScript. Counts never reach 2^53 in practice; above
/// that they round, as every JavaScript number does.
pub fn num(n: u64) -> f64 {
    n as f64
}

/// Converts an optional JavaScript argument, turning any conversion failure
/// into `InvalidArgument` naming `field`. `undefined` and `null` are absent.
/// A value of the wrong JavaScript type is described, never echoed (it may be
/// a secret key passed in the wrong place).
pub fn arg<T: FromNapiValue + TypeName>(
    v: Option<Unknown<'_>>,
    field: &'static str,
    expect: &str,
) -> keyrack::Result<Option<T>> {
    let Some(v) = v else { return Ok(None) };
    let got = v.get_type().unwrap_or(ValueType::Unknown);
    if matches!(got, ValueType::Undefined | ValueType::Null) {
        return Ok(None);
    }
    let want = T::value_type();
    if want != ValueType::Unknown && got != want {
        return Err(invalid(
            field,
            format!("must be {expect}, got {}", type_name(got)),
        ));
    }
    let raw = v.value();
    unsafe { T::from_napi_value(raw.env, raw.value) }
        .map(Some)
        .map_err(|e| invalid(field, e.reason))
}

fn type_name(t: ValueType) -> &'static str {
    match t {
        ValueType::Undefined => "undefined",
        ValueType::Null => "null",
        ValueType::Boolean => "a boolean",
        ValueType::Number => "a number",
        ValueType::String => "a string",
        ValueType::Symbol => "a symbol",
        ValueType::Object => "an object",
        ValueType::Function => "a function",
        ValueType::External => "an external",
        ValueType::BigInt => "a bigint",
        _ => "an unknown value",
    }
}

/// A required argument.
pub fn required<T: FromNapiValue + TypeName>(
    v: Option<Unknown<'_>>,
    field: &'static str,
    expect: &str,
) -> keyrack::Result<T> {
    arg(v, field, expect)?
        .ok_or_else(|| invalid(field, format!("is required and must be {expect}")))
}

/// A copy of an options object without its `null` properties (which
/// `update` reads as "clear this field"), so the typed conversion sees them
/// as absent.
pub fn without_nulls<'env>(v: Option<Unknown<'env>>) -> Result<Option<Unknown<'env>>> {
    let Some(v) = v else { return Ok(None) };
    if v.get_type()? != ValueType::Object {
        return Ok(Some(v));
    }
    let obj = unsafe { v.cast::<Object>() }?;
    let env = napi::Env::from_raw(v.value().env);
    let mut copy = Object::new(&env)?;
    for name in Object::keys(&obj)? {
        if let Some(value) = obj.get::<Unknown>(&name)?
            && value.get_type()? != ValueType::Null
        {
            copy.set(&name, value)?;
        }
    }
    Ok(Some(copy.to_unknown()))
}

/// Whether `obj[name]` is explicitly `null` (which clears a field in `update`).
pub fn is_null(v: &Option<Unknown<'_>>, name: &str) -> bool {
    let Some(v) = v else { return false };
    let Ok(obj) = (unsafe { v.cast::<Object>() }) else {
        return false;
    };
    matches!(obj.get::<Unknown>(name), Ok(Some(u)) if u.get_type().ok() == Some(ValueType::Null))
}

// ---- shapes shared with JavaScript ---------------------------------------------

/// Credits that come back: every `every` ms the balance is topped up to `amount`.
#[napi(object)]
#[derive(Clone, Copy)]
pub struct Refill {
    /// The balance restored each period.
    pub amount: f64,
    /// Period length in milliseconds (at least 1000).
    pub every: f64,
}

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

/// Whether a key may be let in, with what HTTP answer.
#[napi(object, object_from_js = false)]
pub struct OutcomeInfo {
    /// 200, 401, 403 or 429.
    pub http_status: u32,
    /// A short message safe to show to the caller.
    pub message: String,
}

/// Parses an outcome name (`valid`, …, `missing`).
pub fn outcome(name: &str) -> keyrack::Result<keyrack::Outcome> {
    name.parse::<keyrack::Outcome>()
}

/// Parses an audit event kind.
pub fn audit_kind(name: &str) -> keyrack::Result<keyrack::AuditKind> {
    use keyrack::AuditKind as K;
    Ok(match name {
        "issued" => K::Issued,
        "revoked" => K::Revoked,
        "rotated" => K::Rotated,
        "updated" => K::Updated,
        "enabled" => K::Enabled,
        "disabled" => K::Disabled,
        "purged" => K::Purged,
        _ => {
            return Err(Error::InvalidArgument {
                field: "kind",
                reason: format!(
                    "{name:?} is not one of issued, revoked, rotated, updated, enabled, disabled, purged"
                ),
            });
        }
    })
}
