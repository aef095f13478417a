//! Storage faults during a workload: the store runs on a redb `StorageBackend`
//! that fails the n-th write, sync or read (EIO), tears a write, or fills up
//! (ENOSPC), and n is swept over the whole workload. Every failure must reach
//! the caller as a typed error (never a panic), no write may be reported as
//! done unless it was committed, and a reopen on the bytes that survive (the
//! process going on, or a power loss that keeps only synced bytes, or a random
//! part of the unsynced ones) must show exactly one state the acknowledged
//! writes allow.
#![cfg(unix)]

mod faults;

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use faults::oracle::{GRACE, Model, Run, Tally, clock, options};
use faults::{Fault, Image, Shared, image};
use keyrack::{ErrorKind, IssueOptions, Store, UpdateOptions};

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
