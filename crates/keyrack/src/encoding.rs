//! How records, pools and audit events are written to the file: a version
//! byte, then postcard. Kept apart from the public value types in
//! [`record`](crate::record) so the two can each grow.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::clock::{duration_millis, from_millis, to_millis};
use crate::error::{Error, Result};
use crate::record::{AuditEvent, AuditKind, Denied, KeyRecord, Pool, RateLimit, Refill};

/// Version byte written before every encoded record.
pub(crate) const RECORD_VERSION: u8 = 1;

/// The record as written to the file (postcard after a version byte). Kept
/// apart from [`KeyRecord`] so the public type and the file format can each grow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredV1 {
    /// The table key; not repeated in the value.
    #[serde(skip)]
    pub id: String,
    pub prefix: String,
    pub hint: String,
    pub name: String,
    pub description: Option<String>,
    pub owner: Option<String>,
    pub scopes: Vec<String>,
    pub meta: Vec<(String, String)>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub enabled: bool,
    pub last_used_at: Option<i64>,
    pub uses: u64,
    pub denied: [u64; 6],
    pub remaining: Option<u64>,
    pub refill: Option<(u64, i64)>,
    pub refilled_at: i64,
    pub shared_credits: bool,
    pub rate_limit: Option<(u64, i64)>,
    /// Keyed hashes of the current secret (first) and, during a grace period,
    /// the previous one. Hashes, never secrets.
    pub hashes: Vec<[u8; 32]>,
}

/// `[RECORD_VERSION] + postcard(value)`: how every stored value is written.
fn encode_versioned<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = vec![RECORD_VERSION];
    out.extend(postcard::to_stdvec(value).expect("stored values always serialize"));
    out
}

/// Reads what [`encode_versioned`] wrote; `what` names the value in errors.
fn decode_versioned<T: serde::de::DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T> {
    match bytes.split_first() {
        Some((&RECORD_VERSION, rest)) => postcard::from_bytes(rest)
            .map_err(|e| Error::Corrupted(format!("undecodable {what}: {e}"))),
        Some((&v, _)) => Err(Error::IncompatibleVersion {
            found: u32::from(v),
            supported: u32::from(RECORD_VERSION),
        }),
        None => Err(Error::Corrupted(format!("empty {what}"))),
    }
}

/// A stored `(amount, every_ms)` pair as a [`Refill`].
pub(crate) fn refill_from_pair((amount, every): (u64, i64)) -> Refill {
    Refill {
        amount,
        every: Duration::from_millis(every.max(0) as u64),
    }
}

impl StoredV1 {
    pub(crate) fn encode(&self) -> Vec<u8> {
        encode_versioned(self)
    }

    pub(crate) fn decode(id: &str, bytes: &[u8]) -> Result<Self> {
        let s: StoredV1 = decode_versioned(bytes, "key record")?;
        Ok(StoredV1 {
            id: id.to_owned(),
            ..s
        })
    }

    /// An imported record as stored: no secret (until rotated), its refill
    /// counted from `now`.
    pub(crate) fn from_record(r: &KeyRecord, now: i64) -> StoredV1 {
        StoredV1 {
            id: r.id.clone(),
            prefix: r.prefix.clone(),
            hint: r.hint.clone(),
            name: r.name.clone(),
            description: r.description.clone(),
            owner: r.owner.clone(),
            scopes: r.scopes.iter().cloned().collect(),
            meta: r.meta.clone().into_iter().collect(),
            created_at: to_millis(r.created_at),
            expires_at: r.expires_at.map(to_millis),
            revoked_at: r.revoked_at.map(to_millis),
            enabled: r.enabled,
            last_used_at: r.last_used_at.map(to_millis),
            uses: r.uses,
            denied: r.denied.as_array(),
            remaining: r.remaining,
            refill: r.refill.as_ref().map(refill_pair),
            refilled_at: now,
            shared_credits: r.shared_credits,
            rate_limit: r.rate_limit.as_ref().map(rate_pair),
            hashes: Vec::new(),
        }
    }

    pub(crate) fn to_public(&self) -> KeyRecord {
        KeyRecord {
            id: self.id.clone(),
            prefix: self.prefix.clone(),
            hint: self.hint.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            owner: self.owner.clone(),
            scopes: self.scopes.iter().cloned().collect(),
            meta: self.meta.iter().cloned().collect(),
            created_at: from_millis(self.created_at),
            expires_at: self.expires_at.map(from_millis),
            revoked_at: self.revoked_at.map(from_millis),
            enabled: self.enabled,
            last_used_at: self.last_used_at.map(from_millis),
            uses: self.uses,
            denied: Denied::from_array(self.denied),
            remaining: self.remaining,
            refill: self.refill.map(refill_from_pair),
            shared_credits: self.shared_credits,
            rate_limit: self.rate_limit.map(|(limit, w)| RateLimit {
                limit,
                window: Duration::from_millis(w.max(0) as u64),
            }),
        }
    }
}

pub(crate) fn refill_pair(r: &Refill) -> (u64, i64) {
    (r.amount, duration_millis(r.every))
}

pub(crate) fn rate_pair(r: &RateLimit) -> (u64, i64) {
    (r.limit, duration_millis(r.window))
}

/// The stored form of a pool.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredPool {
    pub remaining: u64,
    pub refill: Option<(u64, i64)>,
    pub refilled_at: i64,
}

impl StoredPool {
    pub(crate) fn encode(&self) -> Vec<u8> {
        encode_versioned(self)
    }
    pub(crate) fn decode(bytes: &[u8]) -> Result<Self> {
        decode_versioned(bytes, "credit pool")
    }
    pub(crate) fn to_public(&self) -> Pool {
        Pool {
            remaining: self.remaining,
            refill: self.refill.map(refill_from_pair),
        }
    }
}

/// The stored form of an audit event's value (its key is `(time, seq)`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct StoredAudit {
    pub kind: AuditKind,
    #[serde(with = "crate::ids::serde_packed")]
    pub id: String,
    pub detail: String,
}

impl StoredAudit {
    pub(crate) fn encode(&self) -> Vec<u8> {
        encode_versioned(self)
    }
    pub(crate) fn decode(at: i64, seq: u64, bytes: &[u8]) -> Result<AuditEvent> {
        let s: StoredAudit = decode_versioned(bytes, "audit event")?;
        Ok(AuditEvent {
            at: from_millis(at),
            seq,
            kind: s.kind,
            id: s.id,
            detail: s.detail,
        })
    }
}

/// Decodes a stored record; public so fuzzers can reach it. Returns the
/// public view. Never panics on any input.
#[doc(hidden)]
pub fn decode_record(id: &str, bytes: &[u8]) -> Result<KeyRecord> {
    StoredV1::decode(id, bytes).map(|s| s.to_public())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_values_pack_the_id_and_read_the_older_layout() {
        let ev = StoredAudit {
            kind: AuditKind::Revoked,
            id: "key_0zINCdML6AK8CtA3ETdgCQ".into(),
            detail: "why".into(),
        };
        /// How events were written before ids were packed.
        #[derive(Serialize)]
        struct Old<'a> {
            kind: AuditKind,
            id: &'a str,
            detail: &'a str,
        }
        let old = encode_versioned(&Old {
            kind: ev.kind,
            id: &ev.id,
            detail: &ev.detail,
        });
        let new = ev.encode();
        assert_eq!(old.len() - new.len(), 10, "16 bytes instead of 26");
        for bytes in [old, new] {
            let e = StoredAudit::decode(5, 6, &bytes).unwrap();
            assert_eq!(
                (e.kind, e.id.as_str(), e.detail.as_str()),
                (ev.kind, &ev.id[..], "why")
            );
        }
    }
}
