//! `keyrack::decode_record` on arbitrary bytes: a record, `Corrupted` or
//! `IncompatibleVersion`,
//! never a panic (the store decodes every record it reads with it).
#![no_main]

use keyrack::{ErrorKind, decode_record};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Records are stored under their id; the id itself is not in the bytes.
    match decode_record("key_0123456789abcdefghijAB", data) {
        Ok(r) => {
            // Whatever decodes is a record the rest of the engine can show.
            let _ = serde_json::to_string(&r).expect("records serialize");
            let _ = r.status_at(std::time::SystemTime::UNIX_EPOCH);
        }
        // A record version from a newer build is `IncompatibleVersion`.
        Err(e) => assert!(
            matches!(
                e.kind(),
                ErrorKind::Corrupted | ErrorKind::IncompatibleVersion
            ),
            "{e}"
        ),
    }
});
