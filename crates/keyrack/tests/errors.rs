//! The error model: stable kinds and codes, fields named, ids never a secret.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::Fixture;
use keyrack::{
    AuditKind, AuditOptions, Error, ErrorKind, IssueOptions, ListOptions, UpdateOptions,
};

#[test]
fn invalid_arguments_name_the_field_and_change_nothing() {
    let f = Fixture::new();
    let store = f.open();
    let i = store.issue(IssueOptions::new("a").scope("read")).unwrap();
    let before = store.get(&i.id).unwrap();
    let cases: Vec<(UpdateOptions, &str)> = vec![
        (UpdateOptions::default().scopes([""]), "scopes"),
        (UpdateOptions::default().name("x".repeat(300)), "name"),
        (
            UpdateOptions::default().expires_at(Some(f.clock.now() - Duration::from_secs(1))),
            "expires_at",
        ),
        (
            UpdateOptions::default()
                .rate_limit(Some(keyrack::RateLimit::new(0, Duration::from_secs(1)))),
            "rate_limit",
        ),
        (
            UpdateOptions::default().shared_credits(true),
            "shared_credits",
        ),
        (
            UpdateOptions::default().meta(BTreeMap::from([(String::new(), "v".into())])),
            "meta",
        ),
    ];
    for (change, field) in cases {
        match store.update(&i.id, change) {
            Err(Error::InvalidArgument { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    assert_eq!(store.get(&i.id).unwrap(), before);
    let issue_cases: Vec<(IssueOptions, &str)> = vec![
        (IssueOptions::new("a").prefix("nope"), "prefix"),
        (
            IssueOptions::new("a").expires_at(f.clock.now()),
            "expires_at",
        ),
        (
            IssueOptions::new("a").expires_in(Duration::ZERO),
            "expires_in",
        ),
        (IssueOptions::new("a").owner(""), "owner"),
        (
            IssueOptions::new("a")
                .remaining(1)
                .shared_credits(true)
                .owner("o"),
            "shared_credits",
        ),
        (IssueOptions::new("a\0b"), "name"),
    ];
    for (o, field) in issue_cases {
        match store.issue(o) {
            Err(Error::InvalidArgument { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    assert_eq!(
        store.list(&ListOptions::default()).unwrap().records.len(),
        1
    );
    assert_eq!(
        store.audit(&AuditOptions::default()).unwrap().events.len(),
        1
    );
}

#[test]
fn unknown_ids_are_not_found_errors() {
    let f = Fixture::new();
    let store = f.open();
    let ghost = "key_0123456789abcdefghijkl";
    for r in [
        store.get(ghost).map(|_| ()),
        store.revoke(ghost).map(|_| ()),
        store.enable(ghost).map(|_| ()),
        store.disable(ghost).map(|_| ()),
        store
            .update(ghost, UpdateOptions::default().name("x"))
            .map(|_| ()),
        store.rotate(ghost, Duration::ZERO).map(|_| ()),
        store.get("../etc/passwd").map(|_| ()),
    ] {
        let e = r.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    }
}

#[test]
fn error_kinds_have_stable_codes_and_names() {
    let codes: Vec<u32> = ErrorKind::ALL.iter().map(|k| k.code()).collect();
    assert_eq!(codes, (1..=11).collect::<Vec<_>>());
    let names: std::collections::BTreeSet<_> = ErrorKind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(names.len(), 11);
    assert_eq!(ErrorKind::NotFound.as_str(), "NOT_FOUND");
    assert_eq!(ErrorKind::AlreadyOpen.code(), 3);
    // Codes only ever grow: a new kind takes the next number.
    assert_eq!(ErrorKind::NeedsRecovery.code(), 11);
    assert_eq!(ErrorKind::NeedsRecovery.as_str(), "NEEDS_RECOVERY");
}

#[test]
fn a_key_passed_as_an_id_is_not_echoed() {
    let f = Fixture::new();
    let store = f.open();
    let i = store.issue(IssueOptions::new("a")).unwrap();
    let body = &i.key.expose()[3..46];
    for e in [
        store.revoke(i.key.expose()).unwrap_err(),
        store.get(i.key.expose()).unwrap_err(),
        store
            .update(i.key.expose(), UpdateOptions::default().name("x"))
            .unwrap_err(),
    ] {
        assert_eq!(e.kind(), ErrorKind::NotFound);
        let text = format!("{e} {e:?}");
        assert!(!text.contains(&body[..10]), "{text}");
        assert!(text.contains("a key, not an id"), "{text}");
    }
    let e = store.get("key_unknownbutwellshaped").unwrap_err();
    assert!(e.to_string().contains("key_unknownbutwellshaped"), "{e}");
    for k in AuditKind::ALL {
        assert_eq!(k.as_str().parse::<AuditKind>().unwrap(), k);
    }
    assert!("nope".parse::<AuditKind>().is_err());
}

#[test]
fn error_id_is_only_ever_a_real_key_id() {
    let f = Fixture::new();
    let store = f.open();
    let i = store.issue(IssueOptions::new("a")).unwrap();
    let ghost = "key_0123456789abcdefghijkl";
    let e = store.get(ghost).unwrap_err();
    assert_eq!(
        (e.kind(), e.id(), e.field()),
        (ErrorKind::NotFound, Some(ghost), None)
    );
    // A purged key's own id is echoed too.
    store.revoke(&i.id).unwrap();
    store.purge(Duration::ZERO).unwrap();
    for e in [
        store.get(&i.id).unwrap_err(),
        store.enable(&i.id).unwrap_err(),
        store.rotate(&i.id, Duration::ZERO).unwrap_err(),
    ] {
        assert_eq!(e.id(), Some(i.id.as_str()), "{e}");
    }
    // A full key, a short `key_` typo, garbage: never an id.
    let key = i.key.expose();
    for passed in [
        key,
        "key_unknownbutwellshaped",
        "../etc/passwd",
        "",
        "key_0123456789abcdefghijk!",
    ] {
        let e = store.get(passed).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound, "{passed}: {e}");
        assert_eq!(e.id(), None, "{passed}: {e}");
        assert!(!format!("{e} {e:?}").contains(&key[3..20]), "{e}");
    }
    // Other errors have no id.
    for e in [
        store.list(&ListOptions::default().limit(0)).unwrap_err(),
        Error::Closed,
        Error::ReadOnly,
    ] {
        assert_eq!(e.id(), None, "{e}");
    }
}

#[test]
fn error_field_names_the_argument_of_an_invalid_argument_only() {
    let f = Fixture::new();
    let store = f.open();
    let i = store.issue(IssueOptions::new("a")).unwrap();
    let invalid = [
        (
            store.list(&ListOptions::default().limit(0)).unwrap_err(),
            "limit",
        ),
        (
            store
                .audit(&AuditOptions::default().cursor("nope"))
                .unwrap_err(),
            "cursor",
        ),
        (store.issue(IssueOptions::new("a\0b")).unwrap_err(), "name"),
        (
            store
                .update(&i.id, UpdateOptions::default().expires_in(Duration::ZERO))
                .unwrap_err(),
            "expires_in",
        ),
        (store.set_pool("", 1, None).unwrap_err(), "owner"),
        (store.import_json_lines("{").unwrap_err(), "record"),
    ];
    for (e, field) in invalid {
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
        assert_eq!(e.field(), Some(field), "{e}");
        assert!(e.to_string().contains(&format!("`{field}`")), "{e}");
        assert_eq!(e.id(), None, "{e}");
    }
    store.close().unwrap();
    for e in [
        store.get(&i.id).unwrap_err(),
        store.issue(IssueOptions::new("")).unwrap_err(),
        Error::NotFound { id: i.id.clone() },
        Error::ReadOnly,
        Error::PepperMismatch,
    ] {
        assert_eq!(e.field(), None, "{e}");
    }
}
