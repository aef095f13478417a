//! [`SecretKey`]: the one type that carries a full key.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

/// A full API key (`<prefix>_<body><check>`), the secret a client presents.
///
/// Its memory is wiped when it is dropped, and `Debug`/`Display` print only
/// the non-secret hint, so logging an [`Issued`](crate::Issued) leaks nothing.
/// Call [`expose`](SecretKey::expose) to get the text once, to hand to the user.
///
/// ```
/// let key = keyrack::format::compose("kr", &[1; 32]).unwrap();
/// let shown = format!("{key} {key:?}");
/// assert!(!shown.contains(&key.expose()[3..20]));
/// ```
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct SecretKey(String);

impl SecretKey {
    pub(crate) fn new(key: String) -> Self {
        SecretKey(key)
    }

    /// The key's text. Show it to its owner once; never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Consumes the key and returns its text, which the caller must wipe.
    pub fn into_string(mut self) -> String {
        std::mem::take(&mut self.0)
    }

    /// The non-secret display hint `<prefix>_<first 4 of body>…`.
    pub fn hint(&self) -> String {
        match crate::format::parse(&self.0) {
            Ok(p) => p.hint(),
            Err(_) => "<invalid key>".to_owned(),
        }
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({} <redacted>)", self.hint())
    }
}

impl fmt::Display for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} <redacted>", self.hint())
    }
}

/// A 32-byte pepper: kept by the host outside the store file (an env var, a
/// secret manager). Wiped on drop, redacted in `Debug`.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Pepper([u8; 32]);

impl Pepper {
    /// Wraps 32 bytes of pepper.
    pub fn new(bytes: [u8; 32]) -> Self {
        Pepper(bytes)
    }

    /// Accepts exactly 32 bytes, else `InvalidArgument` naming `pepper`.
    pub fn from_slice(bytes: &[u8]) -> crate::Result<Self> {
        let arr: [u8; 32] = bytes.try_into().map_err(|_| {
            crate::Error::invalid("pepper", format!("must be 32 bytes, got {}", bytes.len()))
        })?;
        Ok(Pepper(arr))
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for Pepper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pepper(<redacted>)")
    }
}
