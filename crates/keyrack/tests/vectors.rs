//! The shared vectors in `tests/vectors/`: format.json is generated here (and
//! this test fails when the checked-in copy is stale); verify.json is replayed.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, UNIX_EPOCH};

use keyrack::format::{self, FormatError};
use keyrack::{
    Clock, IssueOptions, Options, Outcome, RateLimit, Refill, Store, UpdateOptions, VerifyOptions,
};
use serde_json::{Value, json};

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors")
}

fn body_for(i: u32) -> [u8; 32] {
    *blake3::hash(format!("keyrack format vector {i}").as_bytes()).as_bytes()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn build_format_vectors() -> Value {
    let prefixes = [
        "kr",
        "sk_live",
        "sk_test",
        "a",
        "abcdefghij0123456789",
        "pk_2026_x",
    ];
    let mut valid = Vec::new();
    for (i, p) in prefixes.iter().enumerate() {
        let body = body_for(i as u32);
        let key = format::compose(p, &body).unwrap();
        let parsed = format::parse(key.expose()).unwrap();
        valid.push(json!({
            "key": key.expose(),
            "prefix": parsed.prefix(),
            "body": parsed.body(),
            "check": parsed.check(),
            "hint": parsed.hint(),
            "body_hex": hex(&body),
        }));
    }
    // Edge bodies: all zero and all ones.
    for (j, body) in [[0u8; 32], [0xffu8; 32]].iter().enumerate() {
        let key = format::compose("kr", body).unwrap();
        let parsed = format::parse(key.expose()).unwrap();
        valid.push(json!({
            "key": key.expose(), "prefix": "kr", "body": parsed.body(),
            "check": parsed.check(), "hint": parsed.hint(), "body_hex": hex(body),
            "note": if j == 0 { "zero body" } else { "2^256-1 body" },
        }));
    }
    let good = format::compose("sk_live", &body_for(100)).unwrap();
    let g = good.expose().to_owned();
    let n = g.len();
    let flip = |s: &str, at: usize| {
        let mut b = s.as_bytes().to_vec();
        b[at] = if b[at] == b'A' { b'B' } else { b'A' };
        String::from_utf8(b).unwrap()
    };
    let long_prefix_key = {
        // 21-char prefix with a correct checksum: only the prefix rule fails.
        let body = &g[n - 49..n - 6];
        let head = format!("abcdefghijklmnopqrstu_{body}");
        let check = format::encode_check(format::checksum(head.as_bytes()));
        format!("{head}{check}")
    };
    let with_check = |head: String| {
        let check = format::encode_check(format::checksum(head.as_bytes()));
        format!("{head}{check}")
    };
    let invalid: Vec<(String, FormatError, &str)> = vec![
        (String::new(), FormatError::Empty, "empty"),
        ("kr_abc".into(), FormatError::TooShort, "short"),
        (
            format!("{g}{}", "a".repeat(257 - n)),
            FormatError::TooLong,
            "257 bytes",
        ),
        (
            flip(&g, n - 1),
            FormatError::BadChecksum,
            "last check char changed",
        ),
        (
            flip(&g, n - 20),
            FormatError::BadChecksum,
            "a body char changed",
        ),
        (
            g.replacen("sk_live", "sk_livf", 1),
            FormatError::BadChecksum,
            "prefix changed",
        ),
        (
            format!("{}-{}", &g[..n - 30], &g[n - 29..]),
            FormatError::BadCharacter,
            "dash in body",
        ),
        (
            format!("{}é{}", &g[..n - 31], &g[n - 29..]),
            FormatError::BadCharacter,
            "non-ASCII in body",
        ),
        (
            g.replacen("sk_live", "SK_live", 1),
            FormatError::BadPrefix,
            "uppercase prefix",
        ),
        (
            with_check(format!("sk__live_{}", &g[n - 49..n - 6])),
            FormatError::BadPrefix,
            "double underscore",
        ),
        (
            with_check(format!("9sk_{}", &g[n - 49..n - 6])),
            FormatError::BadPrefix,
            "prefix starts with a digit",
        ),
        (
            with_check(format!("_sk_{}", &g[n - 49..n - 6])),
            FormatError::BadPrefix,
            "prefix starts with underscore",
        ),
        (long_prefix_key, FormatError::BadPrefix, "21-char prefix"),
        (
            format!("sk{}", &g[n - 49..]),
            FormatError::BadPrefix,
            "no separator",
        ),
        (format!(" {g}"), FormatError::BadCharacter, "leading space"),
        (
            format!("{g}\n"),
            FormatError::BadCharacter,
            "trailing newline",
        ),
    ];
    let invalid: Vec<Value> = invalid
        .into_iter()
        .map(|(key, why, note)| {
            assert_eq!(format::parse(&key).err(), Some(why), "{note}: {key:?}");
            json!({"key": key, "reason": why.as_str(), "note": note})
        })
        .collect();
    json!({
        "regex": format::REGEX,
        "valid": valid,
        "invalid": invalid,
        "prefixes": {
            "valid": ["kr", "a", "sk_live", "a1_b2_c3", "abcdefghij0123456789"],
            "invalid": ["", "Kr", "1kr", "_kr", "kr_", "k__r", "kr-x", "abcdefghij0123456789x", "kr live", "ké"],
        },
    })
}

#[test]
fn format_vectors_are_fresh() {
    let path = vectors_dir().join("format.json");
    let fresh = serde_json::to_string_pretty(&build_format_vectors()).unwrap() + "\n";
    if std::env::var_os("KEYRACK_BLESS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == fresh,
        "tests/vectors/format.json is stale: run KEYRACK_BLESS=1 cargo test -p keyrack --test vectors"
    );
}

#[test]
fn format_vectors_replay() {
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(vectors_dir().join("format.json")).unwrap())
            .unwrap();
    for case in v["valid"].as_array().unwrap() {
        let key = case["key"].as_str().unwrap();
        let p = format::parse(key).unwrap();
        assert_eq!(p.prefix(), case["prefix"].as_str().unwrap());
        assert_eq!(p.body(), case["body"].as_str().unwrap());
        assert_eq!(p.check(), case["check"].as_str().unwrap());
        assert_eq!(p.hint(), case["hint"].as_str().unwrap());
        let hex_body = case["body_hex"].as_str().unwrap();
        let bytes: Vec<u8> = (0..32)
            .map(|i| u8::from_str_radix(&hex_body[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        let composed = format::compose(p.prefix(), &bytes.try_into().unwrap()).unwrap();
        assert_eq!(composed.expose(), key);
    }
    for case in v["invalid"].as_array().unwrap() {
        let key = case["key"].as_str().unwrap();
        let err = format::parse(key).unwrap_err();
        assert_eq!(err.as_str(), case["reason"].as_str().unwrap(), "{key:?}");
    }
    for p in v["prefixes"]["valid"].as_array().unwrap() {
        assert!(format::validate_prefix(p.as_str().unwrap()).is_ok(), "{p}");
    }
    for p in v["prefixes"]["invalid"].as_array().unwrap() {
        assert!(format::validate_prefix(p.as_str().unwrap()).is_err(), "{p}");
    }
}

// ---- verify.json ------------------------------------------------------------

struct Handle {
    key: String,
    id: String,
}

fn ms(v: &Value) -> Duration {
    Duration::from_millis(v.as_u64().expect("milliseconds"))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

fn refill(v: &Value) -> Option<Refill> {
    v.as_object()
        .map(|_| Refill::new(v["amount"].as_u64().unwrap(), ms(&v["every_ms"])))
}

fn rate(v: &Value) -> Option<RateLimit> {
    v.as_object()
        .map(|_| RateLimit::new(v["limit"].as_u64().unwrap(), ms(&v["window_ms"])))
}

fn check_error<T: std::fmt::Debug>(r: keyrack::Result<T>, step: &Value, ctx: &str) -> Option<T> {
    match step.get("expect_error").and_then(Value::as_str) {
        Some(kind) => {
            let e = r.expect_err(ctx);
            assert_eq!(e.kind().as_str(), kind, "{ctx}: {e}");
            None
        }
        None => Some(r.expect(ctx)),
    }
}

fn run_scenario(sc: &Value, start_ms: u64) {
    let name = sc["name"].as_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(UNIX_EPOCH + Duration::from_millis(start_ms));
    let mut opts = Options::default().clock(clock.clone());
    if let Some(p) = sc["open"]["prefix"].as_str() {
        opts = opts.prefix(p);
    }
    if sc["open"]["prefixes"].is_array() {
        opts = opts.prefixes(strings(&sc["open"]["prefixes"]));
    }
    let store = Store::open(dir.path().join("v.redb"), opts).unwrap();
    let mut handles: HashMap<String, Handle> = HashMap::new();
    for (i, step) in sc["steps"].as_array().unwrap().iter().enumerate() {
        let ctx = format!("{name} step {i} {step}");
        let handle = |h: &HashMap<String, Handle>| -> (String, String) {
            let k = &h[step["key"].as_str().expect("key handle")];
            (k.key.clone(), k.id.clone())
        };
        match step["op"].as_str().unwrap() {
            "issue" => {
                let mut o = IssueOptions::new(step["name"].as_str().unwrap_or("v"));
                if let Some(x) = step["owner"].as_str() {
                    o = o.owner(x);
                }
                o = o.scopes(strings(&step["scopes"]));
                if let Some(m) = step["meta"].as_object() {
                    for (k, v) in m {
                        o = o.meta(k, v.as_str().unwrap());
                    }
                }
                if let Some(x) = step["prefix"].as_str() {
                    o = o.prefix(x);
                }
                if !step["expires_in_ms"].is_null() {
                    o = o.expires_in(ms(&step["expires_in_ms"]));
                }
                if let Some(x) = step["remaining"].as_u64() {
                    o = o.remaining(x);
                }
                if let Some(r) = refill(&step["refill"]) {
                    o = o.refill(r);
                }
                if let Some(r) = rate(&step["rate_limit"]) {
                    o = o.rate_limit(r);
                }
                if step["shared_credits"].as_bool() == Some(true) {
                    o = o.shared_credits(true);
                }
                if let Some(issued) = check_error(store.issue(o), step, &ctx) {
                    handles.insert(
                        step["as"].as_str().unwrap().to_owned(),
                        Handle {
                            key: issued.key.expose().to_owned(),
                            id: issued.id.clone(),
                        },
                    );
                }
            }
            "verify" => {
                let key = match step["literal"].as_str() {
                    Some(l) => l.to_owned(),
                    None => handle(&handles).0,
                };
                let mut vo = VerifyOptions::default().scopes(strings(&step["scopes"]));
                if let Some(c) = step["cost"].as_u64() {
                    vo = vo.cost(c);
                }
                let v = store.verify_with(&key, &vo).expect(&ctx);
                let expect: Outcome = step["expect"].as_str().unwrap().parse().unwrap();
                assert_eq!(v.outcome, expect, "{ctx}");
                if let Some(r) = step.get("expect_remaining") {
                    assert_eq!(v.remaining, r.as_u64(), "{ctx}");
                }
                if let Some(r) = step.get("expect_retry_after_ms") {
                    assert_eq!(v.retry_after, Some(ms(r)), "{ctx}");
                }
                let found = !matches!(expect, Outcome::Malformed | Outcome::NotFound);
                assert_eq!(v.record.is_some(), found, "{ctx}: record presence");
            }
            "revoke" => {
                check_error(store.revoke(&handle(&handles).1), step, &ctx);
            }
            "enable" => {
                check_error(store.enable(&handle(&handles).1), step, &ctx);
            }
            "disable" => {
                check_error(store.disable(&handle(&handles).1), step, &ctx);
            }
            "rotate" => {
                let id = handle(&handles).1;
                if let Some(issued) =
                    check_error(store.rotate(&id, ms(&step["grace_ms"])), step, &ctx)
                {
                    assert_eq!(issued.id, id, "{ctx}");
                    handles.insert(
                        step["as"].as_str().unwrap().to_owned(),
                        Handle {
                            key: issued.key.expose().to_owned(),
                            id,
                        },
                    );
                }
            }
            "update" => {
                let mut u = UpdateOptions::default();
                if let Some(n) = step["name"].as_str() {
                    u = u.name(n);
                }
                if step["scopes"].is_array() {
                    u = u.scopes(strings(&step["scopes"]));
                }
                if !step["expires_in_ms"].is_null() {
                    u = u.expires_at(Some(clock.now() + ms(&step["expires_in_ms"])));
                }
                if step["clear_expiry"].as_bool() == Some(true) {
                    u = u.expires_at(None);
                }
                if !step["remaining"].is_null() {
                    u = u.remaining(step["remaining"].as_u64());
                }
                if !step["rate_limit"].is_null() {
                    u = u.rate_limit(rate(&step["rate_limit"]));
                }
                check_error(store.update(&handle(&handles).1, u), step, &ctx);
            }
            "set_pool" => {
                store
                    .set_pool(
                        step["owner"].as_str().unwrap(),
                        step["remaining"].as_u64().unwrap(),
                        refill(&step["refill"]),
                    )
                    .expect(&ctx);
            }
            "advance" => clock.advance(ms(&step["ms"])),
            "purge" => {
                let n = store.purge(ms(&step["older_than_ms"])).expect(&ctx);
                assert_eq!(n, step["expect_purged"].as_u64().unwrap(), "{ctx}");
            }
            "get" => {
                let r = store.get(&handle(&handles).1);
                let Some(r) = check_error(r, step, &ctx) else {
                    continue;
                };
                if let Some(x) = step.get("expect_uses") {
                    assert_eq!(Some(r.uses), x.as_u64(), "{ctx}");
                }
                if let Some(x) = step.get("expect_remaining") {
                    assert_eq!(r.remaining, x.as_u64(), "{ctx}");
                }
                if let Some(x) = step.get("expect_enabled") {
                    assert_eq!(Some(r.enabled), x.as_bool(), "{ctx}");
                }
                if let Some(x) = step.get("expect_revoked") {
                    assert_eq!(Some(r.revoked_at.is_some()), x.as_bool(), "{ctx}");
                }
                if let Some(d) = step.get("expect_denied").and_then(Value::as_object) {
                    for (outcome, n) in d {
                        let o: Outcome = outcome.parse().unwrap();
                        assert_eq!(Some(r.denied.get(o)), n.as_u64(), "{ctx}: denied {outcome}");
                    }
                }
            }
            "get_unknown" => {
                let e = store.get(step["id"].as_str().unwrap()).expect_err(&ctx);
                assert_eq!(
                    e.kind().as_str(),
                    step["expect_error"].as_str().unwrap(),
                    "{ctx}"
                );
            }
            other => panic!("{ctx}: unknown op {other}"),
        }
    }
    store.close().unwrap();
}

#[test]
fn verify_vectors_replay() {
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(vectors_dir().join("verify.json")).unwrap())
            .unwrap();
    let start = v["start_ms"].as_u64().unwrap();
    let scenarios = v["scenarios"].as_array().unwrap();
    assert!(
        scenarios.len() >= 20,
        "verify.json should cover every outcome"
    );
    let mut seen = std::collections::BTreeSet::new();
    for sc in scenarios {
        for step in sc["steps"].as_array().unwrap() {
            if let Some(e) = step["expect"].as_str() {
                seen.insert(e.to_owned());
            }
        }
        run_scenario(sc, start);
    }
    for o in Outcome::ALL.iter().filter(|o| **o != Outcome::Missing) {
        assert!(seen.contains(o.as_str()), "no vector expects {o}");
    }
}
