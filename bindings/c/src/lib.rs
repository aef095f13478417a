//! keyrack's C API: `libkeyrack.so`, `libkeyrack.a` and `include/keyrack.h`.
//!
//! Conversion only: every function checks its pointers, turns C values into
//! the core's types, calls the core inside a panic boundary, and turns the
//! answer back. The conventions (ownership, strings, errors, threads) are in
//! `bindings/c/README.md`; each function's doc comment, copied into the
//! header by cbindgen, says what it reads, writes and returns.
//!
//! Every exported function is `unsafe extern "C"`: its safety contract is the
//! one of the C API (pointers are NULL or valid for what the header says),
//! stated once in the README rather than under a `# Safety` heading on each.
#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)]
#![deny(unsafe_op_in_unsafe_fn)]

mod error;
mod ffi;
mod format;
mod issue;
mod manage;
mod outcome;
mod record;
mod store;
mod transfer;
mod verify;

pub use error::*;
pub use format::*;
pub use issue::*;
pub use manage::*;
pub use outcome::*;
pub use record::*;
pub use store::*;
pub use transfer::*;
pub use verify::*;

/// The version of keyrack this library was built from, e.g. "0.1.0". Static.
#[unsafe(no_mangle)]
pub extern "C" fn keyrack_version() -> *const std::ffi::c_char {
    static VERSION: &std::ffi::CStr = match std::ffi::CStr::from_bytes_with_nul(
        concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes(),
    ) {
        Ok(v) => v,
        Err(_) => c"unknown",
    };
    VERSION.as_ptr()
}
