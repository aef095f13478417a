//! Options for opening a store and for each verb. Each type is built with
//! `Default`/`new` and chained setters.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime};

use crate::clock::Clock;
use crate::record::{AuditKind, RateLimit, Refill, Status};
use crate::secret::Pepper;

/// How to open a store.
///
/// ```
/// use keyrack::Options;
/// let opts = Options::default().prefix("sk_live").prefixes(["sk_test"]);
/// assert_eq!(opts.prefix.as_deref(), Some("sk_live"));
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Options {
    /// The prefix issued keys get when an issue names none. A new store saves
    /// it as its default (else `kr`); on an existing store it must be one the
    /// store accepts and only picks this handle's prefix (nothing is saved:
    /// [`Store::add_prefix`](crate::Store::add_prefix) changes the set).
    pub prefix: Option<String>,
    /// Further prefixes a new store accepts (issue may pick any). On an
    /// existing store each must already be accepted, else the open is
    /// `InvalidArgument`; an open never changes the accepted set.
    pub prefixes: Option<Vec<String>>,
    /// A 32-byte pepper kept outside the file. A store created with one must
    /// always be opened with the same one ([`Error::PepperMismatch`](crate::Error::PepperMismatch)).
    pub pepper: Option<Pepper>,
    /// Open without writing: several processes may do so at once (but not while
    /// a writer holds the file). Every write answers `ReadOnly`.
    pub read_only: bool,
    /// Create the file when it does not exist (default `true`).
    pub create: bool,
    /// Where "now" comes from (default: the system clock).
    pub clock: Clock,
    /// Grace allowed past `expires_at` (default 0).
    pub leeway: Duration,
    /// How often in-memory counters (`uses`, `last_used_at`, `denied`, credits
    /// spent) are written to the file (default 1 s); they are also written on close.
    pub flush_interval: Duration,
    /// Most keys kept in the verify cache (default 1,000,000; oldest entries
    /// are evicted first). Each cached key costs roughly 600 bytes plus its
    /// strings (its record, counters and map slots).
    pub cache_capacity: usize,
    /// Bytes of file pages redb keeps in its own cache (default 128 MiB).
    /// Verifies of known keys are served from keyrack's cache, so this mostly
    /// serves unknown keys, listings and writes.
    pub file_cache_bytes: usize,
    /// Most credits a metered key (or an owner's pool) reserves in the file
    /// ahead of spending them in memory (default 100). A verify spends only
    /// credits the file already counts as spent, so no crash gives one back;
    /// a crash forfeits at most this many per key or pool that was spending
    /// (its unspent reservation), a clean close none. Larger means fewer
    /// durable writes on busy metered keys.
    pub credit_lease: u64,
    /// Check every page checksum when opening for writing (default `true`):
    /// a damaged file then fails with `Corrupted` instead of being trusted.
    pub check_integrity: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            prefix: None,
            prefixes: None,
            pepper: None,
            read_only: false,
            create: true,
            clock: Clock::system(),
            leeway: Duration::ZERO,
            flush_interval: Duration::from_secs(1),
            cache_capacity: 1_000_000,
            file_cache_bytes: 128 << 20,
            check_integrity: true,
            credit_lease: 100,
        }
    }
}

impl Options {
    /// Sets the default prefix.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }
    /// Sets the accepted prefixes.
    pub fn prefixes<I, S>(mut self, prefixes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.prefixes = Some(prefixes.into_iter().map(Into::into).collect());
        self
    }
    /// Sets the pepper.
    pub fn pepper(mut self, pepper: Pepper) -> Self {
        self.pepper = Some(pepper);
        self
    }
    /// Opens read-only.
    pub fn read_only(mut self, read_only: bool) -> Self {
        self.read_only = read_only;
        self
    }
    /// Whether to create a missing file.
    pub fn create(mut self, create: bool) -> Self {
        self.create = create;
        self
    }
    /// Sets the clock.
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }
    /// Sets the expiry leeway.
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }
    /// Sets the counter flush interval.
    pub fn flush_interval(mut self, every: Duration) -> Self {
        self.flush_interval = every;
        self
    }
    /// Sets the verify cache capacity.
    pub fn cache_capacity(mut self, keys: usize) -> Self {
        self.cache_capacity = keys;
        self
    }
    /// Sets redb's page cache size.
    pub fn file_cache_bytes(mut self, bytes: usize) -> Self {
        self.file_cache_bytes = bytes;
        self
    }
    /// Sets the most credits a key or pool reserves ahead of spending.
    pub fn credit_lease(mut self, credits: u64) -> Self {
        self.credit_lease = credits;
        self
    }
    /// Sets whether to check integrity on open.
    pub fn check_integrity(mut self, check: bool) -> Self {
        self.check_integrity = check;
        self
    }
}

/// When a key expires: given to [`IssueOptions`] and [`UpdateOptions`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expiry {
    /// This long after the write that sets it (issue or update), counted from
    /// the time its transaction stamps. Must be above zero.
    In(Duration),
    /// At this time (must be in the future).
    At(SystemTime),
}

impl Expiry {
    /// The expiry of a call that takes `expires_in` and `expires_at` as two
    /// optional arguments (as the bindings and the CLI do): at most one may be
    /// given.
    ///
    /// ```
    /// use std::time::Duration;
    /// use keyrack::Expiry;
    /// let day = Duration::from_secs(86_400);
    /// assert_eq!(Expiry::either(Some(day), None).unwrap(), Some(Expiry::In(day)));
    /// assert_eq!(Expiry::either(None, None).unwrap(), None);
    /// assert!(Expiry::either(Some(day), Some(std::time::SystemTime::now())).is_err());
    /// ```
    pub fn either(
        expires_in: Option<Duration>,
        expires_at: Option<SystemTime>,
    ) -> crate::Result<Option<Expiry>> {
        match (expires_in, expires_at) {
            (Some(_), Some(_)) => Err(crate::Error::invalid(
                "expires_in",
                "give expires_in or expires_at, not both",
            )),
            (Some(d), None) => Ok(Some(Expiry::In(d))),
            (None, Some(t)) => Ok(Some(Expiry::At(t))),
            (None, None) => Ok(None),
        }
    }
}

/// What to issue.
///
/// ```
/// use std::time::Duration;
/// use keyrack::IssueOptions;
/// let opts = IssueOptions::new("ci")
///     .owner("org_42")
///     .scope("deploy")
///     .meta("team", "infra")
///     .expires_in(Duration::from_secs(86_400))
///     .remaining(5);
/// assert_eq!(opts.remaining, Some(5));
/// ```
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct IssueOptions {
    /// A name for people (may be empty; at most 256 bytes).
    pub name: String,
    /// Optional description (at most 4096 bytes).
    pub description: Option<String>,
    /// The host's user or organisation id (1–256 bytes).
    pub owner: Option<String>,
    /// Scopes granted (each 1–128 bytes, no whitespace).
    pub scopes: BTreeSet<String>,
    /// String metadata (keys 1–128 bytes, values at most 4096 bytes, 64 entries).
    pub meta: BTreeMap<String, String>,
    /// One of the store's accepted prefixes (default: the store's default).
    pub prefix: Option<String>,
    /// When the key expires (default: never).
    pub expiry: Option<Expiry>,
    /// Usage credits (default: unmetered).
    pub remaining: Option<u64>,
    /// How credits refill; with no `remaining`, the key starts with `amount`.
    pub refill: Option<Refill>,
    /// Spend the owner's credit pool instead (needs `owner`; excludes `remaining`).
    pub shared_credits: bool,
    /// A rate limit.
    pub rate_limit: Option<RateLimit>,
}

impl IssueOptions {
    /// Options for a key called `name`.
    pub fn new(name: impl Into<String>) -> Self {
        IssueOptions {
            name: name.into(),
            ..Default::default()
        }
    }
    /// Sets the description.
    pub fn description(mut self, d: impl Into<String>) -> Self {
        self.description = Some(d.into());
        self
    }
    /// Sets the owner.
    pub fn owner(mut self, owner: impl Into<String>) -> Self {
        self.owner = Some(owner.into());
        self
    }
    /// Adds one scope.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scopes.insert(scope.into());
        self
    }
    /// Adds scopes.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }
    /// Adds one metadata entry.
    pub fn meta(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.meta.insert(key.into(), value.into());
        self
    }
    /// Picks an accepted prefix.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }
    /// Expires this long after issue.
    pub fn expires_in(mut self, d: Duration) -> Self {
        self.expiry = Some(Expiry::In(d));
        self
    }
    /// Expires at this time.
    pub fn expires_at(mut self, t: SystemTime) -> Self {
        self.expiry = Some(Expiry::At(t));
        self
    }
    /// Meters the key with this many credits.
    pub fn remaining(mut self, credits: u64) -> Self {
        self.remaining = Some(credits);
        self
    }
    /// Refills credits.
    pub fn refill(mut self, refill: Refill) -> Self {
        self.refill = Some(refill);
        self
    }
    /// Spends the owner's pool.
    pub fn shared_credits(mut self, shared: bool) -> Self {
        self.shared_credits = shared;
        self
    }
    /// Sets a rate limit.
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }
}

/// What a verify requires beyond a good key.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifyOptions {
    /// Scopes the key must all have.
    pub scopes: Vec<String>,
    /// Credits this call costs on a metered key (default 1; 0 only checks).
    pub cost: u64,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            scopes: Vec::new(),
            cost: 1,
        }
    }
}

impl VerifyOptions {
    /// Requires a scope.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scopes.push(scope.into());
        self
    }
    /// Requires scopes.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }
    /// Sets the cost.
    pub fn cost(mut self, cost: u64) -> Self {
        self.cost = cost;
        self
    }
}

/// Changes to a key's settings; `None` leaves a field alone.
///
/// ```
/// use std::time::Duration;
/// use keyrack::{Expiry, UpdateOptions};
/// let change = UpdateOptions::default().name("renamed").expires_at(None);
/// assert_eq!(change.expiry, Some(None));
/// let later = UpdateOptions::default().expires_in(Duration::from_secs(60));
/// assert_eq!(later.expiry, Some(Some(Expiry::In(Duration::from_secs(60)))));
/// assert!(UpdateOptions::default().is_empty() && !later.is_empty());
/// ```
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct UpdateOptions {
    /// New name.
    pub name: Option<String>,
    /// New description (`Some(None)` clears it).
    pub description: Option<Option<String>>,
    /// New owner (`Some(None)` clears it).
    pub owner: Option<Option<String>>,
    /// New scopes (replacing the old set).
    pub scopes: Option<BTreeSet<String>>,
    /// New metadata (replacing the old map).
    pub meta: Option<BTreeMap<String, String>>,
    /// New expiry (`Some(None)` removes it; a past time is refused; a span
    /// counts from the time the update's transaction stamps).
    pub expiry: Option<Option<Expiry>>,
    /// New credit balance (`Some(None)` unmeters the key).
    pub remaining: Option<Option<u64>>,
    /// New refill (`Some(None)` removes it).
    pub refill: Option<Option<Refill>>,
    /// New rate limit (`Some(None)` removes it).
    pub rate_limit: Option<Option<RateLimit>>,
    /// Switch between own credits and the owner's pool.
    pub shared_credits: Option<bool>,
}

impl UpdateOptions {
    /// Renames.
    pub fn name(mut self, v: impl Into<String>) -> Self {
        self.name = Some(v.into());
        self
    }
    /// Sets or clears the description.
    pub fn description(mut self, v: Option<String>) -> Self {
        self.description = Some(v);
        self
    }
    /// Sets or clears the owner.
    pub fn owner(mut self, v: Option<String>) -> Self {
        self.owner = Some(v);
        self
    }
    /// Replaces the scopes.
    pub fn scopes<I, S>(mut self, v: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = Some(v.into_iter().map(Into::into).collect());
        self
    }
    /// Replaces the metadata.
    pub fn meta(mut self, v: BTreeMap<String, String>) -> Self {
        self.meta = Some(v);
        self
    }
    /// Sets (`Some`) or clears (`None`) the expiry time.
    pub fn expires_at(mut self, v: Option<SystemTime>) -> Self {
        self.expiry = Some(v.map(Expiry::At));
        self
    }
    /// Expires this long after the update commits.
    pub fn expires_in(mut self, d: Duration) -> Self {
        self.expiry = Some(Some(Expiry::In(d)));
        self
    }
    /// Sets (`Some`) or clears (`None`) the expiry.
    pub fn expiry(mut self, v: Option<Expiry>) -> Self {
        self.expiry = Some(v);
        self
    }
    /// Whether this changes nothing.
    pub fn is_empty(&self) -> bool {
        let UpdateOptions {
            name,
            description,
            owner,
            scopes,
            meta,
            expiry,
            remaining,
            refill,
            rate_limit,
            shared_credits,
        } = self;
        name.is_none()
            && description.is_none()
            && owner.is_none()
            && scopes.is_none()
            && meta.is_none()
            && expiry.is_none()
            && remaining.is_none()
            && refill.is_none()
            && rate_limit.is_none()
            && shared_credits.is_none()
    }
    /// Sets or clears the credits.
    pub fn remaining(mut self, v: Option<u64>) -> Self {
        self.remaining = Some(v);
        self
    }
    /// Sets or clears the refill.
    pub fn refill(mut self, v: Option<Refill>) -> Self {
        self.refill = Some(v);
        self
    }
    /// Sets or clears the rate limit.
    pub fn rate_limit(mut self, v: Option<RateLimit>) -> Self {
        self.rate_limit = Some(v);
        self
    }
    /// Switches credit source.
    pub fn shared_credits(mut self, v: bool) -> Self {
        self.shared_credits = Some(v);
        self
    }
}

/// Which records to list, one page at a time.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListOptions {
    /// Only this owner's keys.
    pub owner: Option<String>,
    /// Only keys with this prefix.
    pub prefix: Option<String>,
    /// Only keys in this state.
    pub status: Option<Status>,
    /// Only keys not used since this time (never-used keys included).
    pub unused_since: Option<SystemTime>,
    /// Page size, 1–1000 (default 100).
    pub limit: usize,
    /// Where the previous page stopped ([`Page::next_cursor`](crate::Page)).
    pub cursor: Option<String>,
}

impl Default for ListOptions {
    fn default() -> Self {
        ListOptions {
            owner: None,
            prefix: None,
            status: None,
            unused_since: None,
            limit: 100,
            cursor: None,
        }
    }
}

impl ListOptions {
    /// Filters by owner.
    pub fn owner(mut self, v: impl Into<String>) -> Self {
        self.owner = Some(v.into());
        self
    }
    /// Filters by prefix.
    pub fn prefix(mut self, v: impl Into<String>) -> Self {
        self.prefix = Some(v.into());
        self
    }
    /// Filters by status.
    pub fn status(mut self, v: Status) -> Self {
        self.status = Some(v);
        self
    }
    /// Filters by last use.
    pub fn unused_since(mut self, v: SystemTime) -> Self {
        self.unused_since = Some(v);
        self
    }
    /// Sets the page size.
    pub fn limit(mut self, v: usize) -> Self {
        self.limit = v;
        self
    }
    /// Continues after a cursor.
    pub fn cursor(mut self, v: impl Into<String>) -> Self {
        self.cursor = Some(v.into());
        self
    }
}

/// Which audit events to read, oldest first.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuditOptions {
    /// Only this key's events.
    pub id: Option<String>,
    /// Only this kind of event.
    pub kind: Option<AuditKind>,
    /// Only events at or after this time.
    pub since: Option<SystemTime>,
    /// At most this many events, 1–10000 (default 100).
    pub limit: usize,
    /// Continue after this cursor ([`AuditPage::next_cursor`](crate::AuditPage)).
    pub cursor: Option<String>,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            id: None,
            kind: None,
            since: None,
            limit: 100,
            cursor: None,
        }
    }
}

impl AuditOptions {
    /// Filters by key id.
    pub fn id(mut self, v: impl Into<String>) -> Self {
        self.id = Some(v.into());
        self
    }
    /// Filters by kind.
    pub fn kind(mut self, v: AuditKind) -> Self {
        self.kind = Some(v);
        self
    }
    /// Starts at a time.
    pub fn since(mut self, v: SystemTime) -> Self {
        self.since = Some(v);
        self
    }
    /// Sets the page size.
    pub fn limit(mut self, v: usize) -> Self {
        self.limit = v;
        self
    }
    /// Continues after a cursor.
    pub fn cursor(mut self, v: impl Into<String>) -> Self {
        self.cursor = Some(v.into());
        self
    }
}
