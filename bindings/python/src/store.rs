//! `keyrack.Store`: argument conversion around the core's verbs. Every call
//! into the store runs with the GIL released (`Python::detach`), so other
//! Python threads run while one verifies, issues or waits on the file lock.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use keyrack::{
    AuditKind, AuditOptions, Extracted, IssueOptions, ListOptions, Options, Pepper, Status,
    UpdateOptions, VerifyOptions,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyMapping, PyString, PyTuple};

use crate::convert::{self, type_name};
use crate::error::{IntoPy, invalid};
use crate::types::{
    AuditEvent, Issued, KeyRecord, ManualClock, Page, Pool, RateLimit, Refill, Verification,
};

/// Runs `f` on the core store without the GIL and maps its error.
fn call<T: Send>(py: Python<'_>, f: impl FnOnce() -> keyrack::Result<T> + Send) -> PyResult<T> {
    py.detach(f).py(py)
}

/// Every keyword `issue()` and `issue_many()` items take.
const ISSUE_KEYS: &[&str] = &[
    "name",
    "description",
    "owner",
    "scopes",
    "meta",
    "prefix",
    "expires_in",
    "expires_at",
    "remaining",
    "refill",
    "shared_credits",
    "rate_limit",
];

/// Every keyword `update()` takes.
const UPDATE_KEYS: &[&str] = &[
    "name",
    "description",
    "owner",
    "scopes",
    "meta",
    "expires_at",
    "expires_in",
    "remaining",
    "refill",
    "rate_limit",
    "shared_credits",
];

fn check_keys(what: &str, d: &Bound<'_, PyDict>, allowed: &[&str]) -> PyResult<()> {
    for k in d.keys() {
        let k = k
            .cast::<PyString>()
            .map_err(|_| PyTypeError::new_err(format!("{what}: option names must be str")))?;
        let name = k.to_cow()?;
        if !allowed.contains(&name.as_ref()) {
            return Err(PyTypeError::new_err(format!(
                "{what}() got an unexpected keyword argument '{name}'"
            )));
        }
    }
    Ok(())
}

fn extract_rate_limit(obj: &Bound<'_, PyAny>) -> PyResult<keyrack::RateLimit> {
    obj.cast::<RateLimit>().map(|r| r.get().0).map_err(|_| {
        PyTypeError::new_err(format!(
            "`rate_limit` must be a keyrack.RateLimit, not {}",
            type_name(obj)
        ))
    })
}

fn extract_refill(obj: &Bound<'_, PyAny>) -> PyResult<keyrack::Refill> {
    obj.cast::<Refill>().map(|r| r.get().0).map_err(|_| {
        PyTypeError::new_err(format!(
            "`refill` must be a keyrack.Refill, not {}",
            type_name(obj)
        ))
    })
}

fn bool_arg(field: &str, obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    obj.extract::<bool>().map_err(|_| {
        PyTypeError::new_err(format!("`{field}` must be a bool, not {}", type_name(obj)))
    })
}

/// Issue options from a dict of `issue()` keywords.
fn issue_options(d: &Bound<'_, PyDict>) -> PyResult<IssueOptions> {
    let py = d.py();
    check_keys("issue", d, ISSUE_KEYS)?;
    let get = |k: &str| -> PyResult<Option<Bound<'_, PyAny>>> {
        Ok(d.get_item(k)?.filter(|v| !v.is_none()))
    };
    let mut o = IssueOptions::new(match get("name")? {
        Some(v) => convert::string("name", &v)?,
        None => String::new(),
    });
    o.description = convert::opt_string("description", get("description")?.as_ref())?;
    o.owner = convert::opt_string("owner", get("owner")?.as_ref())?;
    if let Some(v) = get("scopes")? {
        o.scopes = convert::string_set("scopes", &v)?;
    }
    if let Some(v) = get("meta")? {
        o.meta = convert::string_map("meta", &v)?;
    }
    o.prefix = convert::opt_string("prefix", get("prefix")?.as_ref())?;
    match (get("expires_in")?, get("expires_at")?) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                py,
                "expires_in",
                "give expires_in or expires_at, not both",
            ));
        }
        (Some(d), None) => o = o.expires_in(convert::duration("expires_in", &d)?),
        (None, Some(t)) => o = o.expires_at(convert::system_time("expires_at", &t)?),
        (None, None) => {}
    }
    o.remaining = convert::opt_u64("remaining", get("remaining")?.as_ref())?;
    o.refill = get("refill")?.map(|v| extract_refill(&v)).transpose()?;
    if let Some(v) = get("shared_credits")? {
        o.shared_credits = bool_arg("shared_credits", &v)?;
    }
    o.rate_limit = get("rate_limit")?
        .map(|v| extract_rate_limit(&v))
        .transpose()?;
    Ok(o)
}

/// Update options from `update()` keywords: a keyword left out leaves its
/// field alone; `None` clears a clearable field.
fn update_options(d: &Bound<'_, PyDict>, now: std::time::SystemTime) -> PyResult<UpdateOptions> {
    let py = d.py();
    check_keys("update", d, UPDATE_KEYS)?;
    let mut u = UpdateOptions::default();
    let given = |k: &str| d.get_item(k);
    let cleared_or = |v: &Bound<'_, PyAny>| !v.is_none();
    if let Some(v) = given("name")? {
        u.name = Some(convert::string("name", &v)?);
    }
    if let Some(v) = given("description")? {
        u.description = Some(
            cleared_or(&v)
                .then(|| convert::string("description", &v))
                .transpose()?,
        );
    }
    if let Some(v) = given("owner")? {
        u.owner = Some(
            cleared_or(&v)
                .then(|| convert::string("owner", &v))
                .transpose()?,
        );
    }
    if let Some(v) = given("scopes")? {
        u.scopes = Some(if v.is_none() {
            Default::default()
        } else {
            convert::string_set("scopes", &v)?
        });
    }
    if let Some(v) = given("meta")? {
        u.meta = Some(if v.is_none() {
            Default::default()
        } else {
            convert::string_map("meta", &v)?
        });
    }
    match (given("expires_in")?, given("expires_at")?) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                py,
                "expires_in",
                "give expires_in or expires_at, not both",
            ));
        }
        (Some(v), None) => {
            u.expiry = Some(if v.is_none() {
                None
            } else {
                Some(keyrack::Expiry::In(convert::duration("expires_in", &v)?))
            });
        }
        (None, Some(v)) => {
            u.expiry =
                Some(convert::opt_system_time("expires_at", Some(&v))?.map(keyrack::Expiry::At));
        }
        (None, None) => {}
    }
    if let Some(v) = given("remaining")? {
        u.remaining = Some(convert::opt_u64("remaining", Some(&v))?);
    }
    if let Some(v) = given("refill")? {
        u.refill = Some(cleared_or(&v).then(|| extract_refill(&v)).transpose()?);
    }
    if let Some(v) = given("rate_limit")? {
        u.rate_limit = Some(cleared_or(&v).then(|| extract_rate_limit(&v)).transpose()?);
    }
    if let Some(v) = given("shared_credits")? {
        u.shared_credits = Some(bool_arg("shared_credits", &v)?);
    }
    Ok(u)
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

fn id_arg(id: &Bound<'_, PyAny>) -> PyResult<String> {
    convert::string("id", id)
}

fn verify_options(
    scopes: Option<&Bound<'_, PyAny>>,
    cost: Option<&Bound<'_, PyAny>>,
) -> PyResult<VerifyOptions> {
    let mut o = VerifyOptions::default();
    if let Some(s) = scopes.filter(|s| !s.is_none()) {
        o.scopes = convert::strings("scopes", s)?;
    }
    if let Some(c) = cost {
        o.cost = convert::u64_arg("cost", c)?;
    }
    Ok(o)
}

fn status_arg(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Status>> {
    match obj.filter(|o| !o.is_none()) {
        None => Ok(None),
        Some(o) => {
            let s = convert::string("status", o)?;
            s.parse::<Status>().map(Some).py(o.py())
        }
    }
}

fn kind_arg(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<AuditKind>> {
    match obj.filter(|o| !o.is_none()) {
        None => Ok(None),
        Some(o) => {
            let s = convert::string("kind", o)?;
            s.parse::<AuditKind>().map(Some).py(o.py())
        }
    }
}

fn limit_arg(obj: Option<&Bound<'_, PyAny>>, default: usize) -> PyResult<usize> {
    match obj.filter(|o| !o.is_none()) {
        None => Ok(default),
        Some(o) => {
            let n = convert::u64_arg("limit", o)?;
            Ok(usize::try_from(n).unwrap_or(usize::MAX))
        }
    }
}

/// A keyrack store file, opened by this process. Use it as a context manager
/// or call `close()`.
#[pyclass(module = "keyrack", frozen)]
pub struct Store {
    inner: keyrack::Store,
}

#[pymethods]
impl Store {
    #[new]
    #[pyo3(signature = (
        path, *, prefix=None, prefixes=None, pepper=None, read_only=false, create=true,
        clock=None, leeway=None, flush_interval=None, cache_capacity=None, check_integrity=true
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        path: &Bound<'_, PyAny>,
        prefix: Option<&Bound<'_, PyAny>>,
        prefixes: Option<&Bound<'_, PyAny>>,
        pepper: Option<&Bound<'_, PyAny>>,
        read_only: bool,
        create: bool,
        clock: Option<&Bound<'_, PyAny>>,
        leeway: Option<&Bound<'_, PyAny>>,
        flush_interval: Option<&Bound<'_, PyAny>>,
        cache_capacity: Option<&Bound<'_, PyAny>>,
        check_integrity: bool,
    ) -> PyResult<Self> {
        let path: PathBuf = path.extract().map_err(|_| {
            PyTypeError::new_err(format!(
                "`path` must be a str or os.PathLike, not {}",
                type_name(path)
            ))
        })?;
        let mut o = Options::default()
            .read_only(read_only)
            .create(create)
            .check_integrity(check_integrity);
        o.prefix = convert::opt_string("prefix", prefix)?;
        if let Some(p) = prefixes.filter(|p| !p.is_none()) {
            o.prefixes = Some(convert::strings("prefixes", p)?);
        }
        if let Some(p) = pepper.filter(|p| !p.is_none()) {
            let bytes = p.cast::<PyBytes>().map_err(|_| {
                PyTypeError::new_err(format!("`pepper` must be 32 bytes, not {}", type_name(p)))
            })?;
            o.pepper = Some(Pepper::from_slice(bytes.as_bytes()).py(py)?);
        }
        if let Some(c) = clock.filter(|c| !c.is_none()) {
            let c = c.cast::<ManualClock>().map_err(|_| {
                PyTypeError::new_err(format!(
                    "`clock` must be a keyrack.ManualClock, not {}",
                    type_name(c)
                ))
            })?;
            o.clock = c.get().0.clone();
        }
        if let Some(l) = leeway.filter(|l| !l.is_none()) {
            o.leeway = convert::duration("leeway", l)?;
        }
        if let Some(f) = flush_interval.filter(|f| !f.is_none()) {
            o.flush_interval = convert::duration("flush_interval", f)?;
        }
        if let Some(c) = cache_capacity.filter(|c| !c.is_none()) {
            o.cache_capacity =
                usize::try_from(convert::u64_arg("cache_capacity", c)?).unwrap_or(usize::MAX);
        }
        let inner = call(py, move || keyrack::Store::open(path, o))?;
        Ok(Store { inner })
    }

    /// The store file's path.
    #[getter]
    fn path(&self) -> PathBuf {
        self.inner.path().to_path_buf()
    }
    /// The default prefix of issued keys.
    #[getter]
    fn default_prefix(&self) -> &str {
        self.inner.default_prefix()
    }
    /// Every accepted prefix, the default first.
    #[getter]
    fn prefixes(&self) -> Vec<String> {
        self.inner.prefixes().to_vec()
    }
    /// Whether the store was opened read-only.
    #[getter]
    fn read_only(&self) -> bool {
        self.inner.is_read_only()
    }

    /// Checks a key presented by a client. Never raises for a bad key: the
    /// outcome says what is wrong. Raises only for a store failure (closed,
    /// used after fork, I/O) or a bad argument type.
    #[pyo3(signature = (key, *, scopes=None, cost=None))]
    fn verify(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        scopes: Option<&Bound<'_, PyAny>>,
        cost: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Verification> {
        let options = verify_options(scopes, cost)?;
        let key = key_arg(key)?;
        // Text that is not Unicode cannot be a key; the core says `malformed`.
        let text: &str = match &key {
            KeyArg::Text(c) => c,
            KeyArg::NotUnicode => "\u{fffd}",
        };
        let store = &self.inner;
        call(py, || store.verify_with(text, &options)).map(Verification::from_core)
    }

    /// Finds the key in request headers (`x-api-key`, `Authorization: Bearer`
    /// or `Api-Key`) and verifies it; no key at all gives outcome `missing`.
    #[pyo3(signature = (headers, *, scopes=None, cost=None))]
    fn verify_headers(
        &self,
        py: Python<'_>,
        headers: &Bound<'_, PyAny>,
        scopes: Option<&Bound<'_, PyAny>>,
        cost: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Verification> {
        let options = verify_options(scopes, cost)?;
        let pairs = header_pairs(headers)?;
        let key = match keyrack::extract_key(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str()))) {
            Extracted::Key(k) => k.to_owned(),
            Extracted::Missing => return Ok(Verification::missing()),
        };
        let store = &self.inner;
        call(py, || store.verify_with(&key, &options)).map(Verification::from_core)
    }

    /// Issues one key, durably. `Issued.key` is the secret, shown once.
    #[pyo3(signature = (
        name=None, *, description=None, owner=None, scopes=None, meta=None, prefix=None,
        expires_in=None, expires_at=None, remaining=None, refill=None, shared_credits=None,
        rate_limit=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn issue(
        &self,
        py: Python<'_>,
        name: Option<&Bound<'_, PyAny>>,
        description: Option<&Bound<'_, PyAny>>,
        owner: Option<&Bound<'_, PyAny>>,
        scopes: Option<&Bound<'_, PyAny>>,
        meta: Option<&Bound<'_, PyAny>>,
        prefix: Option<&Bound<'_, PyAny>>,
        expires_in: Option<&Bound<'_, PyAny>>,
        expires_at: Option<&Bound<'_, PyAny>>,
        remaining: Option<&Bound<'_, PyAny>>,
        refill: Option<&Bound<'_, PyAny>>,
        shared_credits: Option<&Bound<'_, PyAny>>,
        rate_limit: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Issued> {
        let d = PyDict::new(py);
        for (k, v) in [
            ("name", name),
            ("shared_credits", shared_credits),
            ("description", description),
            ("owner", owner),
            ("scopes", scopes),
            ("meta", meta),
            ("prefix", prefix),
            ("expires_in", expires_in),
            ("expires_at", expires_at),
            ("remaining", remaining),
            ("refill", refill),
            ("rate_limit", rate_limit),
        ] {
            if let Some(v) = v {
                d.set_item(k, v)?;
            }
        }
        let options = issue_options(&d)?;
        let store = &self.inner;
        let issued = call(py, || store.issue(options))?;
        Issued::new(py, issued)
    }

    /// Issues many keys in one transaction (all or none). Each item is a
    /// mapping of `issue()`'s keyword arguments. With `durable=False` the
    /// commit does not wait for the disk (bulk imports; `sync()` after).
    #[pyo3(signature = (batch, *, durable=true))]
    fn issue_many(
        &self,
        py: Python<'_>,
        batch: &Bound<'_, PyAny>,
        durable: bool,
    ) -> PyResult<Vec<Issued>> {
        let iter = batch.try_iter().map_err(|_| {
            PyTypeError::new_err(format!(
                "`batch` must be an iterable of dicts of issue() options, not {}",
                type_name(batch)
            ))
        })?;
        let mut options = Vec::new();
        for item in iter {
            let item = item?;
            let mapping = item.cast::<PyMapping>().map_err(|_| {
                PyTypeError::new_err(format!(
                    "each item of `batch` must be a dict of issue() options, not {}",
                    type_name(&item)
                ))
            })?;
            let d = PyDict::new(py);
            for pair in mapping.items()?.iter() {
                let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = pair.extract()?;
                d.set_item(k, v)?;
            }
            options.push(issue_options(&d)?);
        }
        let store = &self.inner;
        let issued = call(py, || {
            if durable {
                store.issue_many(options)
            } else {
                store.issue_many_relaxed(options)
            }
        })?;
        issued.into_iter().map(|i| Issued::new(py, i)).collect()
    }

    /// The record of key `id`, with live counters. Raises `NotFound`.
    fn get(&self, py: Python<'_>, id: &Bound<'_, PyAny>) -> PyResult<KeyRecord> {
        let id = id_arg(id)?;
        let store = &self.inner;
        call(py, || store.get(&id)).map(KeyRecord::new)
    }

    /// One page of records matching the filters, in id order. Iterate the
    /// page, or pass its `next_cursor` as `cursor=` for the next one; or use
    /// `iter_keys()` to walk every page.
    #[pyo3(signature = (*, owner=None, prefix=None, status=None, unused_since=None, limit=None, cursor=None))]
    #[allow(clippy::too_many_arguments)]
    fn list(
        &self,
        py: Python<'_>,
        owner: Option<&Bound<'_, PyAny>>,
        prefix: Option<&Bound<'_, PyAny>>,
        status: Option<&Bound<'_, PyAny>>,
        unused_since: Option<&Bound<'_, PyAny>>,
        limit: Option<&Bound<'_, PyAny>>,
        cursor: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Page> {
        let o = list_options(owner, prefix, status, unused_since, limit, cursor)?;
        let store = &self.inner;
        let page = call(py, || store.list(&o))?;
        let items = PyList::empty(py);
        for r in page.records {
            items.append(KeyRecord::new(r))?;
        }
        Ok(Page {
            items: items.unbind(),
            next_cursor: page.next_cursor,
        })
    }

    /// Every record matching the filters, fetched `page_size` at a time.
    #[pyo3(signature = (*, owner=None, prefix=None, status=None, unused_since=None, page_size=None))]
    fn iter_keys(
        &self,
        owner: Option<&Bound<'_, PyAny>>,
        prefix: Option<&Bound<'_, PyAny>>,
        status: Option<&Bound<'_, PyAny>>,
        unused_since: Option<&Bound<'_, PyAny>>,
        page_size: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<KeyIterator> {
        let o = list_options(owner, prefix, status, unused_since, page_size, None)?;
        Ok(KeyIterator {
            store: self.inner.clone(),
            state: Mutex::new(Pager {
                options: Query::Keys(o),
                buffer: VecDeque::new(),
                done: false,
            }),
        })
    }

    /// Audit events matching the filters, oldest first, one page.
    #[pyo3(signature = (*, id=None, kind=None, since=None, limit=None, cursor=None))]
    fn audit(
        &self,
        py: Python<'_>,
        id: Option<&Bound<'_, PyAny>>,
        kind: Option<&Bound<'_, PyAny>>,
        since: Option<&Bound<'_, PyAny>>,
        limit: Option<&Bound<'_, PyAny>>,
        cursor: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Page> {
        let o = audit_options(id, kind, since, limit, cursor)?;
        let store = &self.inner;
        let page = call(py, || store.audit(&o))?;
        let items = PyList::empty(py);
        for e in page.events {
            items.append(AuditEvent(e))?;
        }
        Ok(Page {
            items: items.unbind(),
            next_cursor: page.next_cursor,
        })
    }

    /// Every audit event matching the filters, oldest first, fetched
    /// `page_size` at a time.
    #[pyo3(signature = (*, id=None, kind=None, since=None, page_size=None))]
    fn iter_audit(
        &self,
        id: Option<&Bound<'_, PyAny>>,
        kind: Option<&Bound<'_, PyAny>>,
        since: Option<&Bound<'_, PyAny>>,
        page_size: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<KeyIterator> {
        let o = audit_options(id, kind, since, page_size, None)?;
        Ok(KeyIterator {
            store: self.inner.clone(),
            state: Mutex::new(Pager {
                options: Query::Audit(o),
                buffer: VecDeque::new(),
                done: false,
            }),
        })
    }

    /// Changes a key's settings. A keyword left out leaves its field alone;
    /// `None` clears `description`, `owner`, `expires_at`, `remaining`
    /// (unmetered), `refill` and `rate_limit`. `expires_in` counts from now.
    #[pyo3(signature = (id, **changes))]
    fn update(
        &self,
        py: Python<'_>,
        id: &Bound<'_, PyAny>,
        changes: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<KeyRecord> {
        let id = id_arg(id)?;
        let empty = PyDict::new(py);
        let changes = changes.unwrap_or(&empty);
        let u = update_options(changes, self.inner.clock().now())?;
        let store = &self.inner;
        call(py, || store.update(&id, u)).map(KeyRecord::new)
    }

    /// Enables a disabled key.
    fn enable(&self, py: Python<'_>, id: &Bound<'_, PyAny>) -> PyResult<KeyRecord> {
        let id = id_arg(id)?;
        let store = &self.inner;
        call(py, || store.enable(&id)).map(KeyRecord::new)
    }

    /// Disables a key: it verifies as `disabled` until enabled again.
    fn disable(&self, py: Python<'_>, id: &Bound<'_, PyAny>) -> PyResult<KeyRecord> {
        let id = id_arg(id)?;
        let store = &self.inner;
        call(py, || store.disable(&id)).map(KeyRecord::new)
    }

    /// Revokes a key at once and for good (the record stays until purged).
    fn revoke(&self, py: Python<'_>, id: &Bound<'_, PyAny>) -> PyResult<KeyRecord> {
        let id = id_arg(id)?;
        let store = &self.inner;
        call(py, || store.revoke(&id)).map(KeyRecord::new)
    }

    /// Gives a key a new secret (same id and settings). The old secret keeps
    /// working for `grace` (default: ends at once).
    #[pyo3(signature = (id, *, grace=None))]
    fn rotate(
        &self,
        py: Python<'_>,
        id: &Bound<'_, PyAny>,
        grace: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Issued> {
        let id = id_arg(id)?;
        let grace = match grace.filter(|g| !g.is_none()) {
            Some(g) => convert::duration("grace", g)?,
            None => Duration::ZERO,
        };
        let store = &self.inner;
        let issued = call(py, || store.rotate(&id, grace))?;
        Issued::new(py, issued)
    }

    /// Removes revoked and expired records at least `older_than` past their
    /// end. Returns how many were removed.
    #[pyo3(signature = (older_than=None))]
    fn purge(&self, py: Python<'_>, older_than: Option<&Bound<'_, PyAny>>) -> PyResult<u64> {
        let older_than = match older_than.filter(|g| !g.is_none()) {
            Some(g) => convert::duration("older_than", g)?,
            None => Duration::ZERO,
        };
        let store = &self.inner;
        call(py, || store.purge(older_than))
    }

    /// Sets an owner's shared credit pool.
    #[pyo3(signature = (owner, remaining, *, refill=None))]
    fn set_pool(
        &self,
        py: Python<'_>,
        owner: &Bound<'_, PyAny>,
        remaining: &Bound<'_, PyAny>,
        refill: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Pool> {
        let owner = convert::string("owner", owner)?;
        let remaining = convert::u64_arg("remaining", remaining)?;
        let refill = refill
            .filter(|r| !r.is_none())
            .map(extract_refill)
            .transpose()?;
        let store = &self.inner;
        call(py, || store.set_pool(&owner, remaining, refill)).map(Pool)
    }

    /// An owner's credit pool, or None.
    fn pool(&self, py: Python<'_>, owner: &Bound<'_, PyAny>) -> PyResult<Option<Pool>> {
        let owner = convert::string("owner", owner)?;
        let store = &self.inner;
        call(py, || store.pool(&owner)).map(|p| p.map(Pool))
    }

    /// Every record as one JSON line, in id order, never a secret (the format
    /// of `keyrack export`; each line also says the key's `status`), then one
    /// line per owner's credit pool. Returns
    /// the text; given a writable text file, writes the text to it instead and
    /// returns how many records it holds. `import_json_lines()` reads it back.
    #[pyo3(signature = (file=None))]
    fn export<'py>(
        &self,
        py: Python<'py>,
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
        let store = &self.inner;
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

    /// Imports the JSON lines `export()` writes (blank lines skipped), all or
    /// nothing; returns how many records. Records carry no secret: an
    /// imported key verifies as `not_found` until `rotate()` gives it one.
    /// Counters and credits are kept as exported. A line that is not a
    /// record, an id already in this store, or a prefix it does not accept
    /// raises `InvalidArgument` whose `reason` starts with `line N:`.
    fn import_json_lines(&self, py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<usize> {
        let text = text.cast::<PyString>().map_err(|_| {
            PyTypeError::new_err(format!("`text` must be a str, not {}", type_name(text)))
        })?;
        let text = text
            .to_cow()
            .map_err(|_| invalid(py, "text", "is not valid Unicode (lone surrogate)"))?;
        let store = &self.inner;
        call(py, || store.import_json_lines(&text))
    }

    /// Writes in-memory counters (uses, last use, credits spent) now, durably.
    fn sync(&self, py: Python<'_>) -> PyResult<()> {
        let store = &self.inner;
        call(py, || store.sync())
    }

    /// Writes pending counters, then rewrites the file to give free space
    /// back (after many revocations and purges). Verifies that miss the
    /// cache wait while it runs. Returns whether the file was compacted.
    /// Raises ReadOnly on a store opened read-only.
    fn compact(&self, py: Python<'_>) -> PyResult<bool> {
        let store = &self.inner;
        call(py, || store.compact())
    }

    /// Writes pending counters and releases the file. Closing twice is harmless;
    /// any other call afterwards raises `keyrack.Closed`.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let store = &self.inner;
        call(py, || store.close())
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, PyTuple>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }

    fn __repr__(&self) -> String {
        format!(
            "Store(path={}, default_prefix='{}', read_only={})",
            crate::types::repr_str(&self.inner.path().to_string_lossy()),
            self.inner.default_prefix(),
            if self.inner.is_read_only() {
                "True"
            } else {
                "False"
            }
        )
    }
}

fn list_options(
    owner: Option<&Bound<'_, PyAny>>,
    prefix: Option<&Bound<'_, PyAny>>,
    status: Option<&Bound<'_, PyAny>>,
    unused_since: Option<&Bound<'_, PyAny>>,
    limit: Option<&Bound<'_, PyAny>>,
    cursor: Option<&Bound<'_, PyAny>>,
) -> PyResult<ListOptions> {
    let mut o = ListOptions::default();
    o.owner = convert::opt_string("owner", owner)?;
    o.prefix = convert::opt_string("prefix", prefix)?;
    o.status = status_arg(status)?;
    o.unused_since = convert::opt_system_time("unused_since", unused_since)?;
    o.limit = limit_arg(limit, o.limit)?;
    o.cursor = convert::opt_string("cursor", cursor)?;
    Ok(o)
}

fn audit_options(
    id: Option<&Bound<'_, PyAny>>,
    kind: Option<&Bound<'_, PyAny>>,
    since: Option<&Bound<'_, PyAny>>,
    limit: Option<&Bound<'_, PyAny>>,
    cursor: Option<&Bound<'_, PyAny>>,
) -> PyResult<AuditOptions> {
    let mut o = AuditOptions::default();
    o.id = convert::opt_string("id", id)?;
    o.kind = kind_arg(kind)?;
    o.since = convert::opt_system_time("since", since)?;
    o.limit = limit_arg(limit, o.limit)?;
    o.cursor = convert::opt_string("cursor", cursor)?;
    Ok(o)
}

/// Header (name, value) pairs from a mapping (dict, framework header
/// objects with `.items()`) or an iterable of pairs; bytes are read as
/// Latin-1, as HTTP defines them (ASGI's raw headers).
fn header_pairs(headers: &Bound<'_, PyAny>) -> PyResult<Vec<(String, String)>> {
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

enum Query {
    Keys(ListOptions),
    Audit(AuditOptions),
}

enum Item {
    Key(Box<keyrack::KeyRecord>),
    Event(keyrack::AuditEvent),
}

struct Pager {
    options: Query,
    buffer: VecDeque<Item>,
    done: bool,
}

/// Walks every page of `iter_keys()` / `iter_audit()`, one store call per
/// page, each without the GIL.
#[pyclass(module = "keyrack", frozen)]
pub struct KeyIterator {
    store: keyrack::Store,
    state: Mutex<Pager>,
}

impl Pager {
    fn next(&mut self, store: &keyrack::Store) -> keyrack::Result<Option<Item>> {
        if self.buffer.is_empty() && !self.done {
            match &mut self.options {
                Query::Keys(o) => {
                    let page = store.list(o)?;
                    self.buffer
                        .extend(page.records.into_iter().map(|r| Item::Key(Box::new(r))));
                    self.done = page.next_cursor.is_none();
                    o.cursor = page.next_cursor;
                }
                Query::Audit(o) => {
                    let page = store.audit(o)?;
                    self.buffer.extend(page.events.into_iter().map(Item::Event));
                    self.done = page.next_cursor.is_none();
                    o.cursor = page.next_cursor;
                }
            }
        }
        Ok(self.buffer.pop_front())
    }
}

#[pymethods]
impl KeyIterator {
    /// `KeyIterator[KeyRecord]` works at runtime too, as in the stubs.
    #[classmethod]
    fn __class_getitem__<'py>(
        cls: &Bound<'py, pyo3::types::PyType>,
        item: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        crate::types::generic_alias(cls, item)
    }
    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        // The lock is taken without the GIL, so a thread waiting for it never
        // holds the GIL another thread needs to finish its page.
        let item = call(py, || {
            let mut pager = self.state.lock().unwrap_or_else(|p| p.into_inner());
            pager.next(&self.store)
        })?;
        Ok(match item {
            None => None,
            Some(Item::Key(r)) => Some(Py::new(py, KeyRecord::new(*r))?.into_any()),
            Some(Item::Event(e)) => Some(Py::new(py, AuditEvent(e))?.into_any()),
        })
    }
}
