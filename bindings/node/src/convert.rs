//! Conversions between JavaScript values and keyrack's types: `Date` for
//! times, milliseconds for durations, numbers for counts. No behaviour lives
//! here; every rule is the core's.

use std::time::{Duration, SystemTime};

use napi::bindgen_prelude::*;
use napi::{JsValue, Unknown, ValueType, sys};

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
