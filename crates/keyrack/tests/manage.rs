//! Changing keys: revoke, enable, disable, update, purge.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::Fixture;
use keyrack::{
    AuditKind, AuditOptions, ErrorKind, Expiry, IssueOptions, ListOptions, Outcome, Store,
    UpdateOptions,
};

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

/// The `Updated` events of key `id`, oldest first.
fn updates_of(store: &Store, id: &str) -> Vec<keyrack::AuditEvent> {
    store
        .iter_audit(AuditOptions::default().id(id).kind(AuditKind::Updated))
        .collect::<keyrack::Result<_>>()
        .unwrap()
}

#[test]
fn update_expires_in_counts_from_the_update_commit() {
    let f = Fixture::new();
    let store = f.open();
    let i = store.issue(IssueOptions::new("a")).unwrap();
    f.clock.advance(Duration::from_secs(5));
    let committed = f.clock.now();
    let span = Duration::from_secs(60);
    let r = store
        .update(&i.id, UpdateOptions::default().expires_in(span))
        .unwrap();
    assert_eq!(r.expires_at, Some(committed + span));
    assert_eq!(store.get(&i.id).unwrap().expires_at, Some(committed + span));
    let ev = updates_of(&store, &i.id);
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].at, committed, "the update commits at the clock's now");
    assert_eq!(ev[0].detail, "expires_at");
    // Valid up to the last millisecond, expired at commit + span exactly.
    f.clock.advance(span - Duration::from_millis(1));
    assert!(store.verify(i.key.expose()).unwrap().is_valid());
    f.clock.advance(Duration::from_millis(1));
    assert_eq!(
        store.verify(i.key.expose()).unwrap().outcome,
        Outcome::Expired
    );
}

#[test]
fn update_expires_in_is_resolved_inside_the_transaction() {
    // While another thread keeps the clock moving, each update's span must
    // count from the time its own transaction stamped (its audit event's
    // time), not from a "now" read before the write lock was taken.
    let f = Fixture::new();
    let store = f.open();
    let i = store.issue(IssueOptions::new("a")).unwrap();
    let start = f.clock.now();
    let stop = Arc::new(AtomicBool::new(false));
    let ticker = {
        let (clock, stop) = (f.clock.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                clock.advance(Duration::from_millis(1));
                std::thread::yield_now();
            }
        })
    };
    let span = Duration::from_secs(3600);
    let records: Vec<_> = (0..100)
        .map(|_| {
            store
                .update(&i.id, UpdateOptions::default().expires_in(span))
                .unwrap()
        })
        .collect();
    stop.store(true, Ordering::Relaxed);
    ticker.join().unwrap();
    let events = updates_of(&store, &i.id);
    assert_eq!(events.len(), records.len());
    // The check means something only if the clock moved between updates.
    let stamps: std::collections::BTreeSet<_> = events.iter().map(|e| e.at).collect();
    assert!(f.clock.now() > start && stamps.len() > 1, "the clock moved");
    for (n, (r, ev)) in records.iter().zip(&events).enumerate() {
        assert_eq!(r.expires_at, Some(ev.at + span), "update {n}");
    }
}

#[test]
fn update_expiry_rules_name_their_field_and_none_clears() {
    let f = Fixture::new();
    let store = f.open();
    let i = store
        .issue(IssueOptions::new("a").expires_in(Duration::from_secs(10)))
        .unwrap();
    let before = store.get(&i.id).unwrap();
    let now = f.clock.now();
    for (change, field) in [
        (
            UpdateOptions::default().expires_in(Duration::ZERO),
            "expires_in",
        ),
        (
            UpdateOptions::default().expiry(Some(Expiry::In(Duration::ZERO))),
            "expires_in",
        ),
        (
            UpdateOptions::default().expires_at(Some(now - Duration::from_secs(1))),
            "expires_at",
        ),
        (UpdateOptions::default().expires_at(Some(now)), "expires_at"),
        (
            UpdateOptions::default().expiry(Some(Expiry::At(now))),
            "expires_at",
        ),
    ] {
        let e = store.update(&i.id, change).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
        assert_eq!(e.field(), Some(field), "{e}");
    }
    assert_eq!(store.get(&i.id).unwrap(), before, "refusals change nothing");
    assert!(updates_of(&store, &i.id).is_empty());

    // An exact time is kept as given.
    let at = now + Duration::from_secs(7200);
    let r = store
        .update(&i.id, UpdateOptions::default().expiry(Some(Expiry::At(at))))
        .unwrap();
    assert_eq!(r.expires_at, Some(at));
    // `expiry(None)` and `expires_at(None)` both clear it.
    let r = store
        .update(&i.id, UpdateOptions::default().expiry(None))
        .unwrap();
    assert_eq!(r.expires_at, None);
    f.clock.advance(Duration::from_secs(86_400));
    assert!(store.verify(i.key.expose()).unwrap().is_valid());
    store
        .update(
            &i.id,
            UpdateOptions::default().expires_in(Duration::from_secs(1)),
        )
        .unwrap();
    let r = store
        .update(&i.id, UpdateOptions::default().expires_at(None))
        .unwrap();
    assert_eq!(r.expires_at, None);
    assert_eq!(store.get(&i.id).unwrap().expires_at, None);
    assert_eq!(updates_of(&store, &i.id).len(), 4);
}

#[test]
fn update_options_is_empty_until_a_setter_runs() {
    let empty = UpdateOptions::default();
    assert!(empty.is_empty());
    let each: Vec<(&str, UpdateOptions)> = vec![
        ("name", UpdateOptions::default().name("n")),
        ("description", UpdateOptions::default().description(None)),
        ("owner", UpdateOptions::default().owner(None)),
        (
            "scopes",
            UpdateOptions::default().scopes(Vec::<String>::new()),
        ),
        ("meta", UpdateOptions::default().meta(BTreeMap::new())),
        ("expires_at", UpdateOptions::default().expires_at(None)),
        (
            "expires_in",
            UpdateOptions::default().expires_in(Duration::from_secs(1)),
        ),
        ("expiry", UpdateOptions::default().expiry(None)),
        ("remaining", UpdateOptions::default().remaining(None)),
        ("refill", UpdateOptions::default().refill(None)),
        ("rate_limit", UpdateOptions::default().rate_limit(None)),
        (
            "shared_credits",
            UpdateOptions::default().shared_credits(false),
        ),
    ];
    for (what, change) in &each {
        assert!(!change.is_empty(), "{what}");
    }
    // An empty update writes no event and changes nothing.
    let f = Fixture::new();
    let store = f.open();
    let i = store.issue(IssueOptions::new("a").owner("o")).unwrap();
    let before = store.get(&i.id).unwrap();
    assert_eq!(store.update(&i.id, empty).unwrap(), before);
    assert!(updates_of(&store, &i.id).is_empty());
}
