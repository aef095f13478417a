//! A manual clock for tests: a store opened with one reads "now" from it.

use napi::bindgen_prelude::*;
use napi::{Env, Unknown};
use napi_derive::napi;

use crate::convert::{JsDate, millis, required};
use crate::error::throwable;

/// A clock that moves only when told to, for tests: pass it as
/// `new Store(path, { clock })`, then `clock.advance(ms)`. Clones of the same
/// clock (every store it was given to) share its time.
#[napi]
pub struct ManualClock {
    pub(crate) clock: keyrack::Clock,
}

#[napi]
impl ManualClock {
    /// A clock at `start` (default: the current time).
    #[napi(constructor)]
    pub fn new(env: Env, #[napi(ts_arg_type = "Date")] start: Option<Unknown>) -> Result<Self> {
        let start = crate::convert::arg::<JsDate>(start, "start", "a Date")
            .map_err(|e| throwable(&env, e.into()))?;
        let start = start.map_or_else(std::time::SystemTime::now, |d| d.0);
        Ok(ManualClock {
            clock: keyrack::Clock::manual(start),
        })
    }

    /// Moves the clock forward by `ms` milliseconds.
    #[napi]
    pub fn advance(&self, env: Env, #[napi(ts_arg_type = "number")] ms: Unknown) -> Result<()> {
        let ms = required::<f64>(Some(ms), "ms", "a number")
            .and_then(|n| millis("ms", n))
            .map_err(|e| throwable(&env, e.into()))?;
        self.clock.advance(ms);
        Ok(())
    }

    /// Sets the clock to `to`.
    #[napi]
    pub fn set(&self, env: Env, #[napi(ts_arg_type = "Date")] to: Unknown) -> Result<()> {
        let to =
            required::<JsDate>(Some(to), "to", "a Date").map_err(|e| throwable(&env, e.into()))?;
        self.clock.set(to.0);
        Ok(())
    }

    /// The clock's time.
    #[napi(ts_return_type = "Date")]
    pub fn now(&self) -> JsDate {
        JsDate(self.clock.now())
    }
}

/// A `ManualClock` given in options: the store shares its time.
pub struct ClockArg(pub keyrack::Clock);

impl TypeName for ClockArg {
    fn type_name() -> &'static str {
        "ManualClock"
    }
    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ValidateNapiValue for ClockArg {}

impl crate::options::Known for ClockArg {}

impl FromNapiValue for ClockArg {
    unsafe fn from_napi_value(env: sys::napi_env, v: sys::napi_value) -> Result<Self> {
        let clock = unsafe { ClassInstance::<ManualClock>::from_napi_value(env, v) }
            .map_err(|_| Error::new(Status::InvalidArg, "expected a ManualClock".to_owned()))?;
        Ok(ClockArg(clock.clock.clone()))
    }
}
