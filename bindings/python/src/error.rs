//! The one place core errors become Python exceptions.
//!
//! The classes live in `keyrack/_errors.py` (Python, so that `InvalidArgument`
//! can also be a `ValueError`, `NotFound` a `LookupError`, …); each carries
//! `.code`, the core's [`ErrorKind::as_str`]. The class is found by that code,
//! so a kind the core adds later still raises (as the base `keyrack.Error`)
//! until Python grows its class — and `tests/test_errors.py` walks
//! [`ErrorKind::ALL`] (exported as `keyrack.ERROR_KINDS`) and fails then.

use keyrack::{Error, ErrorKind};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple};

static BY_CODE: PyOnceLock<Py<PyDict>> = PyOnceLock::new();

/// `{code: class}` from `keyrack._errors`.
fn classes(py: Python<'_>) -> PyResult<&Bound<'_, PyDict>> {
    BY_CODE.import(py, "keyrack._errors", "BY_CODE")
}

/// A Python exception of the class for `code`, with `message` and attributes.
pub fn raise(py: Python<'_>, code: &str, message: String, attrs: &[(&str, Py<PyAny>)]) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let classes = classes(py)?;
        let class = match classes.get_item(code)? {
            Some(c) => c,
            None => classes
                .get_item("ERROR")?
                .ok_or_else(|| PyRuntimeError::new_err("keyrack._errors has no base class"))?,
        };
        let exc = class.call1(PyTuple::new(py, [message])?)?;
        for (name, value) in attrs {
            exc.setattr(*name, value.bind(py))?;
        }
        Ok(PyErr::from_value(exc))
    };
    build().unwrap_or_else(|e| e)
}

/// `InvalidArgument` raised by the binding's own conversions (a naive
/// datetime, a negative timedelta…), with `.field` set like the core's.
pub fn invalid(py: Python<'_>, field: &str, reason: impl Into<String>) -> PyErr {
    let reason = reason.into();
    raise(
        py,
        ErrorKind::InvalidArgument.as_str(),
        format!("invalid argument `{field}`: {reason}"),
        &[
            (
                "field",
                field
                    .into_pyobject(py)
                    .map_or_else(|_| py.None(), |o| o.into_any().unbind()),
            ),
            (
                "reason",
                reason
                    .into_pyobject(py)
                    .map_or_else(|_| py.None(), |o| o.into_any().unbind()),
            ),
        ],
    )
}

/// Converts a core error into its Python exception.
pub fn to_py(py: Python<'_>, err: Error) -> PyErr {
    let code = err.kind().as_str();
    let obj = |v: &str| -> Py<PyAny> {
        v.into_pyobject(py)
            .map_or_else(|_| py.None(), |o| o.into_any().unbind())
    };
    let int = |v: u32| -> Py<PyAny> {
        v.into_pyobject(py)
            .map_or_else(|_| py.None(), |o| o.into_any().unbind())
    };
    match &err {
        Error::InvalidArgument { field, reason } => raise(
            py,
            code,
            err.to_string(),
            &[("field", obj(field)), ("reason", obj(reason))],
        ),
        // `.id` only for a real id: whatever else was passed may be a secret.
        Error::NotFound { .. } => {
            let id = err.id().map_or_else(|| py.None(), obj);
            raise(py, code, err.to_string(), &[("id", id)])
        }
        Error::AlreadyOpen { path } | Error::NeedsRecovery { path } => {
            let path = path.to_string_lossy();
            raise(py, code, err.to_string(), &[("path", obj(&path))])
        }
        Error::IncompatibleVersion { found, supported } => raise(
            py,
            code,
            err.to_string(),
            &[("found", int(*found)), ("supported", int(*supported))],
        ),
        _ => raise(py, code, err.to_string(), &[]),
    }
}

/// `result.py(py)?`: a core result into a Python one.
pub trait IntoPy<T> {
    /// Maps the error with [`to_py`].
    fn py(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPy<T> for keyrack::Result<T> {
    fn py(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py(py, e))
    }
}

/// Runs `f` on the core store without the GIL and maps its error.
pub fn call<T: Send>(py: Python<'_>, f: impl FnOnce() -> keyrack::Result<T> + Send) -> PyResult<T> {
    py.detach(f).py(py)
}

/// An import's refusal: the `InvalidArgument` whose reason starts with
/// `line N:` (the error `import_json_lines` gives), with `.line` set to N
/// (None for a store failure such as `ReadOnly` or `Io`).
pub fn import_refused(py: Python<'_>, refusal: keyrack::ImportError) -> PyErr {
    let line = refusal.line;
    with_line(py, to_py(py, Error::from(refusal)), line)
}

/// Sets `.line` on an exception raised for imported text.
pub fn with_line(py: Python<'_>, err: PyErr, line: Option<usize>) -> PyErr {
    // Setting an attribute on a fresh exception only fails on memory exhaustion.
    let _ = err.value(py).setattr("line", line);
    err
}

/// `[(name, numeric code)]` for every core error kind, in code order.
pub fn kinds() -> Vec<(&'static str, u32)> {
    ErrorKind::ALL
        .iter()
        .map(|k| (k.as_str(), k.code()))
        .collect()
}
