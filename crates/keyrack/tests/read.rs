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

/// Every record of `options`, paging `list` by hand; also how many pages.
fn list_by_hand(store: &Store, options: &ListOptions) -> (Vec<keyrack::KeyRecord>, usize) {
    let (mut all, mut pages, mut o) = (Vec::new(), 0, options.clone());
    loop {
        let page = store.list(&o).unwrap();
        pages += 1;
        all.extend(page.records);
        match page.next_cursor {
            Some(c) => o = o.cursor(c),
            None => return (all, pages),
        }
    }
}

/// Every event of `options`, paging `audit` by hand; also how many pages.
fn audit_by_hand(store: &Store, options: &AuditOptions) -> (Vec<keyrack::AuditEvent>, usize) {
    let (mut all, mut pages, mut o) = (Vec::new(), 0, options.clone());
    loop {
        let page = store.audit(&o).unwrap();
        pages += 1;
        all.extend(page.events);
        match page.next_cursor {
            Some(c) => o = o.cursor(c),
            None => return (all, pages),
        }
    }
}

/// 23 keys: owners `even`/`odd`, every fifth `sk_test`, #1 revoked, #2
/// rotated; 26 audit events.
fn many_keys(f: &Fixture) -> (Store, Vec<keyrack::Issued>) {
    let store = Store::open(f.path(), f.options().prefixes(["sk_test"])).unwrap();
    let issued: Vec<_> = (0..23)
        .map(|i| {
            let mut o =
                IssueOptions::new(format!("k{i}")).owner(if i % 2 == 0 { "even" } else { "odd" });
            if i % 5 == 0 {
                o = o.prefix("sk_test");
            }
            f.clock.advance(Duration::from_millis(1));
            store.issue(o).unwrap()
        })
        .collect();
    store.revoke(&issued[1].id).unwrap();
    store.rotate(&issued[2].id, Duration::ZERO).unwrap();
    store.disable(&issued[4].id).unwrap();
    (store, issued)
}

#[test]
fn iter_keys_pages_through_list_with_its_filters() {
    let f = Fixture::new();
    let (store, issued) = many_keys(&f);
    let cases = [
        (ListOptions::default().limit(4), 23),
        (ListOptions::default().owner("even").limit(3), 12),
        (ListOptions::default().owner("odd").limit(5), 11),
        (ListOptions::default().prefix("sk_test").limit(2), 5),
        (ListOptions::default().status(Status::Revoked).limit(1), 1),
        (ListOptions::default().status(Status::Active).limit(6), 21),
        (ListOptions::default().owner("nobody").limit(2), 0),
    ];
    for (options, count) in cases {
        let (by_hand, pages) = list_by_hand(&store, &options);
        assert_eq!(by_hand.len(), count, "{options:?}");
        if count > options.limit {
            assert!(pages > 1, "{options:?}: several pages");
        }
        let mut keys = store.iter_keys(options.clone());
        let iterated: Vec<_> = keys.by_ref().collect::<keyrack::Result<_>>().unwrap();
        assert_eq!(iterated, by_hand, "{options:?}");
        assert!(keys.next().is_none(), "stays done");
        for r in &iterated {
            assert!(
                options
                    .owner
                    .as_ref()
                    .is_none_or(|o| r.owner.as_ref() == Some(o))
            );
            assert!(options.prefix.as_ref().is_none_or(|p| r.prefix == *p));
            assert!(
                options
                    .status
                    .is_none_or(|s| r.status_at(f.clock.now()) == s)
            );
        }
    }
    // Everything, in id order, once each.
    let all: Vec<String> = store
        .iter_keys(ListOptions::default().limit(4))
        .map(|r| r.unwrap().id)
        .collect();
    let mut want: Vec<String> = issued.iter().map(|i| i.id.clone()).collect();
    want.sort();
    assert_eq!(all, want);
    // A cursor is where the iteration starts.
    let rest: Vec<String> = store
        .iter_keys(ListOptions::default().limit(4).cursor(want[9].clone()))
        .map(|r| r.unwrap().id)
        .collect();
    assert_eq!(rest, want[10..]);
}

#[test]
fn iter_audit_pages_through_audit_with_its_filters() {
    let f = Fixture::new();
    let (store, issued) = many_keys(&f);
    let cases = [
        (AuditOptions::default().limit(4), 26),
        (AuditOptions::default().kind(AuditKind::Issued).limit(5), 23),
        (AuditOptions::default().kind(AuditKind::Revoked).limit(1), 1),
        (AuditOptions::default().id(&issued[2].id).limit(1), 2),
        (AuditOptions::default().since(f.clock.now()).limit(2), 4),
    ];
    for (options, count) in cases {
        let (by_hand, pages) = audit_by_hand(&store, &options);
        assert_eq!(by_hand.len(), count, "{options:?}");
        if count > options.limit {
            assert!(pages > 1, "{options:?}: several pages");
        }
        let mut events = store.iter_audit(options.clone());
        let iterated: Vec<_> = events.by_ref().collect::<keyrack::Result<_>>().unwrap();
        assert_eq!(iterated, by_hand, "{options:?}");
        assert!(events.next().is_none(), "stays done");
        for e in &iterated {
            assert!(options.kind.is_none_or(|k| e.kind == k));
            assert!(options.id.as_ref().is_none_or(|id| e.id == *id));
        }
    }
    let kinds: Vec<AuditKind> = store
        .iter_audit(AuditOptions::default().limit(3))
        .map(|e| e.unwrap().kind)
        .skip(23)
        .collect();
    assert_eq!(
        kinds,
        [AuditKind::Revoked, AuditKind::Rotated, AuditKind::Disabled]
    );
}

#[test]
fn iterators_yield_one_error_then_end() {
    let f = Fixture::new();
    let store = f.open();
    store.issue(IssueOptions::new("a")).unwrap();
    let one_error = |mut it: Box<dyn Iterator<Item = keyrack::Result<()>>>,
                     kind: ErrorKind,
                     field: Option<&str>| {
        let e = it.next().expect("an item").expect_err("an error");
        assert_eq!(e.kind(), kind, "{e}");
        assert_eq!(e.field(), field, "{e}");
        assert!(it.next().is_none(), "then nothing");
        assert!(it.next().is_none(), "still nothing");
    };
    let keys = |o: ListOptions| -> Box<dyn Iterator<Item = keyrack::Result<()>>> {
        Box::new(store.iter_keys(o).map(|r| r.map(drop)))
    };
    let events = |o: AuditOptions| -> Box<dyn Iterator<Item = keyrack::Result<()>>> {
        Box::new(store.iter_audit(o).map(|r| r.map(drop)))
    };
    let invalid = ErrorKind::InvalidArgument;
    one_error(
        keys(ListOptions::default().limit(0)),
        invalid,
        Some("limit"),
    );
    one_error(
        keys(ListOptions::default().limit(1001)),
        invalid,
        Some("limit"),
    );
    one_error(
        keys(ListOptions::default().cursor("nope")),
        invalid,
        Some("cursor"),
    );
    one_error(
        events(AuditOptions::default().limit(0)),
        invalid,
        Some("limit"),
    );
    one_error(
        events(AuditOptions::default().cursor("x.y")),
        invalid,
        Some("cursor"),
    );
    // An iterator made before close, and one made after, both answer Closed.
    let before = keys(ListOptions::default());
    store.close().unwrap();
    one_error(before, ErrorKind::Closed, None);
    one_error(keys(ListOptions::default()), ErrorKind::Closed, None);
    one_error(events(AuditOptions::default()), ErrorKind::Closed, None);
}
