//! Owners' shared credit pools: keyrack_pool_set, keyrack_pool_add_credits
//! and keyrack_pool_get.

use std::ffi::c_char;

use keyrack::Refill;

use crate::error::{guard, keyrack_result};
use crate::ffi::{arg, arg_str, millis, out, out_opt, to_millis};
use crate::open::keyrack_store;

/// Sets `owner`'s shared credit pool (NUL-terminated owner) to `remaining`
/// credits, topped up to `refill_amount` every `refill_every_ms`. Both 0
/// keeps the pool's refill as it is (none for a new pool); any other pair
/// replaces it with a refill the core checks (at least a second apart, so an
/// amount with `refill_every_ms` 0 is KEYRACK_INVALID_ARGUMENT). Keys issued
/// with shared credits spend it. Audited as KEYRACK_AUDIT_POOL_SET. To add
/// to the balance without overwriting what is being spent, use
/// keyrack_pool_add_credits.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_pool_set(
    store: *const keyrack_store,
    owner: *const c_char,
    remaining: u64,
    refill_amount: u64,
    refill_every_ms: i64,
) -> keyrack_result {
    guard("keyrack_pool_set", || {
        // SAFETY: NULL or live pointers.
        let (s, owner) = unsafe { (arg(store, "store")?, arg_str(owner, "owner")?) };
        let every = millis(refill_every_ms, "refill_every_ms")?;
        let refill =
            (refill_amount != 0 || !every.is_zero()).then(|| Refill::new(refill_amount, every));
        s.store.set_pool(owner, remaining, refill)?;
        Ok(())
    })
}

/// Adds `credits` to `owner`'s pool (NUL-terminated owner), atomically:
/// credits spent meanwhile stay spent. Audited as
/// KEYRACK_AUDIT_POOL_CREDITS_ADDED. An owner with no pool (keyrack_pool_set
/// makes one) is KEYRACK_INVALID_ARGUMENT naming `owner`; `credits` 0, or a
/// balance that would overflow, is KEYRACK_INVALID_ARGUMENT naming
/// `credits`. `out_remaining` may be NULL; else it receives the new balance.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_pool_add_credits(
    store: *const keyrack_store,
    owner: *const c_char,
    credits: u64,
    out_remaining: *mut u64,
) -> keyrack_result {
    guard("keyrack_pool_add_credits", || {
        // SAFETY: NULL or live pointers.
        let (s, owner) = unsafe { (arg(store, "store")?, arg_str(owner, "owner")?) };
        let o = out_opt(out_remaining);
        let pool = s.store.add_pool_credits(owner, credits)?;
        if let Some(o) = o {
            // SAFETY: non-NULL output pointer.
            unsafe { o.write(pool.remaining) };
        }
        Ok(())
    })
}

/// Reads `owner`'s credit pool, with live spending. `*out_exists` tells
/// whether the owner has one; when it does, `*out_remaining` is its balance
/// and, unless NULL, `*out_refill_amount` / `*out_refill_every_ms` its refill
/// (both 0 when it has none). When it does not, only `*out_exists` is written.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_pool_get(
    store: *const keyrack_store,
    owner: *const c_char,
    out_exists: *mut bool,
    out_remaining: *mut u64,
    out_refill_amount: *mut u64,
    out_refill_every_ms: *mut i64,
) -> keyrack_result {
    guard("keyrack_pool_get", || {
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
                    e.write(p.refill.map_or(0, |r| to_millis(r.every)));
                }
            }
        }
        Ok(())
    })
}
