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

// The rooms, as in the core's `store/`: each holds its handle and its exports.
mod issue;
mod manage;
mod open;
mod pool;
mod read;
mod transfer;
mod verify;

// Support: result codes and the panic boundary, pointer checks, and the
// value handles the rooms hand out.
mod clock;
mod error;
mod event;
mod ffi;
mod format;
mod outcome;
mod record;

pub use clock::*;
pub use error::*;
pub use event::*;
pub use format::*;
pub use issue::*;
pub use manage::*;
pub use open::*;
pub use outcome::*;
pub use pool::*;
pub use read::*;
pub use record::*;
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
