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
