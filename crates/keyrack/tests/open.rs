//! The store file and its handles: open, read-only, pepper, prefixes, sync,
//! compact, close, and what survives a reopen or a crash.

mod common;

use std::time::Duration;

use common::Fixture;
use keyrack::{
    AuditKind, AuditOptions, Error, ErrorKind, IssueOptions, ListOptions, Options, Outcome, Pepper,
    Store, UpdateOptions,
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
    // Naming fewer prefixes at open changes nothing (issue 13: an open never
    // rewrites them); removing one makes its keys malformed.
    let store = Store::open(f.path(), f.options().prefixes(Vec::<String>::new())).unwrap();
    assert!(store.verify(test.key.expose()).unwrap().is_valid());
    store.remove_prefix("sk_test").unwrap();
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
