//! Fixtures for keyrack's benches: one keyrack store, the SQLite table a Rust
//! user would write by hand, and the in-memory limit, all holding the same keys.
//!
//! Nothing here ships; the peers are dependencies of this crate only. See
//! `benches/README.md` for what each bench measures and why.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use keyrack::{IssueOptions, Options, Outcome, Store};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

/// Keys per `issue_many_relaxed` call while building a fixture.
pub const BUILD_BATCH: usize = 100_000;
/// How many of the base keys are revoked (the first ones) in every peer.
pub const REVOKED: usize = 256;
/// Extra keys issued with credits, for the metered verify.
pub const METERED: usize = 1_000;
/// Credits on each metered key: more than any run can spend.
pub const CREDITS: u64 = 1_000_000_000_000;
/// Keys per owner, so a listing page (100) is the same at every size.
pub const KEYS_PER_OWNER: usize = 100;
/// The scopes every base key carries.
pub const SCOPES: [&str; 2] = ["read", "write"];

/// The sizes to run: 10,000 and 100,000 keys, plus 1,000,000 with
/// `KEYRACK_BENCH_FULL=1`; `KEYRACK_BENCH_SIZES=10000,1000000` picks any.
pub fn sizes() -> Vec<usize> {
    if let Ok(list) = std::env::var("KEYRACK_BENCH_SIZES") {
        let sizes: Vec<usize> = list
            .split(',')
            .filter_map(|s| s.trim().replace('_', "").parse().ok())
            .collect();
        if !sizes.is_empty() {
            return sizes;
        }
    }
    let mut sizes = vec![10_000, 100_000];
    if std::env::var("KEYRACK_BENCH_FULL").is_ok_and(|v| v == "1") {
        sizes.push(1_000_000);
    }
    sizes
}

/// A small deterministic generator (xorshift64*), for orders and test bytes.
pub struct Rng(u64);

impl Rng {
    /// A generator from a non-zero seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// 32 random bytes.
    pub fn bytes32(&mut self) -> [u8; 32] {
        let mut b = [0u8; 32];
        for c in b.chunks_mut(8) {
            c.copy_from_slice(&self.next_u64().to_le_bytes());
        }
        b
    }
    /// Shuffles in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

/// A well-formed key (right prefix, right check) that no store holds.
pub fn stranger_key(rng: &mut Rng) -> String {
    keyrack::format::compose(keyrack::DEFAULT_PREFIX, &rng.bytes32())
        .expect("default prefix")
        .expose()
        .to_owned()
}

/// A key with one body character changed: its check no longer matches.
pub fn typo_of(key: &str) -> String {
    let mut b = key.as_bytes().to_vec();
    let i = keyrack::DEFAULT_PREFIX.len() + 5;
    b[i] = if b[i] == b'A' { b'B' } else { b'A' };
    String::from_utf8(b).expect("ascii")
}

fn millis_now() -> i64 {
    keyrack::to_millis(std::time::SystemTime::now())
}

/// One key as every peer stores it.
pub struct Row<'a> {
    /// The full key (peers hash it; keyrack issued it).
    pub key: &'a str,
    /// Its public id.
    pub id: &'a str,
    /// Owner id.
    pub owner: &'a str,
    /// Usage credits, when metered.
    pub remaining: Option<u64>,
}

// ---- the hand-rolled SQLite table ------------------------------------------------

/// The table a Rust user writes by hand: rusqlite (bundled SQLite) in WAL
/// mode, the sha256 of the key as primary key, `constant_time_eq` on the hash
/// read back, an index on (owner, id) for listings.
pub struct SqlitePeer {
    /// The database file.
    pub path: PathBuf,
    /// The connection used by one-thread benches and all writes.
    pub conn: Connection,
    /// One more read connection per bench thread (a `Connection` is not `Sync`).
    pub readers: Vec<Mutex<Connection>>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS api_keys (
    hash       BLOB PRIMARY KEY,  -- sha256 of the full key
    id         TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    owner      TEXT,
    scopes     TEXT NOT NULL,     -- space separated
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER,
    remaining  INTEGER
);
CREATE INDEX IF NOT EXISTS api_keys_owner ON api_keys(owner, id);
";

/// Opens a peer connection: WAL, and `synchronous=FULL` so that a write that
/// returns is on disk, as with keyrack's durable writes.
pub fn sqlite_open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute_batch(SCHEMA)?;
    Ok(conn)
}

/// A row of a peer listing.
#[derive(Debug)]
pub struct PeerRecord {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Owner.
    pub owner: Option<String>,
    /// Scopes, space separated.
    pub scopes: String,
    /// Creation time (ms).
    pub created_at: i64,
    /// Revocation time (ms).
    pub revoked_at: Option<i64>,
    /// Credits.
    pub remaining: Option<i64>,
}

impl SqlitePeer {
    /// Creates the table at `path` and inserts `rows` in one transaction.
    pub fn build<'a>(
        path: &Path,
        rows: impl Iterator<Item = Row<'a>>,
        readers: usize,
    ) -> rusqlite::Result<Self> {
        let mut conn = sqlite_open(path)?;
        let now = millis_now();
        {
            let tx = conn.transaction()?;
            {
                let mut st = tx.prepare(
                    "INSERT INTO api_keys (hash, id, name, owner, scopes, created_at, remaining)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?;
                for r in rows {
                    let hash: [u8; 32] = Sha256::digest(r.key.as_bytes()).into();
                    st.execute(params![
                        &hash[..],
                        r.id,
                        "bench",
                        r.owner,
                        SCOPES.join(" "),
                        now,
                        r.remaining.map(|c| c as i64)
                    ])?;
                }
            }
            tx.commit()?;
        }
        let readers = (0..readers)
            .map(|_| sqlite_open(path).map(Mutex::new))
            .collect::<rusqlite::Result<_>>()?;
        Ok(SqlitePeer {
            path: path.to_path_buf(),
            conn,
            readers,
        })
    }

    /// Verify as a hand-rolled table does it: hash, look up, compare, check.
    pub fn verify(conn: &Connection, key: &str, scope: Option<&str>) -> Outcome {
        let hash: [u8; 32] = Sha256::digest(key.as_bytes()).into();
        let mut st = conn
            .prepare_cached(
                "SELECT hash, revoked_at, expires_at, scopes FROM api_keys WHERE hash = ?1",
            )
            .expect("prepare");
        let row = st
            .query_row([&hash[..]], |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .optional()
            .expect("query");
        let Some((stored, revoked_at, expires_at, scopes)) = row else {
            return Outcome::NotFound;
        };
        if !constant_time_eq::constant_time_eq(&stored, &hash) {
            return Outcome::NotFound;
        }
        if revoked_at.is_some() {
            return Outcome::Revoked;
        }
        if expires_at.is_some_and(|x| x <= millis_now()) {
            return Outcome::Expired;
        }
        if let Some(s) = scope
            && !scopes.split(' ').any(|x| x == s)
        {
            return Outcome::InsufficientScope;
        }
        Outcome::Valid
    }

    /// A metered verify: the credit is spent in the same statement that
    /// checks it (no double spend), one autocommit write per call.
    pub fn verify_metered(conn: &Connection, key: &str, cost: u64) -> Outcome {
        let hash: [u8; 32] = Sha256::digest(key.as_bytes()).into();
        let mut st = conn
            .prepare_cached(
                "UPDATE api_keys SET remaining = remaining - ?2
                 WHERE hash = ?1 AND revoked_at IS NULL AND remaining >= ?2
                 RETURNING hash",
            )
            .expect("prepare");
        let spent = st
            .query_row(params![&hash[..], cost as i64], |r| r.get::<_, Vec<u8>>(0))
            .optional()
            .expect("update");
        match spent {
            Some(stored) if constant_time_eq::constant_time_eq(&stored, &hash) => Outcome::Valid,
            // Denied: find out why, as a hand-rolled table must.
            _ => match Self::verify(conn, key, None) {
                Outcome::Valid => Outcome::UsageExceeded,
                other => other,
            },
        }
    }

    /// Inserts one key (autocommit, durable).
    pub fn issue(&self, key: &str, id: &str, owner: &str) -> rusqlite::Result<()> {
        let hash: [u8; 32] = Sha256::digest(key.as_bytes()).into();
        self.conn
            .prepare_cached(
                "INSERT INTO api_keys (hash, id, name, owner, scopes, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                &hash[..],
                id,
                "bench",
                owner,
                SCOPES.join(" "),
                millis_now()
            ])?;
        Ok(())
    }

    /// Inserts many keys in one durable transaction.
    pub fn issue_many(&mut self, keys: &[(String, String)], owner: &str) -> rusqlite::Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut st = tx.prepare_cached(
                "INSERT INTO api_keys (hash, id, name, owner, scopes, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            let now = millis_now();
            let scopes = SCOPES.join(" ");
            for (key, id) in keys {
                let hash: [u8; 32] = Sha256::digest(key.as_bytes()).into();
                st.execute(params![&hash[..], id, "bench", owner, scopes, now])?;
            }
        }
        tx.commit()
    }

    /// Revokes by id (durable).
    pub fn revoke(&self, id: &str) -> rusqlite::Result<usize> {
        self.conn
            .prepare_cached(
                "UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            )?
            .execute(params![id, millis_now()])
    }

    /// Gives a key a new secret (durable; no grace period).
    pub fn rotate(&self, id: &str, new_key: &str) -> rusqlite::Result<usize> {
        let hash: [u8; 32] = Sha256::digest(new_key.as_bytes()).into();
        self.conn
            .prepare_cached("UPDATE api_keys SET hash = ?2 WHERE id = ?1")?
            .execute(params![id, &hash[..]])
    }

    /// One page (100) of an owner's keys in id order.
    pub fn list_owner(&self, owner: &str) -> rusqlite::Result<Vec<PeerRecord>> {
        let mut st = self.conn.prepare_cached(
            "SELECT id, name, owner, scopes, created_at, revoked_at, remaining
             FROM api_keys WHERE owner = ?1 ORDER BY id LIMIT 100",
        )?;
        let rows = st.query_map([owner], |r| {
            Ok(PeerRecord {
                id: r.get(0)?,
                name: r.get(1)?,
                owner: r.get(2)?,
                scopes: r.get(3)?,
                created_at: r.get(4)?,
                revoked_at: r.get(5)?,
                remaining: r.get(6)?,
            })
        })?;
        rows.collect()
    }

    /// Bytes on disk after a checkpoint (database plus what is left of the WAL).
    pub fn file_bytes(&self) -> u64 {
        let _ = self.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);");
        let wal = self.path.with_extension("sqlite-wal");
        file_len(&self.path) + file_len(&wal)
    }
}

/// The process's resident memory (Linux; 0 elsewhere).
pub fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// A file's length, 0 when missing.
pub fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

// ---- the in-memory limit ---------------------------------------------------------

/// Map keys are uniform hash output: use their first 8 bytes as the hash.
#[derive(Default)]
pub struct FirstBytes(u64);

impl Hasher for FirstBytes {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut b = [0u8; 8];
        let n = bytes.len().min(8);
        b[..n].copy_from_slice(&bytes[..n]);
        self.0 ^= u64::from_le_bytes(b);
    }
}

/// What the limit keeps per key.
pub struct MemEntry {
    /// Revoked?
    pub revoked: bool,
    /// Scopes.
    pub scopes: Vec<String>,
    /// Credits, when metered.
    pub remaining: Option<AtomicU64>,
}

/// The limit no stored verify can beat: a blake3 keyed hash and a lookup in a
/// `HashMap` that lives only in memory (nothing survives a restart).
pub struct MemoryPeer {
    key: [u8; 32],
    map: HashMap<[u8; 32], MemEntry, BuildHasherDefault<FirstBytes>>,
}

impl MemoryPeer {
    /// Builds the map from `rows`.
    pub fn build<'a>(rows: impl Iterator<Item = Row<'a>>) -> Self {
        let key = *blake3::hash(b"keyrack bench memory peer").as_bytes();
        let mut map = HashMap::default();
        for r in rows {
            map.insert(
                *blake3::keyed_hash(&key, r.key.as_bytes()).as_bytes(),
                MemEntry {
                    revoked: false,
                    scopes: SCOPES.iter().map(|s| (*s).to_owned()).collect(),
                    remaining: r.remaining.map(AtomicU64::new),
                },
            );
        }
        MemoryPeer { key, map }
    }

    /// Marks a key revoked.
    pub fn revoke(&mut self, key: &str) {
        let h = *blake3::keyed_hash(&self.key, key.as_bytes()).as_bytes();
        if let Some(e) = self.map.get_mut(&h) {
            e.revoked = true;
        }
    }

    /// Verify: hash, look up, check (revoked, scope, credits).
    pub fn verify(&self, key: &str, scope: Option<&str>, cost: u64) -> Outcome {
        let h = blake3::keyed_hash(&self.key, key.as_bytes());
        let Some(e) = self.map.get(h.as_bytes()) else {
            return Outcome::NotFound;
        };
        if e.revoked {
            return Outcome::Revoked;
        }
        if let Some(s) = scope
            && !e.scopes.iter().any(|x| x == s)
        {
            return Outcome::InsufficientScope;
        }
        if let Some(r) = &e.remaining
            && r.fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| c.checked_sub(cost))
                .is_err()
        {
            return Outcome::UsageExceeded;
        }
        Outcome::Valid
    }
}

// ---- the fixture -------------------------------------------------------------------

/// One-off figures of a fixture (not timed by criterion).
#[derive(Clone, Debug, Default)]
pub struct BuildStats {
    /// Keys in every peer (base and metered).
    pub keys: usize,
    /// Seconds to issue them into keyrack (`issue_many_relaxed`, 100,000 a call, then `sync`).
    pub keyrack_build_s: f64,
    /// Seconds to insert them into SQLite (one transaction).
    pub sqlite_build_s: f64,
    /// keyrack file length after building, closed.
    pub keyrack_file_bytes: u64,
    /// The keyrack file after `Store::compact`.
    pub keyrack_file_bytes_compacted: u64,
    /// The same while the store is still open (redb allocates ahead).
    pub keyrack_file_bytes_open: u64,
    /// SQLite database length after a checkpoint.
    pub sqlite_file_bytes: u64,
}

/// The same keys in keyrack, the SQLite peer and the in-memory limit.
pub struct Fixture {
    /// Base keys issued.
    pub n: usize,
    /// Holds every file of this fixture.
    pub dir: tempfile::TempDir,
    /// The keyrack file.
    pub path: PathBuf,
    /// The open store (`None` once closed for the open benches).
    pub store: Option<Store>,
    /// Base keys, in issue order; the first [`REVOKED`] are revoked everywhere.
    pub keys: Vec<String>,
    /// Their ids.
    pub ids: Vec<String>,
    /// Keys with credits.
    pub metered: Vec<String>,
    /// Well-formed keys nobody issued.
    pub strangers: Vec<String>,
    /// Keys with a broken check.
    pub typos: Vec<String>,
    /// A random order over the valid base keys (indices into `keys`).
    pub order: Vec<u32>,
    /// The SQLite peer.
    pub sqlite: SqlitePeer,
    /// The in-memory limit.
    pub memory: MemoryPeer,
    /// One-off figures.
    pub stats: BuildStats,
}

/// The owner of base key `i` in a store of `n`.
pub fn owner_of(i: usize, n: usize) -> String {
    format!("org_{}", i % (n / KEYS_PER_OWNER).max(1))
}

impl Fixture {
    /// Issues `n` keys (owner, two scopes) plus [`METERED`] metered keys into a
    /// new keyrack store with default options, revokes the first [`REVOKED`],
    /// and builds both peers from the same keys.
    pub fn build(n: usize) -> Fixture {
        let dir = tempfile::Builder::new()
            .prefix("keyrack-bench-")
            .tempdir()
            .expect("tempdir");
        let path = dir.path().join("keys.redb");
        let store = Store::open(&path, Options::default()).expect("open");
        let t = Instant::now();
        let mut keys = Vec::with_capacity(n);
        let mut ids = Vec::with_capacity(n);
        let mut owners = Vec::with_capacity(n);
        while keys.len() < n {
            let start = keys.len();
            let batch: Vec<IssueOptions> = (start..n.min(start + BUILD_BATCH))
                .map(|i| {
                    let owner = owner_of(i, n);
                    owners.push(owner.clone());
                    IssueOptions::new(format!("bench {i}"))
                        .owner(owner)
                        .scopes(SCOPES)
                })
                .collect();
            for issued in store.issue_many_relaxed(batch).expect("issue") {
                keys.push(issued.key.expose().to_owned());
                ids.push(issued.id);
            }
        }
        let mut metered = Vec::with_capacity(METERED);
        let mut metered_ids = Vec::with_capacity(METERED);
        let batch: Vec<IssueOptions> = (0..METERED)
            .map(|i| {
                IssueOptions::new(format!("metered {i}"))
                    .owner("metered")
                    .scopes(SCOPES)
                    .remaining(CREDITS)
            })
            .collect();
        for issued in store.issue_many_relaxed(batch).expect("issue metered") {
            metered.push(issued.key.expose().to_owned());
            metered_ids.push(issued.id);
        }
        store.sync().expect("sync");
        let keyrack_build_s = t.elapsed().as_secs_f64();
        for id in &ids[..REVOKED.min(n)] {
            store.revoke(id).expect("revoke");
        }
        store.sync().expect("sync");
        // redb grows the file ahead of use while open and trims it on close:
        // record both, and count the closed file (what sits on disk).
        let keyrack_file_bytes_open = file_len(&path);
        store.close().expect("close");
        let keyrack_file_bytes = file_len(&path);
        // A bulk import leaves the free pages of its copy-on-write B-trees
        // inside the file; `compact` gives them back (what an operator runs
        // after an import).
        let store = Store::open(&path, Options::default()).expect("reopen");
        store.compact().expect("compact");
        store.close().expect("close");
        let keyrack_file_bytes_compacted = file_len(&path);
        let store = Store::open(&path, Options::default()).expect("reopen");

        let rows = || {
            (0..n)
                .map(|i| Row {
                    key: &keys[i],
                    id: &ids[i],
                    owner: &owners[i],
                    remaining: None,
                })
                .chain((0..METERED).map(|i| Row {
                    key: &metered[i],
                    id: &metered_ids[i],
                    owner: "metered",
                    remaining: Some(CREDITS),
                }))
        };
        let t = Instant::now();
        let sqlite =
            SqlitePeer::build(&dir.path().join("keys.sqlite"), rows(), 2).expect("sqlite build");
        let sqlite_build_s = t.elapsed().as_secs_f64();
        {
            let mut st = sqlite
                .conn
                .prepare("UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1")
                .expect("prepare");
            let tx = sqlite.conn.unchecked_transaction().expect("tx");
            for id in &ids[..REVOKED.min(n)] {
                st.execute(params![id, millis_now()]).expect("revoke");
            }
            tx.commit().expect("commit");
        }
        let sqlite_file_bytes = sqlite.file_bytes();
        let mut memory = MemoryPeer::build(rows());
        for k in &keys[..REVOKED.min(n)] {
            memory.revoke(k);
        }

        let mut rng = Rng::new(0x6b65_7972_6163_6b21 ^ n as u64);
        let strangers = (0..1024).map(|_| stranger_key(&mut rng)).collect();
        let typos = keys.iter().rev().take(1024).map(|k| typo_of(k)).collect();
        let mut order: Vec<u32> = (REVOKED.min(n) as u32..n as u32).collect();
        rng.shuffle(&mut order);
        drop(owners);
        Fixture {
            n,
            path,
            store: Some(store),
            keys,
            ids,
            metered,
            strangers,
            typos,
            order,
            sqlite,
            memory,
            stats: BuildStats {
                keys: n + METERED,
                keyrack_build_s,
                sqlite_build_s,
                keyrack_file_bytes,
                keyrack_file_bytes_compacted,
                keyrack_file_bytes_open,
                sqlite_file_bytes,
            },
            dir,
        }
    }

    /// The open store.
    pub fn store(&self) -> &Store {
        self.store.as_ref().expect("store is open")
    }

    /// The revoked keys.
    pub fn revoked(&self) -> &[String] {
        &self.keys[..REVOKED.min(self.n)]
    }

    /// Verifies every valid key once, so that the timed runs see the steady
    /// state of a warm process (keyrack reads each key from the file once).
    /// Returns the time taken and how much the process grew meanwhile (bytes):
    /// the memory keyrack's cache and counters take for these keys.
    pub fn warm(&self) -> (Duration, i64) {
        // An order of its own: the timed runs must not replay the warm-up's.
        let mut order = self.order.clone();
        Rng::new(0x77a2_3f11 ^ self.n as u64).shuffle(&mut order);
        let before = rss_bytes();
        let t = Instant::now();
        let store = self.store();
        for &i in &order {
            let v = store.verify(&self.keys[i as usize]).expect("verify");
            assert!(v.is_valid());
        }
        (t.elapsed(), rss_bytes() as i64 - before as i64)
    }
}

// ---- one-off figures, next to criterion's -------------------------------------------

/// Where criterion writes (`$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`,
/// else `target/criterion` at the workspace root).
pub fn criterion_home() -> PathBuf {
    if let Some(h) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(h);
    }
    if let Some(t) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(t).join("criterion");
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/criterion")
}

/// The file of one-off figures, merged across runs: `{"<name>": {"<size>": value}}`.
pub fn extra_path() -> PathBuf {
    criterion_home().join("keyrack_extra.json")
}

/// Records one-off figures (file sizes, build and open times) by name and size.
pub struct Extra {
    doc: serde_json::Map<String, serde_json::Value>,
}

impl Extra {
    /// Loads what earlier runs recorded.
    pub fn load() -> Extra {
        let doc = std::fs::read(extra_path())
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        Extra { doc }
    }
    /// Sets `name` at `size`.
    pub fn set(&mut self, name: &str, size: usize, value: f64) {
        let entry = self
            .doc
            .entry(name.to_owned())
            .or_insert_with(|| serde_json::json!({}));
        entry[size.to_string()] = serde_json::json!(value);
    }
    /// Writes the file.
    pub fn save(&self) {
        let path = extra_path();
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let text = serde_json::to_string_pretty(&self.doc).expect("json");
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("could not write {}: {e}", path.display());
        }
    }
}
