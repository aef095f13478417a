//! Owners' shared credit pools: `setPool`, `addPoolCredits` and `pool`, each
//! with its `…Async` twin.

use napi::bindgen_prelude::*;
use napi::{Env, Unknown};
use napi_derive::napi;

use crate::convert::{count, num, required};
use crate::error::Fallible;
use crate::manage::credits_arg;
use crate::open::Store;
use crate::options::{known, required_options};
use crate::record::Refill;
use crate::task::Op;

/// An owner's shared credit balance. Given to `setPool`, a property that
/// names none of these throws a `TypeError`.
#[napi(object)]
pub struct Pool {
    /// Credits left.
    pub remaining: f64,
    /// How they refill, if they do.
    pub refill: Option<Refill>,
}

known!(Pool { remaining, refill });

impl Pool {
    fn from_core(p: keyrack::Pool) -> Self {
        Pool {
            remaining: num(p.remaining),
            refill: p.refill.map(Refill::from_core),
        }
    }
}

fn set_pool_args(
    owner: Option<Unknown<'_>>,
    pool: Option<Unknown<'_>>,
) -> Fallible<(String, u64, Option<keyrack::Refill>)> {
    let owner = required::<String>(owner, "owner", "a string")?;
    let p = required_options::<Pool>(pool, "pool", "an object like {remaining, refill}")?;
    Ok((
        owner,
        count("remaining", p.remaining)?,
        p.refill.map(|r| r.to_core("refill")).transpose()?,
    ))
}

impl Store {
    fn set_pool_op(&self, owner: Option<Unknown>, pool: Option<Unknown>) -> Op<Pool> {
        let store = self.inner.clone();
        Op::from(
            set_pool_args(owner, pool),
            move |(owner, remaining, refill)| {
                Ok(Pool::from_core(store.set_pool(&owner, remaining, refill)?))
            },
        )
    }

    fn add_pool_credits_op(&self, owner: Option<Unknown>, credits: Option<Unknown>) -> Op<Pool> {
        let store = self.inner.clone();
        let args = required::<String>(owner, "owner", "a string")
            .map_err(Into::into)
            .and_then(|owner| Ok((owner, credits_arg(credits)?)));
        Op::from(args, move |(owner, credits)| {
            Ok(Pool::from_core(store.add_pool_credits(&owner, credits)?))
        })
    }

    fn pool_op(&self, owner: Option<Unknown>) -> Op<Option<Pool>> {
        let store = self.inner.clone();
        Op::from(
            required::<String>(owner, "owner", "a string").map_err(Into::into),
            move |owner| Ok(store.pool(&owner)?.map(Pool::from_core)),
        )
    }
}

#[napi]
impl Store {
    /// Sets an owner's shared credit pool, spent by its keys issued with
    /// `sharedCredits`, to `remaining` credits. `refill` replaces the pool's
    /// refill when given; left out, the pool keeps the one it
    /// has. Audited as `pool_set` (an event with an empty `id`).
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

    /// Adds `credits` to an owner's pool, atomically (credits spent meanwhile
    /// are kept). Audited as `pool_credits_added` (an event with an empty
    /// `id`). Throws `KEYRACK_INVALID_ARGUMENT` with field `owner` when the
    /// owner has no pool (`setPool` makes one), field `credits` for 0 or a
    /// balance that would overflow.
    #[napi]
    pub fn add_pool_credits(
        &self,
        env: Env,
        #[napi(ts_arg_type = "string")] owner: Unknown,
        #[napi(ts_arg_type = "number")] credits: Unknown,
    ) -> Result<Pool> {
        self.add_pool_credits_op(Some(owner), Some(credits))
            .sync(&env)
    }

    /// `addPoolCredits` on the libuv pool.
    #[napi(ts_return_type = "Promise<Pool>")]
    pub fn add_pool_credits_async(
        &self,
        #[napi(ts_arg_type = "string")] owner: Unknown,
        #[napi(ts_arg_type = "number")] credits: Unknown,
    ) -> AsyncTask<Op<Pool>> {
        self.add_pool_credits_op(Some(owner), Some(credits))
            .promise()
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
