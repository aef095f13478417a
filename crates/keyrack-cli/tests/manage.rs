//! `update`, `enable`, `disable`, `revoke` and `purge`.

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
