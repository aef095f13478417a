//! `Store.health()`'s result types: `keyrack.Health` and `keyrack.Fault`,
//! the core's [`keyrack::Health`] and [`keyrack::Fault`] as frozen values.
//! `Fault.kind` is the core's error code (`"IO"`, `"CORRUPTED"`), the
//! `.code` of the exception class the failure would have raised.

use pyo3::prelude::*;

use crate::convert;
use crate::record::repr_str;

/// How the store's storage is doing (`Store.health()`).
#[pyclass(module = "keyrack", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct Health(pub keyrack::Health);

#[pymethods]
impl Health {
    /// False from a failed write or background flush until a later one
    /// succeeds (the store reopens its file and retries by itself).
    #[getter]
    fn ok(&self) -> bool {
        self.0.ok
    }
    /// The most recent storage failure, kept after the store heals; None
    /// when there has been none.
    #[getter]
    fn last_error(&self) -> Option<Fault> {
        self.0.last_error.clone().map(Fault)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let last = match self.last_error() {
            Some(f) => f.__repr__(py)?,
            None => "None".to_owned(),
        };
        Ok(format!(
            "Health(ok={}, last_error={last})",
            if self.0.ok { "True" } else { "False" }
        ))
    }
}

/// One storage failure, as `Health.last_error` reports it.
#[pyclass(module = "keyrack", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct Fault(pub keyrack::Fault);

#[pymethods]
impl Fault {
    /// The error's code: `"IO"` or `"CORRUPTED"` (the `.code` of
    /// `keyrack.Io` / `keyrack.Corrupted`).
    #[getter]
    fn kind(&self) -> &'static str {
        self.0.kind.as_str()
    }
    /// Its message (never a secret).
    #[getter]
    fn message(&self) -> &str {
        &self.0.message
    }
    /// When it happened (timezone-aware, UTC).
    #[getter]
    fn at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert::datetime(py, self.0.at)
    }
    /// Whether the background counter flush met it (no caller saw it raised).
    #[getter]
    fn background(&self) -> bool {
        self.0.background
    }
    pub(crate) fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Fault(kind='{}', message={}, at={}, background={})",
            self.0.kind.as_str(),
            repr_str(&self.0.message),
            self.at(py)?.repr()?,
            if self.0.background { "True" } else { "False" }
        ))
    }
}
