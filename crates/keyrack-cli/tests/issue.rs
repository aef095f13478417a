//! `issue` and `rotate`: the verbs that print a new key, once.

mod support;

use support::Env;

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
