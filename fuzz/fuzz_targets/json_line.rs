//! `ExportLine::parse` (the parser behind `Store::import_json_lines` and
//! `keyrack import`: records and owners' pools) on arbitrary text: never a
//! panic; an accepted line survives `to_json_line` and back unchanged; a
//! refusal is `InvalidArgument` and never repeats a key-shaped token of its
//! input.
#![no_main]

use std::time::UNIX_EPOCH;

use keyrack::{ErrorKind, ExportLine, format};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else {
        return;
    };
    match ExportLine::parse(line) {
        Ok(r) => {
            let again = ExportLine::parse(&r.to_json_line(UNIX_EPOCH))
                .expect("an exported line parses");
            assert_eq!(again, r);
        }
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
            let shown = e.to_string();
            for token in shown.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                assert!(format::parse(token).is_err(), "a key in the error: {shown}");
            }
        }
    }
});
