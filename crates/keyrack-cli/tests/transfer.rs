//! `export` and `import`: JSON lines of records and pools, all or nothing,
//! every refusal named by its line.

mod support;

use serde_json::Value;
use support::Env;

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
        // The core's check names the repeated id's line and field.
        (format!("{good}\n{good}\n"), "line 2: id: \"key_"),
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

#[test]
fn import_dry_run_refuses_a_prefix_the_store_does_not_accept() {
    // The dry run is the core's: it makes every check the import makes,
    // including the store's prefixes, which a parse alone cannot know.
    let env = Env::new();
    env.issue(&["--prefix", "sk_live"]);
    let exported = env.run(&["export"]).ok().stdout;
    let other = Env::new();
    other.issue(&[]);
    let input = format!("\n{exported}");
    let before = other.snapshot();
    for args in [
        vec!["import", "--dry-run"],
        vec!["import", "--dry-run", "--json"],
        vec!["import"],
    ] {
        let r = other.run_stdin(&args, &input).fails(2);
        assert!(
            r.stderr
                .contains("line 2: prefix: \"sk_live\" is not one of the store's prefixes"),
            "{args:?}: {r:?}"
        );
        assert!(r.stderr.contains("nothing was imported"), "{r:?}");
        assert!(r.stdout.is_empty(), "{r:?}");
    }
    assert_eq!(other.snapshot(), before);
    // Once the store accepts the prefix, the same text checks clean and imports.
    other.run(&["prefixes", "--accept", "sk_live"]).ok();
    let v = other
        .run_stdin(&["import", "--dry-run", "--json"], &input)
        .ok()
        .json();
    assert_eq!(
        (v["checked"].as_u64(), v["imported"].as_u64()),
        (Some(1), Some(0))
    );
    let v = other.run_stdin(&["import", "--json"], &input).ok().json();
    assert_eq!(v["imported"], 1);
}
