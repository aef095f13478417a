//! # keyrack — an embedded API-key engine
//!
//! Issue prefixed, checksummed API keys, store only their keyed hashes in one
//! [redb](https://docs.rs/redb) file, and verify them in-process in about a
//! microsecond: expiry, rotation with a grace period, immediate revocation,
//! owners, scopes, metadata, usage credits and rate limits.
//!
//! ```
//! use keyrack::{IssueOptions, Options, Outcome, Store, VerifyOptions};
//!
//! # fn main() -> keyrack::Result<()> {
//! # let dir = tempfile::tempdir().unwrap();
//! let store = Store::open(dir.path().join("keys.redb"), Options::default())?;
//!
//! // Issue: the secret is returned once, in a type that wipes itself.
//! let issued = store.issue(IssueOptions::new("ci").owner("org_42").scope("deploy"))?;
//! let key = issued.key.expose().to_owned();
//! assert!(key.starts_with("kr_"));
//!
//! // Verify on every request: outcomes are values, never errors.
//! let v = store.verify_with(&key, &VerifyOptions::default().scope("deploy"))?;
//! assert_eq!(v.outcome, Outcome::Valid);
//! assert_eq!(store.verify("kr_not-a-key")?.outcome, Outcome::Malformed);
//!
//! // Revoke: the very next verify, in any thread, says so.
//! store.revoke(&issued.id)?;
//! assert_eq!(store.verify(&key)?.outcome, Outcome::Revoked);
//! store.close()?;
//! # Ok(())
//! # }
//! ```
//!
//! ## The pieces
//! * [`format`](mod@format) — the key format: `<prefix>_<43 base62 body><6 base62 CRC32>`.
//! * [`Store`] — the file and every verb: [`issue`](Store::issue),
//!   [`verify`](Store::verify), [`revoke`](Store::revoke),
//!   [`rotate`](Store::rotate), [`update`](Store::update), [`get`](Store::get),
//!   [`list`](Store::list), [`purge`](Store::purge), [`audit`](Store::audit).
//! * [`Outcome`] — what a verify found, with its HTTP status and message;
//!   [`extract_key`] finds a key in request headers.
//! * [`Error`] — every failure, one `#[non_exhaustive]` enum.
//!
//! ## Processes, threads and crashes
//! A [`Store`] is `Send + Sync + Clone`. One process at a time may open a file
//! for writing (a second open fails with [`Error::AlreadyOpen`]); several may
//! open it [read-only](Options::read_only) when no writer holds it. A handle
//! used in a child after `fork()` fails with [`Error::WrongProcess`].
//! Every write that returns is committed durably; a revoke is seen by the very
//! next verify. `uses`, `last_used_at` and `denied` are counted in memory and
//! flushed durably every [`flush_interval`](Options::flush_interval) and on
//! close: a crash forgets at most that interval of counting (never a revoke,
//! issue, rotation or update). Credits are never oversold: a verify spends only
//! credits the file already counts as reserved
//! ([`credit_lease`](Options::credit_lease)), so a crash forfeits at most an
//! unspent reservation and never grants a credit twice. After an I/O fault the
//! next write reopens the file, and [`Store::health`] reports what failed.
//!
//! ## The verify cache
//! Verify reads each key from the file once, then from an in-memory cache that
//! every write of this process updates before it returns (no other process can
//! write the file meanwhile). Its size is bounded by
//! [`cache_capacity`](Options::cache_capacity) keys. Unknown keys are never
//! cached, and never read the file either: the store keeps an 8-byte
//! fingerprint of every stored secret hash (about 16 bytes per key, built at
//! open), so a well-formed but unknown key answers `not_found` from memory.
#![deny(missing_docs)]
#![forbid(unsafe_op_in_unsafe_fn)]

mod backend;
mod clock;
mod encoding;
mod error;
mod fork;
pub mod format;
mod ids;
mod live;
mod options;
mod outcome;
mod record;
mod rng;
mod secret;
mod store;

pub use clock::{Clock, from_millis, to_millis};
pub use encoding::decode_record;
pub use error::{Error, ErrorKind, Result};
pub use options::{
    AuditOptions, Expiry, IssueOptions, ListOptions, Options, UpdateOptions, VerifyOptions,
};
pub use outcome::{Extracted, Outcome, extract_key};
pub use record::{
    AuditEvent, AuditKind, Denied, ExportLine, KeyRecord, Pool, RateLimit, Refill, Status,
};
pub use secret::{Pepper, SecretKey};
pub use store::{
    AuditEvents, AuditPage, DEFAULT_PREFIX, FORMAT_VERSION, Fault, Health, ImportCheck,
    ImportError, Issued, Keys, Page, Store, Verification,
};

/// The README's Rust examples, run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
