//! Storage faults: the store runs on a redb `StorageBackend` that fails the
//! n-th write, sync or read (EIO), or fills up (ENOSPC), and n is swept over a
//! whole workload. Every failure must reach the caller as a typed error (never
//! a panic), no write may be reported as done unless it was committed, and a
//! reopen on the bytes that survive (the process going on, or a power loss
//! that keeps only synced bytes, or a random part of the unsynced ones) must
//! show exactly one state the acknowledged writes allow. Torn and bit-flipped
//! files must give `Corrupted` (or open cleanly), never a wrong answer.
#![cfg(unix)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, UNIX_EPOCH};

use keyrack::{
    Clock, ErrorKind, IssueOptions, ListOptions, Options, Outcome, Store, UpdateOptions,
};
use redb::StorageBackend;

// ---- the fault-injecting storage -------------------------------------------

/// What to break.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    /// The n-th mutation (write or set_len) fails with EIO, writing nothing.
    WriteEio,
    /// The n-th write stores its first half, then fails with EIO.
    WriteTorn,
    /// The n-th sync_data fails with EIO; nothing becomes durable.
    SyncEio,
    /// The n-th read fails with EIO.
    ReadEio,
    /// From the n-th mutation on, the disk is full: every write and every
    /// growth fails with ENOSPC.
    Enospc,
}

#[derive(Clone, Debug)]
enum Pending {
    Write(u64, Vec<u8>),
    SetLen(u64),
}

#[derive(Default)]
struct Disk {
    /// What reads see: every write that returned.
    cur: Vec<u8>,
    /// What a power loss keeps for sure: the bytes as of the last good sync.
    durable: Vec<u8>,
    /// Mutations since the last good sync, in order.
    pending: Vec<Pending>,
    mutations: u64,
    syncs: u64,
    reads: u64,
    plan: Option<(Fault, u64)>,
    full: bool,
    fired: u64,
}

impl Disk {
    fn take_fault(&mut self, kinds: &[Fault], count: u64) -> Option<Fault> {
        match self.plan {
            Some((f, n)) if kinds.contains(&f) && n == count => {
                self.fired += 1;
                Some(f)
            }
            _ => None,
        }
    }
}

fn eio() -> std::io::Error {
    std::io::Error::from_raw_os_error(libc::EIO)
}

fn enospc() -> std::io::Error {
    std::io::Error::from_raw_os_error(libc::ENOSPC)
}

fn apply_write(v: &mut Vec<u8>, offset: u64, data: &[u8]) {
    let end = offset as usize + data.len();
    if v.len() < end {
        v.resize(end, 0);
    }
    v[offset as usize..end].copy_from_slice(data);
}

/// Shared by every handle on one "disk", so the bytes outlive the database.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Disk>>);

impl Shared {
    fn with_bytes(bytes: Vec<u8>) -> Self {
        let s = Shared::default();
        {
            let mut d = s.lock();
            d.cur = bytes.clone();
            d.durable = bytes;
        }
        s
    }
    fn lock(&self) -> MutexGuard<'_, Disk> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
    fn storage(&self) -> Faulty {
        Faulty(self.clone())
    }
    fn arm(&self, fault: Fault, nth: u64) {
        self.lock().plan = Some((fault, nth));
    }
    #[allow(dead_code)]
    fn disarm(&self) {
        let mut d = self.lock();
        d.plan = None;
        d.full = false;
    }
    fn counts(&self) -> (u64, u64, u64) {
        let d = self.lock();
        (d.mutations, d.syncs, d.reads)
    }
}

struct Faulty(Shared);

impl fmt::Debug for Faulty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Faulty")
    }
}

impl StorageBackend for Faulty {
    fn len(&self) -> Result<u64, std::io::Error> {
        Ok(self.0.lock().cur.len() as u64)
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> Result<(), std::io::Error> {
        let mut d = self.0.lock();
        d.reads += 1;
        let n = d.reads;
        if d.take_fault(&[Fault::ReadEio], n).is_some() {
            return Err(eio());
        }
        let end = offset as usize + out.len();
        match d.cur.get(offset as usize..end) {
            Some(src) => {
                out.copy_from_slice(src);
                Ok(())
            }
            None => Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "read past the end",
            )),
        }
    }

    fn set_len(&self, len: u64) -> Result<(), std::io::Error> {
        let mut d = self.0.lock();
        d.mutations += 1;
        let n = d.mutations;
        match d.take_fault(&[Fault::WriteEio, Fault::WriteTorn, Fault::Enospc], n) {
            Some(Fault::Enospc) => d.full = true,
            Some(_) => return Err(eio()),
            None => {}
        }
        if d.full && len > d.cur.len() as u64 {
            return Err(enospc());
        }
        d.cur.resize(len as usize, 0);
        d.pending.push(Pending::SetLen(len));
        Ok(())
    }

    fn sync_data(&self) -> Result<(), std::io::Error> {
        let mut d = self.0.lock();
        d.syncs += 1;
        let n = d.syncs;
        if d.take_fault(&[Fault::SyncEio], n).is_some() {
            return Err(eio());
        }
        d.durable = d.cur.clone();
        d.pending.clear();
        Ok(())
    }

    fn write(&self, offset: u64, data: &[u8]) -> Result<(), std::io::Error> {
        let mut d = self.0.lock();
        d.mutations += 1;
        let n = d.mutations;
        match d.take_fault(&[Fault::WriteEio, Fault::WriteTorn, Fault::Enospc], n) {
            Some(Fault::Enospc) => d.full = true,
            Some(Fault::WriteTorn) => {
                let half = &data[..data.len() / 2];
                apply_write(&mut d.cur, offset, half);
                d.pending.push(Pending::Write(offset, half.to_vec()));
                return Err(eio());
            }
            Some(_) => return Err(eio()),
            None => {}
        }
        if d.full {
            return Err(enospc());
        }
        apply_write(&mut d.cur, offset, data);
        d.pending.push(Pending::Write(offset, data.to_vec()));
        Ok(())
    }
}

/// A small deterministic generator (splitmix64) for images and bit flips.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The bytes left on the disk after a crash at this instant.
#[derive(Clone, Copy, Debug)]
enum Image {
    /// The process died, the machine did not: every write that returned.
    Current,
    /// Power loss: only what the last good sync made durable.
    Durable,
    /// Power loss with some unsynced writes reaching the disk, whole, not at
    /// all, or torn at a 512-byte sector boundary.
    Partial(u64),
}

fn image(disk: &Shared, which: Image) -> Vec<u8> {
    let d = disk.lock();
    match which {
        Image::Current => d.cur.clone(),
        Image::Durable => d.durable.clone(),
        Image::Partial(seed) => {
            let mut rng = Rng(seed);
            let mut v = d.durable.clone();
            for p in &d.pending {
                match p {
                    Pending::SetLen(len) => v.resize(*len as usize, 0),
                    Pending::Write(offset, data) => match rng.below(3) {
                        0 => {}
                        1 => apply_write(&mut v, *offset, data),
                        _ => {
                            let sectors = (data.len() / 512) as u64;
                            let cut = (rng.below(sectors + 1) * 512) as usize;
                            apply_write(&mut v, *offset, &data[..cut.min(data.len())]);
                        }
                    },
                }
            }
            v
        }
    }
}

// ---- the oracle -------------------------------------------------------------

/// One key as the acknowledged writes left it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct KeyModel {
    name: String,
    revoked: bool,
    enabled: bool,
    /// The current secret (`None` when a rotation that failed may have made
    /// one nobody saw).
    current: Option<String>,
    /// The secret rotated out last, and whether its grace is still running.
    previous: Option<(Option<String>, bool)>,
    /// Secrets rotated out before that: gone from the file.
    gone: Vec<String>,
}

/// One state the file may be in.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Model {
    keys: BTreeMap<String, KeyModel>,
    /// Records written by issues that failed (their ids were never returned).
    unknown: usize,
}

impl Model {
    fn issue(&mut self, id: &str, name: &str, secret: &str) {
        self.keys.insert(
            id.to_owned(),
            KeyModel {
                name: name.to_owned(),
                revoked: false,
                enabled: true,
                current: Some(secret.to_owned()),
                previous: None,
                gone: Vec::new(),
            },
        );
    }
    fn key(&mut self, id: &str) -> &mut KeyModel {
        self.keys
            .get_mut(id)
            .expect("the workload only touches known keys")
    }
    fn rotate(&mut self, id: &str, new: Option<&str>, grace_runs: bool) {
        let k = self.key(id);
        if let Some((Some(s), _)) = k.previous.take() {
            k.gone.push(s);
        }
        k.previous = Some((k.current.take(), grace_runs));
        k.current = new.map(str::to_owned);
    }

    /// `purge(0)`: revoked records go, and so do rotated-out secrets whose
    /// grace is over.
    fn purge(&mut self) {
        self.keys.retain(|_, k| !k.revoked);
        for k in self.keys.values_mut() {
            if let Some((s, false)) = &k.previous {
                if let Some(s) = s {
                    k.gone.push(s.clone());
                }
                k.previous = None;
            }
        }
    }

    fn expect(&self, secret: &str) -> Outcome {
        for k in self.keys.values() {
            let base = if k.current.as_deref() == Some(secret) {
                Outcome::Valid
            } else if let Some((Some(s), runs)) = &k.previous
                && s == secret
            {
                if *runs {
                    Outcome::Valid
                } else {
                    Outcome::Expired
                }
            } else {
                continue;
            };
            return if k.revoked {
                Outcome::Revoked
            } else if !k.enabled {
                Outcome::Disabled
            } else {
                base
            };
        }
        Outcome::NotFound
    }

    fn secrets(&self) -> impl Iterator<Item = &String> {
        self.keys.values().flat_map(|k| {
            k.current
                .iter()
                .chain(k.previous.iter().filter_map(|p| p.0.as_ref()))
                .chain(k.gone.iter())
        })
    }
}

/// What a store shows of a model: records by id, the record count, and the
/// outcome of every secret.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Observation {
    records: BTreeMap<String, Option<(String, bool, bool)>>,
    total: usize,
    outcomes: BTreeMap<String, Outcome>,
}

fn expected(m: &Model, ids: &BTreeSet<String>, secrets: &BTreeSet<String>) -> Observation {
    Observation {
        records: ids
            .iter()
            .map(|id| {
                let r = m
                    .keys
                    .get(id)
                    .map(|k| (k.name.clone(), k.revoked, k.enabled));
                (id.clone(), r)
            })
            .collect(),
        total: m.keys.len() + m.unknown,
        outcomes: secrets.iter().map(|s| (s.clone(), m.expect(s))).collect(),
    }
}

fn observe(
    store: &Store,
    ids: &BTreeSet<String>,
    secrets: &BTreeSet<String>,
) -> keyrack::Result<Observation> {
    let mut records = BTreeMap::new();
    for id in ids {
        let r = match store.get(id) {
            Ok(r) => Some((r.name, r.revoked_at.is_some(), r.enabled)),
            Err(e) if e.kind() == ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        records.insert(id.clone(), r);
    }
    let mut total = 0;
    let mut cursor = None;
    loop {
        let mut o = ListOptions::default().limit(1000);
        if let Some(c) = cursor.take() {
            o = o.cursor(c);
        }
        let page = store.list(&o)?;
        total += page.records.len();
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let mut outcomes = BTreeMap::new();
    for s in secrets {
        outcomes.insert(s.clone(), store.verify(s)?.outcome);
    }
    Ok(Observation {
        records,
        total,
        outcomes,
    })
}

// ---- one run of the workload under one fault ---------------------------------

const GRACE: Duration = Duration::from_secs(3600);

fn clock() -> Clock {
    Clock::manual(UNIX_EPOCH + Duration::from_secs(1_767_225_600))
}

fn options(clock: &Clock) -> Options {
    // The background flusher would write at wall-clock moments and make the
    // sweep depend on timing: keep it out of the way (close still flushes).
    Options::default()
        .clock(clock.clone())
        .flush_interval(Duration::from_secs(86_400))
}

/// What one run saw.
#[derive(Default)]
struct Tally {
    failed_calls: u64,
    uncertain_writes: u64,
    images: u64,
    /// Images of a store whose creation failed that do not open.
    unopenable: u64,
    violations: Vec<String>,
}

struct Run {
    disk: Shared,
    clock: Clock,
    store: Option<Store>,
    worlds: Vec<Model>,
    tally: Tally,
    label: String,
    /// Whether creating the store was ever acknowledged.
    created: bool,
}

/// How a write changes a model.
type Change<'a> = &'a dyn Fn(&mut Model);

impl Run {
    fn violation(&mut self, what: String) {
        self.tally
            .violations
            .push(format!("{}: {what}", self.label));
    }

    /// Checks that an error is a storage error, as the caller must be told.
    fn typed(&mut self, step: &str, e: &keyrack::Error) {
        self.tally.failed_calls += 1;
        if !matches!(e.kind(), ErrorKind::Io | ErrorKind::Corrupted) {
            self.violation(format!("{step}: unexpected error kind {:?}: {e}", e.kind()));
        }
    }

    /// Records a write: acknowledged → every world has it; failed → it may or
    /// may not be in the file.
    fn wrote(&mut self, ok: bool, change: Change<'_>) {
        let mut next: Vec<Model> = Vec::new();
        for w in &self.worlds {
            let mut a = w.clone();
            change(&mut a);
            if !ok {
                next.push(w.clone());
            }
            next.push(a);
        }
        if !ok {
            self.tally.uncertain_writes += 1;
        }
        next.sort();
        next.dedup();
        assert!(next.len() <= 64, "{}: oracle blew up", self.label);
        self.worlds = next;
    }

    /// In-process verify: an outcome some world allows, or a typed error.
    fn verify(&mut self, step: &str, secret: &str) {
        let Some(store) = self.store.clone() else {
            return;
        };
        match store.verify(secret) {
            Ok(v) => {
                let allowed: BTreeSet<Outcome> =
                    self.worlds.iter().map(|w| w.expect(secret)).collect();
                if !allowed.contains(&v.outcome) {
                    self.violation(format!(
                        "{step}: verify said {:?}, allowed {allowed:?}",
                        v.outcome
                    ));
                }
            }
            Err(e) => self.typed(step, &e),
        }
    }

    fn ids_and_secrets(&self) -> (BTreeSet<String>, BTreeSet<String>) {
        let ids = self
            .worlds
            .iter()
            .flat_map(|w| w.keys.keys().cloned())
            .collect();
        let secrets = self
            .worlds
            .iter()
            .flat_map(|w| w.secrets().cloned())
            .collect();
        (ids, secrets)
    }

    /// Compares a store's contents with the worlds; returns the matching ones.
    fn check_store(&mut self, what: &str, store: &Store) -> Option<Vec<Model>> {
        let (ids, secrets) = self.ids_and_secrets();
        match observe(store, &ids, &secrets) {
            Ok(seen) => {
                let matching: Vec<Model> = self
                    .worlds
                    .iter()
                    .filter(|w| expected(w, &ids, &secrets) == seen)
                    .cloned()
                    .collect();
                if matching.is_empty() {
                    let first = expected(&self.worlds[0], &ids, &secrets);
                    self.violation(format!(
                        "{what}: the store shows a state no acknowledged history allows\n  \
                         seen: {seen:?}\n  one allowed: {first:?}\n  ({} allowed)",
                        self.worlds.len()
                    ));
                    None
                } else {
                    Some(matching)
                }
            }
            Err(e) => {
                self.typed(what, &e);
                None
            }
        }
    }

    fn reopen(&mut self) -> bool {
        if let Some(s) = self.store.take()
            && let Err(e) = s.close()
        {
            self.typed("close", &e);
        }
        match Store::open_on_storage(self.disk.storage(), "faulty", options(&self.clock)) {
            Ok(s) => {
                self.store = Some(s);
                true
            }
            Err(e) => {
                self.typed("reopen", &e);
                false
            }
        }
    }
}

/// Issue, verify, revoke, rotate (with and without grace), update, disable,
/// close/reopen, more of the same, purge, compact, close. Stops early when the store cannot
/// be opened again.
fn workload(run: &mut Run) {
    match Store::open_on_storage(run.disk.storage(), "faulty", options(&run.clock)) {
        Ok(s) => {
            run.store = Some(s);
            run.created = true;
        }
        Err(e) => {
            run.typed("create", &e);
            return;
        }
    }
    let store = run.store.clone().expect("open");
    let mut secrets: BTreeMap<&str, String> = BTreeMap::new();
    let mut ids: BTreeMap<&str, String> = BTreeMap::new();

    for name in ["a", "b"] {
        match store.issue(IssueOptions::new(name).owner("org")) {
            Ok(i) => {
                let (id, key) = (i.id.clone(), i.key.expose().to_owned());
                run.wrote(true, &|m| m.issue(&id, name, &key));
                ids.insert(name, id);
                secrets.insert(name, key);
            }
            Err(e) => {
                run.typed("issue", &e);
                run.wrote(false, &|m| m.unknown += 1);
            }
        }
    }
    match store.issue_many(vec![IssueOptions::new("c"), IssueOptions::new("d")]) {
        Ok(v) => {
            for (name, i) in ["c", "d"].into_iter().zip(v) {
                let (id, key) = (i.id.clone(), i.key.expose().to_owned());
                run.wrote(true, &|m| m.issue(&id, name, &key));
                ids.insert(name, id);
                secrets.insert(name, key);
            }
        }
        Err(e) => {
            run.typed("issue_many", &e);
            run.wrote(false, &|m| m.unknown += 2);
        }
    }
    if let Some(s) = secrets.get("a").cloned() {
        run.verify("verify a", &s);
    }
    if let Some(id) = ids.get("b").cloned() {
        let r = store.revoke(&id);
        if let Err(e) = &r {
            run.typed("revoke b", e);
        }
        run.wrote(r.is_ok(), &|m| m.key(&id).revoked = true);
        if let Some(s) = secrets.get("b").cloned() {
            run.verify("verify revoked b", &s);
        }
    }
    if let Some(id) = ids.get("a").cloned() {
        match store.rotate(&id, GRACE) {
            Ok(i) => {
                let key = i.key.expose().to_owned();
                run.wrote(true, &|m| m.rotate(&id, Some(&key), true));
                secrets.insert("a2", key);
            }
            Err(e) => {
                run.typed("rotate a", &e);
                run.wrote(false, &|m| m.rotate(&id, None, true));
            }
        }
    }
    if let Some(id) = ids.get("c").cloned() {
        let r = store.update(&id, UpdateOptions::default().name("c-renamed"));
        if let Err(e) = &r {
            run.typed("update c", e);
        }
        run.wrote(r.is_ok(), &|m| m.key(&id).name = "c-renamed".into());
        let r = store.disable(&id);
        if let Err(e) = &r {
            run.typed("disable c", e);
        }
        run.wrote(r.is_ok(), &|m| m.key(&id).enabled = false);
    }
    if let Some(id) = ids.get("d").cloned() {
        match store.rotate(&id, Duration::ZERO) {
            Ok(i) => {
                let key = i.key.expose().to_owned();
                run.wrote(true, &|m| m.rotate(&id, Some(&key), false));
                secrets.insert("d2", key);
            }
            Err(e) => {
                run.typed("rotate d", &e);
                run.wrote(false, &|m| m.rotate(&id, None, false));
            }
        }
    }
    for s in secrets.values().cloned().collect::<Vec<_>>() {
        run.verify("verify all", &s);
    }
    drop(store);

    // Close and open again on the same (still faulty) disk.
    if !run.reopen() {
        return;
    }
    let store = run.store.clone().expect("reopened");
    // Only a check here: the reopened store shows bytes that a power loss
    // could still lose, so the worlds stay as they are.
    let _ = run.check_store("after reopen", &store);
    if let Some(id) = ids.get("a").cloned() {
        match store.rotate(&id, Duration::ZERO) {
            Ok(i) => {
                let key = i.key.expose().to_owned();
                run.wrote(true, &|m| m.rotate(&id, Some(&key), false));
                secrets.insert("a3", key);
            }
            Err(e) => {
                run.typed("rotate a again", &e);
                run.wrote(false, &|m| m.rotate(&id, None, false));
            }
        }
        let r = store.revoke(&id);
        if let Err(e) = &r {
            run.typed("revoke a", e);
        }
        run.wrote(r.is_ok(), &|m| m.key(&id).revoked = true);
    }
    if let Some(id) = ids.get("c").cloned() {
        let r = store.enable(&id);
        if let Err(e) = &r {
            run.typed("enable c", e);
        }
        run.wrote(r.is_ok(), &|m| m.key(&id).enabled = true);
    }
    match store.issue(IssueOptions::new("e")) {
        Ok(i) => {
            let (id, key) = (i.id.clone(), i.key.expose().to_owned());
            run.wrote(true, &|m| m.issue(&id, "e", &key));
            secrets.insert("e", key);
        }
        Err(e) => {
            run.typed("issue e", &e);
            run.wrote(false, &|m| m.unknown += 1);
        }
    }
    for s in secrets.values().cloned().collect::<Vec<_>>() {
        run.verify("verify all again", &s);
    }
    // Purge what is revoked or over, then rewrite the whole file.
    let r = store.purge(Duration::ZERO);
    if let Err(e) = &r {
        run.typed("purge", e);
    }
    run.wrote(r.is_ok(), &|m| m.purge());
    if let Err(e) = store.compact() {
        run.typed("compact", &e);
    }
    for s in secrets.values().cloned().collect::<Vec<_>>() {
        run.verify("verify after compact", &s);
    }
    drop(store);
    if let Some(s) = run.store.take()
        && let Err(e) = s.close()
    {
        run.typed("close", &e);
    }
}

/// Runs the workload with `fault` at `nth` (or none), then reopens every
/// crash image without faults and compares it with the acknowledged history.
fn run_once(fault: Option<(Fault, u64)>, images: &[Image]) -> (Tally, (u64, u64, u64)) {
    let disk = Shared::default();
    if let Some((f, n)) = fault {
        disk.arm(f, n);
    }
    let label = match fault {
        Some((f, n)) => format!("{f:?} #{n}"),
        None => "no fault".into(),
    };
    let mut run = Run {
        disk: disk.clone(),
        clock: clock(),
        store: None,
        worlds: vec![Model::default()],
        tally: Tally::default(),
        label,
        created: false,
    };
    let ran = catch_unwind(AssertUnwindSafe(|| workload(&mut run)));
    if let Err(p) = ran {
        let msg = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        run.violation(format!("PANIC in the workload: {msg}"));
        return (run.tally, disk.counts());
    }
    drop(run.store.take());
    let counts = disk.counts();
    if fault.is_some() && disk.lock().fired == 0 {
        run.violation("the fault never fired".into());
    }
    for &which in images {
        let bytes = image(&disk, which);
        let fresh = Shared::with_bytes(bytes);
        run.tally.images += 1;
        let opened = catch_unwind(AssertUnwindSafe(|| {
            Store::open_on_storage(fresh.storage(), "image", options(&run.clock))
        }));
        match opened {
            Err(_) => run.violation(format!("{which:?}: PANIC on open")),
            // A store whose creation never returned may be left half made:
            // nothing was acknowledged, so a typed refusal loses nothing.
            Ok(Err(e)) if !run.created && e.kind() == ErrorKind::Corrupted => {
                run.tally.unopenable += 1;
            }
            Ok(Err(e)) => run.violation(format!("{which:?}: a crash image does not open: {e}")),
            Ok(Ok(store)) => {
                let checked = catch_unwind(AssertUnwindSafe(|| {
                    run.check_store(&format!("{which:?}"), &store)
                }));
                if checked.is_err() {
                    run.violation(format!("{which:?}: PANIC while reading"));
                }
                if let Err(e) = store.close() {
                    run.violation(format!("{which:?}: close after recovery failed: {e}"));
                }
            }
        }
    }
    (run.tally, counts)
}

fn all_images() -> Vec<Image> {
    vec![
        Image::Current,
        Image::Durable,
        Image::Partial(1),
        Image::Partial(2),
    ]
}

#[test]
fn the_workload_without_faults_leaves_exactly_its_history() {
    let (tally, (mutations, syncs, reads)) = run_once(None, &all_images());
    assert!(tally.violations.is_empty(), "{:#?}", tally.violations);
    assert_eq!(tally.failed_calls, 0);
    assert!(
        mutations > 10 && syncs > 5 && reads > 0,
        "{mutations} {syncs} {reads}"
    );
}

/// Sweeps one fault over every I/O call of its kind that the workload makes.
fn sweep(fault: Fault) {
    let (_, (mutations, syncs, reads)) = run_once(None, &[]);
    let total = match fault {
        Fault::WriteEio | Fault::WriteTorn | Fault::Enospc => mutations,
        Fault::SyncEio => syncs,
        Fault::ReadEio => reads,
    };
    let mut violations = Vec::new();
    let (mut failed, mut uncertain, mut images, mut unopenable) = (0, 0, 0, 0);
    for n in 1..=total {
        let (t, _) = run_once(Some((fault, n)), &all_images());
        failed += t.failed_calls;
        uncertain += t.uncertain_writes;
        images += t.images;
        unopenable += t.unopenable;
        violations.extend(t.violations);
    }
    println!(
        "faults {fault:?}: {total} runs, {failed} typed errors reached the caller, \
         {uncertain} writes failed, {images} crash images reopened ({unopenable} of a never-created store refused as \
         Corrupted), {} violations",
        violations.len()
    );
    assert!(
        failed >= total / 2,
        "most faults must surface: {failed} of {total}"
    );
    assert!(
        violations.is_empty(),
        "{} violations:\n{}",
        violations.len(),
        violations.join("\n")
    );
}

#[test]
fn every_failed_write_surfaces_and_commits_nothing_unacknowledged() {
    sweep(Fault::WriteEio);
}

#[test]
fn torn_writes_surface_and_recover() {
    sweep(Fault::WriteTorn);
}

#[test]
fn every_failed_sync_surfaces_and_loses_nothing_acknowledged() {
    sweep(Fault::SyncEio);
}

#[test]
fn every_failed_read_surfaces_as_a_typed_error() {
    sweep(Fault::ReadEio);
}

#[test]
fn a_full_disk_surfaces_and_keeps_what_was_acknowledged() {
    sweep(Fault::Enospc);
}

// ---- damaged files -------------------------------------------------------------

/// A store image with a live key, a rotated key (old secret in grace), a
/// disabled key and — as the very last commit — a revoked key, plus the one
/// world that describes it. Returns the file as a crash right after the
/// revoke returned leaves it (before close), and as close leaves it.
fn damaged_base() -> ([Vec<u8>; 2], Run) {
    let disk = Shared::default();
    let clock = clock();
    let mut run = Run {
        disk: disk.clone(),
        clock: clock.clone(),
        store: None,
        worlds: vec![Model::default()],
        tally: Tally::default(),
        label: "base".into(),
        created: true,
    };
    let store = Store::open_on_storage(disk.storage(), "base", options(&clock)).unwrap();
    let mut m = Model::default();
    let mut issued = Vec::new();
    for name in ["live", "rotated", "disabled", "revoked"] {
        let i = store.issue(IssueOptions::new(name).owner("org")).unwrap();
        m.issue(&i.id, name, i.key.expose());
        issued.push(i.id.clone());
    }
    let r = store.rotate(&issued[1], GRACE).unwrap();
    m.rotate(&issued[1], Some(r.key.expose()), true);
    store.disable(&issued[2]).unwrap();
    m.key(&issued[2]).enabled = false;
    store.revoke(&issued[3]).unwrap();
    m.key(&issued[3]).revoked = true;
    let crashed = disk.lock().cur.clone();
    store.close().unwrap();
    drop(store);
    run.worlds = vec![m];
    let closed = disk.lock().cur.clone();
    ([crashed, closed], run)
}

/// Opens a damaged image: a typed refusal, or a store whose every answer is
/// right or a typed error. Returns whether it opened.
fn check_damaged(run: &mut Run, what: &str, bytes: Vec<u8>) -> bool {
    let fresh = Shared::with_bytes(bytes);
    let opened = catch_unwind(AssertUnwindSafe(|| {
        Store::open_on_storage(fresh.storage(), "damaged", options(&run.clock))
    }));
    let store = match opened {
        Err(_) => {
            run.violation(format!("{what}: PANIC on open"));
            return false;
        }
        Ok(Err(e)) => {
            if !matches!(
                e.kind(),
                ErrorKind::Corrupted | ErrorKind::Io | ErrorKind::IncompatibleVersion
            ) {
                run.violation(format!("{what}: unexpected error kind {:?}: {e}", e.kind()));
            }
            return false;
        }
        Ok(Ok(s)) => s,
    };
    let (ids, secrets) = run.ids_and_secrets();
    let want = expected(&run.worlds[0], &ids, &secrets);
    // Each answer on its own: right, or a typed error.
    let answers = catch_unwind(AssertUnwindSafe(|| {
        let mut wrong = Vec::new();
        for (s, outcome) in &want.outcomes {
            match store.verify(s) {
                Ok(v) if v.outcome == *outcome => {}
                Ok(v) => wrong.push(format!("verify said {:?}, not {outcome:?}", v.outcome)),
                Err(e) if matches!(e.kind(), ErrorKind::Corrupted | ErrorKind::Io) => {}
                Err(e) => wrong.push(format!("verify failed with {:?}: {e}", e.kind())),
            }
        }
        for (id, rec) in &want.records {
            match store.get(id) {
                Ok(r) if Some((r.name.clone(), r.revoked_at.is_some(), r.enabled)) == *rec => {}
                Ok(r) => wrong.push(format!("get({id}) gave {r:?}")),
                Err(e) if matches!(e.kind(), ErrorKind::Corrupted | ErrorKind::Io) => {}
                Err(e) => wrong.push(format!("get failed with {:?}: {e}", e.kind())),
            }
        }
        wrong
    }));
    match answers {
        Err(_) => run.violation(format!("{what}: PANIC while reading")),
        Ok(wrong) => {
            for w in wrong {
                run.violation(format!("{what}: wrong answer: {w}"));
            }
        }
    }
    let _ = catch_unwind(AssertUnwindSafe(|| store.close()));
    true
}

#[test]
fn truncated_files_are_refused_or_answer_right() {
    let (images, mut run) = damaged_base();
    let (mut tried, mut opened) = (0, 0);
    for (which, bytes) in ["crashed", "closed"].iter().zip(images) {
        let len = bytes.len();
        // (An empty storage is a new store: cuts start at 1 byte.)
        let mut cuts: BTreeSet<usize> = [1, 8, 64, 511, 512, 513, len - 1, len / 2]
            .into_iter()
            .collect();
        cuts.extend((4096..len).step_by(4096));
        cuts.extend((1..len).step_by(len / 61 + 1));
        for &cut in &cuts {
            tried += 1;
            let what = format!("{which} store cut at {cut} of {len}");
            if check_damaged(&mut run, &what, bytes[..cut].to_vec()) {
                opened += 1;
            }
        }
    }
    println!(
        "damage: {tried} truncations, {opened} opened, {} violations",
        run.tally.violations.len()
    );
    assert!(
        run.tally.violations.is_empty(),
        "{}",
        run.tally.violations.join("\n")
    );
}

/// Flips one bit at a time: every byte of the first 512 (the file header,
/// one bit each) and seeded places among the bytes in use (zeros are mostly
/// free space).
fn bit_flips(which: usize) {
    let (images, mut run) = damaged_base();
    let bytes = &images[which];
    let mut rng = Rng(0x006b_6579_7261_636b);
    let mut flips: BTreeSet<(usize, u8)> = (0..512).map(|i| (i, (i % 8) as u8)).collect();
    let used: Vec<usize> = (0..bytes.len()).filter(|&i| bytes[i] != 0).collect();
    for _ in 0..300 {
        let at = used[rng.below(used.len() as u64) as usize];
        flips.insert((at, rng.below(8) as u8));
    }
    let mut opened = 0;
    for &(at, bit) in &flips {
        let mut damaged = bytes.clone();
        damaged[at] ^= 1 << bit;
        if check_damaged(&mut run, &format!("bit {bit} of byte {at}"), damaged) {
            opened += 1;
        }
    }
    println!(
        "damage: {} single-bit flips of a {} file, {opened} opened, {} violations",
        flips.len(),
        ["crashed", "closed"][which],
        run.tally.violations.len()
    );
    assert!(
        run.tally.violations.is_empty(),
        "{}",
        run.tally.violations.join("\n")
    );
}

#[test]
fn bit_flips_in_a_closed_file_are_refused_or_answer_right() {
    bit_flips(1);
}

/// A file left by a crash right after `revoke` returned: redb's default
/// one-phase commit trusts checksums to tell a torn last commit, so a flipped
/// bit in that commit's header slot or pages makes recovery silently fall
/// back to the commit before, and the revoked key verifies `valid` again.
#[test]

fn bit_flips_in_the_last_commit_of_a_crashed_file_never_roll_it_back() {
    bit_flips(0);
}
