//! The verify room: `Store.verify`, `Store.verify_headers` (the core's
//! header rules), `keyrack.extract_key` and `Verification`.

use std::sync::Arc;
use std::time::Duration;

use keyrack::{Extracted, Outcome, VerifyOptions};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyString};

use crate::convert::{self, type_name};
use crate::error::call;
use crate::record::{KeyRecord, repr_str};

/// Verify options from `verify()`'s keywords.
pub fn options(scopes: Option<Vec<String>>, cost: Option<u64>) -> VerifyOptions {
    let mut o = VerifyOptions::default();
    if let Some(s) = scopes {
        o.scopes = s;
    }
    if let Some(c) = cost {
        o.cost = c;
    }
    o
}

/// `Store.verify`: never raises for a bad key, only for a store failure.
pub fn verify(
    py: Python<'_>,
    store: &keyrack::Store,
    key: &Bound<'_, PyAny>,
    options: &VerifyOptions,
) -> PyResult<Verification> {
    let key = key_arg(key)?;
    // Text that is not Unicode cannot be a key; the core says `malformed`.
    let text: &str = match &key {
        KeyArg::Text(c) => c,
        KeyArg::NotUnicode => "\u{fffd}",
    };
    call(py, || store.verify_with(text, options)).map(Verification::from_core)
}

/// `Store.verify_headers`: the core finds the key (or answers `missing`).
pub fn verify_headers(
    py: Python<'_>,
    store: &keyrack::Store,
    headers: &Bound<'_, PyAny>,
    options: &VerifyOptions,
) -> PyResult<Verification> {
    let pairs = header_pairs(headers)?;
    call(py, || {
        store.verify_headers(pairs.iter().map(|(n, v)| (n, v.as_str())), options)
    })
    .map(Verification::from_core)
}

/// A key argument of `verify()`: text, or `None` for non-text that cannot be
/// a key. Lone surrogates cannot be a key either: they verify as `malformed`.
enum KeyArg<'a> {
    Text(std::borrow::Cow<'a, str>),
    NotUnicode,
}

fn key_arg<'a>(key: &'a Bound<'_, PyAny>) -> PyResult<KeyArg<'a>> {
    let s = key.cast::<PyString>().map_err(|_| {
        PyTypeError::new_err(format!("`key` must be a str, not {}", type_name(key)))
    })?;
    match s.to_cow() {
        Ok(c) => Ok(KeyArg::Text(c)),
        Err(_) => Ok(KeyArg::NotUnicode),
    }
}

/// Header (name, value) pairs from a mapping (dict, framework header
/// objects with `.items()`) or an iterable of pairs; bytes are read as
/// Latin-1, as HTTP defines them (ASGI's raw headers).
pub fn header_pairs(headers: &Bound<'_, PyAny>) -> PyResult<Vec<(String, String)>> {
    let items = if headers.hasattr("items")? {
        headers.call_method0("items")?
    } else {
        headers.clone()
    };
    let iter = items.try_iter().map_err(|_| {
        PyTypeError::new_err(format!(
            "`headers` must be a mapping or an iterable of (name, value) pairs, not {}",
            type_name(headers)
        ))
    })?;
    let text = |o: &Bound<'_, PyAny>| -> PyResult<Option<String>> {
        if let Ok(s) = o.cast::<PyString>() {
            return Ok(s.to_str().ok().map(str::to_owned));
        }
        if let Ok(b) = o.cast::<PyBytes>() {
            return Ok(Some(b.as_bytes().iter().map(|&c| char::from(c)).collect()));
        }
        Err(PyTypeError::new_err(format!(
            "header names and values must be str or bytes, not {}",
            type_name(o)
        )))
    };
    let mut out = Vec::new();
    for pair in iter {
        let (name, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = pair?
            .extract()
            .map_err(|_| PyTypeError::new_err("`headers` items must be (name, value) pairs"))?;
        // A header that is not valid Unicode cannot carry a key: skip it.
        if let (Some(n), Some(v)) = (text(&name)?, text(&value)?) {
            out.push((n, v));
        }
    }
    Ok(out)
}

/// Finds the API key in request headers: `x-api-key` (any case), or
/// `Authorization: Bearer <key>` / `Api-Key <key>`. None when there is none.
#[pyfunction]
pub fn extract_key(headers: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    let pairs = header_pairs(headers)?;
    Ok(
        match keyrack::extract_key(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str()))) {
            Extracted::Key(k) => Some(k.to_owned()),
            Extracted::Missing => None,
        },
    )
}

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
