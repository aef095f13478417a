//! Result codes, the per-thread last error, and the panic/NULL boundary that
//! every exported function goes through.

use std::cell::RefCell;
use std::ffi::{CStr, CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

use keyrack::ErrorKind;

/// What a keyrack function reports. `KEYRACK_OK` (0) is success; every other
/// value is one kind of core error, with the same number as the core's
/// `ErrorKind::code()`. The numbers are stable and never reused.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum keyrack_result {
    /// Success.
    KEYRACK_OK = 0,
    /// An argument was rejected: NULL, not UTF-8, out of range, or refused by the core.
    KEYRACK_INVALID_ARGUMENT = 1,
    /// No key with this id (management calls only; verify answers an outcome).
    KEYRACK_NOT_FOUND = 2,
    /// Another process or handle holds the store file.
    KEYRACK_ALREADY_OPEN = 3,
    /// The store handle was opened before a fork() and used in the child.
    KEYRACK_WRONG_PROCESS = 4,
    /// The pepper does not match the one the store was created with.
    KEYRACK_PEPPER_MISMATCH = 5,
    /// The file's format version is not supported by this build.
    KEYRACK_INCOMPATIBLE_VERSION = 6,
    /// The file is damaged or is not a keyrack store.
    KEYRACK_CORRUPTED = 7,
    /// A write on a store opened read-only.
    KEYRACK_READ_ONLY = 8,
    /// The operating system failed a read, write or sync.
    KEYRACK_IO = 9,
    /// The store was closed.
    KEYRACK_CLOSED = 10,
    /// A read-only open of a file whose writer crashed: open it read-write
    /// once (that recovers it), then read-only opens work again.
    KEYRACK_NEEDS_RECOVERY = 11,
    /// A bug in keyrack: a Rust panic was caught at the C boundary. No
    /// output was written; please report it with the last error message.
    KEYRACK_PANIC = 100,
}

use keyrack_result::*;

impl keyrack_result {
    /// Every code, in order (used by the tests and by the message tables).
    pub(crate) const ALL: [keyrack_result; 13] = [
        KEYRACK_OK,
        KEYRACK_INVALID_ARGUMENT,
        KEYRACK_NOT_FOUND,
        KEYRACK_ALREADY_OPEN,
        KEYRACK_WRONG_PROCESS,
        KEYRACK_PEPPER_MISMATCH,
        KEYRACK_INCOMPATIBLE_VERSION,
        KEYRACK_CORRUPTED,
        KEYRACK_READ_ONLY,
        KEYRACK_IO,
        KEYRACK_CLOSED,
        KEYRACK_NEEDS_RECOVERY,
        KEYRACK_PANIC,
    ];

    /// The code of a core error kind. Exhaustive over `ErrorKind::ALL` (a unit
    /// test checks the numbers and names agree); a kind added to the core later
    /// and not yet mapped here reads as `KEYRACK_IO`, the most generic failure.
    pub(crate) fn from_kind(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::InvalidArgument => KEYRACK_INVALID_ARGUMENT,
            ErrorKind::NotFound => KEYRACK_NOT_FOUND,
            ErrorKind::AlreadyOpen => KEYRACK_ALREADY_OPEN,
            ErrorKind::WrongProcess => KEYRACK_WRONG_PROCESS,
            ErrorKind::PepperMismatch => KEYRACK_PEPPER_MISMATCH,
            ErrorKind::IncompatibleVersion => KEYRACK_INCOMPATIBLE_VERSION,
            ErrorKind::Corrupted => KEYRACK_CORRUPTED,
            ErrorKind::ReadOnly => KEYRACK_READ_ONLY,
            ErrorKind::Io => KEYRACK_IO,
            ErrorKind::Closed => KEYRACK_CLOSED,
            ErrorKind::NeedsRecovery => KEYRACK_NEEDS_RECOVERY,
            _ => KEYRACK_IO,
        }
    }

    fn from_u32(code: u32) -> Option<Self> {
        Self::ALL.into_iter().find(|r| *r as u32 == code)
    }

    /// `KEYRACK_NOT_FOUND`, … (NUL-terminated).
    pub(crate) fn name(self) -> &'static CStr {
        match self {
            KEYRACK_OK => c"KEYRACK_OK",
            KEYRACK_INVALID_ARGUMENT => c"KEYRACK_INVALID_ARGUMENT",
            KEYRACK_NOT_FOUND => c"KEYRACK_NOT_FOUND",
            KEYRACK_ALREADY_OPEN => c"KEYRACK_ALREADY_OPEN",
            KEYRACK_WRONG_PROCESS => c"KEYRACK_WRONG_PROCESS",
            KEYRACK_PEPPER_MISMATCH => c"KEYRACK_PEPPER_MISMATCH",
            KEYRACK_INCOMPATIBLE_VERSION => c"KEYRACK_INCOMPATIBLE_VERSION",
            KEYRACK_CORRUPTED => c"KEYRACK_CORRUPTED",
            KEYRACK_READ_ONLY => c"KEYRACK_READ_ONLY",
            KEYRACK_IO => c"KEYRACK_IO",
            KEYRACK_CLOSED => c"KEYRACK_CLOSED",
            KEYRACK_NEEDS_RECOVERY => c"KEYRACK_NEEDS_RECOVERY",
            KEYRACK_PANIC => c"KEYRACK_PANIC",
        }
    }

    fn message(self) -> &'static CStr {
        match self {
            KEYRACK_OK => c"success",
            KEYRACK_INVALID_ARGUMENT => c"an argument was rejected",
            KEYRACK_NOT_FOUND => c"no key with this id",
            KEYRACK_ALREADY_OPEN => c"the store file is already open in another process or handle",
            KEYRACK_WRONG_PROCESS => c"the store handle was used in a child process after fork()",
            KEYRACK_PEPPER_MISMATCH => {
                c"the pepper does not match the one the store was created with"
            }
            KEYRACK_INCOMPATIBLE_VERSION => c"the store's format version is not supported",
            KEYRACK_CORRUPTED => c"the store is corrupted or not a keyrack store",
            KEYRACK_READ_ONLY => c"the store is open read-only",
            KEYRACK_IO => c"an I/O error occurred",
            KEYRACK_CLOSED => c"the store is closed",
            KEYRACK_NEEDS_RECOVERY => {
                c"the store's last writer crashed: open it read-write once to recover it"
            }
            KEYRACK_PANIC => c"internal error: a panic was caught at the C boundary",
        }
    }
}

/// A failure on its way to C: its code and the detail for
/// `keyrack_last_error_message`.
pub(crate) struct Fail {
    pub code: keyrack_result,
    pub detail: String,
}

impl Fail {
    /// `KEYRACK_INVALID_ARGUMENT` with a detail.
    pub fn invalid(detail: impl Into<String>) -> Self {
        Fail {
            code: KEYRACK_INVALID_ARGUMENT,
            detail: detail.into(),
        }
    }
}

impl From<keyrack::Error> for Fail {
    fn from(e: keyrack::Error) -> Self {
        Fail {
            code: keyrack_result::from_kind(e.kind()),
            detail: e.to_string(),
        }
    }
}

thread_local! {
    /// The detail of the last failed call on this thread (never cleared by a
    /// success, like `errno`).
    static LAST_ERROR: RefCell<Option<CString>> = const { RefCell::new(None) };
}

fn set_last_error(function: &str, detail: &str) {
    let text = format!("{function}: {detail}").replace('\0', "\\0");
    let text = CString::new(text).unwrap_or_default();
    LAST_ERROR.with(|e| *e.borrow_mut() = Some(text));
}

/// Runs `body` inside the panic boundary and turns its outcome into a
/// `keyrack_result`, recording the detail of a failure for this thread.
#[inline]
pub(crate) fn guard(
    function: &'static str,
    body: impl FnOnce() -> Result<(), Fail>,
) -> keyrack_result {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => KEYRACK_OK,
        Ok(Err(fail)) => {
            set_last_error(function, &fail.detail);
            fail.code
        }
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            set_last_error(function, &format!("internal error (panic): {what}"));
            KEYRACK_PANIC
        }
    }
}

/// Runs a function that cannot report errors (getters, frees) inside the
/// panic boundary; a panic yields `fallback`.
#[inline]
pub(crate) fn guard_value<T>(function: &'static str, fallback: T, body: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(v) => v,
        Err(_) => {
            set_last_error(function, "internal error (panic)");
            fallback
        }
    }
}

/// A static, NUL-terminated description of a result code ("no key with this
/// id", …). Unknown codes give "unknown keyrack_result". Never NULL; never free it.
#[unsafe(no_mangle)]
pub extern "C" fn keyrack_result_message(result: u32) -> *const c_char {
    match keyrack_result::from_u32(result) {
        Some(r) => r.message().as_ptr(),
        None => c"unknown keyrack_result".as_ptr(),
    }
}

/// The name of a result code ("KEYRACK_NOT_FOUND", …), or
/// "KEYRACK_UNKNOWN" for a number that is not one. Static; never NULL.
#[unsafe(no_mangle)]
pub extern "C" fn keyrack_result_name(result: u32) -> *const c_char {
    match keyrack_result::from_u32(result) {
        Some(r) => r.name().as_ptr(),
        None => c"KEYRACK_UNKNOWN".as_ptr(),
    }
}

/// How many result codes there are: KEYRACK_OK, one per core error kind
/// (the core's `ErrorKind::ALL`), and KEYRACK_PANIC.
#[unsafe(no_mangle)]
pub extern "C" fn keyrack_results_len() -> usize {
    ErrorKind::ALL.len() + 2
}

/// Result code number `index`: 0 is KEYRACK_OK, then one per core error kind
/// in the core's order, then KEYRACK_PANIC; out of range gives
/// KEYRACK_PANIC too. A program (or test) that walks every code reads them
/// here instead of keeping its own list.
#[unsafe(no_mangle)]
pub extern "C" fn keyrack_results_get(index: usize) -> u32 {
    match index.checked_sub(1) {
        None => KEYRACK_OK as u32,
        Some(i) => ErrorKind::ALL
            .get(i)
            .map_or(KEYRACK_PANIC, |k| keyrack_result::from_kind(*k)) as u32,
    }
}

/// The detail of the last call on this thread that did not return
/// KEYRACK_OK, prefixed with the function's name (e.g. "keyrack_get: no key
/// with id ..."). A call that succeeds leaves it alone; it is "" until a call
/// on this thread fails. Never NULL. The text is owned by keyrack and stays
/// valid until the next failing keyrack call on the same thread; never free it.
#[unsafe(no_mangle)]
pub extern "C" fn keyrack_last_error_message() -> *const c_char {
    guard_value("keyrack_last_error_message", c"".as_ptr(), || {
        LAST_ERROR.with(|e| match &*e.borrow() {
            // The CString lives in the thread-local until it is replaced.
            Some(s) => s.as_ptr(),
            None => c"".as_ptr(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_the_core_kinds_one_to_one() {
        for kind in ErrorKind::ALL {
            let r = keyrack_result::from_kind(kind);
            assert_eq!(r as u32, kind.code(), "{kind:?}");
            assert_eq!(
                r.name().to_str().unwrap(),
                format!("KEYRACK_{}", kind.as_str())
            );
        }
        // Every C code but OK and PANIC is some core kind.
        let mapped = keyrack_result::ALL
            .iter()
            .filter(|r| !matches!(r, KEYRACK_OK | KEYRACK_PANIC))
            .count();
        assert_eq!(mapped, ErrorKind::ALL.len());
        for r in keyrack_result::ALL {
            assert_eq!(keyrack_result::from_u32(r as u32), Some(r));
        }
    }
}
