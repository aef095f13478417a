//! Generates the C header with the pinned cbindgen.
//!
//! The header is always written to `$OUT_DIR/keyrack.h`; when the
//! `KEYRACK_C_HEADER` environment variable names a path, it is written there
//! too. `bindings/c/test.sh` uses that to compare against, and
//! `bindings/c/bless.sh` to refresh, the checked-in `include/keyrack.h`.

use std::env;
use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=KEYRACK_C_HEADER");
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(dir.join("src").join("lib.rs"))
        .generate()
        .expect("cbindgen could not read bindings/c/src");
    let out = PathBuf::from(env::var("OUT_DIR").expect("set by cargo")).join("keyrack.h");
    bindings.write_to_file(&out);
    if let Some(path) = env::var_os("KEYRACK_C_HEADER") {
        bindings.write_to_file(PathBuf::from(path));
    }
}
