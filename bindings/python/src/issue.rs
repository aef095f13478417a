//! The issue room: `Store.issue`, `Store.issue_many`, `Store.rotate` and
//! `Issued`.
//!
//! `issue()`'s keywords are declared once, as the signature of
//! [`issue_options`]: `issue(**options)` and every item of `issue_many()`
//! go through it, so both take the same names (an unknown one is a
//! `TypeError`) with the same typed conversions.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime};

use keyrack::{Expiry, IssueOptions};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyCFunction, PyDict, PyMapping, PyTuple};

use crate::convert::type_name;
use crate::error::{IntoPy, call};
use crate::options::arg;
use crate::record::{KeyRecord, repr_str};

/// Converted `issue()` keywords (never shown to Python as a class of its own).
#[pyclass(module = "keyrack", frozen)]
pub struct IssueSpec(IssueOptions);

/// `issue()`'s keywords, converted into the core's [`IssueOptions`]; the
/// "expires_in or expires_at, not both" rule is the core's.
#[pyfunction(name = "issue")]
#[pyo3(signature = (
    name=None, *, description=None, owner=None, scopes=None, meta=None, prefix=None,
    expires_in=None, expires_at=None, remaining=None, refill=None, shared_credits=None,
    rate_limit=None
))]
#[allow(clippy::too_many_arguments)]
fn issue_options(
    py: Python<'_>,
    #[pyo3(from_py_with = arg::name)] name: Option<String>,
    #[pyo3(from_py_with = arg::description)] description: Option<String>,
    #[pyo3(from_py_with = arg::owner)] owner: Option<String>,
    #[pyo3(from_py_with = arg::scopes)] scopes: Option<BTreeSet<String>>,
    #[pyo3(from_py_with = arg::meta)] meta: Option<BTreeMap<String, String>>,
    #[pyo3(from_py_with = arg::prefix)] prefix: Option<String>,
    #[pyo3(from_py_with = arg::expires_in)] expires_in: Option<Duration>,
    #[pyo3(from_py_with = arg::expires_at)] expires_at: Option<SystemTime>,
    #[pyo3(from_py_with = arg::remaining)] remaining: Option<u64>,
    #[pyo3(from_py_with = arg::refill)] refill: Option<keyrack::Refill>,
    #[pyo3(from_py_with = arg::shared_credits)] shared_credits: Option<bool>,
    #[pyo3(from_py_with = arg::rate_limit)] rate_limit: Option<keyrack::RateLimit>,
) -> PyResult<IssueSpec> {
    let mut o = IssueOptions::new(name.unwrap_or_default());
    o.description = description;
    o.owner = owner;
    o.scopes = scopes.unwrap_or_default();
    o.meta = meta.unwrap_or_default();
    o.prefix = prefix;
    o.expiry = Expiry::either(expires_in, expires_at).py(py)?;
    o.remaining = remaining;
    o.refill = refill;
    o.shared_credits = shared_credits.unwrap_or_default();
    o.rate_limit = rate_limit;
    Ok(IssueSpec(o))
}

static ISSUE_OPTIONS: PyOnceLock<Py<PyCFunction>> = PyOnceLock::new();

/// Converts `issue()`'s arguments through [`issue_options`]'s signature.
fn convert(
    py: Python<'_>,
    args: &Bound<'_, PyTuple>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<IssueOptions> {
    let f = ISSUE_OPTIONS.get_or_try_init(py, || {
        wrap_pyfunction!(issue_options, py).map(Bound::unbind)
    })?;
    let spec = f.bind(py).call(args, kwargs)?;
    Ok(spec.cast::<IssueSpec>()?.get().0.clone())
}

/// `Store.issue(name=None, **options)`.
pub fn issue(
    py: Python<'_>,
    store: &keyrack::Store,
    name: Option<&Bound<'_, PyAny>>,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<Issued> {
    let args = PyTuple::new(py, [name.map_or_else(|| py.None(), |n| n.clone().unbind())])?;
    let options = convert(py, &args, options)?;
    let issued = call(py, || store.issue(options))?;
    Issued::new(py, issued)
}

/// `Store.issue_many(batch, durable=True)`: each item a mapping of
/// `issue()`'s keywords; all or none.
pub fn issue_many(
    py: Python<'_>,
    store: &keyrack::Store,
    batch: &Bound<'_, PyAny>,
    durable: bool,
) -> PyResult<Vec<Issued>> {
    let iter = batch.try_iter().map_err(|_| {
        PyTypeError::new_err(format!(
            "`batch` must be an iterable of dicts of issue() options, not {}",
            type_name(batch)
        ))
    })?;
    let none = PyTuple::empty(py);
    let mut options = Vec::new();
    for item in iter {
        let item = item?;
        let mapping = item.cast::<PyMapping>().map_err(|_| {
            PyTypeError::new_err(format!(
                "each item of `batch` must be a dict of issue() options, not {}",
                type_name(&item)
            ))
        })?;
        // The mapping becomes the call's keywords (a copy: the signature
        // does the converting, and the caller's mapping stays untouched).
        let kwargs = PyDict::new(py);
        kwargs.update(mapping)?;
        options.push(convert(py, &none, Some(&kwargs))?);
    }
    let issued = call(py, || {
        if durable {
            store.issue_many(options)
        } else {
            store.issue_many_relaxed(options)
        }
    })?;
    issued.into_iter().map(|i| Issued::new(py, i)).collect()
}

/// `Store.rotate(id, grace=None)`: a new secret, same id and settings.
pub fn rotate(
    py: Python<'_>,
    store: &keyrack::Store,
    id: &str,
    grace: Option<Duration>,
) -> PyResult<Issued> {
    let grace = grace.unwrap_or(Duration::ZERO);
    let issued = call(py, || store.rotate(id, grace))?;
    Issued::new(py, issued)
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
