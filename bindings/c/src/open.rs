//! The store handle: open (and its options), sync, compact, close, free.

use keyrack::{Options, Pepper, Store};
use std::ffi::c_char;

use crate::clock::keyrack_clock;
use crate::error::{Fail, guard, guard_value, keyrack_result};
use crate::ffi::{
    arg, arg_bytes, arg_mut, arg_str, free_handle, into_handle, millis, out, out_opt,
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

/// Sets the default prefix of issued keys (NUL-terminated UTF-8; checked at open).
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

/// Adds an accepted prefix (NUL-terminated UTF-8). Once any is added, the
/// added set replaces the store's saved set at open.
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

/// Opens (or creates) the store at `path` (NUL-terminated UTF-8). `options`
/// may be NULL for the defaults. On success `*out_store` is a handle to free
/// with keyrack_store_free. A file already open in this or another process
/// gives KEYRACK_ALREADY_OPEN.
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
