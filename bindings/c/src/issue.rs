//! Issuing keys (one, or many in one transaction) and rotating them; the
//! issued key and its secret's C buffer.

use std::ffi::{CString, c_char};

use std::time::{Duration, SystemTime};

use keyrack::{Expiry, IssueOptions, Issued, RateLimit, Refill, SecretKey};

use crate::error::{Fail, guard, guard_value, keyrack_result};
use crate::ffi::{
    arg, arg_array, arg_mut, arg_str, cstring, free_handle, into_handle, millis, out, out_opt,
    wipe_and_free,
};
use crate::open::keyrack_store;
use crate::record::keyrack_record;

/// What to issue (a builder; see keyrack_issue_options_new). Not synchronised.
pub struct keyrack_issue_options {
    opts: IssueOptions,
    /// The two expiry setters, resolved by `Expiry::either` at issue (both
    /// set is KEYRACK_INVALID_ARGUMENT).
    expires_in: Option<Duration>,
    expires_at: Option<SystemTime>,
}

impl keyrack_issue_options {
    /// The core's options, with the expiry resolved.
    fn core(&self) -> keyrack::Result<IssueOptions> {
        let mut opts = self.opts.clone();
        opts.expiry = Expiry::either(self.expires_in, self.expires_at)?;
        Ok(opts)
    }
}

/// A newly issued (or rotated) key: its id, its record and, once, its secret.
pub struct keyrack_issued {
    id: CString,
    key: Option<SecretKey>,
    record: keyrack_record,
}

impl keyrack_issued {
    fn new(i: Issued) -> Self {
        keyrack_issued {
            id: cstring(&i.id),
            key: Some(i.key),
            record: keyrack_record::new(i.record),
        }
    }
}

/// The keys of one keyrack_issue_many call, in the order asked.
pub struct keyrack_issued_list {
    items: Vec<keyrack_issued>,
}

/// Creates issue options for a key called `name` (NUL-terminated UTF-8).
/// Free with keyrack_issue_options_free.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_issue_options_new(
    name: *const c_char,
    out_options: *mut *mut keyrack_issue_options,
) -> keyrack_result {
    guard("keyrack_issue_options_new", || {
        // SAFETY: NULL or NUL-terminated.
        let name = unsafe { arg_str(name, "name") }?;
        let o = out(out_options, "out_options")?;
        let opts = IssueOptions::new(name);
        // SAFETY: checked output pointer.
        unsafe {
            o.write(into_handle(keyrack_issue_options {
                opts,
                expires_in: None,
                expires_at: None,
            }))
        };
        Ok(())
    })
}

/// Frees issue options. NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_issue_options_free(options: *mut keyrack_issue_options) {
    // SAFETY: NULL or a handle from keyrack_issue_options_new.
    guard_value("keyrack_issue_options_free", (), || unsafe {
        free_handle(options)
    })
}

fn set(
    function: &'static str,
    options: *mut keyrack_issue_options,
    change: impl FnOnce(&mut IssueOptions) -> Result<(), Fail>,
) -> keyrack_result {
    set_handle(function, options, |h| change(&mut h.opts))
}

fn set_handle(
    function: &'static str,
    options: *mut keyrack_issue_options,
    change: impl FnOnce(&mut keyrack_issue_options) -> Result<(), Fail>,
) -> keyrack_result {
    guard(function, || {
        // SAFETY: NULL or a live handle.
        change(unsafe { arg_mut(options, "options") }?)
    })
}

fn set_text(
    function: &'static str,
    options: *mut keyrack_issue_options,
    text: *const c_char,
    name: &'static str,
    change: impl FnOnce(&mut IssueOptions, &str),
) -> keyrack_result {
    set(function, options, |o| {
        // SAFETY: NULL or NUL-terminated.
        change(o, unsafe { arg_str(text, name) }?);
        Ok(())
    })
}

/// Sets the description (NUL-terminated UTF-8).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_issue_options_set_description(
    options: *mut keyrack_issue_options,
    description: *const c_char,
) -> keyrack_result {
    set_text(
        "keyrack_issue_options_set_description",
        options,
        description,
        "description",
        |o, v| o.description = Some(v.to_owned()),
    )
}

/// Sets the owner: the host's user or organisation id (NUL-terminated UTF-8).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_issue_options_set_owner(
    options: *mut keyrack_issue_options,
    owner: *const c_char,
) -> keyrack_result {
    set_text(
        "keyrack_issue_options_set_owner",
        options,
        owner,
        "owner",
        |o, v| o.owner = Some(v.to_owned()),
    )
}

/// Grants a scope (NUL-terminated UTF-8, no whitespace; checked at issue).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_issue_options_add_scope(
    options: *mut keyrack_issue_options,
    scope: *const c_char,
) -> keyrack_result {
    set_text(
        "keyrack_issue_options_add_scope",
        options,
        scope,
        "scope",
        |o, v| {
            o.scopes.insert(v.to_owned());
        },
    )
}

/// Adds a metadata entry (both NUL-terminated UTF-8); a repeated key replaces the value.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_issue_options_add_meta(
    options: *mut keyrack_issue_options,
    key: *const c_char,
    value: *const c_char,
) -> keyrack_result {
    set("keyrack_issue_options_add_meta", options, |o| {
        // SAFETY: NULL or NUL-terminated.
        let (k, v) = unsafe { (arg_str(key, "key")?, arg_str(value, "value")?) };
        o.meta.insert(k.to_owned(), v.to_owned());
        Ok(())
    })
}

/// Picks one of the store's accepted prefixes (NUL-terminated UTF-8).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_issue_options_set_prefix(
    options: *mut keyrack_issue_options,
    prefix: *const c_char,
) -> keyrack_result {
    set_text(
        "keyrack_issue_options_set_prefix",
        options,
        prefix,
        "prefix",
        |o, v| o.prefix = Some(v.to_owned()),
    )
}

/// Expires `ms` milliseconds after issue (must be positive; checked at
/// issue). Give this or keyrack_issue_options_set_expires_at_ms, not both
/// (the issue is then KEYRACK_INVALID_ARGUMENT). Setting it again replaces it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_issue_options_set_expires_in_ms(
    options: *mut keyrack_issue_options,
    ms: i64,
) -> keyrack_result {
    set_handle("keyrack_issue_options_set_expires_in_ms", options, |o| {
        o.expires_in = Some(millis(ms, "ms")?);
        Ok(())
    })
}

/// Expires at `at_ms` (ms since the Unix epoch; must be in the future).
/// Not together with keyrack_issue_options_set_expires_in_ms.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_issue_options_set_expires_at_ms(
    options: *mut keyrack_issue_options,
    at_ms: i64,
) -> keyrack_result {
    set_handle("keyrack_issue_options_set_expires_at_ms", options, |o| {
        o.expires_at = Some(keyrack::from_millis(at_ms));
        Ok(())
    })
}

/// Meters the key with `credits` usage credits.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_issue_options_set_remaining(
    options: *mut keyrack_issue_options,
    credits: u64,
) -> keyrack_result {
    set("keyrack_issue_options_set_remaining", options, |o| {
        o.remaining = Some(credits);
        Ok(())
    })
}

/// Tops credits up to `amount` every `every_ms` (at least 1000); with no
/// remaining set, the key starts with `amount`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_issue_options_set_refill(
    options: *mut keyrack_issue_options,
    amount: u64,
    every_ms: i64,
) -> keyrack_result {
    set("keyrack_issue_options_set_refill", options, |o| {
        o.refill = Some(Refill::new(amount, millis(every_ms, "every_ms")?));
        Ok(())
    })
}

/// Spends the owner's credit pool instead of the key's own credits (needs an owner).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_issue_options_set_shared_credits(
    options: *mut keyrack_issue_options,
    shared: bool,
) -> keyrack_result {
    set("keyrack_issue_options_set_shared_credits", options, |o| {
        o.shared_credits = shared;
        Ok(())
    })
}

/// Allows at most `limit` verifies per `window_ms` (fixed window, counted in memory).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_issue_options_set_rate_limit(
    options: *mut keyrack_issue_options,
    limit: u64,
    window_ms: i64,
) -> keyrack_result {
    set("keyrack_issue_options_set_rate_limit", options, |o| {
        o.rate_limit = Some(RateLimit::new(limit, millis(window_ms, "window_ms")?));
        Ok(())
    })
}

/// Issues one key, durably. On success `*out_issued` holds its id, record and
/// secret (take it with keyrack_issued_take_key); free it with keyrack_issued_free.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_issue(
    store: *const keyrack_store,
    options: *const keyrack_issue_options,
    out_issued: *mut *mut keyrack_issued,
) -> keyrack_result {
    guard("keyrack_issue", || {
        // SAFETY: NULL or live handles.
        let (s, o) = unsafe { (arg(store, "store")?, arg(options, "options")?) };
        let out_issued = out(out_issued, "out_issued")?;
        let issued = s.store.issue(o.core()?)?;
        // SAFETY: checked output pointer.
        unsafe { out_issued.write(into_handle(keyrack_issued::new(issued))) };
        Ok(())
    })
}

fn issue_many_impl(
    function: &'static str,
    store: *const keyrack_store,
    batch: *const *const keyrack_issue_options,
    count: usize,
    out_list: *mut *mut keyrack_issued_list,
    durable: bool,
) -> keyrack_result {
    guard(function, || {
        // SAFETY: NULL or live handle / `count` pointers.
        let (s, batch) = unsafe { (arg(store, "store")?, arg_array(batch, count, "batch")?) };
        let out_list = out(out_list, "out_list")?;
        let mut all = Vec::with_capacity(count);
        for (i, p) in batch.iter().enumerate() {
            // SAFETY: each element is NULL or a live handle.
            let o = unsafe { p.as_ref() }
                .ok_or_else(|| Fail::invalid(format!("`batch[{i}]` is NULL")))?;
            all.push(o.core()?);
        }
        let issued = if durable {
            s.store.issue_many(all)?
        } else {
            s.store.issue_many_relaxed(all)?
        };
        let items = issued.into_iter().map(keyrack_issued::new).collect();
        // SAFETY: checked output pointer.
        unsafe { out_list.write(into_handle(keyrack_issued_list { items })) };
        Ok(())
    })
}

/// Issues `count` keys in one durable transaction: all or none. `batch` is
/// an array of `count` option handles (none NULL). Free the list with
/// keyrack_issued_list_free.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_issue_many(
    store: *const keyrack_store,
    batch: *const *const keyrack_issue_options,
    count: usize,
    out_list: *mut *mut keyrack_issued_list,
) -> keyrack_result {
    issue_many_impl("keyrack_issue_many", store, batch, count, out_list, true)
}

/// Like keyrack_issue_many but commits without waiting for the disk (bulk
/// imports): durable after the next durable write, keyrack_store_sync or close.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_issue_many_relaxed(
    store: *const keyrack_store,
    batch: *const *const keyrack_issue_options,
    count: usize,
    out_list: *mut *mut keyrack_issued_list,
) -> keyrack_result {
    issue_many_impl(
        "keyrack_issue_many_relaxed",
        store,
        batch,
        count,
        out_list,
        false,
    )
}

/// Gives key `id` (NUL-terminated) a new secret, keeping its id and settings.
/// The old secret keeps working for `grace_ms` (0 ends it at once; never past
/// the key's expiry). Unknown id: KEYRACK_NOT_FOUND.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_rotate(
    store: *const keyrack_store,
    id: *const c_char,
    grace_ms: i64,
    out_issued: *mut *mut keyrack_issued,
) -> keyrack_result {
    guard("keyrack_rotate", || {
        // SAFETY: NULL or live pointers.
        let (s, id) = unsafe { (arg(store, "store")?, arg_str(id, "id")?) };
        let grace = millis(grace_ms, "grace_ms")?;
        let out_issued = out(out_issued, "out_issued")?;
        let issued = s.store.rotate(id, grace)?;
        // SAFETY: checked output pointer.
        unsafe { out_issued.write(into_handle(keyrack_issued::new(issued))) };
        Ok(())
    })
}

/// The issued key's public id. Borrowed; NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_issued_id(issued: *const keyrack_issued) -> *const c_char {
    // SAFETY: NULL or a live handle.
    guard_value("keyrack_issued_id", std::ptr::null(), || {
        unsafe { issued.as_ref() }.map_or(std::ptr::null(), |i| i.id.as_ptr())
    })
}

/// The issued key's record. Borrowed: valid until the issued key is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_issued_record(
    issued: *const keyrack_issued,
) -> *const keyrack_record {
    // SAFETY: NULL or a live handle.
    guard_value("keyrack_issued_record", std::ptr::null(), || {
        unsafe { issued.as_ref() }.map_or(std::ptr::null(), |i| &i.record as *const keyrack_record)
    })
}

/// Moves the secret key out of `issued` into a new NUL-terminated buffer
/// (`*out_key`; its length, without the NUL, in `*out_key_len` unless that is
/// NULL). Show it to its owner once, never log it, and release it with
/// keyrack_key_free, which wipes it. It can be taken once: a second call
/// fails with KEYRACK_INVALID_ARGUMENT. A secret never taken is wiped by
/// keyrack_issued_free.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_issued_take_key(
    issued: *mut keyrack_issued,
    out_key: *mut *mut c_char,
    out_key_len: *mut usize,
) -> keyrack_result {
    guard("keyrack_issued_take_key", || {
        // SAFETY: NULL or a live handle.
        let i = unsafe { arg_mut(issued, "issued") }?;
        let out_key = out(out_key, "out_key")?;
        let out_len = out_opt(out_key_len);
        let key = i
            .key
            .take()
            .ok_or_else(|| Fail::invalid("the secret was already taken"))?;
        let text = key.expose();
        // Exactly sized, so no reallocation leaves an unwiped copy behind.
        let mut bytes = Vec::with_capacity(text.len() + 1);
        bytes.extend_from_slice(text.as_bytes());
        bytes.push(0);
        let len = text.len();
        let c = CString::from_vec_with_nul(bytes)
            .map_err(|_| Fail::invalid("internal: NUL in a key"))?;
        drop(key); // wipes the SecretKey's own copy
        // SAFETY: checked output pointers.
        unsafe {
            out_key.write(c.into_raw());
            if let Some(l) = out_len {
                l.write(len);
            }
        }
        Ok(())
    })
}

/// Wipes and frees a secret key from keyrack_issued_take_key or
/// keyrack_format_compose. Its end is found by its NUL, so it must be
/// unmodified. NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_key_free(key: *mut c_char) {
    // SAFETY: NULL or a string from this library, as the caller promises.
    guard_value("keyrack_key_free", (), || unsafe { wipe_and_free(key) })
}

/// Frees an issued key, wiping its secret if it was not taken. NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_issued_free(issued: *mut keyrack_issued) {
    // SAFETY: NULL or a handle from keyrack_issue / keyrack_rotate.
    guard_value("keyrack_issued_free", (), || unsafe { free_handle(issued) })
}

/// How many keys the list holds (0 for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_issued_list_len(list: *const keyrack_issued_list) -> usize {
    // SAFETY: NULL or a live handle.
    guard_value("keyrack_issued_list_len", 0, || {
        unsafe { list.as_ref() }.map_or(0, |l| l.items.len())
    })
}

/// Key number `index`, or NULL when out of range. Borrowed from the list
/// (take its secret with keyrack_issued_take_key; never free it alone).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_issued_list_get(
    list: *mut keyrack_issued_list,
    index: usize,
) -> *mut keyrack_issued {
    guard_value("keyrack_issued_list_get", std::ptr::null_mut(), || {
        // SAFETY: NULL or a live handle.
        match unsafe { list.as_mut() }.and_then(|l| l.items.get_mut(index)) {
            Some(i) => i as *mut keyrack_issued,
            None => std::ptr::null_mut(),
        }
    })
}

/// Frees the list and every key in it (wiping secrets not taken). NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_issued_list_free(list: *mut keyrack_issued_list) {
    // SAFETY: NULL or a handle from keyrack_issue_many.
    guard_value("keyrack_issued_list_free", (), || unsafe {
        free_handle(list)
    })
}
