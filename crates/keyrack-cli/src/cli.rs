//! The command line, as clap reads it.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};
use keyrack::{AuditKind, RateLimit, Refill, Status};

use crate::values::{
    When, parse_duration, parse_pair, parse_rate_limit, parse_refill, parse_time, parse_when,
};

const EXIT_CODES: &str = "\
Exit codes:
  0   success; for verify, the key is valid
  1   other failure (I/O error)
  2   bad usage: unknown flag, bad value, refused argument, malformed import line
  3   no key with that id
  4   no store file at the path (only `issue` creates one)
  5   the store file is held by another process
  6   the file is damaged, not a keyrack store, or of an unsupported version
  7   a write on a store opened with --read-only (a verify that would spend too)
  8   the pepper does not match the store's
  9   --read-only found a store whose writer crashed: open it once without --read-only
  verify: 10 malformed, 11 not_found, 12 expired (401 class)
          20 revoked, 21 disabled, 22 insufficient_scope (403 class)
          30 rate_limited, 31 usage_exceeded (429 class)

Durations: 30d, 12h, 15m, 45s, 250ms, 2w, 1h30m. Times: RFC 3339 (2026-05-01T12:00:00Z).

Example:
  keyrack issue --name ci --owner org_42 --scope deploy --expires-in 30d
  keyrack verify < key.txt; echo $?";

/// `keyrack`: manage the API keys of a keyrack store from a shell or a script.
#[derive(Debug, Parser)]
#[command(
    name = "keyrack",
    version,
    about = "Manage the API keys of a keyrack store: issue, verify, revoke, rotate, list, audit.",
    after_help = EXIT_CODES,
    propagate_version = true
)]
pub struct Cli {
    /// The store file [default: $KEYRACK_DB when set and not empty, else keyrack.redb].
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// Open the store without writing: several tools may read at once, but
    /// not while a writer holds the file. Writing verbs then fail (exit 7), as
    /// does a verify that would spend credits or rate-limit tokens (--check does not).
    #[arg(long, global = true)]
    pub read_only: bool,

    /// Print JSON for scripts instead of text for people.
    #[arg(long, global = true)]
    pub json: bool,

    /// The environment variable holding the store's pepper (64 hex digits),
    /// when it was created with one. Read only if set; never printed.
    #[arg(
        long,
        global = true,
        value_name = "VAR",
        default_value = "KEYRACK_PEPPER"
    )]
    pub pepper_env: String,

    /// The verb.
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The store file: `--db`, else a non-empty `$KEYRACK_DB`, else `./keyrack.redb`.
    pub fn store_path(&self) -> PathBuf {
        if let Some(p) = &self.db {
            return p.clone();
        }
        match std::env::var_os("KEYRACK_DB") {
            Some(p) if !p.is_empty() => PathBuf::from(p),
            _ => PathBuf::from("keyrack.redb"),
        }
    }
}

/// Every verb.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Issue a new key (creates the store file on first use). The key is printed once.
    #[command(
        after_help = "Example:\n  keyrack issue --name ci --owner org_42 --scope deploy \
                            --meta team=infra --expires-in 30d --rate-limit 100/1m"
    )]
    Issue(IssueArgs),

    /// Check a key, given as an argument or (to keep it out of shell history) on stdin.
    /// Exits 0 only when the key is valid.
    #[command(
        after_help = "Exit codes: 0 valid; 10 malformed, 11 not_found, 12 expired; \
                            20 revoked, 21 disabled, 22 insufficient_scope; \
                            30 rate_limited, 31 usage_exceeded; \
                            7 with --read-only, for a verify that would spend (use --check).\n\n\
                            Example:\n  keyrack verify --scope deploy < key.txt"
    )]
    Verify(VerifyArgs),

    /// Show one key's record (never its secret).
    #[command(after_help = "Example:\n  keyrack show key_4Hc9XwQm2Lr8TvBn3Kd7Yp")]
    Show(IdArg),

    /// List keys, with filters.
    #[command(
        after_help = "Example:\n  keyrack list --owner org_42 --status active --unused-since 30d"
    )]
    List(ListArgs),

    /// Change a key's settings; flags not given are left alone.
    #[command(
        after_help = "Example:\n  keyrack update key_4Hc9XwQm2Lr8TvBn3Kd7Yp --name deploy-bot \
                            --scope deploy --scope read --expires-in 90d"
    )]
    Update(UpdateArgs),

    /// Enable a disabled key.
    #[command(after_help = "Example:\n  keyrack enable key_4Hc9XwQm2Lr8TvBn3Kd7Yp")]
    Enable(IdArg),

    /// Disable a key: it verifies as `disabled` until enabled again.
    #[command(after_help = "Example:\n  keyrack disable key_4Hc9XwQm2Lr8TvBn3Kd7Yp")]
    Disable(IdArg),

    /// Revoke a key, at once and for good (the record stays for audit until purged).
    #[command(after_help = "Example:\n  keyrack revoke key_4Hc9XwQm2Lr8TvBn3Kd7Yp")]
    Revoke(IdArg),

    /// Give a key a new secret (same id and settings); the new key is printed once.
    #[command(after_help = "Example:\n  keyrack rotate key_4Hc9XwQm2Lr8TvBn3Kd7Yp --grace 1h")]
    Rotate(RotateArgs),

    /// Remove revoked and expired records (and rotated-out secrets).
    #[command(after_help = "Example:\n  keyrack purge --older-than 90d")]
    Purge(PurgeArgs),

    /// Read the audit log (issued, revoked, rotated, updated, …), oldest first.
    #[command(after_help = "Example:\n  keyrack audit --id key_4Hc9XwQm2Lr8TvBn3Kd7Yp --since 7d")]
    Audit(AuditArgs),

    /// Write every record, then every owner's credit pool, as JSON lines on stdout (never a secret).
    #[command(after_help = "Example:\n  keyrack export > keys.jsonl")]
    Export,

    /// Read records and pools as JSON lines (as `export` writes them), check every line, write them all.
    /// Imported keys carry no secret: `rotate` gives each a new one.
    #[command(
        after_help = "Example:\n  keyrack import --dry-run keys.jsonl && keyrack import keys.jsonl"
    )]
    Import(ImportArgs),

    /// Show a key's credits, or top them up with --add (in one write, relative
    /// to the balance the store holds).
    #[command(after_help = "Example:\n  keyrack credits key_4Hc9XwQm2Lr8TvBn3Kd7Yp --add 1000")]
    Credits(CreditsArgs),

    /// Show an owner's shared credit pool, set it with --set, or top it up with --add.
    #[command(
        after_help = "Example:\n  keyrack pool org_42 --set 10000 --refill 10000/30d\n  \
                      keyrack pool org_42 --add 5000"
    )]
    Pool(PoolArgs),

    /// Show the prefixes the store accepts, or accept or stop accepting one.
    #[command(after_help = "Example:\n  keyrack prefixes --accept sk_test --remove sk_old")]
    Prefixes(PrefixesArgs),
}

/// A key id.
#[derive(Debug, Args)]
pub struct IdArg {
    /// The key's id (`key_…`), as `issue` and `list` print it.
    pub id: String,
}

/// `issue`.
#[derive(Debug, Args)]
pub struct IssueArgs {
    /// A name for people.
    #[arg(long)]
    pub name: String,
    /// A longer description.
    #[arg(long)]
    pub description: Option<String>,
    /// The user or organisation the key belongs to.
    #[arg(long)]
    pub owner: Option<String>,
    /// A scope the key grants (repeat for more).
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// Metadata as KEY=VALUE (repeat for more).
    #[arg(long = "meta", value_name = "KEY=VALUE", value_parser = parse_pair)]
    pub meta: Vec<(String, String)>,
    /// One of the store's accepted prefixes (default: the store's default).
    #[arg(long)]
    pub prefix: Option<String>,
    /// Expire this long after issue (30d, 12h, …).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, conflicts_with = "expires_at")]
    pub expires_in: Option<Duration>,
    /// Expire at this time (RFC 3339).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub expires_at: Option<SystemTime>,
    /// Usage credits (each valid verify spends its cost).
    #[arg(long, value_name = "N")]
    pub remaining: Option<u64>,
    /// Refill credits, e.g. 1000/1d tops up to 1000 every day.
    #[arg(long, value_name = "N/PERIOD", value_parser = parse_refill)]
    pub refill: Option<Refill>,
    /// Spend the owner's shared credit pool (see `keyrack pool`).
    #[arg(long)]
    pub shared_credits: bool,
    /// At most N verifies per period, e.g. 100/1m.
    #[arg(long, value_name = "N/PERIOD", value_parser = parse_rate_limit)]
    pub rate_limit: Option<RateLimit>,
}

/// `verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The key; omit it (or give `-`) to read it from stdin.
    pub key: Option<String>,
    /// A scope the key must have (repeat for more).
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// Credits this check spends on a metered key (0 only checks).
    #[arg(long, default_value_t = 1)]
    pub cost: u64,
    /// Check the key without spending credits or rate-limit tokens (the same
    /// as --cost 0); works with --read-only.
    #[arg(long, conflicts_with = "cost")]
    pub check: bool,
}

/// `list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only this owner's keys.
    #[arg(long)]
    pub owner: Option<String>,
    /// Only keys with this prefix.
    #[arg(long)]
    pub prefix: Option<String>,
    /// Only keys in this state.
    #[arg(long, value_parser = status())]
    pub status: Option<Status>,
    /// Only keys not used since then (a duration ago, or a time); never-used keys included.
    #[arg(long, value_name = "WHEN", value_parser = parse_when)]
    pub unused_since: Option<When>,
    /// At most N records (default: all).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: Option<u64>,
    /// Continue after this id (the `next_cursor` of a limited listing).
    #[arg(long)]
    pub cursor: Option<String>,
}

/// `--status`: the core's names (listed in `--help`), read by the core's parse.
fn status() -> impl TypedValueParser<Value = Status> {
    PossibleValuesParser::new(Status::ALL.map(|s| s.as_str())).try_map(|s| s.parse::<Status>())
}

/// `update`.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The key's id.
    pub id: String,
    /// New name.
    #[arg(long)]
    pub name: Option<String>,
    /// New description.
    #[arg(long, conflicts_with = "clear_description")]
    pub description: Option<String>,
    /// Remove the description.
    #[arg(long)]
    pub clear_description: bool,
    /// New owner.
    #[arg(long, conflicts_with = "clear_owner")]
    pub owner: Option<String>,
    /// Remove the owner.
    #[arg(long)]
    pub clear_owner: bool,
    /// Replace the scopes with these (repeat for more).
    #[arg(long = "scope", value_name = "SCOPE", conflicts_with = "clear_scopes")]
    pub scopes: Vec<String>,
    /// Remove every scope.
    #[arg(long)]
    pub clear_scopes: bool,
    /// Replace the metadata with these KEY=VALUE pairs (repeat for more).
    #[arg(long = "meta", value_name = "KEY=VALUE", value_parser = parse_pair, conflicts_with = "clear_meta")]
    pub meta: Vec<(String, String)>,
    /// Remove all metadata.
    #[arg(long)]
    pub clear_meta: bool,
    /// Expire this long from now.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration,
          conflicts_with_all = ["expires_at", "no_expiry"])]
    pub expires_in: Option<Duration>,
    /// Expire at this time (RFC 3339).
    #[arg(long, value_name = "TIME", value_parser = parse_time, conflicts_with = "no_expiry")]
    pub expires_at: Option<SystemTime>,
    /// Never expire.
    #[arg(long)]
    pub no_expiry: bool,
    /// Set the credit balance.
    #[arg(long, value_name = "N", conflicts_with = "unmetered")]
    pub remaining: Option<u64>,
    /// Remove the credit balance (unlimited use).
    #[arg(long)]
    pub unmetered: bool,
    /// Set the refill, e.g. 1000/1d.
    #[arg(long, value_name = "N/PERIOD", value_parser = parse_refill, conflicts_with = "no_refill")]
    pub refill: Option<Refill>,
    /// Remove the refill.
    #[arg(long)]
    pub no_refill: bool,
    /// Set the rate limit, e.g. 100/1m.
    #[arg(long, value_name = "N/PERIOD", value_parser = parse_rate_limit,
          conflicts_with = "no_rate_limit")]
    pub rate_limit: Option<RateLimit>,
    /// Remove the rate limit.
    #[arg(long)]
    pub no_rate_limit: bool,
    /// Spend the owner's pool (true) or the key's own credits (false).
    #[arg(long, value_name = "BOOL")]
    pub shared_credits: Option<bool>,
}

/// `rotate`.
#[derive(Debug, Args)]
pub struct RotateArgs {
    /// The key's id.
    pub id: String,
    /// How long the old secret keeps working (never past the key's expiry).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "0")]
    pub grace: Duration,
}

/// `purge`.
#[derive(Debug, Args)]
pub struct PurgeArgs {
    /// Only records revoked or expired at least this long ago.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "0")]
    pub older_than: Duration,
}

/// `audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only this key's events.
    #[arg(long)]
    pub id: Option<String>,
    /// Only this kind of event.
    #[arg(long, value_parser = audit_kind())]
    pub kind: Option<AuditKind>,
    /// Only events since then (a duration ago, or a time).
    #[arg(long, value_name = "WHEN", value_parser = parse_when)]
    pub since: Option<When>,
    /// At most N events (default: all).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: Option<u64>,
}

/// `--kind`: the core's names (listed in `--help`), read by the core's parse.
fn audit_kind() -> impl TypedValueParser<Value = AuditKind> {
    PossibleValuesParser::new(AuditKind::ALL.map(|k| k.as_str()))
        .try_map(|s| s.parse::<AuditKind>())
}

/// `import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The JSON-lines file; omit it (or give `-`) to read stdin.
    pub file: Option<PathBuf>,
    /// Check every line and report, changing nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// `credits`.
#[derive(Debug, Args)]
pub struct CreditsArgs {
    /// The key's id.
    pub id: String,
    /// Add N credits to the key's balance (a metered key of its own; a key
    /// that spends its owner's pool takes `keyrack pool OWNER --add N`).
    #[arg(long, value_name = "N")]
    pub add: Option<u64>,
}

/// `pool`.
#[derive(Debug, Args)]
pub struct PoolArgs {
    /// The owner.
    pub owner: String,
    /// Set the pool's balance (making the pool if the owner has none).
    #[arg(long, value_name = "N", conflicts_with = "add")]
    pub set: Option<u64>,
    /// With --set: replace the refill, e.g. 10000/30d (without it, --set keeps
    /// the pool's refill).
    #[arg(long, value_name = "N/PERIOD", value_parser = parse_refill, requires = "set")]
    pub refill: Option<Refill>,
    /// Add N credits to the pool, in one write relative to its balance.
    #[arg(long, value_name = "N")]
    pub add: Option<u64>,
}

/// `prefixes`.
#[derive(Debug, Args)]
pub struct PrefixesArgs {
    /// Accept keys and issues with this prefix too (repeat for more).
    #[arg(long = "accept", value_name = "PREFIX")]
    pub accept: Vec<String>,
    /// Stop accepting this prefix: its keys verify as `malformed` from then
    /// on (repeat for more; the default prefix cannot be removed).
    #[arg(long = "remove", value_name = "PREFIX")]
    pub remove: Vec<String>,
    /// Earlier versions changed the default prefix here. The default is now
    /// fixed when the store is created (the first `issue --prefix P`): this
    /// only succeeds when PREFIX already is the default.
    #[arg(long, value_name = "PREFIX", hide = true)]
    pub default: Option<String>,
}
