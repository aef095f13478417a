//! Reading records and events: `get`, `list`, `audit` (one page each, with
//! `…Async` twins) and the iterables `keys` and `auditEvents`, which page
//! through them as the core's `iter_keys` and `iter_audit` do.

use napi::bindgen_prelude::*;
use napi::{Env, JsError, Unknown};
use napi_derive::napi;

use crate::convert::{JsDate, count, num};
use crate::error::{Failure, Fallible, throwable};
use crate::manage::record_op;
use crate::open::Store;
use crate::options::{known, options};
use crate::record::KeyRecord;
use crate::task::Op;

/// Which records to list. A property that names none of these throws a `TypeError`.
#[napi(object, object_to_js = false)]
pub struct ListOptions {
    /// Only this owner's keys.
    pub owner: Option<String>,
    /// Only keys with this prefix.
    pub prefix: Option<String>,
    /// Only keys in this state.
    #[napi(ts_type = "KeyStatus")]
    pub status: Option<String>,
    /// Only keys not used since this time (never-used keys included).
    #[napi(ts_type = "Date")]
    pub unused_since: Option<JsDate>,
    /// Page size, 1–1000 (default 100); for `keys()`, how many records each read fetches.
    pub limit: Option<f64>,
    /// `nextCursor` of the previous page (where to start).
    pub cursor: Option<String>,
}

known!(ListOptions {
    owner,
    prefix,
    status,
    unused_since,
    limit,
    cursor
});

/// Which audit events to read, oldest first. A property that names none
/// of these throws a `TypeError`.
#[napi(object, object_to_js = false)]
pub struct AuditOptions {
    /// Only this key's events.
    pub id: Option<String>,
    /// Only this kind of event.
    #[napi(ts_type = "AuditKind")]
    pub kind: Option<String>,
    /// Only events at or after this time.
    #[napi(ts_type = "Date")]
    pub since: Option<JsDate>,
    /// Page size, 1–10000 (default 100); for `auditEvents()`, how many events each read fetches.
    pub limit: Option<f64>,
    /// `nextCursor` of the previous page (where to start).
    pub cursor: Option<String>,
}

known!(AuditOptions {
    id,
    kind,
    since,
    limit,
    cursor
});

fn list_args(v: Option<Unknown<'_>>) -> Fallible<keyrack::ListOptions> {
    let mut o = keyrack::ListOptions::default();
    let Some(l) = options::<ListOptions>(v, "options", "an object")? else {
        return Ok(o);
    };
    o.owner = l.owner;
    o.prefix = l.prefix;
    o.status = l.status.map(|s| s.parse()).transpose()?;
    o.unused_since = l.unused_since.map(|d| d.0);
    if let Some(n) = l.limit {
        o.limit = usize::try_from(count("limit", n)?).unwrap_or(usize::MAX);
    }
    o.cursor = l.cursor;
    Ok(o)
}

fn audit_args(v: Option<Unknown<'_>>) -> Fallible<keyrack::AuditOptions> {
    let mut o = keyrack::AuditOptions::default();
    let Some(a) = options::<AuditOptions>(v, "options", "an object")? else {
        return Ok(o);
    };
    o.id = a.id;
    o.kind = a.kind.map(|k| k.parse()).transpose()?;
    o.since = a.since.map(|d| d.0);
    if let Some(n) = a.limit {
        o.limit = usize::try_from(count("limit", n)?).unwrap_or(usize::MAX);
    }
    o.cursor = a.cursor;
    Ok(o)
}

/// One page of `list`.
#[napi(object, object_from_js = false)]
pub struct Page {
    /// Records of this page, in id order.
    pub records: Vec<KeyRecord>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// One entry of the audit log. Never holds a secret.
#[napi(object, object_from_js = false)]
pub struct AuditEvent {
    #[napi(ts_type = "Date")]
    pub at: JsDate,
    /// Order among events of the same millisecond.
    pub seq: f64,
    #[napi(ts_type = "AuditKind")]
    pub kind: String,
    /// The key's id (empty for events about pools and prefixes).
    pub id: String,
    /// Details for people (e.g. the fields an update changed).
    pub detail: String,
}

impl AuditEvent {
    fn from_core(e: keyrack::AuditEvent) -> Self {
        AuditEvent {
            at: JsDate(e.at),
            seq: num(e.seq),
            kind: e.kind.as_str().to_owned(),
            id: e.id,
            detail: e.detail,
        }
    }
}

/// One page of `audit`.
#[napi(object, object_from_js = false)]
pub struct AuditPage {
    /// Events of this page, oldest first.
    pub events: Vec<AuditEvent>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Every record matching the options of `store.keys(options)`, in id order:
/// an iterable (`for (const record of store.keys({owner}))`, `[...store.keys()]`,
/// `Iterator.from`) that reads one page of `limit` records at a time, when
/// the one before is used up. A failed read (`KEYRACK_CLOSED`, …) throws from
/// the loop and ends the iteration.
#[napi(iterator)]
pub struct KeyIterator {
    store: keyrack::Store,
    inner: keyrack::Keys,
}

#[napi]
impl<'env> napi::bindgen_prelude::iterator::ScopedGenerator<'env> for KeyIterator {
    type Yield = KeyRecord;
    type Next = ();
    type Return = ();

    fn next(&mut self, env: &'env Env, _: Option<()>) -> Option<KeyRecord> {
        let now = self.store.clock().now();
        yielded(env, self.inner.next(), |r| KeyRecord::from_core(&r, now))
    }
}

/// Every audit event matching the options of `store.auditEvents(options)`,
/// oldest first: an iterable that reads one page of `limit` events at a
/// time. A failed read throws from the loop and ends the iteration.
#[napi(iterator)]
pub struct AuditEventIterator {
    inner: keyrack::AuditEvents,
}

#[napi]
impl<'env> napi::bindgen_prelude::iterator::ScopedGenerator<'env> for AuditEventIterator {
    type Yield = AuditEvent;
    type Next = ();
    type Return = ();

    fn next(&mut self, env: &'env Env, _: Option<()>) -> Option<AuditEvent> {
        yielded(env, self.inner.next(), AuditEvent::from_core)
    }
}

/// One step of an iterator: the item, the end, or a thrown error (after
/// which the core's iterator is done).
fn yielded<T, U>(
    env: &Env,
    item: Option<keyrack::Result<T>>,
    convert: impl FnOnce(T) -> U,
) -> Option<U> {
    match crate::task::guard(|| item.transpose().map_err(Failure::from)) {
        Ok(item) => item.map(convert),
        Err(e) => {
            unsafe { JsError::from(throwable(env, e)).throw_into(env.raw()) };
            None
        }
    }
}

impl Store {
    fn list_op(&self, options: Option<Unknown>) -> Op<Page> {
        let store = self.inner.clone();
        Op::from(list_args(options), move |o| {
            let page = store.list(&o)?;
            let now = store.clock().now();
            Ok(Page {
                records: page
                    .records
                    .iter()
                    .map(|r| KeyRecord::from_core(r, now))
                    .collect(),
                next_cursor: page.next_cursor,
            })
        })
    }

    fn audit_op(&self, options: Option<Unknown>) -> Op<AuditPage> {
        let store = self.inner.clone();
        Op::from(audit_args(options), move |o| {
            let page = store.audit(&o)?;
            Ok(AuditPage {
                events: page.events.into_iter().map(AuditEvent::from_core).collect(),
                next_cursor: page.next_cursor,
            })
        })
    }
}

#[napi]
impl Store {
    /// The record of key `id` (live counters included); throws `KEYRACK_NOT_FOUND`.
    #[napi]
    pub fn get(&self, env: Env, #[napi(ts_arg_type = "string")] id: Unknown) -> Result<KeyRecord> {
        record_op(&self.inner, Some(id), keyrack::Store::get).sync(&env)
    }

    /// `get` on the libuv pool.
    #[napi(ts_return_type = "Promise<KeyRecord>")]
    pub fn get_async(
        &self,
        #[napi(ts_arg_type = "string")] id: Unknown,
    ) -> AsyncTask<Op<KeyRecord>> {
        record_op(&self.inner, Some(id), keyrack::Store::get).promise()
    }

    /// One page of records matching the filters, in id order.
    #[napi]
    pub fn list(
        &self,
        env: Env,
        #[napi(ts_arg_type = "ListOptions")] options: Option<Unknown>,
    ) -> Result<Page> {
        self.list_op(options).sync(&env)
    }

    /// `list` on the libuv pool.
    #[napi(ts_return_type = "Promise<Page>")]
    pub fn list_async(
        &self,
        #[napi(ts_arg_type = "ListOptions")] options: Option<Unknown>,
    ) -> AsyncTask<Op<Page>> {
        self.list_op(options).promise()
    }

    /// Every record matching the filters, in id order, as an iterable that
    /// reads `limit` records (default 100) at a time: `list` without the
    /// cursor bookkeeping. Options that do not convert throw here; the
    /// core's own checks (a `limit` out of range, a bad cursor) throw from
    /// the first step of the loop.
    #[napi]
    pub fn keys(
        &self,
        env: Env,
        #[napi(ts_arg_type = "ListOptions")] options: Option<Unknown>,
    ) -> Result<KeyIterator> {
        let o = list_args(options).map_err(|e| throwable(&env, e))?;
        Ok(KeyIterator {
            store: self.inner.clone(),
            inner: self.inner.iter_keys(o),
        })
    }

    /// Audit events matching the filters, oldest first, one page at a time.
    #[napi]
    pub fn audit(
        &self,
        env: Env,
        #[napi(ts_arg_type = "AuditOptions")] options: Option<Unknown>,
    ) -> Result<AuditPage> {
        self.audit_op(options).sync(&env)
    }

    /// `audit` on the libuv pool.
    #[napi(ts_return_type = "Promise<AuditPage>")]
    pub fn audit_async(
        &self,
        #[napi(ts_arg_type = "AuditOptions")] options: Option<Unknown>,
    ) -> AsyncTask<Op<AuditPage>> {
        self.audit_op(options).promise()
    }

    /// Every audit event matching the filters, oldest first, as an iterable
    /// that reads `limit` events (default 100) at a time. Options that do
    /// not convert throw here; the core's own checks throw from the first
    /// step of the loop.
    #[napi]
    pub fn audit_events(
        &self,
        env: Env,
        #[napi(ts_arg_type = "AuditOptions")] options: Option<Unknown>,
    ) -> Result<AuditEventIterator> {
        let o = audit_args(options).map_err(|e| throwable(&env, e))?;
        Ok(AuditEventIterator {
            inner: self.inner.iter_audit(o),
        })
    }
}
