//! The native half of the `keyrack` Python package (`keyrack._keyrack`).
//!
//! Conversion only: every behaviour lives in the `keyrack` crate. The
//! Python-facing names, docs and types are in `python/keyrack/` (`.pyi`).
//! The module is declared free-threading safe: the classes are frozen and
//! the core store is `Send + Sync`; every store call runs without the GIL.

mod convert;
mod error;
mod format;
mod store;
mod types;

use pyo3::prelude::*;

#[pymodule(gil_used = false)]
fn _keyrack(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<store::Store>()?;
    m.add_class::<store::KeyIterator>()?;
    m.add_class::<types::Issued>()?;
    m.add_class::<types::Verification>()?;
    m.add_class::<types::KeyRecord>()?;
    m.add_class::<types::RateLimit>()?;
    m.add_class::<types::Refill>()?;
    m.add_class::<types::Pool>()?;
    m.add_class::<types::AuditEvent>()?;
    m.add_class::<types::Page>()?;
    m.add_class::<types::ManualClock>()?;
    m.add_class::<format::ParsedKey>()?;
    m.add_function(wrap_pyfunction!(store::extract_key, m)?)?;
    m.add_function(wrap_pyfunction!(format::parse, m)?)?;
    m.add_function(wrap_pyfunction!(format::validate_prefix, m)?)?;
    m.add_function(wrap_pyfunction!(format::compose, m)?)?;
    m.add("ERROR_KINDS", error::kinds())?;
    m.add("OUTCOMES", types::outcome_table())?;
    m.add("KEY_REGEX", keyrack::format::REGEX)?;
    m.add("FORMAT_VERSION", keyrack::FORMAT_VERSION)?;
    m.add("DEFAULT_PREFIX", keyrack::DEFAULT_PREFIX)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
