//! The one error type of keyrack. Verification outcomes are not errors: see
//! [`Outcome`](crate::Outcome).

use std::path::PathBuf;

/// A result with keyrack's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a store call. Bindings mirror it one to one
/// (C result codes, Python exception classes, Node error codes); see
/// [`Error::kind`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An argument was rejected; `field` names it (e.g. `prefix`, `scopes`).
    #[error("invalid argument `{field}`: {reason}")]
    InvalidArgument {
        /// The option or parameter at fault.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// No key with this id (management calls only; verify answers `not_found`).
    #[error("no key with id {id:?}")]
    NotFound {
        /// The id that was asked for.
        id: String,
    },
    /// Another process, or another handle in this process, holds the store file.
    #[error(
        "the store {path:?} is already open in another process or handle; only one process may \
         write a keyrack file at a time (open it read-only from tools, or close the other handle)"
    )]
    AlreadyOpen {
        /// The store file.
        path: PathBuf,
    },
    /// The handle was opened by a parent process and used after `fork()`.
    #[error(
        "this store handle was opened in another process and used after fork(); open the store \
         again in this process"
    )]
    WrongProcess,
    /// The pepper given at open does not match the one the store was created with.
    #[error("the pepper does not match the one this store was created with")]
    PepperMismatch,
    /// The file was written by a keyrack (or redb) format this build cannot read.
    #[error("the store format version {found} is not supported (this build supports {supported})")]
    IncompatibleVersion {
        /// The version found in the file.
        found: u32,
        /// The version this build reads and writes.
        supported: u32,
    },
    /// The file is damaged or is not a keyrack store.
    #[error("the store is corrupted or not a keyrack store: {0}")]
    Corrupted(String),
    /// A write was attempted on a store opened read-only.
    #[error("the store is open read-only")]
    ReadOnly,
    /// The operating system failed a read, write or sync (full disk, EIO…).
    /// The next write reopens the file and tries again, so the store heals
    /// once the fault clears; [`Store::health`](crate::Store::health) reports it.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The store was closed.
    #[error("the store is closed")]
    Closed,
    /// A read-only open found a file its last writer did not close (it
    /// crashed): nothing acknowledged is lost, but only a read-write open can
    /// finish the recovery, after which read-only opens work again.
    #[error(
        "the store {path:?} was not closed cleanly (its writer stopped without closing it); open \
         it read-write once to recover it, then read-only opens work again"
    )]
    NeedsRecovery {
        /// The store file.
        path: PathBuf,
    },
}

/// The kind of an [`Error`], without its details: what bindings switch on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// See [`Error::InvalidArgument`].
    InvalidArgument,
    /// See [`Error::NotFound`].
    NotFound,
    /// See [`Error::AlreadyOpen`].
    AlreadyOpen,
    /// See [`Error::WrongProcess`].
    WrongProcess,
    /// See [`Error::PepperMismatch`].
    PepperMismatch,
    /// See [`Error::IncompatibleVersion`].
    IncompatibleVersion,
    /// See [`Error::Corrupted`].
    Corrupted,
    /// See [`Error::ReadOnly`].
    ReadOnly,
    /// See [`Error::Io`].
    Io,
    /// See [`Error::Closed`].
    Closed,
    /// See [`Error::NeedsRecovery`].
    NeedsRecovery,
}

impl ErrorKind {
    /// Every kind, in the order of their stable numeric codes (1..=11).
    pub const ALL: [ErrorKind; 11] = [
        ErrorKind::InvalidArgument,
        ErrorKind::NotFound,
        ErrorKind::AlreadyOpen,
        ErrorKind::WrongProcess,
        ErrorKind::PepperMismatch,
        ErrorKind::IncompatibleVersion,
        ErrorKind::Corrupted,
        ErrorKind::ReadOnly,
        ErrorKind::Io,
        ErrorKind::Closed,
        ErrorKind::NeedsRecovery,
    ];

    /// SCREAMING_SNAKE name: `NOT_FOUND`, `ALREADY_OPEN`, … (Node prefixes it with `KEYRACK_`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "INVALID_ARGUMENT",
            ErrorKind::NotFound => "NOT_FOUND",
            ErrorKind::AlreadyOpen => "ALREADY_OPEN",
            ErrorKind::WrongProcess => "WRONG_PROCESS",
            ErrorKind::PepperMismatch => "PEPPER_MISMATCH",
            ErrorKind::IncompatibleVersion => "INCOMPATIBLE_VERSION",
            ErrorKind::Corrupted => "CORRUPTED",
            ErrorKind::ReadOnly => "READ_ONLY",
            ErrorKind::Io => "IO",
            ErrorKind::Closed => "CLOSED",
            ErrorKind::NeedsRecovery => "NEEDS_RECOVERY",
        }
    }

    /// The stable numeric code (C's `keyrack_result`); 0 is success.
    pub fn code(self) -> u32 {
        ErrorKind::ALL
            .iter()
            .position(|k| *k == self)
            .expect("listed") as u32
            + 1
    }
}

impl Error {
    /// This error's kind.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidArgument { .. } => ErrorKind::InvalidArgument,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::AlreadyOpen { .. } => ErrorKind::AlreadyOpen,
            Error::WrongProcess => ErrorKind::WrongProcess,
            Error::PepperMismatch => ErrorKind::PepperMismatch,
            Error::IncompatibleVersion { .. } => ErrorKind::IncompatibleVersion,
            Error::Corrupted(_) => ErrorKind::Corrupted,
            Error::ReadOnly => ErrorKind::ReadOnly,
            Error::Io(_) => ErrorKind::Io,
            Error::Closed => ErrorKind::Closed,
            Error::NeedsRecovery { .. } => ErrorKind::NeedsRecovery,
        }
    }

    /// The option or parameter an `InvalidArgument` names.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Error::InvalidArgument { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The id a `NotFound` was asked for, only when it is a real key id
    /// ([`format::is_id`](crate::format::is_id)): whatever else was passed
    /// may be a secret, and stays out of the error.
    pub fn id(&self) -> Option<&str> {
        match self {
            Error::NotFound { id } if crate::format::is_id(id) => Some(id),
            _ => None,
        }
    }

    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidArgument {
            field,
            reason: reason.into(),
        }
    }

    /// `NotFound` for `id`, echoing it only when it has the shape of a key id:
    /// a full key passed where an id belongs must not end up in logs.
    pub(crate) fn not_found(id: &str) -> Self {
        let shaped = id.len() <= 26
            && id.starts_with("key_")
            && id.bytes().skip(4).all(|b| b.is_ascii_alphanumeric());
        // Short `key_…` typos are echoed too: they cannot be a secret.
        let id = if shaped {
            id.to_owned()
        } else if let Ok(key) = crate::format::parse(id) {
            format!("<a key, not an id: {}>", key.hint())
        } else {
            format!("<not a key id: {} bytes>", id.len())
        };
        Error::NotFound { id }
    }
}
