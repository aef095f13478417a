//! The narrow boundary between the engine and where its bytes live.
//!
//! The engine encodes records itself and speaks to storage only through
//! [`Backend`], [`Reader`] and [`Writer`]: a handful of keyed rows (meta,
//! secrets, records, owner index, pools, audit). The redb file is the first
//! implementation; a PostgreSQL one fits behind the same traits (one table per
//! row kind, a transaction per `write`) without touching the public API.

pub(crate) mod redb;

use crate::error::Result;

/// A secret's row: which key it opens, and until when (rotated-out secrets).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SecretRow {
    pub id: String,
    pub valid_until: Option<i64>,
}

/// Visits audit rows `(time, seq, bytes)`; returns `Ok(false)` to stop.
pub(crate) type AuditVisitor<'a> = &'a mut dyn FnMut(i64, u64, &[u8]) -> Result<bool>;

pub(crate) trait Backend: Send + Sync + 'static {
    /// A consistent snapshot of everything committed so far.
    fn read(&self) -> Result<Box<dyn Reader + '_>>;
    /// Runs `f` in one transaction and commits it when `f` returns `Ok`, with
    /// full durability when `durable`. On `Err`, nothing is written.
    fn write(&self, durable: bool, f: &mut dyn FnMut(&mut dyn Writer) -> Result<()>) -> Result<()>;
    /// Rewrites the storage to release free space; `Ok(false)` when nothing
    /// could be done (e.g. a read-only open).
    fn compact(&mut self) -> Result<bool>;
    /// Releases the storage (and its lock).
    fn close(self: Box<Self>) -> Result<()>;
}

pub(crate) trait Reader {
    fn meta(&self, key: &str) -> Result<Option<Vec<u8>>>;
    fn secret(&self, hash: &[u8; 32]) -> Result<Option<SecretRow>>;
    fn record(&self, id: &str) -> Result<Option<Vec<u8>>>;
    fn pool(&self, owner: &str) -> Result<Option<Vec<u8>>>;
    /// Every owner that has a credit pool, in order.
    fn pool_owners(&self) -> Result<Vec<String>>;
    /// Records with id greater than `after`, in id order.
    fn scan_records(
        &self,
        after: Option<&str>,
        visit: &mut dyn FnMut(&str, &[u8]) -> Result<bool>,
    ) -> Result<()>;
    /// Ids of `owner`'s keys greater than `after`, in id order.
    fn scan_owner(
        &self,
        owner: &str,
        after: Option<&str>,
        visit: &mut dyn FnMut(&str) -> Result<bool>,
    ) -> Result<()>;
    /// Audit events at or after `(time, seq)`, in order.
    fn scan_audit(&self, from: (i64, u64), visit: AuditVisitor<'_>) -> Result<()>;
    /// The key of the newest audit event.
    fn last_audit(&self) -> Result<Option<(i64, u64)>>;
    /// The hash of every secret row, in hash order (rows are not decoded).
    fn scan_secret_hashes(&self, visit: &mut dyn FnMut(&[u8; 32]) -> Result<bool>) -> Result<()>;
}

pub(crate) trait Writer: Reader {
    fn put_meta(&mut self, key: &str, value: &[u8]) -> Result<()>;
    fn put_secret(&mut self, hash: &[u8; 32], row: &SecretRow) -> Result<()>;
    fn delete_secret(&mut self, hash: &[u8; 32]) -> Result<()>;
    fn put_record(&mut self, id: &str, bytes: &[u8]) -> Result<()>;
    fn delete_record(&mut self, id: &str) -> Result<()>;
    fn put_owner(&mut self, owner: &str, id: &str) -> Result<()>;
    fn delete_owner(&mut self, owner: &str, id: &str) -> Result<()>;
    fn put_pool(&mut self, owner: &str, bytes: &[u8]) -> Result<()>;
    fn put_audit(&mut self, at: i64, seq: u64, bytes: &[u8]) -> Result<()>;
}
