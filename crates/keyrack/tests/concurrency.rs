//! Threads issuing, revoking, rotating and verifying at once on one store,
//! checked against an oracle: credits (a key's own and an owner's pool) are
//! never overspent, no verify that starts after a revoke (or a zero-grace
//! rotation) returned lets the key in, nothing panics, and everything ends
//! within a generous bound (a deadlock fails the test instead of hanging it).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, UNIX_EPOCH};

use keyrack::{Clock, ErrorKind, IssueOptions, Options, Outcome, Store, VerifyOptions};

const ISSUERS: usize = 2;
const VERIFIERS: usize = 4;
const ISSUED_PER_THREAD: usize = 25;
const REVOKES: usize = 20;
const ROTATIONS: usize = 20;
const METERED_KEYS: usize = 3;
const CREDITS: u64 = 40;
const POOL_KEYS: usize = 3;
const POOL_CREDITS: u64 = 60;
/// Each verifier goes on while writers run, at least this often and at most
/// `MAX_VERIFIES` times.
const MIN_VERIFIES: usize = 2_000;
const MAX_VERIFIES: usize = 200_000;
/// The whole test must end within this; it takes a few seconds.
const DEADLOCK_BOUND: Duration = Duration::from_secs(300);

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % n.max(1) as u64) as usize
    }
}

/// A key as the threads know it.
struct Key {
    id: String,
    /// Set once `revoke` returned.
    revoked: AtomicBool,
}

/// A secret as the threads know it.
struct Secret {
    key: Arc<Key>,
    secret: String,
    /// Set once a zero-grace rotation away from it returned.
    dead: AtomicBool,
}

#[derive(Default)]
struct Oracle {
    secrets: Mutex<Vec<Arc<Secret>>>,
    violations: Mutex<Vec<String>>,
    writers_left: AtomicU64,
    verifies: AtomicU64,
    revokes: AtomicU64,
    rotations: AtomicU64,
    /// Valid verifies per metered key, summed over threads.
    spent: Mutex<HashMap<String, u64>>,
}

impl Oracle {
    fn add(&self, id: String, secret: String) -> Arc<Secret> {
        let s = Arc::new(Secret {
            key: Arc::new(Key {
                id,
                revoked: AtomicBool::new(false),
            }),
            secret,
            dead: AtomicBool::new(false),
        });
        self.secrets.lock().unwrap().push(s.clone());
        s
    }
    fn pick(&self, rng: &mut Rng) -> Option<Arc<Secret>> {
        let v = self.secrets.lock().unwrap();
        (!v.is_empty()).then(|| v[rng.below(v.len())].clone())
    }
    /// A secret whose key is not revoked and that is not rotated away.
    fn pick_live(&self, rng: &mut Rng) -> Option<Arc<Secret>> {
        let v = self.secrets.lock().unwrap();
        let live: Vec<_> = v
            .iter()
            .filter(|s| !s.key.revoked.load(Ordering::Acquire) && !s.dead.load(Ordering::Acquire))
            .collect();
        (!live.is_empty()).then(|| live[rng.below(live.len())].clone())
    }
    fn violation(&self, v: String) {
        self.violations.lock().unwrap().push(v);
    }
}

fn issuer(store: Store, oracle: Arc<Oracle>, t: usize) {
    for i in 0..ISSUED_PER_THREAD {
        let issued = store
            .issue(IssueOptions::new(format!("t{t}-{i}")).owner("org_a"))
            .expect("issue");
        let s = oracle.add(issued.id.clone(), issued.key.expose().to_owned());
        // Freshly issued and acknowledged: it
        // verifies, unless the revoker or rotator (which see it now) acted.
        let v = store.verify(&s.secret).expect("verify");
        if !matches!(
            v.outcome,
            Outcome::Valid | Outcome::Revoked | Outcome::Expired | Outcome::NotFound
        ) {
            oracle.violation(format!("fresh key {} verified {:?}", s.key.id, v.outcome));
        }
    }
    oracle.writers_left.fetch_sub(1, Ordering::AcqRel);
}

fn revoker(store: Store, oracle: Arc<Oracle>) {
    let mut rng = Rng(7);
    let mut done = 0;
    for _ in 0..100_000 {
        if done == REVOKES {
            break;
        }
        let Some(s) = oracle.pick_live(&mut rng) else {
            // Nothing (live) issued yet: give the issuers a moment.
            std::thread::sleep(Duration::from_millis(1));
            continue;
        };
        if s.key.revoked.load(Ordering::Acquire) {
            continue;
        }
        store.revoke(&s.key.id).expect("revoke");
        s.key.revoked.store(true, Ordering::Release);
        oracle.revokes.fetch_add(1, Ordering::AcqRel);
        done += 1;
        // At once, in this thread too.
        // (A secret rotated away twice is gone: not_found.)
        let v = store.verify(&s.secret).expect("verify");
        let gone = s.dead.load(Ordering::Acquire) && v.outcome == Outcome::NotFound;
        if v.outcome != Outcome::Revoked && !gone {
            oracle.violation(format!(
                "{} read {:?} right after its revoke",
                s.key.id, v.outcome
            ));
        }
    }
    oracle.writers_left.fetch_sub(1, Ordering::AcqRel);
}

fn rotator(store: Store, oracle: Arc<Oracle>) {
    let mut rng = Rng(11);
    let mut done = 0;
    for _ in 0..100_000 {
        if done == ROTATIONS {
            break;
        }
        let Some(s) = oracle.pick_live(&mut rng) else {
            // Nothing (live) issued yet: give the issuers a moment.
            std::thread::sleep(Duration::from_millis(1));
            continue;
        };
        if s.dead.load(Ordering::Acquire) {
            continue;
        }
        match store.rotate(&s.key.id, Duration::ZERO) {
            Ok(new) => {
                // Zero grace: the old secret is over from now on. (It may
                // also be an older secret of a key rotated since: then it
                // was dead already.)
                s.dead.store(true, Ordering::Release);
                let n = Arc::new(Secret {
                    key: s.key.clone(),
                    secret: new.key.expose().to_owned(),
                    dead: AtomicBool::new(false),
                });
                oracle.secrets.lock().unwrap().push(n);
                oracle.rotations.fetch_add(1, Ordering::AcqRel);
                done += 1;
            }
            // The revoker got there first.
            Err(e) if e.kind() == ErrorKind::InvalidArgument => {
                if !s.key.revoked.load(Ordering::Acquire) {
                    // The revoke may still be returning; check the file.
                    let r = store.get(&s.key.id).expect("get");
                    if r.revoked_at.is_none() {
                        oracle.violation(format!("rotate refused a live key: {e}"));
                    }
                }
            }
            Err(e) => oracle.violation(format!("rotate failed: {e}")),
        }
    }
    oracle.writers_left.fetch_sub(1, Ordering::AcqRel);
}

fn verifier(store: Store, oracle: Arc<Oracle>, metered: Arc<Vec<(String, String)>>, t: usize) {
    let mut rng = Rng(100 + t as u64);
    let mut spent: HashMap<String, u64> = HashMap::new();
    for i in 0..MAX_VERIFIES {
        if i >= MIN_VERIFIES && oracle.writers_left.load(Ordering::Acquire) == 0 {
            break;
        }
        if i % 3 == 0 {
            let (id, key) = &metered[rng.below(metered.len())];
            let v = store
                .verify_with(key, &VerifyOptions::default())
                .expect("verify");
            match v.outcome {
                Outcome::Valid => *spent.entry(id.clone()).or_default() += 1,
                Outcome::UsageExceeded => {}
                o => oracle.violation(format!("metered key {id} verified {o:?}")),
            }
            continue;
        }
        let Some(s) = oracle.pick(&mut rng) else {
            continue;
        };
        // What was settled before this verify started.
        let revoked = s.key.revoked.load(Ordering::Acquire);
        let dead = s.dead.load(Ordering::Acquire);
        let v = store.verify(&s.secret).expect("verify");
        oracle.verifies.fetch_add(1, Ordering::Relaxed);
        if v.outcome == Outcome::Valid && (revoked || dead) {
            oracle.violation(format!(
                "{} verified valid after its {} returned",
                s.key.id,
                if revoked { "revoke" } else { "rotation" }
            ));
        }
        if revoked && !matches!(v.outcome, Outcome::Revoked | Outcome::NotFound) {
            oracle.violation(format!("revoked {} read {:?}", s.key.id, v.outcome));
        }
        // Only a secret rotated away twice is gone from the file.
        if v.outcome == Outcome::NotFound && !s.dead.load(Ordering::Acquire) {
            oracle.violation(format!("a live secret of {} read not_found", s.key.id));
        }
        if !matches!(
            v.outcome,
            Outcome::Valid | Outcome::Revoked | Outcome::Expired | Outcome::NotFound
        ) {
            oracle.violation(format!("{} read {:?}", s.key.id, v.outcome));
        }
    }
    let mut all = oracle.spent.lock().unwrap();
    for (id, n) in spent {
        *all.entry(id).or_default() += n;
    }
}

/// What every secret must read once the dust settled.
fn settled(s: &Secret) -> &'static [Outcome] {
    match (
        s.key.revoked.load(Ordering::Acquire),
        s.dead.load(Ordering::Acquire),
    ) {
        (true, false) => &[Outcome::Revoked],
        (true, true) => &[Outcome::Revoked, Outcome::NotFound],
        (false, true) => &[Outcome::Expired, Outcome::NotFound],
        (false, false) => &[Outcome::Valid],
    }
}

fn check_settled(store: &Store, oracle: &Oracle, metered: &[(String, String)], when: &str) {
    let secrets = oracle.secrets.lock().unwrap().clone();
    for s in &secrets {
        let got = store.verify(&s.secret).unwrap().outcome;
        assert!(
            settled(s).contains(&got),
            "{when}: {} read {got:?}, want one of {:?}",
            s.key.id,
            settled(s)
        );
    }
    for (id, key) in &metered[..METERED_KEYS] {
        assert_eq!(store.get(id).unwrap().remaining, Some(0), "{when}: {id}");
        let v = store.verify(key).unwrap();
        assert_eq!(v.outcome, Outcome::UsageExceeded, "{when}: {id}");
    }
    assert_eq!(
        store.pool("org_pool").unwrap().unwrap().remaining,
        0,
        "{when}"
    );
}

#[test]
fn threads_issue_revoke_rotate_and_verify_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.redb");
    let clock = Clock::manual(UNIX_EPOCH + Duration::from_secs(1_767_225_600));
    let options = || Options::default().clock(clock.clone());
    let store = Store::open(&path, options()).unwrap();

    store.set_pool("org_pool", POOL_CREDITS, None).unwrap();
    let mut metered = Vec::new();
    for i in 0..METERED_KEYS {
        let k = store
            .issue(IssueOptions::new(format!("metered{i}")).remaining(CREDITS))
            .unwrap();
        metered.push((k.id.clone(), k.key.expose().to_owned()));
    }
    for i in 0..POOL_KEYS {
        let k = store
            .issue(
                IssueOptions::new(format!("pooled{i}"))
                    .owner("org_pool")
                    .shared_credits(true),
            )
            .unwrap();
        metered.push((k.id.clone(), k.key.expose().to_owned()));
    }
    let metered = Arc::new(metered);
    let oracle = Arc::new(Oracle::default());
    oracle
        .writers_left
        .store((ISSUERS + 2) as u64, Ordering::Release);

    let (done_tx, done_rx) = mpsc::channel::<std::thread::Result<()>>();
    let mut threads = 0;
    let mut spawn = |f: Box<dyn FnOnce() + Send>| {
        let tx = done_tx.clone();
        threads += 1;
        std::thread::spawn(move || {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
            let _ = tx.send(r);
        });
    };
    for t in 0..ISSUERS {
        let (s, o) = (store.clone(), oracle.clone());
        spawn(Box::new(move || issuer(s, o, t)));
    }
    {
        let (s, o) = (store.clone(), oracle.clone());
        spawn(Box::new(move || revoker(s, o)));
    }
    {
        let (s, o) = (store.clone(), oracle.clone());
        spawn(Box::new(move || rotator(s, o)));
    }
    for t in 0..VERIFIERS {
        let (s, o, m) = (store.clone(), oracle.clone(), metered.clone());
        spawn(Box::new(move || verifier(s, o, m, t)));
    }
    drop(done_tx);
    for _ in 0..threads {
        match done_rx.recv_timeout(DEADLOCK_BOUND) {
            Ok(Ok(())) => {}
            Ok(Err(p)) => std::panic::resume_unwind(p),
            Err(_) => panic!("threads made no progress within {DEADLOCK_BOUND:?}: deadlock"),
        }
    }

    let violations = oracle.violations.lock().unwrap().clone();
    assert!(violations.is_empty(), "{}", violations.join("\n"));
    assert!(oracle.verifies.load(Ordering::Relaxed) > 0);

    // Credits: each metered key spent exactly its own, the pooled keys
    // together exactly the pool — never more.
    let spent = oracle.spent.lock().unwrap().clone();
    for (id, _) in &metered[..METERED_KEYS] {
        assert_eq!(spent.get(id).copied().unwrap_or(0), CREDITS, "key {id}");
    }
    let pooled: u64 = metered[METERED_KEYS..]
        .iter()
        .map(|(id, _)| spent.get(id).copied().unwrap_or(0))
        .sum();
    assert_eq!(pooled, POOL_CREDITS, "the pool");

    let (revokes, rotations) = (
        oracle.revokes.load(Ordering::Acquire),
        oracle.rotations.load(Ordering::Acquire),
    );
    println!(
        "concurrency: {} threads, {} issued, {revokes} revoked, {rotations} rotated, {} checked \
         verifies, credits spent {:?}",
        VERIFIERS + ISSUERS + 2,
        ISSUERS * ISSUED_PER_THREAD,
        oracle.verifies.load(Ordering::Relaxed),
        spent.values().sum::<u64>()
    );
    assert!(revokes > 0 && rotations > 0, "{revokes} {rotations}");
    let secrets = oracle.secrets.lock().unwrap().len() as u64;
    assert_eq!(secrets, (ISSUERS * ISSUED_PER_THREAD) as u64 + rotations);
    check_settled(&store, &oracle, &metered, "before close");
    store.close().unwrap();
    let store = Store::open(&path, options()).unwrap();
    check_settled(&store, &oracle, &metered, "after reopen");
    store.close().unwrap();
}
