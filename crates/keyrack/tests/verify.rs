//! Verify: outcomes, the cache, concurrent verifiers, headers.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use common::Fixture;
use keyrack::{ErrorKind, IssueOptions, Options, Outcome, Store, Verification, VerifyOptions};

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

#[test]
fn verify_headers_finds_the_key_and_applies_the_options() {
    let f = Fixture::new();
    let store = f.open();
    let i = store
        .issue(IssueOptions::new("h").scope("read").remaining(10))
        .unwrap();
    let key = i.key.expose().to_owned();
    let (api_key, bearer) = (format!("Api-Key {key}"), format!("Bearer {key}"));
    let read = VerifyOptions::default().scope("read").cost(2);
    let headers: [Vec<(&str, &str)>; 5] = [
        vec![("x-api-key", &key)],
        vec![("accept", "*/*"), ("X-Api-Key", &key)],
        vec![("Authorization", &api_key)],
        vec![("authorization", &bearer)],
        // x-api-key wins over Authorization.
        vec![("Authorization", "Bearer kr_nope"), ("x-api-key", &key)],
    ];
    for (n, h) in headers.iter().enumerate() {
        let v = store.verify_headers(h.iter().copied(), &read).unwrap();
        assert_eq!(v.outcome, Outcome::Valid, "{h:?}");
        assert_eq!(v.remaining, Some(10 - 2 * (n as u64 + 1)), "cost 2 spent");
        assert_eq!(v.record.unwrap().id, i.id);
    }
    // Owned header names work too; the options still apply.
    let owned = vec![(String::from("x-api-key"), key.as_str())];
    let write = VerifyOptions::default().scope("write");
    assert_eq!(
        store.verify_headers(owned.clone(), &write).unwrap().outcome,
        Outcome::InsufficientScope
    );
    let dear = VerifyOptions::default().cost(1000);
    assert_eq!(
        store.verify_headers(owned, &dear).unwrap().outcome,
        Outcome::UsageExceeded
    );
    assert_eq!(store.get(&i.id).unwrap().remaining, Some(0));
    assert_eq!(
        store
            .verify_headers([("x-api-key", "kr_garbage")], &read)
            .unwrap()
            .outcome,
        Outcome::Malformed
    );
}

#[test]
fn verify_headers_without_a_key_is_missing_and_sees_revokes() {
    let f = Fixture::new();
    let store = f.open();
    let i = store.issue(IssueOptions::new("h")).unwrap();
    let key = i.key.expose().to_owned();
    let none = VerifyOptions::default();
    let missing: [Vec<(&str, &str)>; 5] = [
        vec![],
        vec![("accept", "*/*")],
        vec![("x-api-key", "  ")],
        vec![("Authorization", "Basic dXNlcjpwYXNz")],
        vec![("Authorization", "Bearer ")],
    ];
    for h in missing {
        let v = store.verify_headers(h.iter().copied(), &none).unwrap();
        assert_eq!(v, Verification::bare(Outcome::Missing), "{h:?}");
    }
    assert_eq!(store.get(&i.id).unwrap().uses, 0, "nothing was counted");
    store.revoke(&i.id).unwrap();
    let v = store
        .verify_headers([("Authorization", format!("Bearer {key}").as_str())], &none)
        .unwrap();
    assert_eq!(v.outcome, Outcome::Revoked);
    assert_eq!(v.record.unwrap().id, i.id);
    // A closed store is an error, with or without a key header.
    store.close().unwrap();
    for h in [vec![("x-api-key", key.as_str())], vec![]] {
        let e = store.verify_headers(h, &none).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Closed, "{e}");
    }
}
