//! The one mapping from keyrack's errors to JavaScript: an `Error` whose
//! `code` is `"KEYRACK_" + ErrorKind::as_str()` (`KEYRACK_NOT_FOUND`, …), whose
//! message is the core's, and which never carries a secret.
//!
//! Properties beside `code` and `message`: `field` on `KEYRACK_INVALID_ARGUMENT`
//! (the option as JavaScript spells it, `expiresIn` for the core's
//! `expires_in`), `id` on `KEYRACK_NOT_FOUND` when the core says it is a real
//! id (`Error::id`), `line` on a refused import dry run. An option object
//! with a property no option has is a `TypeError` (code
//! `KEYRACK_INVALID_ARGUMENT`, `field` the property's path).

use keyrack::{Error, ErrorKind, ImportError};
use napi::bindgen_prelude::*;
use napi::{Env, JsError, JsTypeError};

/// Why a call of this binding failed.
#[derive(Debug)]
pub enum Failure {
    /// The core refused, or a JavaScript value did not convert.
    Core(Error),
    /// The import dry run refused a line (or the store failed).
    Import(ImportError),
    /// An options object has a property that names no option.
    UnknownOption {
        /// Where: `expiresin`, `refill.amont`, `[2].nme`.
        path: String,
        /// The options that object takes, as JavaScript spells them.
        known: Vec<String>,
    },
}

/// The result of every conversion and store call in this binding.
pub type Fallible<T> = std::result::Result<T, Failure>;

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Core(e)
    }
}

impl From<ImportError> for Failure {
    fn from(e: ImportError) -> Self {
        Failure::Import(e)
    }
}

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

/// `expires_in` → `expiresIn`: the name JavaScript gives a core field.
pub fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut up = false;
    for c in snake.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// A property name fit to show: one that could be a secret key (too long,
/// or one that parses as a key) is described instead.
fn shown(path: &str) -> String {
    let last = path.rsplit(['.', ']']).next().unwrap_or(path);
    if path.len() > 64 || keyrack::format::parse(last).is_ok() {
        "(a property name not shown: it may be a secret)".to_owned()
    } else {
        path.to_owned()
    }
}

/// Builds the JavaScript `Error` for `f` and wraps it so napi throws (or
/// rejects with) that very object.
pub fn throwable(env: &Env, f: Failure) -> napi::Error {
    let (e, line) = match f {
        Failure::Core(e) => (e, None),
        Failure::Import(e) => {
            let line = e.line;
            (Error::from(e), line)
        }
        Failure::UnknownOption { path, known } => return unknown_option(env, &path, &known),
    };
    let js = JsError::from(napi::Error::new(code(e.kind()), e.to_string())).into_unknown(*env);
    if let Ok(mut obj) = unsafe { js.cast::<Object>() } {
        // Best effort: the code and message are already set.
        if let Some(field) = e.field() {
            let _ = obj.set("field", camel(field));
        }
        if let Some(id) = e.id() {
            let _ = obj.set("id", id);
        }
        if let Some(n) = line {
            let _ = obj.set("line", n as f64);
        }
    }
    napi::Error::from(js)
}

fn unknown_option(env: &Env, path: &str, known: &[String]) -> napi::Error {
    let name = shown(path);
    let message = format!(
        "unknown option {name:?}; the options are {}",
        known.join(", ")
    );
    let js = JsTypeError::from(napi::Error::new(code(ErrorKind::InvalidArgument), message))
        .into_unknown(*env);
    if let Ok(mut obj) = unsafe { js.cast::<Object>() } {
        let _ = obj.set("field", name);
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
        ErrorKind::NeedsRecovery => Error::NeedsRecovery {
            path: "sample.redb".into(),
        },
        _ => return None,
    })
}
