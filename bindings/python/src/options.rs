//! Typed conversions of the arguments every verb takes, each converted once
//! where the argument is declared (`#[pyo3(from_py_with = arg::…)]`).
//!
//! A keyword left out and a keyword given as `None` stay distinct where the
//! API needs it: [`Change`] is `update()`'s sentinel (left out: keep; `None`:
//! clear). Every error names its argument (`InvalidArgument.field`, or the
//! `TypeError`'s message).

use std::time::{Duration, SystemTime};

use keyrack::Expiry;
use pyo3::prelude::*;

use crate::error::IntoPy;

/// One `update()` keyword: left out, given as `None`, or given a value.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Change<T> {
    /// Left out: the field keeps its value.
    #[default]
    Keep,
    /// Given as `None`: the field is cleared.
    Clear,
    /// Given a value.
    Set(T),
}

impl<T> Change<T> {
    /// The core's `Option<Option<T>>`: `None` keeps, `Some(None)` clears.
    pub fn into_core(self) -> Option<Option<T>> {
        match self {
            Change::Keep => None,
            Change::Clear => Some(None),
            Change::Set(v) => Some(Some(v)),
        }
    }
    /// The value, for a field `None` does not clear (it was refused already).
    pub fn into_set(self) -> Option<T> {
        self.into_core().flatten()
    }
}

/// The expiry `update(expires_in=…, expires_at=…)` asks for: `None` clears
/// it; both keywords given (even as `None`) is the core's "not both" refusal
/// ([`Expiry::either`]). `expires_in` is resolved by the core, inside the
/// update's transaction.
pub fn expiry_change(
    py: Python<'_>,
    expires_in: Change<Duration>,
    expires_at: Change<SystemTime>,
) -> PyResult<Option<Option<Expiry>>> {
    match (&expires_in, &expires_at) {
        (Change::Keep, Change::Keep) => Ok(None),
        (Change::Clear, Change::Keep) | (Change::Keep, Change::Clear) => Ok(Some(None)),
        (Change::Set(d), Change::Keep) => Ok(Some(Some(Expiry::In(*d)))),
        (Change::Keep, Change::Set(t)) => Ok(Some(Some(Expiry::At(*t)))),
        // Both given, as values or as None: the core refuses, whatever they are.
        _ => Expiry::either(Some(Duration::ZERO), Some(SystemTime::UNIX_EPOCH))
            .py(py)
            .map(Some),
    }
}

/// `fn(field, obj) -> T` conversions of [`crate::convert`], lifted.
type Conv<T> = for<'a, 'py> fn(&'static str, &'a Bound<'py, PyAny>) -> PyResult<T>;

/// `None` stays `None`; anything else goes through `conv`.
fn opt<T>(conv: Conv<T>) -> impl Fn(&'static str, &Bound<'_, PyAny>) -> PyResult<Option<T>> {
    move |field, o| {
        if o.is_none() {
            Ok(None)
        } else {
            conv(field, o).map(Some)
        }
    }
}

/// `None` clears; anything else goes through `conv`.
fn clear<T>(conv: Conv<T>) -> impl Fn(&'static str, &Bound<'_, PyAny>) -> PyResult<Change<T>> {
    move |field, o| {
        if o.is_none() {
            Ok(Change::Clear)
        } else {
            conv(field, o).map(Change::Set)
        }
    }
}

/// `None` means `empty` (scopes, meta); anything else goes through `conv`.
fn empty<T: Default>(
    conv: Conv<T>,
) -> impl Fn(&'static str, &Bound<'_, PyAny>) -> PyResult<Change<T>> {
    move |field, o| {
        if o.is_none() {
            Ok(Change::Set(T::default()))
        } else {
            conv(field, o).map(Change::Set)
        }
    }
}

/// A value `None` cannot clear (`update(name=None)` is a `TypeError`).
fn set<T>(conv: Conv<T>) -> impl Fn(&'static str, &Bound<'_, PyAny>) -> PyResult<Change<T>> {
    move |field, o| conv(field, o).map(Change::Set)
}

/// Declares one `from_py_with` extractor per argument: its name, the field
/// its errors name, its type and its conversion.
macro_rules! extractors {
    ($($f:ident($field:literal) -> $t:ty = $conv:expr;)*) => {$(
        #[doc = concat!("The `", $field, "` argument.")]
        pub fn $f(o: &Bound<'_, PyAny>) -> PyResult<$t> {
            ($conv)($field, o)
        }
    )*};
}

/// Extractors of the arguments the verbs declare.
pub mod arg {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::PathBuf;
    use std::time::{Duration, SystemTime};

    use keyrack::{AuditKind, Clock, Pepper, Status};
    use pyo3::prelude::*;

    use super::{Change, clear, empty, opt, set};
    use crate::convert as c;

    extractors! {
        // open
        path("path") -> PathBuf = c::path;
        prefix("prefix") -> Option<String> = opt(c::string);
        prefixes("prefixes") -> Option<Vec<String>> = opt(c::strings);
        pepper("pepper") -> Option<Pepper> = opt(c::pepper);
        clock("clock") -> Option<Clock> = opt(c::clock);
        leeway("leeway") -> Option<Duration> = opt(c::duration);
        flush_interval("flush_interval") -> Option<Duration> = opt(c::duration);
        cache_capacity("cache_capacity") -> Option<usize> = opt(c::usize_arg);
        credit_lease("credit_lease") -> Option<u64> = opt(c::u64_arg);
        // prefixes (add_prefix, remove_prefix)
        one_prefix("prefix") -> String = c::string;
        // verify
        verify_scopes("scopes") -> Option<Vec<String>> = opt(c::strings);
        cost("cost") -> Option<u64> = opt(c::u64_arg);
        // issue
        name("name") -> Option<String> = opt(c::string);
        description("description") -> Option<String> = opt(c::string);
        owner("owner") -> Option<String> = opt(c::string);
        scopes("scopes") -> Option<BTreeSet<String>> = opt(c::string_set);
        meta("meta") -> Option<BTreeMap<String, String>> = opt(c::string_map);
        expires_in("expires_in") -> Option<Duration> = opt(c::duration);
        expires_at("expires_at") -> Option<SystemTime> = opt(c::system_time);
        remaining("remaining") -> Option<u64> = opt(c::u64_arg);
        refill("refill") -> Option<keyrack::Refill> = opt(c::refill);
        shared_credits("shared_credits") -> Option<bool> = opt(c::bool_arg);
        rate_limit("rate_limit") -> Option<keyrack::RateLimit> = opt(c::rate_limit);
        // manage
        id("id") -> String = c::string;
        grace("grace") -> Option<Duration> = opt(c::duration);
        older_than("older_than") -> Option<Duration> = opt(c::duration);
        credits("credits") -> u64 = c::u64_arg;
        // read
        opt_id("id") -> Option<String> = opt(c::string);
        status("status") -> Option<Status> = opt(c::parsed::<Status>);
        kind("kind") -> Option<AuditKind> = opt(c::parsed::<AuditKind>);
        unused_since("unused_since") -> Option<SystemTime> = opt(c::system_time);
        since("since") -> Option<SystemTime> = opt(c::system_time);
        limit("limit") -> Option<usize> = opt(c::usize_arg);
        page_size("page_size") -> Option<usize> = opt(c::usize_arg);
        cursor("cursor") -> Option<String> = opt(c::string);
        // pool
        pool_owner("owner") -> String = c::string;
        pool_remaining("remaining") -> u64 = c::u64_arg;
        // transfer
        text("text") -> String = c::string;
    }

    /// Extractors of `update()`'s keywords: a [`Change`] each.
    pub mod change {
        use super::*;

        extractors! {
            name("name") -> Change<String> = set(c::string);
            description("description") -> Change<String> = clear(c::string);
            owner("owner") -> Change<String> = clear(c::string);
            scopes("scopes") -> Change<BTreeSet<String>> = empty(c::string_set);
            meta("meta") -> Change<BTreeMap<String, String>> = empty(c::string_map);
            expires_in("expires_in") -> Change<Duration> = clear(c::duration);
            expires_at("expires_at") -> Change<SystemTime> = clear(c::system_time);
            remaining("remaining") -> Change<u64> = clear(c::u64_arg);
            refill("refill") -> Change<keyrack::Refill> = clear(c::refill);
            rate_limit("rate_limit") -> Change<keyrack::RateLimit> = clear(c::rate_limit);
            shared_credits("shared_credits") -> Change<bool> = set(c::bool_arg);
        }
    }
}
