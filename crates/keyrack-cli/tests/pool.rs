//! `pool`: an owner's shared credit pool.

mod support;

use support::Env;

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
fn pool_add_tops_up_and_set_keeps_the_refill() {
    let env = Env::new();
    env.issue(&["--owner", "org", "--shared-credits"]);
    env.run(&["pool", "org", "--set", "10", "--refill", "10/30d"])
        .ok();
    let v = env
        .run(&["pool", "--json", "org", "--add", "5"])
        .ok()
        .json();
    assert_eq!(v["owner"], "org");
    assert_eq!(v["pool"]["remaining"], 15);
    assert_eq!(v["pool"]["refill"]["amount"], 10, "--add keeps the refill");
    let text = env.run(&["pool", "org", "--add", "1"]).ok().stdout;
    assert!(
        text.contains("\"org\": added 1; 16 credits (refills to 10 every 30d)"),
        "{text}"
    );
    // --set without --refill now keeps the pool's refill (the core's set_pool).
    let v = env
        .run(&["pool", "--json", "org", "--set", "3"])
        .ok()
        .json();
    assert_eq!(v["pool"]["remaining"], 3);
    assert_eq!(v["pool"]["refill"]["amount"], 10);
    assert_eq!(v["pool"]["refill"]["every"], 30 * 86_400_000_i64);
    let v = env
        .run(&["pool", "--json", "org", "--set", "4", "--refill", "50/1d"])
        .ok()
        .json();
    assert_eq!(v["pool"]["refill"]["amount"], 50, "--refill replaces it");

    // Both kinds of change are audited, with no key id.
    for (kind, n) in [("pool_set", 3), ("pool_credits_added", 2)] {
        let v = env.run(&["audit", "--json", "--kind", kind]).ok().json();
        let events = v["events"].as_array().unwrap();
        assert_eq!(events.len(), n, "{kind}: {v}");
        assert!(events.iter().all(|e| e["id"] == ""), "{kind}: {v}");
        assert!(events[0]["detail"].as_str().unwrap().contains("org"), "{v}");
    }
    let table = env
        .run(&["audit", "--kind", "pool_credits_added"])
        .ok()
        .stdout;
    assert!(table.contains("pool_credits_added  -  "), "{table}");
}

#[test]
fn pool_add_refuses_what_the_core_refuses() {
    let env = Env::new();
    env.issue(&["--owner", "org", "--shared-credits"]);
    let before = env.snapshot();
    let r = env.run(&["pool", "nobody", "--add", "5"]).fails(2);
    assert!(r.stderr.contains("invalid owner"), "{r:?}");
    assert!(r.stderr.contains("no credit pool"), "{r:?}");
    env.run(&["pool", "org", "--set", "1"]).ok();
    let before_add = env.snapshot();
    let r = env.run(&["pool", "org", "--add", "0"]).fails(2);
    assert!(r.stderr.contains("invalid credits"), "{r:?}");
    let r = env
        .run(&["pool", "org", "--add", &u64::MAX.to_string()])
        .fails(2);
    assert!(r.stderr.contains("overflow"), "{r:?}");
    env.run(&["pool", "org", "--add", "1", "--set", "2"])
        .fails(2);
    env.run(&["pool", "org", "--add", "x"]).fails(2);
    env.run(&["--read-only", "pool", "org", "--add", "1"])
        .fails(7);
    assert_eq!(env.snapshot(), before_add, "nothing changed");
    assert_ne!(before, before_add);
}
