//! The native half of the `keyrack` Python package (`keyrack._keyrack`).
//!
//! Conversion only: every behaviour lives in the `keyrack` crate. The
//! binding is laid out in the core's rooms: `open` (the `Store` class and
//! its one `#[pymethods]` block, which declares and converts every verb's
//! arguments), then one module per verb group, `verify`, `issue`, `manage`,
//! `read`, `pool` and `transfer`, each holding its verbs' bodies and result
//! types (`health` holds the types `Store.health()` returns). `options` and `convert` are the typed conversions, `record` the
//! record types, `error` the one mapping of core errors. The Python-facing
//! names, docs and types are in `python/keyrack/` (`.pyi`). The module is
//! declared free-threading safe: the classes are frozen and the core store
//! is `Send + Sync`; every store call runs without the GIL.

mod clock;
mod convert;
mod error;
mod format;
mod health;
mod issue;
mod manage;
mod open;
mod options;
mod pool;
mod read;
mod record;
mod transfer;
mod verify;

use pyo3::prelude::*;

#[pymodule(gil_used = false)]
fn _keyrack(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<open::Store>()?;
    m.add_class::<verify::Verification>()?;
    m.add_class::<issue::Issued>()?;
    m.add_class::<read::KeyIterator>()?;
    m.add_class::<read::AuditEvent>()?;
    m.add_class::<read::Page>()?;
    m.add_class::<pool::Pool>()?;
    m.add_class::<transfer::ImportCheck>()?;
    m.add_class::<record::KeyRecord>()?;
    m.add_class::<record::RateLimit>()?;
    m.add_class::<record::Refill>()?;
    m.add_class::<health::Health>()?;
    m.add_class::<health::Fault>()?;
    m.add_class::<clock::ManualClock>()?;
    m.add_class::<format::ParsedKey>()?;
    m.add_function(wrap_pyfunction!(verify::extract_key, m)?)?;
    m.add_function(wrap_pyfunction!(format::parse, m)?)?;
    m.add_function(wrap_pyfunction!(format::validate_prefix, m)?)?;
    m.add_function(wrap_pyfunction!(format::compose, m)?)?;
    m.add("ERROR_KINDS", error::kinds())?;
    m.add("OUTCOMES", verify::outcome_table())?;
    m.add("AUDIT_KINDS", record::audit_kinds())?;
    m.add("STATUSES", record::statuses())?;
    m.add("KEY_REGEX", keyrack::format::REGEX)?;
    m.add("FORMAT_VERSION", keyrack::FORMAT_VERSION)?;
    m.add("DEFAULT_PREFIX", keyrack::DEFAULT_PREFIX)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
