//! The open room: `keyrack.Store` (its constructor and options, the
//! accepted prefixes and `add_prefix` / `remove_prefix`, `health`, `sync`,
//! `compact`, `close`, the context manager) and the one `#[pymethods]`
//! block of every verb. Each verb's arguments are declared and converted
//! here (typed, `crate::options::arg`); its body is one call into its room
//! (`verify`, `issue`, `manage`, `read`, `pool`, `transfer`), as the core
//! lays them out. Every call into the store runs with the GIL released.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use keyrack::{AuditKind, Clock, Options, Pepper, Status};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::error::call;
use crate::health::Health;
use crate::issue::{self, Issued};
use crate::manage;
use crate::options::arg;
use crate::pool::{self, Pool};
use crate::read::{self, KeyIterator, Page};
use crate::record::{KeyRecord, repr_str};
use crate::transfer::{self, ImportCheck};
use crate::verify::{self, Verification};

/// A keyrack store file, opened by this process. Use it as a context manager
/// or call `close()`.
#[pyclass(module = "keyrack", frozen)]
pub struct Store {
    inner: keyrack::Store,
}

#[pymethods]
impl Store {
    // ---- open ----------------------------------------------------------------

    #[new]
    #[pyo3(signature = (
        path, *, prefix=None, prefixes=None, pepper=None, read_only=false, create=true,
        clock=None, leeway=None, flush_interval=None, cache_capacity=None, credit_lease=None,
        check_integrity=true
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        #[pyo3(from_py_with = arg::path)] path: PathBuf,
        #[pyo3(from_py_with = arg::prefix)] prefix: Option<String>,
        #[pyo3(from_py_with = arg::prefixes)] prefixes: Option<Vec<String>>,
        #[pyo3(from_py_with = arg::pepper)] pepper: Option<Pepper>,
        read_only: bool,
        create: bool,
        #[pyo3(from_py_with = arg::clock)] clock: Option<Clock>,
        #[pyo3(from_py_with = arg::leeway)] leeway: Option<Duration>,
        #[pyo3(from_py_with = arg::flush_interval)] flush_interval: Option<Duration>,
        #[pyo3(from_py_with = arg::cache_capacity)] cache_capacity: Option<usize>,
        #[pyo3(from_py_with = arg::credit_lease)] credit_lease: Option<u64>,
        check_integrity: bool,
    ) -> PyResult<Self> {
        let mut o = Options::default()
            .read_only(read_only)
            .create(create)
            .check_integrity(check_integrity);
        o.prefix = prefix;
        o.prefixes = prefixes;
        o.pepper = pepper;
        if let Some(c) = clock {
            o.clock = c;
        }
        if let Some(l) = leeway {
            o.leeway = l;
        }
        if let Some(f) = flush_interval {
            o.flush_interval = f;
        }
        if let Some(c) = cache_capacity {
            o.cache_capacity = c;
        }
        if let Some(c) = credit_lease {
            o.credit_lease = c;
        }
        let inner = call(py, move || keyrack::Store::open(path, o))?;
        Ok(Store { inner })
    }

    /// The store file's path.
    #[getter]
    fn path(&self) -> PathBuf {
        self.inner.path().to_path_buf()
    }
    /// The prefix this handle issues keys with when an issue names none:
    /// the one it was opened with (`prefix=`), else the store's default.
    #[getter]
    fn default_prefix(&self) -> &str {
        self.inner.default_prefix()
    }
    /// Every accepted prefix, the store's default first.
    #[getter]
    fn prefixes(&self) -> Vec<String> {
        self.inner.prefixes()
    }

    /// Makes the store accept `prefix` (for issue and verify), durably and
    /// for every handle opened after; audited as `prefix_added`. Returns the
    /// accepted prefixes. Adding one already accepted changes nothing.
    fn add_prefix(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = arg::one_prefix)] prefix: String,
    ) -> PyResult<Vec<String>> {
        let store = &self.inner;
        call(py, || store.add_prefix(&prefix))
    }

    /// Stops accepting `prefix`: its keys verify as `malformed` from then on,
    /// in every handle. The store's default prefix and the one this handle
    /// issues with cannot be removed (`InvalidArgument`, field `prefix`).
    /// Audited as `prefix_removed`; returns the accepted prefixes.
    fn remove_prefix(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = arg::one_prefix)] prefix: String,
    ) -> PyResult<Vec<String>> {
        let store = &self.inner;
        call(py, || store.remove_prefix(&prefix))
    }

    /// How the storage is doing: `ok` is False from a failed write or
    /// background flush until a later one succeeds (the store reopens its
    /// file by itself on the next write), and `last_error` is the most recent
    /// failure, kept after the store heals.
    fn health(&self, py: Python<'_>) -> Health {
        let store = &self.inner;
        Health(py.detach(|| store.health()))
    }
    /// Whether the store was opened read-only.
    #[getter]
    fn read_only(&self) -> bool {
        self.inner.is_read_only()
    }

    /// Writes in-memory counters (uses, last use, credits spent) now, durably.
    fn sync(&self, py: Python<'_>) -> PyResult<()> {
        let store = &self.inner;
        call(py, || store.sync())
    }

    /// Writes pending counters, then rewrites the file to give free space
    /// back (after many revocations and purges). Verifies that miss the
    /// cache wait while it runs. Returns whether the file was compacted.
    /// Raises ReadOnly on a store opened read-only.
    fn compact(&self, py: Python<'_>) -> PyResult<bool> {
        let store = &self.inner;
        call(py, || store.compact())
    }

    /// Writes pending counters and releases the file. Closing twice is harmless;
    /// any other call afterwards raises `keyrack.Closed`.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let store = &self.inner;
        call(py, || store.close())
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, PyTuple>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }

    fn __repr__(&self) -> String {
        format!(
            "Store(path={}, default_prefix='{}', read_only={})",
            repr_str(&self.inner.path().to_string_lossy()),
            self.inner.default_prefix(),
            if self.inner.is_read_only() {
                "True"
            } else {
                "False"
            }
        )
    }

    // ---- verify (verify.rs) --------------------------------------------------

    /// Checks a key presented by a client. Never raises for a bad key: the
    /// outcome says what is wrong. Raises only for a store failure (closed,
    /// used after fork, I/O), a bad argument type, or `ReadOnly` on a
    /// read-only store asked to spend (cost > 0 on a metered, shared-credit
    /// or rate-limited key: cost 0 checks). A metered verify may take a
    /// credit reservation: one durable write, made without the GIL.
    #[pyo3(signature = (key, *, scopes=None, cost=None))]
    fn verify(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        #[pyo3(from_py_with = arg::verify_scopes)] scopes: Option<Vec<String>>,
        #[pyo3(from_py_with = arg::cost)] cost: Option<u64>,
    ) -> PyResult<Verification> {
        verify::verify(py, &self.inner, key, &verify::options(scopes, cost))
    }

    /// Finds the key in request headers (`x-api-key`, `Authorization: Bearer`
    /// or `Api-Key`) and verifies it; no key at all gives outcome `missing`.
    /// Raises as `verify()` does.
    #[pyo3(signature = (headers, *, scopes=None, cost=None))]
    fn verify_headers(
        &self,
        py: Python<'_>,
        headers: &Bound<'_, PyAny>,
        #[pyo3(from_py_with = arg::verify_scopes)] scopes: Option<Vec<String>>,
        #[pyo3(from_py_with = arg::cost)] cost: Option<u64>,
    ) -> PyResult<Verification> {
        verify::verify_headers(py, &self.inner, headers, &verify::options(scopes, cost))
    }

    // ---- issue (issue.rs) ----------------------------------------------------

    /// Issues one key, durably. `Issued.key` is the secret, shown once.
    /// Keywords: description, owner, scopes, meta, prefix, expires_in or
    /// expires_at, remaining, refill, shared_credits, rate_limit.
    #[pyo3(signature = (name=None, **options))]
    fn issue(
        &self,
        py: Python<'_>,
        name: Option<&Bound<'_, PyAny>>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Issued> {
        issue::issue(py, &self.inner, name, options)
    }

    /// Issues many keys in one transaction (all or none). Each item is a
    /// mapping of `issue()`'s keyword arguments. With `durable=False` the
    /// commit does not wait for the disk (bulk imports; `sync()` after).
    #[pyo3(signature = (batch, *, durable=true))]
    fn issue_many(
        &self,
        py: Python<'_>,
        batch: &Bound<'_, PyAny>,
        durable: bool,
    ) -> PyResult<Vec<Issued>> {
        issue::issue_many(py, &self.inner, batch, durable)
    }

    /// Gives a key a new secret (same id and settings). The old secret keeps
    /// working for `grace` (default: ends at once).
    #[pyo3(signature = (id, *, grace=None))]
    fn rotate(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = arg::id)] id: String,
        #[pyo3(from_py_with = arg::grace)] grace: Option<Duration>,
    ) -> PyResult<Issued> {
        issue::rotate(py, &self.inner, &id, grace)
    }

    // ---- manage (manage.rs) --------------------------------------------------

    /// Revokes a key at once and for good (the record stays until purged).
    fn revoke(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = arg::id)] id: String,
    ) -> PyResult<KeyRecord> {
        manage::revoke(py, &self.inner, &id)
    }

    /// Enables a disabled key.
    fn enable(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = arg::id)] id: String,
    ) -> PyResult<KeyRecord> {
        manage::enable(py, &self.inner, &id)
    }

    /// Disables a key: it verifies as `disabled` until enabled again.
    fn disable(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = arg::id)] id: String,
    ) -> PyResult<KeyRecord> {
        manage::disable(py, &self.inner, &id)
    }

    /// Changes a key's settings. A keyword left out leaves its field alone;
    /// `None` clears `description`, `owner`, `expires_at`, `remaining`
    /// (unmetered), `refill` and `rate_limit`. `expires_in` counts from the
    /// update itself (the time its write stamps).
    #[pyo3(signature = (id, **changes))]
    fn update(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = arg::id)] id: String,
        changes: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<KeyRecord> {
        manage::update(py, &self.inner, &id, changes)
    }

    /// Adds `credits` to a metered key's balance, atomically (verifies made
    /// meanwhile are kept); audited as `credits_added`. An unmetered key, or
    /// one that spends its owner's pool, is `InvalidArgument` (field `id`);
    /// 0 or an overflow is `InvalidArgument` (field `credits`).
    fn add_credits(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = arg::id)] id: String,
        #[pyo3(from_py_with = arg::credits)] credits: u64,
    ) -> PyResult<KeyRecord> {
        manage::add_credits(py, &self.inner, &id, credits)
    }

    /// Removes revoked and expired records at least `older_than` past their
    /// end. Returns how many were removed.
    #[pyo3(signature = (older_than=None))]
    fn purge(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = arg::older_than)] older_than: Option<Duration>,
    ) -> PyResult<u64> {
        manage::purge(py, &self.inner, older_than)
    }

    // ---- read (read.rs) ------------------------------------------------------

    /// The record of key `id`, with live counters. Raises `NotFound`.
    fn get(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = arg::id)] id: String,
    ) -> PyResult<KeyRecord> {
        read::get(py, &self.inner, &id)
    }

    /// One page of records matching the filters, in id order. Iterate the
    /// page, or pass its `next_cursor` as `cursor=` for the next one; or use
    /// `iter_keys()` to walk every page.
    #[pyo3(signature = (*, owner=None, prefix=None, status=None, unused_since=None, limit=None, cursor=None))]
    #[allow(clippy::too_many_arguments)]
    fn list(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = arg::owner)] owner: Option<String>,
        #[pyo3(from_py_with = arg::prefix)] prefix: Option<String>,
        #[pyo3(from_py_with = arg::status)] status: Option<Status>,
        #[pyo3(from_py_with = arg::unused_since)] unused_since: Option<SystemTime>,
        #[pyo3(from_py_with = arg::limit)] limit: Option<usize>,
        #[pyo3(from_py_with = arg::cursor)] cursor: Option<String>,
    ) -> PyResult<Page> {
        let o = read::list_options(owner, prefix, status, unused_since, limit, cursor);
        read::list(py, &self.inner, &o)
    }

    /// Every record matching the filters, fetched `page_size` at a time
    /// (each page read without the GIL when the one before is used up).
    #[pyo3(signature = (*, owner=None, prefix=None, status=None, unused_since=None, page_size=None))]
    fn iter_keys(
        &self,
        #[pyo3(from_py_with = arg::owner)] owner: Option<String>,
        #[pyo3(from_py_with = arg::prefix)] prefix: Option<String>,
        #[pyo3(from_py_with = arg::status)] status: Option<Status>,
        #[pyo3(from_py_with = arg::unused_since)] unused_since: Option<SystemTime>,
        #[pyo3(from_py_with = arg::page_size)] page_size: Option<usize>,
    ) -> KeyIterator {
        let o = read::list_options(owner, prefix, status, unused_since, page_size, None);
        read::iter_keys(&self.inner, o)
    }

    /// Audit events matching the filters, oldest first, one page.
    #[pyo3(signature = (*, id=None, kind=None, since=None, limit=None, cursor=None))]
    fn audit(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = arg::opt_id)] id: Option<String>,
        #[pyo3(from_py_with = arg::kind)] kind: Option<AuditKind>,
        #[pyo3(from_py_with = arg::since)] since: Option<SystemTime>,
        #[pyo3(from_py_with = arg::limit)] limit: Option<usize>,
        #[pyo3(from_py_with = arg::cursor)] cursor: Option<String>,
    ) -> PyResult<Page> {
        let o = read::audit_options(id, kind, since, limit, cursor);
        read::audit(py, &self.inner, &o)
    }

    /// Every audit event matching the filters, oldest first, fetched
    /// `page_size` at a time.
    #[pyo3(signature = (*, id=None, kind=None, since=None, page_size=None))]
    fn iter_audit(
        &self,
        #[pyo3(from_py_with = arg::opt_id)] id: Option<String>,
        #[pyo3(from_py_with = arg::kind)] kind: Option<AuditKind>,
        #[pyo3(from_py_with = arg::since)] since: Option<SystemTime>,
        #[pyo3(from_py_with = arg::page_size)] page_size: Option<usize>,
    ) -> KeyIterator {
        let o = read::audit_options(id, kind, since, page_size, None);
        read::iter_audit(&self.inner, o)
    }

    // ---- pool (pool.rs) ------------------------------------------------------

    /// Sets an owner's shared credit pool to `remaining` credits. `refill`
    /// replaces the pool's refill when given; left out (or None) keeps the
    /// one it has. Audited as `pool_set`.
    #[pyo3(signature = (owner, remaining, *, refill=None))]
    fn set_pool(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = arg::pool_owner)] owner: String,
        #[pyo3(from_py_with = arg::pool_remaining)] remaining: u64,
        #[pyo3(from_py_with = arg::refill)] refill: Option<keyrack::Refill>,
    ) -> PyResult<Pool> {
        pool::set_pool(py, &self.inner, &owner, remaining, refill)
    }

    /// Adds `credits` to an owner's pool, atomically (spends made meanwhile
    /// are kept); audited as `pool_credits_added`. An owner with no pool is
    /// `InvalidArgument` (field `owner`): `set_pool()` makes one.
    fn add_pool_credits(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = arg::pool_owner)] owner: String,
        #[pyo3(from_py_with = arg::credits)] credits: u64,
    ) -> PyResult<Pool> {
        pool::add_pool_credits(py, &self.inner, &owner, credits)
    }

    /// An owner's credit pool, or None.
    fn pool(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = arg::pool_owner)] owner: String,
    ) -> PyResult<Option<Pool>> {
        pool::pool(py, &self.inner, &owner)
    }

    // ---- transfer (transfer.rs) ----------------------------------------------

    /// Every record as one JSON line, in id order, never a secret (the format
    /// of `keyrack export`; each line also says the key's `status`), then one
    /// line per owner's credit pool. Returns the text; given a writable text
    /// file, writes the text to it instead and returns how many records it
    /// holds. `import_json_lines()` reads it back.
    #[pyo3(signature = (file=None))]
    fn export<'py>(
        &self,
        py: Python<'py>,
        file: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        transfer::export(py, &self.inner, file)
    }

    /// Imports the JSON lines `export()` writes (blank lines skipped), all or
    /// nothing; returns how many records. Records carry no secret: an
    /// imported key verifies as `not_found` until `rotate()` gives it one.
    /// Counters and credits are kept as exported. A line that is not a
    /// record, an id already in this store, or a prefix it does not accept
    /// raises `InvalidArgument` whose `reason` starts with `line N:` and
    /// whose `.line` is N.
    fn import_json_lines(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = arg::text)] text: String,
    ) -> PyResult<usize> {
        transfer::import_json_lines(py, &self.inner, &text)
    }

    /// The dry run of `import_json_lines()`: every check the import makes,
    /// writing nothing (a read-only store can run it). Returns an
    /// `ImportCheck` (records, pools, and the `(line, id)` of ids this store
    /// already has, which the import would refuse); any other refusal raises
    /// what the import would, with `.line`.
    fn check_import_json_lines(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = arg::text)] text: String,
    ) -> PyResult<ImportCheck> {
        transfer::check_import_json_lines(py, &self.inner, &text)
    }
}
