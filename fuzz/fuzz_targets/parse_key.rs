//! `keyrack::format::parse` on any string: never panics, and whatever it
//! accepts is exactly `<prefix>_<43 base62><6 base62 CRC32>` with a valid prefix.
#![no_main]

use keyrack::format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(key) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(p) = format::parse(key) else {
        return;
    };
    assert_eq!(format!("{}_{}{}", p.prefix(), p.body(), p.check()), key);
    assert!(format::validate_prefix(p.prefix()).is_ok());
    assert_eq!(p.body().len(), 43);
    assert!(p.body().bytes().all(|b| b.is_ascii_alphanumeric()));
    let signed = &key[..key.len() - p.check().len()];
    assert_eq!(
        format::encode_check(format::checksum(signed.as_bytes())),
        p.check()
    );
    assert!(p.hint().starts_with(p.prefix()));
});
