//! The one place that turns C pointers into Rust references, so no exported
//! function repeats a NULL or UTF-8 check.

use std::ffi::{CStr, CString, c_char};
use std::time::Duration;

use zeroize::Zeroize;

use crate::error::Fail;

/// A checked, non-NULL output pointer, written only once the call succeeded.
pub(crate) struct Out<T>(*mut T);

impl<T> Out<T> {
    /// Writes the output.
    ///
    /// # Safety
    /// The pointer came from the caller as a valid place for a `T`.
    pub(crate) unsafe fn write(self, value: T) {
        // SAFETY: checked non-NULL in `out`; valid per the API contract.
        unsafe { self.0.write(value) }
    }
}

/// Checks an output pointer.
pub(crate) fn out<T>(p: *mut T, name: &str) -> Result<Out<T>, Fail> {
    if p.is_null() {
        Err(Fail::invalid(format!("`{name}` is NULL")))
    } else {
        Ok(Out(p))
    }
}

/// An optional output pointer: NULL means the caller does not want it.
pub(crate) fn out_opt<T>(p: *mut T) -> Option<Out<T>> {
    (!p.is_null()).then_some(Out(p))
}

/// A handle or other input the caller must provide.
///
/// # Safety
/// `p` is NULL or points to a live `T` for `'a`.
pub(crate) unsafe fn arg<'a, T>(p: *const T, name: &str) -> Result<&'a T, Fail> {
    // SAFETY: per the contract above.
    unsafe { p.as_ref() }.ok_or_else(|| Fail::invalid(format!("`{name}` is NULL")))
}

/// A handle the call changes.
///
/// # Safety
/// `p` is NULL or points to a live `T`, not used elsewhere during the call.
pub(crate) unsafe fn arg_mut<'a, T>(p: *mut T, name: &str) -> Result<&'a mut T, Fail> {
    // SAFETY: per the contract above.
    unsafe { p.as_mut() }.ok_or_else(|| Fail::invalid(format!("`{name}` is NULL")))
}

/// A NUL-terminated UTF-8 string.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string alive for `'a`.
pub(crate) unsafe fn arg_str<'a>(p: *const c_char, name: &str) -> Result<&'a str, Fail> {
    if p.is_null() {
        return Err(Fail::invalid(format!("`{name}` is NULL")));
    }
    // SAFETY: non-NULL and NUL-terminated per the contract above.
    let bytes = unsafe { CStr::from_ptr(p) }.to_bytes();
    std::str::from_utf8(bytes)
        .map_err(|e| Fail::invalid(format!("`{name}` is not valid UTF-8 ({e})")))
}

/// `len` bytes at `p`; `p` must not be NULL, even when `len` is 0.
///
/// # Safety
/// `p` is NULL or points to `len` readable bytes alive for `'a`.
pub(crate) unsafe fn arg_bytes<'a>(p: *const u8, len: usize, name: &str) -> Result<&'a [u8], Fail> {
    if p.is_null() {
        return Err(Fail::invalid(format!("`{name}` is NULL")));
    }
    if len > isize::MAX as usize {
        return Err(Fail::invalid(format!("`{name}` length is too large")));
    }
    // SAFETY: non-NULL, `len` readable bytes per the contract above.
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// `count` elements at `p` (an array of pointers, lengths, …).
///
/// # Safety
/// `p` is NULL or points to `count` readable `T`s alive for `'a`.
pub(crate) unsafe fn arg_array<'a, T>(
    p: *const T,
    count: usize,
    name: &str,
) -> Result<&'a [T], Fail> {
    if p.is_null() {
        return Err(Fail::invalid(format!("`{name}` is NULL")));
    }
    if count > isize::MAX as usize / std::mem::size_of::<T>().max(1) {
        return Err(Fail::invalid(format!("`{name}` count is too large")));
    }
    // SAFETY: non-NULL, `count` elements per the contract above.
    Ok(unsafe { std::slice::from_raw_parts(p, count) })
}

/// A duration in milliseconds; negative is refused.
pub(crate) fn millis(ms: i64, name: &str) -> Result<Duration, Fail> {
    u64::try_from(ms)
        .map(Duration::from_millis)
        .map_err(|_| Fail::invalid(format!("`{name}` must not be negative (got {ms})")))
}

/// A duration as i64 milliseconds, saturating.
pub(crate) fn to_millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Moves a value to the heap for C.
pub(crate) fn into_handle<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Frees a handle made by `into_handle`; NULL does nothing.
///
/// # Safety
/// `p` is NULL or came from `into_handle::<T>` and was not freed yet.
pub(crate) unsafe fn free_handle<T>(p: *mut T) {
    if !p.is_null() {
        // SAFETY: per the contract above.
        drop(unsafe { Box::from_raw(p) });
    }
}

/// A C copy of a Rust string. The core refuses NUL inside text, so this
/// never truncates in practice; should one slip in, the string ends there.
pub(crate) fn cstring(s: &str) -> CString {
    match CString::new(s) {
        Ok(c) => c,
        Err(e) => {
            let end = e.nul_position();
            CString::new(&s.as_bytes()[..end]).unwrap_or_default()
        }
    }
}

/// Borrowed pointer of an optional C string (NULL when absent).
pub(crate) fn opt_ptr(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(std::ptr::null(), |c| c.as_ptr())
}

/// Wipes and frees a string made by `CString::into_raw` here.
///
/// # Safety
/// `p` is NULL or came from `CString::into_raw` in this library, unmodified.
pub(crate) unsafe fn wipe_and_free(p: *mut c_char) {
    if !p.is_null() {
        // SAFETY: per this function's contract.
        let c = unsafe { CString::from_raw(p) };
        let mut bytes = c.into_bytes_with_nul();
        bytes.zeroize();
    }
}

/// An optional NUL-terminated UTF-8 string: NULL is `None`.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string alive for `'a`.
pub(crate) unsafe fn arg_opt_str<'a>(
    p: *const c_char,
    name: &str,
) -> Result<Option<&'a str>, Fail> {
    if p.is_null() {
        Ok(None)
    } else {
        // SAFETY: per the contract above.
        unsafe { arg_str(p, name) }.map(Some)
    }
}

/// One HTTP header as C hands it over: its name when that is UTF-8 (else it
/// is skipped), its raw value, and the value as text (a lossy copy when not
/// UTF-8, so the core still sees a header was presented).
pub(crate) struct Header<'a> {
    pub name: &'a str,
    pub raw: &'a [u8],
    pub value: std::borrow::Cow<'a, str>,
}

/// The header arrays of keyrack_extract_key and keyrack_verify_headers:
/// header `i` is `names[i]` (`name_lens[i]` bytes) and `values[i]`
/// (`value_lens[i]` bytes).
///
/// # Safety
/// Each array is NULL or `count` elements; each element NULL or that many bytes.
pub(crate) unsafe fn arg_headers<'a>(
    names: *const *const c_char,
    name_lens: *const usize,
    values: *const *const c_char,
    value_lens: *const usize,
    count: usize,
) -> Result<Vec<Header<'a>>, Fail> {
    // SAFETY: NULL or `count` elements each, per the contract above.
    let (names, name_lens, values, value_lens) = unsafe {
        (
            arg_array(names, count, "names")?,
            arg_array(name_lens, count, "name_lens")?,
            arg_array(values, count, "values")?,
            arg_array(value_lens, count, "value_lens")?,
        )
    };
    let mut headers = Vec::with_capacity(count);
    for i in 0..count {
        // SAFETY: each element is NULL or that many readable bytes.
        let name = unsafe { arg_bytes(names[i].cast(), name_lens[i], "names[i]")? };
        // SAFETY: as above.
        let raw = unsafe { arg_bytes(values[i].cast(), value_lens[i], "values[i]")? };
        let Ok(name) = std::str::from_utf8(name) else {
            continue;
        };
        headers.push(Header {
            name,
            raw,
            value: String::from_utf8_lossy(raw),
        });
    }
    Ok(headers)
}

/// The core value a C constant names: `KEYRACK_STATUS_ACTIVE` is
/// `"active".parse::<Status>()`, so the C enums carry the numbers and the
/// core's `FromStr` the meaning.
pub(crate) fn core_named<T: std::str::FromStr>(c: impl std::fmt::Debug, prefix: &str) -> Option<T> {
    format!("{c:?}")
        .strip_prefix(prefix)?
        .to_ascii_lowercase()
        .parse()
        .ok()
}
