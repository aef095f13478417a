//! keyrack against the hand-rolled SQLite table and the in-memory limit.
//!
//! One binary, so that each store is built once per run and every bench of a
//! size reuses it: verify benches first (they do not change the store), then
//! writes, then the open benches (which close the store). `benches/README.md`
//! explains each bench; `benches/run.sh` prints the table.

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{BatchSize, BenchmarkId, Criterion, SamplingMode, Throughput};
use keyrack::{IssueOptions, ListOptions, Options, Outcome, Store, VerifyOptions};
use keyrack_benches::{
    CREDITS, Extra, Fixture, KEYS_PER_OWNER, Rng, SCOPES, SqlitePeer, owner_of, sizes,
};

/// A cursor over a slice that each call advances (keys in a fixed random order).
struct Cycle<'a, T> {
    items: &'a [T],
    at: usize,
}

impl<'a, T> Cycle<'a, T> {
    fn new(items: &'a [T], start: usize) -> Self {
        Cycle {
            items,
            at: start % items.len().max(1),
        }
    }
    #[inline]
    fn next(&mut self) -> &'a T {
        let v = &self.items[self.at];
        self.at += 1;
        if self.at == self.items.len() {
            self.at = 0;
        }
        v
    }
}

fn fast_group<'a>(
    c: &'a mut Criterion,
    name: &str,
) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(name);
    g.warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30);
    g
}

fn slow_group<'a>(
    c: &'a mut Criterion,
    name: &str,
) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(name);
    g.warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2))
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat);
    g
}

// ---- verify, one thread ------------------------------------------------------------

fn verify_benches(c: &mut Criterion, fx: &Fixture) {
    let n = fx.n;
    let store = fx.store();
    let valid: Vec<&str> = fx
        .order
        .iter()
        .map(|&i| fx.keys[i as usize].as_str())
        .collect();
    let scoped = VerifyOptions::default().scope("read");

    // Sanity: every peer agrees before anything is timed.
    let conn = &fx.sqlite.conn;
    for (key, want) in [
        (valid[0], Outcome::Valid),
        (fx.strangers[0].as_str(), Outcome::NotFound),
        (fx.revoked()[0].as_str(), Outcome::Revoked),
    ] {
        assert_eq!(store.verify(key).unwrap().outcome, want, "keyrack");
        assert_eq!(SqlitePeer::verify(conn, key, None), want, "sqlite");
        assert_eq!(fx.memory.verify(key, None, 1), want, "memory");
    }
    assert_eq!(
        store.verify(&fx.typos[0]).unwrap().outcome,
        Outcome::Malformed
    );
    assert_eq!(
        store.verify_with(&fx.metered[0], &scoped).unwrap().outcome,
        Outcome::Valid
    );

    let cases: [(&str, &[&str]); 4] = [
        ("verify_valid", &valid),
        ("verify_not_found", &to_refs(&fx.strangers)),
        ("verify_malformed", &to_refs(&fx.typos)),
        ("verify_revoked", &to_refs(fx.revoked())),
    ];
    for (name, keys) in cases {
        let mut g = fast_group(c, name);
        g.throughput(Throughput::Elements(1));
        g.bench_function(BenchmarkId::new("keyrack", n), |b| {
            let mut k = Cycle::new(keys, 0);
            b.iter(|| store.verify(black_box(k.next())).unwrap())
        });
        g.bench_function(BenchmarkId::new("sqlite", n), |b| {
            let mut k = Cycle::new(keys, 0);
            b.iter(|| SqlitePeer::verify(conn, black_box(k.next()), None))
        });
        g.bench_function(BenchmarkId::new("memory", n), |b| {
            let mut k = Cycle::new(keys, 0);
            b.iter(|| fx.memory.verify(black_box(k.next()), None, 1))
        });
        g.finish();
    }

    let mut g = fast_group(c, "verify_scoped");
    g.throughput(Throughput::Elements(1));
    g.bench_function(BenchmarkId::new("keyrack", n), |b| {
        let mut k = Cycle::new(&valid, 0);
        b.iter(|| store.verify_with(black_box(k.next()), &scoped).unwrap())
    });
    g.bench_function(BenchmarkId::new("sqlite", n), |b| {
        let mut k = Cycle::new(&valid, 0);
        b.iter(|| SqlitePeer::verify(conn, black_box(k.next()), Some("read")))
    });
    g.bench_function(BenchmarkId::new("memory", n), |b| {
        let mut k = Cycle::new(&valid, 0);
        b.iter(|| fx.memory.verify(black_box(k.next()), Some("read"), 1))
    });
    g.finish();

    // Metered: each call spends one credit, exactly. SQLite runs one
    // `UPDATE … RETURNING` per call; to keep it a fair fight it commits with
    // synchronous=NORMAL here (WAL: survives a process crash, not power loss),
    // while keyrack keeps credits in memory and writes them every second.
    let metered = to_refs(&fx.metered);
    let one = VerifyOptions::default();
    let mut g = fast_group(c, "verify_metered");
    g.throughput(Throughput::Elements(1));
    g.bench_function(BenchmarkId::new("keyrack", n), |b| {
        let mut k = Cycle::new(&metered, 0);
        b.iter(|| {
            let v = store.verify_with(black_box(k.next()), &one).unwrap();
            debug_assert!(v.is_valid());
            v
        })
    });
    conn.pragma_update(None, "synchronous", "NORMAL").unwrap();
    g.bench_function(BenchmarkId::new("sqlite", n), |b| {
        let mut k = Cycle::new(&metered, 0);
        b.iter(|| SqlitePeer::verify_metered(conn, black_box(k.next()), 1))
    });
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
    g.bench_function(BenchmarkId::new("memory", n), |b| {
        let mut k = Cycle::new(&metered, 0);
        b.iter(|| fx.memory.verify(black_box(k.next()), None, 1))
    });
    g.finish();
    let left = store
        .verify_with(&fx.metered[0], &one.clone().cost(0))
        .unwrap();
    assert!(left.remaining.is_some_and(|r| r < CREDITS));
}

fn to_refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

// ---- verify, one and two threads -----------------------------------------------------

/// Runs `iters` calls split over `threads` threads; returns the wall time.
fn par(threads: usize, iters: u64, f: impl Fn(usize, u64) + Sync) -> Duration {
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            let f = &f;
            let share = iters / threads as u64 + u64::from((t as u64) < iters % threads as u64);
            s.spawn(move || f(t, share));
        }
    });
    start.elapsed()
}

fn thread_benches(c: &mut Criterion, fx: &Fixture) {
    let n = fx.n;
    let valid: Vec<&str> = fx
        .order
        .iter()
        .map(|&i| fx.keys[i as usize].as_str())
        .collect();
    // Each sample starts elsewhere in the order, each thread in its own half.
    let offset = AtomicUsize::new(0);
    // Only `Sync` parts cross threads (a `Connection` is not `Sync`).
    let (store, readers, memory) = (fx.store(), &fx.sqlite.readers, &fx.memory);
    let start = |t: usize, threads: usize| {
        let o = offset.fetch_add(7919, Ordering::Relaxed);
        o + t * valid.len() / threads
    };
    for threads in [1usize, 2] {
        let mut g = fast_group(c, &format!("verify_threads_{threads}"));
        g.throughput(Throughput::Elements(1));
        g.bench_function(BenchmarkId::new("keyrack", n), |b| {
            b.iter_custom(|iters| {
                par(threads, iters, |t, share| {
                    let store = store.clone();
                    let mut k = Cycle::new(&valid, start(t, threads));
                    for _ in 0..share {
                        black_box(store.verify(k.next()).unwrap());
                    }
                })
            })
        });
        g.bench_function(BenchmarkId::new("sqlite", n), |b| {
            b.iter_custom(|iters| {
                par(threads, iters, |t, share| {
                    let conn = readers[t].lock().unwrap();
                    let mut k = Cycle::new(&valid, start(t, threads));
                    for _ in 0..share {
                        black_box(SqlitePeer::verify(&conn, k.next(), None));
                    }
                })
            })
        });
        g.bench_function(BenchmarkId::new("memory", n), |b| {
            b.iter_custom(|iters| {
                par(threads, iters, |t, share| {
                    let mut k = Cycle::new(&valid, start(t, threads));
                    for _ in 0..share {
                        black_box(memory.verify(k.next(), None, 1));
                    }
                })
            })
        });
        g.finish();
    }
}

// ---- writes ------------------------------------------------------------------------

fn new_key(rng: &mut Rng, i: u64) -> (String, String) {
    (
        keyrack_benches::stranger_key(rng),
        format!("key_peer{:018}", i),
    )
}

fn write_benches(c: &mut Criterion, fx: &mut Fixture) {
    let n = fx.n;
    let store = fx.store().clone();
    let mut rng = Rng::new(0x5eed ^ n as u64);
    let mut peer_ids = 0u64;

    // One durable issue.
    let mut g = slow_group(c, "issue");
    g.bench_function(BenchmarkId::new("keyrack", n), |b| {
        b.iter(|| {
            store
                .issue(IssueOptions::new("one").owner("org_issue").scopes(SCOPES))
                .unwrap()
        })
    });
    g.bench_function(BenchmarkId::new("sqlite", n), |b| {
        b.iter_batched(
            || {
                peer_ids += 1;
                new_key(&mut rng, peer_ids)
            },
            |(key, id)| fx.sqlite.issue(&key, &id, "org_issue").unwrap(),
            BatchSize::SmallInput,
        )
    });
    g.finish();

    // Revoke: each call revokes a key that was live (pools refilled untimed).
    let mut g = slow_group(c, "revoke");
    g.bench_function(BenchmarkId::new("keyrack", n), |b| {
        b.iter_custom(|iters| {
            let batch = (0..iters)
                .map(|_| IssueOptions::new("to revoke").owner("org_revoke"))
                .collect();
            let ids: Vec<String> = store
                .issue_many(batch)
                .unwrap()
                .into_iter()
                .map(|i| i.id)
                .collect();
            let t = Instant::now();
            for id in &ids {
                black_box(store.revoke(id).unwrap());
            }
            t.elapsed()
        })
    });
    g.bench_function(BenchmarkId::new("sqlite", n), |b| {
        b.iter_custom(|iters| {
            let keys: Vec<(String, String)> = (0..iters)
                .map(|_| {
                    peer_ids += 1;
                    new_key(&mut rng, peer_ids)
                })
                .collect();
            fx.sqlite.issue_many(&keys, "org_revoke").unwrap();
            let t = Instant::now();
            for (_, id) in &keys {
                assert_eq!(fx.sqlite.revoke(id).unwrap(), 1);
            }
            t.elapsed()
        })
    });
    g.finish();

    // Rotate with no grace, over a pool of keys kept for it.
    let pool: Vec<String> = store
        .issue_many(
            (0..100)
                .map(|_| IssueOptions::new("to rotate").owner("org_rotate"))
                .collect(),
        )
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    let peer_pool: Vec<(String, String)> = (0..100)
        .map(|_| {
            peer_ids += 1;
            new_key(&mut rng, peer_ids)
        })
        .collect();
    fx.sqlite.issue_many(&peer_pool, "org_rotate").unwrap();
    let mut g = slow_group(c, "rotate");
    g.bench_function(BenchmarkId::new("keyrack", n), |b| {
        let mut ids = Cycle::new(&pool, 0);
        b.iter(|| store.rotate(ids.next(), Duration::ZERO).unwrap())
    });
    g.bench_function(BenchmarkId::new("sqlite", n), |b| {
        let mut ids = Cycle::new(&peer_pool, 0);
        b.iter_batched(
            || keyrack_benches::stranger_key(&mut rng),
            |key| assert_eq!(fx.sqlite.rotate(&ids.next().1, &key).unwrap(), 1),
            BatchSize::SmallInput,
        )
    });
    g.finish();

    // List: one page (100 records) of one owner's keys.
    let owners: Vec<String> = (0..(n / KEYS_PER_OWNER).max(1))
        .map(|i| owner_of(i, n))
        .collect();
    let page = store
        .list(&ListOptions::default().owner(&owners[1]).limit(100))
        .unwrap();
    assert_eq!(page.records.len(), KEYS_PER_OWNER.min(n));
    assert_eq!(
        fx.sqlite.list_owner(&owners[1]).unwrap().len(),
        KEYS_PER_OWNER.min(n)
    );
    let mut g = fast_group(c, "list_owner");
    g.throughput(Throughput::Elements(KEYS_PER_OWNER as u64));
    g.bench_function(BenchmarkId::new("keyrack", n), |b| {
        let mut o = Cycle::new(&owners, 0);
        b.iter(|| {
            store
                .list(&ListOptions::default().owner(o.next()).limit(100))
                .unwrap()
        })
    });
    g.bench_function(BenchmarkId::new("sqlite", n), |b| {
        let mut o = Cycle::new(&owners, 0);
        b.iter(|| fx.sqlite.list_owner(o.next()).unwrap())
    });
    g.finish();
}

// ---- open (closes the fixture's store) ------------------------------------------------

fn open_benches(c: &mut Criterion, fx: &mut Fixture, extra: &mut Extra) {
    let n = fx.n;
    if let Some(s) = fx.store.take() {
        s.close().unwrap();
    }
    extra.set(
        "keyrack_file_bytes_after_run",
        n,
        keyrack_benches::file_len(&fx.path) as f64,
    );
    let path = fx.path.clone();
    let valid: Vec<&str> = fx
        .order
        .iter()
        .map(|&i| fx.keys[i as usize].as_str())
        .collect();

    let mut g = slow_group(c, "open");
    for (name, check) in [("keyrack", true), ("keyrack_no_integrity", false)] {
        g.bench_function(BenchmarkId::new(name, n), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let t = Instant::now();
                    let s = Store::open(&path, Options::default().check_integrity(check)).unwrap();
                    total += t.elapsed();
                    s.close().unwrap();
                }
                total
            })
        });
    }
    // Opening SQLite reads nothing: time the open and the first verify.
    g.bench_function(BenchmarkId::new("sqlite_open_and_verify", n), |b| {
        let mut k = Cycle::new(&valid, 0);
        b.iter(|| {
            let conn = keyrack_benches::sqlite_open(&fx.sqlite.path).unwrap();
            SqlitePeer::verify(&conn, k.next(), None)
        })
    });
    g.finish();

    // Verify straight from the file: the cache off (capacity 0).
    let store = Store::open(&path, Options::default().cache_capacity(0)).unwrap();
    let mut g = fast_group(c, "verify_uncached");
    g.throughput(Throughput::Elements(1));
    g.bench_function(BenchmarkId::new("keyrack", n), |b| {
        let mut k = Cycle::new(&valid, 0);
        b.iter(|| store.verify(black_box(k.next())).unwrap())
    });
    g.finish();
    store.close().unwrap();
}

// ---- 100,000 issues in one batch -----------------------------------------------------

fn batch_bench(c: &mut Criterion) {
    const BATCH: usize = 100_000;
    let options = |i: usize| {
        IssueOptions::new(format!("batch {i}"))
            .owner(format!("org_{}", i % 1000))
            .scopes(SCOPES)
    };
    let mut g = slow_group(c, "issue_batch");
    g.measurement_time(Duration::from_secs(5));
    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function(BenchmarkId::new("keyrack", BATCH), |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().unwrap();
                let store = Store::open(dir.path().join("b.redb"), Options::default()).unwrap();
                let batch: Vec<IssueOptions> = (0..BATCH).map(options).collect();
                (dir, store, batch)
            },
            |(dir, store, batch)| {
                let issued = store.issue_many(batch).unwrap();
                (dir, store, issued)
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function(BenchmarkId::new("sqlite", BATCH), |b| {
        let mut rng = Rng::new(0xba7c);
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().unwrap();
                let peer =
                    SqlitePeer::build(&dir.path().join("b.sqlite"), std::iter::empty(), 0).unwrap();
                let keys: Vec<(String, String)> =
                    (0..BATCH as u64).map(|i| new_key(&mut rng, i)).collect();
                (dir, peer, keys)
            },
            |(dir, mut peer, keys)| {
                peer.issue_many(&keys, "org_batch").unwrap();
                (dir, peer)
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let mut extra = Extra::load();
    for n in sizes() {
        eprintln!(
            "building {n} keys in keyrack, SQLite and memory… (load {})",
            std::fs::read_to_string("/proc/loadavg")
                .unwrap_or_default()
                .trim()
        );
        let mut fx = Fixture::build(n);
        let s = fx.stats.clone();
        eprintln!(
            "  keyrack {:.1} s, {} bytes closed ({:.0} per key; {:.0} while open); sqlite {:.1} s, {} bytes ({:.0} per key)",
            s.keyrack_build_s,
            s.keyrack_file_bytes,
            s.keyrack_file_bytes as f64 / s.keys as f64,
            s.keyrack_file_bytes_open as f64 / s.keys as f64,
            s.sqlite_build_s,
            s.sqlite_file_bytes,
            s.sqlite_file_bytes as f64 / s.keys as f64,
        );
        extra.set("keys", n, s.keys as f64);
        extra.set("keyrack_build_s", n, s.keyrack_build_s);
        extra.set("sqlite_build_s", n, s.sqlite_build_s);
        extra.set("keyrack_file_bytes", n, s.keyrack_file_bytes as f64);
        extra.set(
            "keyrack_file_bytes_open",
            n,
            s.keyrack_file_bytes_open as f64,
        );
        extra.set("sqlite_file_bytes", n, s.sqlite_file_bytes as f64);
        extra.set(
            "keyrack_file_bytes_compacted",
            n,
            s.keyrack_file_bytes_compacted as f64,
        );
        let (warm, grew) = fx.warm();
        eprintln!(
            "  first verify of every key (cache fill): {warm:?}; process grew {} MB ({} bytes per key)",
            grew / 1_000_000,
            grew / fx.order.len() as i64
        );
        extra.set("keyrack_warm_s", n, warm.as_secs_f64());
        extra.set("keyrack_warm_rss_bytes", n, grew as f64);
        extra.save();

        verify_benches(&mut c, &fx);
        thread_benches(&mut c, &fx);
        write_benches(&mut c, &mut fx);
        open_benches(&mut c, &mut fx, &mut extra);
        extra.save();
    }
    batch_bench(&mut c);
    extra.save();
    c.final_summary();
}
