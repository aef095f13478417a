//! The pool room: `Store.set_pool`, `Store.add_pool_credits`, `Store.pool`
//! and `Pool`, an owner's shared credit balance.

use pyo3::prelude::*;

use crate::error::call;
use crate::record::Refill;

/// `Store.set_pool(owner, remaining, refill=None)`: `None` keeps the
/// pool's refill (the core's rule).
pub fn set_pool(
    py: Python<'_>,
    store: &keyrack::Store,
    owner: &str,
    remaining: u64,
    refill: Option<keyrack::Refill>,
) -> PyResult<Pool> {
    call(py, || store.set_pool(owner, remaining, refill)).map(Pool)
}

/// `Store.add_pool_credits(owner, credits)`: an atomic top-up of an
/// existing pool.
pub fn add_pool_credits(
    py: Python<'_>,
    store: &keyrack::Store,
    owner: &str,
    credits: u64,
) -> PyResult<Pool> {
    call(py, || store.add_pool_credits(owner, credits)).map(Pool)
}

/// `Store.pool(owner)`: the pool, or None.
pub fn pool(py: Python<'_>, store: &keyrack::Store, owner: &str) -> PyResult<Option<Pool>> {
    call(py, || store.pool(owner)).map(|p| p.map(Pool))
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
