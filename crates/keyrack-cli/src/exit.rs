//! Exit codes and the one-line error messages behind them.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success (for `verify`: the key is `valid`) |
//! | 1 | any other failure (I/O error, …) |
//! | 2 | bad usage: unknown flag, bad value, argument the store refuses, malformed import line |
//! | 3 | no key with that id |
//! | 4 | no store file at the path (only `issue` creates one) |
//! | 5 | the store file is held by another process |
//! | 6 | the file is damaged, not a keyrack store, or from an unsupported version |
//! | 7 | a write on a store opened with `--read-only` |
//! | 8 | the pepper does not match the store's |
//! | 9 | `--read-only` found a store whose writer crashed: one open without `--read-only` recovers it |
//! | 10 11 12 | verify: `malformed`, `not_found`, `expired` (HTTP 401 class) |
//! | 20 21 22 | verify: `revoked`, `disabled`, `insufficient_scope` (HTTP 403 class) |
//! | 30 31 | verify: `rate_limited`, `usage_exceeded` (HTTP 429 class) |

use std::path::Path;

use keyrack::{Error, Outcome};

/// Success; for `verify`, the key is valid.
pub const OK: u8 = 0;
/// Any failure without a more precise code.
pub const FAILURE: u8 = 1;
/// Bad usage: a flag, a value, an argument the store refuses, an import line.
pub const USAGE: u8 = 2;
/// No key with that id.
pub const NOT_FOUND: u8 = 3;
/// No store at the path.
pub const NO_STORE: u8 = 4;
/// Another process holds the store.
pub const IN_USE: u8 = 5;
/// Damaged, foreign or too-new file.
pub const DAMAGED: u8 = 6;
/// A write on a read-only store.
pub const READ_ONLY: u8 = 7;
/// Wrong (or missing) pepper.
pub const PEPPER: u8 = 8;
/// A `--read-only` open of a store whose writer stopped without closing it:
/// a read-write open recovers it (nothing acknowledged is lost).
pub const NEEDS_RECOVERY: u8 = 9;

/// The exit code of a verify outcome: 0 only for `valid`; the tens digit is
/// the HTTP class (1x → 401, 2x → 403, 3x → 429).
pub fn outcome_code(outcome: Outcome) -> u8 {
    match outcome {
        Outcome::Valid => OK,
        Outcome::Malformed => 10,
        Outcome::NotFound => 11,
        Outcome::Expired => 12,
        Outcome::Revoked => 20,
        Outcome::Disabled => 21,
        Outcome::InsufficientScope => 22,
        Outcome::RateLimited => 30,
        Outcome::UsageExceeded => 31,
        // `missing` comes only from header extraction, never from verify; an
        // outcome added later falls back to a generic refusal.
        _ => 19,
    }
}

/// A failure to report: one line for stderr and an exit code.
#[derive(Debug)]
pub struct Failure {
    /// Exit code.
    pub code: u8,
    /// The message, without the `keyrack: ` lead.
    pub message: String,
}

impl Failure {
    /// A failure with this code and message.
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
        }
    }

    /// Bad usage.
    pub fn usage(message: impl Into<String>) -> Self {
        Failure::new(USAGE, message)
    }

    /// The message as printed: one line, no secret.
    pub fn line(&self) -> String {
        let one_line: String = self
            .message
            .split(['\n', '\r'])
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        format!("keyrack: {}", crate::output::redact(&one_line))
    }
}

/// Which verbs can do without writing: they get the `--read-only` hint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// A verb that only reads (verify also counts uses and may spend, but
    /// works read-only on a key it need not spend from, or with `--check`).
    Read,
    /// A verb that writes.
    Write,
}

/// Turns a core error into a message and exit code.
pub fn from_core(e: Error, path: &Path, access: Access, read_only: bool) -> Failure {
    let shown = path.display();
    match e {
        Error::AlreadyOpen { .. } => {
            let hint = match (access, read_only) {
                (Access::Read, false) => {
                    "; reading verbs accept --read-only, which shares the file with other \
                     readers (but not with a writer)"
                }
                (Access::Read, true) => {
                    "; --read-only shares the file with other readers, not with a writer: \
                     read through the application's API or stop it first"
                }
                (Access::Write, _) => "; stop it (or use its API) to make changes",
            };
            Failure::new(
                IN_USE,
                format!(
                    "{shown} is in use by another process (a keyrack file has one writer at a time){hint}"
                ),
            )
        }
        Error::NotFound { id } => {
            Failure::new(NOT_FOUND, format!("no key with id {id:?} in {shown}"))
        }
        Error::InvalidArgument { field, reason } => {
            Failure::usage(format!("invalid {field}: {reason}"))
        }
        Error::PepperMismatch => Failure::new(
            PEPPER,
            format!(
                "the pepper does not match the one {shown} was created with \
                 (set it, as 64 hex digits, in the variable named by --pepper-env, default KEYRACK_PEPPER)"
            ),
        ),
        Error::Corrupted(why) => Failure::new(
            DAMAGED,
            format!("{shown} is damaged or not a keyrack store ({why}); nothing was changed"),
        ),
        e @ Error::IncompatibleVersion { .. } => Failure::new(DAMAGED, format!("{shown}: {e}")),
        Error::ReadOnly => Failure::new(
            READ_ONLY,
            "this verb writes, and the store was opened with --read-only",
        ),
        e @ Error::NeedsRecovery { .. } => Failure::new(
            NEEDS_RECOVERY,
            format!(
                "{e} (any keyrack verb run without --read-only does it, e.g. `keyrack --db {shown} list`)"
            ),
        ),
        Error::Io(io) if io.kind() == std::io::ErrorKind::NotFound => missing_store(path),
        // redb reports a file that is not a database as `InvalidData` I/O; the
        // core passes it on as `Io` (requested: map it to `Corrupted`).
        Error::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => Failure::new(
            DAMAGED,
            format!("{shown} is damaged or not a keyrack store ({io}); nothing was changed"),
        ),
        Error::Io(io) => Failure::new(FAILURE, format!("{shown}: I/O error: {io}")),
        other => Failure::new(FAILURE, format!("{shown}: {other}")),
    }
}

/// The message for a path with no store.
pub fn missing_store(path: &Path) -> Failure {
    Failure::new(
        NO_STORE,
        format!(
            "no keyrack store at {} (the first `keyrack issue` creates it; \
             choose another file with --db or $KEYRACK_DB)",
            path.display()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_codes_are_distinct_and_zero_only_for_valid() {
        let mut seen = std::collections::BTreeSet::new();
        for o in Outcome::ALL {
            let code = outcome_code(o);
            assert_eq!(code == OK, o == Outcome::Valid, "{o}");
            assert!(seen.insert(code), "{o} shares code {code}");
            if o != Outcome::Valid && o != Outcome::Missing {
                // The tens digit is the HTTP class: 1x → 401, 2x → 403, 3x → 429.
                let class = match code / 10 {
                    1 => 401,
                    2 => 403,
                    3 => 429,
                    _ => panic!("{o}: {code}"),
                };
                assert_eq!(class, o.http_status(), "{o}");
            }
        }
        for general in [
            FAILURE,
            USAGE,
            NOT_FOUND,
            NO_STORE,
            IN_USE,
            DAMAGED,
            READ_ONLY,
            PEPPER,
            NEEDS_RECOVERY,
        ] {
            assert!(general < 10, "general codes stay below the verify range");
        }
    }

    #[test]
    fn a_store_to_recover_has_its_own_code_and_says_how() {
        let path = Path::new("k.redb");
        let e = Error::NeedsRecovery { path: path.into() };
        let f = from_core(e, path, Access::Read, true);
        assert_eq!(f.code, NEEDS_RECOVERY);
        assert!(f.message.contains("read-write"), "{}", f.message);
        assert!(f.message.contains("without --read-only"), "{}", f.message);
    }
}
