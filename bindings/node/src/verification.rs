//! `Verification`, the answer of every `verify`: a small class made with
//! plain Node-API calls. `verify` is the hot path and builds one per call, so
//! it costs one `napi_new_instance` and one `napi_wrap`; its getters read the
//! Rust value, and `record` is converted only when read. (napi-rs's `#[napi]`
//! classes keep a registry entry and extra references per instance, which
//! cost as much as the verify itself.)

use std::cell::RefCell;
use std::ffi::{CStr, c_void};
use std::ptr;
use std::time::SystemTime;

use napi::bindgen_prelude::*;
use napi::{JsError, sys};
use napi_derive::napi;

use crate::convert::{KeyRecord, num};

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
