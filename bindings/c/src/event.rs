//! `keyrack_audit_event`: one audit event, read through getters, and the
//! C values of the core's audit kinds.

use std::ffi::{CString, c_char};
use std::sync::OnceLock;

use keyrack::{AuditEvent, AuditKind};

use crate::error::guard_value;
use crate::ffi::{core_named, cstring};

/// What an audit event records. Stable numbers; 0 is for a kind this build
/// of the C API does not know (and for a NULL event).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum keyrack_audit_kind {
    /// Not a kind this version knows.
    KEYRACK_AUDIT_UNKNOWN = 0,
    /// A key was issued.
    KEYRACK_AUDIT_ISSUED = 1,
    /// A key was revoked.
    KEYRACK_AUDIT_REVOKED = 2,
    /// A key got a new secret.
    KEYRACK_AUDIT_ROTATED = 3,
    /// A key's settings changed.
    KEYRACK_AUDIT_UPDATED = 4,
    /// A key was enabled.
    KEYRACK_AUDIT_ENABLED = 5,
    /// A key was disabled.
    KEYRACK_AUDIT_DISABLED = 6,
    /// A key's record was purged.
    KEYRACK_AUDIT_PURGED = 7,
    /// Credits were added to a key (keyrack_add_credits); the detail says how many.
    KEYRACK_AUDIT_CREDITS_ADDED = 8,
    /// An owner's pool was set (keyrack_pool_set); empty id, the detail names the owner.
    KEYRACK_AUDIT_POOL_SET = 9,
    /// Credits were added to an owner's pool (keyrack_pool_add_credits); empty id.
    KEYRACK_AUDIT_POOL_CREDITS_ADDED = 10,
    /// The store began accepting a prefix (keyrack_store_add_prefix); empty id.
    KEYRACK_AUDIT_PREFIX_ADDED = 11,
    /// The store stopped accepting a prefix (keyrack_store_remove_prefix); empty id.
    KEYRACK_AUDIT_PREFIX_REMOVED = 12,
}

impl keyrack_audit_kind {
    const ALL: [keyrack_audit_kind; 12] = [
        keyrack_audit_kind::KEYRACK_AUDIT_ISSUED,
        keyrack_audit_kind::KEYRACK_AUDIT_REVOKED,
        keyrack_audit_kind::KEYRACK_AUDIT_ROTATED,
        keyrack_audit_kind::KEYRACK_AUDIT_UPDATED,
        keyrack_audit_kind::KEYRACK_AUDIT_ENABLED,
        keyrack_audit_kind::KEYRACK_AUDIT_DISABLED,
        keyrack_audit_kind::KEYRACK_AUDIT_PURGED,
        keyrack_audit_kind::KEYRACK_AUDIT_CREDITS_ADDED,
        keyrack_audit_kind::KEYRACK_AUDIT_POOL_SET,
        keyrack_audit_kind::KEYRACK_AUDIT_POOL_CREDITS_ADDED,
        keyrack_audit_kind::KEYRACK_AUDIT_PREFIX_ADDED,
        keyrack_audit_kind::KEYRACK_AUDIT_PREFIX_REMOVED,
    ];

    /// Each C kind with the core kind it names, made once.
    pub(crate) fn table() -> &'static [(keyrack_audit_kind, AuditKind)] {
        static TABLE: OnceLock<Vec<(keyrack_audit_kind, AuditKind)>> = OnceLock::new();
        TABLE.get_or_init(|| {
            Self::ALL
                .into_iter()
                .filter_map(|c| Some((c, core_named(c, "KEYRACK_AUDIT_")?)))
                .collect()
        })
    }

    /// The C value of a core kind; a kind this build does not know is UNKNOWN.
    pub(crate) fn from_core(kind: AuditKind) -> Self {
        Self::table()
            .iter()
            .find(|(_, k)| *k == kind)
            .map_or(keyrack_audit_kind::KEYRACK_AUDIT_UNKNOWN, |(c, _)| *c)
    }
}

/// One audit event (never a secret).
pub struct keyrack_audit_event {
    at_ms: i64,
    seq: u64,
    kind: keyrack_audit_kind,
    id: CString,
    detail: CString,
}

impl keyrack_audit_event {
    pub(crate) fn new(e: AuditEvent) -> Self {
        keyrack_audit_event {
            at_ms: keyrack::to_millis(e.at),
            seq: e.seq,
            kind: keyrack_audit_kind::from_core(e.kind),
            id: cstring(&e.id),
            detail: cstring(&e.detail),
        }
    }
}
/// When the event happened, ms since the Unix epoch (0 for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_audit_event_at_ms(event: *const keyrack_audit_event) -> i64 {
    // SAFETY: NULL or a live handle.
    guard_value("keyrack_audit_event_at_ms", 0, || {
        unsafe { event.as_ref() }.map_or(0, |e| e.at_ms)
    })
}

/// Order among events of the same millisecond (0 for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_audit_event_seq(event: *const keyrack_audit_event) -> u64 {
    // SAFETY: NULL or a live handle.
    guard_value("keyrack_audit_event_seq", 0, || {
        unsafe { event.as_ref() }.map_or(0, |e| e.seq)
    })
}

/// What happened (KEYRACK_AUDIT_UNKNOWN for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_audit_event_kind(
    event: *const keyrack_audit_event,
) -> keyrack_audit_kind {
    // SAFETY: NULL or a live handle.
    guard_value(
        "keyrack_audit_event_kind",
        keyrack_audit_kind::KEYRACK_AUDIT_UNKNOWN,
        || unsafe { event.as_ref() }.map_or(keyrack_audit_kind::KEYRACK_AUDIT_UNKNOWN, |e| e.kind),
    )
}

/// The key's id; "" for an event about a pool or a prefix. Borrowed from
/// the page; NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_audit_event_id(
    event: *const keyrack_audit_event,
) -> *const c_char {
    // SAFETY: NULL or a live handle.
    guard_value("keyrack_audit_event_id", std::ptr::null(), || {
        unsafe { event.as_ref() }.map_or(std::ptr::null(), |e| e.id.as_ptr())
    })
}

/// Details for people (e.g. the fields an update changed). Borrowed; NULL for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn keyrack_audit_event_detail(
    event: *const keyrack_audit_event,
) -> *const c_char {
    // SAFETY: NULL or a live handle.
    guard_value("keyrack_audit_event_detail", std::ptr::null(), || {
        unsafe { event.as_ref() }.map_or(std::ptr::null(), |e| e.detail.as_ptr())
    })
}

/// A cursor over every audit event matching a keyrack_audit_options, oldest
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_kinds_name_core_kinds() {
        assert_eq!(keyrack_audit_kind::table().len(), AuditKind::ALL.len());
        for k in AuditKind::ALL {
            let c = keyrack_audit_kind::from_core(k);
            assert_ne!(c, keyrack_audit_kind::KEYRACK_AUDIT_UNKNOWN, "{k:?}");
            assert_eq!(
                format!("{c:?}"),
                format!("KEYRACK_AUDIT_{}", k.as_str().to_uppercase())
            );
        }
    }
}
