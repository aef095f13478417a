//! `keyrack verify`: one exit code per outcome, 0 only for `valid`.

mod support;

use std::time::{Duration, UNIX_EPOCH};

use keyrack::{Clock, IssueOptions, Options, Store};
use support::Env;

#[test]
fn a_valid_key_exits_zero_from_an_argument_or_stdin() {
    let env = Env::new();
    let (id, key) = env.issue(&["--scope", "deploy"]);
    let r = env.run(&["verify", &key]).ok();
    assert!(r.stdout.starts_with("valid"), "{r:?}");
    assert!(r.stdout.contains(&id));
    assert!(!r.stdout.contains(&key), "the key is not echoed");

    let r = env.run_stdin(&["verify"], &format!("{key}\n")).ok();
    assert!(r.stdout.starts_with("valid"));
    env.run_stdin(&["verify", "-"], &key).ok();
}

#[test]
fn each_refusal_has_its_own_documented_code() {
    let env = Env::new();
    let (id, key) = env.issue(&["--scope", "read"]);
    // 401 class
    assert_eq!(env.verify_code("kr_garbage"), 10);
    assert_eq!(
        env.verify_code(&format!("{key}x")),
        10,
        "bad checksum is malformed"
    );
    let other = Env::new();
    let (_, foreign) = other.issue(&[]);
    assert_eq!(
        env.verify_code(&foreign),
        11,
        "well-formed but not in this store"
    );
    // 403 class
    assert_eq!(env.run(&["verify", "--scope", "write", &key]).code, 22);
    env.run(&["disable", &id]).ok();
    assert_eq!(env.verify_code(&key), 21);
    env.run(&["enable", &id]).ok();
    assert_eq!(env.verify_code(&key), 0);
    env.run(&["revoke", &id]).ok();
    let r = env.run(&["verify", &key]);
    assert_eq!(r.code, 20);
    assert!(r.stdout.starts_with("revoked"), "{r:?}");
}

#[test]
fn an_expired_key_exits_12() {
    let env = Env::new();
    // Issue on a clock in 2001 so the key expired long ago, without waiting.
    let clock = Clock::manual(UNIX_EPOCH + Duration::from_secs(1_000_000_000));
    let store = Store::open(env.db(), Options::default().clock(clock)).unwrap();
    let issued = store
        .issue(IssueOptions::new("old").expires_in(Duration::from_secs(60)))
        .unwrap();
    let key = issued.key.expose().to_owned();
    store.close().unwrap();
    let r = env.run(&["verify", &key]);
    assert_eq!(r.code, 12, "{r:?}");
    assert!(r.stdout.starts_with("expired"));
    let listed = env
        .run(&["list", "--status", "expired", "--json"])
        .ok()
        .json();
    assert_eq!(listed["records"][0]["id"], issued.id.as_str());
}

#[test]
fn credits_are_spent_across_runs_and_exhaustion_exits_31() {
    let env = Env::new();
    let (_, key) = env.issue(&["--remaining", "2"]);
    let v = env.run(&["verify", "--json", &key]).ok().json();
    assert_eq!(v["remaining"], 1);
    assert_eq!(
        env.run(&["verify", "--cost", "0", &key]).code,
        0,
        "cost 0 only checks"
    );
    assert_eq!(env.verify_code(&key), 0);
    let r = env.run(&["verify", "--json", &key]);
    assert_eq!(r.code, 31, "{r:?}");
    assert_eq!(r.json()["outcome"], "usage_exceeded");
    assert_eq!(r.json()["http_status"], 429);
}

#[test]
fn verify_json_has_a_stable_shape() {
    let env = Env::new();
    let (id, key) = env.issue(&["--owner", "org_1"]);
    let v = env.run(&["verify", "--json", &key]).ok().json();
    assert_eq!(v["outcome"], "valid");
    assert_eq!(v["valid"], true);
    assert_eq!(v["http_status"], 200);
    assert_eq!(v["message"], "OK");
    assert_eq!(v["id"], id.as_str());
    assert_eq!(v["record"]["owner"], "org_1");
    assert!(v["retry_after_ms"].is_null());
    assert!(
        !v.to_string().contains(&key[3..]),
        "no secret in the answer"
    );

    let r = env.run(&["verify", "--json", "nope"]);
    assert_eq!(r.code, 10);
    let v = r.json();
    assert_eq!(v["outcome"], "malformed");
    assert_eq!(v["valid"], false);
    assert_eq!(v["http_status"], 401);
    assert!(v["record"].is_null() && v["id"].is_null());
}

#[test]
fn usage_is_counted_and_shown() {
    let env = Env::new();
    let (id, key) = env.issue(&[]);
    env.run(&["verify", &key]).ok();
    env.run(&["verify", &key]).ok();
    let r = env.run(&["show", "--json", &id]).ok().json();
    assert_eq!(r["uses"], 2);
    assert!(r["last_used_at"].is_i64());
}

#[test]
fn an_empty_stdin_is_a_usage_error() {
    let env = Env::new();
    env.issue(&[]);
    env.run_stdin(&["verify"], "\n").fails(2);
}

#[test]
fn codes_are_listed_in_help() {
    let env = Env::new();
    let help = env.run(&["verify", "--help"]).ok().stdout;
    for code in [
        "10 malformed",
        "11 not_found",
        "12 expired",
        "20 revoked",
        "21 disabled",
    ] {
        assert!(help.contains(code), "{code} in {help}");
    }
    assert!(help.contains("22 insufficient_scope") && help.contains("31 usage_exceeded"));
}

#[test]
fn a_read_only_verify_never_spends_and_check_works_read_only() {
    let env = Env::new();
    let (metered, metered_key) = env.issue(&["--remaining", "3"]);
    let (_, limited_key) = env.issue(&["--rate-limit", "1/1m"]);
    let (_, plain_key) = env.issue(&[]);
    // Another reader shares the file, as a second read-only handle would.
    let reader = Store::open(env.db(), Options::default().read_only(true)).unwrap();
    for key in [&metered_key, &limited_key] {
        for _ in 0..2 {
            let r = env.run(&["--read-only", "verify", key]).fails(7);
            assert!(r.stderr.contains("--check"), "{r:?}");
            assert!(r.stderr.contains("--read-only"), "{r:?}");
            assert!(!r.stderr.contains(&key[3..]), "no secret: {r:?}");
            let v = env
                .run(&["--read-only", "verify", "--json", "--check", key])
                .ok()
                .json();
            assert_eq!(v["outcome"], "valid");
            env.run(&["--read-only", "verify", "--cost", "0", key]).ok();
        }
    }
    env.run(&["--read-only", "verify", &plain_key]).ok();
    reader.close().unwrap();
    // A read-write run still sees every credit and a whole rate window.
    let v = env.run(&["credits", "--json", &metered]).ok().json();
    assert_eq!(v["remaining"], 3);
    assert_eq!(env.verify_code(&limited_key), 0);
    assert_eq!(env.verify_code(&limited_key), 0, "a new run, a new window");
    // --check spends nothing read-write either.
    env.run(&["verify", "--check", &metered_key]).ok();
    assert_eq!(
        env.run(&["credits", "--json", &metered]).ok().json()["remaining"],
        3
    );
    env.run(&["verify", "--check", "--cost", "2", &metered_key])
        .fails(2);
    let help = env.run(&["verify", "--help"]).ok().stdout;
    assert!(help.contains("--check"), "{help}");
}
