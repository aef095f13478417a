//! Verifying keys: `verify`, `verifyHeaders` (the key found in request
//! headers), each with its `…Async` twin; `extractKey` and `outcomeInfo` for
//! hand-written HTTP handlers; and `Verification`, the answer of every
//! verify.
//!
//! `Verification` is a small class made with plain Node-API calls. `verify`
//! is the hot path and builds one per call, so it costs one
//! `napi_new_instance` and one `napi_wrap`; its getters read the Rust value,
//! and `record` is converted only when read. (napi-rs's `#[napi]` classes keep
//! a registry entry and extra references per instance, which cost as much as
//! the verify itself.)

use std::cell::RefCell;
use std::ffi::{CStr, c_void};
use std::ptr;
use std::time::SystemTime;

use napi::bindgen_prelude::*;
use napi::{Env, JsError, Unknown, sys};
use napi_derive::napi;

use crate::convert::{count, num, required};
use crate::error::{Fallible, throwable};
use crate::open::Store;
use crate::options::{known, options};
use crate::record::KeyRecord;
use crate::task::{Op, guard};

/// What a verify requires beyond a good key. A property that names none
/// of these throws a `TypeError`.
#[napi(object, object_to_js = false)]
pub struct VerifyOptions {
    /// Scopes the key must all have.
    pub scopes: Option<Vec<String>>,
    /// Credits this call costs on a metered key (default 1; 0 only checks).
    pub cost: Option<f64>,
}

known!(VerifyOptions { scopes, cost });

fn verify_options(v: Option<Unknown<'_>>) -> Fallible<keyrack::VerifyOptions> {
    let Some(o) = options::<VerifyOptions>(v, "options", "an object")? else {
        return Ok(keyrack::VerifyOptions::default());
    };
    let mut out = keyrack::VerifyOptions::default().scopes(o.scopes.unwrap_or_default());
    if let Some(c) = o.cost {
        out.cost = count("cost", c)?;
    }
    Ok(out)
}

/// The key argument of `verify`. A key that is not a string (a missing
/// header, an array) becomes the empty string, which the core answers
/// `malformed`: verify answers every input with an outcome. The key is read
/// in one Node-API call into a buffer just over the longest key the core
/// accepts; a longer string (a 10 MB header) is not copied whole but handed
/// on as an over-long stand-in, which the core refuses as `malformed` just
/// the same.
fn key_arg(key: Option<Unknown<'_>>) -> String {
    const LONGEST: usize = keyrack::format::MAX_KEY_LEN;
    let Some(k) = key else {
        return String::new();
    };
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

/// The (name, value) pairs of Node's `req.headers` (values a string or an
/// array of strings) or of a Fetch `Headers`; values that are not strings
/// are skipped (they cannot hold a key), and anything that is not an object
/// has no headers.
fn header_pairs(headers: Option<Unknown<'_>>) -> Result<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    let Some(headers) = headers else {
        return Ok(pairs);
    };
    if headers.get_type()? != ValueType::Object {
        return Ok(pairs);
    }
    let obj = unsafe { headers.cast::<Object>() }?;
    let getter = obj.get::<Unknown>("get")?;
    if let Some(get) = getter.filter(|g| g.get_type().ok() == Some(ValueType::Function)) {
        // A Fetch `Headers` (or anything with a case-insensitive `get`).
        let get = unsafe { get.cast::<Function<String, Unknown>>() }?;
        for name in ["x-api-key", "authorization"] {
            let v = get.apply(obj, name.to_owned())?;
            if v.get_type()? == ValueType::String {
                pairs.push((name.to_owned(), unsafe { v.cast::<String>() }?));
            }
        }
        return Ok(pairs);
    }
    for name in Object::keys(&obj)? {
        let Some(v) = obj.get::<Unknown>(&name)? else {
            continue;
        };
        match v.get_type()? {
            ValueType::String => pairs.push((name, unsafe { v.cast::<String>() }?)),
            ValueType::Object => {
                if let Ok(items) = unsafe { v.cast::<Vec<Unknown>>() } {
                    for item in items {
                        if item.get_type()? == ValueType::String {
                            pairs.push((name.clone(), unsafe { item.cast::<String>() }?));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(pairs)
}

fn headers_arg(headers: Option<Unknown<'_>>) -> Fallible<Vec<(String, String)>> {
    header_pairs(headers).map_err(|e| crate::error::invalid("headers", e.reason).into())
}

fn verify_body(
    store: &keyrack::Store,
    (key, options): (String, keyrack::VerifyOptions),
) -> Fallible<VerificationOut> {
    Ok(VerificationOut {
        inner: store.verify_with(&key, &options)?,
        now: store.clock().now(),
    })
}

fn verify_headers_body(
    store: &keyrack::Store,
    (pairs, options): (Vec<(String, String)>, keyrack::VerifyOptions),
) -> Fallible<VerificationOut> {
    let pairs = pairs.iter().map(|(n, v)| (n.as_str(), v.as_str()));
    Ok(VerificationOut {
        inner: store.verify_headers(pairs, &options)?,
        now: store.clock().now(),
    })
}

#[napi]
impl Store {
    /// Verifies a key presented by a client. Never throws for a bad key
    /// (anything that is not a well-formed key string is `malformed`); throws
    /// only for bad options and store failures (`KEYRACK_CLOSED`, `KEYRACK_IO`, …).
    #[napi(ts_return_type = "Verification")]
    pub fn verify(
        &self,
        env: Env,
        #[napi(ts_arg_type = "string")] key: Unknown,
        #[napi(ts_arg_type = "VerifyOptions")] options: Option<Unknown>,
    ) -> Result<VerificationOut> {
        // Called inline rather than through an `Op`: verify is the hot path.
        verify_options(options)
            .and_then(|o| guard(|| verify_body(&self.inner, (key_arg(Some(key)), o))))
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
        let args = verify_options(options).map(|o| (key_arg(Some(key)), o));
        Op::from(args, move |args| verify_body(&store, args)).promise()
    }

    /// Verifies the key a request carries in its headers (Node's
    /// `req.headers`, values a string or an array of strings, or a Fetch
    /// `Headers`): `x-api-key` (any case), `Authorization: Api-Key <key>` or
    /// `Authorization: Bearer <key>`. No key is the outcome `missing` (401,
    /// "API key is required"); like `verify`, it throws only for bad options
    /// and store failures.
    #[napi(
        ts_args_type = "headers: Record<string, string | string[] | undefined> | { get(name: string): string | null }, options?: VerifyOptions",
        ts_return_type = "Verification"
    )]
    pub fn verify_headers(
        &self,
        env: Env,
        headers: Option<Unknown>,
        options: Option<Unknown>,
    ) -> Result<VerificationOut> {
        headers_arg(headers)
            .and_then(|h| Ok((h, verify_options(options)?)))
            .and_then(|args| guard(|| verify_headers_body(&self.inner, args)))
            .map_err(|e| throwable(&env, e))
    }

    /// `verifyHeaders` on the libuv pool.
    #[napi(
        ts_args_type = "headers: Record<string, string | string[] | undefined> | { get(name: string): string | null }, options?: VerifyOptions",
        ts_return_type = "Promise<Verification>"
    )]
    pub fn verify_headers_async(
        &self,
        headers: Option<Unknown>,
        options: Option<Unknown>,
    ) -> AsyncTask<Op<VerificationOut>> {
        let store = self.inner.clone();
        let args = headers_arg(headers).and_then(|h| Ok((h, verify_options(options)?)));
        Op::from(args, move |args| verify_headers_body(&store, args)).promise()
    }
}

/// Finds the API key in request headers: `x-api-key` (any case),
/// `Authorization: Api-Key <key>` or `Authorization: Bearer <key>`. Takes
/// Node's `req.headers` (`IncomingHttpHeaders`) or a Fetch `Headers`. Returns
/// `null` when there is no key: answer 401 "API key is required"
/// (`outcomeInfo('missing')`). `store.verifyHeaders` does both steps at once.
#[napi(
    ts_args_type = "headers: Record<string, string | string[] | undefined> | { get(name: string): string | null }"
)]
pub fn extract_key(headers: Unknown) -> Result<Option<String>> {
    let pairs = header_pairs(Some(headers))?;
    Ok(
        match keyrack::extract_key(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str()))) {
            keyrack::Extracted::Key(k) => Some(k.to_owned()),
            keyrack::Extracted::Missing => None,
        },
    )
}

/// Whether a key may be let in, with what HTTP answer.
#[napi(object, object_from_js = false)]
pub struct OutcomeInfo {
    /// 200, 401, 403 or 429.
    pub http_status: u32,
    /// A short message safe to show to the caller.
    pub message: String,
}

/// The HTTP status and public message of an outcome, `'missing'` included.
#[napi]
pub fn outcome_info(
    env: Env,
    #[napi(ts_arg_type = "Outcome")] outcome: Unknown,
) -> Result<OutcomeInfo> {
    let info = || -> Fallible<OutcomeInfo> {
        let name = required::<String>(Some(outcome), "outcome", "an outcome name")?;
        let o = name.parse::<keyrack::Outcome>()?;
        Ok(OutcomeInfo {
            http_status: u32::from(o.http_status()),
            message: o.message().to_owned(),
        })
    };
    info().map_err(|e| throwable(&env, e))
}

/// The answer of `verify`: an outcome, never an exception for a bad key.
/// Holds no secret. Its fields are getters: `record` is built when read, so a
/// verify that only checks `valid` stays cheap; `JSON.stringify` and
/// `util.inspect` show every field.
#[napi(object, object_from_js = false)]
pub struct Verification {
    /// What the checks found.
    #[napi(ts_type = "Outcome")]
    pub outcome: String,
    /// `true` only when `outcome === 'valid'`.
    pub valid: bool,
    /// The HTTP status to answer with: 200, 401, 403 or 429.
    pub http_status: u32,
    /// A short message safe to show to the caller.
    pub message: String,
    /// The key's record when the key was found (never the secret).
    pub record: Option<KeyRecord>,
    /// Credits left after this call, on a metered key (or its owner's pool).
    pub remaining: Option<f64>,
    /// For `rate_limited`: milliseconds until the window reopens.
    pub retry_after: Option<f64>,
}

/// The Rust side of one `Verification` object.
pub struct VerificationOut {
    pub inner: keyrack::Verification,
    pub now: SystemTime,
}

impl VerificationOut {
    fn outcome(&self) -> keyrack::Outcome {
        self.inner.outcome
    }
    fn record(&self) -> Option<KeyRecord> {
        self.inner
            .record
            .as_deref()
            .map(|r| KeyRecord::from_core(r, self.now))
    }
    fn remaining(&self) -> Option<f64> {
        self.inner.remaining.map(num)
    }
    fn retry_after(&self) -> Option<f64> {
        self.inner.retry_after.map(|d| d.as_millis() as f64)
    }
    fn to_plain(&self) -> Verification {
        let o = self.outcome();
        Verification {
            outcome: o.as_str().to_owned(),
            valid: o.is_valid(),
            http_status: u32::from(o.http_status()),
            message: o.message().to_owned(),
            record: self.record(),
            remaining: self.remaining(),
            retry_after: self.retry_after(),
        }
    }
}

impl TypeName for VerificationOut {
    fn type_name() -> &'static str {
        "Verification"
    }
    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ToNapiValue for VerificationOut {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        let ctor = unsafe { constructor(env) }?;
        let mut obj = ptr::null_mut();
        check_status!(unsafe { sys::napi_new_instance(env, ctor, 0, ptr::null(), &mut obj) })?;
        let data = Box::into_raw(Box::new(val));
        let status = unsafe {
            sys::napi_wrap(
                env,
                obj,
                data.cast(),
                Some(finalize),
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        if status != sys::Status::napi_ok {
            drop(unsafe { Box::from_raw(data) });
            check_status!(status, "cannot wrap a Verification")?;
        }
        Ok(obj)
    }
}

unsafe extern "C" fn finalize(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    drop(unsafe { Box::from_raw(data.cast::<VerificationOut>()) });
}

unsafe extern "C" fn construct(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    let mut this = ptr::null_mut();
    let mut argc = 0;
    unsafe {
        sys::napi_get_cb_info(
            env,
            info,
            &mut argc,
            ptr::null_mut(),
            &mut this,
            ptr::null_mut(),
        )
    };
    this
}

/// Runs `f` on the `VerificationOut` behind `this`, turning errors into
/// JavaScript exceptions.
unsafe fn with_this(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    f: impl FnOnce(&VerificationOut) -> Result<sys::napi_value>,
) -> sys::napi_value {
    let mut this = ptr::null_mut();
    let mut argc = 0;
    let mut data: *mut c_void = ptr::null_mut();
    let ok = unsafe {
        sys::napi_get_cb_info(
            env,
            info,
            &mut argc,
            ptr::null_mut(),
            &mut this,
            ptr::null_mut(),
        )
    } == sys::Status::napi_ok
        && unsafe { sys::napi_unwrap(env, this, &mut data) } == sys::Status::napi_ok
        && !data.is_null();
    if !ok {
        unsafe {
            sys::napi_throw_type_error(
                env,
                c"KEYRACK_INVALID_ARGUMENT".as_ptr(),
                c"not a Verification returned by verify()".as_ptr(),
            )
        };
        return ptr::null_mut();
    }
    match f(unsafe { &*data.cast::<VerificationOut>() }) {
        Ok(v) => v,
        Err(e) => {
            unsafe { JsError::from(e).throw_into(env) };
            ptr::null_mut()
        }
    }
}

macro_rules! getter {
    ($name:ident, |$v:ident| $body:expr) => {
        unsafe extern "C" fn $name(
            env: sys::napi_env,
            info: sys::napi_callback_info,
        ) -> sys::napi_value {
            unsafe { with_this(env, info, |$v| ToNapiValue::to_napi_value(env, $body)) }
        }
    };
}

getter!(get_outcome, |v| v.outcome().as_str());
getter!(get_valid, |v| v.outcome().is_valid());
getter!(get_http_status, |v| u32::from(v.outcome().http_status()));
getter!(get_message, |v| v.outcome().message());
getter!(get_record, |v| v.record().map_or(Either::B(()), Either::A));
getter!(get_remaining, |v| v
    .remaining()
    .map_or(Either::B(()), Either::A));
getter!(get_retry_after, |v| v
    .retry_after()
    .map_or(Either::B(()), Either::A));
getter!(to_json, |v| v.to_plain());

thread_local! {
    /// The class, per Node environment (the main thread and each worker).
    static CLASS: RefCell<Option<(usize, sys::napi_ref)>> = const { RefCell::new(None) };
}

/// The `Verification` constructor of this environment, defined on first use.
unsafe fn constructor(env: sys::napi_env) -> Result<sys::napi_value> {
    let cached = CLASS.with(|c| *c.borrow());
    if let Some((e, r)) = cached
        && e == env as usize
    {
        let mut ctor = ptr::null_mut();
        check_status!(unsafe { sys::napi_get_reference_value(env, r, &mut ctor) })?;
        if !ctor.is_null() {
            return Ok(ctor);
        }
    }
    let ctor = unsafe { define(env) }?;
    let mut r = ptr::null_mut();
    check_status!(unsafe { sys::napi_create_reference(env, ctor, 1, &mut r) })?;
    CLASS.with(|c| *c.borrow_mut() = Some((env as usize, r)));
    Ok(ctor)
}

fn accessor(name: &'static CStr, getter: sys::napi_callback) -> sys::napi_property_descriptor {
    sys::napi_property_descriptor {
        utf8name: name.as_ptr(),
        name: ptr::null_mut(),
        method: None,
        getter,
        setter: None,
        value: ptr::null_mut(),
        attributes: sys::PropertyAttributes::enumerable,
        data: ptr::null_mut(),
    }
}

unsafe fn define(env: sys::napi_env) -> Result<sys::napi_value> {
    let mut props = vec![
        accessor(c"outcome", Some(get_outcome)),
        accessor(c"valid", Some(get_valid)),
        accessor(c"httpStatus", Some(get_http_status)),
        accessor(c"message", Some(get_message)),
        accessor(c"record", Some(get_record)),
        accessor(c"remaining", Some(get_remaining)),
        accessor(c"retryAfter", Some(get_retry_after)),
    ];
    props.push(sys::napi_property_descriptor {
        utf8name: c"toJSON".as_ptr(),
        method: Some(to_json),
        getter: None,
        attributes: sys::PropertyAttributes::writable | sys::PropertyAttributes::configurable,
        ..accessor(c"toJSON", None)
    });
    let name = c"Verification";
    let mut ctor = ptr::null_mut();
    check_status!(unsafe {
        sys::napi_define_class(
            env,
            name.as_ptr(),
            name.to_bytes().len() as isize,
            Some(construct),
            ptr::null_mut(),
            props.len(),
            props.as_ptr(),
            &mut ctor,
        )
    })?;
    // util.inspect / console.log show the fields, as toJSON does.
    let get = |obj: sys::napi_value, name: &CStr| -> Result<sys::napi_value> {
        let mut out = ptr::null_mut();
        check_status!(unsafe { sys::napi_get_named_property(env, obj, name.as_ptr(), &mut out) })?;
        Ok(out)
    };
    let proto = get(ctor, c"prototype")?;
    let method = get(proto, c"toJSON")?;
    let mut global = ptr::null_mut();
    check_status!(unsafe { sys::napi_get_global(env, &mut global) })?;
    let symbol_ctor = get(global, c"Symbol")?;
    let symbol_for = get(symbol_ctor, c"for")?;
    let key = unsafe { ToNapiValue::to_napi_value(env, "nodejs.util.inspect.custom") }?;
    let mut symbol = ptr::null_mut();
    check_status!(unsafe {
        sys::napi_call_function(env, symbol_ctor, symbol_for, 1, &key, &mut symbol)
    })?;
    check_status!(unsafe { sys::napi_set_property(env, proto, symbol, method) })?;
    Ok(ctor)
}
