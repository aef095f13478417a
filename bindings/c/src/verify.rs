//! Verifying: keyrack_verify (the hot path), keyrack_verify_with and its
//! options, keyrack_verify_headers, and the verification they answer.

use std::ffi::c_char;

use keyrack::{Verification, VerifyOptions};

use crate::error::{guard, guard_value, keyrack_result};
use crate::ffi::{
    arg, arg_bytes, arg_headers, arg_mut, arg_str, free_handle, into_handle, out, to_millis,
};
use crate::open::keyrack_store;
use crate::outcome::keyrack_outcome;
use crate::record::keyrack_record;

/// What a verify requires beyond a good key: scopes (all required) and a
/// cost in credits (default 1). A builder; not synchronised, but a built one
/// may be shared read-only by threads verifying at once.
pub struct keyrack_verify_options {
    opts: VerifyOptions,
}

/// The answer of a verify: an outcome and, when the key was found, its record.
pub struct keyrack_verification {
    outcome: keyrack_outcome,
    record: Option<keyrack_record>,
    remaining: Option<u64>,
    retry_after_ms: Option<i64>,
}

impl keyrack_verification {
    #[inline]
    fn new(v: Verification) -> Self {
        keyrack_verification {
            outcome: keyrack_outcome::from_core(v.outcome),
            record: v.record.map(keyrack_record::shared),
            remaining: v.remaining,
            retry_after_ms: v.retry_after.map(to_millis),
        }
    }
}

/// Creates verify options: no scope required, cost 1. Free with keyrack_verify_options_free.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_verify_options_new(
    out_options: *mut *mut keyrack_verify_options,
) -> keyrack_result {
    guard("keyrack_verify_options_new", || {
        let o = out(out_options, "out_options")?;
        let opts = VerifyOptions::default();
        // SAFETY: checked output pointer.
        unsafe { o.write(into_handle(keyrack_verify_options { opts })) };
        Ok(())
    })
}

/// Requires a scope (NUL-terminated UTF-8); every added scope is required.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_verify_options_add_scope(
    options: *mut keyrack_verify_options,
    scope: *const c_char,
) -> keyrack_result {
    guard("keyrack_verify_options_add_scope", || {
        // SAFETY: NULL or live pointers, per the API conventions.
        let (o, scope) = unsafe { (arg_mut(options, "options")?, arg_str(scope, "scope")?) };
        o.opts.scopes.push(scope.to_owned());
        Ok(())
    })
}

/// Sets the credits a verify costs on a metered key (default 1; 0 only
/// checks, spending nothing, and is how a read-only store verifies a metered
/// or rate-limited key).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_verify_options_set_cost(
    options: *mut keyrack_verify_options,
    cost: u64,
) -> keyrack_result {
    guard("keyrack_verify_options_set_cost", || {
        // SAFETY: NULL or a live handle.
        let o = unsafe { arg_mut(options, "options") }?;
        o.opts.cost = cost;
        Ok(())
    })
}

/// Frees verify options. NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_verify_options_free(options: *mut keyrack_verify_options) {
    // SAFETY: NULL or a handle from keyrack_verify_options_new.
    guard_value("keyrack_verify_options_free", (), || unsafe {
        free_handle(options)
    })
}

#[inline]
fn verify_impl(
    function: &'static str,
    store: *const keyrack_store,
    key: *const c_char,
    key_len: usize,
    options: Option<*const keyrack_verify_options>,
    out_verification: *mut *mut keyrack_verification,
) -> keyrack_result {
    guard(function, || {
        // SAFETY: NULL or live pointers, per the API conventions.
        let (s, bytes) = unsafe { (arg(store, "store")?, arg_bytes(key.cast(), key_len, "key")?) };
        let o = out(out_verification, "out_verification")?;
        // A key that is not UTF-8 is no key: the core answers `malformed`
        // for the empty string, after its usual store checks.
        let text = std::str::from_utf8(bytes).unwrap_or("");
        let v = match options {
            // SAFETY: NULL or a live handle.
            Some(p) => s
                .store
                .verify_with(text, &unsafe { arg(p, "options") }?.opts)?,
            None => s.store.verify(text)?,
        };
        // SAFETY: checked output pointer.
        unsafe { o.write(into_handle(keyrack_verification::new(v))) };
        Ok(())
    })
}

/// Verifies a key a client presented: `key_len` bytes at `key` (need not be
/// NUL-terminated), no scope required, cost 1. A bad key is never an error:
/// on KEYRACK_OK read the outcome from `*out_verification` (free it with
/// keyrack_verification_free). Errors are store failures (KEYRACK_CLOSED,
/// KEYRACK_IO, KEYRACK_WRONG_PROCESS, …) and NULL arguments. Bytes that are
/// not UTF-8 give KEYRACK_OUTCOME_MALFORMED. Any number of threads may
/// verify on one store at once.
///
/// A verify is a read, except on a metered key (own credits or its owner's
/// pool): there it may do one durable write to reserve credits ahead (see
/// keyrack_options_set_credit_lease), so it can wait on the disk. On a store
/// opened read-only, which can record nothing, a verify that would spend a
/// credit or a rate-limit token (a metered, shared-credit or rate-limited
/// key with a cost above 0) fails with KEYRACK_READ_ONLY; with cost 0
/// (keyrack_verify_options_set_cost) it checks without spending.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_verify(
    store: *const keyrack_store,
    key: *const c_char,
    key_len: usize,
    out_verification: *mut *mut keyrack_verification,
) -> keyrack_result {
    verify_impl(
        "keyrack_verify",
        store,
        key,
        key_len,
        None,
        out_verification,
    )
}

/// Like keyrack_verify, with required scopes and a cost from `options`
/// (which must not be NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_verify_with(
    store: *const keyrack_store,
    key: *const c_char,
    key_len: usize,
    options: *const keyrack_verify_options,
    out_verification: *mut *mut keyrack_verification,
) -> keyrack_result {
    verify_impl(
        "keyrack_verify_with",
        store,
        key,
        key_len,
        Some(options),
        out_verification,
    )
}

/// Verifies the key a request presents in its headers (found as
/// keyrack_extract_key finds it: `x-api-key`, `Authorization: Api-Key …` or
/// `Authorization: Bearer …`), with `options` (NULL: no scope, cost 1).
/// Header `i` is `names[i]` (`name_lens[i]` bytes) and `values[i]`
/// (`value_lens[i]` bytes), not NUL-terminated; `count` may be 0, but no
/// array pointer may be NULL. No key header answers
/// KEYRACK_OUTCOME_MISSING (401, "API key is required"); otherwise as
/// keyrack_verify. Free `*out_verification` with keyrack_verification_free.
///
/// ```c
/// const char *names[] = {"Authorization"};
/// const char *values[] = {"Bearer kr_..."};
/// size_t name_lens[] = {13}, value_lens[] = {strlen(values[0])};
/// keyrack_verification *v = NULL;
/// if (keyrack_verify_headers(store, names, name_lens, values, value_lens, 1, NULL, &v) == KEYRACK_OK)
///     status = keyrack_outcome_http_status(keyrack_verification_outcome(v));
/// keyrack_verification_free(v);
/// ```
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn keyrack_verify_headers(
    store: *const keyrack_store,
    names: *const *const c_char,
    name_lens: *const usize,
    values: *const *const c_char,
    value_lens: *const usize,
    count: usize,
    options: *const keyrack_verify_options,
    out_verification: *mut *mut keyrack_verification,
) -> keyrack_result {
    guard("keyrack_verify_headers", || {
        // SAFETY: NULL or live pointers / `count` elements, per the API conventions.
        let (s, headers) = unsafe {
            (
                arg(store, "store")?,
                arg_headers(names, name_lens, values, value_lens, count)?,
            )
        };
        let o = out(out_verification, "out_verification")?;
        let default = VerifyOptions::default();
        // SAFETY: NULL or a live handle.
        let opts = unsafe { options.as_ref() }.map_or(&default, |o| &o.opts);
        let v = s
            .store
            .verify_headers(headers.iter().map(|h| (h.name, h.value.as_ref())), opts)?;
        // SAFETY: checked output pointer.
        unsafe { o.write(into_handle(keyrack_verification::new(v))) };
        Ok(())
    })
}

/// The outcome (one of KEYRACK_OUTCOME_*). A NULL verification reads as
/// KEYRACK_OUTCOME_MISSING.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_verification_outcome(
    verification: *const keyrack_verification,
) -> keyrack_outcome {
    // SAFETY: NULL or a live handle.
    guard_value(
        "keyrack_verification_outcome",
        keyrack_outcome::KEYRACK_OUTCOME_MISSING,
        || {
            unsafe { verification.as_ref() }
                .map_or(keyrack_outcome::KEYRACK_OUTCOME_MISSING, |v| v.outcome)
        },
    )
}

/// true only when the outcome is KEYRACK_OUTCOME_VALID (false for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_verification_is_valid(
    verification: *const keyrack_verification,
) -> bool {
    // SAFETY: NULL or a live handle.
    guard_value("keyrack_verification_is_valid", false, || {
        unsafe { verification.as_ref() }
            .is_some_and(|v| v.outcome == keyrack_outcome::KEYRACK_OUTCOME_VALID)
    })
}

/// The key's record when the key was found (whatever the outcome), else
/// NULL. Borrowed: valid until the verification is freed. Its use counters
/// are as of when the store loaded it; keyrack_get shows live ones.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_verification_record(
    verification: *const keyrack_verification,
) -> *const keyrack_record {
    // SAFETY: NULL or a live handle.
    guard_value("keyrack_verification_record", std::ptr::null(), || {
        unsafe { verification.as_ref() }
            .and_then(|v| v.record.as_ref())
            .map_or(std::ptr::null(), |r| r as *const keyrack_record)
    })
}

/// Credits left after this call on a metered key (or its owner's pool):
/// writes `*out_remaining` and returns true, else returns false.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_verification_remaining(
    verification: *const keyrack_verification,
    out_remaining: *mut u64,
) -> bool {
    guard_value("keyrack_verification_remaining", false, || {
        // SAFETY: NULL or live pointers.
        match (
            unsafe { verification.as_ref() }.and_then(|v| v.remaining),
            out_remaining.is_null(),
        ) {
            (Some(r), false) => {
                unsafe { out_remaining.write(r) };
                true
            }
            _ => false,
        }
    })
}

/// For KEYRACK_OUTCOME_RATE_LIMITED: writes how long until the window
/// reopens (ms) to `*out_ms` and returns true; else returns false.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_verification_retry_after_ms(
    verification: *const keyrack_verification,
    out_ms: *mut i64,
) -> bool {
    guard_value("keyrack_verification_retry_after_ms", false, || {
        // SAFETY: NULL or live pointers.
        match (
            unsafe { verification.as_ref() }.and_then(|v| v.retry_after_ms),
            out_ms.is_null(),
        ) {
            (Some(ms), false) => {
                unsafe { out_ms.write(ms) };
                true
            }
            _ => false,
        }
    })
}

/// Frees a verification (and the record borrowed from it). NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_verification_free(verification: *mut keyrack_verification) {
    // SAFETY: NULL or a handle from keyrack_verify.
    guard_value("keyrack_verification_free", (), || unsafe {
        free_handle(verification)
    })
}
