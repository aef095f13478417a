//! What a store keeps about a key: [`KeyRecord`] and its value types.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::Outcome;
use crate::clock::{duration_millis, from_millis, to_millis};
use crate::error::{Error, Result};

/// A rate limit: at most `limit` verifies per fixed `window`, counted in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RateLimit {
    /// Verifies allowed per window (at least 1).
    pub limit: u64,
    /// Window length (at least 1 ms), serialized in milliseconds.
    #[serde(with = "serde_millis")]
    pub window: Duration,
}

impl RateLimit {
    /// `limit` verifies per `window`.
    pub fn new(limit: u64, window: Duration) -> Self {
        RateLimit { limit, window }
    }

    pub(crate) fn validate(&self) -> Result<()> {
        if self.limit == 0 {
            return Err(Error::invalid("rate_limit", "limit must be at least 1"));
        }
        if duration_millis(self.window) < 1 {
            return Err(Error::invalid("rate_limit", "window must be at least 1 ms"));
        }
        Ok(())
    }
}

/// Credits that come back: every `every`, the balance is topped up to `amount`
/// (a balance above `amount` is left alone). Applied lazily at verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Refill {
    /// The balance restored each period.
    pub amount: u64,
    /// Period length (at least 1 s), serialized in milliseconds.
    #[serde(with = "serde_millis")]
    pub every: Duration,
}

impl Refill {
    /// Top up to `amount` every `every`.
    pub fn new(amount: u64, every: Duration) -> Self {
        Refill { amount, every }
    }

    pub(crate) fn validate(&self, field: &'static str) -> Result<()> {
        if self.every < Duration::from_secs(1) {
            return Err(Error::invalid(field, "refill period must be at least 1 s"));
        }
        Ok(())
    }

    /// Applies the periods elapsed since `last_ms`; returns the new balance and
    /// the new time of the last refill.
    pub(crate) fn apply(&self, remaining: u64, last_ms: i64, now_ms: i64) -> (u64, i64) {
        let every = duration_millis(self.every).max(1);
        if now_ms < last_ms.saturating_add(every) {
            return (remaining, last_ms);
        }
        let periods = (now_ms - last_ms) / every;
        (remaining.max(self.amount), last_ms + periods * every)
    }
}

/// Refused verifies of one key, counted by outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Denied {
    /// Refused as `revoked`.
    pub revoked: u64,
    /// Refused as `disabled`.
    pub disabled: u64,
    /// Refused as `expired`.
    pub expired: u64,
    /// Refused as `insufficient_scope`.
    pub insufficient_scope: u64,
    /// Refused as `rate_limited`.
    pub rate_limited: u64,
    /// Refused as `usage_exceeded`.
    pub usage_exceeded: u64,
}

impl Denied {
    /// The count for one refused outcome (0 for the others).
    pub fn get(&self, outcome: Outcome) -> u64 {
        match outcome.denied_slot() {
            Some(i) => self.as_array()[i],
            None => 0,
        }
    }

    /// All refused verifies.
    pub fn total(&self) -> u64 {
        self.as_array().iter().sum()
    }

    pub(crate) fn as_array(&self) -> [u64; 6] {
        [
            self.revoked,
            self.disabled,
            self.expired,
            self.insufficient_scope,
            self.rate_limited,
            self.usage_exceeded,
        ]
    }

    pub(crate) fn from_array(a: [u64; 6]) -> Self {
        Denied {
            revoked: a[0],
            disabled: a[1],
            expired: a[2],
            insufficient_scope: a[3],
            rate_limited: a[4],
            usage_exceeded: a[5],
        }
    }
}

/// A key's lifecycle state, as listings filter it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not revoked, enabled and not expired.
    Active,
    /// Revoked.
    Revoked,
    /// Not revoked but disabled.
    Disabled,
    /// Not revoked, enabled, and past its expiry.
    Expired,
}

impl Status {
    /// Every status.
    pub const ALL: [Status; 4] = [
        Status::Active,
        Status::Revoked,
        Status::Disabled,
        Status::Expired,
    ];

    /// `active`, `revoked`, `disabled` or `expired`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Revoked => "revoked",
            Status::Disabled => "disabled",
            Status::Expired => "expired",
        }
    }
}

impl std::str::FromStr for Status {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "active" => Ok(Status::Active),
            "revoked" => Ok(Status::Revoked),
            "disabled" => Ok(Status::Disabled),
            "expired" => Ok(Status::Expired),
            _ => Err(Error::invalid(
                "status",
                format!("{s:?} is not one of active, revoked, disabled, expired"),
            )),
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything a store keeps about one key, except its secret (which it never
/// keeps). Serializes (serde) with times as milliseconds since the Unix epoch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct KeyRecord {
    /// Public id: `key_` and 22 base62 characters.
    pub id: String,
    /// The key's prefix, e.g. `sk_live`.
    pub prefix: String,
    /// `<prefix>_<first 4 of body>…`, to recognise a key in listings.
    pub hint: String,
    /// A name for people.
    pub name: String,
    /// Optional longer description.
    pub description: Option<String>,
    /// The host's user or organisation id.
    pub owner: Option<String>,
    /// Scopes the key grants.
    pub scopes: BTreeSet<String>,
    /// Free string metadata.
    pub meta: BTreeMap<String, String>,
    /// When it was issued.
    #[serde(with = "serde_millis")]
    pub created_at: SystemTime,
    /// When it stops verifying, if ever.
    #[serde(with = "serde_millis_opt")]
    pub expires_at: Option<SystemTime>,
    /// When it was revoked, if it was.
    #[serde(with = "serde_millis_opt")]
    pub revoked_at: Option<SystemTime>,
    /// `false` while disabled.
    pub enabled: bool,
    /// Last `valid` verify (flushed in batches; `get` includes unflushed ones).
    #[serde(with = "serde_millis_opt")]
    pub last_used_at: Option<SystemTime>,
    /// Number of `valid` verifies.
    pub uses: u64,
    /// Refused verifies by outcome.
    pub denied: Denied,
    /// Credits left, if the key is metered on its own.
    pub remaining: Option<u64>,
    /// How its credits refill, if they do.
    pub refill: Option<Refill>,
    /// Spends its owner's credit pool instead of its own credits.
    pub shared_credits: bool,
    /// Its rate limit, if any.
    pub rate_limit: Option<RateLimit>,
}

impl KeyRecord {
    /// The record as one line of JSON (times in milliseconds since the Unix
    /// epoch), with its `status` at `now` added for people and scripts: the
    /// export format, read back by [`from_json_line`](KeyRecord::from_json_line).
    pub fn to_json_line(&self, now: SystemTime) -> String {
        let mut v = serde_json::to_value(self).expect("records serialize");
        if let serde_json::Value::Object(m) = &mut v {
            m.insert("status".into(), self.status_at(now).as_str().into());
        }
        v.to_string()
    }

    /// Parses one line of the export format. A field the record does not have
    /// (a pasted `key`, a typo) is refused rather than dropped, so a secret
    /// is never silently carried along; `status` is accepted and ignored (it
    /// follows from the other fields). Errors are `InvalidArgument` for the
    /// field `record`, with any key-shaped text redacted.
    ///
    /// ```
    /// let err = keyrack::KeyRecord::from_json_line(r#"{"id": 1}"#).unwrap_err();
    /// assert_eq!(err.kind(), keyrack::ErrorKind::InvalidArgument);
    /// ```
    pub fn from_json_line(line: &str) -> Result<KeyRecord> {
        let bad = |why: String| Error::invalid("record", crate::format::redact(&why));
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|e| bad(format!("not JSON: {e}")))?;
        let record: KeyRecord = serde_json::from_value(value.clone())
            .map_err(|e| bad(format!("not a key record: {e}")))?;
        let known = serde_json::to_value(&record).expect("records serialize");
        if let (serde_json::Value::Object(given), serde_json::Value::Object(known)) =
            (&value, &known)
            && let Some(extra) = given
                .keys()
                .find(|k| *k != "status" && !known.contains_key(*k))
        {
            return Err(bad(format!("unknown field {extra:?}")));
        }
        crate::format::validate_prefix(&record.prefix).map_err(|e| bad(format!("prefix: {e}")))?;
        Ok(record)
    }

    /// The key's status at `now`.
    pub fn status_at(&self, now: SystemTime) -> Status {
        if self.revoked_at.is_some() {
            Status::Revoked
        } else if !self.enabled {
            Status::Disabled
        } else if self.expires_at.is_some_and(|e| e <= now) {
            Status::Expired
        } else {
            Status::Active
        }
    }
}

/// One line of the export format: a key's record, or an owner's credit pool
/// (`{"pool": OWNER, "remaining": N, "refill": …}`, after the records).
/// [`Store::export`](crate::Store::export) writes them;
/// [`Store::import_json_lines`](crate::Store::import_json_lines) reads them.
///
/// ```
/// use keyrack::{ExportLine, Pool};
/// let line = r#"{"pool":"org_1","remaining":50,"refill":null}"#;
/// let parsed = ExportLine::parse(line)?;
/// assert_eq!(parsed, ExportLine::Pool { owner: "org_1".into(), pool: Pool { remaining: 50, refill: None } });
/// assert_eq!(parsed.to_json_line(std::time::SystemTime::now()), line);
/// # Ok::<(), keyrack::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
// Lines are handled one at a time: boxing the record would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum ExportLine {
    /// A key's record (see [`KeyRecord::from_json_line`]).
    Record(KeyRecord),
    /// An owner's shared credit pool.
    Pool {
        /// The owner whose keys with `shared_credits` spend it.
        owner: String,
        /// Its balance and refill.
        pool: Pool,
    },
}

/// The JSON shape of a pool line.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PoolLine {
    pool: String,
    remaining: u64,
    refill: Option<Refill>,
}

impl ExportLine {
    /// Parses one line: a pool when it has a `pool` field, else a record,
    /// each strictly (unknown fields refused, key-shaped text redacted from
    /// errors). Errors are `InvalidArgument` for the field `record` or `pool`.
    pub fn parse(line: &str) -> Result<ExportLine> {
        let bad = |why: String| Error::invalid("record", crate::format::redact(&why));
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|e| bad(format!("not JSON: {e}")))?;
        if value.get("pool").is_none() {
            return KeyRecord::from_json_line(line).map(ExportLine::Record);
        }
        let p: PoolLine = serde_json::from_value(value).map_err(|e| {
            Error::invalid("pool", crate::format::redact(&format!("not a pool: {e}")))
        })?;
        Ok(ExportLine::Pool {
            owner: p.pool,
            pool: Pool {
                remaining: p.remaining,
                refill: p.refill,
            },
        })
    }

    /// The line as [`Store::export`](crate::Store::export) writes it (a
    /// record's `status` is taken at `now`).
    pub fn to_json_line(&self, now: SystemTime) -> String {
        match self {
            ExportLine::Record(r) => r.to_json_line(now),
            ExportLine::Pool { owner, pool } => serde_json::to_string(&PoolLine {
                pool: owner.clone(),
                remaining: pool.remaining,
                refill: pool.refill,
            })
            .expect("pools serialize"),
        }
    }
}

/// An owner's shared credit balance, spent by its keys issued with `shared_credits`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pool {
    /// Credits left.
    pub remaining: u64,
    /// How they refill, if they do.
    pub refill: Option<Refill>,
}

/// What an audit event records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuditKind {
    /// A key was issued.
    Issued,
    /// A key was revoked.
    Revoked,
    /// A key got a new secret.
    Rotated,
    /// A key's settings changed.
    Updated,
    /// A key was enabled.
    Enabled,
    /// A key was disabled.
    Disabled,
    /// A key's record was purged.
    Purged,
    /// Credits were added to a key (`add_credits`); the detail says how many.
    CreditsAdded,
    /// An owner's pool was set (`set_pool`); no key id, the detail names the owner.
    PoolSet,
    /// Credits were added to an owner's pool (`add_pool_credits`); no key id.
    PoolCreditsAdded,
    /// The store began accepting a prefix (`add_prefix`); no key id.
    PrefixAdded,
    /// The store stopped accepting a prefix (`remove_prefix`); no key id.
    PrefixRemoved,
}

impl AuditKind {
    /// Every kind.
    pub const ALL: [AuditKind; 12] = [
        AuditKind::Issued,
        AuditKind::Revoked,
        AuditKind::Rotated,
        AuditKind::Updated,
        AuditKind::Enabled,
        AuditKind::Disabled,
        AuditKind::Purged,
        AuditKind::CreditsAdded,
        AuditKind::PoolSet,
        AuditKind::PoolCreditsAdded,
        AuditKind::PrefixAdded,
        AuditKind::PrefixRemoved,
    ];

    /// `issued`, `revoked`, …
    pub fn as_str(self) -> &'static str {
        match self {
            AuditKind::Issued => "issued",
            AuditKind::Revoked => "revoked",
            AuditKind::Rotated => "rotated",
            AuditKind::Updated => "updated",
            AuditKind::Enabled => "enabled",
            AuditKind::Disabled => "disabled",
            AuditKind::Purged => "purged",
            AuditKind::CreditsAdded => "credits_added",
            AuditKind::PoolSet => "pool_set",
            AuditKind::PoolCreditsAdded => "pool_credits_added",
            AuditKind::PrefixAdded => "prefix_added",
            AuditKind::PrefixRemoved => "prefix_removed",
        }
    }
}

impl std::str::FromStr for AuditKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        AuditKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| Error::invalid("kind", format!("{s:?} is not an audit event kind")))
    }
}

impl fmt::Display for AuditKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of the audit log. Never holds a secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// When it happened.
    #[serde(with = "serde_millis")]
    pub at: SystemTime,
    /// Order among events of the same millisecond.
    pub seq: u64,
    /// What happened.
    pub kind: AuditKind,
    /// The key's id.
    pub id: String,
    /// Details for people (e.g. the fields an update changed).
    pub detail: String,
}

mod serde_millis {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer, T: AsMillis>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(v.as_millis_i64())
    }
    pub fn deserialize<'de, D: Deserializer<'de>, T: AsMillis>(d: D) -> Result<T, D::Error> {
        Ok(T::from_millis_i64(i64::deserialize(d)?))
    }

    pub trait AsMillis {
        fn as_millis_i64(&self) -> i64;
        fn from_millis_i64(ms: i64) -> Self;
    }
    impl AsMillis for SystemTime {
        fn as_millis_i64(&self) -> i64 {
            to_millis(*self)
        }
        fn from_millis_i64(ms: i64) -> Self {
            from_millis(ms)
        }
    }
    impl AsMillis for Duration {
        fn as_millis_i64(&self) -> i64 {
            duration_millis(*self)
        }
        fn from_millis_i64(ms: i64) -> Self {
            Duration::from_millis(ms.max(0) as u64)
        }
    }
}

mod serde_millis_opt {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<SystemTime>, s: S) -> Result<S::Ok, S::Error> {
        v.map(to_millis).serialize(s)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SystemTime>, D::Error> {
        Ok(Option::<i64>::deserialize(d)?.map(from_millis))
    }
}
