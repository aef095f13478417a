//! The `Store` class and its life: the constructor and its options,
//! `close`, `sync`, `compact`, `health`, and the accepted prefixes
//! (`addPrefix`, `removePrefix`). Each other room (`verify.rs`, `issue.rs`,
//! `manage.rs`, `read.rs`, `pool.rs`, `transfer.rs`) adds its verbs in its
//! own `#[napi] impl Store` block, as the core's rooms do.

use napi::bindgen_prelude::*;
use napi::{Env, Unknown};
use napi_derive::napi;

use crate::clock::ClockArg;
use crate::convert::{JsDate, count, millis, required};
use crate::error::{Fallible, code, throwable};
use crate::options::known;
use crate::task::Op;

/// An open keyrack file. One process may open a file for writing at a time; a
/// second `Store` on the same file throws `KEYRACK_ALREADY_OPEN`. Call
/// `close()` when done: it writes pending counters and releases the file.
#[napi]
pub struct Store {
    pub(crate) inner: keyrack::Store,
}

/// How to open a store. A property that names none of these throws a `TypeError`.
#[napi(object, object_to_js = false)]
pub struct StoreOptions {
    /// The prefix this handle issues keys with: a new store's default
    /// (defaults to `kr`); an existing store must already accept it (else
    /// `KEYRACK_INVALID_ARGUMENT`: add it with `addPrefix`).
    pub prefix: Option<String>,
    /// Further accepted prefixes of a new store. An existing store must
    /// already accept each one; opening never changes the accepted set.
    pub prefixes: Option<Vec<String>>,
    /// 32 bytes kept outside the file (e.g. `Buffer.from(process.env.PEPPER, 'hex')`).
    pub pepper: Option<Uint8Array>,
    /// Open without writing; several processes may read at once.
    pub read_only: Option<bool>,
    /// Create the file when missing (default `true`).
    pub create: Option<bool>,
    /// A manual clock for tests (default: the system clock).
    #[napi(ts_type = "ManualClock")]
    pub clock: Option<ClockArg>,
    /// Grace allowed past `expiresAt`, in ms (default 0).
    pub leeway: Option<f64>,
    /// How often in-memory counters are written, in ms (default 1000).
    pub flush_interval: Option<f64>,
    /// Most keys kept in the verify cache (default 1,000,000).
    pub cache_capacity: Option<f64>,
    /// Most credits a metered key or pool reserves in the file ahead of
    /// spending them (default 100, at least 1): a crash forfeits at most
    /// this many per spending key or pool, a clean close none.
    pub credit_lease: Option<f64>,
}

known!(StoreOptions {
    prefix,
    prefixes,
    pepper,
    read_only,
    create,
    clock,
    leeway,
    flush_interval,
    cache_capacity,
    credit_lease
});

impl StoreOptions {
    fn into_core(self) -> keyrack::Result<keyrack::Options> {
        let mut o = keyrack::Options::default();
        o.prefix = self.prefix;
        o.prefixes = self.prefixes;
        if let Some(p) = self.pepper {
            o.pepper = Some(keyrack::Pepper::from_slice(&p)?);
        }
        o.read_only = self.read_only.unwrap_or(false);
        o.create = self.create.unwrap_or(true);
        if let Some(c) = self.clock {
            o.clock = c.0;
        }
        if let Some(ms) = self.leeway {
            o.leeway = millis("leeway", ms)?;
        }
        if let Some(ms) = self.flush_interval {
            o.flush_interval = millis("flushInterval", ms)?;
        }
        if let Some(n) = self.cache_capacity {
            o.cache_capacity = usize::try_from(count("cacheCapacity", n)?).unwrap_or(usize::MAX);
        }
        if let Some(n) = self.credit_lease {
            o.credit_lease = count("creditLease", n)?;
        }
        Ok(o)
    }
}

/// A storage failure as `health()` reports it.
#[napi(object, object_from_js = false)]
pub struct Fault {
    /// Its error code (`KEYRACK_IO` or `KEYRACK_CORRUPTED`).
    #[napi(ts_type = "ErrorCode")]
    pub code: String,
    /// Its message (never a secret).
    pub message: String,
    /// When it happened.
    #[napi(ts_type = "Date")]
    pub at: JsDate,
    /// Whether the background counter flush met it (no call threw it).
    pub background: bool,
}

/// How the store's storage is doing, from `health()`.
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct Health {
    /// `false` from a failed write or background flush until a later one
    /// succeeds (the store reopens its file and retries by itself).
    pub ok: bool,
    /// The most recent storage failure, kept after the store heals; `null`
    /// when there was none.
    pub last_error: Option<Fault>,
}

impl Health {
    fn from_core(h: keyrack::Health) -> Self {
        Health {
            ok: h.ok,
            last_error: h.last_error.map(|f| Fault {
                code: code(f.kind),
                message: f.message,
                at: JsDate(f.at),
                background: f.background,
            }),
        }
    }
}

impl Store {
    fn sync_op(&self) -> Op<()> {
        let store = self.inner.clone();
        Op::new(move || Ok(store.sync()?))
    }

    fn compact_op(&self) -> Op<bool> {
        let store = self.inner.clone();
        Op::new(move || Ok(store.compact()?))
    }

    fn prefix_op(
        &self,
        prefix: Option<Unknown>,
        f: fn(&keyrack::Store, &str) -> keyrack::Result<Vec<String>>,
    ) -> Op<Vec<String>> {
        let store = self.inner.clone();
        Op::from(
            required::<String>(prefix, "prefix", "a string").map_err(Into::into),
            move |p| Ok(f(&store, &p)?),
        )
    }
}

#[napi]
impl Store {
    /// Opens (creating it with mode 0600 when missing) the store file at `path`.
    #[napi(constructor)]
    pub fn new(
        env: Env,
        #[napi(ts_arg_type = "string")] path: Unknown,
        #[napi(ts_arg_type = "StoreOptions")] options: Option<Unknown>,
    ) -> Result<Self> {
        let open = || -> Fallible<keyrack::Store> {
            let path = required::<String>(Some(path), "path", "a string")?;
            let o = crate::options::options::<StoreOptions>(options, "options", "an object")?;
            let o = o.map_or_else(|| Ok(keyrack::Options::default()), StoreOptions::into_core)?;
            Ok(keyrack::Store::open(path, o)?)
        };
        open()
            .map(|inner| Store { inner })
            .map_err(|e| throwable(&env, e))
    }

    /// The store file's path.
    #[napi(getter)]
    pub fn path(&self) -> String {
        self.inner.path().to_string_lossy().into_owned()
    }

    /// The prefix this handle issues keys with when an issue names none.
    #[napi(getter)]
    pub fn prefix(&self) -> String {
        self.inner.default_prefix().to_owned()
    }

    /// Every accepted prefix, the store's default first (read fresh: it
    /// follows `addPrefix` and `removePrefix`).
    #[napi(getter)]
    pub fn prefixes(&self) -> Vec<String> {
        self.inner.prefixes()
    }

    /// Makes the store accept keys and issues with `prefix`, durably and for
    /// every handle opened after; audited as `prefix_added`. Returns the
    /// accepted prefixes. Adding one it accepts changes nothing.
    #[napi]
    pub fn add_prefix(
        &self,
        env: Env,
        #[napi(ts_arg_type = "string")] prefix: Unknown,
    ) -> Result<Vec<String>> {
        self.prefix_op(Some(prefix), keyrack::Store::add_prefix)
            .sync(&env)
    }

    /// `addPrefix` on the libuv pool.
    #[napi(ts_return_type = "Promise<string[]>")]
    pub fn add_prefix_async(
        &self,
        #[napi(ts_arg_type = "string")] prefix: Unknown,
    ) -> AsyncTask<Op<Vec<String>>> {
        self.prefix_op(Some(prefix), keyrack::Store::add_prefix)
            .promise()
    }

    /// Stops accepting `prefix`: its keys verify as `malformed` from then on.
    /// The store's default prefix and this handle's issue prefix cannot be
    /// removed (`KEYRACK_INVALID_ARGUMENT`, field `prefix`), nor one the store
    /// does not accept. Audited as `prefix_removed`; returns the accepted prefixes.
    #[napi]
    pub fn remove_prefix(
        &self,
        env: Env,
        #[napi(ts_arg_type = "string")] prefix: Unknown,
    ) -> Result<Vec<String>> {
        self.prefix_op(Some(prefix), keyrack::Store::remove_prefix)
            .sync(&env)
    }

    /// `removePrefix` on the libuv pool.
    #[napi(ts_return_type = "Promise<string[]>")]
    pub fn remove_prefix_async(
        &self,
        #[napi(ts_arg_type = "string")] prefix: Unknown,
    ) -> AsyncTask<Op<Vec<String>>> {
        self.prefix_op(Some(prefix), keyrack::Store::remove_prefix)
            .promise()
    }

    /// How the storage is doing: `ok` is false after a failed write or
    /// background counter flush until a later one succeeds (after an I/O
    /// fault the store reopens its file by itself on the next write);
    /// `lastError` is the most recent failure, kept after it heals. Reads
    /// memory only; works on a closed store too.
    #[napi]
    pub fn health(&self) -> Health {
        Health::from_core(self.inner.health())
    }

    /// Whether the store was opened read-only.
    #[napi(getter)]
    pub fn read_only(&self) -> bool {
        self.inner.is_read_only()
    }

    /// Writes pending counters and releases the file; every later call throws
    /// `KEYRACK_CLOSED`. Closing twice is harmless.
    #[napi]
    pub fn close(&self, env: Env) -> Result<()> {
        self.inner.close().map_err(|e| throwable(&env, e.into()))
    }

    /// Writes the in-memory counters (uses, last use, credits) now, durably.
    #[napi]
    pub fn sync(&self, env: Env) -> Result<()> {
        self.sync_op().sync(&env)
    }

    /// `sync` on the libuv pool.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn sync_async(&self) -> AsyncTask<Op<()>> {
        self.sync_op().promise()
    }

    /// Writes pending counters, then rewrites the file to give free space back
    /// (after many revocations and purges, or a large import). Verifies that
    /// miss the cache wait while it runs. Returns whether the file was
    /// compacted. Throws `KEYRACK_READ_ONLY` on a store opened read-only.
    #[napi]
    pub fn compact(&self, env: Env) -> Result<bool> {
        self.compact_op().sync(&env)
    }

    /// `compact` on the libuv pool.
    #[napi(ts_return_type = "Promise<boolean>")]
    pub fn compact_async(&self) -> AsyncTask<Op<bool>> {
        self.compact_op().promise()
    }
}
