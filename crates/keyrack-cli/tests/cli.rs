//! The command line as a whole: help on every verb, JSON on every verb.

mod support;

use support::Env;

const VERBS: [&str; 16] = [
    "issue", "verify", "show", "list", "update", "enable", "disable", "revoke", "rotate", "purge",
    "audit", "export", "import", "credits", "pool", "prefixes",
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
fn json_on_every_verb_is_parseable() {
    let env = Env::new();
    let (id, key) = env.issue(&["--owner", "o"]);
    let (metered, _) = env.issue(&["--remaining", "5"]);
    let runs: Vec<Vec<&str>> = vec![
        vec!["verify", &key],
        vec!["show", &id],
        vec!["list"],
        vec!["update", &id, "--name", "n"],
        vec!["disable", &id],
        vec!["enable", &id],
        vec!["rotate", &id],
        vec!["audit"],
        vec!["credits", &metered],
        vec!["credits", &metered, "--add", "1"],
        vec!["pool", "o"],
        vec!["pool", "o", "--set", "1"],
        vec!["pool", "o", "--add", "1"],
        vec!["prefixes"],
        vec!["prefixes", "--accept", "sk"],
        vec!["prefixes", "--remove", "sk"],
        vec!["revoke", &id],
        vec!["purge"],
    ];
    for mut args in runs {
        args.push("--json");
        let r = env.run(&args).ok();
        assert!(r.json().is_object(), "{args:?}: {r:?}");
    }
}
