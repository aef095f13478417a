//! `keyrack_record`: a key's record, read through getters.

use std::ffi::{CString, c_char};
use std::sync::{Arc, OnceLock};

use keyrack::KeyRecord;

use crate::error::{guard, guard_value, keyrack_result};
use crate::ffi::{arg, arg_str, cstring, free_handle, into_handle, opt_ptr, out_opt, to_millis};
use crate::open::keyrack_store;
use crate::outcome::outcome_from_u32;

/// A key's record (never its secret). Getters borrow from it; strings stay
/// valid until the record (or the handle it came from) is freed. Safe to read
/// from several threads at once.
pub struct keyrack_record {
    rec: Arc<KeyRecord>,
    /// C copies of the strings, made on the first string getter.
    strings: OnceLock<Strings>,
}

struct Strings {
    id: CString,
    prefix: CString,
    hint: CString,
    name: CString,
    description: Option<CString>,
    owner: Option<CString>,
    scopes: Vec<CString>,
    meta: Vec<(CString, CString)>,
}

impl keyrack_record {
    pub(crate) fn new(rec: KeyRecord) -> Self {
        Self::shared(Arc::new(rec))
    }

    pub(crate) fn shared(rec: Arc<KeyRecord>) -> Self {
        keyrack_record {
            rec,
            strings: OnceLock::new(),
        }
    }

    fn strings(&self) -> &Strings {
        self.strings.get_or_init(|| {
            let r = &self.rec;
            Strings {
                id: cstring(&r.id),
                prefix: cstring(&r.prefix),
                hint: cstring(&r.hint),
                name: cstring(&r.name),
                description: r.description.as_deref().map(cstring),
                owner: r.owner.as_deref().map(cstring),
                scopes: r.scopes.iter().map(|s| cstring(s)).collect(),
                meta: r
                    .meta
                    .iter()
                    .map(|(k, v)| (cstring(k), cstring(v)))
                    .collect(),
            }
        })
    }
}

/// The body of every `keyrack_<verb>(store, id, …, out_record)` export: checks
/// the store and id, runs `verb`, and hands back the record when
/// `out_record` is not NULL.
pub(crate) fn record_call(
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

/// Reads a record field; NULL records give `fallback`.
fn read<T: Copy>(
    function: &'static str,
    record: *const keyrack_record,
    fallback: T,
    f: impl FnOnce(&keyrack_record) -> T,
) -> T {
    guard_value(function, fallback, || {
        // SAFETY: NULL or a live record, per the API conventions.
        match unsafe { record.as_ref() } {
            Some(r) => f(r),
            None => fallback,
        }
    })
}

/// Writes `value` to an optional-value output; returns whether it did.
fn present<T: Copy>(
    function: &'static str,
    record: *const keyrack_record,
    out: *mut T,
    get: impl FnOnce(&KeyRecord) -> Option<T>,
) -> bool {
    read(function, record, false, |r| match get(&r.rec) {
        Some(v) if !out.is_null() => {
            // SAFETY: non-NULL output pointer from the caller.
            unsafe { out.write(v) };
            true
        }
        _ => false,
    })
}

/// The key's public id (`key_` and 22 base62 characters). NULL for a NULL record.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_record_id(record: *const keyrack_record) -> *const c_char {
    read("keyrack_record_id", record, std::ptr::null(), |r| {
        r.strings().id.as_ptr()
    })
}

/// The key's prefix, e.g. `sk_live`. NULL for a NULL record.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_record_prefix(record: *const keyrack_record) -> *const c_char {
    read("keyrack_record_prefix", record, std::ptr::null(), |r| {
        r.strings().prefix.as_ptr()
    })
}

/// The display hint `<prefix>_<first 4 of body>…` (UTF-8: it ends in U+2026). NULL for a NULL record.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_record_hint(record: *const keyrack_record) -> *const c_char {
    read("keyrack_record_hint", record, std::ptr::null(), |r| {
        r.strings().hint.as_ptr()
    })
}

/// The key's name. NULL for a NULL record.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_record_name(record: *const keyrack_record) -> *const c_char {
    read("keyrack_record_name", record, std::ptr::null(), |r| {
        r.strings().name.as_ptr()
    })
}

/// The description, or NULL when it has none.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_record_description(
    record: *const keyrack_record,
) -> *const c_char {
    read(
        "keyrack_record_description",
        record,
        std::ptr::null(),
        |r| opt_ptr(&r.strings().description),
    )
}

/// The owner (the host's user or organisation id), or NULL when it has none.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_record_owner(record: *const keyrack_record) -> *const c_char {
    read("keyrack_record_owner", record, std::ptr::null(), |r| {
        opt_ptr(&r.strings().owner)
    })
}

/// How many scopes the key has (0 for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_record_scopes_len(record: *const keyrack_record) -> usize {
    read("keyrack_record_scopes_len", record, 0, |r| {
        r.rec.scopes.len()
    })
}

/// Scope number `index` (sorted order), or NULL when out of range.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_record_scope(
    record: *const keyrack_record,
    index: usize,
) -> *const c_char {
    read("keyrack_record_scope", record, std::ptr::null(), |r| {
        r.strings()
            .scopes
            .get(index)
            .map_or(std::ptr::null(), |s| s.as_ptr())
    })
}

/// How many metadata entries the key has (0 for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_record_meta_len(record: *const keyrack_record) -> usize {
    read("keyrack_record_meta_len", record, 0, |r| r.rec.meta.len())
}

/// The key of metadata entry `index` (sorted by key), or NULL when out of range.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_record_meta_key(
    record: *const keyrack_record,
    index: usize,
) -> *const c_char {
    read("keyrack_record_meta_key", record, std::ptr::null(), |r| {
        r.strings()
            .meta
            .get(index)
            .map_or(std::ptr::null(), |(k, _)| k.as_ptr())
    })
}

/// The value of metadata entry `index`, or NULL when out of range.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_record_meta_value(
    record: *const keyrack_record,
    index: usize,
) -> *const c_char {
    read("keyrack_record_meta_value", record, std::ptr::null(), |r| {
        r.strings()
            .meta
            .get(index)
            .map_or(std::ptr::null(), |(_, v)| v.as_ptr())
    })
}

/// The value stored under metadata key `key` (NUL-terminated), or NULL when
/// there is none (or `key` is NULL or not UTF-8).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_record_meta_get(
    record: *const keyrack_record,
    key: *const c_char,
) -> *const c_char {
    read("keyrack_record_meta_get", record, std::ptr::null(), |r| {
        // SAFETY: NULL or NUL-terminated, per the API conventions.
        let Ok(key) = (unsafe { crate::ffi::arg_str(key, "key") }) else {
            return std::ptr::null();
        };
        match r.rec.meta.keys().position(|k| k == key) {
            Some(i) => r.strings().meta[i].1.as_ptr(),
            None => std::ptr::null(),
        }
    })
}

/// When the key was issued, in ms since the Unix epoch (0 for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_record_created_at(record: *const keyrack_record) -> i64 {
    read("keyrack_record_created_at", record, 0, |r| {
        keyrack::to_millis(r.rec.created_at)
    })
}

/// When the key expires: writes `*out_ms` and returns true, or returns false
/// (writing nothing) when it never expires.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_record_expires_at(
    record: *const keyrack_record,
    out_ms: *mut i64,
) -> bool {
    present("keyrack_record_expires_at", record, out_ms, |r| {
        r.expires_at.map(keyrack::to_millis)
    })
}

/// When the key was revoked: writes `*out_ms` and returns true, or returns
/// false when it is not revoked.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_record_revoked_at(
    record: *const keyrack_record,
    out_ms: *mut i64,
) -> bool {
    present("keyrack_record_revoked_at", record, out_ms, |r| {
        r.revoked_at.map(keyrack::to_millis)
    })
}

/// The last `valid` verify: writes `*out_ms` and returns true, or returns
/// false when the key was never used.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_record_last_used_at(
    record: *const keyrack_record,
    out_ms: *mut i64,
) -> bool {
    present("keyrack_record_last_used_at", record, out_ms, |r| {
        r.last_used_at.map(keyrack::to_millis)
    })
}

/// false while the key is disabled (and for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_record_enabled(record: *const keyrack_record) -> bool {
    read("keyrack_record_enabled", record, false, |r| r.rec.enabled)
}

/// How many `valid` verifies the key had (0 for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_record_uses(record: *const keyrack_record) -> u64 {
    read("keyrack_record_uses", record, 0, |r| r.rec.uses)
}

/// How many verifies were refused with `outcome` (one of KEYRACK_OUTCOME_*;
/// 0 for outcomes that are not refusals, unknown values and NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_record_denied(record: *const keyrack_record, outcome: u32) -> u64 {
    read("keyrack_record_denied", record, 0, |r| {
        outcome_from_u32(outcome).map_or(0, |o| r.rec.denied.get(o))
    })
}

/// All refused verifies of the key (0 for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_record_denied_total(record: *const keyrack_record) -> u64 {
    read("keyrack_record_denied_total", record, 0, |r| {
        r.rec.denied.total()
    })
}

/// Credits left on a metered key: writes `*out_remaining` and returns true,
/// or returns false for an unmetered key.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_record_remaining(
    record: *const keyrack_record,
    out_remaining: *mut u64,
) -> bool {
    present("keyrack_record_remaining", record, out_remaining, |r| {
        r.remaining
    })
}

/// The credit refill: writes `*out_amount` and `*out_every_ms` and returns
/// true, or returns false when credits do not refill (or an output is NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_record_refill(
    record: *const keyrack_record,
    out_amount: *mut u64,
    out_every_ms: *mut i64,
) -> bool {
    if out_amount.is_null() || out_every_ms.is_null() {
        return false;
    }
    present("keyrack_record_refill", record, out_amount, |r| {
        r.refill.map(|f| {
            // SAFETY: checked non-NULL above.
            unsafe { out_every_ms.write(to_millis(f.every)) };
            f.amount
        })
    })
}

/// true when the key spends its owner's credit pool.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_record_shared_credits(record: *const keyrack_record) -> bool {
    read("keyrack_record_shared_credits", record, false, |r| {
        r.rec.shared_credits
    })
}

/// The rate limit: writes `*out_limit` verifies per `*out_window_ms` and
/// returns true, or returns false when the key has none (or an output is NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_record_rate_limit(
    record: *const keyrack_record,
    out_limit: *mut u64,
    out_window_ms: *mut i64,
) -> bool {
    if out_limit.is_null() || out_window_ms.is_null() {
        return false;
    }
    present("keyrack_record_rate_limit", record, out_limit, |r| {
        r.rate_limit.map(|l| {
            // SAFETY: checked non-NULL above.
            unsafe { out_window_ms.write(to_millis(l.window)) };
            l.limit
        })
    })
}

/// Frees a record returned by keyrack_get, keyrack_revoke, …. NULL does
/// nothing. Never free a record borrowed from another handle (a page, an
/// issued key, a verification).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_record_free(record: *mut keyrack_record) {
    // SAFETY: NULL or an owned record handle.
    guard_value("keyrack_record_free", (), || unsafe { free_handle(record) })
}
