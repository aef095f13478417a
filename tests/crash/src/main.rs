//! SIGKILL crash test for keyrack.
//!
//! The parent runs cycles. In each, a child process opens the store and
//! issues, rotates and revokes keys as fast as it can, appending to a side
//! file a `begin` line before each call and an `ok` line (fsync'd) only after
//! the call returned. The parent kills the child with SIGKILL at a random
//! moment, reopens the store and checks every acknowledged write of every
//! cycle so far: each issued key verifies (or reads as its later revoke or
//! rotation says), each revoked key reads `revoked`, each rotation holds (the
//! new secret is valid; the old one valid during its grace, expired with zero
//! grace; the one before that gone). The one call in flight at the kill may or
//! may not have happened; the parent finds out which and goes on from there.
//!
//! ```text
//! keyrack-crash                       # 50 cycles (CRASH_CYCLES=N for more)
//! keyrack-crash child STORE ACKS IDS SEED   # (internal) one child
//! ```
//! Environment: `CRASH_CYCLES` (default 50), `CRASH_SEED` (default: from the
//! clock, printed so a failure can be replayed), `CRASH_MAX_DELAY_MS` (the
//! latest kill, default 250), `CRASH_DIR` (default: a new temp folder).

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use keyrack::{IssueOptions, Options, Outcome, Store};

/// The grace of a rotation that keeps the old secret alive for the test.
const LONG_GRACE: Duration = Duration::from_secs(3600);
/// A child does at most this many calls, so it ends even if nobody kills it.
const MAX_CHILD_OPS: usize = 3_000;

/// splitmix64: small, seedable, good enough to pick ops and delays.
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

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a number, not {v:?}")),
        Err(_) => default,
    }
}

fn hint(secret: &str) -> String {
    keyrack::format::parse(secret)
        .expect("keys we were given parse")
        .hint()
}

// ---- the child ------------------------------------------------------------------

/// The acknowledgement file: each line goes out in one write; `ok` lines are
/// fsync'd before the next call starts.
struct Acks(File);

impl Acks {
    fn line(&mut self, text: &str, sync: bool) {
        self.0
            .write_all(format!("{text}\n").as_bytes())
            .expect("write ack");
        if sync {
            self.0.sync_data().expect("sync ack");
        }
    }
}

fn child(store_path: &Path, acks_path: &Path, ids_path: &Path, seed: u64) -> ExitCode {
    let mut acks = Acks(
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(acks_path)
            .expect("open acks"),
    );
    let store = match Store::open(store_path, Options::default()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("child: open failed: {e}");
            return ExitCode::from(2);
        }
    };
    acks.line("opened", true);
    // Keys of earlier cycles that are not revoked: this child may revoke or
    // rotate them too, so old pages get rewritten while it dies.
    let mut live: Vec<String> = std::fs::read_to_string(ids_path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect();
    let mut rng = Rng(seed);
    for n in 0..MAX_CHILD_OPS {
        let roll = rng.below(10);
        if live.is_empty() || roll < 5 {
            acks.line("begin issue", false);
            let i = store
                .issue(IssueOptions::new(format!("crash-{seed}-{n}")))
                .expect("issue");
            acks.line(&format!("ok issue {} {}", i.id, i.key.expose()), true);
            live.push(i.id.clone());
        } else if roll < 7 {
            let at = rng.below(live.len() as u64) as usize;
            let id = live.swap_remove(at);
            acks.line(&format!("begin revoke {id}"), false);
            store.revoke(&id).expect("revoke");
            acks.line(&format!("ok revoke {id}"), true);
        } else {
            let id = live[rng.below(live.len() as u64) as usize].clone();
            let grace = if rng.below(2) == 0 {
                Duration::ZERO
            } else {
                LONG_GRACE
            };
            let g = grace.as_secs();
            acks.line(&format!("begin rotate {id} {g}"), false);
            let i = store.rotate(&id, grace).expect("rotate");
            acks.line(&format!("ok rotate {id} {g} {}", i.key.expose()), true);
        }
    }
    store.close().expect("close");
    acks.line("done", true);
    ExitCode::SUCCESS
}

// ---- the parent's model ---------------------------------------------------------

#[derive(Clone, Debug, Default)]
struct Key {
    revoked: bool,
    /// The current secret; `None` when a rotation in flight at a kill made
    /// one that nobody saw.
    current: Option<String>,
    /// The hint the record must show.
    hint: String,
    /// The secret rotated out last, and whether its grace still runs.
    previous: Option<(Option<String>, bool)>,
    /// Older secrets: gone.
    gone: Vec<String>,
}

impl Key {
    fn rotate(&mut self, new: Option<String>, grace_runs: bool, hint: String) {
        if let Some((Some(s), _)) = self.previous.take() {
            self.gone.push(s);
        }
        self.previous = Some((self.current.take(), grace_runs));
        self.current = new;
        self.hint = hint;
    }

    /// Every known secret and what verify must say of it.
    fn expected(&self) -> Vec<(&str, Outcome)> {
        let live = |o: Outcome| if self.revoked { Outcome::Revoked } else { o };
        let mut v = Vec::new();
        if let Some(s) = &self.current {
            v.push((s.as_str(), live(Outcome::Valid)));
        }
        if let Some((Some(s), runs)) = &self.previous {
            let o = if *runs {
                Outcome::Valid
            } else {
                Outcome::Expired
            };
            v.push((s.as_str(), live(o)));
        }
        for s in &self.gone {
            v.push((s.as_str(), Outcome::NotFound));
        }
        v
    }
}

#[derive(Default)]
struct Totals {
    acked: u64,
    issues: u64,
    revokes: u64,
    rotations: u64,
    in_flight: u64,
    in_flight_committed: u64,
    losses: u64,
    checks: u64,
}

/// One line of the side file.
enum Ack {
    Issue(String, String),
    Revoke(String),
    Rotate(String, u64, String),
}

/// Reads the side file: the acknowledged calls in order, and the call begun
/// but not acknowledged (if any). A torn last line is not an acknowledgement.
fn read_acks(path: &Path) -> (Vec<Ack>, Option<Vec<String>>, bool) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let complete = match text.rfind('\n') {
        Some(i) => &text[..=i],
        None => "",
    };
    let mut acks = Vec::new();
    let mut pending = None;
    let mut opened = false;
    for line in complete.lines() {
        let w: Vec<&str> = line.split(' ').collect();
        match w.as_slice() {
            ["opened"] => opened = true,
            ["done"] => {}
            ["begin", rest @ ..] => {
                pending = Some(rest.iter().map(|s| s.to_string()).collect());
            }
            ["ok", "issue", id, key] => {
                acks.push(Ack::Issue(id.to_string(), key.to_string()));
                pending = None;
            }
            ["ok", "revoke", id] => {
                acks.push(Ack::Revoke(id.to_string()));
                pending = None;
            }
            ["ok", "rotate", id, g, key] => {
                let g = g.parse().expect("grace");
                acks.push(Ack::Rotate(id.to_string(), g, key.to_string()));
                pending = None;
            }
            _ => panic!("unreadable ack line {line:?}"),
        }
    }
    (acks, pending, opened)
}

struct Parent {
    dir: PathBuf,
    store: PathBuf,
    keys: BTreeMap<String, Key>,
    totals: Totals,
}

impl Parent {
    fn apply(&mut self, ack: Ack) {
        self.totals.acked += 1;
        match ack {
            Ack::Issue(id, key) => {
                self.totals.issues += 1;
                let k = Key {
                    hint: hint(&key),
                    current: Some(key),
                    ..Key::default()
                };
                self.keys.insert(id, k);
            }
            Ack::Revoke(id) => {
                self.totals.revokes += 1;
                self.keys.get_mut(&id).expect("acked id").revoked = true;
            }
            Ack::Rotate(id, grace, key) => {
                self.totals.rotations += 1;
                let h = hint(&key);
                self.keys
                    .get_mut(&id)
                    .expect("acked id")
                    .rotate(Some(key), grace > 0, h);
            }
        }
    }

    /// Finds out whether the call in flight at the kill happened.
    fn resolve(&mut self, store: &Store, pending: &[String]) -> Result<(), String> {
        self.totals.in_flight += 1;
        let err = |e: keyrack::Error| format!("reading the in-flight call's key: {e}");
        match pending {
            // A key nobody saw may or may not exist: nothing to check.
            [op] if op == "issue" => {}
            [op, id] if op == "revoke" => {
                if store.get(id).map_err(err)?.revoked_at.is_some() {
                    self.totals.in_flight_committed += 1;
                    self.keys.get_mut(id).expect("known id").revoked = true;
                }
            }
            [op, id, g] if op == "rotate" => {
                let r = store.get(id).map_err(err)?;
                let k = self.keys.get_mut(id).expect("known id");
                if r.hint != k.hint {
                    self.totals.in_flight_committed += 1;
                    let grace: u64 = g.parse().expect("grace");
                    k.rotate(None, grace > 0, r.hint);
                }
            }
            other => return Err(format!("unreadable in-flight call {other:?}")),
        }
        Ok(())
    }

    /// Every key of every cycle: its record and each of its known secrets.
    fn check(&mut self, store: &Store) -> Vec<String> {
        let mut lost = Vec::new();
        for (id, k) in &self.keys {
            match store.get(id) {
                Ok(r) => {
                    if r.revoked_at.is_some() != k.revoked {
                        lost.push(format!("{id}: revoked is {}", r.revoked_at.is_some()));
                    }
                    if r.hint != k.hint {
                        lost.push(format!("{id}: hint {} not {}", r.hint, k.hint));
                    }
                }
                Err(e) => lost.push(format!("{id}: get failed: {e}")),
            }
            for (secret, want) in k.expected() {
                self.totals.checks += 1;
                match store.verify(secret) {
                    Ok(v) if v.outcome == want => {}
                    Ok(v) => lost.push(format!(
                        "{id} ({}): verify said {:?}, acknowledged writes say {want:?}",
                        hint(secret),
                        v.outcome
                    )),
                    Err(e) => lost.push(format!("{id}: verify failed: {e}")),
                }
            }
        }
        lost
    }

    fn cycle(&mut self, n: u64, rng: &mut Rng, max_delay: u64) -> Result<(), String> {
        let acks_path = self.dir.join(format!("acks-{n}.log"));
        let ids_path = self.dir.join("live-ids.txt");
        let live: Vec<&str> = self
            .keys
            .iter()
            .filter(|(_, k)| !k.revoked)
            .map(|(id, _)| id.as_str())
            .collect();
        std::fs::write(&ids_path, live.join("\n")).map_err(|e| e.to_string())?;
        let seed = rng.next();
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut child = Command::new(exe)
            .arg("child")
            .arg(&self.store)
            .arg(&acks_path)
            .arg(&ids_path)
            .arg(seed.to_string())
            .spawn()
            .map_err(|e| format!("spawn: {e}"))?;
        let delay = Duration::from_millis(1 + rng.below(max_delay));
        std::thread::sleep(delay);
        // SIGKILL (a no-op error if it already finished its calls).
        let _ = child.kill();
        let status = child.wait().map_err(|e| e.to_string())?;

        let (acks, pending, opened) = read_acks(&acks_path);
        if status.success() && pending.is_some() {
            return Err("the child exited cleanly with a call unacknowledged".into());
        }
        if !status.success() && status.code().is_some() {
            return Err(format!("the child failed by itself: {status}"));
        }
        let acked = acks.len();
        for a in acks {
            self.apply(a);
        }
        let store = Store::open(&self.store, Options::default())
            .map_err(|e| format!("reopen after the kill failed: {e}"))?;
        if let Some(p) = &pending {
            self.resolve(&store, p)?;
        }
        let lost = self.check(&store);
        store.close().map_err(|e| format!("close: {e}"))?;
        self.totals.losses += lost.len() as u64;
        if !lost.is_empty() {
            return Err(format!(
                "{} acknowledged writes lost or wrong:\n  {}",
                lost.len(),
                lost.join("\n  ")
            ));
        }
        if n.is_multiple_of(10) {
            println!(
                "crash: cycle {n}: killed after {delay:?} ({}), {acked} acknowledged this cycle, \
                 {} keys checked",
                if opened { "open" } else { "while opening" },
                self.keys.len()
            );
        }
        Ok(())
    }
}

fn parent() -> ExitCode {
    let cycles = env_u64("CRASH_CYCLES", 50);
    let max_delay = env_u64("CRASH_MAX_DELAY_MS", 250).max(1);
    let seed = env_u64(
        "CRASH_SEED",
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64),
    );
    let (dir, temp) = match std::env::var_os("CRASH_DIR") {
        Some(d) => (PathBuf::from(d), false),
        None => (
            std::env::temp_dir().join(format!("keyrack-crash-{}", std::process::id())),
            true,
        ),
    };
    std::fs::create_dir_all(&dir).expect("create the crash folder");
    let store = dir.join("keys.redb");
    let _ = std::fs::remove_file(&store);
    println!(
        "crash: {cycles} cycles, kills within {max_delay} ms, seed {seed} (CRASH_SEED={seed} \
         replays the choices), store {}",
        store.display()
    );
    let mut p = Parent {
        dir: dir.clone(),
        store,
        keys: BTreeMap::new(),
        totals: Totals::default(),
    };
    let mut rng = Rng(seed);
    let (mut passed, mut failed) = (0u64, 0u64);
    for n in 1..=cycles {
        match p.cycle(n, &mut rng, max_delay) {
            Ok(()) => passed += 1,
            Err(e) => {
                failed += 1;
                println!("crash: cycle {n} FAILED: {e}");
                // The model no longer matches the file: stop here.
                break;
            }
        }
    }
    let t = &p.totals;
    println!(
        "crash: {} cycles, {} acknowledged writes ({} issues, {} revokes, {} rotations), \
         {} calls in flight at a kill ({} of them committed), {} secrets checked, {} losses",
        passed + failed,
        t.acked,
        t.issues,
        t.revokes,
        t.rotations,
        t.in_flight,
        t.in_flight_committed,
        t.checks,
        t.losses
    );
    if failed == 0 && temp {
        let _ = std::fs::remove_dir_all(&dir);
    } else if failed > 0 {
        println!("crash: files kept in {}", dir.display());
    }
    println!("crash: {passed} passed, {failed} failed");
    if failed == 0 && t.acked > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("child") if args.len() == 6 => {
            let seed = args[5].parse().expect("seed");
            child(
                Path::new(&args[2]),
                Path::new(&args[3]),
                Path::new(&args[4]),
                seed,
            )
        }
        None => parent(),
        _ => {
            eprintln!("usage: keyrack-crash   (CRASH_CYCLES=N, CRASH_SEED=S, CRASH_DIR=D)");
            ExitCode::from(2)
        }
    }
}
