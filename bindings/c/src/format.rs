//! The key format, for secret scanners and the shared format vectors.

use std::ffi::{CString, c_char};

use keyrack::format::{self, FormatError};

use crate::error::{Fail, guard, guard_value, keyrack_result};
use crate::ffi::{arg_bytes, arg_str, out, out_opt};

/// Why a string is not a well-formed key or prefix. Stable numbers;
/// KEYRACK_FORMAT_OK (0) means it is well-formed.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum keyrack_format_error {
    /// Well-formed.
    KEYRACK_FORMAT_OK = 0,
    /// Empty input.
    KEYRACK_FORMAT_EMPTY = 1,
    /// Longer than 256 bytes.
    KEYRACK_FORMAT_TOO_LONG = 2,
    /// Shorter than the shortest possible key.
    KEYRACK_FORMAT_TOO_SHORT = 3,
    /// A character outside the allowed set (also any non-ASCII byte).
    KEYRACK_FORMAT_BAD_CHARACTER = 4,
    /// The prefix breaks the prefix rules.
    KEYRACK_FORMAT_BAD_PREFIX = 5,
    /// The check characters do not match the CRC32 of the rest.
    KEYRACK_FORMAT_BAD_CHECKSUM = 6,
    /// Malformed for a reason this version of the C API has no number for.
    KEYRACK_FORMAT_OTHER = 99,
}

use keyrack_format_error::*;

const ERRORS: [(keyrack_format_error, FormatError); 6] = [
    (KEYRACK_FORMAT_EMPTY, FormatError::Empty),
    (KEYRACK_FORMAT_TOO_LONG, FormatError::TooLong),
    (KEYRACK_FORMAT_TOO_SHORT, FormatError::TooShort),
    (KEYRACK_FORMAT_BAD_CHARACTER, FormatError::BadCharacter),
    (KEYRACK_FORMAT_BAD_PREFIX, FormatError::BadPrefix),
    (KEYRACK_FORMAT_BAD_CHECKSUM, FormatError::BadChecksum),
];

fn code(e: FormatError) -> keyrack_format_error {
    ERRORS
        .iter()
        .find(|(_, f)| *f == e)
        .map_or(KEYRACK_FORMAT_OTHER, |(c, _)| *c)
}

/// Checks a key's format without any store: `key_len` bytes at `key` (need
/// not be NUL-terminated). On KEYRACK_OK, `*out_error` is KEYRACK_FORMAT_OK
/// or the reason it is malformed, and `*out_prefix_len` (may be NULL) the
/// prefix length of a well-formed key (the key is `<prefix>_<43 body><6
/// check>`), else 0. It does not know which prefixes a store accepts.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_format_parse(
    key: *const c_char,
    key_len: usize,
    out_error: *mut keyrack_format_error,
    out_prefix_len: *mut usize,
) -> keyrack_result {
    guard("keyrack_format_parse", || {
        // SAFETY: NULL or `key_len` readable bytes.
        let bytes = unsafe { arg_bytes(key.cast(), key_len, "key") }?;
        let o = out(out_error, "out_error")?;
        let prefix_len = out_opt(out_prefix_len);
        // Bytes that are not UTF-8 are not ASCII either: the core sees the
        // replacement character and answers bad_character (or too_long).
        let text = String::from_utf8_lossy(bytes);
        let (err, plen) = match format::parse(&text) {
            Ok(p) => (KEYRACK_FORMAT_OK, p.prefix().len()),
            Err(e) => (code(e), 0),
        };
        // SAFETY: checked output pointers.
        unsafe {
            o.write(err);
            if let Some(p) = prefix_len {
                p.write(plen);
            }
        }
        Ok(())
    })
}

/// Checks a prefix (NUL-terminated): 1-20 chars of [a-z0-9_], starting with
/// a letter, no "__", no trailing "_". On KEYRACK_OK `*out_error` is
/// KEYRACK_FORMAT_OK or KEYRACK_FORMAT_BAD_PREFIX. A prefix that is not UTF-8
/// is KEYRACK_INVALID_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_format_check_prefix(
    prefix: *const c_char,
    out_error: *mut keyrack_format_error,
) -> keyrack_result {
    guard("keyrack_format_check_prefix", || {
        // SAFETY: NULL or NUL-terminated.
        let p = unsafe { arg_str(prefix, "prefix") }?;
        let o = out(out_error, "out_error")?;
        let e = format::validate_prefix(p).map_or_else(code, |()| KEYRACK_FORMAT_OK);
        // SAFETY: checked output pointer.
        unsafe { o.write(e) };
        Ok(())
    })
}

/// Builds the key for `prefix` (NUL-terminated) and the 32 body bytes at
/// `body` (`body_len` must be 32), as a store would from random bytes. For
/// tests and vectors. `*out_key` is NUL-terminated; free (and wipe) it with
/// keyrack_key_free.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_format_compose(
    prefix: *const c_char,
    body: *const u8,
    body_len: usize,
    out_key: *mut *mut c_char,
) -> keyrack_result {
    guard("keyrack_format_compose", || {
        // SAFETY: NULL or valid pointers.
        let (p, b) = unsafe {
            (
                arg_str(prefix, "prefix")?,
                arg_bytes(body, body_len, "body")?,
            )
        };
        let o = out(out_key, "out_key")?;
        let body: &[u8; format::BODY_BYTES] = b.try_into().map_err(|_| {
            Fail::invalid(format!(
                "`body_len` must be {}, got {body_len}",
                format::BODY_BYTES
            ))
        })?;
        let key = format::compose(p, body).map_err(|e| Fail::invalid(format!("`prefix`: {e}")))?;
        let text = key.expose();
        let mut bytes = Vec::with_capacity(text.len() + 1);
        bytes.extend_from_slice(text.as_bytes());
        bytes.push(0);
        let c = CString::from_vec_with_nul(bytes)
            .map_err(|_| Fail::invalid("internal: NUL in a key"))?;
        // SAFETY: checked output pointer.
        unsafe { o.write(c.into_raw()) };
        Ok(())
    })
}

/// The snake_case name of a format error, as the test vectors spell it:
/// "ok", "empty", "too_long", "too_short", "bad_character", "bad_prefix",
/// "bad_checksum", "other" (also for unknown values). Static; never NULL.
#[unsafe(no_mangle)]
pub extern "C" fn keyrack_format_error_name(error: u32) -> *const c_char {
    guard_value(
        "keyrack_format_error_name",
        c"other".as_ptr(),
        || match error {
            0 => c"ok".as_ptr(),
            1 => c"empty".as_ptr(),
            2 => c"too_long".as_ptr(),
            3 => c"too_short".as_ptr(),
            4 => c"bad_character".as_ptr(),
            5 => c"bad_prefix".as_ptr(),
            6 => c"bad_checksum".as_ptr(),
            _ => c"other".as_ptr(),
        },
    )
}

/// The documented regular expression (POSIX ERE compatible) matching every
/// well-formed key; confirm matches with keyrack_format_parse. Static.
#[unsafe(no_mangle)]
pub extern "C" fn keyrack_format_regex() -> *const c_char {
    static REGEX: std::sync::OnceLock<CString> = std::sync::OnceLock::new();
    guard_value("keyrack_format_regex", c"".as_ptr(), || {
        REGEX
            .get_or_init(|| crate::ffi::cstring(format::REGEX))
            .as_ptr()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_error_names_follow_the_core() {
        for (c, e) in ERRORS {
            // SAFETY: static NUL-terminated strings.
            let name = unsafe { std::ffi::CStr::from_ptr(keyrack_format_error_name(c as u32)) };
            assert_eq!(name.to_str().unwrap(), e.as_str());
            assert_eq!(
                format!("{c:?}"),
                format!("KEYRACK_FORMAT_{}", e.as_str().to_uppercase())
            );
        }
    }
}
