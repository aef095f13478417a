//! Which file a run uses, and every way it can refuse: missing, held,
//! read-only, damaged, wrong pepper, bad flags. Each refusal is one line on
//! stderr, a documented exit code, and no change. And the store's prefixes,
//! which change only through `prefixes --accept/--remove`.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use keyrack::{IssueOptions, Options, Store};
use support::{Env, run};

/// Set in a child process this test binary re-runs itself as.
const CHILD: &str = "KEYRACK_CLI_TEST_CHILD";

#[test]
fn the_default_file_is_keyrack_redb_in_the_working_directory() {
    let env = Env::new();
    run(env.bare().args(["list"])).fails(4);
    assert!(!env.exists("keyrack.redb"), "list creates nothing");
    let v = run(env.bare().args(["issue", "--json", "--name", "x"]))
        .ok()
        .json();
    assert!(env.exists("keyrack.redb"));
    let listed = run(env.bare().args(["list", "--json"])).ok().json();
    assert_eq!(listed["records"][0]["id"], v["id"]);
}

#[test]
fn keyrack_db_names_the_file_and_db_overrides_it() {
    let env = Env::new();
    let from_env = env.path().join("from-env.redb");
    run(env
        .bare()
        .env("KEYRACK_DB", &from_env)
        .args(["issue", "--name", "x"]))
    .ok();
    assert!(from_env.exists());
    assert!(!env.exists("keyrack.redb"));
    let n = |args: &[&str], var: bool| -> usize {
        let mut c = env.bare();
        if var {
            c.env("KEYRACK_DB", &from_env);
        }
        run(c.args(args)).ok().json()["records"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(n(&["list", "--json"], true), 1);
    let other = env.path().join("other.redb");
    run(env
        .bare()
        .env("KEYRACK_DB", &from_env)
        .arg("--db")
        .arg(&other)
        .args(["issue", "--name", "y"]))
    .ok();
    assert!(other.exists());
    assert_eq!(
        n(&["list", "--json"], true),
        1,
        "--db won, env file untouched"
    );
    let r = run(env.bare().env("KEYRACK_DB", &from_env).args([
        "list",
        "--db",
        other.to_str().unwrap(),
        "--json",
    ]))
    .ok();
    assert_eq!(r.json()["records"].as_array().unwrap().len(), 1);
}

#[test]
fn every_verb_but_issue_refuses_a_missing_file_and_creates_nothing() {
    let env = Env::new();
    let id = "key_0000000000000000000000";
    let runs: Vec<Vec<&str>> = vec![
        vec!["verify", "kr_x"],
        vec!["show", id],
        vec!["list"],
        vec!["update", id, "--name", "n"],
        vec!["enable", id],
        vec!["disable", id],
        vec!["revoke", id],
        vec!["rotate", id],
        vec!["purge"],
        vec!["audit"],
        vec!["export"],
        vec!["import", "--dry-run"],
        vec!["pool", "o"],
        vec!["prefixes"],
    ];
    for args in runs {
        let r = env.run_stdin(&args, "").fails(4);
        assert!(
            r.stderr.contains("no keyrack store at") && r.stderr.contains("keys.redb"),
            "{r:?}"
        );
        assert!(!env.db().exists(), "{args:?} created the file");
    }
    run(env.cmd().args(["--read-only", "issue", "--name", "x"])).fails(4);
    assert!(!env.db().exists());
}

#[test]
fn an_unknown_id_is_one_line_and_exit_3() {
    let env = Env::new();
    env.issue(&[]);
    let before = env.snapshot();
    let id = "key_0000000000000000000000";
    for verb in ["show", "revoke", "enable", "disable", "rotate"] {
        let r = env.run(&[verb, id]).fails(3);
        assert!(r.stderr.contains(id), "{r:?}");
    }
    env.run(&["update", id, "--name", "n"]).fails(3);
    env.run(&["show", "not-an-id"]).fails(3);
    assert_eq!(env.snapshot(), before);
}

#[test]
fn bad_flags_and_values_are_one_line_and_exit_2() {
    let env = Env::new();
    let (id, _) = env.issue(&[]);
    let before = env.snapshot();
    let runs: Vec<Vec<&str>> = vec![
        vec!["issue", "--name", "x", "--expires-in", "3x"],
        vec!["issue", "--name", "x", "--expires-in", "0"],
        vec!["issue", "--name", "x", "--expires-at", "yesterday"],
        vec![
            "issue",
            "--name",
            "x",
            "--expires-at",
            "2001-01-01T00:00:00Z",
        ],
        vec!["issue", "--name", "x", "--rate-limit", "100"],
        vec!["issue", "--name", "x", "--rate-limit", "0/1m"],
        vec!["issue", "--name", "x", "--refill", "5/1ms"],
        vec!["issue", "--name", "x", "--meta", "novalue"],
        vec!["issue", "--name", "x", "--scope", "has space"],
        vec!["issue", "--name", "x", "--shared-credits"],
        vec![
            "issue",
            "--name",
            "x",
            "--expires-in",
            "1d",
            "--expires-at",
            "2999-01-01",
        ],
        vec!["issue"],
        vec!["issue", "--name", "x", "--bogus"],
        vec!["nosuchverb"],
        vec!["list", "--status", "sleeping"],
        vec!["list", "--limit", "0"],
        vec!["list", "--cursor", "garbage"],
        vec!["list", "--unused-since", "soon"],
        vec!["audit", "--kind", "exploded"],
        vec!["audit", "--since", "whenever"],
        vec!["update", &id],
        vec!["update", &id, "--expires-at", "2001-01-01"],
        vec!["update", &id, "--owner", "a", "--clear-owner"],
        vec!["rotate", &id, "--grace", "forever"],
        vec!["purge", "--older-than", "-1d"],
        vec!["verify", "--cost", "-1", "kr_x"],
    ];
    for args in runs {
        let r = env.run(&args).fails(2);
        assert!(!r.stderr.contains("Usage:"), "{args:?}: {r:?}");
    }
    assert_eq!(env.snapshot(), before, "nothing changed");
}

#[test]
fn a_store_held_by_another_process_is_named_plainly() {
    let env = Env::new();
    let (id, key) = env.issue(&[]);
    let app = Store::open(env.db(), Options::default()).unwrap();
    let r = env.run(&["list"]).fails(5);
    assert!(r.stderr.contains("in use by another process"), "{r:?}");
    assert!(
        r.stderr.contains("--read-only"),
        "reading verbs get the hint: {r:?}"
    );
    env.run(&["verify", &key]).fails(5);
    let r = env.run(&["revoke", &id]).fails(5);
    assert!(
        !r.stderr.contains("--read-only"),
        "no read-only hint for a write: {r:?}"
    );
    env.run(&["--read-only", "list"]).fails(5);
    // The application still sees the key as valid: the refused revoke changed nothing.
    assert!(app.verify(&key).unwrap().is_valid());
    app.close().unwrap();
}

#[test]
fn read_only_reads_and_refuses_writes() {
    let env = Env::new();
    let (id, key) = env.issue(&[]);
    let before = env.snapshot();
    env.run(&["--read-only", "list"]).ok();
    env.run(&["--read-only", "show", &id]).ok();
    env.run(&["--read-only", "export"]).ok();
    env.run(&["--read-only", "verify", &key]).ok();
    for args in [
        vec!["revoke", &id],
        vec!["disable", &id],
        vec!["rotate", &id],
        vec!["update", &id, "--name", "n"],
        vec!["purge"],
        vec!["issue", "--name", "x"],
        vec!["prefixes", "--accept", "sk"],
        vec!["pool", "o", "--set", "1"],
    ] {
        let mut all = vec!["--read-only"];
        all.extend(args);
        env.run(&all).fails(7);
    }
    // Other readers may share the file with a read-only run.
    let reader = Store::open(env.db(), Options::default().read_only(true)).unwrap();
    env.run(&["--read-only", "list"]).ok();
    reader.close().unwrap();
    assert_eq!(env.snapshot(), before);
}

#[test]
fn a_damaged_file_is_refused_and_left_alone() {
    let env = Env::new();
    let garbage: Vec<u8> = (0..5000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(env.db(), &garbage).unwrap();
    for args in [
        vec!["list"],
        vec!["issue", "--name", "x"],
        vec!["verify", "kr_x"],
        vec!["export"],
    ] {
        let r = env.run(&args).fails(6);
        assert!(r.stderr.contains("damaged or not a keyrack store"), "{r:?}");
        assert_eq!(env.bytes(), garbage, "{args:?} changed the file");
    }
    std::fs::write(env.db(), b"").unwrap();
    env.run(&["list"]).fails(6);
    env.run(&["issue", "--name", "x"]).fails(6);
    assert_eq!(env.bytes(), b"");
}

#[test]
fn a_peppered_store_needs_its_pepper() {
    let env = Env::new();
    let pepper = "0f".repeat(32);
    let with = |args: &[&str], value: &str| run(env.cmd().env("KEYRACK_PEPPER", value).args(args));
    let v = with(&["issue", "--json", "--name", "p"], &pepper)
        .ok()
        .json();
    let key = v["key"].as_str().unwrap().to_owned();
    assert_eq!(with(&["verify", &key], &pepper).code, 0);
    let r = env.run(&["list"]).fails(8);
    assert!(r.stderr.contains("pepper"));
    with(&["list"], &"1f".repeat(32)).fails(8);
    let r = with(&["list"], "not-hex").fails(2);
    assert!(!r.stderr.contains("not-hex"), "the pepper is never echoed");
    let r = run(env
        .cmd()
        .env("MY_PEPPER", &pepper)
        .args(["--pepper-env", "MY_PEPPER", "list"]))
    .ok();
    assert!(r.stdout.contains(v["id"].as_str().unwrap()));
}

#[test]
fn an_empty_keyrack_db_means_the_default_file() {
    let env = Env::new();
    run(env
        .bare()
        .env("KEYRACK_DB", "")
        .args(["issue", "--name", "x"]))
    .ok();
    assert!(env.exists("keyrack.redb"));
    let help = run(env.bare().args(["--help"])).ok().stdout;
    assert!(help.contains("KEYRACK_DB"), "{help}");
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
fn prefixes_are_accepted_and_removed_on_purpose() {
    let env = Env::new();
    env.issue(&["--prefix", "sk_live"]);
    let v = env
        .run(&[
            "prefixes", "--json", "--accept", "sk_test", "--accept", "sk_old",
        ])
        .ok()
        .json();
    assert_eq!(v["default"], "sk_live");
    assert_eq!(
        v["accepted"],
        serde_json::json!(["sk_live", "sk_test", "sk_old"])
    );
    let (_, old_key) = env.issue(&["--prefix", "sk_old"]);
    assert_eq!(env.verify_code(&old_key), 0);
    let text = env.run(&["prefixes", "--remove", "sk_old"]).ok().stdout;
    assert_eq!(text, "default   sk_live\naccepted  sk_live, sk_test\n");
    assert_eq!(env.verify_code(&old_key), 10, "its keys are malformed now");
    // Accepting one already accepted changes nothing.
    let v = env
        .run(&["prefixes", "--json", "--accept", "sk_test"])
        .ok()
        .json();
    assert_eq!(v["accepted"], serde_json::json!(["sk_live", "sk_test"]));

    // Refusals change nothing, even when another argument was fine.
    let before = env.snapshot();
    for (args, says) in [
        (vec!["--remove", "sk_live"], "default prefix"),
        (vec!["--remove", "sk_nope"], "does not accept"),
        (
            vec!["--accept", "sk_new", "--remove", "sk_nope"],
            "does not accept",
        ),
        (vec!["--accept", "Bad"], "invalid prefix"),
        (vec!["--accept", "sk_x", "--remove", "sk_x"], "both"),
        (
            vec!["--default", "sk_test"],
            "fixed when the store was created",
        ),
    ] {
        let mut all = vec!["prefixes"];
        all.extend(&args);
        let r = env.run(&all).fails(2);
        assert!(r.stderr.contains(says), "{args:?}: {r:?}");
    }
    assert_eq!(env.snapshot(), before);
    env.run(&["prefixes", "--default", "sk_live"]).ok();

    // Every change is audited, with no key id.
    let v = env
        .run(&["audit", "--json", "--kind", "prefix_added"])
        .ok()
        .json();
    let added: Vec<&str> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["detail"].as_str().unwrap())
        .collect();
    assert_eq!(added, ["sk_test", "sk_old"]);
    let v = env
        .run(&["audit", "--json", "--kind", "prefix_removed"])
        .ok()
        .json();
    assert_eq!(v["events"][0]["detail"], "sk_old");
    assert_eq!(v["events"][0]["id"], "");
}

/// The child half of the crash test: open read-write, issue, say `ready`,
/// and wait to be killed.
fn crash_child() {
    let store = Store::open(std::env::var("STORE").unwrap(), Options::default()).unwrap();
    store.issue(IssueOptions::new("before the crash")).unwrap();
    println!("ready");
    std::io::stdout().flush().unwrap();
    std::thread::sleep(Duration::from_secs(60));
}

#[test]
fn a_read_only_run_after_a_writer_crash_says_how_to_recover() {
    if std::env::var_os(CHILD).is_some() {
        return crash_child();
    }
    let env = Env::new();
    env.issue(&[]);
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_read_only_run_after_a_writer_crash_says_how_to_recover",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .env("STORE", env.db())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    // The reader lives until the kill: a closed pipe would end the child early.
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.trim().ends_with("ready") {
        line.clear();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "the child ended early"
        );
    }
    child.kill().unwrap(); // SIGKILL: no close, no flush
    child.wait().unwrap();

    for args in [vec!["list"], vec!["export"], vec!["verify", "kr_x"]] {
        let mut all = vec!["--read-only"];
        all.extend(args);
        let r = env.run(&all).fails(9);
        assert!(r.stderr.contains("not closed cleanly"), "{r:?}");
        assert!(r.stderr.contains("read-write"), "{r:?}");
        assert!(r.stderr.contains("without --read-only"), "{r:?}");
    }
    // A read-write run recovers it, and nothing acknowledged is lost.
    let v = env.run(&["list", "--json"]).ok().json();
    assert_eq!(v["records"].as_array().unwrap().len(), 2, "{v}");
    let v = env.run(&["--read-only", "list", "--json"]).ok().json();
    assert_eq!(v["records"].as_array().unwrap().len(), 2, "{v}");
}
