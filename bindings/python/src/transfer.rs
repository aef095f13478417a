//! The transfer room: `Store.export`, `Store.import_json_lines` and its dry
//! run `Store.check_import_json_lines` (the core's checks, writing nothing).

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

use crate::convert::type_name;
use crate::error::{call, import_refused, to_py, with_line};

/// `Store.export(file=None)`: the text, or how many records went to `file`.
pub fn export<'py>(
    py: Python<'py>,
    store: &keyrack::Store,
    file: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    // Checked first, so a wrong argument costs no read of the store.
    let write = file
        .filter(|f| !f.is_none())
        .map(|f| {
            f.getattr("write").map_err(|_| {
                PyTypeError::new_err(format!(
                    "`file` must be a writable text file, not {}",
                    type_name(f)
                ))
            })
        })
        .transpose()?;
    // The records are gathered without the GIL, then written (or
    // returned) with it: the core cannot call into Python.
    let (n, bytes) = call(py, || {
        let mut out = Vec::new();
        store.export(&mut out).map(|n| (n, out))
    })?;
    // The core writes JSON text, always UTF-8.
    let text = String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    match write {
        None => Ok(text.into_pyobject(py)?.into_any()),
        Some(write) => {
            write.call1((text,))?;
            Ok(n.into_pyobject(py)?.into_any())
        }
    }
}

/// `Store.check_import_json_lines(text)`: what the import would do, or its
/// refusal (with `.line`).
pub fn check_import_json_lines(
    py: Python<'_>,
    store: &keyrack::Store,
    text: &str,
) -> PyResult<ImportCheck> {
    py.detach(|| store.check_import_json_lines(text))
        .map(ImportCheck)
        .map_err(|e| import_refused(py, e))
}

/// `Store.import_json_lines(text)`: all or nothing. The core's dry run goes
/// first so that a refusal carries its `.line`; a text that passes it can
/// still be refused by the import for an id the store already has (its line
/// is the first the dry run listed) or fail as the store does.
pub fn import_json_lines(py: Python<'_>, store: &keyrack::Store, text: &str) -> PyResult<usize> {
    let check = py
        .detach(|| store.check_import_json_lines(text))
        .map_err(|e| import_refused(py, e))?;
    py.detach(|| store.import_json_lines(text)).map_err(|e| {
        let line = match e.kind() {
            keyrack::ErrorKind::InvalidArgument => check.already_present.first().map(|(l, _)| *l),
            _ => None,
        };
        with_line(py, to_py(py, e), line)
    })
}

/// What `check_import_json_lines()` found: the text would import.
#[pyclass(module = "keyrack", frozen)]
pub struct ImportCheck(keyrack::ImportCheck);

#[pymethods]
impl ImportCheck {
    /// Records in the text.
    #[getter]
    fn records(&self) -> usize {
        self.0.records
    }
    /// Owners' credit pools in the text.
    #[getter]
    fn pools(&self) -> usize {
        self.0.pools
    }
    /// `(line, id)` of each record whose id this store already has: the
    /// import refuses the first of them.
    #[getter]
    fn already_present(&self) -> Vec<(usize, String)> {
        self.0.already_present.clone()
    }
    fn __repr__(&self) -> String {
        format!(
            "ImportCheck(records={}, pools={}, already_present={})",
            self.0.records,
            self.0.pools,
            self.0.already_present.len()
        )
    }
}
