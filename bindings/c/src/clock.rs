//! The manual clock: a "now" that moves only when told, for tests that
//! replay time (given to a store with keyrack_options_set_clock).

use keyrack::Clock;

use crate::error::{guard, guard_value, keyrack_result};
use crate::ffi::{arg, free_handle, into_handle, millis, out};

/// A clock the store reads "now" from. keyrack_clock_new_manual makes one that
/// moves only when told to, for tests that replay time.
pub struct keyrack_clock {
    pub(crate) clock: Clock,
}

/// Makes a manual clock that starts at `start_ms` (milliseconds since the
/// Unix epoch) and moves only by keyrack_clock_advance / keyrack_clock_set.
/// Give it to keyrack_options_set_clock. Free with keyrack_clock_free (a store
/// opened with it keeps its own reference).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_clock_new_manual(
    start_ms: i64,
    out_clock: *mut *mut keyrack_clock,
) -> keyrack_result {
    guard("keyrack_clock_new_manual", || {
        let o = out(out_clock, "out_clock")?;
        let clock = Clock::manual(keyrack::from_millis(start_ms));
        // SAFETY: checked output pointer.
        unsafe { o.write(into_handle(keyrack_clock { clock })) };
        Ok(())
    })
}

/// Moves a manual clock forward by `ms` (not negative). Safe while stores
/// using the clock run in other threads.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_clock_advance(
    clock: *const keyrack_clock,
    ms: i64,
) -> keyrack_result {
    guard("keyrack_clock_advance", || {
        // SAFETY: NULL or a live handle.
        let c = unsafe { arg(clock, "clock") }?;
        c.clock.advance(millis(ms, "ms")?);
        Ok(())
    })
}

/// Sets a manual clock to `now_ms` (milliseconds since the Unix epoch).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_clock_set(
    clock: *const keyrack_clock,
    now_ms: i64,
) -> keyrack_result {
    guard("keyrack_clock_set", || {
        // SAFETY: NULL or a live handle.
        let c = unsafe { arg(clock, "clock") }?;
        c.clock.set(keyrack::from_millis(now_ms));
        Ok(())
    })
}

/// The clock's current time in milliseconds since the Unix epoch (0 for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_clock_now_ms(clock: *const keyrack_clock) -> i64 {
    guard_value("keyrack_clock_now_ms", 0, || {
        // SAFETY: NULL or a live handle.
        unsafe { clock.as_ref() }.map_or(0, |c| c.clock.now_millis())
    })
}

/// Frees a clock. NULL does nothing. Stores opened with it keep working.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_clock_free(clock: *mut keyrack_clock) {
    // SAFETY: NULL or a handle from keyrack_clock_new_manual.
    guard_value("keyrack_clock_free", (), || unsafe { free_handle(clock) })
}
