//! `show`, `list` and `audit`, in text and in JSON, and never a secret in any of them.

mod support;

use serde_json::Value;
use support::Env;

#[test]
fn show_prints_every_field_and_no_secret() {
    let env = Env::new();
    let (id, key) = env.issue(&[
        "--owner",
        "o1",
        "--scope",
        "s1",
        "--meta",
        "k=v",
        "--remaining",
        "3",
    ]);
    let text = env.run(&["show", &id]).ok().stdout;
    for label in [
        "id",
        "name",
        "hint",
        "status",
        "owner",
        "scopes",
        "meta",
        "created",
        "expires",
        "uses",
        "credits",
        "rate limit",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(label)),
            "{label} in {text}"
        );
    }
    assert!(text.contains("k=v") && text.contains("active"));
    let v = env.run(&["show", "--json", &id]).ok().json();
    assert_eq!(v["id"], id.as_str());
    assert_eq!(v["remaining"], 3);
    for out in [text, v.to_string()] {
        assert!(!out.contains(&key[3..]), "no secret");
    }
}

/// The text of `line` from the character column where `word` starts in `header`.
fn from_column(header: &str, word: &str, line: &str) -> String {
    let at = header
        .find(word)
        .unwrap_or_else(|| panic!("{word} in {header:?}"));
    line.chars().skip(header[..at].chars().count()).collect()
}

#[test]
fn list_aligns_a_table_and_filters() {
    let env = Env::new();
    let (a, _) = env.issue(&["--owner", "org_a"]);
    let (b, _) = env.issue(&["--owner", "a_much_longer_owner_name"]);
    env.run(&["revoke", &b]).ok();
    let text = env.run(&["list"]).ok().stdout;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    for l in &lines[1..] {
        let s = from_column(lines[0], "STATUS", l);
        assert!(
            s.starts_with("active") || s.starts_with("revoked"),
            "aligned: {text}"
        );
    }

    let only = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["list", "--json"];
        all.extend_from_slice(args);
        env.run(&all).ok().json()["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(only(&["--owner", "org_a"]), vec![a.clone()]);
    assert_eq!(only(&["--status", "revoked"]), vec![b.clone()]);
    assert_eq!(only(&["--status", "active"]), vec![a.clone()]);
    assert_eq!(only(&["--prefix", "kr"]).len(), 2);
    assert_eq!(only(&["--prefix", "zz"]).len(), 0);
    assert_eq!(
        only(&["--unused-since", "1d"]).len(),
        2,
        "never used counts as unused"
    );
}

#[test]
fn list_pages_with_limit_and_cursor() {
    let env = Env::new();
    for _ in 0..3 {
        env.issue(&[]);
    }
    let p1 = env.run(&["list", "--json", "--limit", "2"]).ok().json();
    assert_eq!(p1["records"].as_array().unwrap().len(), 2);
    let cursor = p1["next_cursor"].as_str().expect("more to come").to_owned();
    let p2 = env
        .run(&["list", "--json", "--cursor", &cursor])
        .ok()
        .json();
    assert_eq!(p2["records"].as_array().unwrap().len(), 1);
    assert_eq!(p2["next_cursor"], Value::Null);
    let all = env.run(&["list", "--json"]).ok().json();
    assert_eq!(all["records"].as_array().unwrap().len(), 3);
    let text = env.run(&["list", "--limit", "1"]).ok().stdout;
    assert!(text.contains("--cursor key_"), "{text}");
}

#[test]
fn list_of_an_empty_store_says_so() {
    let env = Env::new();
    let (id, _) = env.issue(&[]);
    env.run(&["revoke", &id]).ok();
    env.run(&["purge"]).ok();
    assert_eq!(env.run(&["list"]).ok().stdout.trim(), "(no keys)");
    let v = env.run(&["list", "--json"]).ok().json();
    assert_eq!(v["records"], serde_json::json!([]));
}

#[test]
fn audit_lists_events_with_filters() {
    let env = Env::new();
    let (a, _) = env.issue(&[]);
    let (b, _) = env.issue(&[]);
    env.run(&["revoke", &a]).ok();
    let v = env.run(&["audit", "--json"]).ok().json();
    let kinds: Vec<&str> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["issued", "issued", "revoked"]);
    let e = &v["events"][2];
    assert_eq!(e["id"], a.as_str());
    assert!(e["at"].is_i64() && e["seq"].is_u64() && e["detail"].is_string());
    assert_eq!(v["next_cursor"], Value::Null);

    let only_b = env.run(&["audit", "--json", "--id", &b]).ok().json();
    assert_eq!(only_b["events"].as_array().unwrap().len(), 1);
    let revoked = env
        .run(&["audit", "--json", "--kind", "revoked"])
        .ok()
        .json();
    assert_eq!(revoked["events"].as_array().unwrap().len(), 1);
    let limited = env.run(&["audit", "--json", "--limit", "2"]).ok().json();
    assert_eq!(limited["events"].as_array().unwrap().len(), 2);
    assert!(limited["next_cursor"].is_string());
    let future = env
        .run(&["audit", "--json", "--since", "2999-01-01"])
        .ok()
        .json();
    assert_eq!(future["events"], serde_json::json!([]));
    let recent = env.run(&["audit", "--json", "--since", "1h"]).ok().json();
    assert_eq!(recent["events"].as_array().unwrap().len(), 3);

    let text = env.run(&["audit"]).ok().stdout;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4);
    assert!(
        from_column(lines[0], "KIND", lines[3]).starts_with("revoked"),
        "aligned: {text}"
    );
}

#[test]
fn never_a_secret_in_listings_audit_export_or_errors() {
    let env = Env::new();
    let (id, key) = env.issue(&["--owner", "o"]);
    let (_, rotated) = {
        let v = env
            .run(&["rotate", "--json", &id, "--grace", "1h"])
            .ok()
            .json();
        (v["id"].clone(), v["key"].as_str().unwrap().to_owned())
    };
    let body = |k: &str| k[k.len() - 49..k.len() - 6].to_owned();
    let mut seen = String::new();
    for args in [
        vec!["list"],
        vec!["list", "--json"],
        vec!["show", &id],
        vec!["show", "--json", &id],
        vec!["audit"],
        vec!["audit", "--json"],
        vec!["export"],
    ] {
        let r = env.run(&args).ok();
        seen.push_str(&r.stdout);
        seen.push_str(&r.stderr);
    }
    for args in [
        vec!["show", &key],
        vec!["revoke", &key],
        vec!["audit", "--id", &rotated],
    ] {
        let r = env.run(&args).fails(2);
        seen.push_str(&r.stderr);
    }
    let r = env.run(&["revoke", &id, &key]).fails(2);
    seen.push_str(&r.stderr);
    for k in [&key, &rotated] {
        assert!(!seen.contains(&body(k)), "a secret leaked: {seen}");
    }
}

#[test]
fn audit_and_list_offer_every_kind_and_status_of_the_core() {
    let env = Env::new();
    let help = env.run(&["audit", "--help"]).ok().stdout;
    for kind in keyrack::AuditKind::ALL {
        assert!(help.contains(kind.as_str()), "{kind} in {help}");
    }
    assert!(help.contains("credits_added") && help.contains("prefix_removed"));
    let help = env.run(&["list", "--help"]).ok().stdout;
    for status in keyrack::Status::ALL {
        assert!(help.contains(status.as_str()), "{status} in {help}");
    }
    let (id, _) = env.issue(&["--remaining", "1"]);
    env.run(&["credits", &id, "--add", "2"]).ok();
    let text = env.run(&["audit", "--kind", "credits_added"]).ok().stdout;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[1].contains("credits_added") && lines[1].contains(&id),
        "{text}"
    );
    env.run(&["audit", "--kind", "credits"]).fails(2);
    env.run(&["list", "--status", "gone"]).fails(2);
}
