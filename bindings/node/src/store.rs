//! The `Store` class: every verb, each with its `…Async` twin.

use std::time::SystemTime;

use napi::bindgen_prelude::*;
use napi::{Env, Property, PropertyAttributes, Unknown};
use napi_derive::napi;

use crate::convert::{JsDate, KeyRecord, OutcomeInfo, num, required};
use crate::error::throwable;
use crate::options::{self, Pool};
use crate::task::Op;
use crate::verification::VerificationOut;

/// An open keyrack file. One process may open a file for writing at a time; a
/// second `Store` on the same file throws `KEYRACK_ALREADY_OPEN`. Call
/// `close()` when done: it writes pending counters and releases the file.
#[napi]
pub struct Store {
    inner: keyrack::Store,
}

/// A newly issued (or rotated) key. `key` is the secret, shown once: it is a
/// non-enumerable property, so `console.log`, `util.inspect` and
/// `JSON.stringify` of an `Issued` never print it. Read `issued.key` to hand
/// it to its owner.
// Declared for `index.d.ts` only: `IssuedOut` builds the JavaScript value.
#[allow(dead_code)]
#[napi(object, object_from_js = false)]
pub struct Issued {
    /// The key's public id (`key_…`): use it for every management call.
    pub id: String,
    /// The full secret key (non-enumerable).
    pub key: String,
    /// The stored record (never the secret).
    pub record: KeyRecord,
}

/// What `issue`/`rotate` hand to JavaScript: the secret stays in its wiping
/// type until it is copied into the JavaScript string.
pub struct IssuedOut {
    id: String,
    key: keyrack::SecretKey,
    record: KeyRecord,
}

impl IssuedOut {
    fn from_core(i: keyrack::Issued, now: SystemTime) -> Self {
        let record = KeyRecord::from_core(&i.record, now);
        IssuedOut {
            id: i.id.clone(),
            key: i.key.clone(),
            record,
        }
    }
}

impl TypeName for IssuedOut {
    fn type_name() -> &'static str {
        "Issued"
    }
    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ToNapiValue for IssuedOut {
    unsafe fn to_napi_value(raw_env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        let env = Env::from_raw(raw_env);
        let mut obj = Object::new(&env)?;
        obj.set("id", val.id)?;
        obj.set("record", val.record)?;
        let key = env.create_string(val.key.expose())?;
        obj.define_properties(&[Property::new()
            .with_utf8_name("key")?
            .with_value(&key)
            .with_property_attributes(PropertyAttributes::Default)])?;
        unsafe { ToNapiValue::to_napi_value(raw_env, obj) }
    }
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
    /// The key's id.
    pub id: String,
    /// Details for people (e.g. the fields an update changed).
    pub detail: String,
}

/// One page of `audit`.
#[napi(object, object_from_js = false)]
pub struct AuditPage {
    /// Events of this page, oldest first.
    pub events: Vec<AuditEvent>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

fn record_op(
    store: &keyrack::Store,
    id: Option<Unknown>,
    f: fn(&keyrack::Store, &str) -> keyrack::Result<keyrack::KeyRecord>,
) -> Op<KeyRecord> {
    let store = store.clone();
    Op::from(required::<String>(id, "id", "a string"), move |id| {
        let r = f(&store, &id)?;
        Ok(KeyRecord::from_core(&r, store.clock().now()))
    })
}

impl Store {
    fn issue_op(&self, options: Option<Unknown>) -> Op<IssuedOut> {
        let store = self.inner.clone();
        Op::from(options::issue_options(options), move |o| {
            let issued = store.issue(o)?;
            Ok(IssuedOut::from_core(issued, store.clock().now()))
        })
    }

    fn issue_many_op(&self, batch: Option<Unknown>) -> Op<Vec<IssuedOut>> {
        let store = self.inner.clone();
        Op::from(options::issue_batch(batch), move |b| {
            let issued = store.issue_many(b)?;
            let now = store.clock().now();
            Ok(issued
                .into_iter()
                .map(|i| IssuedOut::from_core(i, now))
                .collect())
        })
    }

    /// The arguments of `verify`. A key that is not a string (a missing
    /// header, an array) becomes the empty string, which the core answers
    /// `malformed`: verify answers every input with an outcome. The key is
    /// read in one Node-API call into a buffer just over the longest key the
    /// core accepts; a longer string (a 10 MB header) is not copied whole but
    /// handed on as an over-long stand-in, which the core refuses as
    /// `malformed` just the same.
    fn verify_args(
        key: Option<Unknown>,
        options: Option<Unknown>,
    ) -> keyrack::Result<(String, Option<keyrack::VerifyOptions>)> {
        const LONGEST: usize = keyrack::format::MAX_KEY_LEN;
        let key = match key {
            Some(k) => {
                let raw = k.value();
                let mut buf = [0u8; LONGEST + 2];
                let mut len = 0usize;
                let status = unsafe {
                    sys::napi_get_value_string_utf8(
                        raw.env,
                        raw.value,
                        buf.as_mut_ptr().cast(),
                        buf.len(),
                        &mut len,
                    )
                };
                if status != sys::Status::napi_ok {
                    String::new()
                } else if len + 4 > LONGEST {
                    // Possibly cut short (at a character boundary): longer than any key.
                    "_".repeat(LONGEST + 1)
                } else {
                    String::from_utf8_lossy(&buf[..len]).into_owned()
                }
            }
            None => String::new(),
        };
        Ok((key, options::verify_options(options)?))
    }

    /// The one body of `verify` and `verifyAsync`.
    fn verify_body(
        store: &keyrack::Store,
        (key, options): (String, Option<keyrack::VerifyOptions>),
    ) -> keyrack::Result<VerificationOut> {
        let inner = match options {
            Some(o) => store.verify_with(&key, &o)?,
            None => store.verify(&key)?,
        };
        Ok(VerificationOut {
            inner,
            now: store.clock().now(),
        })
    }

    fn update_op(&self, id: Option<Unknown>, changes: Option<Unknown>) -> Op<KeyRecord> {
        let store = self.inner.clone();
        let args = required::<String>(id, "id", "a string")
            .and_then(|id| Ok((id, options::update_options(changes, store.clock().now())?)));
        Op::from(args, move |(id, change)| {
            let r = store.update(&id, change)?;
            Ok(KeyRecord::from_core(&r, store.clock().now()))
        })
    }

    fn rotate_op(&self, id: Option<Unknown>, options: Option<Unknown>) -> Op<IssuedOut> {
        let store = self.inner.clone();
        let args = required::<String>(id, "id", "a string")
            .and_then(|id| Ok((id, options::rotate_grace(options)?)));
        Op::from(args, move |(id, grace)| {
            let issued = store.rotate(&id, grace)?;
            Ok(IssuedOut::from_core(issued, store.clock().now()))
        })
    }

    fn purge_op(&self, options: Option<Unknown>) -> Op<f64> {
        let store = self.inner.clone();
        Op::from(options::purge_age(options), move |age| {
            store.purge(age).map(num)
        })
    }

    fn list_op(&self, options: Option<Unknown>) -> Op<Page> {
        let store = self.inner.clone();
        Op::from(options::list_options(options), move |o| {
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
        Op::from(options::audit_options(options), move |o| {
            let page = store.audit(&o)?;
            Ok(AuditPage {
                events: page
                    .events
                    .into_iter()
                    .map(|e| AuditEvent {
                        at: JsDate(e.at),
                        seq: num(e.seq),
                        kind: e.kind.as_str().to_owned(),
                        id: e.id,
                        detail: e.detail,
                    })
                    .collect(),
                next_cursor: page.next_cursor,
            })
        })
    }

    fn set_pool_op(&self, owner: Option<Unknown>, pool: Option<Unknown>) -> Op<Pool> {
        let store = self.inner.clone();
        let args = required::<String>(owner, "owner", "a string")
            .and_then(|o| Ok((o, options::pool(pool)?)));
        Op::from(args, move |(owner, (remaining, refill))| {
            let p = store.set_pool(&owner, remaining, refill)?;
            Ok(pool_out(p))
        })
    }

    fn pool_op(&self, owner: Option<Unknown>) -> Op<Option<Pool>> {
        let store = self.inner.clone();
        Op::from(
            required::<String>(owner, "owner", "a string"),
            move |owner| Ok(store.pool(&owner)?.map(pool_out)),
        )
    }

    fn sync_op(&self) -> Op<()> {
        let store = self.inner.clone();
        Op::new(move || store.sync())
    }

    fn compact_op(&self) -> Op<bool> {
        let store = self.inner.clone();
        Op::new(move || store.compact())
    }

    fn export_op(&self) -> Op<String> {
        let store = self.inner.clone();
        Op::new(move || {
            let mut out = Vec::new();
            store.export(&mut out)?;
            // The core writes JSON text, so this conversion cannot fail.
            String::from_utf8(out).map_err(|e| keyrack::Error::Io(std::io::Error::other(e)))
        })
    }

    fn import_json_lines_op(&self, text: Option<Unknown>) -> Op<f64> {
        let store = self.inner.clone();
        Op::from(required::<String>(text, "text", "a string"), move |text| {
            store.import_json_lines(&text).map(|n| num(n as u64))
        })
    }
}

fn pool_out(p: keyrack::Pool) -> Pool {
    Pool {
        remaining: num(p.remaining),
        refill: p.refill.map(crate::convert::Refill::from_core),
    }
}

#[napi]
impl Store {
    /// Opens (creating it with mode 0600 when missing) the store file at `path`.
    #[napi(constructor)]
    pub fn new(
        env: Env,
        #[napi(ts_arg_type = "string")] path: Unknown,
        #[napi(ts_arg_type = "StoreOptions")] options: Option<Unknown>,
    ) -> Result<Self> {
        let open = || -> keyrack::Result<keyrack::Store> {
            let path = required::<String>(Some(path), "path", "a string")?;
            keyrack::Store::open(path, options::store_options(options)?)
        };
        open()
            .map(|inner| Store { inner })
            .map_err(|e| throwable(&env, e))
    }

    /// The store file's path.
    #[napi(getter)]
    pub fn path(&self) -> String {
        self.inner.path().to_string_lossy().into_owned()
    }

    /// The default prefix of issued keys.
    #[napi(getter)]
    pub fn prefix(&self) -> String {
        self.inner.default_prefix().to_owned()
    }

    /// Every accepted prefix, the default first.
    #[napi(getter)]
    pub fn prefixes(&self) -> Vec<String> {
        self.inner.prefixes().to_vec()
    }

    /// Whether the store was opened read-only.
    #[napi(getter)]
    pub fn read_only(&self) -> bool {
        self.inner.is_read_only()
    }

    /// Writes pending counters and releases the file; every later call throws
    /// `KEYRACK_CLOSED`. Closing twice is harmless.
    #[napi]
    pub fn close(&self, env: Env) -> Result<()> {
        self.inner.close().map_err(|e| throwable(&env, e))
    }

    /// Writes the in-memory counters (uses, last use, credits) now, durably.
    #[napi]
    pub fn sync(&self, env: Env) -> Result<()> {
        self.sync_op().sync(&env)
    }

    /// `sync` on the libuv pool.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn sync_async(&self) -> AsyncTask<Op<()>> {
        self.sync_op().promise()
    }

    /// Writes pending counters, then rewrites the file to give free space back
    /// (after many revocations and purges, or a large import). Verifies that
    /// miss the cache wait while it runs. Returns whether the file was
    /// compacted. Throws `KEYRACK_READ_ONLY` on a store opened read-only.
    #[napi]
    pub fn compact(&self, env: Env) -> Result<bool> {
        self.compact_op().sync(&env)
    }

    /// `compact` on the libuv pool.
    #[napi(ts_return_type = "Promise<boolean>")]
    pub fn compact_async(&self) -> AsyncTask<Op<bool>> {
        self.compact_op().promise()
    }

    /// Every record, in id order, as JSON lines: one record per line, each
    /// line ending in a newline, with its `status` at the time of the export;
    /// then one line per owner's credit pool. Never a secret: `importJsonLines` reads the text back into another
    /// store, where the keys verify as `not_found` until rotated.
    #[napi]
    pub fn export(&self, env: Env) -> Result<String> {
        self.export_op().sync(&env)
    }

    /// `export` on the libuv pool.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn export_async(&self) -> AsyncTask<Op<String>> {
        self.export_op().promise()
    }

    /// Imports the JSON lines of `export` (blank lines skipped) in one
    /// transaction, all or none; returns how many records were imported. The
    /// records carry no secret: each key verifies as `not_found` until
    /// `rotate` gives it a new one. Counters and credits are kept as exported.
    /// A bad line, an id already in the store, a repeated id or a prefix the
    /// store does not accept throws `KEYRACK_INVALID_ARGUMENT` whose message
    /// names the line (`line N: …`).
    #[napi]
    pub fn import_json_lines(
        &self,
        env: Env,
        #[napi(ts_arg_type = "string")] text: Unknown,
    ) -> Result<f64> {
        self.import_json_lines_op(Some(text)).sync(&env)
    }

    /// `importJsonLines` on the libuv pool.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn import_json_lines_async(
        &self,
        #[napi(ts_arg_type = "string")] text: Unknown,
    ) -> AsyncTask<Op<f64>> {
        self.import_json_lines_op(Some(text)).promise()
    }

    /// Issues one key, durably. The secret is in the result's `key`, once.
    #[napi(ts_return_type = "Issued")]
    pub fn issue(
        &self,
        env: Env,
        #[napi(ts_arg_type = "IssueOptions")] options: Option<Unknown>,
    ) -> Result<IssuedOut> {
        self.issue_op(options).sync(&env)
    }

    /// `issue` on the libuv pool.
    #[napi(ts_return_type = "Promise<Issued>")]
    pub fn issue_async(
        &self,
        #[napi(ts_arg_type = "IssueOptions")] options: Option<Unknown>,
    ) -> AsyncTask<Op<IssuedOut>> {
        self.issue_op(options).promise()
    }

    /// Issues many keys in one transaction: all or none.
    #[napi(ts_return_type = "Issued[]")]
    pub fn issue_many(
        &self,
        env: Env,
        #[napi(ts_arg_type = "IssueOptions[]")] batch: Unknown,
    ) -> Result<Vec<IssuedOut>> {
        self.issue_many_op(Some(batch)).sync(&env)
    }

    /// `issueMany` on the libuv pool.
    #[napi(ts_return_type = "Promise<Issued[]>")]
    pub fn issue_many_async(
        &self,
        #[napi(ts_arg_type = "IssueOptions[]")] batch: Unknown,
    ) -> AsyncTask<Op<Vec<IssuedOut>>> {
        self.issue_many_op(Some(batch)).promise()
    }

    /// Verifies a key presented by a client. Never throws for a bad key
    /// (anything that is not a well-formed key string is `malformed`); throws
    /// only for store failures (`KEYRACK_CLOSED`, `KEYRACK_IO`, …).
    #[napi(ts_return_type = "Verification")]
    pub fn verify(
        &self,
        env: Env,
        #[napi(ts_arg_type = "string")] key: Unknown,
        #[napi(ts_arg_type = "VerifyOptions")] options: Option<Unknown>,
    ) -> Result<VerificationOut> {
        // Called inline rather than through an `Op`: verify is the hot path.
        Self::verify_args(Some(key), options)
            .and_then(|args| crate::task::guard(|| Self::verify_body(&self.inner, args)))
            .map_err(|e| throwable(&env, e))
    }

    /// `verify` on the libuv pool (it reads the file on a cache miss).
    #[napi(ts_return_type = "Promise<Verification>")]
    pub fn verify_async(
        &self,
        #[napi(ts_arg_type = "string")] key: Unknown,
        #[napi(ts_arg_type = "VerifyOptions")] options: Option<Unknown>,
    ) -> AsyncTask<Op<VerificationOut>> {
        let store = self.inner.clone();
        Op::from(Self::verify_args(Some(key), options), move |args| {
            Self::verify_body(&store, args)
        })
        .promise()
    }

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

    /// Changes a key's settings; an absent field is left alone, `null` clears it.
    #[napi]
    pub fn update(
        &self,
        env: Env,
        #[napi(ts_arg_type = "string")] id: Unknown,
        #[napi(ts_arg_type = "UpdateOptions")] changes: Unknown,
    ) -> Result<KeyRecord> {
        self.update_op(Some(id), Some(changes)).sync(&env)
    }

    /// `update` on the libuv pool.
    #[napi(ts_return_type = "Promise<KeyRecord>")]
    pub fn update_async(
        &self,
        #[napi(ts_arg_type = "string")] id: Unknown,
        #[napi(ts_arg_type = "UpdateOptions")] changes: Unknown,
    ) -> AsyncTask<Op<KeyRecord>> {
        self.update_op(Some(id), Some(changes)).promise()
    }

    /// Enables a disabled key.
    #[napi]
    pub fn enable(
        &self,
        env: Env,
        #[napi(ts_arg_type = "string")] id: Unknown,
    ) -> Result<KeyRecord> {
        record_op(&self.inner, Some(id), keyrack::Store::enable).sync(&env)
    }

    /// `enable` on the libuv pool.
    #[napi(ts_return_type = "Promise<KeyRecord>")]
    pub fn enable_async(
        &self,
        #[napi(ts_arg_type = "string")] id: Unknown,
    ) -> AsyncTask<Op<KeyRecord>> {
        record_op(&self.inner, Some(id), keyrack::Store::enable).promise()
    }

    /// Disables a key: it verifies as `disabled` until enabled again.
    #[napi]
    pub fn disable(
        &self,
        env: Env,
        #[napi(ts_arg_type = "string")] id: Unknown,
    ) -> Result<KeyRecord> {
        record_op(&self.inner, Some(id), keyrack::Store::disable).sync(&env)
    }

    /// `disable` on the libuv pool.
    #[napi(ts_return_type = "Promise<KeyRecord>")]
    pub fn disable_async(
        &self,
        #[napi(ts_arg_type = "string")] id: Unknown,
    ) -> AsyncTask<Op<KeyRecord>> {
        record_op(&self.inner, Some(id), keyrack::Store::disable).promise()
    }

    /// Revokes a key at once and for good: once this returns, no verify
    /// succeeds with it. The record stays (for audit) until purged.
    #[napi]
    pub fn revoke(
        &self,
        env: Env,
        #[napi(ts_arg_type = "string")] id: Unknown,
    ) -> Result<KeyRecord> {
        record_op(&self.inner, Some(id), keyrack::Store::revoke).sync(&env)
    }

    /// `revoke` on the libuv pool.
    #[napi(ts_return_type = "Promise<KeyRecord>")]
    pub fn revoke_async(
        &self,
        #[napi(ts_arg_type = "string")] id: Unknown,
    ) -> AsyncTask<Op<KeyRecord>> {
        record_op(&self.inner, Some(id), keyrack::Store::revoke).promise()
    }

    /// Gives a key a new secret, keeping its id and settings; the old secret
    /// works `grace` ms more (default 0).
    #[napi(ts_return_type = "Issued")]
    pub fn rotate(
        &self,
        env: Env,
        #[napi(ts_arg_type = "string")] id: Unknown,
        #[napi(ts_arg_type = "RotateOptions")] options: Option<Unknown>,
    ) -> Result<IssuedOut> {
        self.rotate_op(Some(id), options).sync(&env)
    }

    /// `rotate` on the libuv pool.
    #[napi(ts_return_type = "Promise<Issued>")]
    pub fn rotate_async(
        &self,
        #[napi(ts_arg_type = "string")] id: Unknown,
        #[napi(ts_arg_type = "RotateOptions")] options: Option<Unknown>,
    ) -> AsyncTask<Op<IssuedOut>> {
        self.rotate_op(Some(id), options).promise()
    }

    /// Removes revoked and expired records (and rotated-out secrets) at least
    /// `olderThan` ms past; returns how many records were removed.
    #[napi]
    pub fn purge(
        &self,
        env: Env,
        #[napi(ts_arg_type = "PurgeOptions")] options: Option<Unknown>,
    ) -> Result<f64> {
        self.purge_op(options).sync(&env)
    }

    /// `purge` on the libuv pool.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn purge_async(
        &self,
        #[napi(ts_arg_type = "PurgeOptions")] options: Option<Unknown>,
    ) -> AsyncTask<Op<f64>> {
        self.purge_op(options).promise()
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

    /// Sets an owner's shared credit pool, spent by its keys issued with `sharedCredits`.
    #[napi]
    pub fn set_pool(
        &self,
        env: Env,
        #[napi(ts_arg_type = "string")] owner: Unknown,
        #[napi(ts_arg_type = "Pool")] pool: Unknown,
    ) -> Result<Pool> {
        self.set_pool_op(Some(owner), Some(pool)).sync(&env)
    }

    /// `setPool` on the libuv pool.
    #[napi(ts_return_type = "Promise<Pool>")]
    pub fn set_pool_async(
        &self,
        #[napi(ts_arg_type = "string")] owner: Unknown,
        #[napi(ts_arg_type = "Pool")] pool: Unknown,
    ) -> AsyncTask<Op<Pool>> {
        self.set_pool_op(Some(owner), Some(pool)).promise()
    }

    /// An owner's credit pool (live), or `null` when it has none.
    #[napi]
    pub fn pool(
        &self,
        env: Env,
        #[napi(ts_arg_type = "string")] owner: Unknown,
    ) -> Result<Option<Pool>> {
        self.pool_op(Some(owner)).sync(&env)
    }

    /// `pool` on the libuv pool.
    #[napi(ts_return_type = "Promise<Pool | null>")]
    pub fn pool_async(
        &self,
        #[napi(ts_arg_type = "string")] owner: Unknown,
    ) -> AsyncTask<Op<Option<Pool>>> {
        self.pool_op(Some(owner)).promise()
    }
}

/// The HTTP status and public message of an outcome (`'missing'` included).
pub fn outcome_info(name: Option<Unknown>) -> keyrack::Result<OutcomeInfo> {
    let name = required::<String>(name, "outcome", "an outcome name")?;
    let o = crate::convert::outcome(&name)?;
    Ok(OutcomeInfo {
        http_status: u32::from(o.http_status()),
        message: o.message().to_owned(),
    })
}
