//! `update`, `enable`, `disable`, `revoke`, `credits` and `purge`.

mod support;

use support::Env;

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
    // `--expires-in` is resolved by the core inside the update: one day after
    // the update's own time, as its audit event records it.
    let updated = env
        .run(&["audit", "--json", "--kind", "updated"])
        .ok()
        .json();
    assert_eq!(
        v["expires_at"].as_i64().unwrap() - updated["events"][0]["at"].as_i64().unwrap(),
        86_400_000,
        "{updated}"
    );
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
fn credits_shows_and_adds_atomically() {
    let env = Env::new();
    let (id, key) = env.issue(&["--remaining", "2"]);
    let v = env.run(&["credits", "--json", &id]).ok().json();
    assert_eq!(v["id"], id.as_str());
    assert_eq!(v["remaining"], 2);
    assert!(v["added"].is_null() && v["refill"].is_null());
    assert_eq!(v["shared_credits"], false);
    assert_eq!(env.verify_code(&key), 0);
    let v = env
        .run(&["credits", "--json", &id, "--add", "10"])
        .ok()
        .json();
    assert_eq!(v["added"], 10);
    assert_eq!(v["remaining"], 11, "the verify's spend is kept");
    let text = env.run(&["credits", &id, "--add", "4"]).ok().stdout;
    assert_eq!(text.trim(), format!("{id} (\"test\"): added 4; credits 15"));
    assert_eq!(
        env.run(&["show", "--json", &id]).ok().json()["remaining"],
        15
    );
    let text = env.run(&["credits", &id]).ok().stdout;
    assert_eq!(text.trim(), format!("{id} (\"test\"): credits 15"));

    // Audited as credits_added, one event per top-up.
    let v = env
        .run(&["audit", "--json", "--kind", "credits_added"])
        .ok()
        .json();
    let events = v["events"].as_array().unwrap();
    assert_eq!(events.len(), 2, "{v}");
    assert_eq!(events[0]["id"], id.as_str());
    assert_eq!(events[0]["kind"], "credits_added");
    assert!(events[0]["detail"].as_str().unwrap().contains("10"), "{v}");
}

#[test]
fn credits_add_refuses_what_the_core_refuses() {
    let env = Env::new();
    let (metered, _) = env.issue(&["--remaining", "1"]);
    let (plain, _) = env.issue(&[]);
    let (shared, _) = env.issue(&["--owner", "org", "--shared-credits"]);
    let before = env.snapshot();
    let r = env.run(&["credits", &plain, "--add", "5"]).fails(2);
    assert!(
        r.stderr.contains("invalid id") && r.stderr.contains("not metered"),
        "{r:?}"
    );
    let r = env.run(&["credits", &shared, "--add", "5"]).fails(2);
    assert!(
        r.stderr.contains("invalid id") && r.stderr.contains("pool"),
        "{r:?}"
    );
    let r = env.run(&["credits", &metered, "--add", "0"]).fails(2);
    assert!(r.stderr.contains("invalid credits"), "{r:?}");
    let r = env
        .run(&["credits", &metered, "--add", &u64::MAX.to_string()])
        .fails(2);
    assert!(r.stderr.contains("overflow"), "{r:?}");
    env.run(&["credits", &metered, "--add", "-1"]).fails(2);
    env.run(&["credits", "key_0000000000000000000000", "--add", "1"])
        .fails(3);
    env.run(&["--read-only", "credits", &metered, "--add", "1"])
        .fails(7);
    assert_eq!(env.snapshot(), before, "nothing changed");
    // Shown (read-only too) as `show` words them.
    let text = env.run(&["--read-only", "credits", &plain]).ok().stdout;
    assert!(text.contains("credits unmetered"), "{text}");
    let text = env.run(&["credits", &shared]).ok().stdout;
    assert!(text.contains("credits from the owner's pool"), "{text}");
}
