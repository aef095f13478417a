//! Opening a store (a new file's meta, an existing file's checks, the pepper and
//! prefixes), and its life cycle: `sync`, `compact`, `close`.

use super::*;
use zeroize::Zeroize;

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
    let fp = h.finalize();
    h.zeroize();
    fp
}

fn derive_hash_key(store_key: &[u8; 32], pepper: Option<&[u8; 32]>) -> Zeroizing<[u8; 32]> {
    let mut h = blake3::Hasher::new_derive_key("keyrack 2026 key hash v1");
    h.update(store_key);
    if let Some(p) = pepper {
        h.update(p);
    }
    let key = Zeroizing::new(*h.finalize().as_bytes());
    // The hasher's state holds the key material too.
    h.zeroize();
    key
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
        let path = path.as_ref();
        let (at, cache_bytes, check) = (
            path.to_path_buf(),
            options.file_cache_bytes,
            options.check_integrity,
        );
        let reopen: Reopen = Box::new(move || {
            let (b, _) = RedbBackend::open(OpenRequest {
                path: &at,
                create: false,
                read_only: false,
                check_integrity: check,
                cache_bytes,
                storage: None,
            })?;
            Ok(Box::new(b) as Box<dyn Backend>)
        });
        let reopen = (!options.read_only).then_some(reopen);
        Self::open_inner(path, options, None, reopen)
    }

    /// Opens a store on a custom redb storage backend (an in-memory one, or a
    /// fault injector in tests). `name` is used in messages only. Such a store
    /// cannot reopen its storage after an I/O fault (see
    /// [`open_on_storage_with`](Store::open_on_storage_with)).
    pub fn open_on_storage<S: redb::StorageBackend>(
        storage: S,
        name: &str,
        options: Options,
    ) -> Result<Store> {
        Self::open_inner(
            Path::new(name),
            options,
            Some(crate::backend::redb::opener(storage)),
            None,
        )
    }

    /// Like [`open_on_storage`](Store::open_on_storage), with a function that
    /// makes the storage: called once to open, and again whenever the store
    /// reopens its storage to heal after an I/O fault.
    pub fn open_on_storage_with<S, F>(make: F, name: &str, options: Options) -> Result<Store>
    where
        S: redb::StorageBackend,
        F: Fn() -> S + Send + Sync + 'static,
    {
        let make = Arc::new(make);
        let again = make.clone();
        let (cache_bytes, check) = (options.file_cache_bytes, options.check_integrity);
        let name_owned = name.to_owned();
        let reopen: Reopen = Box::new(move || {
            let (b, _) = RedbBackend::open(OpenRequest {
                path: Path::new(&name_owned),
                create: false,
                read_only: false,
                check_integrity: check,
                cache_bytes,
                storage: Some(crate::backend::redb::opener(again())),
            })?;
            Ok(Box::new(b) as Box<dyn Backend>)
        });
        let reopen = (!options.read_only).then_some(reopen);
        Self::open_inner(
            Path::new(name),
            options,
            Some(crate::backend::redb::opener(make())),
            reopen,
        )
    }

    fn open_inner(
        path: &Path,
        options: Options,
        storage: Option<crate::backend::redb::StorageOpener>,
        reopen: Option<Reopen>,
    ) -> Result<Store> {
        fork::install();
        if let Some(p) = &options.prefix {
            format::validate_prefix(p).map_err(|e| Error::invalid("prefix", e.to_string()))?;
        }
        for p in options.prefixes.iter().flatten() {
            format::validate_prefix(p).map_err(|e| Error::invalid("prefixes", e.to_string()))?;
        }
        if options.credit_lease == 0 {
            return Err(Error::invalid("credit_lease", "must be at least 1"));
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
        match Self::init(backend, path, options, reopen) {
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
        reopen: Option<Reopen>,
    ) -> std::result::Result<Store, (Error, Box<dyn Backend>)> {
        let read = |backend: &dyn Backend| -> Result<_> {
            let r = backend.read()?;
            let format = r.meta(meta_keys::FORMAT)?;
            let store_key = r.meta(meta_keys::STORE_KEY)?.map(Zeroizing::new);
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
        let pepper = options.pepper.as_ref().map(|p| Zeroizing::new(*p.bytes()));
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
            let fp = pepper.as_ref().map(|p| pepper_fingerprint(p, &store_key));
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
                    .and_then(|k| k.as_slice().try_into().ok())
                    .ok_or((Error::Corrupted("missing store key".into()), ()))?,
            );
            match (fp, pepper.as_ref()) {
                (None, None) => {}
                (Some(fp), Some(p)) => {
                    let fp: [u8; 32] = fp
                        .as_slice()
                        .try_into()
                        .map_err(|_| (Error::Corrupted("bad pepper fingerprint".into()), ()))?;
                    if pepper_fingerprint(p, &store_key) != blake3::Hash::from(fp) {
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
        // The store's accepted prefixes change only through add_prefix and
        // remove_prefix: an open may name prefixes, never change them.
        let mut prefixes: Vec<String> = vec![saved_prefix.clone()];
        prefixes.extend(
            saved_prefixes
                .split(',')
                .filter(|s| !s.is_empty() && *s != saved_prefix)
                .map(str::to_owned),
        );
        let asked = options
            .prefix
            .iter()
            .map(|p| ("prefix", p))
            .chain(options.prefixes.iter().flatten().map(|p| ("prefixes", p)));
        for (field, p) in asked {
            if !prefixes.contains(p) {
                let e = Error::invalid(
                    field,
                    format!(
                        "the store does not accept {p:?} (it accepts {prefixes:?}); add it once \
                         with Store::add_prefix (CLI: keyrack prefixes --accept {p})"
                    ),
                );
                return Err((e, backend));
            }
        }
        // This handle issues with the prefix it was opened with.
        let default_prefix = options.prefix.clone().unwrap_or(saved_prefix);
        let rng = match KeyRng::new() {
            Ok(r) => r,
            Err(e) => return Err((e, backend)),
        };
        let hash_key = derive_hash_key(&store_key, pepper.as_deref());
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
            prefixes: ArcSwap::from_pointee(prefixes),
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
            reopen,
            broken: AtomicBool::new(false),
            health: Mutex::new(Health {
                ok: true,
                last_error: None,
            }),
            flushing: RwLock::new(()),
            credit_lease: options.credit_lease,
            cache_capacity: options.cache_capacity,
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

    /// The prefix this handle issues keys with when an issue names none: the
    /// one it was opened with ([`Options::prefix`]), else the store's default.
    pub fn default_prefix(&self) -> &str {
        &self.inner.default_prefix
    }

    /// Every prefix the store accepts, its default first.
    pub fn prefixes(&self) -> Vec<String> {
        self.inner.prefixes.load().to_vec()
    }

    /// Makes the store accept keys and issues with `prefix`, durably and for
    /// every handle opened after; audited as `prefix_added`. Returns the
    /// accepted prefixes. Adding one it accepts changes nothing.
    ///
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// use keyrack::{IssueOptions, Options, Store};
    /// let store = Store::open(dir.path().join("k.redb"), Options::default().prefix("sk_live"))?;
    /// assert_eq!(store.add_prefix("sk_test")?, ["sk_live", "sk_test"]);
    /// let test_key = store.issue(IssueOptions::new("ci").prefix("sk_test"))?;
    /// assert!(test_key.key.expose().starts_with("sk_test_"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_prefix(&self, prefix: &str) -> Result<Vec<String>> {
        self.inner.usable()?;
        format::validate_prefix(prefix).map_err(|e| Error::invalid("prefix", e.to_string()))?;
        self.change_prefixes(prefix, true)
    }

    /// Stops accepting `prefix`: every key with it verifies as `malformed`
    /// from then on, in every handle (this one at once). The store's default
    /// prefix, and the one this handle issues with, cannot be removed.
    /// Audited as `prefix_removed`; returns the accepted prefixes.
    pub fn remove_prefix(&self, prefix: &str) -> Result<Vec<String>> {
        self.inner.usable()?;
        let current = self.inner.prefixes.load();
        if current.first().map(String::as_str) == Some(prefix)
            || self.inner.default_prefix == prefix
        {
            return Err(Error::invalid(
                "prefix",
                format!("{prefix:?} is the prefix keys are issued with; it cannot be removed"),
            ));
        }
        if !current.iter().any(|p| p == prefix) {
            return Err(Error::invalid(
                "prefix",
                format!("the store does not accept {prefix:?}"),
            ));
        }
        self.change_prefixes(prefix, false)
    }

    fn change_prefixes(&self, prefix: &str, add: bool) -> Result<Vec<String>> {
        self.inner.write(true, |t| {
            let mut list = self.inner.prefixes.load().to_vec();
            let present = list.iter().any(|p| p == prefix);
            if add == present {
                return Ok(list);
            }
            if add {
                list.push(prefix.to_owned());
            } else {
                list.retain(|p| p != prefix);
            }
            t.w.put_meta(meta_keys::PREFIXES, list[1..].join(",").as_bytes())?;
            let kind = if add {
                AuditKind::PrefixAdded
            } else {
                AuditKind::PrefixRemoved
            };
            t.audit(kind, "", prefix)?;
            let new = list.clone();
            t.after.push(Box::new(move |store: &Inner| {
                store.prefixes.store(Arc::new(new))
            }));
            Ok(list)
        })
    }

    /// Whether the store was opened read-only.
    pub fn is_read_only(&self) -> bool {
        self.inner.read_only
    }

    /// The store's clock.
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    // ---- lifecycle ------------------------------------------------------------

    /// Writes the in-memory counters and credits now, durably.
    pub fn sync(&self) -> Result<()> {
        self.inner.flush(true, false)
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
