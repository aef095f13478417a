//! Property tests: the format round-trips, and verify never panics on any input.

mod common;

use common::Fixture;
use keyrack::format;
use keyrack::{IssueOptions, Outcome};
use proptest::prelude::*;

fn prefix_strategy() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9]{0,5}(_[a-z0-9]{1,4}){0,3}".prop_filter("at most 20 chars", |p| p.len() <= 20)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn compose_then_parse_round_trips(prefix in prefix_strategy(), body in any::<[u8; 32]>()) {
        let key = format::compose(&prefix, &body).unwrap();
        let parsed = format::parse(key.expose()).unwrap();
        prop_assert_eq!(parsed.prefix(), prefix.as_str());
        prop_assert_eq!(parsed.body().len(), format::BODY_LEN);
        prop_assert_eq!(parsed.check().len(), format::CHECK_LEN);
        prop_assert_eq!(format::encode_body(&body), parsed.body());
    }

    #[test]
    fn any_single_character_change_is_caught(
        prefix in prefix_strategy(),
        body in any::<[u8; 32]>(),
        at in any::<prop::sample::Index>(),
        with in "[0-9A-Za-z_]",
    ) {
        let key = format::compose(&prefix, &body).unwrap();
        let text = key.expose();
        let i = at.index(text.len());
        prop_assume!(text.as_bytes()[i] != with.as_bytes()[0]);
        let mut changed = text.as_bytes().to_vec();
        changed[i] = with.as_bytes()[0];
        let changed = String::from_utf8(changed).unwrap();
        // CRC32 catches every single-character substitution.
        prop_assert!(format::parse(&changed).is_err(), "{} accepted", changed);
    }

    #[test]
    fn parse_never_panics(input in any::<Vec<u8>>()) {
        let s = String::from_utf8_lossy(&input);
        let _ = format::parse(&s);
    }

    #[test]
    fn well_formed_matches_regex_shape(prefix in prefix_strategy(), body in any::<[u8; 32]>()) {
        let key = format::compose(&prefix, &body).unwrap();
        let k = key.expose();
        // The regex's shape, checked by hand (no regex crate needed).
        let (head, tail) = k.split_at(k.len() - 49);
        prop_assert!(tail.bytes().all(|c| c.is_ascii_alphanumeric()));
        prop_assert!(head.ends_with('_'));
        prop_assert!(format::validate_prefix(&head[..head.len() - 1]).is_ok());
    }
}

#[test]
fn verify_on_arbitrary_input_never_panics_and_is_malformed() {
    let f = Fixture::new();
    let store = f.open();
    let issued = store.issue(IssueOptions::new("a")).unwrap();
    let key = issued.key.expose().to_owned();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(2000));
    runner
        .run(&any::<Vec<u8>>(), |bytes| {
            let s = String::from_utf8_lossy(&bytes);
            let v = store.verify(&s).unwrap();
            if format::parse(&s).is_err() {
                prop_assert_eq!(v.outcome, Outcome::Malformed);
            } else {
                prop_assert!(matches!(
                    v.outcome,
                    Outcome::NotFound | Outcome::Valid | Outcome::Malformed
                ));
            }
            Ok(())
        })
        .unwrap();
    // Mutations of a real key: never valid unless unchanged.
    runner
        .run(&(0..key.len(), any::<u8>()), |(i, b)| {
            let mut bytes = key.as_bytes().to_vec();
            prop_assume!(bytes[i] != b);
            bytes[i] = b;
            let s = String::from_utf8_lossy(&bytes);
            let v = store.verify(&s).unwrap();
            prop_assert_ne!(v.outcome, Outcome::Valid);
            Ok(())
        })
        .unwrap();
    assert!(store.verify(&key).unwrap().is_valid());
}
