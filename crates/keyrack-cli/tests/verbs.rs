//! Every management verb, in text and in JSON.

mod support;

use serde_json::Value;
use support::Env;

const VERBS: [&str; 15] = [
    "issue", "verify", "show", "list", "update", "enable", "disable", "revoke", "rotate", "purge",
    "audit", "export", "import", "pool", "prefixes",
];

#[test]
fn every_verb_has_help_with_an_example() {
    let env = Env::new();
    for verb in VERBS {
        let r = env.run(&[verb, "--help"]).ok();
        assert!(r.stdout.contains("Example:"), "{verb}: {}", r.stdout);
        assert!(r.stdout.contains(&format!("keyrack {verb}")), "{verb}");
    }
    let top = env.run(&["--help"]).ok().stdout;
    assert!(top.contains("Exit codes:") && top.contains("Example:"));
    for verb in VERBS {
        assert!(top.contains(verb), "{verb} listed");
    }
    assert!(!env.exists("keys.redb"), "help creates nothing");
}

#[test]
fn issue_prints_the_key_once_with_a_warning() {
    let env = Env::new();
    let r = env
        .run(&[
            "issue", "--name", "ci", "--owner", "org_42", "--scope", "deploy",
        ])
        .ok();
    assert!(r.stdout.contains("shown only once"), "{r:?}");
    let key = r
        .stdout
        .split_whitespace()
        .find(|w| keyrack::format::parse(w).is_ok())
        .expect("the key is printed");
    assert!(key.starts_with("kr_"));
    assert_eq!(r.stdout.matches(key).count(), 1);
    assert_eq!(env.verify_code(key), 0);
}

#[test]
fn issue_json_shape_and_every_option() {
    let env = Env::new();
    let v = env
        .run(&[
            "issue",
            "--json",
            "--name",
            "ci",
            "--description",
            "deploys",
            "--owner",
            "org_42",
            "--scope",
            "deploy",
            "--scope",
            "read",
            "--meta",
            "team=infra",
            "--meta",
            "tier=1",
            "--expires-in",
            "30d",
            "--remaining",
            "5",
            "--refill",
            "100/1d",
            "--rate-limit",
            "10/1m",
        ])
        .ok()
        .json();
    let id = v["id"].as_str().unwrap();
    assert!(id.starts_with("key_") && id.len() == 26);
    assert!(keyrack::format::parse(v["key"].as_str().unwrap()).is_ok());
    let r = &v["record"];
    assert_eq!(r["id"], id);
    assert_eq!(r["name"], "ci");
    assert_eq!(r["description"], "deploys");
    assert_eq!(r["owner"], "org_42");
    assert_eq!(r["scopes"], serde_json::json!(["deploy", "read"]));
    assert_eq!(r["meta"]["team"], "infra");
    assert_eq!(r["meta"]["tier"], "1");
    let created = r["created_at"].as_i64().unwrap();
    assert_eq!(r["expires_at"].as_i64().unwrap() - created, 30 * 86_400_000);
    assert_eq!(r["remaining"], 5);
    assert_eq!(r["refill"]["amount"], 100);
    assert_eq!(r["refill"]["every"], 86_400_000);
    assert_eq!(r["rate_limit"]["limit"], 10);
    assert_eq!(r["rate_limit"]["window"], 60_000);
    assert_eq!(r["status"], "active");
    assert_eq!(r["enabled"], true);
    assert!(r["hint"].as_str().unwrap().starts_with("kr_"));
}

#[test]
fn issue_expires_at_takes_rfc3339() {
    let env = Env::new();
    let v = env
        .run(&[
            "issue",
            "--json",
            "--name",
            "x",
            "--expires-at",
            "2999-01-02T03:04:05+01:00",
        ])
        .ok()
        .json();
    assert_eq!(v["record"]["expires_at"], 32_472_237_845_000_i64);
    let shown = env.run(&["show", v["id"].as_str().unwrap()]).ok().stdout;
    assert!(shown.contains("2999-01-02T02:04:05Z"), "{shown}");
}

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
fn update_changes_only_what_is_given() {
    let env = Env::new();
    let (id, key) = env.issue(&[
        "--owner",
        "o1",
        "--scope",
        "a",
        "--meta",
        "x=1",
        "--rate-limit",
        "5/1s",
    ]);
    let v = env
        .run(&[
            "update",
            "--json",
            &id,
            "--name",
            "renamed",
            "--scope",
            "b",
            "--scope",
            "c",
            "--expires-in",
            "1d",
        ])
        .ok()
        .json();
    assert_eq!(v["name"], "renamed");
    assert_eq!(v["scopes"], serde_json::json!(["b", "c"]));
    assert_eq!(v["owner"], "o1", "untouched");
    assert_eq!(v["meta"]["x"], "1", "untouched");
    assert!(v["expires_at"].is_i64());
    let v = env
        .run(&[
            "update",
            "--json",
            &id,
            "--clear-owner",
            "--clear-meta",
            "--no-expiry",
            "--no-rate-limit",
            "--remaining",
            "9",
        ])
        .ok()
        .json();
    assert!(v["owner"].is_null() && v["expires_at"].is_null() && v["rate_limit"].is_null());
    assert_eq!(v["meta"], serde_json::json!({}));
    assert_eq!(v["remaining"], 9);
    assert_eq!(env.run(&["verify", "--scope", "b", &key]).code, 0);
    let text = env.run(&["update", &id, "--unmetered"]).ok().stdout;
    assert!(text.starts_with("updated key_"), "{text}");
    let detail = env
        .run(&["audit", "--json", "--kind", "updated"])
        .ok()
        .json();
    assert_eq!(detail["events"][0]["detail"], "name,scopes,expires_at");
}

#[test]
fn enable_disable_revoke_print_the_record() {
    let env = Env::new();
    let (id, _) = env.issue(&[]);
    assert!(
        env.run(&["disable", &id])
            .ok()
            .stdout
            .starts_with("disabled key_")
    );
    assert_eq!(
        env.run(&["disable", "--json", &id]).ok().json()["status"],
        "disabled"
    );
    assert_eq!(
        env.run(&["enable", "--json", &id]).ok().json()["status"],
        "active"
    );
    assert!(
        env.run(&["enable", &id])
            .ok()
            .stdout
            .starts_with("enabled key_")
    );
    let v = env.run(&["revoke", "--json", &id]).ok().json();
    assert_eq!(v["status"], "revoked");
    assert!(v["revoked_at"].is_i64());
    assert!(
        env.run(&["revoke", &id])
            .ok()
            .stdout
            .starts_with("revoked key_"),
        "idempotent"
    );
}

#[test]
fn rotate_gives_a_new_key_and_ends_the_old_one() {
    let env = Env::new();
    let (id, old) = env.issue(&[]);
    let v = env.run(&["rotate", "--json", &id]).ok().json();
    assert_eq!(v["id"], id.as_str());
    assert_eq!(v["grace_ms"], 0);
    let new = v["key"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert_eq!(env.verify_code(&new), 0);
    assert_eq!(
        env.verify_code(&old),
        12,
        "a rotated-out secret reads expired"
    );

    let r = env.run(&["rotate", &id, "--grace", "1h"]).ok();
    assert!(
        r.stdout.contains("another 1h") && r.stdout.contains("shown only once"),
        "{r:?}"
    );
    assert_eq!(env.verify_code(&new), 0, "within its grace period");
}

#[test]
fn purge_removes_revoked_records() {
    let env = Env::new();
    let (gone, _) = env.issue(&[]);
    let (kept, _) = env.issue(&[]);
    env.run(&["revoke", &gone]).ok();
    assert_eq!(
        env.run(&["purge", "--json", "--older-than", "1d"])
            .ok()
            .json()["purged"],
        0
    );
    assert_eq!(env.run(&["purge", "--json"]).ok().json()["purged"], 1);
    env.run(&["show", &gone]).fails(3);
    env.run(&["show", &kept]).ok();
    assert_eq!(env.run(&["purge"]).ok().stdout.trim(), "purged 0 records");
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
fn export_writes_one_json_record_per_line() {
    let env = Env::new();
    let (a, _) = env.issue(&["--owner", "o"]);
    let (b, _) = env.issue(&[]);
    env.run(&["revoke", &b]).ok();
    let out = env.run(&["export"]).ok().stdout;
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    let ids: Vec<&str> = lines.iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&a.as_str()) && ids.contains(&b.as_str()));
    // Each line reads back as the core's record type.
    for l in &lines {
        let _: keyrack::KeyRecord = serde_json::from_value(l.clone()).unwrap();
    }
    assert_eq!(
        env.run(&["export", "--json"]).ok().stdout,
        out,
        "--json is the same"
    );
}

#[test]
fn import_dry_run_checks_an_export() {
    let env = Env::new();
    env.issue(&[]);
    env.issue(&[]);
    let exported = env.run(&["export"]).ok().stdout;
    let other = Env::new();
    other.issue(&[]);
    let v = other
        .run_stdin(&["import", "--dry-run", "--json"], &exported)
        .ok()
        .json();
    assert_eq!(v["checked"], 2);
    assert_eq!(v["imported"], 0);
    assert_eq!(v["already_present"], serde_json::json!([]));
    let v = env
        .run_stdin(&["import", "--dry-run", "--json", "-"], &exported)
        .ok()
        .json();
    assert_eq!(v["already_present"].as_array().unwrap().len(), 2);
    let file = other.path().join("keys.jsonl");
    std::fs::write(&file, &exported).unwrap();
    let text = other
        .run(&["import", "--dry-run", file.to_str().unwrap()])
        .ok()
        .stdout;
    assert!(text.starts_with("2 records and 0 pools checked"), "{text}");
}

#[test]
fn import_writes_records_without_secrets_all_or_nothing() {
    let env = Env::new();
    let (id, key) = env.issue(&[]);
    let exported = env.run(&["export"]).ok().stdout;
    let other = Env::new();
    other.issue(&[]);
    let r = other.run_stdin(&["import", "--json"], &exported).ok();
    let v: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!(v["imported"], 1, "{r:?}");
    assert_eq!(v["checked"], 1, "{r:?}");
    let shown = other.run(&["export"]).ok().stdout;
    assert_eq!(shown.lines().count(), 2, "{shown}");
    assert!(shown.contains(&id));
    // No secret travelled: the old key is unknown here until a rotation.
    assert_eq!(other.verify_code(&key), 11);
    let rotated = other.run(&["rotate", &id, "--json"]).ok().json();
    assert_eq!(other.verify_code(rotated["key"].as_str().unwrap()), 0);
    // Importing the same file again is refused by line, and changes nothing.
    import_is_refused(&other, &exported, "line 1:", "already in the store");
}

/// `import` of `input` exits 2 naming the line and why, and changes nothing.
fn import_is_refused(env: &Env, input: &str, line: &str, why: &str) {
    let before = env.snapshot();
    let r = env.run_stdin(&["import"], input).fails(2);
    assert!(r.stderr.contains(line) && r.stderr.contains(why), "{r:?}");
    assert_eq!(env.snapshot(), before);
}

#[test]
fn export_and_import_carry_owners_pools() {
    let env = Env::new();
    env.issue(&["--owner", "org", "--shared-credits"]);
    env.run(&["pool", "org", "--set", "7", "--refill", "7/1d"])
        .ok();
    let exported = env.run(&["export"]).ok().stdout;
    assert_eq!(exported.lines().count(), 2, "{exported}");
    let other = Env::new();
    other.issue(&[]);
    let v = other
        .run_stdin(&["import", "--dry-run", "--json"], &exported)
        .ok()
        .json();
    assert_eq!(
        (v["checked"].as_u64(), v["pools"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(other.run(&["pool", "--json", "org"]).ok().json()["pool"].is_null());
    let v = other
        .run_stdin(&["import", "--json"], &exported)
        .ok()
        .json();
    assert_eq!(
        (v["imported"].as_u64(), v["pools"].as_u64()),
        (Some(1), Some(1))
    );
    let p = other.run(&["pool", "--json", "org"]).ok().json();
    assert_eq!(p["pool"]["remaining"], 7);
    assert_eq!(p["pool"]["refill"]["every"], 86_400_000_i64);
    // A pool line for an owner that has a pool is refused by line, all or nothing.
    let third = Env::new();
    third.issue(&[]);
    third.run(&["pool", "org", "--set", "1"]).ok();
    import_is_refused(&third, &exported, "line 2:", "already has a pool");
}

#[test]
fn pool_shows_and_sets_an_owner_pool() {
    let env = Env::new();
    env.issue(&["--owner", "org", "--shared-credits"]);
    let v = env.run(&["pool", "--json", "org"]).ok().json();
    assert_eq!(v["owner"], "org");
    assert!(v["pool"].is_null());
    assert!(
        env.run(&["pool", "org"])
            .ok()
            .stdout
            .contains("no credit pool")
    );
    let v = env
        .run(&["pool", "--json", "org", "--set", "10", "--refill", "10/30d"])
        .ok()
        .json();
    assert_eq!(v["pool"]["remaining"], 10);
    assert_eq!(v["pool"]["refill"]["every"], 30 * 86_400_000_i64);
    let text = env.run(&["pool", "org"]).ok().stdout;
    assert!(
        text.contains("10 credits (refills to 10 every 30d)"),
        "{text}"
    );
}

#[test]
fn prefixes_come_from_the_first_issue_and_can_be_extended() {
    let env = Env::new();
    let (_, key) = env.issue(&["--prefix", "sk_live"]);
    assert!(key.starts_with("sk_live_"));
    let (_, key) = env.issue(&[]);
    assert!(key.starts_with("sk_live_"), "the default now");
    env.run(&["issue", "--name", "t", "--prefix", "sk_test"])
        .fails(2);
    let v = env
        .run(&["prefixes", "--json", "--accept", "sk_test"])
        .ok()
        .json();
    assert_eq!(v["default"], "sk_live");
    assert_eq!(v["accepted"], serde_json::json!(["sk_live", "sk_test"]));
    let (_, key) = env.issue(&["--prefix", "sk_test"]);
    assert!(key.starts_with("sk_test_"));
    assert_eq!(env.verify_code(&key), 0);
    let text = env.run(&["prefixes"]).ok().stdout;
    assert!(text.contains("default   sk_live"), "{text}");
    env.run(&["prefixes", "--default", "Bad"]).fails(2);
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
fn json_on_every_verb_is_parseable() {
    let env = Env::new();
    let (id, key) = env.issue(&["--owner", "o"]);
    let runs: Vec<Vec<&str>> = vec![
        vec!["verify", &key],
        vec!["show", &id],
        vec!["list"],
        vec!["update", &id, "--name", "n"],
        vec!["disable", &id],
        vec!["enable", &id],
        vec!["rotate", &id],
        vec!["audit"],
        vec!["pool", "o"],
        vec!["prefixes"],
        vec!["revoke", &id],
        vec!["purge"],
    ];
    for mut args in runs {
        args.push("--json");
        let r = env.run(&args).ok();
        assert!(r.json().is_object(), "{args:?}: {r:?}");
    }
}

#[test]
fn import_refuses_a_malformed_line_by_number_and_changes_nothing() {
    let env = Env::new();
    let (_, key) = env.issue(&[]);
    let exported = env.run(&["export"]).ok().stdout;
    let good = exported.lines().next().unwrap().to_owned();
    let other = Env::new();
    other.issue(&[]);
    let before = other.snapshot();
    let mut with_key: Value = serde_json::from_str(&good).unwrap();
    with_key["key"] = Value::String(key.clone());
    let mut bad_type: Value = serde_json::from_str(&good).unwrap();
    bad_type["uses"] = Value::String(key.clone());
    let mut bad_prefix: Value = serde_json::from_str(&good).unwrap();
    bad_prefix["prefix"] = Value::String("Nope".into());
    let cases: Vec<(String, &str)> = vec![
        (format!("{good}\n{{not json\n"), "line 2: not JSON"),
        (format!("\n\n{with_key}\n"), "line 3: unknown field \"key\""),
        (format!("{bad_type}\n"), "line 1: not a key record"),
        (format!("{bad_prefix}\n"), "line 1: prefix"),
        (format!("{good}\n{good}\n"), "line 2: id key_"),
        ("[1,2]\n".to_owned(), "line 1: not a key record"),
    ];
    for (input, expected) in cases {
        for args in [vec!["import"], vec!["import", "--dry-run"]] {
            let r = other.run_stdin(&args, &input).fails(2);
            assert!(r.stderr.contains(expected), "{expected}: {r:?}");
            assert!(r.stderr.contains("nothing was imported"), "{r:?}");
            assert!(!r.stderr.contains(&key[8..40]), "no secret echoed: {r:?}");
        }
    }
    assert_eq!(other.snapshot(), before);
}
