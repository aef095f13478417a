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

/// Whether `id` has the shape of a key id (`key_` and 22 base62 characters).
fn looks_like_id(id: &str) -> bool {
    id.len() == 26
        && id.starts_with("key_")
        && id.as_bytes()[4..].iter().all(u8::is_ascii_alphanumeric)
}

/// The message shown to JavaScript. A management call given something that is
/// not an id (very often the secret key itself, passed by mistake) must not
/// echo it into logs, so such input is described, not repeated.
fn message(e: &Error) -> String {
    match e {
        Error::NotFound { id } if !looks_like_id(id) => {
            "no key with this id (the value given is not a key id such as `key_…`; ids are in \
             `issued.id` and `record.id`, never the secret key)"
                .to_owned()
        }
        other => other.to_string(),
    }
}

/// Builds the JavaScript `Error` for `e` and wraps it so napi throws (or
/// rejects with) that very object.
pub fn throwable(env: &Env, e: Error) -> napi::Error {
    let js = JsError::from(napi::Error::new(code(e.kind()), message(&e))).into_unknown(*env);
    if let Ok(mut obj) = unsafe { js.cast::<Object>() } {
        // Best effort: the code and message are already set.
        let _ = match &e {
            Error::InvalidArgument { field, .. } => obj.set("field", *field),
            Error::NotFound { id } if looks_like_id(id) => obj.set("id", id.as_str()),
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
