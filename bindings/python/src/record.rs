//! `KeyRecord` and the value types a record holds (`RateLimit`, `Refill`).
//! Every `__repr__` here is safe to log: no secret reaches one.

use std::sync::Arc;

use keyrack::Outcome;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFrozenSet};

use crate::convert;

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
    pub(crate) fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Refill(amount={}, every={})",
            self.0.amount,
            self.every(py)?.repr()?
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

/// Every audit event kind, in the core's order (`keyrack.AUDIT_KINDS`).
pub fn audit_kinds() -> Vec<&'static str> {
    keyrack::AuditKind::ALL.iter().map(|k| k.as_str()).collect()
}

/// Every key status, in the core's order (`keyrack.STATUSES`).
pub fn statuses() -> Vec<&'static str> {
    keyrack::Status::ALL.iter().map(|s| s.as_str()).collect()
}
