//! keyrack for Node.js: the `keyrack` npm package, built with napi-rs.
//!
//! Conversion code only: every rule lives in the `keyrack` crate. Times are
//! `Date`, durations milliseconds, outcomes strings, errors `Error`s with a
//! stable `code` (`KEYRACK_` + the core's `ErrorKind::as_str()`).
//!
//! Laid out in the core's rooms: `open.rs` (the `Store` class, its options,
//! close, sync, compact), `verify.rs`, `issue.rs` (issue, issueMany, rotate),
//! `manage.rs`, `read.rs`, `pool.rs`, `transfer.rs`, each adding its verbs in
//! its own `#[napi] impl Store` block; `options.rs` (typed option objects
//! that refuse unknown properties), `record.rs`, `convert.rs`, `error.rs`,
//! `task.rs` (one body for each sync verb and its Promise twin) support them.
#![deny(clippy::all)]

mod clock;
mod convert;
mod error;
mod issue;
mod manage;
mod open;
mod options;
mod pool;
mod read;
mod record;
mod task;
mod transfer;
mod verify;

use std::marker::PhantomData;

use napi::Env;
use napi::bindgen_prelude::*;
use napi_derive::napi;

pub use clock::ManualClock;
pub use open::Store;
pub use verify::{OutcomeInfo, extract_key, outcome_info};

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
    /// `addCredits` topped up a key's balance.
    #[napi(value = "credits_added")]
    CreditsAdded,
    /// `setPool` set an owner's pool (the event's `id` is empty).
    #[napi(value = "pool_set")]
    PoolSet,
    /// `addPoolCredits` topped up an owner's pool (the event's `id` is empty).
    #[napi(value = "pool_credits_added")]
    PoolCreditsAdded,
    /// `addPrefix` made the store accept a prefix (the event's `id` is empty).
    #[napi(value = "prefix_added")]
    PrefixAdded,
    /// `removePrefix` stopped the store accepting a prefix (the event's `id` is empty).
    #[napi(value = "prefix_removed")]
    PrefixRemoved,
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
    /// A read-only open of a file whose writer crashed: open it once without
    /// `readOnly` to recover it, then read-only opens work again.
    #[napi(value = "KEYRACK_NEEDS_RECOVERY")]
    NeedsRecovery,
}

/// A frozen JavaScript array of strings listed by the core, typed
/// `ReadonlyArray<T>` in `index.d.ts`: the lists below are the core's
/// (`Outcome::ALL`, `ErrorKind::ALL`, `AuditKind::ALL`, `Status::ALL`), never
/// a copy.
pub struct ReadonlyArray<T>(PhantomData<T>, fn() -> Vec<String>);

impl<T> ToNapiValue for ReadonlyArray<T> {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        let list = unsafe { ToNapiValue::to_napi_value(env, (val.1)()) }?;
        // `Object.freeze(list)` (Node-API's own freeze needs napi8).
        let get = |obj: sys::napi_value, name: &std::ffi::CStr| -> Result<sys::napi_value> {
            let mut out = std::ptr::null_mut();
            check_status!(unsafe {
                sys::napi_get_named_property(env, obj, name.as_ptr(), &mut out)
            })?;
            Ok(out)
        };
        let mut global = std::ptr::null_mut();
        check_status!(unsafe { sys::napi_get_global(env, &mut global) })?;
        let object = get(global, c"Object")?;
        let freeze = get(object, c"freeze")?;
        let mut frozen = std::ptr::null_mut();
        check_status!(unsafe {
            sys::napi_call_function(env, object, freeze, 1, &list, &mut frozen)
        })?;
        Ok(frozen)
    }
}

fn outcome_names() -> Vec<String> {
    keyrack::Outcome::ALL
        .iter()
        .map(|o| o.as_str().to_owned())
        .collect()
}

fn error_code_names() -> Vec<String> {
    keyrack::ErrorKind::ALL
        .iter()
        .map(|k| error::code(*k))
        .collect()
}

fn audit_kind_names() -> Vec<String> {
    keyrack::AuditKind::ALL
        .iter()
        .map(|k| k.as_str().to_owned())
        .collect()
}

fn status_names() -> Vec<String> {
    keyrack::Status::ALL
        .iter()
        .map(|s| s.as_str().to_owned())
        .collect()
}

/// Every outcome a verify can answer, in the order the checks run
/// (`missing` last), from the core's `Outcome::ALL`.
#[napi]
pub const OUTCOMES: ReadonlyArray<Outcome> = ReadonlyArray(PhantomData, outcome_names);

/// Every error `code` keyrack can throw, from the core's `ErrorKind::ALL`.
#[napi]
pub const ERROR_CODES: ReadonlyArray<ErrorCode> = ReadonlyArray(PhantomData, error_code_names);

/// Every kind of audit event, from the core's `AuditKind::ALL`.
#[napi]
pub const AUDIT_KINDS: ReadonlyArray<AuditKind> = ReadonlyArray(PhantomData, audit_kind_names);

/// Every status a key can be in (`KeyRecord.status`, `list({status})`),
/// from the core's `Status::ALL`.
#[napi]
pub const STATUSES: ReadonlyArray<KeyStatus> = ReadonlyArray(PhantomData, status_names);

/// Every error `code` keyrack can throw (a fresh copy of `ERROR_CODES`).
#[napi(ts_return_type = "ErrorCode[]")]
pub fn error_codes() -> Vec<String> {
    error_code_names()
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
    Err(error::throwable(&env, e.into()))
}
