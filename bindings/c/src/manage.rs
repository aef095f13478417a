//! Management verbs: get, list, update, enable/disable, revoke, purge,
//! audit, credit pools.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::{CString, c_char};

use keyrack::{
    AuditEvent, AuditKind, AuditOptions, KeyRecord, ListOptions, RateLimit, Refill, Status,
    UpdateOptions,
};

use crate::error::{Fail, guard, guard_value, keyrack_result};
use crate::ffi::{
    arg, arg_mut, arg_str, cstring, free_handle, into_handle, millis, opt_ptr, out, out_opt,
};
use crate::record::keyrack_record;
use crate::store::keyrack_store;

/// A key's lifecycle state, as keyrack_list filters it. Stable numbers.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum keyrack_status {
    /// Not revoked, enabled and not expired.
    KEYRACK_STATUS_ACTIVE = 1,
    /// Revoked.
    KEYRACK_STATUS_REVOKED = 2,
    /// Not revoked but disabled.
    KEYRACK_STATUS_DISABLED = 3,
    /// Not revoked, enabled, and past its expiry.
    KEYRACK_STATUS_EXPIRED = 4,
}

/// What an audit event records. Stable numbers; 0 is for a kind this build
/// of the C API does not know (and for a NULL event).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum keyrack_audit_kind {
    /// Not a kind this version knows.
    KEYRACK_AUDIT_UNKNOWN = 0,
    /// A key was issued.
    KEYRACK_AUDIT_ISSUED = 1,
    /// A key was revoked.
    KEYRACK_AUDIT_REVOKED = 2,
    /// A key got a new secret.
    KEYRACK_AUDIT_ROTATED = 3,
    /// A key's settings changed.
    KEYRACK_AUDIT_UPDATED = 4,
    /// A key was enabled.
    KEYRACK_AUDIT_ENABLED = 5,
    /// A key was disabled.
    KEYRACK_AUDIT_DISABLED = 6,
    /// A key's record was purged.
    KEYRACK_AUDIT_PURGED = 7,
}

const AUDIT_KINDS: [(keyrack_audit_kind, AuditKind); 7] = [
    (keyrack_audit_kind::KEYRACK_AUDIT_ISSUED, AuditKind::Issued),
    (
        keyrack_audit_kind::KEYRACK_AUDIT_REVOKED,
        AuditKind::Revoked,
    ),
    (
        keyrack_audit_kind::KEYRACK_AUDIT_ROTATED,
        AuditKind::Rotated,
    ),
    (
        keyrack_audit_kind::KEYRACK_AUDIT_UPDATED,
        AuditKind::Updated,
    ),
    (
        keyrack_audit_kind::KEYRACK_AUDIT_ENABLED,
        AuditKind::Enabled,
    ),
    (
        keyrack_audit_kind::KEYRACK_AUDIT_DISABLED,
        AuditKind::Disabled,
    ),
    (keyrack_audit_kind::KEYRACK_AUDIT_PURGED, AuditKind::Purged),
];

const STATUSES: [(keyrack_status, Status); 4] = [
    (keyrack_status::KEYRACK_STATUS_ACTIVE, Status::Active),
    (keyrack_status::KEYRACK_STATUS_REVOKED, Status::Revoked),
    (keyrack_status::KEYRACK_STATUS_DISABLED, Status::Disabled),
    (keyrack_status::KEYRACK_STATUS_EXPIRED, Status::Expired),
];

// ---- single-key verbs --------------------------------------------------------

fn record_verb(
    function: &'static str,
    store: *const keyrack_store,
    id: *const c_char,
    out_record: *mut *mut keyrack_record,
    verb: impl FnOnce(&keyrack::Store, &str) -> keyrack::Result<KeyRecord>,
) -> keyrack_result {
    guard(function, || {
        // SAFETY: NULL or live pointers, per the API conventions.
        let (s, id) = unsafe { (arg(store, "store")?, arg_str(id, "id")?) };
        let o = out_opt(out_record);
        let rec = verb(&s.store, id)?;
        if let Some(o) = o {
            // SAFETY: non-NULL output pointer.
            unsafe { o.write(into_handle(keyrack_record::new(rec))) };
        }
        Ok(())
    })
}

/// Reads key `id`'s record (NUL-terminated id), with live use counters, into
/// `*out_record` (free with keyrack_record_free). Unknown id: KEYRACK_NOT_FOUND.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_get(
    store: *const keyrack_store,
    id: *const c_char,
    out_record: *mut *mut keyrack_record,
) -> keyrack_result {
    if out_record.is_null() {
        return guard("keyrack_get", || Err(Fail::invalid("`out_record` is NULL")));
    }
    record_verb("keyrack_get", store, id, out_record, |s, id| s.get(id))
}

/// Revokes key `id` at once and for good: once this returns, no verify in any
/// thread succeeds with it. Revoking twice changes nothing. `out_record` may
/// be NULL; else it receives the updated record (free with keyrack_record_free).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_revoke(
    store: *const keyrack_store,
    id: *const c_char,
    out_record: *mut *mut keyrack_record,
) -> keyrack_result {
    record_verb("keyrack_revoke", store, id, out_record, |s, id| {
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
    record_verb("keyrack_enable", store, id, out_record, |s, id| {
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
    record_verb("keyrack_disable", store, id, out_record, |s, id| {
        s.disable(id)
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

// ---- update ------------------------------------------------------------------

/// Changes to a key's settings (a builder; see keyrack_update_options_new).
/// Only what is set changes. Not synchronised.
pub struct keyrack_update_options {
    opts: UpdateOptions,
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
        o.description = Some(if description.is_null() {
            None
        } else {
            Some(unsafe { arg_str(description, "description") }?.to_owned())
        });
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
        o.owner = Some(if owner.is_null() {
            None
        } else {
            Some(unsafe { arg_str(owner, "owner") }?.to_owned())
        });
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

/// Sets the expiry to `at_ms` (ms since the Unix epoch; a past time is refused at update).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_update_options_set_expires_at_ms(
    options: *mut keyrack_update_options,
    at_ms: i64,
) -> keyrack_result {
    change("keyrack_update_options_set_expires_at_ms", options, |o| {
        o.expiry = Some(Some(keyrack::Expiry::At(keyrack::from_millis(at_ms))));
        Ok(())
    })
}

/// Removes the expiry: the key never expires.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_update_options_clear_expiry(
    options: *mut keyrack_update_options,
) -> keyrack_result {
    change("keyrack_update_options_clear_expiry", options, |o| {
        o.expiry = Some(None);
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
    record_verb("keyrack_update", store, id, out_record, |s, id| {
        s.update(id, c.opts.clone())
    })
}

// ---- list --------------------------------------------------------------------

/// Which records keyrack_list returns (a builder). Not synchronised.
pub struct keyrack_list_options {
    opts: ListOptions,
}

/// One page of records from keyrack_list.
pub struct keyrack_page {
    records: Vec<keyrack_record>,
    next_cursor: Option<CString>,
}

/// Creates list options: no filter, 100 records a page. Free with keyrack_list_options_free.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_list_options_new(
    out_options: *mut *mut keyrack_list_options,
) -> keyrack_result {
    guard("keyrack_list_options_new", || {
        let o = out(out_options, "out_options")?;
        // SAFETY: checked output pointer.
        unsafe {
            o.write(into_handle(keyrack_list_options {
                opts: ListOptions::default(),
            }))
        };
        Ok(())
    })
}

/// Frees list options. NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_list_options_free(options: *mut keyrack_list_options) {
    // SAFETY: NULL or a handle from keyrack_list_options_new.
    guard_value("keyrack_list_options_free", (), || unsafe {
        free_handle(options)
    })
}

fn list_set(
    function: &'static str,
    options: *mut keyrack_list_options,
    f: impl FnOnce(&mut ListOptions) -> Result<(), Fail>,
) -> keyrack_result {
    guard(function, || {
        // SAFETY: NULL or a live handle.
        f(&mut unsafe { arg_mut(options, "options") }?.opts)
    })
}

/// Only keys of this owner (NUL-terminated UTF-8).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_list_options_set_owner(
    options: *mut keyrack_list_options,
    owner: *const c_char,
) -> keyrack_result {
    list_set("keyrack_list_options_set_owner", options, |o| {
        // SAFETY: NULL or NUL-terminated.
        o.owner = Some(unsafe { arg_str(owner, "owner") }?.to_owned());
        Ok(())
    })
}

/// Only keys with this prefix (NUL-terminated UTF-8).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_list_options_set_prefix(
    options: *mut keyrack_list_options,
    prefix: *const c_char,
) -> keyrack_result {
    list_set("keyrack_list_options_set_prefix", options, |o| {
        // SAFETY: NULL or NUL-terminated.
        o.prefix = Some(unsafe { arg_str(prefix, "prefix") }?.to_owned());
        Ok(())
    })
}

/// Only keys in this state (one of KEYRACK_STATUS_*; any other value is
/// KEYRACK_INVALID_ARGUMENT).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_list_options_set_status(
    options: *mut keyrack_list_options,
    status: u32,
) -> keyrack_result {
    list_set("keyrack_list_options_set_status", options, |o| {
        let s = STATUSES
            .iter()
            .find(|(c, _)| *c as u32 == status)
            .ok_or_else(|| {
                Fail::invalid(format!("`status` {status} is not a KEYRACK_STATUS_* value"))
            })?;
        o.status = Some(s.1);
        Ok(())
    })
}

/// Only keys not used since `at_ms` (never-used keys included).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_list_options_set_unused_since_ms(
    options: *mut keyrack_list_options,
    at_ms: i64,
) -> keyrack_result {
    list_set("keyrack_list_options_set_unused_since_ms", options, |o| {
        o.unused_since = Some(keyrack::from_millis(at_ms));
        Ok(())
    })
}

/// Page size, 1 to 1000 (default 100; checked at list).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_list_options_set_limit(
    options: *mut keyrack_list_options,
    limit: usize,
) -> keyrack_result {
    list_set("keyrack_list_options_set_limit", options, |o| {
        o.limit = limit;
        Ok(())
    })
}

/// Continues after a page: pass keyrack_page_next_cursor of the previous page
/// (NUL-terminated; copied), or NULL to start from the beginning.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_list_options_set_cursor(
    options: *mut keyrack_list_options,
    cursor: *const c_char,
) -> keyrack_result {
    list_set("keyrack_list_options_set_cursor", options, |o| {
        // SAFETY: NULL or NUL-terminated.
        o.cursor = if cursor.is_null() {
            None
        } else {
            Some(unsafe { arg_str(cursor, "cursor") }?.to_owned())
        };
        Ok(())
    })
}

/// One page of records matching `options` (NULL: no filter, first 100), in
/// id order, never secrets. Free the page with keyrack_page_free.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_list(
    store: *const keyrack_store,
    options: *const keyrack_list_options,
    out_page: *mut *mut keyrack_page,
) -> keyrack_result {
    guard("keyrack_list", || {
        // SAFETY: NULL or a live handle.
        let s = unsafe { arg(store, "store") }?;
        let o = out(out_page, "out_page")?;
        let default = ListOptions::default();
        // SAFETY: NULL or a live handle.
        let opts = unsafe { options.as_ref() }.map_or(&default, |o| &o.opts);
        let page = s.store.list(opts)?;
        let page = keyrack_page {
            records: page.records.into_iter().map(keyrack_record::new).collect(),
            next_cursor: page.next_cursor.as_deref().map(cstring),
        };
        // SAFETY: checked output pointer.
        unsafe { o.write(into_handle(page)) };
        Ok(())
    })
}

/// How many records the page holds (0 for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_page_len(page: *const keyrack_page) -> usize {
    // SAFETY: NULL or a live handle.
    guard_value("keyrack_page_len", 0, || {
        unsafe { page.as_ref() }.map_or(0, |p| p.records.len())
    })
}

/// Record number `index`, or NULL when out of range. Borrowed from the page.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_page_get(
    page: *const keyrack_page,
    index: usize,
) -> *const keyrack_record {
    // SAFETY: NULL or a live handle.
    guard_value("keyrack_page_get", std::ptr::null(), || {
        unsafe { page.as_ref() }
            .and_then(|p| p.records.get(index))
            .map_or(std::ptr::null(), |r| r as *const keyrack_record)
    })
}

/// The cursor for the next page (give it to keyrack_list_options_set_cursor),
/// or NULL on the last page. Borrowed from the page.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_page_next_cursor(page: *const keyrack_page) -> *const c_char {
    // SAFETY: NULL or a live handle.
    guard_value("keyrack_page_next_cursor", std::ptr::null(), || {
        unsafe { page.as_ref() }.map_or(std::ptr::null(), |p| opt_ptr(&p.next_cursor))
    })
}

/// Frees a page and its records. NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_page_free(page: *mut keyrack_page) {
    // SAFETY: NULL or a handle from keyrack_list.
    guard_value("keyrack_page_free", (), || unsafe { free_handle(page) })
}

// ---- audit -------------------------------------------------------------------

/// Which audit events keyrack_audit returns (a builder). Not synchronised.
pub struct keyrack_audit_options {
    opts: AuditOptions,
}

/// One audit event (never a secret).
pub struct keyrack_audit_event {
    at_ms: i64,
    seq: u64,
    kind: keyrack_audit_kind,
    id: CString,
    detail: CString,
}

/// One page of audit events, oldest first.
pub struct keyrack_audit_page {
    events: Vec<keyrack_audit_event>,
    next_cursor: Option<CString>,
}

impl keyrack_audit_event {
    fn new(e: AuditEvent) -> Self {
        keyrack_audit_event {
            at_ms: keyrack::to_millis(e.at),
            seq: e.seq,
            kind: AUDIT_KINDS
                .iter()
                .find(|(_, k)| *k == e.kind)
                .map_or(keyrack_audit_kind::KEYRACK_AUDIT_UNKNOWN, |(c, _)| *c),
            id: cstring(&e.id),
            detail: cstring(&e.detail),
        }
    }
}

/// Creates audit options: every event, 100 a page. Free with keyrack_audit_options_free.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_audit_options_new(
    out_options: *mut *mut keyrack_audit_options,
) -> keyrack_result {
    guard("keyrack_audit_options_new", || {
        let o = out(out_options, "out_options")?;
        // SAFETY: checked output pointer.
        unsafe {
            o.write(into_handle(keyrack_audit_options {
                opts: AuditOptions::default(),
            }))
        };
        Ok(())
    })
}

/// Frees audit options. NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_audit_options_free(options: *mut keyrack_audit_options) {
    // SAFETY: NULL or a handle from keyrack_audit_options_new.
    guard_value("keyrack_audit_options_free", (), || unsafe {
        free_handle(options)
    })
}

fn audit_set(
    function: &'static str,
    options: *mut keyrack_audit_options,
    f: impl FnOnce(&mut AuditOptions) -> Result<(), Fail>,
) -> keyrack_result {
    guard(function, || {
        // SAFETY: NULL or a live handle.
        f(&mut unsafe { arg_mut(options, "options") }?.opts)
    })
}

/// Only events of key `id` (NUL-terminated).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_audit_options_set_id(
    options: *mut keyrack_audit_options,
    id: *const c_char,
) -> keyrack_result {
    audit_set("keyrack_audit_options_set_id", options, |o| {
        // SAFETY: NULL or NUL-terminated.
        o.id = Some(unsafe { arg_str(id, "id") }?.to_owned());
        Ok(())
    })
}

/// Only events of this kind (one of KEYRACK_AUDIT_* but UNKNOWN).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_audit_options_set_kind(
    options: *mut keyrack_audit_options,
    kind: u32,
) -> keyrack_result {
    audit_set("keyrack_audit_options_set_kind", options, |o| {
        let k = AUDIT_KINDS
            .iter()
            .find(|(c, _)| *c as u32 == kind)
            .ok_or_else(|| {
                Fail::invalid(format!("`kind` {kind} is not a KEYRACK_AUDIT_* value"))
            })?;
        o.kind = Some(k.1);
        Ok(())
    })
}

/// Only events at or after `at_ms`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_audit_options_set_since_ms(
    options: *mut keyrack_audit_options,
    at_ms: i64,
) -> keyrack_result {
    audit_set("keyrack_audit_options_set_since_ms", options, |o| {
        o.since = Some(keyrack::from_millis(at_ms));
        Ok(())
    })
}

/// Page size, 1 to 10000 (default 100; checked at audit).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_audit_options_set_limit(
    options: *mut keyrack_audit_options,
    limit: usize,
) -> keyrack_result {
    audit_set("keyrack_audit_options_set_limit", options, |o| {
        o.limit = limit;
        Ok(())
    })
}

/// Continues after a page (keyrack_audit_page_next_cursor; copied), or NULL to start over.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_audit_options_set_cursor(
    options: *mut keyrack_audit_options,
    cursor: *const c_char,
) -> keyrack_result {
    audit_set("keyrack_audit_options_set_cursor", options, |o| {
        // SAFETY: NULL or NUL-terminated.
        o.cursor = if cursor.is_null() {
            None
        } else {
            Some(unsafe { arg_str(cursor, "cursor") }?.to_owned())
        };
        Ok(())
    })
}

/// Audit events matching `options` (NULL: all, first 100), oldest first.
/// Free the page with keyrack_audit_page_free.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_audit(
    store: *const keyrack_store,
    options: *const keyrack_audit_options,
    out_page: *mut *mut keyrack_audit_page,
) -> keyrack_result {
    guard("keyrack_audit", || {
        // SAFETY: NULL or a live handle.
        let s = unsafe { arg(store, "store") }?;
        let o = out(out_page, "out_page")?;
        let default = AuditOptions::default();
        // SAFETY: NULL or a live handle.
        let opts = unsafe { options.as_ref() }.map_or(&default, |o| &o.opts);
        let page = s.store.audit(opts)?;
        let page = keyrack_audit_page {
            events: page
                .events
                .into_iter()
                .map(keyrack_audit_event::new)
                .collect(),
            next_cursor: page.next_cursor.as_deref().map(cstring),
        };
        // SAFETY: checked output pointer.
        unsafe { o.write(into_handle(page)) };
        Ok(())
    })
}

/// How many events the page holds (0 for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_audit_page_len(page: *const keyrack_audit_page) -> usize {
    // SAFETY: NULL or a live handle.
    guard_value("keyrack_audit_page_len", 0, || {
        unsafe { page.as_ref() }.map_or(0, |p| p.events.len())
    })
}

/// Event number `index`, or NULL when out of range. Borrowed from the page.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_audit_page_get(
    page: *const keyrack_audit_page,
    index: usize,
) -> *const keyrack_audit_event {
    // SAFETY: NULL or a live handle.
    guard_value("keyrack_audit_page_get", std::ptr::null(), || {
        unsafe { page.as_ref() }
            .and_then(|p| p.events.get(index))
            .map_or(std::ptr::null(), |e| e as *const keyrack_audit_event)
    })
}

/// The cursor for the next page, or NULL on the last page. Borrowed from the page.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_audit_page_next_cursor(
    page: *const keyrack_audit_page,
) -> *const c_char {
    // SAFETY: NULL or a live handle.
    guard_value("keyrack_audit_page_next_cursor", std::ptr::null(), || {
        unsafe { page.as_ref() }.map_or(std::ptr::null(), |p| opt_ptr(&p.next_cursor))
    })
}

/// Frees an audit page and its events. NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_audit_page_free(page: *mut keyrack_audit_page) {
    // SAFETY: NULL or a handle from keyrack_audit.
    guard_value("keyrack_audit_page_free", (), || unsafe {
        free_handle(page)
    })
}

/// When the event happened, ms since the Unix epoch (0 for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_audit_event_at_ms(event: *const keyrack_audit_event) -> i64 {
    // SAFETY: NULL or a live handle.
    guard_value("keyrack_audit_event_at_ms", 0, || {
        unsafe { event.as_ref() }.map_or(0, |e| e.at_ms)
    })
}

/// Order among events of the same millisecond (0 for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_audit_event_seq(event: *const keyrack_audit_event) -> u64 {
    // SAFETY: NULL or a live handle.
    guard_value("keyrack_audit_event_seq", 0, || {
        unsafe { event.as_ref() }.map_or(0, |e| e.seq)
    })
}

/// What happened (KEYRACK_AUDIT_UNKNOWN for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_audit_event_kind(
    event: *const keyrack_audit_event,
) -> keyrack_audit_kind {
    // SAFETY: NULL or a live handle.
    guard_value(
        "keyrack_audit_event_kind",
        keyrack_audit_kind::KEYRACK_AUDIT_UNKNOWN,
        || unsafe { event.as_ref() }.map_or(keyrack_audit_kind::KEYRACK_AUDIT_UNKNOWN, |e| e.kind),
    )
}

/// The key's id. Borrowed from the page; NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_audit_event_id(
    event: *const keyrack_audit_event,
) -> *const c_char {
    // SAFETY: NULL or a live handle.
    guard_value("keyrack_audit_event_id", std::ptr::null(), || {
        unsafe { event.as_ref() }.map_or(std::ptr::null(), |e| e.id.as_ptr())
    })
}

/// Details for people (e.g. the fields an update changed). Borrowed; NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_audit_event_detail(
    event: *const keyrack_audit_event,
) -> *const c_char {
    // SAFETY: NULL or a live handle.
    guard_value("keyrack_audit_event_detail", std::ptr::null(), || {
        unsafe { event.as_ref() }.map_or(std::ptr::null(), |e| e.detail.as_ptr())
    })
}

// ---- credit pools ------------------------------------------------------------

/// Sets `owner`'s shared credit pool (NUL-terminated owner) to `remaining`
/// credits, topped up to `refill_amount` every `refill_every_ms`; a
/// `refill_every_ms` of 0 means no refill (then `refill_amount` must be 0).
/// Keys issued with shared credits spend it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_set_pool(
    store: *const keyrack_store,
    owner: *const c_char,
    remaining: u64,
    refill_amount: u64,
    refill_every_ms: i64,
) -> keyrack_result {
    guard("keyrack_set_pool", || {
        // SAFETY: NULL or live pointers.
        let (s, owner) = unsafe { (arg(store, "store")?, arg_str(owner, "owner")?) };
        let every = millis(refill_every_ms, "refill_every_ms")?;
        let refill = match (refill_amount, every.is_zero()) {
            (0, true) => None,
            (_, true) => {
                return Err(Fail::invalid(
                    "`refill_amount` is set but `refill_every_ms` is 0",
                ));
            }
            (amount, false) => Some(Refill::new(amount, every)),
        };
        s.store.set_pool(owner, remaining, refill)?;
        Ok(())
    })
}

/// Reads `owner`'s credit pool, with live spending. `*out_exists` tells
/// whether the owner has one; when it does, `*out_remaining` is its balance
/// and, unless NULL, `*out_refill_amount` / `*out_refill_every_ms` its refill
/// (both 0 when it has none). When it does not, only `*out_exists` is written.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_pool(
    store: *const keyrack_store,
    owner: *const c_char,
    out_exists: *mut bool,
    out_remaining: *mut u64,
    out_refill_amount: *mut u64,
    out_refill_every_ms: *mut i64,
) -> keyrack_result {
    guard("keyrack_pool", || {
        // SAFETY: NULL or live pointers.
        let (s, owner) = unsafe { (arg(store, "store")?, arg_str(owner, "owner")?) };
        let (exists, rem) = (
            out(out_exists, "out_exists")?,
            out(out_remaining, "out_remaining")?,
        );
        let (amount, every) = (out_opt(out_refill_amount), out_opt(out_refill_every_ms));
        let pool = s.store.pool(owner)?;
        // SAFETY: checked output pointers.
        unsafe {
            exists.write(pool.is_some());
            if let Some(p) = pool {
                rem.write(p.remaining);
                if let Some(a) = amount {
                    a.write(p.refill.map_or(0, |r| r.amount));
                }
                if let Some(e) = every {
                    e.write(p.refill.map_or(0, |r| crate::ffi::to_millis(r.every)));
                }
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_kind_and_status_names_follow_the_core() {
        for (c, k) in AUDIT_KINDS {
            assert_eq!(
                format!("{c:?}"),
                format!("KEYRACK_AUDIT_{}", k.as_str().to_uppercase())
            );
        }
        for (c, s) in STATUSES {
            assert_eq!(
                format!("{c:?}"),
                format!("KEYRACK_STATUS_{}", s.as_str().to_uppercase())
            );
        }
    }
}
