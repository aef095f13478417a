//! The read room: `Store.get`, `list`, `audit` (one page each, as a
//! `Page`) and `iter_keys`, `iter_audit`: Python iterators over the core's
//! `Store::iter_keys` / `Store::iter_audit`, each step without the GIL.

use std::sync::Mutex;
use std::time::SystemTime;

use keyrack::{AuditKind, AuditOptions, ListOptions, Status};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyType};

use crate::convert;
use crate::error::{IntoPy, call};
use crate::record::{KeyRecord, repr_str};

/// List options from the keywords of `list()` (`limit`, `cursor`) and
/// `iter_keys()` (`page_size`, no cursor).
pub fn list_options(
    owner: Option<String>,
    prefix: Option<String>,
    status: Option<Status>,
    unused_since: Option<SystemTime>,
    limit: Option<usize>,
    cursor: Option<String>,
) -> ListOptions {
    let mut o = ListOptions::default();
    o.owner = owner;
    o.prefix = prefix;
    o.status = status;
    o.unused_since = unused_since;
    o.limit = limit.unwrap_or(o.limit);
    o.cursor = cursor;
    o
}

/// Audit options from the keywords of `audit()` and `iter_audit()`.
pub fn audit_options(
    id: Option<String>,
    kind: Option<AuditKind>,
    since: Option<SystemTime>,
    limit: Option<usize>,
    cursor: Option<String>,
) -> AuditOptions {
    let mut o = AuditOptions::default();
    o.id = id;
    o.kind = kind;
    o.since = since;
    o.limit = limit.unwrap_or(o.limit);
    o.cursor = cursor;
    o
}

/// `Store.get(id)`: the record with live counters, or `NotFound`.
pub fn get(py: Python<'_>, store: &keyrack::Store, id: &str) -> PyResult<KeyRecord> {
    call(py, || store.get(id)).map(KeyRecord::new)
}

/// `Store.list(...)`: one page of records.
pub fn list(py: Python<'_>, store: &keyrack::Store, options: &ListOptions) -> PyResult<Page> {
    let page = call(py, || store.list(options))?;
    let items = PyList::empty(py);
    for r in page.records {
        items.append(KeyRecord::new(r))?;
    }
    Ok(Page {
        items: items.unbind(),
        next_cursor: page.next_cursor,
    })
}

/// `Store.audit(...)`: one page of events.
pub fn audit(py: Python<'_>, store: &keyrack::Store, options: &AuditOptions) -> PyResult<Page> {
    let page = call(py, || store.audit(options))?;
    let items = PyList::empty(py);
    for e in page.events {
        items.append(AuditEvent(e))?;
    }
    Ok(Page {
        items: items.unbind(),
        next_cursor: page.next_cursor,
    })
}

/// `Store.iter_keys(...)`: the core's [`keyrack::Keys`].
pub fn iter_keys(store: &keyrack::Store, options: ListOptions) -> KeyIterator {
    KeyIterator(Mutex::new(Walk::Keys(store.iter_keys(options))))
}

/// `Store.iter_audit(...)`: the core's [`keyrack::AuditEvents`].
pub fn iter_audit(store: &keyrack::Store, options: AuditOptions) -> KeyIterator {
    KeyIterator(Mutex::new(Walk::Audit(store.iter_audit(options))))
}

enum Walk {
    Keys(keyrack::Keys),
    Audit(keyrack::AuditEvents),
}

enum Item {
    Key(Box<keyrack::KeyRecord>),
    Event(keyrack::AuditEvent),
}

impl Walk {
    fn next(&mut self) -> Option<keyrack::Result<Item>> {
        match self {
            Walk::Keys(k) => k.next().map(|r| r.map(|r| Item::Key(Box::new(r)))),
            Walk::Audit(a) => a.next().map(|e| e.map(Item::Event)),
        }
    }
}

/// Walks every page of `iter_keys()` / `iter_audit()`: the core reads the
/// next page when one is used up, without the GIL. A store error is raised
/// once, and ends the iteration.
#[pyclass(module = "keyrack", frozen)]
pub struct KeyIterator(Mutex<Walk>);

#[pymethods]
impl KeyIterator {
    /// `KeyIterator[KeyRecord]` works at runtime too, as in the stubs.
    #[classmethod]
    fn __class_getitem__<'py>(
        cls: &Bound<'py, PyType>,
        item: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        generic_alias(cls, item)
    }

    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        // The lock is taken without the GIL, so a thread waiting for it never
        // holds the GIL another thread needs to finish its page.
        let item = py
            .detach(|| {
                let mut walk = self.0.lock().unwrap_or_else(|p| p.into_inner());
                walk.next().transpose()
            })
            .py(py)?;
        Ok(match item {
            None => None,
            Some(Item::Key(r)) => Some(Py::new(py, KeyRecord::new(*r))?.into_any()),
            Some(Item::Event(e)) => Some(Py::new(py, AuditEvent(e))?.into_any()),
        })
    }
}

/// One audit log entry (never a secret).
#[pyclass(module = "keyrack", frozen, eq)]
#[derive(PartialEq)]
pub struct AuditEvent(pub keyrack::AuditEvent);

#[pymethods]
impl AuditEvent {
    #[getter]
    fn at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert::datetime(py, self.0.at)
    }
    #[getter]
    fn seq(&self) -> u64 {
        self.0.seq
    }
    /// `issued`, `revoked`, `rotated`, `updated`, `enabled`, `disabled` or `purged`.
    #[getter]
    fn kind(&self) -> &'static str {
        self.0.kind.as_str()
    }
    #[getter]
    fn id(&self) -> &str {
        &self.0.id
    }
    #[getter]
    fn detail(&self) -> &str {
        &self.0.detail
    }
    fn __repr__(&self) -> String {
        format!(
            "AuditEvent(kind='{}', id={}, at_ms={})",
            self.0.kind,
            repr_str(&self.0.id),
            keyrack::to_millis(self.0.at)
        )
    }
}

/// One page of `list()` or `audit()`: iterable, with the cursor of the next.
#[pyclass(module = "keyrack", frozen)]
pub struct Page {
    /// The items of this page.
    #[pyo3(get)]
    pub items: Py<PyList>,
    /// Pass as `cursor=` for the next page; None on the last page.
    #[pyo3(get)]
    pub next_cursor: Option<String>,
}

#[pymethods]
impl Page {
    /// `Page[KeyRecord]` works at runtime too, as in the stubs.
    #[classmethod]
    fn __class_getitem__<'py>(
        cls: &Bound<'py, PyType>,
        item: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        generic_alias(cls, item)
    }
    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.items.bind(py).try_iter()?.into_any())
    }
    fn __len__(&self, py: Python<'_>) -> usize {
        self.items.bind(py).len()
    }
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Page(len={}, next_cursor={})",
            self.items.bind(py).len(),
            self.next_cursor
                .as_deref()
                .map_or("None".to_owned(), repr_str)
        )
    }
}

/// `types.GenericAlias(cls, item)`: lets `Page[KeyRecord]` be written at runtime.
pub fn generic_alias<'py>(
    cls: &Bound<'py, PyType>,
    item: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = cls.py();
    py.import("types")?
        .getattr("GenericAlias")?
        .call1((cls, item))
}
