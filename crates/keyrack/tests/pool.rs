//! Owners' credit pools.

mod common;

use common::Fixture;
use keyrack::{IssueOptions, Outcome};

#[test]
fn shared_pool_is_exact_across_keys_and_threads() {
    let f = Fixture::new();
    let store = f.open();
    store.set_pool("acme", 7, None).unwrap();
    let keys: Vec<String> = (0..4)
        .map(|i| {
            store
                .issue(
                    IssueOptions::new(format!("k{i}"))
                        .owner("acme")
                        .shared_credits(true),
                )
                .unwrap()
                .key
                .expose()
                .to_owned()
        })
        .collect();
    let handles: Vec<_> = keys
        .into_iter()
        .map(|k| {
            let store = store.clone();
            std::thread::spawn(move || {
                (0..5)
                    .filter(|_| store.verify(&k).unwrap().outcome == Outcome::Valid)
                    .count()
            })
        })
        .collect();
    let valid: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(valid, 7);
    assert_eq!(store.pool("acme").unwrap().unwrap().remaining, 0);
    store.close().unwrap();
    assert_eq!(f.open().pool("acme").unwrap().unwrap().remaining, 0);
}
