//! The store handle: open (and its options), the accepted prefixes, health,
//! sync, compact, close, free.

use keyrack::{Health, Options, Pepper, Store};
use std::ffi::{CString, c_char};

use crate::clock::keyrack_clock;
use crate::error::{Fail, guard, guard_value, keyrack_result};
use crate::ffi::{
    arg, arg_bytes, arg_mut, arg_str, cstring, free_handle, into_handle, millis, out, out_opt,
};

/// An open store. Safe to use from any number of threads at once (verify,
/// issue, revoke, … in parallel); free it only when no thread uses it.
pub struct keyrack_store {
    pub(crate) store: Store,
}

/// How to open a store (a builder; see keyrack_options_new). Not synchronised.
pub struct keyrack_options {
    opts: Options,
}

/// Creates default open options (default prefix `kr` for a new store, no
/// pepper, read-write, create when missing, the system clock). Free with
/// keyrack_options_free.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_options_new(
    out_options: *mut *mut keyrack_options,
) -> keyrack_result {
    guard("keyrack_options_new", || {
        let o = out(out_options, "out_options")?;
        // SAFETY: checked output pointer.
        unsafe {
            o.write(into_handle(keyrack_options {
                opts: Options::default(),
            }))
        };
        Ok(())
    })
}

/// Frees open options. NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_options_free(options: *mut keyrack_options) {
    // SAFETY: NULL or a handle from keyrack_options_new.
    guard_value("keyrack_options_free", (), || unsafe {
        free_handle(options)
    })
}

/// Applies a change to open options inside the panic boundary.
fn set_options(
    function: &'static str,
    options: *mut keyrack_options,
    change: impl FnOnce(&mut Options) -> Result<(), Fail>,
) -> keyrack_result {
    guard(function, || {
        // SAFETY: NULL or a live handle, per the API conventions.
        let o = unsafe { arg_mut(options, "options") }?;
        change(&mut o.opts)
    })
}

/// Sets the prefix this handle issues keys with (NUL-terminated UTF-8;
/// checked at open). A new store takes it as its default (`kr` otherwise);
/// an existing store must already accept it (else keyrack_store_open is
/// KEYRACK_INVALID_ARGUMENT: add it once with keyrack_store_add_prefix). An
/// open never changes the store's default or its accepted prefixes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_options_set_prefix(
    options: *mut keyrack_options,
    prefix: *const c_char,
) -> keyrack_result {
    set_options("keyrack_options_set_prefix", options, |o| {
        // SAFETY: NULL or NUL-terminated, per the API conventions.
        let p = unsafe { arg_str(prefix, "prefix") }?;
        o.prefix = Some(p.to_owned());
        Ok(())
    })
}

/// Names a further accepted prefix (NUL-terminated UTF-8). A new store is
/// created accepting the default prefix and these. An existing store must
/// already accept each one (else keyrack_store_open is
/// KEYRACK_INVALID_ARGUMENT); an open never rewrites the accepted set: change
/// it with keyrack_store_add_prefix / keyrack_store_remove_prefix.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_options_add_prefix(
    options: *mut keyrack_options,
    prefix: *const c_char,
) -> keyrack_result {
    set_options("keyrack_options_add_prefix", options, |o| {
        // SAFETY: NULL or NUL-terminated, per the API conventions.
        let p = unsafe { arg_str(prefix, "prefix") }?;
        o.prefixes.get_or_insert_with(Vec::new).push(p.to_owned());
        Ok(())
    })
}

/// Sets the pepper: exactly 32 bytes at `pepper` (`pepper_len` must be 32).
/// keyrack copies them; wipe yours when you like.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_options_set_pepper(
    options: *mut keyrack_options,
    pepper: *const u8,
    pepper_len: usize,
) -> keyrack_result {
    set_options("keyrack_options_set_pepper", options, |o| {
        // SAFETY: NULL or `pepper_len` readable bytes, per the API conventions.
        let bytes = unsafe { arg_bytes(pepper, pepper_len, "pepper") }?;
        o.pepper = Some(Pepper::from_slice(bytes)?);
        Ok(())
    })
}

/// Opens read-only (several processes may, while no writer holds the file).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_options_set_read_only(
    options: *mut keyrack_options,
    read_only: bool,
) -> keyrack_result {
    set_options("keyrack_options_set_read_only", options, |o| {
        o.read_only = read_only;
        Ok(())
    })
}

/// Whether to create a missing file (default true).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_options_set_create(
    options: *mut keyrack_options,
    create: bool,
) -> keyrack_result {
    set_options("keyrack_options_set_create", options, |o| {
        o.create = create;
        Ok(())
    })
}

/// Uses `clock` (shared: advancing it later moves the store's time too).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_options_set_clock(
    options: *mut keyrack_options,
    clock: *const keyrack_clock,
) -> keyrack_result {
    set_options("keyrack_options_set_clock", options, |o| {
        // SAFETY: NULL or a live handle, per the API conventions.
        let c = unsafe { arg(clock, "clock") }?;
        o.clock = c.clock.clone();
        Ok(())
    })
}

/// Grace allowed past a key's expiry, in milliseconds (default 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_options_set_leeway_ms(
    options: *mut keyrack_options,
    leeway_ms: i64,
) -> keyrack_result {
    set_options("keyrack_options_set_leeway_ms", options, |o| {
        o.leeway = millis(leeway_ms, "leeway_ms")?;
        Ok(())
    })
}

/// How often in-memory use counters are written to the file, in
/// milliseconds (default 1000); they are also written on close.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_options_set_flush_interval_ms(
    options: *mut keyrack_options,
    interval_ms: i64,
) -> keyrack_result {
    set_options("keyrack_options_set_flush_interval_ms", options, |o| {
        o.flush_interval = millis(interval_ms, "interval_ms")?;
        Ok(())
    })
}

/// Most keys kept in the verify cache (default 1,000,000).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_options_set_cache_capacity(
    options: *mut keyrack_options,
    keys: usize,
) -> keyrack_result {
    set_options("keyrack_options_set_cache_capacity", options, |o| {
        o.cache_capacity = keys;
        Ok(())
    })
}

/// The most credits a metered key (or an owner's pool) reserves in the file
/// ahead of spending them (default 100; 0 is KEYRACK_INVALID_ARGUMENT at
/// open). A verify spends only credits the file already counts as spent, so
/// no crash ever gives a credit back; a crash forfeits at most this many per
/// key or pool that was spending, a clean close none. Larger means fewer
/// durable writes on busy metered keys.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_options_set_credit_lease(
    options: *mut keyrack_options,
    credits: u64,
) -> keyrack_result {
    set_options("keyrack_options_set_credit_lease", options, |o| {
        o.credit_lease = credits;
        Ok(())
    })
}

/// Opens (or creates) the store at `path` (NUL-terminated UTF-8). `options`
/// may be NULL for the defaults. On success `*out_store` is a handle to free
/// with keyrack_store_free. A file already open in this or another process
/// gives KEYRACK_ALREADY_OPEN; a read-only open of a file whose writer
/// crashed gives KEYRACK_NEEDS_RECOVERY (one read-write open recovers it).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_store_open(
    path: *const c_char,
    options: *const keyrack_options,
    out_store: *mut *mut keyrack_store,
) -> keyrack_result {
    guard("keyrack_store_open", || {
        // SAFETY: NULL or NUL-terminated, per the API conventions.
        let path = unsafe { arg_str(path, "path") }?;
        let o = out(out_store, "out_store")?;
        // SAFETY: NULL or a live handle.
        let opts = match unsafe { options.as_ref() } {
            Some(o) => o.opts.clone(),
            None => Options::default(),
        };
        let store = Store::open(path, opts)?;
        // SAFETY: checked output pointer.
        unsafe { o.write(into_handle(keyrack_store { store })) };
        Ok(())
    })
}

/// The prefixes a store accepts, the store's default first: a list read
/// through keyrack_prefixes_len / keyrack_prefixes_get, freed with
/// keyrack_prefixes_free. Not synchronised.
pub struct keyrack_prefixes {
    list: Vec<CString>,
}

impl keyrack_prefixes {
    fn new(list: Vec<String>) -> Self {
        keyrack_prefixes {
            list: list.iter().map(|p| cstring(p)).collect(),
        }
    }
}

/// Writes a prefix list to `out` when the caller asked for one.
fn prefixes_out(out: *mut *mut keyrack_prefixes, list: Vec<String>) {
    if let Some(o) = out_opt(out) {
        // SAFETY: non-NULL output pointer.
        unsafe { o.write(into_handle(keyrack_prefixes::new(list))) };
    }
}

/// The prefixes `store` accepts (its default first) into `*out_prefixes`
/// (free with keyrack_prefixes_free). A verify of a key with any other
/// prefix is KEYRACK_OUTCOME_MALFORMED.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_store_prefixes(
    store: *const keyrack_store,
    out_prefixes: *mut *mut keyrack_prefixes,
) -> keyrack_result {
    guard("keyrack_store_prefixes", || {
        // SAFETY: NULL or a live handle.
        let s = unsafe { arg(store, "store") }?;
        let o = out(out_prefixes, "out_prefixes")?;
        let list = keyrack_prefixes::new(s.store.prefixes());
        // SAFETY: checked output pointer.
        unsafe { o.write(into_handle(list)) };
        Ok(())
    })
}

/// Makes the store accept (and issue with) `prefix` (NUL-terminated UTF-8),
/// durably and for every handle opened after; audited as
/// KEYRACK_AUDIT_PREFIX_ADDED. Adding one it accepts changes nothing. A bad
/// prefix is KEYRACK_INVALID_ARGUMENT; a read-only store KEYRACK_READ_ONLY.
/// `out_prefixes` may be NULL; else it receives the accepted prefixes (free
/// with keyrack_prefixes_free). The only way to widen an existing store's set:
/// an open with an unknown prefix is refused.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_store_add_prefix(
    store: *const keyrack_store,
    prefix: *const c_char,
    out_prefixes: *mut *mut keyrack_prefixes,
) -> keyrack_result {
    guard("keyrack_store_add_prefix", || {
        // SAFETY: NULL or live pointers.
        let (s, p) = unsafe { (arg(store, "store")?, arg_str(prefix, "prefix")?) };
        prefixes_out(out_prefixes, s.store.add_prefix(p)?);
        Ok(())
    })
}

/// Stops accepting `prefix` (NUL-terminated UTF-8): from then on every key
/// with it verifies as KEYRACK_OUTCOME_MALFORMED, in every handle (this one
/// at once). Audited as KEYRACK_AUDIT_PREFIX_REMOVED. The store's default
/// prefix, the one this handle issues with, and a prefix the store does not
/// accept are KEYRACK_INVALID_ARGUMENT. `out_prefixes` as keyrack_store_add_prefix.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_store_remove_prefix(
    store: *const keyrack_store,
    prefix: *const c_char,
    out_prefixes: *mut *mut keyrack_prefixes,
) -> keyrack_result {
    guard("keyrack_store_remove_prefix", || {
        // SAFETY: NULL or live pointers.
        let (s, p) = unsafe { (arg(store, "store")?, arg_str(prefix, "prefix")?) };
        prefixes_out(out_prefixes, s.store.remove_prefix(p)?);
        Ok(())
    })
}

/// How many prefixes the list holds (0 for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_prefixes_len(prefixes: *const keyrack_prefixes) -> usize {
    // SAFETY: NULL or a live handle.
    guard_value("keyrack_prefixes_len", 0, || {
        unsafe { prefixes.as_ref() }.map_or(0, |p| p.list.len())
    })
}

/// Prefix number `index` (0 is the store's default), borrowed from the
/// list; NULL when out of range or for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_prefixes_get(
    prefixes: *const keyrack_prefixes,
    index: usize,
) -> *const c_char {
    // SAFETY: NULL or a live handle.
    guard_value("keyrack_prefixes_get", std::ptr::null(), || {
        unsafe { prefixes.as_ref() }
            .and_then(|p| p.list.get(index))
            .map_or(std::ptr::null(), |c| c.as_ptr())
    })
}

/// Frees a prefix list. NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_prefixes_free(prefixes: *mut keyrack_prefixes) {
    // SAFETY: NULL or a handle from this module.
    guard_value("keyrack_prefixes_free", (), || unsafe {
        free_handle(prefixes)
    })
}

/// How a store's storage is doing, read at one instant by
/// keyrack_store_health: whether the last write succeeded, and the last
/// storage failure (kept after the store heals). Read through getters; free
/// with keyrack_health_free. Not synchronised.
pub struct keyrack_health {
    ok: bool,
    last_error: Option<Fault>,
}

/// One storage failure, as keyrack_health reports it.
struct Fault {
    code: keyrack_result,
    message: CString,
    at_ms: i64,
    background: bool,
}

impl keyrack_health {
    fn new(h: Health) -> Self {
        keyrack_health {
            ok: h.ok,
            last_error: h.last_error.map(|f| Fault {
                code: keyrack_result::from_kind(f.kind),
                message: cstring(&f.message),
                at_ms: keyrack::to_millis(f.at),
                background: f.background,
            }),
        }
    }

    /// The last error of a handle that may be NULL.
    ///
    /// # Safety
    /// `p` is NULL or a live handle.
    unsafe fn fault<'a>(p: *const keyrack_health) -> Option<&'a Fault> {
        // SAFETY: per the contract above.
        unsafe { p.as_ref() }.and_then(|h| h.last_error.as_ref())
    }
}

/// Reads how `store`'s storage is doing into `*out_health` (free with
/// keyrack_health_free). A failed write or background counter flush makes it
/// not ok and is remembered, with a flush's failure (which no caller saw)
/// marked as background. After an I/O fault the store reopens its file by
/// itself on the next write or flush, so it is ok again once the fault
/// clears, without reopening the store. Cheap; call it from a health check.
///
/// ```c
/// keyrack_health *h = NULL;
/// if (keyrack_store_health(store, &h) == KEYRACK_OK && !keyrack_health_ok(h))
///     fprintf(stderr, "storage: %s\n", keyrack_health_error_message(h));
/// keyrack_health_free(h);
/// ```
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_store_health(
    store: *const keyrack_store,
    out_health: *mut *mut keyrack_health,
) -> keyrack_result {
    guard("keyrack_store_health", || {
        // SAFETY: NULL or a live handle.
        let s = unsafe { arg(store, "store") }?;
        let o = out(out_health, "out_health")?;
        let h = keyrack_health::new(s.store.health());
        // SAFETY: checked output pointer.
        unsafe { o.write(into_handle(h)) };
        Ok(())
    })
}

/// Whether the last write (or flush) succeeded; false for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_health_ok(health: *const keyrack_health) -> bool {
    // SAFETY: NULL or a live handle.
    guard_value("keyrack_health_ok", false, || {
        unsafe { health.as_ref() }.is_some_and(|h| h.ok)
    })
}

/// Whether the store has met a storage failure since it was opened (the
/// getters below describe the most recent one); false for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_health_has_error(health: *const keyrack_health) -> bool {
    // SAFETY: NULL or a live handle.
    guard_value("keyrack_health_has_error", false, || unsafe {
        keyrack_health::fault(health).is_some()
    })
}

/// The last failure's code (KEYRACK_IO or KEYRACK_CORRUPTED); KEYRACK_OK when
/// there is none or for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_health_error_code(
    health: *const keyrack_health,
) -> keyrack_result {
    // SAFETY: NULL or a live handle.
    guard_value(
        "keyrack_health_error_code",
        keyrack_result::KEYRACK_OK,
        || unsafe { keyrack_health::fault(health).map_or(keyrack_result::KEYRACK_OK, |f| f.code) },
    )
}

/// The last failure's message (never a secret), borrowed from the handle;
/// NULL when there is none or for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_health_error_message(
    health: *const keyrack_health,
) -> *const c_char {
    // SAFETY: NULL or a live handle.
    guard_value(
        "keyrack_health_error_message",
        std::ptr::null(),
        || unsafe {
            keyrack_health::fault(health).map_or(std::ptr::null(), |f| f.message.as_ptr())
        },
    )
}

/// When the last failure happened: writes ms since the Unix epoch to
/// `*out_ms` and returns true, or returns false (writing nothing) when there
/// is none, or for a NULL handle or `out_ms`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_health_error_at(
    health: *const keyrack_health,
    out_ms: *mut i64,
) -> bool {
    // SAFETY: NULL or a live handle.
    guard_value("keyrack_health_error_at", false, || {
        match (unsafe { keyrack_health::fault(health) }, out_opt(out_ms)) {
            (Some(f), Some(o)) => {
                // SAFETY: non-NULL output pointer.
                unsafe { o.write(f.at_ms) };
                true
            }
            _ => false,
        }
    })
}

/// Whether the last failure was met by the background counter flush (no
/// call returned it); false when there is none or for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_health_error_background(health: *const keyrack_health) -> bool {
    // SAFETY: NULL or a live handle.
    guard_value("keyrack_health_error_background", false, || unsafe {
        keyrack_health::fault(health).is_some_and(|f| f.background)
    })
}

/// Frees a health report. NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_health_free(health: *mut keyrack_health) {
    // SAFETY: NULL or a handle from keyrack_store_health.
    guard_value("keyrack_health_free", (), || unsafe { free_handle(health) })
}

/// Writes pending counters, releases the file and makes every later call on
/// this handle (from any thread) fail with KEYRACK_CLOSED. Closing twice is
/// harmless. The handle must still be freed with keyrack_store_free.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_store_close(store: *const keyrack_store) -> keyrack_result {
    guard("keyrack_store_close", || {
        // SAFETY: NULL or a live handle.
        let s = unsafe { arg(store, "store") }?;
        s.store.close()?;
        Ok(())
    })
}

/// Writes the in-memory counters (uses, last use, refusals, credits) now, durably.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_store_sync(store: *const keyrack_store) -> keyrack_result {
    guard("keyrack_store_sync", || {
        // SAFETY: NULL or a live handle.
        let s = unsafe { arg(store, "store") }?;
        s.store.sync()?;
        Ok(())
    })
}

/// Writes pending counters, then rewrites the store file to give free space
/// back to the file system (worth it after many revocations and purges, or a
/// large relaxed import). Verifies that miss the cache wait while it runs.
/// `out_compacted` may be NULL; else it receives whether the file was
/// rewritten. On a store opened read-only it fails with KEYRACK_READ_ONLY.
///
/// ```c
/// bool compacted = false;
/// if (keyrack_store_compact(store, &compacted) != KEYRACK_OK)
///     fprintf(stderr, "compact: %s\n", keyrack_last_error_message());
/// ```
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_store_compact(
    store: *const keyrack_store,
    out_compacted: *mut bool,
) -> keyrack_result {
    guard("keyrack_store_compact", || {
        // SAFETY: NULL or a live handle.
        let s = unsafe { arg(store, "store") }?;
        let o = out_opt(out_compacted);
        let compacted = s.store.compact()?;
        if let Some(o) = o {
            // SAFETY: non-NULL output pointer.
            unsafe { o.write(compacted) };
        }
        Ok(())
    })
}

/// Closes the store if still open (errors are dropped: call
/// keyrack_store_close first to see them) and frees the handle. NULL does
/// nothing. No other thread may use the handle during or after this call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_store_free(store: *mut keyrack_store) {
    // SAFETY: NULL or a handle from keyrack_store_open.
    guard_value("keyrack_store_free", (), || unsafe { free_handle(store) })
}
