//! Python value types around the core's: records, results, limits, clock.
//! Every `__repr__` here is safe to log: no secret reaches one.

use std::sync::Arc;
use std::time::Duration;

use keyrack::{Clock, Outcome};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyFrozenSet, PyList};

use crate::convert;

static OUTCOMES: PyOnceLock<Vec<Py<PyAny>>> = PyOnceLock::new();

/// The `keyrack.Outcome` member for a core outcome.
pub fn outcome<'py>(py: Python<'py>, o: Outcome) -> PyResult<Bound<'py, PyAny>> {
    let members = OUTCOMES.get_or_try_init(py, || -> PyResult<_> {
        let class = py.import("keyrack")?.getattr("Outcome")?;
        Outcome::ALL
            .iter()
            .map(|o| class.call1((o.as_str(),)).map(Bound::unbind))
            .collect()
    })?;
    let i = Outcome::ALL.iter().position(|x| *x == o).unwrap_or(0);
    Ok(members[i].bind(py).clone())
}

/// `[(name, http_status, message)]` for every core outcome, `missing` last.
pub fn outcome_table() -> Vec<(&'static str, u16, &'static str)> {
    Outcome::ALL
        .iter()
        .map(|o| (o.as_str(), o.http_status(), o.message()))
        .collect()
}

/// A Python-style quoted string for `__repr__`.
pub fn repr_str(s: &str) -> String {
    format!("{s:?}").replace('"', "'")
}

/// A rate limit: at most `limit` verifies per `window`.
#[pyclass(module = "keyrack", frozen, eq, hash, from_py_object)]
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RateLimit(pub keyrack::RateLimit);

#[pymethods]
impl RateLimit {
    #[new]
    fn new(limit: &Bound<'_, PyAny>, window: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(RateLimit(keyrack::RateLimit::new(
            convert::u64_arg("limit", limit)?,
            convert::duration("window", window)?,
        )))
    }
    /// Verifies allowed per window.
    #[getter]
    fn limit(&self) -> u64 {
        self.0.limit
    }
    /// The window's length.
    #[getter]
    fn window<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert::timedelta(py, self.0.window)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "RateLimit(limit={}, window={})",
            self.0.limit,
            self.window(py)?.repr()?
        ))
    }
}

/// Credits that come back: every `every`, the balance is topped up to `amount`.
#[pyclass(module = "keyrack", frozen, eq, hash, from_py_object)]
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Refill(pub keyrack::Refill);

#[pymethods]
impl Refill {
    #[new]
    fn new(amount: &Bound<'_, PyAny>, every: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(Refill(keyrack::Refill::new(
            convert::u64_arg("amount", amount)?,
            convert::duration("every", every)?,
        )))
    }
    /// The balance restored each period.
    #[getter]
    fn amount(&self) -> u64 {
        self.0.amount
    }
    /// The period.
    #[getter]
    fn every<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert::timedelta(py, self.0.every)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Refill(amount={}, every={})",
            self.0.amount,
            self.every(py)?.repr()?
        ))
    }
}

/// An owner's shared credit balance.
#[pyclass(module = "keyrack", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct Pool(pub keyrack::Pool);

#[pymethods]
impl Pool {
    /// Credits left.
    #[getter]
    fn remaining(&self) -> u64 {
        self.0.remaining
    }
    /// How they refill, if they do.
    #[getter]
    fn refill(&self) -> Option<Refill> {
        self.0.refill.map(Refill)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let refill = match self.refill() {
            Some(r) => r.__repr__(py)?,
            None => "None".to_owned(),
        };
        Ok(format!(
            "Pool(remaining={}, refill={refill})",
            self.0.remaining
        ))
    }
}

/// Everything a store keeps about a key, never its secret.
#[pyclass(module = "keyrack", frozen, eq)]
#[derive(PartialEq)]
pub struct KeyRecord(pub Arc<keyrack::KeyRecord>);

impl KeyRecord {
    pub fn new(r: keyrack::KeyRecord) -> Self {
        KeyRecord(Arc::new(r))
    }
}

#[pymethods]
impl KeyRecord {
    /// Public id: `key_` and 22 base62 characters.
    #[getter]
    fn id(&self) -> &str {
        &self.0.id
    }
    /// The key's prefix, e.g. `sk_live`.
    #[getter]
    fn prefix(&self) -> &str {
        &self.0.prefix
    }
    /// `<prefix>_<first 4 of body>…`, to recognise a key in listings.
    #[getter]
    fn hint(&self) -> &str {
        &self.0.hint
    }
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }
    #[getter]
    fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    #[getter]
    fn owner(&self) -> Option<&str> {
        self.0.owner.as_deref()
    }
    #[getter]
    fn scopes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyFrozenSet>> {
        PyFrozenSet::new(py, self.0.scopes.iter())
    }
    #[getter]
    fn meta<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (k, v) in &self.0.meta {
            d.set_item(k, v)?;
        }
        Ok(d)
    }
    #[getter]
    fn created_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert::datetime(py, self.0.created_at)
    }
    #[getter]
    fn expires_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        convert::opt_datetime(py, self.0.expires_at)
    }
    #[getter]
    fn revoked_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        convert::opt_datetime(py, self.0.revoked_at)
    }
    #[getter]
    fn enabled(&self) -> bool {
        self.0.enabled
    }
    #[getter]
    fn last_used_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        convert::opt_datetime(py, self.0.last_used_at)
    }
    #[getter]
    fn uses(&self) -> u64 {
        self.0.uses
    }
    /// Refused verifies by outcome name (`revoked`, `disabled`, `expired`,
    /// `insufficient_scope`, `rate_limited`, `usage_exceeded`).
    #[getter]
    fn denied<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for o in Outcome::ALL {
            if matches!(
                o,
                Outcome::Valid | Outcome::Malformed | Outcome::NotFound | Outcome::Missing
            ) {
                continue;
            }
            d.set_item(o.as_str(), self.0.denied.get(o))?;
        }
        Ok(d)
    }
    #[getter]
    fn remaining(&self) -> Option<u64> {
        self.0.remaining
    }
    #[getter]
    fn refill(&self) -> Option<Refill> {
        self.0.refill.map(Refill)
    }
    #[getter]
    fn shared_credits(&self) -> bool {
        self.0.shared_credits
    }
    #[getter]
    fn rate_limit(&self) -> Option<RateLimit> {
        self.0.rate_limit.map(RateLimit)
    }
    /// Every field as plain Python values (for JSON: datetimes stay datetimes).
    fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyDict>> {
        let py = slf.py();
        let d = PyDict::new(py);
        for name in [
            "id",
            "prefix",
            "hint",
            "name",
            "description",
            "owner",
            "scopes",
            "meta",
            "created_at",
            "expires_at",
            "revoked_at",
            "enabled",
            "last_used_at",
            "uses",
            "denied",
            "remaining",
            "refill",
            "shared_credits",
            "rate_limit",
        ] {
            d.set_item(name, slf.getattr(name)?)?;
        }
        Ok(d)
    }
    fn __repr__(&self) -> String {
        format!(
            "KeyRecord(id={}, hint={}, name={})",
            repr_str(&self.0.id),
            repr_str(&self.0.hint),
            repr_str(&self.0.name)
        )
    }
}

/// A newly issued (or rotated) key. `key` is the secret: hand it to its
/// owner once; it is never in `repr()` or `str()`.
#[pyclass(module = "keyrack", frozen)]
pub struct Issued {
    pub issued: keyrack::Issued,
    pub record: Py<KeyRecord>,
}

impl Issued {
    pub fn new(py: Python<'_>, issued: keyrack::Issued) -> PyResult<Self> {
        let record = Py::new(py, KeyRecord::new(issued.record.clone()))?;
        Ok(Issued { issued, record })
    }
}

#[pymethods]
impl Issued {
    #[getter]
    fn id(&self) -> &str {
        &self.issued.id
    }
    /// The full key (the secret).
    #[getter]
    fn key(&self) -> &str {
        self.issued.key.expose()
    }
    #[getter]
    fn record(&self, py: Python<'_>) -> Py<KeyRecord> {
        self.record.clone_ref(py)
    }
    fn __repr__(&self) -> String {
        format!(
            "Issued(id={}, key='{} <redacted>')",
            repr_str(&self.issued.id),
            self.issued.record.hint
        )
    }
}

/// What a verify found. Truthy only when the outcome is `valid`.
#[pyclass(module = "keyrack", frozen)]
pub struct Verification {
    pub outcome: Outcome,
    pub record: Option<Arc<keyrack::KeyRecord>>,
    pub remaining: Option<u64>,
    pub retry_after: Option<Duration>,
}

impl Verification {
    pub fn from_core(v: keyrack::Verification) -> Self {
        Verification {
            outcome: v.outcome,
            record: v.record,
            remaining: v.remaining,
            retry_after: v.retry_after,
        }
    }
    pub fn missing() -> Self {
        Verification {
            outcome: Outcome::Missing,
            record: None,
            remaining: None,
            retry_after: None,
        }
    }
}

#[pymethods]
impl Verification {
    /// The outcome (a `keyrack.Outcome`, equal to its string).
    #[getter]
    fn outcome<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        outcome(py, self.outcome)
    }
    /// The key's record when the key was found.
    #[getter]
    fn record(&self) -> Option<KeyRecord> {
        self.record.clone().map(KeyRecord)
    }
    /// The key's id when the key was found.
    #[getter]
    fn id(&self) -> Option<&str> {
        self.record.as_deref().map(|r| r.id.as_str())
    }
    /// Credits left after this call, on a metered key (or its owner's pool).
    #[getter]
    fn remaining(&self) -> Option<u64> {
        self.remaining
    }
    /// For `rate_limited`: how long until the window reopens.
    #[getter]
    fn retry_after<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.retry_after
            .map(|d| convert::timedelta(py, d))
            .transpose()
    }
    #[getter]
    fn is_valid(&self) -> bool {
        self.outcome.is_valid()
    }
    /// The HTTP status to answer with.
    #[getter]
    fn http_status(&self) -> u16 {
        self.outcome.http_status()
    }
    /// A short public message for the caller.
    #[getter]
    fn message(&self) -> &'static str {
        self.outcome.message()
    }
    fn __bool__(&self) -> bool {
        self.outcome.is_valid()
    }
    fn __repr__(&self) -> String {
        let mut s = format!("Verification(outcome='{}'", self.outcome.as_str());
        if let Some(r) = &self.record {
            s.push_str(&format!(", id={}", repr_str(&r.id)));
        }
        if let Some(n) = self.remaining {
            s.push_str(&format!(", remaining={n}"));
        }
        if let Some(d) = self.retry_after {
            s.push_str(&format!(", retry_after_ms={}", d.as_millis()));
        }
        s.push(')');
        s
    }
}

/// One audit log entry (never a secret).
#[pyclass(module = "keyrack", frozen, eq)]
#[derive(PartialEq)]
pub struct AuditEvent(pub keyrack::AuditEvent);

#[pymethods]
impl AuditEvent {
    #[getter]
    fn at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert::datetime(py, self.0.at)
    }
    #[getter]
    fn seq(&self) -> u64 {
        self.0.seq
    }
    /// `issued`, `revoked`, `rotated`, `updated`, `enabled`, `disabled` or `purged`.
    #[getter]
    fn kind(&self) -> &'static str {
        self.0.kind.as_str()
    }
    #[getter]
    fn id(&self) -> &str {
        &self.0.id
    }
    #[getter]
    fn detail(&self) -> &str {
        &self.0.detail
    }
    fn __repr__(&self) -> String {
        format!(
            "AuditEvent(kind='{}', id={}, at_ms={})",
            self.0.kind,
            repr_str(&self.0.id),
            keyrack::to_millis(self.0.at)
        )
    }
}

/// One page of `list()` or `audit()`: iterable, with the cursor of the next.
#[pyclass(module = "keyrack", frozen)]
pub struct Page {
    /// The items of this page.
    #[pyo3(get)]
    pub items: Py<PyList>,
    /// Pass as `cursor=` for the next page; None on the last page.
    #[pyo3(get)]
    pub next_cursor: Option<String>,
}

#[pymethods]
impl Page {
    /// `Page[KeyRecord]` works at runtime too, as in the stubs.
    #[classmethod]
    fn __class_getitem__<'py>(
        cls: &Bound<'py, pyo3::types::PyType>,
        item: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        generic_alias(cls, item)
    }
    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.items.bind(py).try_iter()?.into_any())
    }
    fn __len__(&self, py: Python<'_>) -> usize {
        self.items.bind(py).len()
    }
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Page(len={}, next_cursor={})",
            self.items.bind(py).len(),
            self.next_cursor
                .as_deref()
                .map_or("None".to_owned(), repr_str)
        )
    }
}

/// A clock for tests: it starts at `start` and moves only when told to.
/// Pass it as `Store(path, clock=...)`.
#[pyclass(module = "keyrack", frozen)]
pub struct ManualClock(pub Clock);

#[pymethods]
impl ManualClock {
    #[new]
    fn new(start: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(ManualClock(Clock::manual(convert::system_time(
            "start", start,
        )?)))
    }
    /// Moves the clock forward.
    fn advance(&self, by: &Bound<'_, PyAny>) -> PyResult<()> {
        self.0.advance(convert::duration("by", by)?);
        Ok(())
    }
    /// Sets the clock.
    fn set(&self, to: &Bound<'_, PyAny>) -> PyResult<()> {
        self.0.set(convert::system_time("to", to)?);
        Ok(())
    }
    /// The clock's time.
    fn now<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert::datetime(py, self.0.now())
    }
    fn __repr__(&self) -> String {
        format!("ManualClock(ms={})", self.0.now_millis())
    }
}

/// `types.GenericAlias(cls, item)`: lets `Page[KeyRecord]` be written at runtime.
pub fn generic_alias<'py>(
    cls: &Bound<'py, pyo3::types::PyType>,
    item: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = cls.py();
    py.import("types")?
        .getattr("GenericAlias")?
        .call1((cls, item))
}
