//! The key format: `<prefix>_<body><check>`.
//!
//! * **prefix** — 1 to 20 characters of `[a-z0-9_]`, starting with a letter, with
//!   no `__` and no trailing `_` (see [`validate_prefix`]).
//! * **body** — 32 random bytes written in base62 (`0-9A-Za-z`), left-padded with
//!   `0` to exactly [`BODY_LEN`] (43) characters. This is the only secret part.
//! * **check** — CRC32 (IEEE) of `<prefix>_<body>`, in base62, left-padded to
//!   exactly [`CHECK_LEN`] (6) characters. It lets [`parse`] reject typos and
//!   garbage without touching any file, and lets secret scanners confirm a match
//!   offline.
//!
//! ```
//! use keyrack::format;
//!
//! let key = format::compose("sk_live", &[7u8; 32]).unwrap();
//! let parsed = format::parse(key.expose()).unwrap();
//! assert_eq!(parsed.prefix(), "sk_live");
//! assert_eq!(key.expose().len(), "sk_live".len() + 1 + 43 + 6);
//!
//! // One changed character breaks the checksum.
//! let mut typo = key.expose().to_owned();
//! typo.replace_range(10..11, if &typo[10..11] == "A" { "B" } else { "A" });
//! assert!(format::parse(&typo).is_err());
//! ```

use std::fmt;

use crate::secret::SecretKey;

/// Characters of the body and of the check, in digit order.
pub const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Length of the base62 body (32 random bytes).
pub const BODY_LEN: usize = 43;
/// Length of the base62 CRC32 check.
pub const CHECK_LEN: usize = 6;
/// Longest accepted prefix.
pub const MAX_PREFIX_LEN: usize = 20;
/// Longest input `verify` looks at; anything longer is malformed at once.
pub const MAX_KEY_LEN: usize = 256;
/// Number of random bytes in a key body.
pub const BODY_BYTES: usize = 32;

/// A regular expression (POSIX ERE, PCRE, RE2 and Rust `regex` compatible) that
/// matches every well-formed key. It does not check the prefix length (at most
/// [`MAX_PREFIX_LEN`]) nor the checksum: secret scanners run [`parse`] (or the
/// CRC32 below) on its matches to confirm them.
pub const REGEX: &str = r"^[a-z][a-z0-9]*(_[a-z0-9]+)*_[0-9A-Za-z]{49}$";

/// Why a string is not a well-formed key (or prefix).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FormatError {
    /// Empty input.
    Empty,
    /// Longer than [`MAX_KEY_LEN`] bytes.
    TooLong,
    /// Shorter than the shortest possible key.
    TooShort,
    /// A character outside the allowed set (also any non-ASCII byte).
    BadCharacter,
    /// The prefix breaks the prefix rules.
    BadPrefix,
    /// The check characters do not match the CRC32 of the rest.
    BadChecksum,
}

impl FormatError {
    /// A stable snake_case name, used by the test vectors.
    pub fn as_str(self) -> &'static str {
        match self {
            FormatError::Empty => "empty",
            FormatError::TooLong => "too_long",
            FormatError::TooShort => "too_short",
            FormatError::BadCharacter => "bad_character",
            FormatError::BadPrefix => "bad_prefix",
            FormatError::BadChecksum => "bad_checksum",
        }
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FormatError::Empty => "the key is empty",
            FormatError::TooLong => "the key is longer than 256 bytes",
            FormatError::TooShort => "the key is too short",
            FormatError::BadCharacter => "the key has a character outside [a-z0-9_] / base62",
            FormatError::BadPrefix => {
                "the prefix must be 1-20 chars of [a-z0-9_], start with a letter, \
                 and have no '__' and no trailing '_'"
            }
            FormatError::BadChecksum => "the key's checksum does not match",
        })
    }
}

impl std::error::Error for FormatError {}

/// The parts of a well-formed key. Its `Debug` shows the prefix only.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ParsedKey<'a> {
    prefix: &'a str,
    body: &'a str,
    check: &'a str,
}

impl<'a> ParsedKey<'a> {
    /// The prefix, e.g. `sk_live`.
    pub fn prefix(&self) -> &'a str {
        self.prefix
    }
    /// The secret base62 body (43 characters). Handle with care.
    pub fn body(&self) -> &'a str {
        self.body
    }
    /// The 6 base62 check characters.
    pub fn check(&self) -> &'a str {
        self.check
    }
    /// The display hint kept in records: `<prefix>_<first 4 of body>…`.
    pub fn hint(&self) -> String {
        hint(self.prefix, self.body)
    }
}

impl fmt::Debug for ParsedKey<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParsedKey")
            .field("prefix", &self.prefix)
            .field("body", &"<redacted>")
            .finish()
    }
}

pub(crate) fn hint(prefix: &str, body: &str) -> String {
    format!("{prefix}_{}…", &body[..4])
}

/// Whether `s` has the shape of a key id: `key_` and 22 base62 characters.
/// Ids are public; a string of any other shape is never echoed in errors.
///
/// ```
/// assert!(keyrack::format::is_id("key_0zINCdML6AK8CtA3ETdgCQ"));
/// assert!(!keyrack::format::is_id("kr_0Z6pKzClIDFL6Zb3euY2bNr9xVFvAP9Yni4UKHPQbv14IPTsa"));
/// ```
pub fn is_id(s: &str) -> bool {
    s.len() == 26
        && s.starts_with("key_")
        && s.as_bytes()[4..].iter().all(u8::is_ascii_alphanumeric)
}

/// Checks a prefix against the rules: 1–20 chars of `[a-z0-9_]`, starts with a
/// letter, no `__`, no trailing `_`.
///
/// ```
/// use keyrack::format::validate_prefix;
/// assert!(validate_prefix("sk_live").is_ok());
/// assert!(validate_prefix("Sk").is_err());
/// assert!(validate_prefix("sk__live").is_err());
/// assert!(validate_prefix("sk_").is_err());
/// ```
pub fn validate_prefix(prefix: &str) -> Result<(), FormatError> {
    let b = prefix.as_bytes();
    if b.is_empty() || b.len() > MAX_PREFIX_LEN {
        return Err(FormatError::BadPrefix);
    }
    if !b[0].is_ascii_lowercase() || b[b.len() - 1] == b'_' {
        return Err(FormatError::BadPrefix);
    }
    let mut prev_underscore = false;
    for &c in b {
        let underscore = c == b'_';
        if !(c.is_ascii_lowercase() || c.is_ascii_digit() || underscore) {
            return Err(FormatError::BadPrefix);
        }
        if underscore && prev_underscore {
            return Err(FormatError::BadPrefix);
        }
        prev_underscore = underscore;
    }
    Ok(())
}

/// Splits and checks a key: characters, prefix rules, lengths and checksum.
/// Touches no file and does not know which prefixes a store accepts.
pub fn parse(key: &str) -> Result<ParsedKey<'_>, FormatError> {
    let b = key.as_bytes();
    if b.is_empty() {
        return Err(FormatError::Empty);
    }
    if b.len() > MAX_KEY_LEN {
        return Err(FormatError::TooLong);
    }
    if b.len() < 1 + 1 + BODY_LEN + CHECK_LEN {
        return Err(if b.iter().all(is_key_char) {
            FormatError::TooShort
        } else {
            FormatError::BadCharacter
        });
    }
    let tail_start = b.len() - BODY_LEN - CHECK_LEN;
    if !b[tail_start..].iter().all(u8::is_ascii_alphanumeric) {
        return Err(FormatError::BadCharacter);
    }
    if b[tail_start - 1] != b'_' {
        return Err(if b.iter().all(is_key_char) {
            FormatError::BadPrefix
        } else {
            FormatError::BadCharacter
        });
    }
    let prefix = &key[..tail_start - 1];
    if !prefix.bytes().all(|c| is_key_char(&c)) {
        return Err(FormatError::BadCharacter);
    }
    validate_prefix(prefix)?;
    let body = &key[tail_start..tail_start + BODY_LEN];
    let check = &key[tail_start + BODY_LEN..];
    if check_chars(checksum(&b[..tail_start + BODY_LEN])) != check.as_bytes() {
        return Err(FormatError::BadChecksum);
    }
    Ok(ParsedKey {
        prefix,
        body,
        check,
    })
}

fn is_key_char(c: &u8) -> bool {
    c.is_ascii_alphanumeric() || *c == b'_'
}

/// CRC32 (IEEE 802.3, as in zlib) of the given bytes.
pub fn checksum(data: &[u8]) -> u32 {
    crc32fast::hash(data)
}

/// Writes a CRC32 as exactly [`CHECK_LEN`] base62 characters.
pub fn encode_check(crc: u32) -> String {
    String::from_utf8(check_chars(crc).to_vec()).expect("base62 is ASCII")
}

/// The check characters without allocating (verify's hot path).
fn check_chars(crc: u32) -> [u8; CHECK_LEN] {
    let mut out = [b'0'; CHECK_LEN];
    let mut n = crc;
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(n % 62) as usize];
        n /= 62;
    }
    out
}

/// Writes 32 bytes (big-endian) as exactly [`BODY_LEN`] base62 characters.
pub fn encode_body(bytes: &[u8; BODY_BYTES]) -> String {
    let mut num = *bytes;
    let mut out = [b'0'; BODY_LEN];
    for slot in out.iter_mut().rev() {
        let mut rem: u32 = 0;
        for byte in num.iter_mut() {
            let acc = (rem << 8) | u32::from(*byte);
            *byte = (acc / 62) as u8;
            rem = acc % 62;
        }
        *slot = ALPHABET[rem as usize];
    }
    use zeroize::Zeroize;
    num.zeroize();
    let s = String::from_utf8(out.to_vec()).expect("base62 is ASCII");
    out.zeroize();
    s
}

/// Builds a full key from a prefix and 32 body bytes. Mostly for tests and
/// vectors: stores draw the body from their own ChaCha20 generator.
pub fn compose(prefix: &str, body: &[u8; BODY_BYTES]) -> Result<SecretKey, FormatError> {
    validate_prefix(prefix)?;
    let body = zeroize::Zeroizing::new(encode_body(body));
    let mut key = String::with_capacity(prefix.len() + 1 + BODY_LEN + CHECK_LEN);
    key.push_str(prefix);
    key.push('_');
    key.push_str(&body);
    let check = encode_check(checksum(key.as_bytes()));
    key.push_str(&check);
    Ok(SecretKey::new(key))
}

/// Replaces every token of `text` that parses as a full key with its hint
/// and `<redacted>`, so a message that quotes input never repeats a secret.
///
/// ```
/// let key = "kr_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg";
/// let key = format!("{key}{}", keyrack::format::encode_check(keyrack::format::checksum(key.as_bytes())));
/// let shown = keyrack::format::redact(&format!("bad value {key:?}"));
/// assert_eq!(shown, "bad value \"kr_0123…<redacted>\"");
/// ```
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String| {
        match parse(token) {
            Ok(p) => {
                out.push_str(&p.hint());
                out.push_str("<redacted>");
            }
            Err(_) => out.push_str(token),
        }
        token.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            token.push(c);
        } else {
            flush(&mut token, &mut out);
            out.push(c);
        }
    }
    flush(&mut token, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_encoding_is_fixed_width_and_ordered() {
        assert_eq!(encode_body(&[0; 32]), "0".repeat(43));
        let max = encode_body(&[0xff; 32]);
        assert_eq!(max.len(), 43);
        // 2^256 - 1, computed independently (Python big integers).
        assert_eq!(max, "yhjskwdA6OZ1AL1YmHWZWm8LLG7HjnuCA2j5rOw8Xp1");
        let mut one = [0u8; 32];
        one[31] = 61;
        assert_eq!(encode_body(&one), format!("{}z", "0".repeat(42)));
    }

    #[test]
    fn check_encoding_is_fixed_width() {
        assert_eq!(encode_check(0), "000000");
        assert_eq!(encode_check(u32::MAX), "4gfFC3");
    }

    #[test]
    fn crc_matches_the_known_value() {
        assert_eq!(checksum(b"123456789"), 0xCBF4_3926);
    }
}
