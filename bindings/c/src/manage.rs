//! Changing keys: revoke, enable, disable, add credits, update (and its
//! options), purge.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::c_char;
use std::time::{Duration, SystemTime};

use keyrack::{Expiry, RateLimit, Refill, UpdateOptions};

use crate::error::{Fail, guard, guard_value, keyrack_result};
use crate::ffi::{
    arg, arg_mut, arg_opt_str, arg_str, free_handle, into_handle, millis, out, out_opt,
};
use crate::open::keyrack_store;
use crate::record::{keyrack_record, record_call};

/// Revokes key `id` at once and for good: once this returns, no verify in any
/// thread succeeds with it. Revoking twice changes nothing. `out_record` may
/// be NULL; else it receives the updated record (free with keyrack_record_free).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_revoke(
    store: *const keyrack_store,
    id: *const c_char,
    out_record: *mut *mut keyrack_record,
) -> keyrack_result {
    record_call("keyrack_revoke", store, id, out_record, |s, id| {
        s.revoke(id)
    })
}

/// Enables key `id`. `out_record` may be NULL (else as keyrack_revoke).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_enable(
    store: *const keyrack_store,
    id: *const c_char,
    out_record: *mut *mut keyrack_record,
) -> keyrack_result {
    record_call("keyrack_enable", store, id, out_record, |s, id| {
        s.enable(id)
    })
}

/// Disables key `id`: it verifies as KEYRACK_OUTCOME_DISABLED until enabled.
/// `out_record` may be NULL (else as keyrack_revoke).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_disable(
    store: *const keyrack_store,
    id: *const c_char,
    out_record: *mut *mut keyrack_record,
) -> keyrack_result {
    record_call("keyrack_disable", store, id, out_record, |s, id| {
        s.disable(id)
    })
}

/// Adds `credits` to key `id`'s own balance (NUL-terminated id), atomically:
/// credits spent meanwhile stay spent, and the sum is durable when this
/// returns. Audited as KEYRACK_AUDIT_CREDITS_ADDED. An unmetered key, or one
/// that spends its owner's pool (top up the pool with
/// keyrack_pool_add_credits), is KEYRACK_INVALID_ARGUMENT naming `id`;
/// `credits` 0, or a balance that would overflow, is KEYRACK_INVALID_ARGUMENT
/// naming `credits`. Unknown id: KEYRACK_NOT_FOUND. `out_record` may be NULL;
/// else it receives the updated record, whose keyrack_record_remaining is
/// the new balance (free with keyrack_record_free).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_add_credits(
    store: *const keyrack_store,
    id: *const c_char,
    credits: u64,
    out_record: *mut *mut keyrack_record,
) -> keyrack_result {
    record_call("keyrack_add_credits", store, id, out_record, |s, id| {
        s.add_credits(id, credits)
    })
}

/// Removes revoked and expired records (and rotated-out secrets) at least
/// `older_than_ms` past their revocation or expiry. `out_purged` (may be
/// NULL) receives how many records were removed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_purge(
    store: *const keyrack_store,
    older_than_ms: i64,
    out_purged: *mut u64,
) -> keyrack_result {
    guard("keyrack_purge", || {
        // SAFETY: NULL or a live handle.
        let s = unsafe { arg(store, "store") }?;
        let older = millis(older_than_ms, "older_than_ms")?;
        let o = out_opt(out_purged);
        let n = s.store.purge(older)?;
        if let Some(o) = o {
            // SAFETY: non-NULL output pointer.
            unsafe { o.write(n) };
        }
        Ok(())
    })
}

/// Changes to a key's settings (a builder; see keyrack_update_options_new).
/// Only what is set changes. Not synchronised.
pub struct keyrack_update_options {
    opts: UpdateOptions,
    /// The two expiry setters, resolved by `Expiry::either` at update (both
    /// set is KEYRACK_INVALID_ARGUMENT) so the span counts from the update's
    /// own transaction.
    expires_in: Option<Duration>,
    expires_at: Option<SystemTime>,
}

/// Creates an empty change (changes nothing). Free with keyrack_update_options_free.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_update_options_new(
    out_options: *mut *mut keyrack_update_options,
) -> keyrack_result {
    guard("keyrack_update_options_new", || {
        let o = out(out_options, "out_options")?;
        // SAFETY: checked output pointer.
        unsafe {
            o.write(into_handle(keyrack_update_options {
                opts: UpdateOptions::default(),
                expires_in: None,
                expires_at: None,
            }))
        };
        Ok(())
    })
}

/// Frees update options. NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_update_options_free(options: *mut keyrack_update_options) {
    // SAFETY: NULL or a handle from keyrack_update_options_new.
    guard_value("keyrack_update_options_free", (), || unsafe {
        free_handle(options)
    })
}

fn change(
    function: &'static str,
    options: *mut keyrack_update_options,
    f: impl FnOnce(&mut UpdateOptions) -> Result<(), Fail>,
) -> keyrack_result {
    guard(function, || {
        // SAFETY: NULL or a live handle.
        f(&mut unsafe { arg_mut(options, "options") }?.opts)
    })
}

/// Renames the key (NUL-terminated UTF-8).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_update_options_set_name(
    options: *mut keyrack_update_options,
    name: *const c_char,
) -> keyrack_result {
    change("keyrack_update_options_set_name", options, |o| {
        // SAFETY: NULL or NUL-terminated.
        o.name = Some(unsafe { arg_str(name, "name") }?.to_owned());
        Ok(())
    })
}

/// Sets the description (NUL-terminated UTF-8), or clears it when `description` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_update_options_set_description(
    options: *mut keyrack_update_options,
    description: *const c_char,
) -> keyrack_result {
    change("keyrack_update_options_set_description", options, |o| {
        // SAFETY: NULL (clear) or NUL-terminated.
        o.description =
            Some(unsafe { arg_opt_str(description, "description") }?.map(str::to_owned));
        Ok(())
    })
}

/// Sets the owner (NUL-terminated UTF-8), or clears it when `owner` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_update_options_set_owner(
    options: *mut keyrack_update_options,
    owner: *const c_char,
) -> keyrack_result {
    change("keyrack_update_options_set_owner", options, |o| {
        // SAFETY: NULL (clear) or NUL-terminated.
        o.owner = Some(unsafe { arg_opt_str(owner, "owner") }?.map(str::to_owned));
        Ok(())
    })
}

/// Adds a scope to the new scope set. Once a scope is added (or
/// keyrack_update_options_clear_scopes is called) the new set replaces the key's.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_update_options_add_scope(
    options: *mut keyrack_update_options,
    scope: *const c_char,
) -> keyrack_result {
    change("keyrack_update_options_add_scope", options, |o| {
        // SAFETY: NULL or NUL-terminated.
        let s = unsafe { arg_str(scope, "scope") }?;
        o.scopes
            .get_or_insert_with(BTreeSet::new)
            .insert(s.to_owned());
        Ok(())
    })
}

/// Replaces the key's scopes with an empty set (then add_scope adds to it).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_update_options_clear_scopes(
    options: *mut keyrack_update_options,
) -> keyrack_result {
    change("keyrack_update_options_clear_scopes", options, |o| {
        o.scopes = Some(BTreeSet::new());
        Ok(())
    })
}

/// Adds a metadata entry to the new metadata map, which then replaces the key's.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_update_options_add_meta(
    options: *mut keyrack_update_options,
    key: *const c_char,
    value: *const c_char,
) -> keyrack_result {
    change("keyrack_update_options_add_meta", options, |o| {
        // SAFETY: NULL or NUL-terminated.
        let (k, v) = unsafe { (arg_str(key, "key")?, arg_str(value, "value")?) };
        o.meta
            .get_or_insert_with(BTreeMap::new)
            .insert(k.to_owned(), v.to_owned());
        Ok(())
    })
}

/// Replaces the key's metadata with an empty map (then add_meta adds to it).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_update_options_clear_meta(
    options: *mut keyrack_update_options,
) -> keyrack_result {
    change("keyrack_update_options_clear_meta", options, |o| {
        o.meta = Some(BTreeMap::new());
        Ok(())
    })
}

fn change_expiry(
    function: &'static str,
    options: *mut keyrack_update_options,
    f: impl FnOnce(&mut keyrack_update_options) -> Result<(), Fail>,
) -> keyrack_result {
    guard(function, || {
        // SAFETY: NULL or a live handle.
        f(unsafe { arg_mut(options, "options") }?)
    })
}

/// Expires the key `ms` milliseconds after the update commits (counted from
/// the time its transaction stamps; must be above zero, checked at update).
/// Give this or keyrack_update_options_set_expires_at_ms, not both (the
/// update is then KEYRACK_INVALID_ARGUMENT).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_update_options_set_expires_in_ms(
    options: *mut keyrack_update_options,
    ms: i64,
) -> keyrack_result {
    change_expiry("keyrack_update_options_set_expires_in_ms", options, |o| {
        o.expires_in = Some(millis(ms, "ms")?);
        Ok(())
    })
}

/// Sets the expiry to `at_ms` (ms since the Unix epoch; a past time is
/// refused at update). Not together with keyrack_update_options_set_expires_in_ms.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_update_options_set_expires_at_ms(
    options: *mut keyrack_update_options,
    at_ms: i64,
) -> keyrack_result {
    change_expiry("keyrack_update_options_set_expires_at_ms", options, |o| {
        o.expires_at = Some(keyrack::from_millis(at_ms));
        Ok(())
    })
}

/// Removes the expiry: the key never expires. Undoes the expiry setters
/// called before it; one called after it sets an expiry again.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_update_options_clear_expiry(
    options: *mut keyrack_update_options,
) -> keyrack_result {
    change_expiry("keyrack_update_options_clear_expiry", options, |o| {
        (o.expires_in, o.expires_at) = (None, None);
        o.opts.expiry = Some(None);
        Ok(())
    })
}

/// Sets the credit balance.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_update_options_set_remaining(
    options: *mut keyrack_update_options,
    credits: u64,
) -> keyrack_result {
    change("keyrack_update_options_set_remaining", options, |o| {
        o.remaining = Some(Some(credits));
        Ok(())
    })
}

/// Unmeters the key (no credit balance).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_update_options_clear_remaining(
    options: *mut keyrack_update_options,
) -> keyrack_result {
    change("keyrack_update_options_clear_remaining", options, |o| {
        o.remaining = Some(None);
        Ok(())
    })
}

/// Sets the refill: top up to `amount` every `every_ms`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_update_options_set_refill(
    options: *mut keyrack_update_options,
    amount: u64,
    every_ms: i64,
) -> keyrack_result {
    change("keyrack_update_options_set_refill", options, |o| {
        o.refill = Some(Some(Refill::new(amount, millis(every_ms, "every_ms")?)));
        Ok(())
    })
}

/// Removes the refill.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_update_options_clear_refill(
    options: *mut keyrack_update_options,
) -> keyrack_result {
    change("keyrack_update_options_clear_refill", options, |o| {
        o.refill = Some(None);
        Ok(())
    })
}

/// Sets the rate limit: `limit` verifies per `window_ms`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_update_options_set_rate_limit(
    options: *mut keyrack_update_options,
    limit: u64,
    window_ms: i64,
) -> keyrack_result {
    change("keyrack_update_options_set_rate_limit", options, |o| {
        o.rate_limit = Some(Some(RateLimit::new(limit, millis(window_ms, "window_ms")?)));
        Ok(())
    })
}

/// Removes the rate limit.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_update_options_clear_rate_limit(
    options: *mut keyrack_update_options,
) -> keyrack_result {
    change("keyrack_update_options_clear_rate_limit", options, |o| {
        o.rate_limit = Some(None);
        Ok(())
    })
}

/// Switches between the key's own credits (false) and its owner's pool (true).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_update_options_set_shared_credits(
    options: *mut keyrack_update_options,
    shared: bool,
) -> keyrack_result {
    change("keyrack_update_options_set_shared_credits", options, |o| {
        o.shared_credits = Some(shared);
        Ok(())
    })
}

/// Applies `change` to key `id` (NUL-terminated), durably. `out_record` may
/// be NULL; else it receives the updated record (free with keyrack_record_free).
/// Unknown id: KEYRACK_NOT_FOUND.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_update(
    store: *const keyrack_store,
    id: *const c_char,
    change: *const keyrack_update_options,
    out_record: *mut *mut keyrack_record,
) -> keyrack_result {
    // SAFETY: NULL or a live handle.
    let Some(c) = (unsafe { change.as_ref() }) else {
        return guard("keyrack_update", || Err(Fail::invalid("`change` is NULL")));
    };
    record_call("keyrack_update", store, id, out_record, |s, id| {
        let mut change = c.opts.clone();
        if let Some(e) = Expiry::either(c.expires_in, c.expires_at)? {
            change = change.expiry(Some(e));
        }
        s.update(id, change)
    })
}
