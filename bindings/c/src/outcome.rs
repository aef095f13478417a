//! Verification outcomes as C values, their HTTP answers, and finding a key
//! in request headers.

use std::borrow::Cow;
use std::ffi::{CStr, CString, c_char};
use std::sync::OnceLock;

use keyrack::{Extracted, Outcome};

use crate::error::{Fail, guard, guard_value, keyrack_result};
use crate::ffi::{arg_headers, out};

/// What a verify found. The numbers are stable; 0 is never an outcome, so a
/// zeroed variable never reads as valid.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum keyrack_outcome {
    /// Every check passed: let the request in.
    KEYRACK_OUTCOME_VALID = 1,
    /// Not a well-formed key for this store (length, characters, prefix, checksum, not UTF-8).
    KEYRACK_OUTCOME_MALFORMED = 2,
    /// Well-formed, but no such key is stored.
    KEYRACK_OUTCOME_NOT_FOUND = 3,
    /// The key was revoked.
    KEYRACK_OUTCOME_REVOKED = 4,
    /// The key is disabled.
    KEYRACK_OUTCOME_DISABLED = 5,
    /// The key (or a rotated-out secret past its grace period) has expired.
    KEYRACK_OUTCOME_EXPIRED = 6,
    /// The key lacks a scope the caller asked for.
    KEYRACK_OUTCOME_INSUFFICIENT_SCOPE = 7,
    /// The key's rate limit is spent for now (see keyrack_verification_retry_after_ms).
    KEYRACK_OUTCOME_RATE_LIMITED = 8,
    /// Fewer credits left than the call's cost.
    KEYRACK_OUTCOME_USAGE_EXCEEDED = 9,
    /// No key was presented at all (from keyrack_extract_key).
    KEYRACK_OUTCOME_MISSING = 10,
}

use keyrack_outcome::*;

impl keyrack_outcome {
    /// Every outcome in core order (`Outcome::ALL`).
    pub(crate) const ALL: [keyrack_outcome; 10] = [
        KEYRACK_OUTCOME_VALID,
        KEYRACK_OUTCOME_MALFORMED,
        KEYRACK_OUTCOME_NOT_FOUND,
        KEYRACK_OUTCOME_REVOKED,
        KEYRACK_OUTCOME_DISABLED,
        KEYRACK_OUTCOME_EXPIRED,
        KEYRACK_OUTCOME_INSUFFICIENT_SCOPE,
        KEYRACK_OUTCOME_RATE_LIMITED,
        KEYRACK_OUTCOME_USAGE_EXCEEDED,
        KEYRACK_OUTCOME_MISSING,
    ];

    /// The C value of a core outcome. An outcome added to the core later and
    /// not mapped yet reads as MALFORMED: refused, never let in.
    #[inline]
    pub(crate) fn from_core(o: Outcome) -> Self {
        match o {
            Outcome::Valid => KEYRACK_OUTCOME_VALID,
            Outcome::Malformed => KEYRACK_OUTCOME_MALFORMED,
            Outcome::NotFound => KEYRACK_OUTCOME_NOT_FOUND,
            Outcome::Revoked => KEYRACK_OUTCOME_REVOKED,
            Outcome::Disabled => KEYRACK_OUTCOME_DISABLED,
            Outcome::Expired => KEYRACK_OUTCOME_EXPIRED,
            Outcome::InsufficientScope => KEYRACK_OUTCOME_INSUFFICIENT_SCOPE,
            Outcome::RateLimited => KEYRACK_OUTCOME_RATE_LIMITED,
            Outcome::UsageExceeded => KEYRACK_OUTCOME_USAGE_EXCEEDED,
            Outcome::Missing => KEYRACK_OUTCOME_MISSING,
            _ => KEYRACK_OUTCOME_MALFORMED,
        }
    }
}

/// The core outcome of a C value, if it is one.
pub(crate) fn outcome_from_u32(code: u32) -> Option<Outcome> {
    keyrack_outcome::ALL
        .iter()
        .position(|o| *o as u32 == code)
        .map(|i| Outcome::ALL[i])
}

/// C copies of the core's outcome names and messages, made once.
struct Texts {
    names: Vec<CString>,
    messages: Vec<CString>,
}

fn texts() -> &'static Texts {
    static TEXTS: OnceLock<Texts> = OnceLock::new();
    TEXTS.get_or_init(|| Texts {
        names: Outcome::ALL
            .iter()
            .map(|o| crate::ffi::cstring(o.as_str()))
            .collect(),
        messages: Outcome::ALL
            .iter()
            .map(|o| crate::ffi::cstring(o.message()))
            .collect(),
    })
}

fn text(
    outcome: u32,
    pick: fn(&'static Texts) -> &'static [CString],
    unknown: &'static CStr,
) -> *const c_char {
    match Outcome::ALL
        .iter()
        .position(|o| Some(*o) == outcome_from_u32(outcome))
    {
        Some(i) => pick(texts())[i].as_ptr(),
        None => unknown.as_ptr(),
    }
}

/// The outcome's name, identical in every language: "valid", "malformed",
/// "not_found", "revoked", "disabled", "expired", "insufficient_scope",
/// "rate_limited", "usage_exceeded", "missing"; "unknown" for any other
/// value. Static; never NULL.
#[unsafe(no_mangle)]
pub extern "C" fn keyrack_outcome_name(outcome: u32) -> *const c_char {
    guard_value("keyrack_outcome_name", c"unknown".as_ptr(), || {
        text(outcome, |t| &t.names, c"unknown")
    })
}

/// The HTTP status to answer with: 200 (valid), 401 (missing, malformed,
/// not_found, expired), 403 (revoked, disabled, insufficient_scope) or 429
/// (rate_limited, usage_exceeded); 500 for a value that is not an outcome.
#[unsafe(no_mangle)]
pub extern "C" fn keyrack_outcome_http_status(outcome: u32) -> u16 {
    guard_value("keyrack_outcome_http_status", 500, || {
        outcome_from_u32(outcome).map_or(500, Outcome::http_status)
    })
}

/// A short message safe to send to the client ("API key has expired", …;
/// it never names the key); "Internal error" for a value that is not an
/// outcome. Static; never NULL.
#[unsafe(no_mangle)]
pub extern "C" fn keyrack_outcome_message(outcome: u32) -> *const c_char {
    guard_value(
        "keyrack_outcome_message",
        c"Internal error".as_ptr(),
        || text(outcome, |t| &t.messages, c"Internal error"),
    )
}

/// Finds the API key in request headers: `x-api-key: <key>` (name in any
/// case), `Authorization: Api-Key <key>` or `Authorization: Bearer <key>`;
/// `x-api-key` wins when both are present.
///
/// Header `i` is `names[i]` (`name_lens[i]` bytes) and `values[i]`
/// (`value_lens[i]` bytes): not NUL-terminated, as HTTP servers hold them.
/// `count` may be 0, but no array pointer may be NULL.
///
/// On KEYRACK_OK, `*out_key`/`*out_key_len` point into the caller's value
/// (nothing is copied), or are NULL/0 when no key was presented: answer
/// KEYRACK_OUTCOME_MISSING (401, "API key is required"). A header name that
/// is not UTF-8 is skipped; a value that is not UTF-8 is returned whole, and
/// keyrack_verify then answers KEYRACK_OUTCOME_MALFORMED.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_extract_key(
    names: *const *const c_char,
    name_lens: *const usize,
    values: *const *const c_char,
    value_lens: *const usize,
    count: usize,
    out_key: *mut *const c_char,
    out_key_len: *mut usize,
) -> keyrack_result {
    guard("keyrack_extract_key", || {
        // SAFETY: NULL or `count` elements each, per the API conventions.
        let headers = unsafe { arg_headers(names, name_lens, values, value_lens, count) }?;
        let out_key = out(out_key, "out_key")?;
        let out_len = out(out_key_len, "out_key_len")?;
        let found = keyrack::extract_key(headers.iter().map(|h| (h.name, h.value.as_ref())));
        let (ptr, len) = match found {
            Extracted::Key(k) => {
                // The key is a slice of one header's text: find it, then point
                // at the same bytes of the caller's value.
                let start = k.as_ptr() as usize;
                let h = headers
                    .iter()
                    .find(|h| {
                        let b = h.value.as_ptr() as usize;
                        start >= b && start + k.len() <= b + h.value.len()
                    })
                    .ok_or_else(|| Fail::invalid("internal: key outside the headers"))?;
                match &h.value {
                    Cow::Borrowed(v) => {
                        let offset = start - v.as_ptr() as usize;
                        (h.raw[offset..].as_ptr().cast::<c_char>(), k.len())
                    }
                    Cow::Owned(_) => (h.raw.as_ptr().cast::<c_char>(), h.raw.len()),
                }
            }
            _ => (std::ptr::null(), 0),
        };
        // SAFETY: checked output pointers.
        unsafe {
            out_key.write(ptr);
            out_len.write(len);
        }
        Ok(())
    })
}

/// How many outcomes there are: the length of the core's list
/// (`Outcome::ALL`), which keyrack_outcomes_get walks.
#[unsafe(no_mangle)]
pub extern "C" fn keyrack_outcomes_len() -> usize {
    Outcome::ALL.len()
}

/// Outcome number `index` of the core's list, in its order (valid first,
/// missing last), or 0 (no outcome) when `index` is out of range. A program
/// (or test) that walks every outcome reads them here instead of keeping its
/// own list.
#[unsafe(no_mangle)]
pub extern "C" fn keyrack_outcomes_get(index: usize) -> u32 {
    Outcome::ALL
        .get(index)
        .map_or(0, |o| keyrack_outcome::from_core(*o) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_map_one_to_one_with_matching_names() {
        assert_eq!(keyrack_outcome::ALL.len(), Outcome::ALL.len());
        for (c, o) in keyrack_outcome::ALL.iter().zip(Outcome::ALL) {
            assert_eq!(keyrack_outcome::from_core(o), *c);
            assert_eq!(outcome_from_u32(*c as u32), Some(o));
            assert_eq!(
                format!("{c:?}"),
                format!("KEYRACK_OUTCOME_{}", o.as_str().to_uppercase())
            );
        }
        assert_eq!(outcome_from_u32(0), None);
    }
}
