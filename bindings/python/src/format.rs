//! `keyrack.format`: the key format, for tests and secret scanners.

use keyrack::format::{self, FormatError};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::convert::{self, type_name};
use crate::error::invalid;

fn format_error(py: Python<'_>, field: &str, e: FormatError) -> PyErr {
    let err = invalid(py, field, e.to_string());
    // `.reason` is the stable name the test vectors use (`bad_checksum`…).
    let _ = err.value(py).setattr("reason", e.as_str());
    err
}

/// The parts of a well-formed key. `repr()` shows only the hint.
#[pyclass(module = "keyrack.format", frozen, name = "ParsedKey")]
pub struct ParsedKey {
    #[pyo3(get)]
    prefix: String,
    #[pyo3(get)]
    body: String,
    #[pyo3(get)]
    check: String,
    #[pyo3(get)]
    hint: String,
}

#[pymethods]
impl ParsedKey {
    fn __repr__(&self) -> String {
        format!("ParsedKey(prefix='{}', hint='{}')", self.prefix, self.hint)
    }
}

/// Splits a key into prefix, body and check, or raises `InvalidArgument`
/// whose `.reason` is `empty`, `too_long`, `too_short`, `bad_character`,
/// `bad_prefix` or `bad_checksum`. Does not consult any store.
#[pyfunction]
pub fn parse(py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<ParsedKey> {
    let s = match convert::string("key", key) {
        Ok(s) => s,
        Err(e) if e.is_instance_of::<PyTypeError>(py) => return Err(e),
        Err(_) => return Err(format_error(py, "key", FormatError::BadCharacter)),
    };
    let p = format::parse(&s).map_err(|e| format_error(py, "key", e))?;
    Ok(ParsedKey {
        prefix: p.prefix().to_owned(),
        body: p.body().to_owned(),
        check: p.check().to_owned(),
        hint: p.hint(),
    })
}

/// Raises `InvalidArgument` (`.reason == "bad_prefix"`) unless `prefix` is a valid prefix.
#[pyfunction]
pub fn validate_prefix(py: Python<'_>, prefix: &Bound<'_, PyAny>) -> PyResult<()> {
    let s = convert::string("prefix", prefix)?;
    format::validate_prefix(&s).map_err(|e| format_error(py, "prefix", e))
}

/// Builds the key for `prefix` and 32 body bytes (for checking other
/// implementations against the vectors; keys to use come from `Store.issue`).
#[pyfunction]
pub fn compose(
    py: Python<'_>,
    prefix: &Bound<'_, PyAny>,
    body: &Bound<'_, PyAny>,
) -> PyResult<String> {
    let prefix = convert::string("prefix", prefix)?;
    let bytes = body.cast::<PyBytes>().map_err(|_| {
        PyTypeError::new_err(format!("`body` must be bytes, not {}", type_name(body)))
    })?;
    let arr: [u8; format::BODY_BYTES] = bytes
        .as_bytes()
        .try_into()
        .map_err(|_| invalid(py, "body", format!("must be {} bytes", format::BODY_BYTES)))?;
    let key = format::compose(&prefix, &arr).map_err(|e| format_error(py, "prefix", e))?;
    Ok(key.into_string())
}
