//! The one mapping from keyrack's errors to JavaScript: an `Error` whose
//! `code` is `"KEYRACK_" + ErrorKind::as_str()` (`KEYRACK_NOT_FOUND`, …), whose
//! message is the core's, and which never carries a secret.

use keyrack::{Error, ErrorKind};
use napi::bindgen_prelude::*;
use napi::{Env, JsError};

/// The stable `code` of a kind: `KEYRACK_` and the core's SCREAMING_SNAKE name.
/// Every kind maps, by construction: there is no table to forget to extend.
pub fn code(kind: ErrorKind) -> String {
    format!("KEYRACK_{}", kind.as_str())
}

/// An `InvalidArgument` raised while converting JavaScript input.
pub fn invalid(field: &'static str, reason: impl Into<String>) -> Error {
    Error::InvalidArgument {
        field,
        reason: reason.into(),
    }
}

/// Builds the JavaScript `Error` for `e` and wraps it so napi throws (or
/// rejects with) that very object.
pub fn throwable(env: &Env, e: Error) -> napi::Error {
    let js = JsError::from(napi::Error::new(code(e.kind()), e.to_string())).into_unknown(*env);
    if let Ok(mut obj) = unsafe { js.cast::<Object>() } {
        // Best effort: the code and message are already set.
        let _ = match &e {
            Error::InvalidArgument { field, .. } => obj.set("field", *field),
            // `id` only for a real id: the core's message never echoes anything else.
            Error::NotFound { id } if keyrack::format::is_id(id) => obj.set("id", id.as_str()),
            _ => Ok(()),
        };
    }
    napi::Error::from(js)
}

/// One core error of each kind, for the test that walks every kind.
pub fn sample(kind: ErrorKind) -> Option<Error> {
    Some(match kind {
        ErrorKind::InvalidArgument => invalid("sample", "a sample error"),
        ErrorKind::NotFound => Error::NotFound {
            id: "key_0000000000000000000000".to_owned(),
        },
        ErrorKind::AlreadyOpen => Error::AlreadyOpen {
            path: "sample.redb".into(),
        },
        ErrorKind::WrongProcess => Error::WrongProcess,
        ErrorKind::PepperMismatch => Error::PepperMismatch,
        ErrorKind::IncompatibleVersion => Error::IncompatibleVersion {
            found: 99,
            supported: keyrack::FORMAT_VERSION,
        },
        ErrorKind::Corrupted => Error::Corrupted("a sample error".to_owned()),
        ErrorKind::ReadOnly => Error::ReadOnly,
        ErrorKind::Io => Error::Io(std::io::Error::other("a sample error")),
        ErrorKind::Closed => Error::Closed,
        _ => return None,
    })
}
