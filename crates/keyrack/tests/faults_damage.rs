//! Damaged files: a store image cut short or with one bit flipped must be
//! refused with a typed error (`Corrupted`, `Io`, `IncompatibleVersion`) or
//! open and answer right, never a wrong answer or a panic.
#![cfg(unix)]

mod faults;

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};

use faults::oracle::{GRACE, Model, Run, Tally, clock, expected, options};
use faults::{Rng, Shared};
use keyrack::{ErrorKind, IssueOptions, Store};

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
