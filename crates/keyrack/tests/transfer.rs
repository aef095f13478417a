//! Export and import, and the import's dry run.

mod common;

use std::time::Duration;

use common::Fixture;
use keyrack::{
    AuditOptions, Error, ErrorKind, ExportLine, IssueOptions, ListOptions, Outcome, Refill, Store,
};

/// Two keys to move between stores: `a` with an owner, a scope, metadata
/// and `credits`; `b` revoked.
fn a_metered_and_b_revoked(store: &Store, credits: u64) -> (keyrack::Issued, keyrack::Issued) {
    let a = store
        .issue(
            IssueOptions::new("a")
                .owner("o")
                .scope("read")
                .meta("team", "infra")
                .remaining(credits),
        )
        .unwrap();
    let b = store.issue(IssueOptions::new("b")).unwrap();
    store.revoke(&b.id).unwrap();
    (a, b)
}

#[test]
fn export_and_import_json_lines_round_trip_without_secrets() {
    let f = Fixture::new();
    let old = f.open();
    let (a, b) = a_metered_and_b_revoked(&old, 7);
    let mut out = Vec::new();
    assert_eq!(old.export(&mut out).unwrap(), 2);
    let text = String::from_utf8(out).unwrap();
    assert!(!text.contains(a.key.expose()) && !text.contains(b.key.expose()));
    assert_eq!(text.lines().count(), 2);
    assert!(text.contains(r#""status":"revoked""#), "{text}");

    let dir = tempfile::tempdir().unwrap();
    let new = Store::open(dir.path().join("new.redb"), f.options()).unwrap();
    // Blank lines are skipped; line numbers count them.
    assert_eq!(new.import_json_lines(&format!("\n{text}\n")).unwrap(), 2);
    let (ra, rb) = (new.get(&a.id).unwrap(), new.get(&b.id).unwrap());
    assert_eq!(ra, old.get(&a.id).unwrap());
    assert_eq!(rb.revoked_at, old.get(&b.id).unwrap().revoked_at);
    assert_eq!(
        new.verify(a.key.expose()).unwrap().outcome,
        Outcome::NotFound
    );
    let rotated = new.rotate(&a.id, Duration::ZERO).unwrap();
    assert!(new.verify(rotated.key.expose()).unwrap().is_valid());
    assert_eq!(
        new.get(&a.id).unwrap().remaining,
        Some(6),
        "credits kept, one spent"
    );

    // Importing again: every id exists; the error names the first line.
    let err = new.import_json_lines(&text).unwrap_err();
    assert!(err.to_string().contains("line 1:"), "{err}");
}

#[test]
fn export_carries_owners_pools_and_import_restores_them() {
    let f = Fixture::new();
    let old = f.open();
    old.set_pool("org", 10, Some(Refill::new(10, Duration::from_secs(60))))
        .unwrap();
    let k = old
        .issue(
            IssueOptions::new("shared")
                .owner("org")
                .shared_credits(true),
        )
        .unwrap();
    assert!(old.verify(k.key.expose()).unwrap().is_valid());
    let mut out = Vec::new();
    assert_eq!(old.export(&mut out).unwrap(), 1, "one record");
    let text = String::from_utf8(out).unwrap();
    let last = text.lines().last().unwrap();
    assert_eq!(
        ExportLine::parse(last).unwrap(),
        ExportLine::Pool {
            owner: "org".into(),
            pool: old.pool("org").unwrap().unwrap()
        },
        "the pool line follows the records, with live spending: {last}"
    );
    assert_eq!(old.pool("org").unwrap().unwrap().remaining, 9);

    let dir = tempfile::tempdir().unwrap();
    let new = Store::open(dir.path().join("new.redb"), f.options()).unwrap();
    assert_eq!(new.import_json_lines(&text).unwrap(), 1);
    assert_eq!(new.pool("org").unwrap(), old.pool("org").unwrap());
    // The imported key spends the imported pool once it has a secret.
    let r = new.rotate(&k.id, Duration::ZERO).unwrap();
    let v = new.verify(r.key.expose()).unwrap();
    assert!(v.is_valid());
    assert_eq!(v.remaining, Some(8));

    // A pool for an owner that already has one: refused by line, nothing changes.
    let third = Store::open(dir.path().join("third.redb"), f.options()).unwrap();
    third.set_pool("org", 3, None).unwrap();
    let err = third.import_json_lines(&text).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(
        err.to_string()
            .contains(&format!("line {}:", text.lines().count())),
        "{err}"
    );
    assert_eq!(third.pool("org").unwrap().unwrap().remaining, 3);
    assert!(third.get(&k.id).is_err(), "no record came in either");
    for (bad, field) in [
        (
            r#"{"pool":"org","remaining":1,"refill":null,"extra":1}"#,
            "pool",
        ),
        (r#"{"pool":"","remaining":1,"refill":null}"#, "owner"),
        (r#"{"pool":"o","remaining":-1,"refill":null}"#, "pool"),
        (
            r#"{"pool":"o","remaining":1,"refill":{"amount":5,"every":10}}"#,
            "refill",
        ),
    ] {
        match third.import_json_lines(bad).unwrap_err() {
            Error::InvalidArgument { field: f, reason } => {
                assert_eq!(f, field, "{bad}: {reason}");
                assert!(reason.starts_with("line 1:"), "{reason}");
            }
            other => panic!("{bad}: {other}"),
        }
    }
    assert_eq!(third.pool("o").unwrap(), None);
}

#[test]
fn import_json_lines_refuses_bad_lines_by_number_and_changes_nothing() {
    let f = Fixture::new();
    let store = f.open();
    let donor = store.issue(IssueOptions::new("d")).unwrap();
    let mut out = Vec::new();
    store.export(&mut out).unwrap();
    let good = String::from_utf8(out).unwrap();
    let good = good.trim_end();
    let dir = tempfile::tempdir().unwrap();
    let target = Store::open(dir.path().join("t.redb"), f.options()).unwrap();
    let with_key = good.replacen('{', &format!("{{\"key\":\"{}\",", donor.key.expose()), 1);
    let key_named = good.replacen('{', &format!("{{\"{}\":1,", donor.key.expose()), 1);
    let wrong_type = good.replacen(
        "\"uses\":0",
        &format!("\"uses\":\"{}\"", donor.key.expose()),
        1,
    );
    let cases = [
        (format!("{good}\nnot json"), "line 2: not JSON"),
        (format!("\n\n{with_key}"), "line 3: unknown field \"key\""),
        (key_named, "line 1: unknown field"),
        (wrong_type, "line 1: not a key record"),
        (format!("{good}\n{good}"), "line 2: "),
        (
            good.replace("\"prefix\":\"kr\"", "\"prefix\":\"sk\""),
            "line 1: \"sk\"",
        ),
    ];
    for (text, want) in cases {
        let err = target.import_json_lines(&text).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
        let shown = err.to_string();
        assert!(shown.contains(want), "{shown:?} lacks {want:?}");
        assert!(!shown.contains(donor.key.expose()), "{shown}");
        assert!(
            target
                .list(&ListOptions::default())
                .unwrap()
                .records
                .is_empty()
        );
    }
}

#[test]
fn export_then_import_moves_records_without_secrets() {
    let src = Fixture::new();
    let store = src.open();
    let (a, _) = a_metered_and_b_revoked(&store, 3);
    store.verify(a.key.expose()).unwrap();
    let exported: Vec<String> = store
        .list(&ListOptions::default())
        .unwrap()
        .records
        .iter()
        .map(|r| serde_json::to_string(r).unwrap())
        .collect();
    assert!(exported.iter().all(|l| !l.contains(&a.key.expose()[3..40])));

    let dst = Fixture::new();
    let other = dst.open();
    let records: Vec<keyrack::KeyRecord> = exported
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(other.import(records.clone()).unwrap(), 2);
    assert_eq!(other.get(&a.id).unwrap(), store.get(&a.id).unwrap());
    assert_eq!(other.get(&a.id).unwrap().remaining, Some(2));
    assert_eq!(
        other
            .list(&ListOptions::default().owner("o"))
            .unwrap()
            .records
            .len(),
        1
    );
    // No secret travelled: the old key does not open the new store until rotated.
    assert_eq!(
        other.verify(a.key.expose()).unwrap().outcome,
        Outcome::NotFound
    );
    let fresh = other.rotate(&a.id, Duration::ZERO).unwrap();
    assert!(other.verify(fresh.key.expose()).unwrap().is_valid());
    // A second import of the same ids changes nothing.
    let e = other.import(records).unwrap_err();
    assert!(
        matches!(e, Error::InvalidArgument { field: "id", .. }),
        "{e}"
    );
    assert_eq!(
        other.list(&ListOptions::default()).unwrap().records.len(),
        2
    );
    let mut bad: keyrack::KeyRecord = serde_json::from_str(&exported[0]).unwrap();
    bad.id = "key_zzzzzzzzzzzzzzzzzzzzzz".into();
    bad.scopes.insert(String::new());
    let e = other.import(vec![bad]).unwrap_err();
    assert!(e.to_string().contains("record 1"), "{e}");
}

/// An export of three records (`a` metered, `b` revoked, `s` drawing on
/// owner `org`'s pool) and, on its last line, `org`'s pool; with the ids.
fn an_export_with_a_pool() -> (String, [String; 3]) {
    let f = Fixture::new();
    let store = f.open();
    let (a, b) = a_metered_and_b_revoked(&store, 5);
    store.set_pool("org", 10, None).unwrap();
    let s = store
        .issue(IssueOptions::new("s").owner("org").shared_credits(true))
        .unwrap();
    let mut out = Vec::new();
    assert_eq!(store.export(&mut out).unwrap(), 3);
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.lines().count(), 4);
    assert!(
        text.lines().last().unwrap().starts_with(r#"{"pool":"org""#),
        "{text}"
    );
    (text, [a.id, b.id, s.id])
}

/// The 1-based line of `text` that holds `id`.
fn line_of(text: &str, id: &str) -> usize {
    text.lines().position(|l| l.contains(id)).unwrap() + 1
}

/// Everything a store shows of itself: records, audit events, org's pool.
fn contents(store: &Store) -> (Vec<keyrack::KeyRecord>, usize, Option<keyrack::Pool>) {
    (
        store.list(&ListOptions::default()).unwrap().records,
        store.audit(&AuditOptions::default()).unwrap().events.len(),
        store.pool("org").unwrap(),
    )
}

#[test]
fn check_import_counts_and_writes_nothing() {
    let (text, ids) = an_export_with_a_pool();
    let f = Fixture::new();
    let store = f.open();
    let want = store.check_import_json_lines(&text).unwrap();
    assert_eq!(
        (want.records, want.pools, want.already_present.len()),
        (3, 1, 0)
    );
    assert_eq!(
        store
            .check_import_json_lines(&format!("\n\n{text}\n"))
            .unwrap(),
        want,
        "blank lines are skipped"
    );
    assert_eq!(contents(&store), (Vec::new(), 0, None), "nothing written");
    let empty = store.check_import_json_lines("").unwrap();
    assert_eq!((empty.records, empty.pools), (0, 0));

    // After a real import, the ids are listed with their lines (blank lines
    // counted); the pool line is refused since org now has one.
    assert_eq!(store.import_json_lines(&text).unwrap(), 3);
    let before = contents(&store);
    let records: String = text.lines().take(3).map(|l| format!("\n{l}")).collect();
    let check = store.check_import_json_lines(&records).unwrap();
    assert_eq!((check.records, check.pools), (3, 0));
    let mut want: Vec<(usize, String)> = ids
        .iter()
        .map(|id| (line_of(&records, id), id.clone()))
        .collect();
    want.sort();
    assert_eq!(check.already_present, want);
    let lines: Vec<usize> = want.iter().map(|(line, _)| *line).collect();
    assert_eq!(lines, [2, 3, 4], "the blank first line counts");
    let refused = store.check_import_json_lines(&text).unwrap_err();
    assert_eq!(refused.line, Some(4), "{refused}");
    assert_eq!(refused.error.field(), Some("pool"), "{refused}");
    // The import itself refuses the first id already present, by its line.
    let e = store.import_json_lines(&records).unwrap_err();
    assert!(
        e.to_string().contains(&format!("line {}:", want[0].0)),
        "{e}"
    );
    assert_eq!(e.field(), Some("id"));
    assert_eq!(contents(&store), before, "nothing written");
}

#[test]
fn check_import_refuses_each_line_as_the_import_does() {
    let (text, ids) = an_export_with_a_pool();
    let lines: Vec<&str> = text.lines().collect();
    let b_line = line_of(&text, &ids[1]);
    let with_line = |n: usize, new: &str| {
        let mut v: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        v[n - 1] = new.to_owned();
        v.join("\n")
    };
    let sk = lines[b_line - 1].replace(r#""prefix":"kr""#, r#""prefix":"sk""#);
    let cases: Vec<(String, usize, &str)> = vec![
        (with_line(b_line, &sk), b_line, "prefix"),
        (format!("{text}\nnot json"), 6, "record"),
        (format!("\n{}\n{}", lines[0], lines[0]), 3, "id"),
        (
            with_line(4, r#"{"pool":"","remaining":1,"refill":null}"#),
            4,
            "owner",
        ),
        (
            with_line(2, &lines[1].replacen('{', r#"{"key":"x","#, 1)),
            2,
            "record",
        ),
    ];
    let f = Fixture::new();
    let store = f.open();
    for (bad, line, field) in &cases {
        let refused = store.check_import_json_lines(bad).unwrap_err();
        assert_eq!(refused.line, Some(*line), "{refused}");
        assert_eq!(
            refused.error.kind(),
            ErrorKind::InvalidArgument,
            "{refused}"
        );
        assert_eq!(refused.error.field(), Some(*field), "{refused}");
        assert!(
            refused.to_string().starts_with(&format!("line {line}: ")),
            "{refused}"
        );
        let imported = store.import_json_lines(bad).unwrap_err();
        let converted = Error::from(refused);
        assert_eq!(converted.to_string(), imported.to_string());
        assert_eq!(converted.kind(), imported.kind());
        assert_eq!(converted.field(), imported.field());
        assert!(
            matches!(&converted, Error::InvalidArgument { reason, .. } if reason.starts_with(&format!("line {line}: "))),
            "{converted}"
        );
    }
    // A pool for an owner that already has one: refused on the pool's line.
    store.set_pool("org", 1, None).unwrap();
    let before = contents(&store);
    let refused = store.check_import_json_lines(&text).unwrap_err();
    assert_eq!(refused.line, Some(4), "{refused}");
    assert_eq!(refused.error.field(), Some("pool"), "{refused}");
    let imported = store.import_json_lines(&text).unwrap_err();
    assert_eq!(Error::from(refused).to_string(), imported.to_string());
    assert_eq!(contents(&store), before, "nothing written");
}

#[test]
fn check_import_works_read_only_and_refuses_when_closed() {
    let (text, ids) = an_export_with_a_pool();
    let f = Fixture::new();
    let store = f.open();
    let first = text.lines().next().unwrap();
    assert_eq!(store.import_json_lines(first).unwrap(), 1);
    store.close().unwrap();
    let ro = Store::open(f.path(), f.options().read_only(true)).unwrap();
    let before = contents(&ro);
    let check = ro.check_import_json_lines(&text).unwrap();
    assert_eq!((check.records, check.pools), (3, 1));
    let present = ids.iter().find(|id| first.contains(id.as_str())).unwrap();
    assert_eq!(check.already_present, [(1, present.clone())]);
    let refused = ro.check_import_json_lines("\nnot json").unwrap_err();
    assert_eq!(refused.line, Some(2));
    assert_eq!(
        ro.import_json_lines(&text).unwrap_err().kind(),
        ErrorKind::ReadOnly
    );
    assert_eq!(contents(&ro), before);
    ro.close().unwrap();
    let refused = ro.check_import_json_lines(&text).unwrap_err();
    assert_eq!(refused.line, None);
    assert_eq!(refused.error.kind(), ErrorKind::Closed);
    assert_eq!(refused.to_string(), Error::Closed.to_string());
    assert_eq!(Error::from(refused).kind(), ErrorKind::Closed);
}
