//! The store tells the truth after crashes and faults (issue 13): one test per
//! numbered finding, each of which failed before its fix.

mod common;
mod faults;

use std::io::{BufRead, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::Fixture;
use faults::{Fault as Inject, Shared};
use keyrack::{
    AuditKind, AuditOptions, ErrorKind, IssueOptions, Options, Outcome, RateLimit, Refill, Store,
    UpdateOptions, VerifyOptions,
};

/// Set in a child process this file re-runs itself as.
const CHILD: &str = "KEYRACK_RELIABILITY_CHILD";

/// Runs `test` of this binary again as a child, with `env` set.
fn child(test: &str, env: &[(&str, String)]) -> std::process::Child {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().unwrap()
}

/// Waits for the child's `ready` line; the reader must live until the kill
/// (a closed pipe would end the child early).
fn ready(c: &mut std::process::Child) -> std::io::BufReader<std::process::ChildStdout> {
    let mut out = std::io::BufReader::new(c.stdout.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "the child ended early"
        );
        if line.trim().ends_with("ready") {
            return out;
        }
    }
}

fn kill(mut c: std::process::Child) {
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(c.id() as i32, libc::SIGKILL) };
    let _ = c.wait();
}

fn count_audit(store: &Store, kind: AuditKind) -> usize {
    store
        .iter_audit(AuditOptions::default().kind(kind))
        .filter(Result::is_ok)
        .count()
}

// ---- 1. a crash gives back no credit ----------------------------------------

/// The child: verify the metered key as fast as it can, acknowledging each
/// `valid` in a file (fsynced) before the next, until killed.
fn spend_until_killed() {
    let path = std::env::var("STORE").unwrap();
    let acks = std::env::var("ACKS").unwrap();
    let keys = [
        ("k", std::env::var("KEY").unwrap()),
        ("p", std::env::var("POOL_KEY").unwrap()),
    ];
    let store = Store::open(
        &path,
        Options::default().flush_interval(Duration::from_millis(50)),
    )
    .unwrap();
    let mut out = std::fs::OpenOptions::new()
        .append(true)
        .open(&acks)
        .unwrap();
    println!("ready");
    std::io::stdout().flush().unwrap();
    let start = Instant::now();
    for (tag, key) in keys.iter().cycle() {
        let v = store.verify(key).unwrap();
        if !v.is_valid() {
            std::thread::sleep(Duration::from_millis(5));
            continue;
        }
        writeln!(out, "{tag} {}", start.elapsed().as_millis()).unwrap();
        out.sync_data().unwrap();
    }
}

#[test]
fn a_crash_never_gives_a_spent_credit_back() {
    if std::env::var(CHILD).is_ok() {
        return spend_until_killed();
    }
    const GIVEN: u64 = 5_000;
    const LEASE: u64 = 100;
    let f = Fixture::new();
    let path = f.path();
    let (key, pooled) = {
        let store = Store::open(&path, Options::default()).unwrap();
        let k = store
            .issue(IssueOptions::new("metered").remaining(GIVEN))
            .unwrap();
        store.set_pool("org", GIVEN, None).unwrap();
        let p = store
            .issue(
                IssueOptions::new("pooled")
                    .owner("org")
                    .shared_credits(true),
            )
            .unwrap();
        store.close().unwrap();
        (
            (k.id.clone(), k.key.expose().to_owned()),
            p.key.expose().to_owned(),
        )
    };
    let acks = f.dir.path().join("acks");
    std::fs::write(&acks, "").unwrap();
    let mut acked = 0u64;
    for cycle in 0..6u64 {
        let mut c = child(
            "a_crash_never_gives_a_spent_credit_back",
            &[
                ("STORE", path.display().to_string()),
                ("ACKS", acks.display().to_string()),
                ("KEY", key.1.clone()),
                ("POOL_KEY", pooled.clone()),
            ],
        );
        let _out = ready(&mut c);
        std::thread::sleep(Duration::from_millis(150 + 70 * cycle));
        kill(c);
        let text = std::fs::read_to_string(&acks).unwrap();
        acked = text.lines().filter(|l| l.starts_with("k ")).count() as u64;
        let acked_pool = text.lines().filter(|l| l.starts_with("p ")).count() as u64;
        let store = Store::open(&path, Options::default()).unwrap();
        let r = store.get(&key.0).unwrap();
        let left = r.remaining.unwrap();
        let pool_left = store.pool("org").unwrap().unwrap().remaining;
        assert!(
            pool_left <= GIVEN - acked_pool,
            "cycle {cycle}: the pool has {pool_left} left after {acked_pool} acknowledged"
        );
        assert!(
            pool_left + (cycle + 1) * (LEASE + 1) >= GIVEN - acked_pool,
            "cycle {cycle}: the pool lost more than a reservation per crash"
        );
        // Never oversold: what is left never exceeds what no one was granted.
        assert!(
            left <= GIVEN - acked,
            "cycle {cycle}: {left} left after {acked} acknowledged of {GIVEN}"
        );
        // Forfeits are bounded: at most one unspent reservation per crash,
        // and the one call in flight at the kill.
        let crashes = cycle + 1;
        assert!(
            left + crashes * (LEASE + 1) >= GIVEN - acked,
            "cycle {cycle}: {left} left, {acked} acknowledged: more than {crashes} reservations lost"
        );
        // Uses are flushed every 50 ms: at most that (and the last flush in
        // flight) is uncounted, never more counted than happened.
        assert!(
            r.uses <= acked + crashes,
            "{} uses, {acked} acknowledged",
            r.uses
        );
        store.close().unwrap();
        if left == 0 {
            break;
        }
    }
    assert!(acked > 0, "the child never spent a credit");
    // A clean close gives the reservation back: no credit is forfeited.
    let store = Store::open(&path, Options::default()).unwrap();
    let before = store.get(&key.0).unwrap().remaining.unwrap();
    if before > 0 {
        assert!(store.verify(&key.1).unwrap().is_valid());
        store.close().unwrap();
        let store = Store::open(&path, Options::default()).unwrap();
        assert_eq!(store.get(&key.0).unwrap().remaining, Some(before - 1));
    }
}

#[test]
fn counted_uses_survive_a_crash_after_one_flush_interval() {
    if std::env::var(CHILD).is_ok() {
        let store = Store::open(
            std::env::var("STORE").unwrap(),
            Options::default().flush_interval(Duration::from_millis(20)),
        )
        .unwrap();
        let key = std::env::var("KEY").unwrap();
        for _ in 0..25 {
            assert!(store.verify(&key).unwrap().is_valid());
        }
        std::thread::sleep(Duration::from_millis(400));
        println!("ready");
        std::io::stdout().flush().unwrap();
        // Killed here, never dropping the store (as a store in a `static`).
        std::thread::sleep(Duration::from_secs(60));
        return;
    }
    let f = Fixture::new();
    let store = Store::open(f.path(), Options::default()).unwrap();
    let k = store.issue(IssueOptions::new("k").remaining(100)).unwrap();
    store.close().unwrap();
    let mut c = child(
        "counted_uses_survive_a_crash_after_one_flush_interval",
        &[
            ("STORE", f.path().display().to_string()),
            ("KEY", k.key.expose().to_owned()),
        ],
    );
    let _out = ready(&mut c);
    kill(c);
    let store = Store::open(f.path(), Options::default()).unwrap();
    let r = store.get(&k.id).unwrap();
    assert_eq!(
        r.uses, 25,
        "every use counted more than a flush interval ago survives"
    );
    assert!(r.last_used_at.is_some());
    assert!(r.remaining.unwrap() <= 75, "{:?}", r.remaining);
}

// ---- 2. a read-only open after a writer's crash -----------------------------

#[test]
fn a_read_only_open_after_a_writer_crash_says_how_to_recover() {
    if std::env::var(CHILD).is_ok() {
        let store = Store::open(std::env::var("STORE").unwrap(), Options::default()).unwrap();
        store.issue(IssueOptions::new("k")).unwrap();
        println!("ready");
        std::io::stdout().flush().unwrap();
        std::thread::sleep(Duration::from_secs(60));
        return;
    }
    let f = Fixture::new();
    let mut c = child(
        "a_read_only_open_after_a_writer_crash_says_how_to_recover",
        &[("STORE", f.path().display().to_string())],
    );
    let _out = ready(&mut c);
    kill(c);
    match Store::open(f.path(), Options::default().read_only(true)) {
        Ok(s) => assert_eq!(s.list(&Default::default()).unwrap().records.len(), 1),
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::NeedsRecovery, "{e}");
            assert!(e.to_string().contains("read-write"), "{e}");
        }
    }
    // A read-write open recovers it; read-only opens work after.
    Store::open(f.path(), Options::default())
        .unwrap()
        .close()
        .unwrap();
    let ro = Store::open(f.path(), Options::default().read_only(true)).unwrap();
    assert_eq!(ro.list(&Default::default()).unwrap().records.len(), 1);
}

// ---- 3. read-only handles grant nothing they cannot record ------------------

#[test]
fn read_only_handles_refuse_to_spend_and_check_with_cost_zero() {
    let f = Fixture::new();
    let (metered, limited, plain) = {
        let s = f.open();
        let m = s.issue(IssueOptions::new("m").remaining(3)).unwrap();
        let l = s
            .issue(IssueOptions::new("l").rate_limit(RateLimit::new(1, Duration::from_secs(60))))
            .unwrap();
        let p = s.issue(IssueOptions::new("p")).unwrap();
        s.close().unwrap();
        (m, l, p)
    };
    let a = Store::open(f.path(), f.options().read_only(true)).unwrap();
    let b = Store::open(f.path(), f.options().read_only(true)).unwrap();
    for ro in [&a, &b] {
        for k in [&metered, &limited] {
            let e = ro.verify(k.key.expose()).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::ReadOnly, "{e}");
            let check = ro
                .verify_with(k.key.expose(), &VerifyOptions::default().cost(0))
                .unwrap();
            assert!(check.is_valid());
        }
        assert!(ro.verify(plain.key.expose()).unwrap().is_valid());
    }
    drop((a, b));
    let s = f.open();
    assert_eq!(s.get(&metered.id).unwrap().remaining, Some(3));
    assert!(s.verify(limited.key.expose()).unwrap().is_valid());
    assert_eq!(
        s.verify(limited.key.expose()).unwrap().outcome,
        Outcome::RateLimited
    );
}

// ---- 4. faults heal ----------------------------------------------------------

fn faulty_store(disk: &Shared, options: Options) -> Store {
    let d = disk.clone();
    Store::open_on_storage_with(move || d.storage(), "faulty", options).unwrap()
}

#[test]
fn a_full_disk_heals_once_space_is_freed_without_reopening() {
    let f = Fixture::new();
    let disk = Shared::default();
    let store = faulty_store(&disk, f.options());
    let a = store.issue(IssueOptions::new("a")).unwrap();
    let b = store.issue(IssueOptions::new("b")).unwrap();
    assert!(store.health().ok);
    let next = disk.counts().0 + 1;
    disk.arm(Inject::Enospc, next);
    let e = store.revoke(&a.id).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e}");
    assert!(!store.health().ok);
    assert!(store.revoke(&b.id).is_err(), "still full");
    disk.disarm();
    // Space is back: the very next write heals the store.
    store.revoke(&a.id).unwrap();
    assert_eq!(
        store.verify(a.key.expose()).unwrap().outcome,
        Outcome::Revoked
    );
    assert!(store.verify(b.key.expose()).unwrap().is_valid());
    let h = store.health();
    assert!(h.ok);
    let fault = h.last_error.expect("the fault is remembered");
    assert_eq!(fault.kind, ErrorKind::Io);
    assert!(!fault.background);
    store.close().unwrap();
}

#[test]
fn a_failed_background_flush_is_reported_and_retried() {
    let f = Fixture::new();
    let disk = Shared::default();
    let store = faulty_store(&disk, f.options().flush_interval(Duration::from_millis(20)));
    let k = store.issue(IssueOptions::new("k")).unwrap();
    let next = disk.counts().0 + 1;
    disk.arm(Inject::Enospc, next);
    assert!(store.verify(k.key.expose()).unwrap().is_valid());
    let deadline = Instant::now() + Duration::from_secs(20);
    while store.health().ok {
        assert!(
            Instant::now() < deadline,
            "the flush's failure never showed"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let fault = store.health().last_error.unwrap();
    assert!(fault.background, "{fault:?}");
    disk.disarm();
    while !store.health().ok {
        assert!(Instant::now() < deadline, "the flusher never healed");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(store.get(&k.id).unwrap().uses, 1);
    store.close().unwrap();
}

#[test]
fn a_failed_close_keeps_the_counts_for_a_retry() {
    let f = Fixture::new();
    let disk = Shared::default();
    let store = faulty_store(&disk, f.options().flush_interval(Duration::from_secs(3600)));
    let k = store.issue(IssueOptions::new("k").remaining(10)).unwrap();
    for _ in 0..3 {
        assert!(store.verify(k.key.expose()).unwrap().is_valid());
    }
    let next = disk.counts().0 + 1;
    disk.arm(Inject::Enospc, next);
    assert!(store.close().is_err());
    assert!(
        store.verify(k.key.expose()).unwrap().is_valid(),
        "still open"
    );
    disk.disarm();
    store.close().unwrap();
    let again = Store::open_on_storage(disk.storage(), "faulty", f.options()).unwrap();
    let r = again.get(&k.id).unwrap();
    assert_eq!((r.uses, r.remaining), (4, Some(6)));
}

// ---- 5. update(refill) keeps the live balance --------------------------------

#[test]
fn a_new_refill_keeps_the_live_balance() {
    let f = Fixture::new();
    let store = f.open();
    let k = store.issue(IssueOptions::new("k").remaining(10)).unwrap();
    for _ in 0..3 {
        assert!(store.verify(k.key.expose()).unwrap().is_valid());
    }
    let refill = Refill::new(10, Duration::from_secs(86_400));
    let r = store
        .update(&k.id, UpdateOptions::default().refill(Some(refill)))
        .unwrap();
    assert_eq!(r.remaining, Some(7));
    assert_eq!(store.verify(k.key.expose()).unwrap().remaining, Some(6));
    store.close().unwrap();
    assert_eq!(f.open().get(&k.id).unwrap().remaining, Some(6));
}

// ---- 6. and 7. rate-limit windows --------------------------------------------

#[test]
fn a_rate_limit_window_longer_than_a_day_outlives_the_cache() {
    let f = Fixture::new();
    let store = Store::open(f.path(), f.options().cache_capacity(1)).unwrap();
    let two_days = Duration::from_secs(2 * 86_400);
    let k = store
        .issue(IssueOptions::new("k").rate_limit(RateLimit::new(1, two_days)))
        .unwrap();
    let others: Vec<_> = (0..200)
        .map(|i| store.issue(IssueOptions::new(format!("o{i}"))).unwrap())
        .collect();
    assert!(store.verify(k.key.expose()).unwrap().is_valid());
    f.clock.advance(Duration::from_secs(25 * 3600));
    // Push the key out of the cache, and let a sweep forget what is idle.
    for o in &others {
        store.verify(o.key.expose()).unwrap();
    }
    store.sync().unwrap();
    f.clock.advance(Duration::from_secs(120));
    store.sync().unwrap();
    let v = store.verify(k.key.expose()).unwrap();
    assert_eq!(v.outcome, Outcome::RateLimited, "the window has a day left");
    f.clock.advance(two_days);
    assert!(store.verify(k.key.expose()).unwrap().is_valid());
}

#[test]
fn a_huge_rate_limit_window_neither_panics_nor_wraps() {
    let f = Fixture::new();
    let store = f.open();
    let forever = Duration::from_millis(i64::MAX as u64);
    let k = store
        .issue(IssueOptions::new("k").rate_limit(RateLimit::new(1, forever)))
        .unwrap();
    assert!(store.verify(k.key.expose()).unwrap().is_valid());
    let v = store.verify(k.key.expose()).unwrap();
    assert_eq!(v.outcome, Outcome::RateLimited);
    let retry = v.retry_after.unwrap();
    assert!(retry > Duration::from_secs(100 * 365 * 86_400), "{retry:?}");
}

// ---- 8. sync waits for a flush in flight ------------------------------------

#[test]
fn sync_makes_every_count_durable_even_with_a_flush_in_flight() {
    // Counts taken by a background flush racing `sync` must be durable when
    // `sync` returns: run the two together many times, then look at what a
    // power loss keeps (the bytes as of the last completed sync).
    let f = Fixture::new();
    let disk = Shared::default();
    let store = faulty_store(&disk, f.options().flush_interval(Duration::from_millis(1)));
    let k = store.issue(IssueOptions::new("k")).unwrap();
    let mut verified = 0;
    for _ in 0..200 {
        assert!(store.verify(k.key.expose()).unwrap().is_valid());
        verified += 1;
        store.sync().unwrap();
        let durable = disk.lock().durable.clone();
        let reopened =
            Store::open_on_storage(Shared::with_bytes(durable).storage(), "copy", f.options())
                .unwrap();
        assert_eq!(reopened.get(&k.id).unwrap().uses, verified);
        reopened.close().unwrap();
    }
    store.close().unwrap();
}

// ---- 9. atomic top-ups; set_pool keeps the refill ---------------------------

#[test]
fn top_ups_are_atomic_and_audited() {
    let f = Fixture::new();
    let store = f.open();
    let k = store
        .issue(IssueOptions::new("k").remaining(1_000))
        .unwrap();
    let s = store.clone();
    let key = k.key.expose().to_owned();
    let spender = std::thread::spawn(move || {
        (0..600)
            .filter(|_| s.verify(&key).unwrap().is_valid())
            .count() as u64
    });
    for _ in 0..20 {
        store.add_credits(&k.id, 5).unwrap();
    }
    let spent = spender.join().unwrap();
    assert_eq!(spent, 600);
    assert_eq!(store.get(&k.id).unwrap().remaining, Some(1_000 + 100 - 600));
    assert_eq!(count_audit(&store, AuditKind::CreditsAdded), 20);
    let unmetered = store.issue(IssueOptions::new("u")).unwrap();
    let e = store.add_credits(&unmetered.id, 1).unwrap_err();
    assert_eq!(e.field(), Some("id"));
    assert_eq!(
        store.add_credits(&k.id, 0).unwrap_err().field(),
        Some("credits")
    );

    store.set_pool("org", 100, None).unwrap();
    let shared = store
        .issue(IssueOptions::new("s").owner("org").shared_credits(true))
        .unwrap();
    for _ in 0..10 {
        assert!(store.verify(shared.key.expose()).unwrap().is_valid());
    }
    assert_eq!(store.add_pool_credits("org", 50).unwrap().remaining, 140);
    assert_eq!(store.pool("org").unwrap().unwrap().remaining, 140);
    assert_eq!(count_audit(&store, AuditKind::PoolCreditsAdded), 1);
    let e = store.add_pool_credits("nobody", 5).unwrap_err();
    assert_eq!(e.field(), Some("owner"));
    store.close().unwrap();
    let store = f.open();
    assert_eq!(store.pool("org").unwrap().unwrap().remaining, 140);
    assert_eq!(store.get(&k.id).unwrap().remaining, Some(500));
}

#[test]
fn set_pool_keeps_the_refill_unless_given_one() {
    let f = Fixture::new();
    let store = f.open();
    let daily = Refill::new(100, Duration::from_secs(86_400));
    store.set_pool("org", 100, Some(daily)).unwrap();
    let p = store.set_pool("org", 20, None).unwrap();
    assert_eq!((p.remaining, p.refill), (20, Some(daily)));
    let hourly = Refill::new(5, Duration::from_secs(3600));
    assert_eq!(
        store.set_pool("org", 20, Some(hourly)).unwrap().refill,
        Some(hourly)
    );
    let events: Vec<_> = store
        .iter_audit(AuditOptions::default().kind(AuditKind::PoolSet))
        .collect::<keyrack::Result<_>>()
        .unwrap();
    assert_eq!(events.len(), 3);
    assert!(events[0].detail.contains("\"org\""), "{}", events[0].detail);
    assert_eq!(events[0].id, "");
}

// ---- 10. prefixes change only on purpose -------------------------------------

#[test]
fn opening_never_rewrites_the_accepted_prefixes() {
    let f = Fixture::new();
    let (live, test) = {
        let s = Store::open(
            f.path(),
            f.options().prefix("sk_live").prefixes(["sk_test"]),
        )
        .unwrap();
        let live = s.issue(IssueOptions::new("l")).unwrap();
        let test = s.issue(IssueOptions::new("t").prefix("sk_test")).unwrap();
        s.close().unwrap();
        (live, test)
    };
    // A narrower list at open changes nothing for anyone.
    let narrow = Store::open(f.path(), f.options().prefixes(["sk_live"])).unwrap();
    assert!(narrow.verify(test.key.expose()).unwrap().is_valid());
    narrow.close().unwrap();
    // A prefix the store lacks is refused, saying how to add it.
    let e = Store::open(f.path(), f.options().prefixes(["ak"])).unwrap_err();
    assert_eq!(e.field(), Some("prefixes"));
    assert!(e.to_string().contains("add_prefix"), "{e}");
    let e = Store::open(f.path(), f.options().prefix("ak")).unwrap_err();
    assert_eq!(e.field(), Some("prefix"));
    let s = f.open();
    assert_eq!(s.prefixes(), ["sk_live", "sk_test"]);
    assert_eq!(s.default_prefix(), "sk_live");
    // Opened with the store's other prefix: this handle issues with it.
    drop(s);
    let t = Store::open(f.path(), f.options().prefix("sk_test")).unwrap();
    assert!(
        t.issue(IssueOptions::new("x"))
            .unwrap()
            .key
            .expose()
            .starts_with("sk_test_")
    );
    assert_eq!(t.prefixes(), ["sk_live", "sk_test"], "nothing saved");
    drop(t);
    // Adding and removing are explicit and audited.
    let s = f.open();
    assert_eq!(s.add_prefix("ak").unwrap(), ["sk_live", "sk_test", "ak"]);
    assert_eq!(s.remove_prefix("sk_test").unwrap(), ["sk_live", "ak"]);
    assert_eq!(
        s.verify(test.key.expose()).unwrap().outcome,
        Outcome::Malformed
    );
    assert!(s.verify(live.key.expose()).unwrap().is_valid());
    assert_eq!(
        s.remove_prefix("sk_live").unwrap_err().field(),
        Some("prefix")
    );
    assert_eq!(count_audit(&s, AuditKind::PrefixAdded), 1);
    assert_eq!(count_audit(&s, AuditKind::PrefixRemoved), 1);
    s.close().unwrap();
    assert_eq!(s.remove_prefix("zz").unwrap_err().kind(), ErrorKind::Closed);
    assert_eq!(s.add_prefix("zz").unwrap_err().kind(), ErrorKind::Closed);
    assert_eq!(f.open().prefixes(), ["sk_live", "ak"]);
}

// ---- 12. cache_capacity bounds the counters too ------------------------------

#[test]
fn counters_of_metered_keys_follow_the_cache_bound() {
    let f = Fixture::new();
    // The cache keeps at most 64 keys here (it rounds up to whole shards).
    let store = Store::open(f.path(), f.options().cache_capacity(64)).unwrap();
    let keys: Vec<_> = (0..400)
        .map(|i| {
            store
                .issue(IssueOptions::new(format!("k{i}")).remaining(5))
                .unwrap()
        })
        .collect();
    for k in &keys {
        assert_eq!(store.verify(k.key.expose()).unwrap().remaining, Some(4));
    }
    store.sync().unwrap();
    store.sync().unwrap();
    let held = store.counters_in_memory();
    assert!(held <= 64, "{held} keys' counters kept for a cache of 64");
    // Forgotten counters lose nothing: the file holds each exact balance.
    for k in &keys {
        assert_eq!(store.verify(k.key.expose()).unwrap().remaining, Some(3));
    }
    store.close().unwrap();
    let store = f.open();
    assert!(
        keys.iter()
            .all(|k| store.get(&k.id).unwrap().remaining == Some(3))
    );
}
