//! `Store::verify` on arbitrary input, and `extract_key` on arbitrary
//! headers: never an error or a panic for a bad key, and nothing but the
//! issued keys ever verifies.
#![no_main]

use std::sync::OnceLock;

use keyrack::{Extracted, IssueOptions, Options, Outcome, Store, extract_key};
use libfuzzer_sys::fuzz_target;

struct Fixture {
    store: Store,
    keys: Vec<String>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let store = Store::open_on_storage(
            redb::backends::InMemoryBackend::new(),
            "fuzz",
            Options::default().prefixes(["sk_live", "a"]),
        )
        .expect("in-memory store");
        let mut keys = Vec::new();
        for prefix in ["kr", "sk_live"] {
            let i = store
                .issue(IssueOptions::new("fuzz").prefix(prefix))
                .expect("issue");
            keys.push(i.key.expose().to_owned());
        }
        let revoked = store.issue(IssueOptions::new("revoked")).expect("issue");
        store.revoke(&revoked.id).expect("revoke");
        Fixture { store, keys }
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let text = String::from_utf8_lossy(data);
    let v = f
        .store
        .verify(&text)
        .expect("verify never fails on a bad key");
    let issued = f.keys.iter().any(|k| *k == text);
    assert_eq!(v.outcome == Outcome::Valid, issued, "{:?}", v.outcome);
    if !issued {
        assert!(
            matches!(v.outcome, Outcome::Malformed | Outcome::NotFound),
            "{:?}",
            v.outcome
        );
    }
    // The same bytes as request headers: `name: value` lines.
    let headers: Vec<(&str, &str)> = text.lines().filter_map(|l| l.split_once(':')).collect();
    if let Extracted::Key(k) = extract_key(headers.iter().map(|(n, v)| (*n, *v))) {
        assert!(text.contains(k));
        let v = f.store.verify(k).expect("verify");
        assert_eq!(v.outcome == Outcome::Valid, f.keys.iter().any(|x| x == k));
    }
});
