//! One body for the sync call and its `…Async` twin: an [`Op`] holds the work
//! (arguments already converted); the sync verb runs it on the calling
//! thread, the async verb hands it to napi's `AsyncTask` on the libuv pool.

use std::panic::{AssertUnwindSafe, catch_unwind};

use napi::bindgen_prelude::*;
use napi::{Env, Task};

use crate::error::{Failure, Fallible, throwable};

fn panicked() -> Failure {
    Failure::Core(keyrack::Error::Io(std::io::Error::other(
        "keyrack panicked inside a store call (a bug: please report it)",
    )))
}

/// Runs a store call so that a panic (a bug) becomes an `Io` error instead of
/// unwinding into Node, which would abort the process.
pub fn guard<T>(f: impl FnOnce() -> Fallible<T>) -> Fallible<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| Err(panicked()))
}

type Work<T> = Box<dyn FnOnce() -> Fallible<T> + Send>;

/// A store call ready to run.
pub struct Op<T> {
    work: Option<Work<T>>,
}

impl<T: Send + 'static> Op<T> {
    pub fn new(f: impl FnOnce() -> Fallible<T> + Send + 'static) -> Self {
        Op {
            work: Some(Box::new(f)),
        }
    }

    /// Builds the op from converted arguments, or one that fails with the
    /// conversion error (so an async verb rejects instead of throwing).
    pub fn from<A: Send + 'static>(
        args: Fallible<A>,
        f: impl FnOnce(A) -> Fallible<T> + Send + 'static,
    ) -> Self {
        Op::new(move || f(args?))
    }

    fn run(&mut self) -> Fallible<T> {
        let Some(work) = self.work.take() else {
            return Err(Failure::Core(keyrack::Error::Io(std::io::Error::other(
                "keyrack: an operation ran twice",
            ))));
        };
        guard(work)
    }

    /// Runs on the calling thread.
    pub fn sync(mut self, env: &Env) -> Result<T> {
        self.run().map_err(|e| throwable(env, e))
    }

    /// Runs on the libuv pool; the Promise settles on the JavaScript thread.
    pub fn promise(self) -> AsyncTask<Op<T>>
    where
        T: ToNapiValue + TypeName,
    {
        AsyncTask::new(self)
    }
}

impl<T: ToNapiValue + TypeName + Send + 'static> Task for Op<T> {
    type Output = Fallible<T>;
    type JsValue = T;

    fn compute(&mut self) -> Result<Self::Output> {
        Ok(self.run())
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> Result<T> {
        output.map_err(|e| throwable(&env, e))
    }
}
