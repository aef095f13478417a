//! Moving records between stores: export, import as JSON lines, and the
//! import's dry run keyrack_import_check.

use std::ffi::{CString, c_char};

use keyrack::{ErrorKind, ImportCheck};

use crate::error::{Fail, guard, guard_value, keyrack_result};
use crate::ffi::{arg, arg_bytes, cstring, free_handle, into_handle, out, out_opt, wipe_and_free};
use crate::open::keyrack_store;

/// Writes every record (never a secret) as one line of JSON each, in id
/// order, with its status at the time of the export, then one line per
/// owner's credit pool, into a new
/// NUL-terminated UTF-8 buffer `*out_jsonl`: the format of `keyrack export`,
/// read back by keyrack_import_json_lines. `*out_len` (unless NULL) receives
/// its length in bytes without the NUL, `*out_count` (unless NULL) how many
/// records it holds. An empty store gives "" and 0. The buffer is the
/// caller's: treat it as read-only and release it with keyrack_string_free.
///
/// ```c
/// char *jsonl = NULL;
/// size_t len = 0, count = 0;
/// if (keyrack_export(store, &jsonl, &len, &count) == KEYRACK_OK) {
///     fwrite(jsonl, 1, len, stdout);
///     keyrack_string_free(jsonl);
/// }
/// ```
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_export(
    store: *const keyrack_store,
    out_jsonl: *mut *mut c_char,
    out_len: *mut usize,
    out_count: *mut usize,
) -> keyrack_result {
    guard("keyrack_export", || {
        // SAFETY: NULL or a live handle.
        let s = unsafe { arg(store, "store") }?;
        let o = out(out_jsonl, "out_jsonl")?;
        let (len, count) = (out_opt(out_len), out_opt(out_count));
        let mut bytes = Vec::new();
        let n = s.store.export(&mut bytes)?;
        let text_len = bytes.len();
        // JSON escapes every control character, so an export holds no NUL.
        let c = CString::new(bytes).expect("an export holds no NUL byte");
        // SAFETY: checked output pointers.
        unsafe {
            o.write(c.into_raw());
            if let Some(l) = len {
                l.write(text_len);
            }
            if let Some(c) = count {
                c.write(n);
            }
        }
        Ok(())
    })
}

/// Imports records written by keyrack_export (or `keyrack export`):
/// `text_len` bytes of UTF-8 at `text` (need not be NUL-terminated; must not
/// be NULL, even when `text_len` is 0), one record per line, blank lines
/// skipped, in one transaction: all lines or none. Records carry no secret,
/// so an imported key verifies as KEYRACK_OUTCOME_NOT_FOUND until
/// keyrack_rotate gives it a new one; counters and credits are kept as
/// exported. A line that is not a record, an id already in this store, a
/// repeated id or a prefix this store does not accept is
/// KEYRACK_INVALID_ARGUMENT, and keyrack_last_error_message() names the line
/// ("line 3: ..."). Text that is not UTF-8 is KEYRACK_INVALID_ARGUMENT.
/// `*out_imported` (unless NULL) receives how many records were imported.
///
/// ```c
/// size_t imported = 0;
/// if (keyrack_import_json_lines(store, jsonl, len, &imported) != KEYRACK_OK)
///     fprintf(stderr, "import: %s\n", keyrack_last_error_message());
/// ```
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_import_json_lines(
    store: *const keyrack_store,
    text: *const c_char,
    text_len: usize,
    out_imported: *mut usize,
) -> keyrack_result {
    guard("keyrack_import_json_lines", || {
        // SAFETY: NULL or live pointers, per the API conventions.
        let (s, bytes) = unsafe {
            (
                arg(store, "store")?,
                arg_bytes(text.cast(), text_len, "text")?,
            )
        };
        let text = utf8_text(bytes)?;
        let o = out_opt(out_imported);
        let n = s.store.import_json_lines(text)?;
        if let Some(o) = o {
            // SAFETY: non-NULL output pointer.
            unsafe { o.write(n) };
        }
        Ok(())
    })
}

/// Frees a string keyrack allocated for the caller that is not a secret,
/// such as the text of keyrack_export (wiped all the same). Its end is found
/// by its NUL, so it must be unmodified. NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_string_free(text: *mut c_char) {
    // SAFETY: NULL or a string from this library, as the caller promises.
    guard_value("keyrack_string_free", (), || unsafe { wipe_and_free(text) })
}

fn utf8_text(bytes: &[u8]) -> Result<&str, Fail> {
    std::str::from_utf8(bytes)
        .map_err(|e| Fail::invalid(format!("`text` is not valid UTF-8 ({e})")))
}

/// What keyrack_import_check found (read it with the
/// keyrack_import_report_* getters). Not synchronised.
pub struct keyrack_import_report {
    check: ImportCheck,
    ids: Vec<CString>,
    refusal: Option<(Option<usize>, CString)>,
}

/// The dry run of keyrack_import_json_lines: makes every check the import
/// makes on the same text (`text_len` bytes of UTF-8 at `text`, not NULL)
/// and writes nothing. On KEYRACK_OK, `*out_report` says what the import
/// would do, refusals included: a refused text is an answer here, not an
/// error (see keyrack_import_report_refusal and
/// keyrack_import_report_refused_line). Errors are store failures
/// (KEYRACK_CLOSED, KEYRACK_IO, …), NULL arguments and text that is not
/// UTF-8. Free the report with keyrack_import_report_free.
///
/// ```c
/// keyrack_import_report *report = NULL;
/// size_t line = 0;
/// if (keyrack_import_check(store, jsonl, len, &report) == KEYRACK_OK &&
///     keyrack_import_report_refused_line(report, &line))
///     fprintf(stderr, "line %zu: %s\n", line, keyrack_import_report_refusal(report));
/// keyrack_import_report_free(report);
/// ```
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_import_check(
    store: *const keyrack_store,
    text: *const c_char,
    text_len: usize,
    out_report: *mut *mut keyrack_import_report,
) -> keyrack_result {
    guard("keyrack_import_check", || {
        // SAFETY: NULL or live pointers, per the API conventions.
        let (s, bytes) = unsafe {
            (
                arg(store, "store")?,
                arg_bytes(text.cast(), text_len, "text")?,
            )
        };
        let text = utf8_text(bytes)?;
        let o = out(out_report, "out_report")?;
        let report = match s.store.check_import_json_lines(text) {
            Ok(check) => keyrack_import_report {
                ids: check
                    .already_present
                    .iter()
                    .map(|(_, id)| cstring(id))
                    .collect(),
                check,
                refusal: None,
            },
            // The text is refused: that is the answer.
            Err(e) if e.error.kind() == ErrorKind::InvalidArgument => keyrack_import_report {
                check: ImportCheck::default(),
                ids: Vec::new(),
                refusal: Some((e.line, cstring(&keyrack::Error::from(e).to_string()))),
            },
            // The store failed: an error like any other.
            Err(e) => return Err(keyrack::Error::from(e).into()),
        };
        // SAFETY: checked output pointer.
        unsafe { o.write(into_handle(report)) };
        Ok(())
    })
}

fn report<T: Copy>(
    function: &'static str,
    report: *const keyrack_import_report,
    fallback: T,
    f: impl FnOnce(&keyrack_import_report) -> T,
) -> T {
    guard_value(function, fallback, || {
        // SAFETY: NULL or a live handle, per the API conventions.
        match unsafe { report.as_ref() } {
            Some(r) => f(r),
            None => fallback,
        }
    })
}

/// true when keyrack_import_json_lines of the same text would import it now:
/// nothing refused and no id already present (false for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_import_report_ok(report: *const keyrack_import_report) -> bool {
    self::report("keyrack_import_report_ok", report, false, |r| {
        r.refusal.is_none() && r.check.already_present.is_empty()
    })
}

/// How many records the text holds (0 when refused, and for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_import_report_records(
    report: *const keyrack_import_report,
) -> usize {
    self::report("keyrack_import_report_records", report, 0, |r| {
        r.check.records
    })
}

/// How many owners' credit pools the text holds (0 when refused, and for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_import_report_pools(
    report: *const keyrack_import_report,
) -> usize {
    self::report("keyrack_import_report_pools", report, 0, |r| r.check.pools)
}

/// How many records of the text have an id this store already has (an
/// import refuses the first of them; 0 for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_import_report_already_present_len(
    report: *const keyrack_import_report,
) -> usize {
    self::report(
        "keyrack_import_report_already_present_len",
        report,
        0,
        |r| r.check.already_present.len(),
    )
}

/// The id of already-present record number `index` (in line order), or NULL
/// when out of range. Borrowed from the report.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_import_report_already_present_id(
    report: *const keyrack_import_report,
    index: usize,
) -> *const c_char {
    self::report(
        "keyrack_import_report_already_present_id",
        report,
        std::ptr::null(),
        |r| r.ids.get(index).map_or(std::ptr::null(), |c| c.as_ptr()),
    )
}

/// The 1-based line of already-present record number `index`, or 0 when
/// out of range.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_import_report_already_present_line(
    report: *const keyrack_import_report,
    index: usize,
) -> usize {
    self::report(
        "keyrack_import_report_already_present_line",
        report,
        0,
        |r| r.check.already_present.get(index).map_or(0, |(l, _)| *l),
    )
}

/// Why the text is refused: the message keyrack_import_json_lines would
/// fail with ("line 3: ..."), or NULL when nothing is refused (already
/// present ids aside). Borrowed from the report.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_import_report_refusal(
    report: *const keyrack_import_report,
) -> *const c_char {
    self::report(
        "keyrack_import_report_refusal",
        report,
        std::ptr::null(),
        |r| {
            r.refusal
                .as_ref()
                .map_or(std::ptr::null(), |(_, m)| m.as_ptr())
        },
    )
}

/// The 1-based line (blank lines counted) the refusal is about: writes
/// `*out_line` and returns true, or returns false when nothing is refused
/// or the refusal names no line.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_import_report_refused_line(
    report: *const keyrack_import_report,
    out_line: *mut usize,
) -> bool {
    self::report("keyrack_import_report_refused_line", report, false, |r| {
        match (r.refusal.as_ref().and_then(|(l, _)| *l), out_line.is_null()) {
            (Some(l), false) => {
                // SAFETY: non-NULL output pointer from the caller.
                unsafe { out_line.write(l) };
                true
            }
            _ => false,
        }
    })
}

/// Frees an import report. NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_import_report_free(report: *mut keyrack_import_report) {
    // SAFETY: NULL or a handle from keyrack_import_check.
    guard_value("keyrack_import_report_free", (), || unsafe {
        free_handle(report)
    })
}
