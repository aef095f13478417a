//! Issue and rotate: key shape, batches, expiry at issue, and secrets that
//! never show.

mod common;

use std::time::Duration;

use common::Fixture;
use keyrack::{Error, ErrorKind, Expiry, IssueOptions, ListOptions, Options, Store};

#[test]
fn issued_key_has_default_prefix_and_hint() {
    let f = Fixture::new();
    let store = f.open();
    let i = store.issue(IssueOptions::new("a")).unwrap();
    let key = i.key.expose();
    let p = keyrack::format::parse(key).unwrap();
    assert_eq!(p.prefix(), "kr");
    assert_eq!(i.record.hint, p.hint());
    assert_eq!(i.record.prefix, "kr");
    assert!(i.id.starts_with("key_") && i.id.len() == 26, "{}", i.id);
    assert_ne!(
        store.issue(IssueOptions::new("b")).unwrap().key.expose(),
        key,
        "two issues give two keys"
    );
}

#[test]
fn batch_issue_is_all_or_nothing() {
    let f = Fixture::new();
    let store = f.open();
    let batch = vec![IssueOptions::new("ok"), IssueOptions::new("bad").scope("")];
    let err = store.issue_many(batch).unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidArgument {
                field: "scopes",
                ..
            }
        ),
        "{err}"
    );
    assert!(
        store
            .list(&ListOptions::default())
            .unwrap()
            .records
            .is_empty()
    );
    let issued = store
        .issue_many(
            (0..50)
                .map(|i| IssueOptions::new(format!("k{i}")))
                .collect(),
        )
        .unwrap();
    assert_eq!(issued.len(), 50);
    for i in &issued {
        assert!(store.verify(i.key.expose()).unwrap().is_valid());
    }
}

#[test]
fn expires_in_counts_from_created_at_on_the_system_clock() {
    // On the wall clock, a batch takes milliseconds to check before its
    // transaction stamps `created_at`; the span must still be exact.
    let f = Fixture::new();
    let store = Store::open(f.path(), Options::default()).unwrap();
    let span = Duration::from_secs(30 * 86_400);
    let issued = store
        .issue_many_relaxed(
            (0..20_000)
                .map(|i| IssueOptions::new(format!("k{i}")).expires_in(span))
                .collect(),
        )
        .unwrap();
    for i in &issued {
        let r = &i.record;
        assert_eq!(
            r.expires_at.unwrap().duration_since(r.created_at).unwrap(),
            span,
            "{}",
            r.id
        );
    }
}

#[test]
fn debug_output_never_shows_a_secret() {
    let f = Fixture::new();
    let store = f.open();
    let i = store.issue(IssueOptions::new("a").owner("o")).unwrap();
    let key = i.key.expose().to_owned();
    let body = &key[3..46];
    let v = store.verify(&key).unwrap();
    let page = store.list(&ListOptions::default()).unwrap();
    let rotated = store.rotate(&i.id, Duration::ZERO).unwrap();
    let texts = [
        format!("{i:?}"),
        format!("{:?}", i.key),
        format!("{}", i.key),
        format!("{v:?}"),
        format!("{page:?}"),
        format!("{store:?}"),
        format!("{:?}", keyrack::format::parse(&key).unwrap()),
        format!("{:?}", keyrack::extract_key([("x-api-key", key.as_str())])),
        format!("{rotated:?}"),
        serde_json::to_string(&i.record).unwrap(),
    ];
    for t in &texts {
        assert!(!t.contains(body), "secret leaked in {t}");
        assert!(
            !t.contains(&rotated.key.expose()[3..46]),
            "secret leaked in {t}"
        );
    }
    assert!(texts[0].contains("redacted"));
}

#[test]
fn rotation_keeps_id_and_settings() {
    let f = Fixture::new();
    let store = f.open();
    let i = store
        .issue(IssueOptions::new("a").owner("o").scope("s").meta("k", "v"))
        .unwrap();
    let r = store.rotate(&i.id, Duration::from_secs(10)).unwrap();
    assert_eq!(r.id, i.id);
    assert_ne!(r.key.expose(), i.key.expose());
    assert_eq!(r.record.scopes, i.record.scopes);
    assert_eq!(r.record.meta, i.record.meta);
    assert_eq!(r.record.hint, r.key.hint());
}

#[test]
fn ids_follow_issue_time_so_listings_are_in_issue_order() {
    let f = Fixture::new();
    let store = f.open();
    let mut issued = Vec::new();
    for i in 0..20 {
        issued.push(store.issue(IssueOptions::new(format!("k{i}"))).unwrap().id);
        f.clock.advance(Duration::from_millis(1));
    }
    let listed: Vec<String> = store
        .list(&ListOptions::default())
        .unwrap()
        .records
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(listed, issued);
    assert!(issued.iter().all(|id| keyrack::format::is_id(id)));
}

#[test]
fn expiry_either_takes_one_or_none_never_both() {
    let day = Duration::from_secs(86_400);
    let f = Fixture::new();
    let at = f.clock.now() + day;
    assert_eq!(
        Expiry::either(Some(day), None).unwrap(),
        Some(Expiry::In(day))
    );
    assert_eq!(
        Expiry::either(None, Some(at)).unwrap(),
        Some(Expiry::At(at))
    );
    assert_eq!(Expiry::either(None, None).unwrap(), None);
    let e = Expiry::either(Some(day), Some(at)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    assert_eq!(e.field(), Some("expires_in"), "{e}");
    assert!(e.to_string().contains("not both"), "{e}");

    // What `either` gives is what issue takes.
    let store = f.open();
    let mut o = IssueOptions::new("in");
    o.expiry = Expiry::either(Some(day), None).unwrap();
    let r = store.issue(o).unwrap().record;
    assert_eq!(r.expires_at, Some(r.created_at + day));
    let mut o = IssueOptions::new("at");
    o.expiry = Expiry::either(None, Some(at)).unwrap();
    assert_eq!(store.issue(o).unwrap().record.expires_at, Some(at));
    let mut o = IssueOptions::new("never");
    o.expiry = Expiry::either(None, None).unwrap();
    assert_eq!(store.issue(o).unwrap().record.expires_at, None);
}
