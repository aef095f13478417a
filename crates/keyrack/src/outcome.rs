//! Verification outcomes and what to answer over HTTP.

use std::fmt;
use std::str::FromStr;

/// The result of checking a key, in the order the checks run. Each outcome
/// past `Valid` stops the checks. Names are identical in every language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Outcome {
    /// Every check passed.
    Valid,
    /// Not a well-formed key for this store (length, characters, prefix, checksum).
    Malformed,
    /// Well-formed, but no such key is stored.
    NotFound,
    /// The key was revoked.
    Revoked,
    /// The key is disabled.
    Disabled,
    /// The key (or a rotated-out secret whose grace period is over) has expired.
    Expired,
    /// The key lacks a scope the caller asked for.
    InsufficientScope,
    /// The key's rate limit is spent for now; see `retry_after`.
    RateLimited,
    /// Fewer credits left than the call's cost.
    UsageExceeded,
    /// No key was presented at all (only from [`extract_key`](crate::extract_key)).
    Missing,
}

impl Outcome {
    /// Every outcome, `Missing` last.
    pub const ALL: [Outcome; 10] = [
        Outcome::Valid,
        Outcome::Malformed,
        Outcome::NotFound,
        Outcome::Revoked,
        Outcome::Disabled,
        Outcome::Expired,
        Outcome::InsufficientScope,
        Outcome::RateLimited,
        Outcome::UsageExceeded,
        Outcome::Missing,
    ];

    /// The outcome's name: `valid`, `malformed`, `not_found`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Valid => "valid",
            Outcome::Malformed => "malformed",
            Outcome::NotFound => "not_found",
            Outcome::Revoked => "revoked",
            Outcome::Disabled => "disabled",
            Outcome::Expired => "expired",
            Outcome::InsufficientScope => "insufficient_scope",
            Outcome::RateLimited => "rate_limited",
            Outcome::UsageExceeded => "usage_exceeded",
            Outcome::Missing => "missing",
        }
    }

    /// Whether the key may be let in.
    pub fn is_valid(self) -> bool {
        self == Outcome::Valid
    }

    /// The HTTP status to answer with: 200, 401, 403 or 429.
    pub fn http_status(self) -> u16 {
        match self {
            Outcome::Valid => 200,
            Outcome::Missing | Outcome::Malformed | Outcome::NotFound | Outcome::Expired => 401,
            Outcome::Revoked | Outcome::Disabled | Outcome::InsufficientScope => 403,
            Outcome::RateLimited | Outcome::UsageExceeded => 429,
        }
    }

    /// A short message safe to show to the caller (it never names the key).
    pub fn message(self) -> &'static str {
        match self {
            Outcome::Valid => "OK",
            Outcome::Missing => "API key is required",
            Outcome::Malformed => "API key is malformed",
            Outcome::NotFound => "API key is invalid",
            Outcome::Revoked => "API key has been revoked",
            Outcome::Disabled => "API key is disabled",
            Outcome::Expired => "API key has expired",
            Outcome::InsufficientScope => "API key lacks the required scope",
            Outcome::RateLimited => "Rate limit exceeded",
            Outcome::UsageExceeded => "Usage limit exceeded",
        }
    }

    /// Index of a refused outcome in [`Denied`](crate::Denied) counters.
    pub(crate) fn denied_slot(self) -> Option<usize> {
        match self {
            Outcome::Revoked => Some(0),
            Outcome::Disabled => Some(1),
            Outcome::Expired => Some(2),
            Outcome::InsufficientScope => Some(3),
            Outcome::RateLimited => Some(4),
            Outcome::UsageExceeded => Some(5),
            _ => None,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Outcome {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        Outcome::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| crate::Error::invalid("outcome", format!("unknown outcome {s:?}")))
    }
}

/// What [`extract_key`] found in a request's headers.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Extracted<'a> {
    /// A candidate key (not yet verified).
    Key(&'a str),
    /// No key header at all: answer [`Outcome::Missing`] (401, "API key is required").
    Missing,
}

impl fmt::Debug for Extracted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Extracted::Key(_) => f.write_str("Key(<redacted>)"),
            Extracted::Missing => f.write_str("Missing"),
        }
    }
}

/// Finds the API key in request headers: `x-api-key: <key>` (header name in
/// any case), `Authorization: Api-Key <key>` or `Authorization: Bearer <key>`
/// (scheme in any case). `x-api-key` wins when both are present. A header
/// present but empty counts as missing.
///
/// ```
/// use keyrack::{extract_key, Extracted};
/// let headers = [("Authorization", "Bearer kr_abc")];
/// assert_eq!(extract_key(headers), Extracted::Key("kr_abc"));
/// assert_eq!(extract_key([("accept", "*/*")]), Extracted::Missing);
/// ```
pub fn extract_key<'a, I, N>(headers: I) -> Extracted<'a>
where
    I: IntoIterator<Item = (N, &'a str)>,
    N: AsRef<str>,
{
    let mut from_auth = None;
    for (name, value) in headers {
        let name = name.as_ref();
        if name.eq_ignore_ascii_case("x-api-key") {
            let v = value.trim();
            if !v.is_empty() {
                return Extracted::Key(v);
            }
        } else if name.eq_ignore_ascii_case("authorization") && from_auth.is_none() {
            from_auth = scheme_value(value);
        }
    }
    from_auth.map_or(Extracted::Missing, Extracted::Key)
}

fn scheme_value(value: &str) -> Option<&str> {
    let value = value.trim();
    let (scheme, rest) = value.split_once(' ')?;
    if scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("api-key") {
        let key = rest.trim();
        (!key.is_empty()).then_some(key)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_design() {
        use Outcome::*;
        for o in [Missing, Malformed, NotFound, Expired] {
            assert_eq!(o.http_status(), 401, "{o}");
        }
        for o in [Revoked, Disabled, InsufficientScope] {
            assert_eq!(o.http_status(), 403, "{o}");
        }
        for o in [RateLimited, UsageExceeded] {
            assert_eq!(o.http_status(), 429, "{o}");
        }
        assert_eq!(Missing.message(), "API key is required");
    }

    #[test]
    fn outcome_names_round_trip() {
        for o in Outcome::ALL {
            assert_eq!(o.as_str().parse::<Outcome>().unwrap(), o);
        }
        assert!("VALID".parse::<Outcome>().is_err());
    }

    #[test]
    fn header_extraction() {
        assert_eq!(extract_key([("X-API-KEY", "k1")]), Extracted::Key("k1"));
        assert_eq!(
            extract_key([("authorization", "api-key k2")]),
            Extracted::Key("k2")
        );
        assert_eq!(
            extract_key([("Authorization", "Bearer  k3 ")]),
            Extracted::Key("k3")
        );
        assert_eq!(
            extract_key([("Authorization", "Basic abc")]),
            Extracted::Missing
        );
        assert_eq!(
            extract_key([("Authorization", "Bearer ")]),
            Extracted::Missing
        );
        assert_eq!(
            extract_key([("authorization", "Bearer b"), ("x-api-key", "a")]),
            Extracted::Key("a")
        );
        assert_eq!(extract_key::<_, &str>([]), Extracted::Missing);
    }
}
