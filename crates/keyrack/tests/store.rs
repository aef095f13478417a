//! Behaviour of the store through its public API.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use common::Fixture;
use keyrack::{
    AuditKind, AuditOptions, Error, ErrorKind, ExportLine, IssueOptions, ListOptions, Options,
    Outcome, Pepper, Refill, Status, Store, UpdateOptions, VerifyOptions,
};

#[test]
fn store_is_send_sync_clone() {
    fn is<T: Send + Sync + Clone + 'static>() {}
    is::<Store>();
}

#[test]
fn new_file_is_private() {
    let f = Fixture::new();
    let store = f.open();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(f.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    store.close().unwrap();
}

#[test]
fn issued_key_has_default_prefix_and_hint() {
    let f = Fixture::new();
    let store = f.open();
    let i = store.issue(IssueOptions::new("a")).unwrap();
    let key = i.key.expose();
    let p = keyrack::format::parse(key).unwrap();
    assert_eq!(p.prefix(), "kr");
    assert_eq!(i.record.hint, p.hint());
    assert_eq!(i.record.prefix, "kr");
    assert!(i.id.starts_with("key_") && i.id.len() == 26, "{}", i.id);
    assert_ne!(
        store.issue(IssueOptions::new("b")).unwrap().key.expose(),
        key,
        "two issues give two keys"
    );
}

#[test]
fn second_open_in_same_process_is_already_open() {
    let f = Fixture::new();
    let store = f.open();
    let err = Store::open(f.path(), f.options()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyOpen, "{err}");
    assert!(err.to_string().contains("already open"), "{err}");
    let err = Store::open(f.path(), f.options().read_only(true)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyOpen, "{err}");
    store.close().unwrap();
    // Once closed, the file opens again.
    f.open().close().unwrap();
}

#[test]
fn second_open_in_another_process_is_already_open() {
    if let Ok(path) = std::env::var("KEYRACK_TEST_CHILD_OPEN") {
        // The child: try to open and report the kind through the exit code.
        let code = match Store::open(&path, Options::default()) {
            Ok(_) => 0,
            Err(e) if e.kind() == ErrorKind::AlreadyOpen => 42,
            Err(_) => 1,
        };
        std::process::exit(code);
    }
    let f = Fixture::new();
    let store = f.open();
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "second_open_in_another_process_is_already_open",
            "--nocapture",
        ])
        .env("KEYRACK_TEST_CHILD_OPEN", f.path())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(42));
    store.close().unwrap();
}

#[cfg(unix)]
#[test]
fn handle_used_after_fork_is_wrong_process() {
    let f = Fixture::new();
    let store = f.open();
    let issued = store.issue(IssueOptions::new("a")).unwrap();
    let key = issued.key.expose().to_owned();
    // SAFETY: the child only calls into keyrack (which checks the fork
    // generation before taking any lock) and then _exit()s.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        let code = match store.verify(&key) {
            Err(Error::WrongProcess) => match store.issue(IssueOptions::new("b")) {
                Err(Error::WrongProcess) => 42,
                _ => 2,
            },
            _ => 1,
        };
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    unsafe { libc::waitpid(pid, &mut status, 0) };
    assert!(libc::WIFEXITED(status));
    assert_eq!(libc::WEXITSTATUS(status), 42);
    // The parent's handle is untouched.
    assert_eq!(store.verify(&key).unwrap().outcome, Outcome::Valid);
    store.close().unwrap();
}

#[test]
fn pepper_must_match() {
    let f = Fixture::new();
    let pepper = Pepper::new([7; 32]);
    let store = Store::open(f.path(), f.options().pepper(pepper.clone())).unwrap();
    let key = store
        .issue(IssueOptions::new("a"))
        .unwrap()
        .key
        .expose()
        .to_owned();
    store.close().unwrap();

    let wrong = Store::open(f.path(), f.options().pepper(Pepper::new([8; 32]))).unwrap_err();
    assert_eq!(wrong.kind(), ErrorKind::PepperMismatch);
    let missing = Store::open(f.path(), f.options()).unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::PepperMismatch);

    let store = Store::open(f.path(), f.options().pepper(pepper)).unwrap();
    assert_eq!(store.verify(&key).unwrap().outcome, Outcome::Valid);
    store.close().unwrap();

    // A store made without a pepper refuses one.
    let g = Fixture::new();
    g.open().close().unwrap();
    let err = Store::open(g.path(), g.options().pepper(Pepper::new([1; 32]))).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PepperMismatch);
    assert!(Pepper::from_slice(&[0; 31]).is_err());
    assert!(!format!("{:?}", Pepper::new([0xAB; 32])).contains("171"));
}

#[test]
fn pepper_changes_the_hash_key() {
    // The same file key with and without pepper must not verify each other's keys:
    // a stolen file without the pepper cannot confirm keys.
    let f = Fixture::new();
    let store = Store::open(f.path(), f.options().pepper(Pepper::new([3; 32]))).unwrap();
    let key = store
        .issue(IssueOptions::new("a"))
        .unwrap()
        .key
        .expose()
        .to_owned();
    store.close().unwrap();
    let bytes = std::fs::read(f.path()).unwrap();
    let unpeppered = blake3::hash(key.as_bytes());
    assert!(
        !bytes
            .windows(32)
            .any(|w| w == unpeppered.as_bytes().as_slice()),
        "plain blake3 of the key must not be in the file"
    );
}

#[test]
fn read_only_open_serves_reads_and_refuses_writes() {
    let f = Fixture::new();
    let store = f.open();
    let i = store.issue(IssueOptions::new("a").owner("o")).unwrap();
    let key = i.key.expose().to_owned();
    store.close().unwrap();

    let ro1 = Store::open(f.path(), f.options().read_only(true)).unwrap();
    let ro2 = Store::open(f.path(), f.options().read_only(true)).unwrap();
    assert!(ro1.is_read_only());
    assert_eq!(ro1.verify(&key).unwrap().outcome, Outcome::Valid);
    assert_eq!(ro2.get(&i.id).unwrap().name, "a");
    assert_eq!(
        ro2.list(&ListOptions::default().owner("o"))
            .unwrap()
            .records
            .len(),
        1
    );
    assert_eq!(ro1.revoke(&i.id).unwrap_err().kind(), ErrorKind::ReadOnly);
    assert_eq!(
        ro1.issue(IssueOptions::new("b")).unwrap_err().kind(),
        ErrorKind::ReadOnly
    );
    assert_eq!(ro1.compact().unwrap_err().kind(), ErrorKind::ReadOnly);
    assert_eq!(
        ro1.import_json_lines("").unwrap_err().kind(),
        ErrorKind::ReadOnly
    );
    // A writer cannot open while readers hold the file.
    assert_eq!(
        Store::open(f.path(), f.options()).unwrap_err().kind(),
        ErrorKind::AlreadyOpen
    );
    ro1.close().unwrap();
    ro2.close().unwrap();
}

#[test]
fn read_only_open_of_missing_file_creates_nothing() {
    let f = Fixture::new();
    let err = Store::open(f.path(), f.options().read_only(true)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
    let err = Store::open(f.path(), f.options().create(false)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
    assert!(!f.path().exists());
}

#[test]
fn revoke_is_seen_by_concurrent_verifiers_at_once() {
    let f = Fixture::new();
    let store = f.open();
    let keys: Vec<_> = (0..8)
        .map(|i| store.issue(IssueOptions::new(format!("k{i}"))).unwrap())
        .collect();
    let secrets: Arc<Vec<String>> =
        Arc::new(keys.iter().map(|k| k.key.expose().to_owned()).collect());
    // revoked[i] is set only after revoke(i) returned.
    let revoked: Arc<Vec<AtomicBool>> = Arc::new((0..8).map(|_| AtomicBool::new(false)).collect());
    let stop = Arc::new(AtomicBool::new(false));
    let violations = Arc::new(AtomicUsize::new(0));
    let checks = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (store, secrets, revoked, stop, violations, checks) = (
                store.clone(),
                secrets.clone(),
                revoked.clone(),
                stop.clone(),
                violations.clone(),
                checks.clone(),
            );
            std::thread::spawn(move || {
                while !stop.load(Ordering::Acquire) {
                    for (i, s) in secrets.iter().enumerate() {
                        let was_revoked = revoked[i].load(Ordering::Acquire);
                        let v = store.verify(s).unwrap();
                        checks.fetch_add(1, Ordering::Relaxed);
                        if was_revoked && v.outcome == Outcome::Valid {
                            violations.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
        })
        .collect();
    // Each revoke waits for the verifiers to make progress (not for a fixed
    // time), so a busy machine slows the test down instead of failing it.
    let progress = |at_least: usize| {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while checks.load(Ordering::Relaxed) < at_least {
            assert!(std::time::Instant::now() < deadline, "verifiers stalled");
            std::thread::yield_now();
        }
    };
    for (i, k) in keys.iter().enumerate() {
        progress(checks.load(Ordering::Relaxed) + 64);
        store.revoke(&k.id).unwrap();
        revoked[i].store(true, Ordering::Release);
    }
    progress(checks.load(Ordering::Relaxed) + 64);
    stop.store(true, Ordering::Release);
    for w in workers {
        w.join().unwrap();
    }
    assert!(checks.load(Ordering::Relaxed) >= 9 * 64);
    assert_eq!(violations.load(Ordering::Relaxed), 0);
    for s in secrets.iter() {
        assert_eq!(store.verify(s).unwrap().outcome, Outcome::Revoked);
    }
}

#[test]
fn eight_threads_spend_exactly_five_credits() {
    let f = Fixture::new();
    let store = f.open();
    let key = store
        .issue(IssueOptions::new("metered").remaining(5))
        .unwrap()
        .key
        .expose()
        .to_owned();
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (store, key, barrier) = (store.clone(), key.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                (0..4)
                    .filter(|_| store.verify(&key).unwrap().outcome == Outcome::Valid)
                    .count()
            })
        })
        .collect();
    let valid: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(valid, 5);
    let id = store.verify(&key).unwrap().record.unwrap().id.clone();
    store.close().unwrap();
    let store = f.open();
    let r = store.get(&id).unwrap();
    assert_eq!(r.remaining, Some(0));
    assert_eq!(r.uses, 5);
    assert_eq!(r.denied.usage_exceeded, 32 - 5 + 1);
}

#[test]
fn shared_pool_is_exact_across_keys_and_threads() {
    let f = Fixture::new();
    let store = f.open();
    store.set_pool("acme", 7, None).unwrap();
    let keys: Vec<String> = (0..4)
        .map(|i| {
            store
                .issue(
                    IssueOptions::new(format!("k{i}"))
                        .owner("acme")
                        .shared_credits(true),
                )
                .unwrap()
                .key
                .expose()
                .to_owned()
        })
        .collect();
    let handles: Vec<_> = keys
        .into_iter()
        .map(|k| {
            let store = store.clone();
            std::thread::spawn(move || {
                (0..5)
                    .filter(|_| store.verify(&k).unwrap().outcome == Outcome::Valid)
                    .count()
            })
        })
        .collect();
    let valid: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(valid, 7);
    assert_eq!(store.pool("acme").unwrap().unwrap().remaining, 0);
    store.close().unwrap();
    assert_eq!(f.open().pool("acme").unwrap().unwrap().remaining, 0);
}

#[test]
fn everything_acknowledged_survives_reopen() {
    let f = Fixture::new();
    let store = f.open();
    let a = store
        .issue(
            IssueOptions::new("a")
                .owner("o1")
                .scopes(["read", "write"])
                .meta("team", "infra")
                .description("desc")
                .remaining(10),
        )
        .unwrap();
    let b = store.issue(IssueOptions::new("b")).unwrap();
    let c = store.issue(IssueOptions::new("c")).unwrap();
    store.revoke(&b.id).unwrap();
    let c2 = store.rotate(&c.id, Duration::from_secs(3600)).unwrap();
    store.disable(&a.id).unwrap();
    store.enable(&a.id).unwrap();
    store
        .update(&a.id, UpdateOptions::default().name("a2"))
        .unwrap();
    for _ in 0..3 {
        assert!(store.verify(a.key.expose()).unwrap().is_valid());
    }
    let a_before = store.get(&a.id).unwrap();
    assert_eq!(a_before.uses, 3, "get includes unflushed uses");
    drop(store); // dropping the last handle flushes and closes

    let store = f.open();
    let a_after = store.get(&a.id).unwrap();
    assert_eq!(a_after, a_before);
    assert_eq!(a_after.remaining, Some(7));
    assert_eq!(a_after.meta.get("team").map(String::as_str), Some("infra"));
    assert_eq!(
        store.verify(b.key.expose()).unwrap().outcome,
        Outcome::Revoked
    );
    assert_eq!(
        store.verify(c.key.expose()).unwrap().outcome,
        Outcome::Valid
    );
    assert_eq!(
        store.verify(c2.key.expose()).unwrap().outcome,
        Outcome::Valid
    );
    f.clock.advance(Duration::from_secs(3600));
    assert_eq!(
        store.verify(c.key.expose()).unwrap().outcome,
        Outcome::Expired
    );
    let events = store.audit(&AuditOptions::default()).unwrap().events;
    let kinds: Vec<_> = events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            AuditKind::Issued,
            AuditKind::Issued,
            AuditKind::Issued,
            AuditKind::Revoked,
            AuditKind::Rotated,
            AuditKind::Disabled,
            AuditKind::Enabled,
            AuditKind::Updated
        ]
    );
}

#[cfg(unix)]
#[test]
fn counters_flush_in_the_background_and_survive_a_crash() {
    let f = Fixture::new();
    let store = f.open();
    let i = store.issue(IssueOptions::new("a")).unwrap();
    let key = i.key.expose().to_owned();
    store.close().unwrap();
    // SAFETY: the child opens its own handle, verifies, waits for the
    // background flush, and _exit()s without closing (as a crash would).
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        let opts = f.options().flush_interval(Duration::from_millis(10));
        let code = match Store::open(f.path(), opts) {
            Ok(s) => {
                let ok = (0..4).all(|_| s.verify(&key).map(|v| v.is_valid()).unwrap_or(false));
                // 200 flush intervals: room for a slow disk on a busy machine.
                std::thread::sleep(Duration::from_millis(2_000));
                if ok { 0 } else { 2 }
            }
            Err(_) => 1,
        };
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    unsafe { libc::waitpid(pid, &mut status, 0) };
    assert_eq!(libc::WEXITSTATUS(status), 0);
    let store = Store::open(f.path(), f.options().read_only(true)).unwrap();
    let r = store.get(&i.id).unwrap();
    assert_eq!(
        r.uses, 4,
        "the background flush wrote the uses before the crash"
    );
    assert!(r.last_used_at.is_some());
}

#[test]
fn batch_issue_is_all_or_nothing() {
    let f = Fixture::new();
    let store = f.open();
    let batch = vec![IssueOptions::new("ok"), IssueOptions::new("bad").scope("")];
    let err = store.issue_many(batch).unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidArgument {
                field: "scopes",
                ..
            }
        ),
        "{err}"
    );
    assert!(
        store
            .list(&ListOptions::default())
            .unwrap()
            .records
            .is_empty()
    );
    let issued = store
        .issue_many(
            (0..50)
                .map(|i| IssueOptions::new(format!("k{i}")))
                .collect(),
        )
        .unwrap();
    assert_eq!(issued.len(), 50);
    for i in &issued {
        assert!(store.verify(i.key.expose()).unwrap().is_valid());
    }
}

#[test]
fn expires_in_counts_from_created_at_on_the_system_clock() {
    // On the wall clock, a batch takes milliseconds to check before its
    // transaction stamps `created_at`; the span must still be exact.
    let f = Fixture::new();
    let store = Store::open(f.path(), Options::default()).unwrap();
    let span = Duration::from_secs(30 * 86_400);
    let issued = store
        .issue_many_relaxed(
            (0..20_000)
                .map(|i| IssueOptions::new(format!("k{i}")).expires_in(span))
                .collect(),
        )
        .unwrap();
    for i in &issued {
        let r = &i.record;
        assert_eq!(
            r.expires_at.unwrap().duration_since(r.created_at).unwrap(),
            span,
            "{}",
            r.id
        );
    }
}

/// Two keys to move between stores: `a` with an owner, a scope, metadata
/// and `credits`; `b` revoked.
fn a_metered_and_b_revoked(store: &Store, credits: u64) -> (keyrack::Issued, keyrack::Issued) {
    let a = store
        .issue(
            IssueOptions::new("a")
                .owner("o")
                .scope("read")
                .meta("team", "infra")
                .remaining(credits),
        )
        .unwrap();
    let b = store.issue(IssueOptions::new("b")).unwrap();
    store.revoke(&b.id).unwrap();
    (a, b)
}

#[test]
fn export_and_import_json_lines_round_trip_without_secrets() {
    let f = Fixture::new();
    let old = f.open();
    let (a, b) = a_metered_and_b_revoked(&old, 7);
    let mut out = Vec::new();
    assert_eq!(old.export(&mut out).unwrap(), 2);
    let text = String::from_utf8(out).unwrap();
    assert!(!text.contains(a.key.expose()) && !text.contains(b.key.expose()));
    assert_eq!(text.lines().count(), 2);
    assert!(text.contains(r#""status":"revoked""#), "{text}");

    let dir = tempfile::tempdir().unwrap();
    let new = Store::open(dir.path().join("new.redb"), f.options()).unwrap();
    // Blank lines are skipped; line numbers count them.
    assert_eq!(new.import_json_lines(&format!("\n{text}\n")).unwrap(), 2);
    let (ra, rb) = (new.get(&a.id).unwrap(), new.get(&b.id).unwrap());
    assert_eq!(ra, old.get(&a.id).unwrap());
    assert_eq!(rb.revoked_at, old.get(&b.id).unwrap().revoked_at);
    assert_eq!(
        new.verify(a.key.expose()).unwrap().outcome,
        Outcome::NotFound
    );
    let rotated = new.rotate(&a.id, Duration::ZERO).unwrap();
    assert!(new.verify(rotated.key.expose()).unwrap().is_valid());
    assert_eq!(
        new.get(&a.id).unwrap().remaining,
        Some(6),
        "credits kept, one spent"
    );

    // Importing again: every id exists; the error names the first line.
    let err = new.import_json_lines(&text).unwrap_err();
    assert!(err.to_string().contains("line 1:"), "{err}");
}

#[test]
fn export_carries_owners_pools_and_import_restores_them() {
    let f = Fixture::new();
    let old = f.open();
    old.set_pool("org", 10, Some(Refill::new(10, Duration::from_secs(60))))
        .unwrap();
    let k = old
        .issue(
            IssueOptions::new("shared")
                .owner("org")
                .shared_credits(true),
        )
        .unwrap();
    assert!(old.verify(k.key.expose()).unwrap().is_valid());
    let mut out = Vec::new();
    assert_eq!(old.export(&mut out).unwrap(), 1, "one record");
    let text = String::from_utf8(out).unwrap();
    let last = text.lines().last().unwrap();
    assert_eq!(
        ExportLine::parse(last).unwrap(),
        ExportLine::Pool {
            owner: "org".into(),
            pool: old.pool("org").unwrap().unwrap()
        },
        "the pool line follows the records, with live spending: {last}"
    );
    assert_eq!(old.pool("org").unwrap().unwrap().remaining, 9);

    let dir = tempfile::tempdir().unwrap();
    let new = Store::open(dir.path().join("new.redb"), f.options()).unwrap();
    assert_eq!(new.import_json_lines(&text).unwrap(), 1);
    assert_eq!(new.pool("org").unwrap(), old.pool("org").unwrap());
    // The imported key spends the imported pool once it has a secret.
    let r = new.rotate(&k.id, Duration::ZERO).unwrap();
    let v = new.verify(r.key.expose()).unwrap();
    assert!(v.is_valid());
    assert_eq!(v.remaining, Some(8));

    // A pool for an owner that already has one: refused by line, nothing changes.
    let third = Store::open(dir.path().join("third.redb"), f.options()).unwrap();
    third.set_pool("org", 3, None).unwrap();
    let err = third.import_json_lines(&text).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(
        err.to_string()
            .contains(&format!("line {}:", text.lines().count())),
        "{err}"
    );
    assert_eq!(third.pool("org").unwrap().unwrap().remaining, 3);
    assert!(third.get(&k.id).is_err(), "no record came in either");
    for (bad, field) in [
        (
            r#"{"pool":"org","remaining":1,"refill":null,"extra":1}"#,
            "pool",
        ),
        (r#"{"pool":"","remaining":1,"refill":null}"#, "owner"),
        (r#"{"pool":"o","remaining":-1,"refill":null}"#, "pool"),
        (
            r#"{"pool":"o","remaining":1,"refill":{"amount":5,"every":10}}"#,
            "refill",
        ),
    ] {
        match third.import_json_lines(bad).unwrap_err() {
            Error::InvalidArgument { field: f, reason } => {
                assert_eq!(f, field, "{bad}: {reason}");
                assert!(reason.starts_with("line 1:"), "{reason}");
            }
            other => panic!("{bad}: {other}"),
        }
    }
    assert_eq!(third.pool("o").unwrap(), None);
}

#[test]
fn import_json_lines_refuses_bad_lines_by_number_and_changes_nothing() {
    let f = Fixture::new();
    let store = f.open();
    let donor = store.issue(IssueOptions::new("d")).unwrap();
    let mut out = Vec::new();
    store.export(&mut out).unwrap();
    let good = String::from_utf8(out).unwrap();
    let good = good.trim_end();
    let dir = tempfile::tempdir().unwrap();
    let target = Store::open(dir.path().join("t.redb"), f.options()).unwrap();
    let with_key = good.replacen('{', &format!("{{\"key\":\"{}\",", donor.key.expose()), 1);
    let key_named = good.replacen('{', &format!("{{\"{}\":1,", donor.key.expose()), 1);
    let wrong_type = good.replacen(
        "\"uses\":0",
        &format!("\"uses\":\"{}\"", donor.key.expose()),
        1,
    );
    let cases = [
        (format!("{good}\nnot json"), "line 2: not JSON"),
        (format!("\n\n{with_key}"), "line 3: unknown field \"key\""),
        (key_named, "line 1: unknown field"),
        (wrong_type, "line 1: not a key record"),
        (format!("{good}\n{good}"), "line 2: "),
        (
            good.replace("\"prefix\":\"kr\"", "\"prefix\":\"sk\""),
            "line 1: \"sk\"",
        ),
    ];
    for (text, want) in cases {
        let err = target.import_json_lines(&text).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
        let shown = err.to_string();
        assert!(shown.contains(want), "{shown:?} lacks {want:?}");
        assert!(!shown.contains(donor.key.expose()), "{shown}");
        assert!(
            target
                .list(&ListOptions::default())
                .unwrap()
                .records
                .is_empty()
        );
    }
}

#[test]
fn invalid_arguments_name_the_field_and_change_nothing() {
    let f = Fixture::new();
    let store = f.open();
    let i = store.issue(IssueOptions::new("a").scope("read")).unwrap();
    let before = store.get(&i.id).unwrap();
    let cases: Vec<(UpdateOptions, &str)> = vec![
        (UpdateOptions::default().scopes([""]), "scopes"),
        (UpdateOptions::default().name("x".repeat(300)), "name"),
        (
            UpdateOptions::default().expires_at(Some(f.clock.now() - Duration::from_secs(1))),
            "expires_at",
        ),
        (
            UpdateOptions::default()
                .rate_limit(Some(keyrack::RateLimit::new(0, Duration::from_secs(1)))),
            "rate_limit",
        ),
        (
            UpdateOptions::default().shared_credits(true),
            "shared_credits",
        ),
        (
            UpdateOptions::default().meta(BTreeMap::from([(String::new(), "v".into())])),
            "meta",
        ),
    ];
    for (change, field) in cases {
        match store.update(&i.id, change) {
            Err(Error::InvalidArgument { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    assert_eq!(store.get(&i.id).unwrap(), before);
    let issue_cases: Vec<(IssueOptions, &str)> = vec![
        (IssueOptions::new("a").prefix("nope"), "prefix"),
        (
            IssueOptions::new("a").expires_at(f.clock.now()),
            "expires_at",
        ),
        (
            IssueOptions::new("a").expires_in(Duration::ZERO),
            "expires_in",
        ),
        (IssueOptions::new("a").owner(""), "owner"),
        (
            IssueOptions::new("a")
                .remaining(1)
                .shared_credits(true)
                .owner("o"),
            "shared_credits",
        ),
        (IssueOptions::new("a\0b"), "name"),
    ];
    for (o, field) in issue_cases {
        match store.issue(o) {
            Err(Error::InvalidArgument { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    assert_eq!(
        store.list(&ListOptions::default()).unwrap().records.len(),
        1
    );
    assert_eq!(
        store.audit(&AuditOptions::default()).unwrap().events.len(),
        1
    );
}

#[test]
fn unknown_ids_are_not_found_errors() {
    let f = Fixture::new();
    let store = f.open();
    let ghost = "key_0123456789abcdefghijkl";
    for r in [
        store.get(ghost).map(|_| ()),
        store.revoke(ghost).map(|_| ()),
        store.enable(ghost).map(|_| ()),
        store.disable(ghost).map(|_| ()),
        store
            .update(ghost, UpdateOptions::default().name("x"))
            .map(|_| ()),
        store.rotate(ghost, Duration::ZERO).map(|_| ()),
        store.get("../etc/passwd").map(|_| ()),
    ] {
        let e = r.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    }
}

#[test]
fn list_filters_and_pages() {
    let f = Fixture::new();
    let store = Store::open(f.path(), f.options().prefixes(["sk_test"])).unwrap();
    let mut ids = Vec::new();
    for i in 0..25 {
        let mut o =
            IssueOptions::new(format!("k{i}")).owner(if i % 2 == 0 { "even" } else { "odd" });
        if i % 5 == 0 {
            o = o.prefix("sk_test");
        }
        if i == 3 {
            o = o.expires_in(Duration::from_secs(1));
        }
        ids.push(store.issue(o).unwrap());
    }
    store.revoke(&ids[1].id).unwrap();
    store.disable(&ids[2].id).unwrap();
    f.clock.advance(Duration::from_secs(2));
    store.verify(ids[4].key.expose()).unwrap();

    // Paging through everything visits each record once, in id order.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let mut o = ListOptions::default().limit(7);
        if let Some(c) = cursor.take() {
            o = o.cursor(c);
        }
        let page = store.list(&o).unwrap();
        assert!(page.records.len() <= 7);
        seen.extend(page.records.iter().map(|r| r.id.clone()));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let mut expected: Vec<_> = ids.iter().map(|i| i.id.clone()).collect();
    expected.sort();
    assert_eq!(seen, expected);

    let count = |o: ListOptions| store.list(&o.limit(1000)).unwrap().records.len();
    assert_eq!(count(ListOptions::default().owner("even")), 13);
    assert_eq!(count(ListOptions::default().owner("odd")), 12);
    assert_eq!(count(ListOptions::default().owner("nobody")), 0);
    assert_eq!(count(ListOptions::default().prefix("sk_test")), 5);
    assert_eq!(count(ListOptions::default().status(Status::Revoked)), 1);
    assert_eq!(count(ListOptions::default().status(Status::Disabled)), 1);
    assert_eq!(count(ListOptions::default().status(Status::Expired)), 1);
    assert_eq!(count(ListOptions::default().status(Status::Active)), 22);
    assert_eq!(
        count(ListOptions::default().unused_since(f.clock.now())),
        24
    );
    // Owner listing pages too.
    let p1 = store
        .list(&ListOptions::default().owner("odd").limit(5))
        .unwrap();
    let p2 = store
        .list(
            &ListOptions::default()
                .owner("odd")
                .limit(5)
                .cursor(p1.next_cursor.clone().unwrap()),
        )
        .unwrap();
    assert!(
        p1.records
            .iter()
            .all(|r| !p2.records.iter().any(|s| s.id == r.id))
    );
    assert_eq!(
        store
            .list(&ListOptions::default().limit(0))
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        store
            .list(&ListOptions::default().cursor("garbage"))
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidArgument
    );
}

#[test]
fn owner_change_moves_the_key_in_the_owner_index() {
    let f = Fixture::new();
    let store = f.open();
    let i = store.issue(IssueOptions::new("a").owner("old")).unwrap();
    store
        .update(&i.id, UpdateOptions::default().owner(Some("new".into())))
        .unwrap();
    assert!(
        store
            .list(&ListOptions::default().owner("old"))
            .unwrap()
            .records
            .is_empty()
    );
    assert_eq!(
        store
            .list(&ListOptions::default().owner("new"))
            .unwrap()
            .records[0]
            .id,
        i.id
    );
}

#[test]
fn audit_pages_filters_and_holds_no_secret() {
    let f = Fixture::new();
    let store = f.open();
    let a = store.issue(IssueOptions::new("a")).unwrap();
    let b = store.issue(IssueOptions::new("b")).unwrap();
    let a2 = store.rotate(&a.id, Duration::ZERO).unwrap();
    store.revoke(&b.id).unwrap();
    let only_a = store
        .audit(&AuditOptions::default().id(&a.id))
        .unwrap()
        .events;
    assert_eq!(only_a.len(), 2);
    let revokes = store
        .audit(&AuditOptions::default().kind(AuditKind::Revoked))
        .unwrap()
        .events;
    assert_eq!(revokes.len(), 1);
    assert_eq!(revokes[0].id, b.id);
    let p1 = store.audit(&AuditOptions::default().limit(3)).unwrap();
    assert_eq!(p1.events.len(), 3);
    let p2 = store
        .audit(
            &AuditOptions::default()
                .limit(3)
                .cursor(p1.next_cursor.unwrap()),
        )
        .unwrap();
    assert_eq!(p2.events.len(), 1);
    assert!(p2.next_cursor.is_none());
    let text = format!("{p1:?}{p2:?}", p1 = p1.events, p2 = p2.events);
    for k in [&a.key, &b.key, &a2.key] {
        assert!(!text.contains(&k.expose()[8..30]));
    }
}

#[test]
fn debug_output_never_shows_a_secret() {
    let f = Fixture::new();
    let store = f.open();
    let i = store.issue(IssueOptions::new("a").owner("o")).unwrap();
    let key = i.key.expose().to_owned();
    let body = &key[3..46];
    let v = store.verify(&key).unwrap();
    let page = store.list(&ListOptions::default()).unwrap();
    let rotated = store.rotate(&i.id, Duration::ZERO).unwrap();
    let texts = [
        format!("{i:?}"),
        format!("{:?}", i.key),
        format!("{}", i.key),
        format!("{v:?}"),
        format!("{page:?}"),
        format!("{store:?}"),
        format!("{:?}", keyrack::format::parse(&key).unwrap()),
        format!("{:?}", keyrack::extract_key([("x-api-key", key.as_str())])),
        format!("{rotated:?}"),
        serde_json::to_string(&i.record).unwrap(),
    ];
    for t in &texts {
        assert!(!t.contains(body), "secret leaked in {t}");
        assert!(
            !t.contains(&rotated.key.expose()[3..46]),
            "secret leaked in {t}"
        );
    }
    assert!(texts[0].contains("redacted"));
}

#[test]
fn file_holds_no_key_body() {
    let f = Fixture::new();
    let store = f.open();
    let issued = store
        .issue_many(
            (0..300)
                .map(|i| IssueOptions::new(format!("k{i}")))
                .collect(),
        )
        .unwrap();
    let bodies: Vec<String> = issued
        .iter()
        .map(|i| {
            keyrack::format::parse(i.key.expose())
                .unwrap()
                .body()
                .to_owned()
        })
        .collect();
    store.close().unwrap();
    let bytes = std::fs::read(f.path()).unwrap();
    for body in &bodies {
        // Neither the base62 text nor any 16-char piece of it.
        for piece in [&body[..], &body[..16], &body[20..36]] {
            assert!(
                !bytes.windows(piece.len()).any(|w| w == piece.as_bytes()),
                "a key body is in the file"
            );
        }
    }
}

#[test]
fn garbage_or_truncated_files_give_typed_errors() {
    let f = Fixture::new();
    std::fs::write(
        f.path(),
        b"this is not a database at all, just some text......",
    )
    .unwrap();
    let e = Store::open(f.path(), f.options()).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Corrupted | ErrorKind::Io),
        "{e}"
    );

    let g = Fixture::new();
    std::fs::write(g.path(), b"").unwrap();
    assert_eq!(
        Store::open(g.path(), g.options()).unwrap_err().kind(),
        ErrorKind::Corrupted
    );

    let h = Fixture::new();
    let store = h.open();
    store
        .issue_many(
            (0..200)
                .map(|i| IssueOptions::new(format!("k{i}")))
                .collect(),
        )
        .unwrap();
    store.close().unwrap();
    let full = std::fs::read(h.path()).unwrap();
    for cut in [full.len() / 2, 4096, 700, 100] {
        std::fs::write(h.path(), &full[..cut]).unwrap();
        let r = Store::open(h.path(), h.options());
        // Never a panic; an error of a storage kind, or (if redb repairs) a store
        let _ = r.map(|s| s.close()).map_err(|e| {
            assert!(
                matches!(
                    e.kind(),
                    ErrorKind::Corrupted | ErrorKind::Io | ErrorKind::IncompatibleVersion
                ),
                "{e}"
            )
        });
    }
}

#[test]
fn a_foreign_redb_file_is_not_a_keyrack_store() {
    let f = Fixture::new();
    {
        let db = redb::Database::create(f.path()).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let t: redb::TableDefinition<&str, &str> = redb::TableDefinition::new("other");
            txn.open_table(t).unwrap().insert("a", "b").unwrap();
        }
        txn.commit().unwrap();
    }
    let e = Store::open(f.path(), f.options().read_only(true)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupted, "{e}");
}

#[test]
fn closed_handles_answer_closed() {
    let f = Fixture::new();
    let store = f.open();
    let clone = store.clone();
    let i = store.issue(IssueOptions::new("a")).unwrap();
    store.close().unwrap();
    store.close().unwrap();
    assert_eq!(
        clone.verify(i.key.expose()).unwrap_err().kind(),
        ErrorKind::Closed
    );
    assert_eq!(clone.get(&i.id).unwrap_err().kind(), ErrorKind::Closed);
    assert_eq!(
        clone.issue(IssueOptions::new("b")).unwrap_err().kind(),
        ErrorKind::Closed
    );
    // The file is free again.
    f.open().close().unwrap();
}

#[test]
fn prefixes_persist_and_unknown_prefix_is_malformed() {
    let f = Fixture::new();
    let store = Store::open(
        f.path(),
        f.options().prefix("sk_live").prefixes(["sk_test"]),
    )
    .unwrap();
    let live = store.issue(IssueOptions::new("a")).unwrap();
    let test = store
        .issue(IssueOptions::new("b").prefix("sk_test"))
        .unwrap();
    assert!(live.key.expose().starts_with("sk_live_"));
    assert!(test.key.expose().starts_with("sk_test_"));
    store.close().unwrap();
    let store = f.open();
    assert_eq!(store.default_prefix(), "sk_live");
    assert_eq!(store.prefixes(), ["sk_live", "sk_test"]);
    assert!(store.verify(test.key.expose()).unwrap().is_valid());
    store.close().unwrap();
    // Narrowing the accepted prefixes makes the dropped one malformed.
    let store = Store::open(f.path(), f.options().prefixes(Vec::<String>::new())).unwrap();
    assert_eq!(
        store.verify(test.key.expose()).unwrap().outcome,
        Outcome::Malformed
    );
    assert!(store.verify(live.key.expose()).unwrap().is_valid());
    let e = Store::open(f.path(), f.options().prefix("Bad")).unwrap_err();
    assert!(matches!(
        e,
        Error::InvalidArgument {
            field: "prefix",
            ..
        }
    ));
}

#[test]
fn verify_returns_record_and_remaining() {
    let f = Fixture::new();
    let store = f.open();
    let i = store
        .issue(IssueOptions::new("m").owner("o").scope("s").remaining(2))
        .unwrap();
    let v = store
        .verify_with(i.key.expose(), &VerifyOptions::default().scope("s"))
        .unwrap();
    assert!(v.is_valid());
    assert_eq!(v.remaining, Some(1));
    let r = v.record.unwrap();
    assert_eq!(r.id, i.id);
    assert_eq!(r.owner.as_deref(), Some("o"));
    let nf = store
        .verify("kr_0000000000000000000000000000000000000000000000000")
        .unwrap();
    assert!(nf.record.is_none());
}

#[test]
fn rotation_keeps_id_and_settings() {
    let f = Fixture::new();
    let store = f.open();
    let i = store
        .issue(IssueOptions::new("a").owner("o").scope("s").meta("k", "v"))
        .unwrap();
    let r = store.rotate(&i.id, Duration::from_secs(10)).unwrap();
    assert_eq!(r.id, i.id);
    assert_ne!(r.key.expose(), i.key.expose());
    assert_eq!(r.record.scopes, i.record.scopes);
    assert_eq!(r.record.meta, i.record.meta);
    assert_eq!(r.record.hint, r.key.hint());
}

#[test]
fn purge_removes_owner_index_and_audits() {
    let f = Fixture::new();
    let store = f.open();
    let i = store.issue(IssueOptions::new("a").owner("o")).unwrap();
    store.revoke(&i.id).unwrap();
    assert_eq!(store.purge(Duration::ZERO).unwrap(), 1);
    assert!(
        store
            .list(&ListOptions::default().owner("o"))
            .unwrap()
            .records
            .is_empty()
    );
    let purged = store
        .audit(&AuditOptions::default().kind(AuditKind::Purged))
        .unwrap()
        .events;
    assert_eq!(purged.len(), 1);
    assert_eq!(
        store.verify(i.key.expose()).unwrap().outcome,
        Outcome::NotFound
    );
}

#[test]
fn small_cache_still_answers_correctly() {
    let f = Fixture::new();
    let store = Store::open(f.path(), f.options().cache_capacity(64)).unwrap();
    let issued = store
        .issue_many(
            (0..500)
                .map(|i| IssueOptions::new(format!("k{i}")))
                .collect(),
        )
        .unwrap();
    store.revoke(&issued[7].id).unwrap();
    for round in 0..2 {
        for (n, i) in issued.iter().enumerate() {
            let want = if n == 7 {
                Outcome::Revoked
            } else {
                Outcome::Valid
            };
            assert_eq!(
                store.verify(i.key.expose()).unwrap().outcome,
                want,
                "round {round}"
            );
        }
    }
    let no_cache = Store::open(Fixture::new().path(), Options::default().cache_capacity(0));
    assert!(no_cache.is_ok());
}

#[test]
fn error_kinds_have_stable_codes_and_names() {
    let codes: Vec<u32> = ErrorKind::ALL.iter().map(|k| k.code()).collect();
    assert_eq!(codes, (1..=10).collect::<Vec<_>>());
    let names: std::collections::BTreeSet<_> = ErrorKind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(names.len(), 10);
    assert_eq!(ErrorKind::NotFound.as_str(), "NOT_FOUND");
    assert_eq!(ErrorKind::AlreadyOpen.code(), 3);
}

#[test]
fn export_then_import_moves_records_without_secrets() {
    let src = Fixture::new();
    let store = src.open();
    let (a, _) = a_metered_and_b_revoked(&store, 3);
    store.verify(a.key.expose()).unwrap();
    let exported: Vec<String> = store
        .list(&ListOptions::default())
        .unwrap()
        .records
        .iter()
        .map(|r| serde_json::to_string(r).unwrap())
        .collect();
    assert!(exported.iter().all(|l| !l.contains(&a.key.expose()[3..40])));

    let dst = Fixture::new();
    let other = dst.open();
    let records: Vec<keyrack::KeyRecord> = exported
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(other.import(records.clone()).unwrap(), 2);
    assert_eq!(other.get(&a.id).unwrap(), store.get(&a.id).unwrap());
    assert_eq!(other.get(&a.id).unwrap().remaining, Some(2));
    assert_eq!(
        other
            .list(&ListOptions::default().owner("o"))
            .unwrap()
            .records
            .len(),
        1
    );
    // No secret travelled: the old key does not open the new store until rotated.
    assert_eq!(
        other.verify(a.key.expose()).unwrap().outcome,
        Outcome::NotFound
    );
    let fresh = other.rotate(&a.id, Duration::ZERO).unwrap();
    assert!(other.verify(fresh.key.expose()).unwrap().is_valid());
    // A second import of the same ids changes nothing.
    let e = other.import(records).unwrap_err();
    assert!(
        matches!(e, Error::InvalidArgument { field: "id", .. }),
        "{e}"
    );
    assert_eq!(
        other.list(&ListOptions::default()).unwrap().records.len(),
        2
    );
    let mut bad: keyrack::KeyRecord = serde_json::from_str(&exported[0]).unwrap();
    bad.id = "key_zzzzzzzzzzzzzzzzzzzzzz".into();
    bad.scopes.insert(String::new());
    let e = other.import(vec![bad]).unwrap_err();
    assert!(e.to_string().contains("record 1"), "{e}");
}

#[test]
fn compact_gives_space_back_and_keeps_everything() {
    let f = Fixture::new();
    let store = f.open();
    let issued = store
        .issue_many(
            (0..2000)
                .map(|i| IssueOptions::new(format!("k{i}")))
                .collect(),
        )
        .unwrap();
    for i in issued.iter().skip(10) {
        store.revoke(&i.id).unwrap();
    }
    store.purge(Duration::ZERO).unwrap();
    let before = std::fs::metadata(f.path()).unwrap().len();
    assert!(store.compact().unwrap());
    let after = std::fs::metadata(f.path()).unwrap().len();
    assert!(after < before, "{after} < {before}");
    for i in issued.iter().take(10) {
        assert!(store.verify(i.key.expose()).unwrap().is_valid());
    }
    store.close().unwrap();
    let store = f.open();
    assert_eq!(
        store.list(&ListOptions::default()).unwrap().records.len(),
        10
    );
}

#[test]
fn a_key_passed_as_an_id_is_not_echoed() {
    let f = Fixture::new();
    let store = f.open();
    let i = store.issue(IssueOptions::new("a")).unwrap();
    let body = &i.key.expose()[3..46];
    for e in [
        store.revoke(i.key.expose()).unwrap_err(),
        store.get(i.key.expose()).unwrap_err(),
        store
            .update(i.key.expose(), UpdateOptions::default().name("x"))
            .unwrap_err(),
    ] {
        assert_eq!(e.kind(), ErrorKind::NotFound);
        let text = format!("{e} {e:?}");
        assert!(!text.contains(&body[..10]), "{text}");
        assert!(text.contains("a key, not an id"), "{text}");
    }
    let e = store.get("key_unknownbutwellshaped").unwrap_err();
    assert!(e.to_string().contains("key_unknownbutwellshaped"), "{e}");
    for k in AuditKind::ALL {
        assert_eq!(k.as_str().parse::<AuditKind>().unwrap(), k);
    }
    assert!("nope".parse::<AuditKind>().is_err());
}

#[test]
fn a_new_store_appears_only_when_complete() {
    let f = Fixture::new();
    let store = f.open();
    // Built under a temporary name, then linked into place: nothing else is left.
    let names: Vec<String> = std::fs::read_dir(f.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["keys.redb"]);
    store.issue(IssueOptions::new("a")).unwrap();
    store.close().unwrap();
    // A failed creation (a bad option caught after the file was made) leaves nothing.
    let g = Fixture::new();
    let e = Store::open(
        g.path(),
        g.options().pepper(Pepper::new([1; 32])).read_only(true),
    );
    assert!(e.is_err());
    assert_eq!(std::fs::read_dir(g.dir.path()).unwrap().count(), 0);
}

#[test]
fn ids_follow_issue_time_so_listings_are_in_issue_order() {
    let f = Fixture::new();
    let store = f.open();
    let mut issued = Vec::new();
    for i in 0..20 {
        issued.push(store.issue(IssueOptions::new(format!("k{i}"))).unwrap().id);
        f.clock.advance(Duration::from_millis(1));
    }
    let listed: Vec<String> = store
        .list(&ListOptions::default())
        .unwrap()
        .records
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(listed, issued);
    assert!(issued.iter().all(|id| keyrack::format::is_id(id)));
}

/// An in-memory redb backend that counts reads.
#[derive(Debug)]
struct CountingBackend {
    inner: redb::backends::InMemoryBackend,
    reads: Arc<AtomicUsize>,
}

impl redb::StorageBackend for CountingBackend {
    fn len(&self) -> Result<u64, std::io::Error> {
        self.inner.len()
    }
    fn read(&self, offset: u64, out: &mut [u8]) -> Result<(), std::io::Error> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.inner.read(offset, out)
    }
    fn set_len(&self, len: u64) -> Result<(), std::io::Error> {
        self.inner.set_len(len)
    }
    fn sync_data(&self) -> Result<(), std::io::Error> {
        self.inner.sync_data()
    }
    fn write(&self, offset: u64, data: &[u8]) -> Result<(), std::io::Error> {
        self.inner.write(offset, data)
    }
}

#[test]
fn unknown_keys_are_answered_without_reading_storage() {
    let reads = Arc::new(AtomicUsize::new(0));
    let backend = CountingBackend {
        inner: redb::backends::InMemoryBackend::new(),
        reads: reads.clone(),
    };
    // A tiny redb page cache, so a lookup that reached redb would read.
    let opts = Options::default().file_cache_bytes(0);
    let store = Store::open_on_storage(backend, "memory", opts).unwrap();
    let issued = store
        .issue_many(
            (0..200)
                .map(|i| IssueOptions::new(format!("k{i}")))
                .collect(),
        )
        .unwrap();
    let a = store.rotate(&issued[0].id, Duration::ZERO).unwrap();
    store.revoke(&issued[1].id).unwrap();
    let before = reads.load(Ordering::SeqCst);
    for i in 0..500u32 {
        let unknown =
            keyrack::format::compose("kr", blake3::hash(&i.to_le_bytes()).as_bytes()).unwrap();
        assert_eq!(
            store.verify(unknown.expose()).unwrap().outcome,
            Outcome::NotFound
        );
    }
    assert_eq!(
        reads.load(Ordering::SeqCst),
        before,
        "unknown keys read storage"
    );
    // Known ones still verify, including after rotation, revocation and purge.
    assert!(store.verify(a.key.expose()).unwrap().is_valid());
    assert_eq!(
        store.verify(issued[0].key.expose()).unwrap().outcome,
        Outcome::Expired
    );
    assert_eq!(
        store.verify(issued[1].key.expose()).unwrap().outcome,
        Outcome::Revoked
    );
    assert_eq!(store.purge(Duration::ZERO).unwrap(), 1);
    assert_eq!(
        store.verify(issued[1].key.expose()).unwrap().outcome,
        Outcome::NotFound
    );
    assert!(store.verify(issued[2].key.expose()).unwrap().is_valid());
}
