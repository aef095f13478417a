//! [`Store`]: one keyrack file, opened by one process.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use zeroize::Zeroizing;

use crate::backend::redb::{OpenRequest, RedbBackend};
use crate::backend::{Backend, Reader, SecretRow, Writer};
use crate::clock::{Clock, duration_millis, from_millis};
use crate::error::{Error, Result};
use crate::format::{self, BODY_BYTES};
use crate::live::{Cache, Cached, Credits, Known, Live, NEVER, PoolState, Usage};
use crate::options::{
    AuditOptions, Expiry, IssueOptions, ListOptions, Options, UpdateOptions, VerifyOptions,
};
use crate::record::{
    AuditEvent, AuditKind, ExportLine, KeyRecord, Pool, RateLimit, Refill, StoredAudit, StoredPool,
    StoredV1, rate_pair, refill_from_pair, refill_pair,
};
use crate::secret::SecretKey;
use crate::{Outcome, fork};

/// The keyrack file format version this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;
/// The default prefix of a new store.
pub const DEFAULT_PREFIX: &str = "kr";

const MAX_NAME: usize = 256;
const MAX_DESCRIPTION: usize = 4096;
const MAX_OWNER: usize = 256;
const MAX_SCOPE: usize = 128;
const MAX_SCOPES: usize = 256;
const MAX_META_KEY: usize = 128;
const MAX_META_VALUE: usize = 4096;
const MAX_META: usize = 64;
const MAX_BATCH: usize = 1_000_000;
/// How often a flush also forgets idle counters.
const SWEEP_EVERY_MS: i64 = 60_000;

/// A newly issued (or rotated) key: the secret is here once, never again.
#[derive(Debug)]
#[non_exhaustive]
pub struct Issued {
    /// The key's public id.
    pub id: String,
    /// The full key, to hand to its owner. Redacted in `Debug`, wiped on drop.
    pub key: SecretKey,
    /// The stored record.
    pub record: KeyRecord,
}

/// The answer of [`Store::verify`]: an outcome, never an error for a bad key.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verification {
    /// What the checks found.
    pub outcome: Outcome,
    /// The key's record when the key was found (the secret is never in it).
    /// Its `uses`, `last_used_at`, `denied` and `remaining` are as of when the
    /// store loaded it; [`Store::get`] shows live counts, and
    /// [`remaining`](Verification::remaining) the live credits.
    pub record: Option<Arc<KeyRecord>>,
    /// Credits left after this call, on a metered key (or its owner's pool).
    pub remaining: Option<u64>,
    /// For `rate_limited`: how long until the window reopens.
    pub retry_after: Option<Duration>,
}

impl Verification {
    fn bare(outcome: Outcome) -> Self {
        Verification {
            outcome,
            record: None,
            remaining: None,
            retry_after: None,
        }
    }

    /// Whether the key may be let in.
    pub fn is_valid(&self) -> bool {
        self.outcome.is_valid()
    }
}

/// One page of [`Store::list`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Page {
    /// Records of this page, in id order.
    pub records: Vec<KeyRecord>,
    /// Pass this as `cursor` for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// One page of [`Store::audit`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuditPage {
    /// Events of this page, oldest first.
    pub events: Vec<AuditEvent>,
    /// Pass this as `cursor` for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

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
    rng: ChaCha20Rng,
}

struct Inner {
    path: PathBuf,
    backend: RwLock<Option<Box<dyn Backend>>>,
    read_only: bool,
    hash_key: Zeroizing<[u8; 32]>,
    default_prefix: String,
    prefixes: Vec<String>,
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
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.path)
            .field("read_only", &self.inner.read_only)
            .field("default_prefix", &self.inner.default_prefix)
            .field("prefixes", &self.inner.prefixes)
            .field("closed", &self.inner.closed.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

mod meta_keys {
    pub const FORMAT: &str = "format_version";
    pub const CREATED: &str = "created_at";
    pub const STORE_KEY: &str = "store_key";
    pub const PEPPER_FP: &str = "pepper_fingerprint";
    pub const PREFIX: &str = "default_prefix";
    pub const PREFIXES: &str = "prefixes";
}

fn pepper_fingerprint(pepper: &[u8; 32], store_key: &[u8; 32]) -> blake3::Hash {
    let mut h = blake3::Hasher::new_keyed(pepper);
    h.update(b"keyrack pepper fingerprint v1");
    h.update(store_key);
    h.finalize()
}

fn derive_hash_key(store_key: &[u8; 32], pepper: Option<&[u8; 32]>) -> [u8; 32] {
    let mut h = blake3::Hasher::new_derive_key("keyrack 2026 key hash v1");
    h.update(store_key);
    if let Some(p) = pepper {
        h.update(p);
    }
    *h.finalize().as_bytes()
}

fn seeded_rng() -> Result<ChaCha20Rng> {
    let mut seed = Zeroizing::new([0u8; 32]);
    getrandom::fill(seed.as_mut())
        .map_err(|e| Error::Io(std::io::Error::other(format!("no OS randomness: {e}"))))?;
    Ok(ChaCha20Rng::from_seed(*seed))
}

fn validate_text(field: &'static str, v: &str, min: usize, max: usize) -> Result<()> {
    if v.len() < min {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if v.len() > max {
        return Err(Error::invalid(
            field,
            format!("must be at most {max} bytes"),
        ));
    }
    if v.chars().any(|c| c == '\0') {
        return Err(Error::invalid(field, "must not contain NUL"));
    }
    Ok(())
}

fn validate_scopes(scopes: &BTreeSet<String>) -> Result<()> {
    if scopes.len() > MAX_SCOPES {
        return Err(Error::invalid(
            "scopes",
            format!("at most {MAX_SCOPES} scopes"),
        ));
    }
    for s in scopes {
        validate_text("scopes", s, 1, MAX_SCOPE)?;
        if s.chars().any(char::is_whitespace) {
            return Err(Error::invalid(
                "scopes",
                format!("scope {s:?} contains whitespace"),
            ));
        }
    }
    Ok(())
}

fn validate_meta(meta: &std::collections::BTreeMap<String, String>) -> Result<()> {
    if meta.len() > MAX_META {
        return Err(Error::invalid(
            "meta",
            format!("at most {MAX_META} entries"),
        ));
    }
    for (k, v) in meta {
        validate_text("meta", k, 1, MAX_META_KEY)?;
        validate_text("meta", v, 0, MAX_META_VALUE)?;
    }
    Ok(())
}

/// A key spends its owner's pool (`shared`, which needs an owner) or its own
/// credits, never both: the one rule issue, update and import share.
fn check_credit_source(shared: bool, has_owner: bool, own_credits: bool) -> Result<()> {
    if shared && !has_owner {
        return Err(Error::invalid("shared_credits", "needs an owner"));
    }
    if shared && own_credits {
        return Err(Error::invalid(
            "shared_credits",
            "a key spends either its own credits or its owner's pool, not both",
        ));
    }
    Ok(())
}

/// When a new key expires: a fixed time, or a span counted from the
/// `created_at` its transaction stamps (so `expires_in(30d)` is exactly 30
/// days after `created_at`, not after an earlier clock read).
#[derive(Clone, Copy)]
enum Due {
    At(i64),
    After(i64),
}

impl Due {
    fn resolve(self, created: i64) -> i64 {
        match self {
            Due::At(t) => t,
            Due::After(d) => created.saturating_add(d),
        }
    }
}

fn validate_id(id: &str) -> Result<()> {
    let ok = id.len() == 26
        && id.starts_with("key_")
        && id.as_bytes()[4..].iter().all(u8::is_ascii_alphanumeric);
    if ok {
        Ok(())
    } else {
        Err(Error::not_found(id))
    }
}

impl Store {
    /// Opens the store at `path`, creating it (mode 0600) when missing unless
    /// `options.create` is false.
    ///
    /// Fails with [`Error::AlreadyOpen`] when another process or handle holds
    /// the file, [`Error::PepperMismatch`] on a wrong pepper, and
    /// [`Error::Corrupted`] / [`Error::IncompatibleVersion`] on a file it
    /// cannot trust.
    pub fn open(path: impl AsRef<Path>, options: Options) -> Result<Store> {
        Self::open_inner(path.as_ref(), options, None)
    }

    /// Opens a store on a custom redb storage backend (an in-memory one, or a
    /// fault injector in tests). `name` is used in messages only.
    pub fn open_on_storage<S: redb::StorageBackend>(
        storage: S,
        name: &str,
        options: Options,
    ) -> Result<Store> {
        Self::open_inner(
            Path::new(name),
            options,
            Some(crate::backend::redb::opener(storage)),
        )
    }

    fn open_inner(
        path: &Path,
        options: Options,
        storage: Option<crate::backend::redb::StorageOpener>,
    ) -> Result<Store> {
        fork::install();
        if let Some(p) = &options.prefix {
            format::validate_prefix(p).map_err(|e| Error::invalid("prefix", e.to_string()))?;
        }
        for p in options.prefixes.iter().flatten() {
            format::validate_prefix(p).map_err(|e| Error::invalid("prefixes", e.to_string()))?;
        }
        if options.flush_interval.is_zero() {
            return Err(Error::invalid("flush_interval", "must be above zero"));
        }
        let (backend, temp) = RedbBackend::open(OpenRequest {
            path,
            create: options.create,
            read_only: options.read_only,
            check_integrity: options.check_integrity,
            cache_bytes: options.file_cache_bytes,
            storage,
        })?;
        let backend: Box<dyn Backend> = Box::new(backend);
        match Self::init(backend, path, options) {
            Ok(store) => {
                if let Some(temp) = temp {
                    // The store is complete and durable: give it its name.
                    if let Err(e) = crate::backend::redb::publish(&temp, path) {
                        let _ = store.close();
                        return Err(e);
                    }
                }
                Ok(store)
            }
            Err((e, backend)) => {
                let _ = backend.close();
                if let Some(temp) = temp {
                    let _ = std::fs::remove_file(temp);
                }
                Err(e)
            }
        }
    }

    #[allow(clippy::result_large_err)]
    fn init(
        backend: Box<dyn Backend>,
        path: &Path,
        options: Options,
    ) -> std::result::Result<Store, (Error, Box<dyn Backend>)> {
        let read = |backend: &dyn Backend| -> Result<_> {
            let r = backend.read()?;
            let format = r.meta(meta_keys::FORMAT)?;
            let store_key = r.meta(meta_keys::STORE_KEY)?;
            let fp = r.meta(meta_keys::PEPPER_FP)?;
            let prefix = r.meta(meta_keys::PREFIX)?;
            let prefixes = r.meta(meta_keys::PREFIXES)?;
            let last = r.last_audit()?;
            Ok((format, store_key, fp, prefix, prefixes, last))
        };
        let mut state = match read(backend.as_ref()) {
            Ok(s) => s,
            Err(e) => return Err((e, backend)),
        };
        let now = options.clock.now_millis();
        let pepper = options.pepper.as_ref().map(|p| *p.bytes());
        if state.0.is_none() {
            if options.read_only {
                return Err((
                    Error::Corrupted("the file is not a keyrack store".into()),
                    backend,
                ));
            }
            // A new store: make its key and write its meta.
            let mut store_key = Zeroizing::new([0u8; 32]);
            if let Err(e) = getrandom::fill(store_key.as_mut()) {
                return Err((Error::Io(std::io::Error::other(e.to_string())), backend));
            }
            let prefix = options
                .prefix
                .clone()
                .unwrap_or_else(|| DEFAULT_PREFIX.into());
            let prefixes = options.prefixes.clone().unwrap_or_default().join(",");
            let fp = pepper.map(|p| pepper_fingerprint(&p, &store_key));
            let res = backend.write(true, &mut |w: &mut dyn Writer| {
                w.put_meta(meta_keys::FORMAT, &FORMAT_VERSION.to_le_bytes())?;
                w.put_meta(meta_keys::CREATED, &now.to_le_bytes())?;
                w.put_meta(meta_keys::STORE_KEY, store_key.as_ref())?;
                if let Some(fp) = &fp {
                    w.put_meta(meta_keys::PEPPER_FP, fp.as_bytes())?;
                }
                w.put_meta(meta_keys::PREFIX, prefix.as_bytes())?;
                w.put_meta(meta_keys::PREFIXES, prefixes.as_bytes())?;
                Ok(())
            });
            if let Err(e) = res {
                return Err((e, backend));
            }
            state = match read(backend.as_ref()) {
                Ok(s) => s,
                Err(e) => return Err((e, backend)),
            };
        }
        let (format, store_key, fp, saved_prefix, saved_prefixes, last_audit) = state;
        let fail = |e| Err((e, ()));
        let checked = (|| -> std::result::Result<_, (Error, ())> {
            let format = format.unwrap_or_default();
            let version = u32::from_le_bytes(
                format
                    .as_slice()
                    .try_into()
                    .map_err(|_| (Error::Corrupted("bad format version".into()), ()))?,
            );
            if version != FORMAT_VERSION {
                return fail(Error::IncompatibleVersion {
                    found: version,
                    supported: FORMAT_VERSION,
                });
            }
            let store_key: Zeroizing<[u8; 32]> = Zeroizing::new(
                store_key
                    .as_deref()
                    .and_then(|k| k.try_into().ok())
                    .ok_or((Error::Corrupted("missing store key".into()), ()))?,
            );
            match (fp, pepper) {
                (None, None) => {}
                (Some(fp), Some(p)) => {
                    let fp: [u8; 32] = fp
                        .as_slice()
                        .try_into()
                        .map_err(|_| (Error::Corrupted("bad pepper fingerprint".into()), ()))?;
                    if pepper_fingerprint(&p, &store_key) != blake3::Hash::from(fp) {
                        return fail(Error::PepperMismatch);
                    }
                }
                _ => return fail(Error::PepperMismatch),
            }
            let utf8 = |b: Option<Vec<u8>>| -> std::result::Result<String, (Error, ())> {
                String::from_utf8(b.unwrap_or_default())
                    .map_err(|_| (Error::Corrupted("bad prefix meta".into()), ()))
            };
            Ok((store_key, utf8(saved_prefix)?, utf8(saved_prefixes)?))
        })();
        let (store_key, saved_prefix, saved_prefixes) = match checked {
            Ok(v) => v,
            Err((e, ())) => return Err((e, backend)),
        };
        let default_prefix = options.prefix.clone().unwrap_or(saved_prefix.clone());
        let mut prefixes: Vec<String> = match &options.prefixes {
            Some(p) => p.clone(),
            None => saved_prefixes
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        };
        prefixes.retain(|p| *p != default_prefix);
        prefixes.insert(0, default_prefix.clone());
        prefixes.dedup();
        if !options.read_only && (default_prefix != saved_prefix || options.prefixes.is_some()) {
            let rest = prefixes[1..].join(",");
            let res = backend.write(true, &mut |w: &mut dyn Writer| {
                w.put_meta(meta_keys::PREFIX, default_prefix.as_bytes())?;
                w.put_meta(meta_keys::PREFIXES, rest.as_bytes())
            });
            if let Err(e) = res {
                return Err((e, backend));
            }
        }
        let rng = match seeded_rng() {
            Ok(r) => r,
            Err(e) => return Err((e, backend)),
        };
        let hash_key = Zeroizing::new(derive_hash_key(&store_key, pepper.as_ref()));
        let mut fingerprints = Vec::new();
        let scanned = backend.read().and_then(|r| {
            r.scan_secret_hashes(&mut |hash| {
                fingerprints.push(Known::fingerprint(hash));
                Ok(true)
            })
        });
        if let Err(e) = scanned {
            return Err((e, backend));
        }
        let known = Known::of(fingerprints);
        let inner = Arc::new(Inner {
            path: path.to_path_buf(),
            backend: RwLock::new(Some(backend)),
            read_only: options.read_only,
            hash_key,
            default_prefix,
            prefixes,
            clock: options.clock.clone(),
            leeway_ms: duration_millis(options.leeway),
            fork_generation: fork::generation(),
            closed: AtomicBool::new(false),
            writes: Mutex::new(WriteState {
                seq: last_audit.map_or(0, |(_, s)| s + 1),
                rng,
            }),
            cache: Cache::new(options.cache_capacity),
            live: Live::default(),
            flusher: Mutex::new(None),
            handles: AtomicUsize::new(1),
            known,
        });
        if !options.read_only {
            let (tx, rx) = mpsc::channel::<()>();
            let weak: Weak<Inner> = Arc::downgrade(&inner);
            let every = options.flush_interval;
            let spawned = std::thread::Builder::new()
                .name("keyrack-flush".into())
                .spawn(move || flusher(weak, rx, every));
            if let Ok(handle) = spawned {
                *inner.flusher.lock().unwrap_or_else(|p| p.into_inner()) = Some((tx, handle));
            }
        }
        Ok(Store { inner })
    }

    /// The store file's path (or the name given to [`Store::open_on_storage`]).
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The default prefix of issued keys.
    pub fn default_prefix(&self) -> &str {
        &self.inner.default_prefix
    }

    /// Every accepted prefix, the default first.
    pub fn prefixes(&self) -> &[String] {
        &self.inner.prefixes
    }

    /// Whether the store was opened read-only.
    pub fn is_read_only(&self) -> bool {
        self.inner.read_only
    }

    /// The store's clock.
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    // ---- verify ---------------------------------------------------------------

    /// Verifies a key presented by a client, with no scope required and cost 1.
    /// Equivalent to `verify_with(key, &VerifyOptions::default())`.
    pub fn verify(&self, key: &str) -> Result<Verification> {
        self.verify_with(key, &VerifyOptions::default())
    }

    /// Verifies a key: the checks run in the design's order and the first
    /// failing one is the outcome. A bad key is never an error; errors are
    /// store failures (`Io`, `Closed`, `WrongProcess`, `Corrupted`).
    pub fn verify_with(&self, key: &str, options: &VerifyOptions) -> Result<Verification> {
        self.inner.usable()?;
        let accepted = match format::parse(key) {
            Ok(p) => self.inner.prefixes.iter().any(|x| x == p.prefix()),
            Err(_) => false,
        };
        if !accepted {
            return Ok(Verification::bare(Outcome::Malformed));
        }
        let hash = self.inner.hash(key);
        let now = self.inner.clock.now_millis();
        if let Some(v) = self
            .inner
            .cache
            .with(&hash, |e| self.check(e, options, now))
        {
            return Ok(v);
        }
        if !self.inner.known.may_contain(&hash) {
            return Ok(Verification::bare(Outcome::NotFound));
        }
        match self.load(&hash)? {
            Some(entry) => Ok(self.check(&entry, options, now)),
            None => Ok(Verification::bare(Outcome::NotFound)),
        }
    }

    fn load(&self, hash: &[u8; 32]) -> Result<Option<Arc<Cached>>> {
        let generation = self.inner.cache.generation(hash);
        let entry = self.inner.with_backend(|b| {
            let r = b.read()?;
            let Some(row) = r.secret(hash)? else {
                return Ok(None);
            };
            let Some(bytes) = r.record(&row.id)? else {
                return Ok(None);
            };
            let stored = StoredV1::decode(&row.id, &bytes)?;
            Ok(Some(self.cached(&stored, row.valid_until, r.as_ref())?))
        })?;
        if let Some(e) = &entry {
            self.inner.cache.insert(*hash, e.clone(), generation);
        }
        Ok(entry)
    }

    fn cached(
        &self,
        stored: &StoredV1,
        valid_until: Option<i64>,
        r: &dyn Reader,
    ) -> Result<Arc<Cached>> {
        let usage = self.inner.live.usage_for(&stored.id, || credits_of(stored));
        let pool = match (&stored.owner, stored.shared_credits) {
            (Some(owner), true) => {
                let loaded = match r.pool(owner)? {
                    Some(b) => Some(StoredPool::decode(&b)?),
                    None => None,
                };
                Some(
                    self.inner
                        .live
                        .pool_for(owner, || pool_state(loaded.as_ref())),
                )
            }
            _ => None,
        };
        Ok(Arc::new(Cached {
            valid_until,
            revoked: stored.revoked_at.is_some(),
            enabled: stored.enabled,
            expires_ms: stored.expires_at,
            record: Arc::new(stored.to_public()),
            usage,
            pool,
        }))
    }

    fn check(&self, e: &Cached, options: &VerifyOptions, now: i64) -> Verification {
        let outcome = self.outcome(e, options, now);
        let mut v = Verification {
            outcome: Outcome::Valid,
            record: Some(e.record.clone()),
            remaining: None,
            retry_after: None,
        };
        match outcome {
            Ok(remaining) => {
                e.usage.record_use(now, &self.inner.live);
                v.remaining = remaining;
            }
            Err((outcome, retry)) => {
                if let Some(slot) = outcome.denied_slot() {
                    e.usage.record_denied(slot, &self.inner.live);
                }
                v.outcome = outcome;
                v.retry_after = retry.map(|ms| Duration::from_millis(ms as u64));
            }
        }
        v
    }

    #[allow(clippy::type_complexity)]
    fn outcome(
        &self,
        e: &Cached,
        options: &VerifyOptions,
        now: i64,
    ) -> std::result::Result<Option<u64>, (Outcome, Option<i64>)> {
        if e.revoked {
            return Err((Outcome::Revoked, None));
        }
        if !e.enabled {
            return Err((Outcome::Disabled, None));
        }
        if e.valid_until.is_some_and(|u| u <= now)
            || e.expires_ms
                .is_some_and(|x| x.saturating_add(self.inner.leeway_ms) <= now)
        {
            return Err((Outcome::Expired, None));
        }
        if !options.scopes.iter().all(|s| e.record.scopes.contains(s)) {
            return Err((Outcome::InsufficientScope, None));
        }
        if let Some(RateLimit { limit, window }) = e.record.rate_limit
            && let Err(retry) = e.usage.hit(limit, duration_millis(window), now)
        {
            return Err((Outcome::RateLimited, Some(retry)));
        }
        let spent = if let Some(pool) = &e.pool {
            let mut p = pool.lock().unwrap_or_else(|p| p.into_inner());
            Some(p.credits.spend(options.cost, now))
        } else if e.record.shared_credits {
            Some(Err(0))
        } else if e.record.remaining.is_some() {
            let mut c = e.usage.credits();
            c.as_mut().map(|c| c.spend(options.cost, now))
        } else {
            // Unmetered: no lock on the hot path.
            None
        };
        match spent {
            None => Ok(None),
            Some(Ok(left)) => Ok(Some(left)),
            Some(Err(_)) => Err((Outcome::UsageExceeded, None)),
        }
    }

    // ---- writes ---------------------------------------------------------------

    /// `key_` + 22 base62 chars of 128 bits: a 48-bit millisecond timestamp,
    /// then 80 random bits. Ids are public; time-ordered ids make the keys
    /// table grow at its end (denser pages, a smaller file) and list keys in
    /// issue order. An id reveals when its key was issued, as `created_at` does.
    fn new_id(rng: &mut ChaCha20Rng, now_ms: i64) -> String {
        let mut b = [0u8; crate::ids::PACKED];
        b[..6].copy_from_slice(&(now_ms.max(0) as u64).to_be_bytes()[2..]);
        rng.fill_bytes(&mut b[6..]);
        crate::ids::unpack(&b)
    }

    fn validate_issue(&self, o: &IssueOptions, now: i64) -> Result<(String, Option<Due>)> {
        validate_text("name", &o.name, 0, MAX_NAME)?;
        if let Some(d) = &o.description {
            validate_text("description", d, 0, MAX_DESCRIPTION)?;
        }
        if let Some(owner) = &o.owner {
            validate_text("owner", owner, 1, MAX_OWNER)?;
        }
        validate_scopes(&o.scopes)?;
        validate_meta(&o.meta)?;
        let prefix = match &o.prefix {
            Some(p) => {
                if !self.inner.prefixes.contains(p) {
                    return Err(Error::invalid(
                        "prefix",
                        format!(
                            "{p:?} is not one of the store's prefixes {:?}",
                            self.inner.prefixes
                        ),
                    ));
                }
                p.clone()
            }
            None => self.inner.default_prefix.clone(),
        };
        let expires = match o.expiry {
            None => None,
            Some(Expiry::In(d)) => {
                if d.is_zero() {
                    return Err(Error::invalid("expires_in", "must be above zero"));
                }
                Some(Due::After(duration_millis(d)))
            }
            Some(Expiry::At(t)) => {
                let at = crate::clock::to_millis(t);
                if at <= now {
                    return Err(Error::invalid("expires_at", "is in the past"));
                }
                Some(Due::At(at))
            }
        };
        if let Some(r) = &o.refill {
            r.validate("refill")?;
        }
        if let Some(r) = &o.rate_limit {
            r.validate()?;
        }
        check_credit_source(
            o.shared_credits,
            o.owner.is_some(),
            o.remaining.is_some() || o.refill.is_some(),
        )?;
        Ok((prefix, expires))
    }

    /// Issues one key, durably. The secret is in the returned [`Issued`] and
    /// nowhere else.
    pub fn issue(&self, options: IssueOptions) -> Result<Issued> {
        let mut v = self.issue_many(vec![options])?;
        Ok(v.pop().expect("one issued"))
    }

    /// Issues many keys in one transaction: all or none.
    pub fn issue_many(&self, batch: Vec<IssueOptions>) -> Result<Vec<Issued>> {
        self.issue_batch(batch, true)
    }

    /// Like [`issue_many`](Store::issue_many) but commits without waiting for
    /// the disk (for bulk imports): the keys are durable after the next durable
    /// write or [`close`](Store::close). Call [`sync`](Store::sync) to force it.
    pub fn issue_many_relaxed(&self, batch: Vec<IssueOptions>) -> Result<Vec<Issued>> {
        self.issue_batch(batch, false)
    }

    fn issue_batch(&self, batch: Vec<IssueOptions>, durable: bool) -> Result<Vec<Issued>> {
        if batch.len() > MAX_BATCH {
            return Err(Error::invalid(
                "batch",
                format!("at most {MAX_BATCH} keys at once"),
            ));
        }
        let now = self.inner.clock.now_millis();
        let checked: Vec<_> = batch
            .iter()
            .map(|o| self.validate_issue(o, now))
            .collect::<Result<_>>()?;
        self.inner.write(durable, |t| {
            let mut issued = Vec::with_capacity(batch.len());
            for (o, (prefix, expires)) in batch.iter().zip(checked.iter()) {
                let id = Self::new_id(&mut t.ws.rng, t.now);
                let mut body = Zeroizing::new([0u8; BODY_BYTES]);
                t.ws.rng.fill_bytes(body.as_mut());
                let key = format::compose(prefix, &body).expect("prefix validated");
                let hash = self.inner.hash(key.expose());
                let remaining = o.remaining.or(o.refill.map(|r| r.amount));
                let stored = StoredV1 {
                    id: id.clone(),
                    prefix: prefix.clone(),
                    hint: key.hint(),
                    name: o.name.clone(),
                    description: o.description.clone(),
                    owner: o.owner.clone(),
                    scopes: o.scopes.iter().cloned().collect(),
                    meta: o.meta.clone().into_iter().collect(),
                    created_at: t.now,
                    expires_at: expires.map(|d| d.resolve(t.now)),
                    revoked_at: None,
                    enabled: true,
                    last_used_at: None,
                    uses: 0,
                    denied: [0; 6],
                    remaining,
                    refill: o.refill.as_ref().map(refill_pair),
                    refilled_at: t.now,
                    shared_credits: o.shared_credits,
                    rate_limit: o.rate_limit.as_ref().map(rate_pair),
                    hashes: vec![hash],
                };
                t.put_secret(
                    &hash,
                    &SecretRow {
                        id: id.clone(),
                        valid_until: None,
                    },
                )?;
                t.w.put_record(&id, &stored.encode())?;
                if let Some(owner) = &stored.owner {
                    t.w.put_owner(owner, &id)?;
                }
                t.audit(AuditKind::Issued, &id, "")?;
                t.touched.push(hash);
                issued.push(Issued {
                    id,
                    key,
                    record: stored.to_public(),
                });
            }
            Ok(issued)
        })
    }

    /// Imports records (for example the lines of `keyrack export`, parsed with
    /// serde) in one transaction: all or none. Records never carry a secret, so
    /// an imported key has none: it verifies as `not_found` until
    /// [`rotate`](Store::rotate) gives it a new one. Counters and credits are
    /// kept as exported. Fails with `InvalidArgument` (naming the field, and
    /// the record's position in `index`) on a bad record, an id that already
    /// exists, a prefix the store does not accept, or a repeated id.
    pub fn import(&self, records: Vec<KeyRecord>) -> Result<usize> {
        self.import_labelled(records, Vec::new(), |n| format!("record {}", n + 1))
    }

    /// Imports JSON lines as [`export`](Store::export) (and `keyrack export`)
    /// writes them, one record or owner's pool per line (see
    /// [`ExportLine`]), blank lines skipped: all or none, like
    /// [`import`](Store::import). Returns how many records it imported. A
    /// line that is neither, that `import` refuses, or a pool for an owner
    /// that already has one fails with `InvalidArgument` whose reason starts
    /// with `line N:`.
    ///
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// use keyrack::{IssueOptions, Options, Store};
    /// let old = Store::open(dir.path().join("old.redb"), Options::default())?;
    /// let issued = old.issue(IssueOptions::new("ci"))?;
    /// let mut lines = Vec::new();
    /// assert_eq!(old.export(&mut lines)?, 1);
    /// let new = Store::open(dir.path().join("new.redb"), Options::default())?;
    /// assert_eq!(new.import_json_lines(std::str::from_utf8(&lines)?)?, 1);
    /// assert_eq!(new.get(&issued.id)?.name, "ci");
    /// // Records carry no secret: the key works again once rotated.
    /// assert!(!new.verify(issued.key.expose())?.is_valid());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn import_json_lines(&self, text: &str) -> Result<usize> {
        let mut records = Vec::new();
        let mut lines = Vec::new();
        let mut pools = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let at = |e: Error| match e {
                Error::InvalidArgument { field, reason } => Error::InvalidArgument {
                    field,
                    reason: format!("line {}: {reason}", i + 1),
                },
                other => other,
            };
            match ExportLine::parse(line).map_err(at)? {
                ExportLine::Record(r) => {
                    records.push(r);
                    lines.push(i + 1);
                }
                ExportLine::Pool { owner, pool } => {
                    validate_text("owner", &owner, 1, MAX_OWNER).map_err(at)?;
                    if let Some(r) = &pool.refill {
                        r.validate("refill").map_err(at)?;
                    }
                    pools.push((format!("line {}", i + 1), owner, pool));
                }
            }
        }
        self.import_labelled(records, pools, |n| format!("line {}", lines[n]))
    }

    /// Writes every record (never a secret) to `out` as one JSON line each,
    /// in id order, with its `status` at the time of the export, then one
    /// line per owner's credit pool (see [`ExportLine`]); returns how many
    /// records. [`import_json_lines`](Store::import_json_lines) reads them
    /// back.
    pub fn export(&self, out: &mut dyn std::io::Write) -> Result<usize> {
        let now = self.inner.clock.now();
        let mut options = ListOptions::default().limit(1000);
        let mut n = 0;
        loop {
            let page = self.list(&options)?;
            for r in &page.records {
                writeln!(out, "{}", r.to_json_line(now)).map_err(Error::Io)?;
                n += 1;
            }
            match page.next_cursor {
                Some(c) => options.cursor = Some(c),
                None => break,
            }
        }
        let owners = self.inner.with_backend(|b| b.read()?.pool_owners())?;
        for owner in owners {
            if let Some(pool) = self.pool(&owner)? {
                let line = ExportLine::Pool { owner, pool }.to_json_line(now);
                writeln!(out, "{line}").map_err(Error::Io)?;
            }
        }
        out.flush().map_err(Error::Io)?;
        Ok(n)
    }

    /// Imports records and owners' pools (each pool with the label its
    /// errors start with) in one transaction.
    fn import_labelled(
        &self,
        records: Vec<KeyRecord>,
        pools: Vec<(String, String, Pool)>,
        label: impl Fn(usize) -> String,
    ) -> Result<usize> {
        if records.len() > MAX_BATCH {
            return Err(Error::invalid(
                "records",
                format!("at most {MAX_BATCH} at once"),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for (n, r) in records.iter().enumerate() {
            let at = |e: Error| match e {
                Error::InvalidArgument { field, reason } => Error::InvalidArgument {
                    field,
                    reason: format!("{}: {reason}", label(n)),
                },
                other => other,
            };
            if validate_id(&r.id).is_err() || !seen.insert(r.id.clone()) {
                return Err(at(Error::invalid(
                    "id",
                    format!("{:?} is not a fresh key id", r.id),
                )));
            }
            if !self.inner.prefixes.contains(&r.prefix) {
                return Err(at(Error::invalid(
                    "prefix",
                    format!("{:?} is not one of the store's prefixes", r.prefix),
                )));
            }
            validate_text("name", &r.name, 0, MAX_NAME).map_err(at)?;
            validate_text("hint", &r.hint, 0, MAX_NAME).map_err(at)?;
            if let Some(d) = &r.description {
                validate_text("description", d, 0, MAX_DESCRIPTION).map_err(at)?;
            }
            if let Some(o) = &r.owner {
                validate_text("owner", o, 1, MAX_OWNER).map_err(at)?;
            }
            validate_scopes(&r.scopes).map_err(at)?;
            validate_meta(&r.meta).map_err(at)?;
            if let Some(x) = &r.refill {
                x.validate("refill").map_err(at)?;
            }
            if let Some(x) = &r.rate_limit {
                x.validate().map_err(at)?;
            }
            check_credit_source(r.shared_credits, r.owner.is_some(), r.remaining.is_some())
                .map_err(at)?;
        }
        self.inner.write(true, |t| {
            for (n, r) in records.iter().enumerate() {
                if t.w.record(&r.id)?.is_some() {
                    return Err(Error::invalid(
                        "id",
                        format!("{}: {} already exists in this store", label(n), r.id),
                    ));
                }
                let to = crate::clock::to_millis;
                let stored = StoredV1 {
                    id: r.id.clone(),
                    prefix: r.prefix.clone(),
                    hint: r.hint.clone(),
                    name: r.name.clone(),
                    description: r.description.clone(),
                    owner: r.owner.clone(),
                    scopes: r.scopes.iter().cloned().collect(),
                    meta: r.meta.clone().into_iter().collect(),
                    created_at: to(r.created_at),
                    expires_at: r.expires_at.map(to),
                    revoked_at: r.revoked_at.map(to),
                    enabled: r.enabled,
                    last_used_at: r.last_used_at.map(to),
                    uses: r.uses,
                    denied: r.denied.as_array(),
                    remaining: r.remaining,
                    refill: r.refill.as_ref().map(refill_pair),
                    refilled_at: t.now,
                    shared_credits: r.shared_credits,
                    rate_limit: r.rate_limit.as_ref().map(rate_pair),
                    hashes: Vec::new(),
                };
                t.w.put_record(&r.id, &stored.encode())?;
                if let Some(owner) = &r.owner {
                    t.w.put_owner(owner, &r.id)?;
                }
                t.audit(
                    AuditKind::Issued,
                    &r.id,
                    "imported (no secret until rotated)",
                )?;
            }
            let mut seen = std::collections::HashSet::new();
            for (label, owner, pool) in &pools {
                if !seen.insert(owner) || t.w.pool(owner)?.is_some() {
                    return Err(Error::invalid(
                        "pool",
                        format!("{label}: owner {owner:?} already has a pool"),
                    ));
                }
                let p = StoredPool {
                    remaining: pool.remaining,
                    refill: pool.refill.as_ref().map(refill_pair),
                    refilled_at: t.now,
                };
                t.w.put_pool(owner, &p.encode())?;
                let (owner, state) = (owner.clone(), pool_state(Some(&p)));
                t.after.push(Box::new(move |store: &Inner| {
                    let pool = store.live.pool_for(&owner, || pool_state(None));
                    *pool.lock().unwrap_or_else(|p| p.into_inner()) = state;
                }));
            }
            Ok(records.len())
        })
    }

    /// Reads a record for a write, failing with `NotFound`.
    fn stored(t: &Txn<'_>, id: &str) -> Result<StoredV1> {
        validate_id(id)?;
        match t.w.record(id)? {
            Some(b) => StoredV1::decode(id, &b),
            None => Err(Error::not_found(id)),
        }
    }

    fn put(t: &mut Txn<'_>, s: &StoredV1) -> Result<()> {
        t.w.put_record(&s.id, &s.encode())?;
        t.touched.extend(s.hashes.iter().copied());
        Ok(())
    }

    /// Revokes a key at once and for good: once this returns, no verify in
    /// any thread succeeds with it. The record stays (for audit) until purged.
    /// Revoking a revoked key changes nothing.
    pub fn revoke(&self, id: &str) -> Result<KeyRecord> {
        self.inner
            .write(true, |t| {
                let mut s = Self::stored(t, id)?;
                if s.revoked_at.is_none() {
                    s.revoked_at = Some(t.now);
                    Self::put(t, &s)?;
                    t.audit(AuditKind::Revoked, id, "")?;
                }
                Ok(s.to_public())
            })
            .map(|r| self.inner.with_live(r))
    }

    /// Enables a disabled key.
    pub fn enable(&self, id: &str) -> Result<KeyRecord> {
        self.set_enabled(id, true)
    }

    /// Disables a key: it verifies as `disabled` until enabled again.
    pub fn disable(&self, id: &str) -> Result<KeyRecord> {
        self.set_enabled(id, false)
    }

    fn set_enabled(&self, id: &str, enabled: bool) -> Result<KeyRecord> {
        self.inner
            .write(true, |t| {
                let mut s = Self::stored(t, id)?;
                if s.enabled != enabled {
                    s.enabled = enabled;
                    Self::put(t, &s)?;
                    let kind = if enabled {
                        AuditKind::Enabled
                    } else {
                        AuditKind::Disabled
                    };
                    t.audit(kind, id, "")?;
                }
                Ok(s.to_public())
            })
            .map(|r| self.inner.with_live(r))
    }

    /// Gives a key a new secret, keeping its id and settings. The old secret
    /// keeps working until `now + grace` (never past the key's own expiry);
    /// a zero grace ends it at once. A key has at most two live secrets: a
    /// second rotation ends the oldest one immediately.
    pub fn rotate(&self, id: &str, grace: Duration) -> Result<Issued> {
        self.inner
            .write(true, |t| {
                let mut s = Self::stored(t, id)?;
                if s.revoked_at.is_some() {
                    return Err(Error::invalid("id", "a revoked key cannot be rotated"));
                }
                let mut body = Zeroizing::new([0u8; BODY_BYTES]);
                t.ws.rng.fill_bytes(body.as_mut());
                let key = format::compose(&s.prefix, &body)
                    .map_err(|e| Error::Corrupted(format!("stored prefix: {e}")))?;
                let hash = self.inner.hash(key.expose());
                let mut until = t.now.saturating_add(duration_millis(grace));
                if let Some(x) = s.expires_at {
                    until = until.min(x);
                }
                let old = s.hashes.clone();
                for (i, h) in old.iter().enumerate() {
                    if i == 0 {
                        t.update_secret(
                            h,
                            &SecretRow {
                                id: id.to_owned(),
                                valid_until: Some(until),
                            },
                        )?;
                    } else {
                        t.delete_secret(h)?;
                    }
                }
                t.put_secret(
                    &hash,
                    &SecretRow {
                        id: id.to_owned(),
                        valid_until: None,
                    },
                )?;
                t.touched.extend(old.iter().copied());
                s.hashes = vec![hash];
                s.hashes.extend(old.first().copied());
                s.hint = key.hint();
                Self::put(t, &s)?;
                t.audit(
                    AuditKind::Rotated,
                    id,
                    &format!("grace {} ms", duration_millis(grace)),
                )?;
                Ok(Issued {
                    id: id.to_owned(),
                    key,
                    record: s.to_public(),
                })
            })
            .map(|mut i| {
                i.record = self.inner.with_live(i.record);
                i
            })
    }

    /// Changes a key's settings (see [`UpdateOptions`]); the fields changed
    /// are named in the audit log.
    pub fn update(&self, id: &str, change: UpdateOptions) -> Result<KeyRecord> {
        let now = self.inner.clock.now_millis();
        if let Some(n) = &change.name {
            validate_text("name", n, 0, MAX_NAME)?;
        }
        if let Some(Some(d)) = &change.description {
            validate_text("description", d, 0, MAX_DESCRIPTION)?;
        }
        if let Some(Some(o)) = &change.owner {
            validate_text("owner", o, 1, MAX_OWNER)?;
        }
        if let Some(s) = &change.scopes {
            validate_scopes(s)?;
        }
        if let Some(m) = &change.meta {
            validate_meta(m)?;
        }
        if let Some(Some(t)) = change.expires_at
            && crate::clock::to_millis(t) <= now
        {
            return Err(Error::invalid("expires_at", "is in the past"));
        }
        if let Some(Some(r)) = &change.refill {
            r.validate("refill")?;
        }
        if let Some(Some(r)) = &change.rate_limit {
            r.validate()?;
        }
        self.inner
            .write(true, |t| {
                let mut s = Self::stored(t, id)?;
                let mut changed = Vec::new();
                if let Some(n) = &change.name {
                    s.name = n.clone();
                    changed.push("name");
                }
                if let Some(d) = &change.description {
                    s.description = d.clone();
                    changed.push("description");
                }
                if let Some(o) = &change.owner {
                    if let Some(old) = &s.owner {
                        t.w.delete_owner(old, id)?;
                    }
                    if let Some(new) = o {
                        t.w.put_owner(new, id)?;
                    }
                    s.owner = o.clone();
                    changed.push("owner");
                }
                if let Some(sc) = &change.scopes {
                    s.scopes = sc.iter().cloned().collect();
                    changed.push("scopes");
                }
                if let Some(m) = &change.meta {
                    s.meta = m.clone().into_iter().collect();
                    changed.push("meta");
                }
                if let Some(x) = change.expires_at {
                    s.expires_at = x.map(crate::clock::to_millis);
                    changed.push("expires_at");
                }
                if let Some(r) = change.rate_limit {
                    s.rate_limit = r.as_ref().map(rate_pair);
                    changed.push("rate_limit");
                }
                if let Some(sh) = change.shared_credits {
                    s.shared_credits = sh;
                    changed.push("shared_credits");
                }
                let credits_changed = change.remaining.is_some() || change.refill.is_some();
                if let Some(r) = change.refill {
                    s.refill = r.as_ref().map(refill_pair);
                    s.refilled_at = t.now;
                    changed.push("refill");
                }
                if let Some(r) = change.remaining {
                    s.remaining = r;
                    changed.push("remaining");
                } else if credits_changed && s.remaining.is_none() {
                    s.remaining = s.refill.map(|(a, _)| a);
                }
                check_credit_source(s.shared_credits, s.owner.is_some(), s.remaining.is_some())?;
                if credits_changed {
                    // In-memory credits are authoritative while the handle lives:
                    // replace them with the new balance.
                    let c = credits_of(&s);
                    let id = id.to_owned();
                    t.after.push(Box::new(move |store: &Inner| {
                        let u = store.live.usage_for(&id, || c);
                        *u.credits() = c;
                    }));
                } else if let Some(u) = self.inner.live.existing_usage(id) {
                    // Keep the live balance in what we write back.
                    if let Some(c) = *u.credits() {
                        s.remaining = Some(c.remaining);
                        s.refilled_at = c.refilled_at;
                    }
                }
                Self::put(t, &s)?;
                if !changed.is_empty() {
                    t.audit(AuditKind::Updated, id, &changed.join(","))?;
                }
                Ok(s.to_public())
            })
            .map(|r| self.inner.with_live(r))
    }

    /// Removes revoked and expired records (and rotated-out secrets) whose
    /// revocation or expiry is at least `older_than` in the past. Returns how
    /// many records were removed.
    pub fn purge(&self, older_than: Duration) -> Result<u64> {
        let cutoff_of = |now: i64| now.saturating_sub(duration_millis(older_than));
        self.inner.write(true, |t| {
            let cutoff = cutoff_of(t.now);
            let mut doomed = Vec::new();
            let mut trimmed = Vec::new();
            t.w.scan_records(None, &mut |id, bytes| {
                let s = StoredV1::decode(id, bytes)?;
                let gone = s.revoked_at.is_some_and(|r| r <= cutoff)
                    || s.expires_at.is_some_and(|x| x <= cutoff);
                if gone {
                    doomed.push(s);
                } else if s.hashes.len() > 1 {
                    trimmed.push(id.to_owned());
                }
                Ok(true)
            })?;
            for s in &doomed {
                for h in &s.hashes {
                    t.delete_secret(h)?;
                }
                t.w.delete_record(&s.id)?;
                if let Some(o) = &s.owner {
                    t.w.delete_owner(o, &s.id)?;
                }
                t.touched.extend(s.hashes.iter().copied());
                t.audit(AuditKind::Purged, &s.id, "")?;
            }
            for id in trimmed {
                let mut s = Self::stored(t, &id)?;
                let mut keep = vec![s.hashes[0]];
                for h in s.hashes.iter().skip(1) {
                    let row = t.w.secret(h)?;
                    if row.and_then(|r| r.valid_until).is_some_and(|u| u <= cutoff) {
                        t.delete_secret(h)?;
                        t.touched.push(*h);
                    } else {
                        keep.push(*h);
                    }
                }
                if keep.len() != s.hashes.len() {
                    t.touched.extend(s.hashes.iter().copied());
                    s.hashes = keep;
                    t.w.put_record(&s.id, &s.encode())?;
                }
            }
            let ids: Vec<String> = doomed.iter().map(|s| s.id.clone()).collect();
            t.after.push(Box::new(move |store: &Inner| {
                let mut map = store.live.usage.lock().unwrap_or_else(|p| p.into_inner());
                for id in &ids {
                    map.remove(id);
                }
            }));
            Ok(doomed.len() as u64)
        })
    }

    /// Sets an owner's shared credit pool (spent by its keys issued with
    /// `shared_credits`).
    pub fn set_pool(&self, owner: &str, remaining: u64, refill: Option<Refill>) -> Result<Pool> {
        validate_text("owner", owner, 1, MAX_OWNER)?;
        if let Some(r) = &refill {
            r.validate("refill")?;
        }
        self.inner.write(true, |t| {
            let p = StoredPool {
                remaining,
                refill: refill.as_ref().map(refill_pair),
                refilled_at: t.now,
            };
            t.w.put_pool(owner, &p.encode())?;
            let owner = owner.to_owned();
            let state = pool_state(Some(&p));
            t.after.push(Box::new(move |store: &Inner| {
                let pool = store.live.pool_for(&owner, || pool_state(None));
                *pool.lock().unwrap_or_else(|p| p.into_inner()) = state;
            }));
            Ok(p.to_public())
        })
    }

    /// An owner's credit pool, with live (unflushed) spending.
    pub fn pool(&self, owner: &str) -> Result<Option<Pool>> {
        self.inner.usable()?;
        if let Some(p) = self
            .inner
            .live
            .pools
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(owner)
        {
            let p = p.lock().unwrap_or_else(|p| p.into_inner());
            return Ok(p.exists.then_some(Pool {
                remaining: p.credits.remaining,
                refill: p.credits.refill,
            }));
        }
        self.inner.with_backend(|b| match b.read()?.pool(owner)? {
            Some(bytes) => Ok(Some(StoredPool::decode(&bytes)?.to_public())),
            None => Ok(None),
        })
    }

    // ---- reads ----------------------------------------------------------------

    /// The record of key `id` (live counters included), or `NotFound`.
    pub fn get(&self, id: &str) -> Result<KeyRecord> {
        self.inner.usable()?;
        validate_id(id)?;
        let stored = self.inner.with_backend(|b| match b.read()?.record(id)? {
            Some(bytes) => StoredV1::decode(id, &bytes),
            None => Err(Error::not_found(id)),
        })?;
        Ok(self.inner.with_live(stored.to_public()))
    }

    /// One page of records matching the filters, in id order.
    pub fn list(&self, options: &ListOptions) -> Result<Page> {
        self.inner.usable()?;
        if options.limit == 0 || options.limit > 1000 {
            return Err(Error::invalid("limit", "must be between 1 and 1000"));
        }
        if let Some(c) = &options.cursor
            && validate_id(c).is_err()
        {
            return Err(Error::invalid(
                "cursor",
                "not a cursor from a previous page",
            ));
        }
        let now = self.inner.clock.now();
        let mut records = Vec::new();
        let mut more = false;
        let keep = |r: &KeyRecord| {
            options.prefix.as_ref().is_none_or(|p| *p == r.prefix)
                && options.status.is_none_or(|s| r.status_at(now) == s)
                && options
                    .unused_since
                    .is_none_or(|t| r.last_used_at.is_none_or(|u| u < t))
        };
        self.inner.with_backend(|b| {
            let reader = b.read()?;
            let mut take = |id: &str, bytes: &[u8]| -> Result<bool> {
                let r = self
                    .inner
                    .with_live(StoredV1::decode(id, bytes)?.to_public());
                if keep(&r) {
                    if records.len() == options.limit {
                        more = true;
                        return Ok(false);
                    }
                    records.push(r);
                }
                Ok(true)
            };
            match &options.owner {
                Some(owner) => {
                    let mut ids = Vec::new();
                    reader.scan_owner(owner, options.cursor.as_deref(), &mut |id| {
                        ids.push(id.to_owned());
                        Ok(true)
                    })?;
                    for id in ids {
                        if let Some(bytes) = reader.record(&id)?
                            && !take(&id, &bytes)?
                        {
                            break;
                        }
                    }
                }
                None => {
                    reader.scan_records(options.cursor.as_deref(), &mut |id, bytes| {
                        take(id, bytes)
                    })?;
                }
            }
            Ok(())
        })?;
        let next_cursor = if more {
            records.last().map(|r| r.id.clone())
        } else {
            None
        };
        Ok(Page {
            records,
            next_cursor,
        })
    }

    /// Audit events matching the filters, oldest first, one page at a time.
    pub fn audit(&self, options: &AuditOptions) -> Result<AuditPage> {
        self.inner.usable()?;
        if options.limit == 0 || options.limit > 10_000 {
            return Err(Error::invalid("limit", "must be between 1 and 10000"));
        }
        let from = match &options.cursor {
            Some(c) => {
                let (a, s) = c
                    .split_once('.')
                    .and_then(|(a, s)| Some((a.parse::<i64>().ok()?, s.parse::<u64>().ok()?)))
                    .ok_or_else(|| Error::invalid("cursor", "not a cursor from a previous page"))?;
                (a, s.saturating_add(1))
            }
            None => (options.since.map_or(i64::MIN, crate::clock::to_millis), 0),
        };
        let mut events = Vec::new();
        let mut more = false;
        self.inner.with_backend(|b| {
            b.read()?.scan_audit(from, &mut |at, seq, bytes| {
                let e = StoredAudit::decode(at, seq, bytes)?;
                if options.id.as_ref().is_some_and(|id| *id != e.id)
                    || options.kind.is_some_and(|k| k != e.kind)
                {
                    return Ok(true);
                }
                if events.len() == options.limit {
                    more = true;
                    return Ok(false);
                }
                events.push(e);
                Ok(true)
            })
        })?;
        let next_cursor = if more {
            events
                .last()
                .map(|e| format!("{}.{}", crate::clock::to_millis(e.at), e.seq))
        } else {
            None
        };
        Ok(AuditPage {
            events,
            next_cursor,
        })
    }

    // ---- lifecycle ------------------------------------------------------------

    /// Writes the in-memory counters and credits now, durably.
    pub fn sync(&self) -> Result<()> {
        self.inner.flush(true)
    }

    /// Writes pending counters, then rewrites the file to give free space
    /// back (after many revocations and purges, or a large relaxed import).
    /// Blocks verifies that miss the cache while it runs. Returns whether the
    /// file was compacted. Fails with `ReadOnly` on a read-only store.
    pub fn compact(&self) -> Result<bool> {
        self.inner.usable()?;
        if self.inner.read_only {
            return Err(Error::ReadOnly);
        }
        self.sync()?;
        let _writes = self.inner.writes.lock().unwrap_or_else(|p| p.into_inner());
        let mut guard = self
            .inner
            .backend
            .write()
            .unwrap_or_else(|p| p.into_inner());
        match guard.as_deref_mut() {
            Some(b) => b.compact(),
            None => Err(Error::Closed),
        }
    }

    /// Writes pending counters, releases the file, and makes every clone of
    /// this handle answer `Closed`. Closing twice is harmless.
    pub fn close(&self) -> Result<()> {
        if self.inner.fork_generation != fork::generation() {
            return Err(Error::WrongProcess);
        }
        self.inner.shutdown()
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
            None => Err(Error::Closed),
        }
    }

    fn hash(&self, key: &str) -> [u8; 32] {
        *blake3::keyed_hash(&self.hash_key, key.as_bytes()).as_bytes()
    }

    /// Runs one write transaction under the store's write lock; after commit,
    /// drops the cache entries of `touched` hashes so the next verify reads the
    /// new state, then runs `after` (in-memory updates), before returning.
    fn write<T>(&self, durable: bool, f: impl FnOnce(&mut Txn<'_>) -> Result<T>) -> Result<T> {
        self.usable()?;
        if self.read_only {
            return Err(Error::ReadOnly);
        }
        let mut ws = self.writes.lock().unwrap_or_else(|p| p.into_inner());
        let now = self.clock.now_millis();
        let mut f = Some(f);
        let mut out = None;
        let mut touched = Vec::new();
        let mut secrets = Vec::new();
        let mut after: Vec<AfterCommit> = Vec::new();
        let seq_start = ws.seq;
        let result = self.with_backend(|b| {
            b.write(durable, &mut |w: &mut dyn Writer| {
                touched.clear();
                secrets.clear();
                after.clear();
                ws.seq = seq_start;
                let f = f
                    .take()
                    .ok_or_else(|| Error::Io(std::io::Error::other("retried")))?;
                let mut txn = Txn {
                    w,
                    now,
                    ws: &mut ws,
                    touched: &mut touched,
                    secrets: &mut secrets,
                    after: &mut after,
                };
                out = Some(f(&mut txn)?);
                Ok(())
            })
        });
        if let Err(e) = result {
            ws.seq = seq_start;
            // The commit may or may not have landed: knowing a hash too many
            // only sends its verifies to the file, so add, never remove.
            for (h, _) in secrets.iter().filter(|(_, added)| *added) {
                self.known.add(h);
            }
            // Anything read into memory during the failed transaction may be
            // ahead of the file: start over from the file.
            for h in &touched {
                self.cache.invalidate(h);
            }
            return Err(e);
        }
        // In-memory state first, then the cache: a verify that reloads the new
        // record must already find the new credits.
        for (h, added) in &secrets {
            if *added {
                self.known.add(h);
            } else {
                self.known.remove(h);
            }
        }
        for a in after {
            a(self);
        }
        for h in &touched {
            self.cache.invalidate(h);
        }
        drop(ws);
        out.ok_or_else(|| Error::Io(std::io::Error::other("write produced no result")))
    }

    /// Adds the counters not yet flushed to a record read from the file.
    fn with_live(&self, mut r: KeyRecord) -> KeyRecord {
        if let Some(u) = self.live.existing_usage(&r.id) {
            let (uses, last, denied) = u.pending();
            r.uses += uses;
            if last != NEVER {
                let last = from_millis(last);
                r.last_used_at = Some(r.last_used_at.map_or(last, |x| x.max(last)));
            }
            let mut d = r.denied.as_array();
            for (a, b) in d.iter_mut().zip(denied) {
                *a += b;
            }
            r.denied = crate::Denied::from_array(d);
            if let Some(c) = *u.credits() {
                r.remaining = Some(c.remaining);
            }
        }
        r
    }

    fn flush(&self, durable: bool) -> Result<()> {
        if self.read_only {
            return Ok(());
        }
        let now = self.clock.now_millis();
        // Only what changed since the last flush: verifies queue an entry
        // when they first dirty it (credits change only with a counted verify).
        let dirty: Vec<Arc<Usage>> =
            std::mem::take(&mut *self.live.dirty.lock().unwrap_or_else(|p| p.into_inner()));
        let pools: Vec<(String, Arc<Mutex<PoolState>>)> = {
            let map = self.live.pools.lock().unwrap_or_else(|p| p.into_inner());
            map.iter()
                .filter(|(_, p)| p.lock().map(|p| p.credits.dirty).unwrap_or(false))
                .map(|(k, p)| (k.clone(), p.clone()))
                .collect()
        };
        if dirty.is_empty() && pools.is_empty() && !durable {
            return Ok(());
        }
        let mut taken = Vec::new();
        let result = self.write(durable, |t| {
            for u in &dirty {
                let id = &*u.id;
                let Some(bytes) = t.w.record(id)? else {
                    continue;
                };
                let mut s = StoredV1::decode(id, &bytes)?;
                let pending = u.take();
                taken.push((u.clone(), pending));
                s.uses += pending.0;
                if pending.1 != NEVER {
                    s.last_used_at = Some(s.last_used_at.map_or(pending.1, |x| x.max(pending.1)));
                }
                for (a, b) in s.denied.iter_mut().zip(pending.2) {
                    *a += b;
                }
                if let Some(c) = u.credits().as_mut() {
                    s.remaining = Some(c.remaining);
                    s.refilled_at = c.refilled_at;
                    c.dirty = false;
                }
                t.w.put_record(id, &s.encode())?;
            }
            for (owner, p) in &pools {
                let mut p = p.lock().unwrap_or_else(|p| p.into_inner());
                if p.exists {
                    let sp = StoredPool {
                        remaining: p.credits.remaining,
                        refill: p.credits.refill.as_ref().map(refill_pair),
                        refilled_at: p.credits.refilled_at,
                    };
                    t.w.put_pool(owner, &sp.encode())?;
                }
                p.credits.dirty = false;
            }
            Ok(())
        });
        if let Err(e) = result {
            // Entries not reached before the failure go back in the queue.
            let reached: std::collections::HashSet<*const Usage> =
                taken.iter().map(|(u, _)| Arc::as_ptr(u)).collect();
            for (u, pending) in taken {
                if let Some(c) = u.credits().as_mut() {
                    c.dirty = true;
                }
                u.restore(pending, &self.live);
            }
            for u in dirty
                .iter()
                .filter(|u| !reached.contains(&Arc::as_ptr(u)) && u.dirty.load(Ordering::Acquire))
            {
                self.live
                    .dirty
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(u.clone());
            }
            for (_, p) in &pools {
                p.lock().unwrap_or_else(|p| p.into_inner()).credits.dirty = true;
            }
            return Err(e);
        }
        // Forget idle entries so memory follows the working set: a walk over
        // every entry, so once a minute rather than on every flush.
        if now.saturating_sub(self.live.swept_at.load(Ordering::Relaxed)) >= SWEEP_EVERY_MS {
            self.live.swept_at.store(now, Ordering::Relaxed);
            let mut map = self.live.usage.lock().unwrap_or_else(|p| p.into_inner());
            map.retain(|_, u| Arc::strong_count(u) > 1 || !u.idle(now));
        }
        Ok(())
    }

    fn shutdown(&self) -> Result<()> {
        let flusher = self
            .flusher
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some((tx, handle)) = flusher {
            drop(tx);
            if handle.thread().id() != std::thread::current().id() {
                let _ = handle.join();
            }
        }
        let mut result = Ok(());
        if !self.closed.load(Ordering::Acquire) && !self.read_only {
            // Borrow a Store view to flush through the normal write path.
            result = self.flush(true);
        }
        self.closed.store(true, Ordering::Release);
        let backend = self
            .backend
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        self.cache.clear();
        if let Some(b) = backend {
            let closed = b.close();
            if result.is_ok() {
                result = closed;
            }
        }
        result
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if self.fork_generation != fork::generation() {
            // A forked child must not touch the parent's file: leak the handle.
            if let Some(b) = self.backend.get_mut().ok().and_then(Option::take) {
                std::mem::forget(b);
            }
            if let Some(f) = self.flusher.get_mut().ok().and_then(Option::take) {
                std::mem::forget(f);
            }
            return;
        }
        let _ = self.shutdown();
    }
}

fn flusher(weak: Weak<Inner>, stop: mpsc::Receiver<()>, every: Duration) {
    loop {
        match stop.recv_timeout(every) {
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            _ => return,
        }
        let Some(inner) = weak.upgrade() else { return };
        if inner.fork_generation != fork::generation() || inner.closed.load(Ordering::Acquire) {
            return;
        }
        let _ = inner.flush(false);
    }
}

fn credits_of(s: &StoredV1) -> Option<Credits> {
    s.remaining.map(|remaining| Credits {
        remaining,
        refill: s.refill.map(refill_from_pair),
        refilled_at: s.refilled_at,
        dirty: false,
    })
}

fn pool_state(p: Option<&StoredPool>) -> PoolState {
    match p {
        Some(p) => PoolState {
            credits: Credits {
                remaining: p.remaining,
                refill: p.refill.map(refill_from_pair),
                refilled_at: p.refilled_at,
                dirty: false,
            },
            exists: true,
        },
        None => PoolState {
            credits: Credits {
                remaining: 0,
                refill: None,
                refilled_at: 0,
                dirty: false,
            },
            exists: false,
        },
    }
}

/// In-memory updates that run after a write commits, before it returns.
type AfterCommit = Box<dyn FnOnce(&Inner)>;

/// A write in progress.
struct Txn<'a> {
    w: &'a mut dyn Writer,
    now: i64,
    ws: &'a mut WriteState,
    touched: &'a mut Vec<[u8; 32]>,
    /// Secret rows written (`true`) or deleted (`false`), for [`Known`].
    secrets: &'a mut Vec<([u8; 32], bool)>,
    after: &'a mut Vec<AfterCommit>,
}

impl Txn<'_> {
    /// Writes a new secret row.
    fn put_secret(&mut self, hash: &[u8; 32], row: &SecretRow) -> Result<()> {
        self.w.put_secret(hash, row)?;
        self.secrets.push((*hash, true));
        Ok(())
    }

    /// Rewrites the row of a secret already stored (e.g. its grace deadline).
    fn update_secret(&mut self, hash: &[u8; 32], row: &SecretRow) -> Result<()> {
        self.w.put_secret(hash, row)
    }

    fn delete_secret(&mut self, hash: &[u8; 32]) -> Result<()> {
        self.w.delete_secret(hash)?;
        self.secrets.push((*hash, false));
        Ok(())
    }

    fn audit(&mut self, kind: AuditKind, id: &str, detail: &str) -> Result<()> {
        let seq = self.ws.seq;
        self.ws.seq += 1;
        let ev = StoredAudit {
            kind,
            id: id.to_owned(),
            detail: detail.to_owned(),
        };
        self.w.put_audit(self.now, seq, &ev.encode())
    }
}
