//! keyrack for Node.js: the `keyrack` npm package, built with napi-rs.
//!
//! Conversion code only: every rule lives in the `keyrack` crate. Times are
//! `Date`, durations milliseconds, outcomes strings, errors `Error`s with a
//! stable `code` (`KEYRACK_` + the core's `ErrorKind::as_str()`).
#![deny(clippy::all)]

mod clock;
mod convert;
mod error;
mod options;
mod store;
mod task;
mod verification;

use napi::bindgen_prelude::*;
use napi::{Env, Unknown};
use napi_derive::napi;

pub use clock::ManualClock;
pub use store::Store;

/// What `verify` found, in the order the checks run; `missing` comes only from
/// a request without a key (see `extractKey`).
#[napi(string_enum)]
pub enum Outcome {
    #[napi(value = "valid")]
    Valid,
    #[napi(value = "malformed")]
    Malformed,
    #[napi(value = "not_found")]
    NotFound,
    #[napi(value = "revoked")]
    Revoked,
    #[napi(value = "disabled")]
    Disabled,
    #[napi(value = "expired")]
    Expired,
    #[napi(value = "insufficient_scope")]
    InsufficientScope,
    #[napi(value = "rate_limited")]
    RateLimited,
    #[napi(value = "usage_exceeded")]
    UsageExceeded,
    #[napi(value = "missing")]
    Missing,
}

/// A key's lifecycle state, as listings filter it.
#[napi(string_enum)]
pub enum KeyStatus {
    #[napi(value = "active")]
    Active,
    #[napi(value = "revoked")]
    Revoked,
    #[napi(value = "disabled")]
    Disabled,
    #[napi(value = "expired")]
    Expired,
}

/// What an audit event records.
#[napi(string_enum)]
pub enum AuditKind {
    #[napi(value = "issued")]
    Issued,
    #[napi(value = "revoked")]
    Revoked,
    #[napi(value = "rotated")]
    Rotated,
    #[napi(value = "updated")]
    Updated,
    #[napi(value = "enabled")]
    Enabled,
    #[napi(value = "disabled")]
    Disabled,
    #[napi(value = "purged")]
    Purged,
}

/// The `code` of every error keyrack throws.
#[napi(string_enum)]
pub enum ErrorCode {
    /// An argument was rejected; `err.field` names it.
    #[napi(value = "KEYRACK_INVALID_ARGUMENT")]
    InvalidArgument,
    /// No key with this id (management calls only; verify answers `not_found`).
    #[napi(value = "KEYRACK_NOT_FOUND")]
    NotFound,
    /// Another process, or another `Store` in this process, holds the file.
    #[napi(value = "KEYRACK_ALREADY_OPEN")]
    AlreadyOpen,
    /// The store was opened by a parent process and used after `fork()`.
    #[napi(value = "KEYRACK_WRONG_PROCESS")]
    WrongProcess,
    /// The pepper does not match the one the store was created with.
    #[napi(value = "KEYRACK_PEPPER_MISMATCH")]
    PepperMismatch,
    /// The file was written by a format this build cannot read.
    #[napi(value = "KEYRACK_INCOMPATIBLE_VERSION")]
    IncompatibleVersion,
    /// The file is damaged or is not a keyrack store.
    #[napi(value = "KEYRACK_CORRUPTED")]
    Corrupted,
    /// A write on a store opened read-only.
    #[napi(value = "KEYRACK_READ_ONLY")]
    ReadOnly,
    /// The operating system failed a read, write or sync.
    #[napi(value = "KEYRACK_IO")]
    Io,
    /// The store was closed.
    #[napi(value = "KEYRACK_CLOSED")]
    Closed,
}

/// Every error `code` keyrack can throw, from the core's list of kinds.
#[napi(ts_return_type = "ErrorCode[]")]
pub fn error_codes() -> Vec<String> {
    keyrack::ErrorKind::ALL
        .iter()
        .map(|k| error::code(*k))
        .collect()
}

/// Throws a sample error of the given code, built from the core's error type
/// and converted as every call converts its errors. For the binding's tests.
#[napi(skip_typescript)]
pub fn sample_error(env: Env, code: String) -> Result<()> {
    let kind = keyrack::ErrorKind::ALL
        .into_iter()
        .find(|k| error::code(*k) == code);
    let e = kind
        .and_then(error::sample)
        .unwrap_or_else(|| error::invalid("code", format!("no sample for {code:?}")));
    Err(error::throwable(&env, e))
}

/// The HTTP status and public message of an outcome, `'missing'` included.
#[napi]
pub fn outcome_info(
    env: Env,
    #[napi(ts_arg_type = "Outcome")] outcome: Unknown,
) -> Result<convert::OutcomeInfo> {
    store::outcome_info(Some(outcome)).map_err(|e| error::throwable(&env, e))
}

/// Finds the API key in request headers: `x-api-key` (any case),
/// `Authorization: Api-Key <key>` or `Authorization: Bearer <key>`. Takes
/// Node's `req.headers` (`IncomingHttpHeaders`) or a Fetch `Headers`. Returns
/// `null` when there is no key: answer 401 "API key is required"
/// (`outcomeInfo('missing')`).
#[napi(
    ts_args_type = "headers: Record<string, string | string[] | undefined> | { get(name: string): string | null }"
)]
pub fn extract_key(headers: Unknown) -> Result<Option<String>> {
    let pairs = header_pairs(headers)?;
    Ok(
        match keyrack::extract_key(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str()))) {
            keyrack::Extracted::Key(k) => Some(k.to_owned()),
            keyrack::Extracted::Missing => None,
        },
    )
}

/// The (name, value) pairs of either header form; values that are not
/// strings are skipped (they cannot hold a key).
fn header_pairs(headers: Unknown) -> Result<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    if headers.get_type()? != ValueType::Object {
        return Ok(pairs);
    }
    let obj = unsafe { headers.cast::<Object>() }?;
    let getter = obj.get::<Unknown>("get")?;
    if let Some(get) = getter.filter(|g| g.get_type().ok() == Some(ValueType::Function)) {
        // A Fetch `Headers` (or anything with a case-insensitive `get`).
        let get = unsafe { get.cast::<Function<String, Unknown>>() }?;
        for name in ["x-api-key", "authorization"] {
            let v = get.apply(obj, name.to_owned())?;
            if v.get_type()? == ValueType::String {
                pairs.push((name.to_owned(), unsafe { v.cast::<String>() }?));
            }
        }
        return Ok(pairs);
    }
    for name in Object::keys(&obj)? {
        let Some(v) = obj.get::<Unknown>(&name)? else {
            continue;
        };
        match v.get_type()? {
            ValueType::String => pairs.push((name, unsafe { v.cast::<String>() }?)),
            ValueType::Object => {
                if let Ok(items) = unsafe { v.cast::<Vec<Unknown>>() } {
                    for item in items {
                        if item.get_type()? == ValueType::String {
                            pairs.push((name.clone(), unsafe { item.cast::<String>() }?));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(pairs)
}
