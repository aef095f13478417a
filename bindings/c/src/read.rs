//! Reading records and events: get, list (pages and the keyrack_keys
//! cursor), audit (pages and the keyrack_audit_events cursor).

use std::ffi::{CString, c_char};

use keyrack::{AuditEvents, AuditOptions, Keys, ListOptions, Status};

use crate::error::{Fail, guard, guard_value, keyrack_result};
use crate::event::{keyrack_audit_event, keyrack_audit_kind};
use crate::ffi::core_named;
use crate::ffi::{
    arg, arg_mut, arg_opt_str, arg_str, cstring, free_handle, into_handle, opt_ptr, out,
};
use crate::open::keyrack_store;
use crate::record::{keyrack_record, record_call};

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

impl keyrack_status {
    const ALL: [keyrack_status; 4] = [
        keyrack_status::KEYRACK_STATUS_ACTIVE,
        keyrack_status::KEYRACK_STATUS_REVOKED,
        keyrack_status::KEYRACK_STATUS_DISABLED,
        keyrack_status::KEYRACK_STATUS_EXPIRED,
    ];

    fn core(self) -> Option<Status> {
        core_named(self, "KEYRACK_STATUS_")
    }
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
    record_call("keyrack_get", store, id, out_record, |s, id| s.get(id))
}

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
        let s = keyrack_status::ALL
            .into_iter()
            .find(|c| *c as u32 == status)
            .and_then(keyrack_status::core)
            .ok_or_else(|| {
                Fail::invalid(format!("`status` {status} is not a KEYRACK_STATUS_* value"))
            })?;
        o.status = Some(s);
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
        o.cursor = unsafe { arg_opt_str(cursor, "cursor") }?.map(str::to_owned);
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

/// A cursor over every record matching a keyrack_list_options, page after
/// page (the options' limit is the page size): see keyrack_keys_open. Not
/// synchronised.
pub struct keyrack_keys {
    iter: Keys,
    current: Option<keyrack_record>,
}

/// Opens a cursor over every record matching `options` (NULL: all records;
/// the options are copied, free them when you like), in id order, never
/// secrets. Read it with keyrack_keys_next; free it with keyrack_keys_free.
/// Pages are read as the cursor needs them, so keys issued meanwhile past
/// the cursor show up too.
///
/// ```c
/// keyrack_keys *keys = NULL;
/// const keyrack_record *r = NULL;
/// keyrack_result rc = keyrack_keys_open(store, NULL, &keys);
/// while (rc == KEYRACK_OK && (rc = keyrack_keys_next(keys, &r)) == KEYRACK_OK && r)
///     printf("%s\n", keyrack_record_name(r));
/// keyrack_keys_free(keys);
/// ```
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_keys_open(
    store: *const keyrack_store,
    options: *const keyrack_list_options,
    out_keys: *mut *mut keyrack_keys,
) -> keyrack_result {
    guard("keyrack_keys_open", || {
        // SAFETY: NULL or a live handle.
        let s = unsafe { arg(store, "store") }?;
        let o = out(out_keys, "out_keys")?;
        // SAFETY: NULL or a live handle.
        let opts =
            unsafe { options.as_ref() }.map_or_else(ListOptions::default, |o| o.opts.clone());
        let iter = s.store.iter_keys(opts);
        // SAFETY: checked output pointer.
        unsafe {
            o.write(into_handle(keyrack_keys {
                iter,
                current: None,
            }))
        };
        Ok(())
    })
}

/// The next record: on KEYRACK_OK, `*out_record` is the record, or NULL once
/// every record was read (the end; later calls answer NULL again). The
/// record is borrowed from the cursor and valid until the next call on it
/// (or its free). A store failure while reading a page is returned once
/// (nothing written), and the cursor then ends.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_keys_next(
    keys: *mut keyrack_keys,
    out_record: *mut *const keyrack_record,
) -> keyrack_result {
    guard("keyrack_keys_next", || {
        // SAFETY: NULL or a live handle.
        let k = unsafe { arg_mut(keys, "keys") }?;
        let o = out(out_record, "out_record")?;
        k.current = k.iter.next().transpose()?.map(keyrack_record::new);
        let p = k
            .current
            .as_ref()
            .map_or(std::ptr::null(), |r| r as *const _);
        // SAFETY: checked output pointer.
        unsafe { o.write(p) };
        Ok(())
    })
}

/// Frees a cursor (and the record it lent). NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_keys_free(keys: *mut keyrack_keys) {
    // SAFETY: NULL or a handle from keyrack_keys_open.
    guard_value("keyrack_keys_free", (), || unsafe { free_handle(keys) })
}

/// Which audit events keyrack_audit returns (a builder). Not synchronised.
pub struct keyrack_audit_options {
    opts: AuditOptions,
}

/// One page of audit events, oldest first.
pub struct keyrack_audit_page {
    events: Vec<keyrack_audit_event>,
    next_cursor: Option<CString>,
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
        let k = keyrack_audit_kind::table()
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
        o.cursor = unsafe { arg_opt_str(cursor, "cursor") }?.map(str::to_owned);
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

/// first, page after page: see keyrack_audit_events_open. Not synchronised.
pub struct keyrack_audit_events {
    iter: AuditEvents,
    current: Option<keyrack_audit_event>,
}

/// Opens a cursor over every audit event matching `options` (NULL: all; the
/// options are copied), oldest first. Read it with keyrack_audit_events_next
/// as keyrack_keys_next reads records; free it with keyrack_audit_events_free.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_audit_events_open(
    store: *const keyrack_store,
    options: *const keyrack_audit_options,
    out_events: *mut *mut keyrack_audit_events,
) -> keyrack_result {
    guard("keyrack_audit_events_open", || {
        // SAFETY: NULL or a live handle.
        let s = unsafe { arg(store, "store") }?;
        let o = out(out_events, "out_events")?;
        // SAFETY: NULL or a live handle.
        let opts =
            unsafe { options.as_ref() }.map_or_else(AuditOptions::default, |o| o.opts.clone());
        let iter = s.store.iter_audit(opts);
        // SAFETY: checked output pointer.
        unsafe {
            o.write(into_handle(keyrack_audit_events {
                iter,
                current: None,
            }))
        };
        Ok(())
    })
}

/// The next event: on KEYRACK_OK, `*out_event` is the event, or NULL once
/// every event was read. Borrowed from the cursor until the next call on it;
/// errors as keyrack_keys_next.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_audit_events_next(
    events: *mut keyrack_audit_events,
    out_event: *mut *const keyrack_audit_event,
) -> keyrack_result {
    guard("keyrack_audit_events_next", || {
        // SAFETY: NULL or a live handle.
        let e = unsafe { arg_mut(events, "events") }?;
        let o = out(out_event, "out_event")?;
        e.current = e.iter.next().transpose()?.map(keyrack_audit_event::new);
        let p = e
            .current
            .as_ref()
            .map_or(std::ptr::null(), |v| v as *const _);
        // SAFETY: checked output pointer.
        unsafe { o.write(p) };
        Ok(())
    })
}

/// Frees an audit cursor (and the event it lent). NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_audit_events_free(events: *mut keyrack_audit_events) {
    // SAFETY: NULL or a handle from keyrack_audit_events_open.
    guard_value("keyrack_audit_events_free", (), || unsafe {
        free_handle(events)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_statuses_name_core_statuses() {
        // One C status per core status (the core's `Status::ALL`), in its order.
        assert_eq!(keyrack_status::ALL.len(), Status::ALL.len());
        for (c, s) in keyrack_status::ALL.into_iter().zip(Status::ALL) {
            assert_eq!(c.core(), Some(s), "{c:?}");
        }
        for c in keyrack_status::ALL {
            let s = c.core().expect("every C status names a core status");
            assert_eq!(
                format!("{c:?}"),
                format!("KEYRACK_STATUS_{}", s.as_str().to_uppercase())
            );
        }
    }
}
