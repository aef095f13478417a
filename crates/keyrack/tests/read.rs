//! Reading: get, list, audit and their iterators.

mod common;

use std::time::Duration;

use common::Fixture;
use keyrack::{AuditKind, AuditOptions, ErrorKind, IssueOptions, ListOptions, Status, Store};

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
