//! `keyrack import` on arbitrary JSON lines, through the CLI's library entry
//! point (`keyrack_cli::main_with_args`; the line parser itself is private):
//! never a panic, an exit code of success, usage or failure, and a store that
//! still opens afterwards.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

struct Paths {
    _dir: tempfile::TempDir,
    db: PathBuf,
    input: PathBuf,
}

fn paths() -> &'static Paths {
    static P: OnceLock<Paths> = OnceLock::new();
    P.get_or_init(|| {
        // Memory-backed when the machine has it: each run opens and syncs.
        let dir = tempfile::tempdir_in("/dev/shm")
            .or_else(|_| tempfile::tempdir())
            .expect("temp dir");
        let db = dir.path().join("fuzz.redb");
        let input = dir.path().join("lines.jsonl");
        keyrack::Store::open(&db, keyrack::Options::default())
            .and_then(|s| s.close())
            .expect("create the store");
        Paths {
            _dir: dir,
            db,
            input,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let p = paths();
    // The first byte picks a dry run or a real import (all or nothing).
    let (dry, lines) = match data.split_first() {
        Some((b, rest)) => (b & 1 == 1, rest),
        None => (true, data),
    };
    std::fs::write(&p.input, lines).expect("write input");
    let mut args = vec![
        "keyrack".to_owned(),
        "--db".to_owned(),
        p.db.display().to_string(),
        "import".to_owned(),
    ];
    if dry {
        args.push("--dry-run".to_owned());
    }
    args.push(p.input.display().to_string());
    let code = keyrack_cli::main_with_args(args);
    // Imported, refused as a whole (a bad line, a clash), or failed plainly:
    // never "damaged", "in use" or another store-level code.
    use keyrack_cli::exit::{FAILURE, OK, USAGE};
    assert!(matches!(code, OK | FAILURE | USAGE), "exit code {code}");
    let store = keyrack::Store::open(&p.db, keyrack::Options::default())
        .expect("the store still opens after an import");
    store.close().expect("close");
});
