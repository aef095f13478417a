//! The manage room: `Store.revoke`, `enable`, `disable`, `update`,
//! `add_credits`, `purge`.
//!
//! `update()`'s keywords are declared once, as the signature of
//! [`update_options`]: each is a [`Change`] (left out: kept; `None`: cleared
//! where the field can be cleared). `expires_in` is the core's
//! `Expiry::In`, counted from the update's own transaction.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime};

use keyrack::UpdateOptions;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyCFunction, PyDict, PyTuple};

use crate::error::call;
use crate::options::{Change, arg::change, expiry_change};
use crate::record::KeyRecord;

/// Converted `update()` keywords (never shown to Python as a class of its own).
#[pyclass(module = "keyrack", frozen)]
pub struct UpdateSpec(UpdateOptions);

/// `update()`'s keywords, converted into the core's [`UpdateOptions`].
#[pyfunction(name = "update")]
#[pyo3(signature = (
    *, name=Change::Keep, description=Change::Keep, owner=Change::Keep, scopes=Change::Keep,
    meta=Change::Keep, expires_at=Change::Keep, expires_in=Change::Keep, remaining=Change::Keep,
    refill=Change::Keep, rate_limit=Change::Keep, shared_credits=Change::Keep
))]
#[allow(clippy::too_many_arguments)]
fn update_options(
    py: Python<'_>,
    #[pyo3(from_py_with = change::name)] name: Change<String>,
    #[pyo3(from_py_with = change::description)] description: Change<String>,
    #[pyo3(from_py_with = change::owner)] owner: Change<String>,
    #[pyo3(from_py_with = change::scopes)] scopes: Change<BTreeSet<String>>,
    #[pyo3(from_py_with = change::meta)] meta: Change<BTreeMap<String, String>>,
    #[pyo3(from_py_with = change::expires_at)] expires_at: Change<SystemTime>,
    #[pyo3(from_py_with = change::expires_in)] expires_in: Change<Duration>,
    #[pyo3(from_py_with = change::remaining)] remaining: Change<u64>,
    #[pyo3(from_py_with = change::refill)] refill: Change<keyrack::Refill>,
    #[pyo3(from_py_with = change::rate_limit)] rate_limit: Change<keyrack::RateLimit>,
    #[pyo3(from_py_with = change::shared_credits)] shared_credits: Change<bool>,
) -> PyResult<UpdateSpec> {
    let mut u = UpdateOptions::default();
    u.name = name.into_set();
    u.description = description.into_core();
    u.owner = owner.into_core();
    u.scopes = scopes.into_set();
    u.meta = meta.into_set();
    u.expiry = expiry_change(py, expires_in, expires_at)?;
    u.remaining = remaining.into_core();
    u.refill = refill.into_core();
    u.rate_limit = rate_limit.into_core();
    u.shared_credits = shared_credits.into_set();
    Ok(UpdateSpec(u))
}

static UPDATE_OPTIONS: PyOnceLock<Py<PyCFunction>> = PyOnceLock::new();

/// `Store.update(id, **changes)`.
pub fn update(
    py: Python<'_>,
    store: &keyrack::Store,
    id: &str,
    changes: Option<&Bound<'_, PyDict>>,
) -> PyResult<KeyRecord> {
    let f = UPDATE_OPTIONS.get_or_try_init(py, || {
        wrap_pyfunction!(update_options, py).map(Bound::unbind)
    })?;
    let spec = f.bind(py).call(PyTuple::empty(py), changes)?;
    let change = spec.cast::<UpdateSpec>()?.get().0.clone();
    call(py, || store.update(id, change)).map(KeyRecord::new)
}

/// `Store.revoke(id)`: at once and for good.
pub fn revoke(py: Python<'_>, store: &keyrack::Store, id: &str) -> PyResult<KeyRecord> {
    call(py, || store.revoke(id)).map(KeyRecord::new)
}

/// `Store.enable(id)`.
pub fn enable(py: Python<'_>, store: &keyrack::Store, id: &str) -> PyResult<KeyRecord> {
    call(py, || store.enable(id)).map(KeyRecord::new)
}

/// `Store.disable(id)`.
pub fn disable(py: Python<'_>, store: &keyrack::Store, id: &str) -> PyResult<KeyRecord> {
    call(py, || store.disable(id)).map(KeyRecord::new)
}

/// `Store.add_credits(id, credits)`: an atomic top-up of a metered key
/// (spends made meanwhile are kept, unlike `update(remaining=…)`).
pub fn add_credits(
    py: Python<'_>,
    store: &keyrack::Store,
    id: &str,
    credits: u64,
) -> PyResult<KeyRecord> {
    call(py, || store.add_credits(id, credits)).map(KeyRecord::new)
}

/// `Store.purge(older_than=None)`: how many records were removed.
pub fn purge(
    py: Python<'_>,
    store: &keyrack::Store,
    older_than: Option<Duration>,
) -> PyResult<u64> {
    let older_than = older_than.unwrap_or(Duration::ZERO);
    call(py, || store.purge(older_than))
}
