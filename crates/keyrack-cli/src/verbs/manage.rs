//! `revoke`, `enable`, `disable`, `update`, `credits` and `purge`: changes to
//! existing records.

use std::collections::BTreeSet;

use keyrack::{Expiry, KeyRecord, Store, UpdateOptions};
use serde_json::json;

use super::open::with_store;
use super::{Outcome, core, emit, id_arg};
use crate::cli::{Cli, CreditsArgs, PurgeArgs, UpdateArgs};
use crate::exit::{Access, Failure};
use crate::output::{credits_text, record_json};

/// `revoke`, `enable`, `disable`: one call on an id, the record printed.
pub(super) fn simple(
    cli: &Cli,
    id: &str,
    done: &str,
    verb: fn(&Store, &str) -> keyrack::Result<KeyRecord>,
) -> Outcome {
    with_store(cli, Access::Write, |s| {
        let r = verb(s, &id_arg(id)?).map_err(|e| core(cli, e, Access::Write))?;
        if cli.json {
            emit(&record_json(&r, s.clock().now()).to_string())
        } else {
            emit(&format!("{done} {} ({:?})", r.id, r.name))
        }
    })
}

/// The update the flags ask for: a flag not given leaves its setting alone;
/// a `--clear-*`/`--no-*` flag removes it.
fn update_options(cli: &Cli, a: &UpdateArgs) -> Outcome<UpdateOptions> {
    let mut u = UpdateOptions::default();
    u.name = a.name.clone();
    if a.clear_description {
        u.description = Some(None);
    } else if let Some(d) = &a.description {
        u.description = Some(Some(d.clone()));
    }
    if a.clear_owner {
        u.owner = Some(None);
    } else if let Some(o) = &a.owner {
        u.owner = Some(Some(o.clone()));
    }
    if a.clear_scopes {
        u.scopes = Some(BTreeSet::new());
    } else if !a.scopes.is_empty() {
        u.scopes = Some(a.scopes.iter().cloned().collect());
    }
    if a.clear_meta {
        u.meta = Some(Default::default());
    } else if !a.meta.is_empty() {
        u.meta = Some(a.meta.iter().cloned().collect());
    }
    // `--expires-in` stays a duration: the core resolves it inside the
    // update's transaction.
    if a.no_expiry {
        u.expiry = Some(None);
    } else if let Some(e) =
        Expiry::either(a.expires_in, a.expires_at).map_err(|e| core(cli, e, Access::Write))?
    {
        u.expiry = Some(Some(e));
    }
    if a.unmetered {
        u.remaining = Some(None);
    } else if let Some(n) = a.remaining {
        u.remaining = Some(Some(n));
    }
    if a.no_refill {
        u.refill = Some(None);
    } else if let Some(r) = a.refill {
        u.refill = Some(Some(r));
    }
    if a.no_rate_limit {
        u.rate_limit = Some(None);
    } else if let Some(r) = a.rate_limit {
        u.rate_limit = Some(Some(r));
    }
    u.shared_credits = a.shared_credits;
    Ok(u)
}

pub(super) fn update(cli: &Cli, a: &UpdateArgs) -> Outcome {
    let u = update_options(cli, a)?;
    if u.is_empty() {
        return Err(Failure::usage(
            "nothing to update: give at least one setting (see `keyrack update --help`)",
        ));
    }
    let id = id_arg(&a.id)?;
    with_store(cli, Access::Write, |s| {
        let r = s.update(&id, u).map_err(|e| core(cli, e, Access::Write))?;
        if cli.json {
            emit(&record_json(&r, s.clock().now()).to_string())
        } else {
            emit(&format!("updated {} ({:?})", r.id, r.name))
        }
    })
}

/// `credits`: a key's balance, shown or topped up with `--add` (the core's
/// `add_credits`, atomic with verifies: unlike `update --remaining`, it
/// loses none of the credits spent meanwhile).
pub(super) fn credits(cli: &Cli, a: &CreditsArgs) -> Outcome {
    let id = id_arg(&a.id)?;
    let access = if a.add.is_some() {
        Access::Write
    } else {
        Access::Read
    };
    with_store(cli, access, |s| {
        let r = match a.add {
            Some(n) => s.add_credits(&id, n),
            None => s.get(&id),
        }
        .map_err(|e| core(cli, e, access))?;
        if cli.json {
            return emit(
                &json!({
                    "id": r.id,
                    "added": a.add,
                    "remaining": r.remaining,
                    "refill": r.refill,
                    "shared_credits": r.shared_credits,
                })
                .to_string(),
            );
        }
        let added = a.add.map_or(String::new(), |n| format!("added {n}; "));
        emit(&format!(
            "{} ({:?}): {added}credits {}",
            r.id,
            r.name,
            credits_text(&r)
        ))
    })
}

pub(super) fn purge(cli: &Cli, a: &PurgeArgs) -> Outcome {
    with_store(cli, Access::Write, |s| {
        let n = s
            .purge(a.older_than)
            .map_err(|e| core(cli, e, Access::Write))?;
        if cli.json {
            emit(&json!({ "purged": n }).to_string())
        } else {
            emit(&format!(
                "purged {n} record{}",
                if n == 1 { "" } else { "s" }
            ))
        }
    })
}
