//! Moving records between stores: export and import as JSON lines.

use std::ffi::{CString, c_char};

use crate::error::{Fail, guard, keyrack_result};
use crate::ffi::{arg, arg_bytes, out, out_opt};
use crate::store::keyrack_store;

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
        let text = std::str::from_utf8(bytes)
            .map_err(|e| Fail::invalid(format!("`text` is not valid UTF-8 ({e})")))?;
        let o = out_opt(out_imported);
        let n = s.store.import_json_lines(text)?;
        if let Some(o) = o {
            // SAFETY: non-NULL output pointer.
            unsafe { o.write(n) };
        }
        Ok(())
    })
}
