//! Changing keys: revoke, enable, disable, update, purge.

mod common;

use std::time::Duration;

use common::Fixture;
use keyrack::{AuditKind, AuditOptions, IssueOptions, ListOptions, Outcome, UpdateOptions};

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
