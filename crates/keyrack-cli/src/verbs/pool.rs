//! `pool`: an owner's shared credit pool, shown, set or topped up.

use serde_json::json;

use super::open::with_store;
use super::{Outcome, core, emit};
use crate::cli::{Cli, PoolArgs};
use crate::exit::Access;
use crate::values::format_duration;

pub(super) fn pool(cli: &Cli, a: &PoolArgs) -> Outcome {
    let access = if a.set.is_some() || a.add.is_some() {
        Access::Write
    } else {
        Access::Read
    };
    with_store(cli, access, |s| {
        let pool = match (a.set, a.add) {
            // `set_pool` keeps the pool's refill when --refill is not given.
            (Some(n), _) => Some(
                s.set_pool(&a.owner, n, a.refill)
                    .map_err(|e| core(cli, e, access))?,
            ),
            (None, Some(n)) => Some(
                s.add_pool_credits(&a.owner, n)
                    .map_err(|e| core(cli, e, access))?,
            ),
            (None, None) => s.pool(&a.owner).map_err(|e| core(cli, e, access))?,
        };
        if cli.json {
            return emit(&json!({ "owner": a.owner, "pool": pool }).to_string());
        }
        match pool {
            None => emit(&format!("{:?} has no credit pool", a.owner)),
            Some(p) => {
                let refill = p.refill.map_or(String::new(), |r| {
                    format!(
                        " (refills to {} every {})",
                        r.amount,
                        format_duration(r.every)
                    )
                });
                let added = a.add.map_or(String::new(), |n| format!("added {n}; "));
                emit(&format!(
                    "{:?}: {added}{} credits{refill}",
                    a.owner, p.remaining
                ))
            }
        }
    })
}
