//! [`Store`]: one keyrack file, opened by one process.
//!
//! One room per verb group, each adding its own `impl Store` block:
//! [`open`](open) (open, close, sync, compact), [`verify`](verify),
//! [`issue`](issue) (issue and rotate), [`manage`](manage) (revoke, enable,
//! disable, update, purge), [`read`](read) (get, list, audit and their
//! iterators), [`pool`](pool), [`transfer`](transfer) (export, import and its
//! dry run), and [`write`](write): the transaction and counter-flush machinery
//! every write goes through. [`validate`](validate) holds every rule an option
//! must meet, once.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use arc_swap::ArcSwap;
use zeroize::Zeroizing;

use crate::backend::redb::{OpenRequest, RedbBackend};
use crate::backend::{Backend, Reader, SecretRow, Writer};
use crate::clock::{Clock, duration_millis, from_millis};
use crate::encoding::{
    StoredAudit, StoredPool, StoredV1, rate_pair, refill_from_pair, refill_pair,
};
use crate::error::{Error, ErrorKind, Result};
use crate::format::{self, BODY_BYTES};
use crate::live::{Cache, Cached, Credits, Known, Live, NEVER, PoolState, Usage};
use crate::options::{
    AuditOptions, Expiry, IssueOptions, ListOptions, Options, UpdateOptions, VerifyOptions,
};
use crate::record::{AuditEvent, AuditKind, ExportLine, KeyRecord, Pool, RateLimit, Refill};
use crate::rng::KeyRng;
use crate::secret::SecretKey;
use crate::{Outcome, fork};

mod issue;
mod manage;
mod open;
mod pool;
mod read;
mod transfer;
mod validate;
mod verify;
mod write;

pub use issue::Issued;
pub use read::{AuditEvents, AuditPage, Keys, Page};
pub use transfer::{ImportCheck, ImportError};
pub use verify::Verification;
pub use write::{Fault, Health};

use validate::*;
use write::{credits_of, flusher, pool_state};

/// Opens a store's storage again (after an I/O fault).
type Reopen = Box<dyn Fn() -> Result<Box<dyn Backend>> + Send + Sync>;

/// The keyrack file format version this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;
/// The default prefix of a new store.
pub const DEFAULT_PREFIX: &str = "kr";

/// An open keyrack store: cheap to clone, `Send + Sync`; any number of
/// threads verify at once while writes are serialized.
///
/// See the [crate docs](crate) for an example.
pub struct Store {
    inner: Arc<Inner>,
}

impl Clone for Store {
    fn clone(&self) -> Self {
        self.inner.handles.fetch_add(1, Ordering::Relaxed);
        Store {
            inner: self.inner.clone(),
        }
    }
}

/// Dropping the last handle closes the store on the dropping thread (waiting
/// for the background flusher), so a program that drops its store and exits
/// leaves nothing half-done behind it.
impl Drop for Store {
    fn drop(&mut self) {
        if self.inner.handles.fetch_sub(1, Ordering::AcqRel) == 1
            && self.inner.fork_generation == fork::generation()
        {
            let _ = self.inner.shutdown();
        }
    }
}

struct WriteState {
    seq: u64,
    rng: KeyRng,
}

struct Inner {
    path: PathBuf,
    backend: RwLock<Option<Box<dyn Backend>>>,
    read_only: bool,
    hash_key: Zeroizing<[u8; 32]>,
    default_prefix: String,
    /// Accepted prefixes, the store's default first (swapped by add/remove).
    prefixes: ArcSwap<Vec<String>>,
    clock: Clock,
    leeway_ms: i64,
    fork_generation: u64,
    closed: AtomicBool,
    writes: Mutex<WriteState>,
    cache: Cache,
    live: Live,
    flusher: Mutex<Option<(mpsc::Sender<()>, JoinHandle<()>)>>,
    /// Live `Store` handles (the flusher holds the `Inner` only while flushing).
    handles: AtomicUsize,
    known: Known,
    /// Opens the storage again after an I/O fault (`None`: cannot heal).
    reopen: Option<Reopen>,
    /// A write failed with an I/O error: reopen the storage before the next.
    broken: AtomicBool,
    /// What `Store::health` reports.
    health: Mutex<Health>,
    /// Held for writing by a counter flush (one at a time, so `sync` waits
    /// for one in flight), and for reading by every call that adds the
    /// counters in memory to what it read from the file: a flush takes counts
    /// out of memory before its commit puts them in the file, and no reader
    /// may see the file from before with the memory from after.
    flushing: RwLock<()>,
    /// Most credits a key or pool reserves in the file ahead of spending.
    credit_lease: u64,
    /// The cache's bound, which counters kept in memory follow too.
    cache_capacity: usize,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.path)
            .field("read_only", &self.inner.read_only)
            .field("default_prefix", &self.inner.default_prefix)
            .field("prefixes", &**self.inner.prefixes.load())
            .field("closed", &self.inner.closed.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Inner {
    fn usable(&self) -> Result<()> {
        if self.fork_generation != fork::generation() {
            return Err(Error::WrongProcess);
        }
        if self.closed.load(Ordering::Acquire) {
            return Err(Error::Closed);
        }
        Ok(())
    }

    fn with_backend<T>(&self, f: impl FnOnce(&dyn Backend) -> Result<T>) -> Result<T> {
        let guard = self.backend.read().unwrap_or_else(|p| p.into_inner());
        match guard.as_deref() {
            Some(b) => f(b),
            None if self.closed.load(Ordering::Acquire) => Err(Error::Closed),
            None => Err(Error::Io(std::io::Error::other(
                "the store is reopening its file after an I/O error; the next write retries",
            ))),
        }
    }

    /// Runs `f` with no counter flush in flight (see `flushing`).
    fn counted<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        let _steady = self.flushing.read().unwrap_or_else(|p| p.into_inner());
        f()
    }

    fn hash(&self, key: &str) -> [u8; 32] {
        *blake3::keyed_hash(&self.hash_key, key.as_bytes()).as_bytes()
    }
}
