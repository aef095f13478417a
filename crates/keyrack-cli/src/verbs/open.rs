//! Opening and closing the store for a verb, and `prefixes` (the prefixes
//! the store accepts).

use std::path::Path;

use keyrack::{Options, Pepper, Store, format};
use serde_json::json;

use super::{Outcome, core, emit};
use crate::cli::{Cli, PrefixesArgs};
use crate::exit::{self, Access, Failure};
use crate::values::parse_pepper_hex;

fn pepper(cli: &Cli) -> Outcome<Option<Pepper>> {
    match std::env::var(&cli.pepper_env) {
        Ok(v) if !v.is_empty() => parse_pepper_hex(&v)
            .map(|b| Some(Pepper::new(b)))
            .map_err(|why| Failure::usage(format!("${} is not a pepper: {why}", cli.pepper_env))),
        Ok(_) | Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(Failure::usage(format!(
            "${} is not a pepper: must be 64 hex digits",
            cli.pepper_env
        ))),
    }
}

/// Opens the store. Only `issue` passes `create`; every other verb finds a
/// missing file an error and creates nothing.
///
/// The credit lease is 1: a run verifies at most once, so a metered verify
/// reserves exactly its cost in the file, and a run killed mid-verify
/// forfeits at most that cost (the core's default of 100 suits a server).
pub(super) fn open(cli: &Cli, create: bool, access: Access, options: Options) -> Outcome<Store> {
    if !create && !exists(&cli.store_path()) {
        return Err(exit::missing_store(&cli.store_path()));
    }
    let mut options = options
        .create(create)
        .read_only(cli.read_only)
        .credit_lease(1);
    if let Some(p) = pepper(cli)? {
        options = options.pepper(p);
    }
    Store::open(cli.store_path(), options).map_err(|e| core(cli, e, access))
}

/// Whether anything (even a dangling link) is at `path`.
pub(super) fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// Runs `f` on an open store, then closes it, reporting a failed final
/// flush (after `f`'s own failure, if any).
pub(super) fn closing(
    cli: &Cli,
    store: &Store,
    access: Access,
    f: impl FnOnce(&Store) -> Outcome,
) -> Outcome {
    let result = f(store);
    let closed = store.close().map_err(|e| core(cli, e, access));
    let code = result?;
    closed?;
    Ok(code)
}

/// Opens the existing store, runs `f` on it and closes it.
pub(super) fn with_store(cli: &Cli, access: Access, f: impl FnOnce(&Store) -> Outcome) -> Outcome {
    let store = open(cli, false, access, Options::default())?;
    closing(cli, &store, access, f)
}

/// `prefixes`: show the accepted prefixes, or change them with the core's
/// audited calls (`add_prefix`, `remove_prefix`). Every argument is checked
/// before the first change, so a refused one changes nothing.
pub(super) fn prefixes(cli: &Cli, a: &PrefixesArgs) -> Outcome {
    let change = !a.accept.is_empty() || !a.remove.is_empty();
    if change && cli.read_only {
        return Err(Failure::new(
            exit::READ_ONLY,
            "changing prefixes writes, and the store was opened with --read-only",
        ));
    }
    for p in a.accept.iter().chain(&a.remove).chain(&a.default) {
        format::validate_prefix(p)
            .map_err(|e| Failure::usage(format!("invalid prefix {p:?}: {e}")))?;
    }
    if let Some(p) = a.accept.iter().find(|p| a.remove.contains(p)) {
        return Err(Failure::usage(format!(
            "{p:?} is given to both --accept and --remove"
        )));
    }
    let access = if change { Access::Write } else { Access::Read };
    let store = open(cli, false, access, Options::default())?;
    closing(cli, &store, access, |s| {
        let accepted = s.prefixes();
        if let Some(p) = a.default.as_deref().filter(|p| *p != s.default_prefix()) {
            return Err(Failure::usage(format!(
                "the default prefix is {:?}, fixed when the store was created (by its first \
                 `issue --prefix P`); to issue {p:?} keys, accept it with --accept {p} and \
                 issue with `keyrack issue --prefix {p}`",
                s.default_prefix()
            )));
        }
        for p in &a.remove {
            if p == s.default_prefix() {
                return Err(Failure::usage(format!(
                    "invalid prefix: {p:?} is the store's default prefix; it cannot be removed"
                )));
            }
            if !accepted.contains(p) {
                return Err(Failure::usage(format!(
                    "invalid prefix: the store does not accept {p:?}"
                )));
            }
        }
        let mut accepted = accepted;
        for p in &a.accept {
            accepted = s.add_prefix(p).map_err(|e| core(cli, e, access))?;
        }
        for p in &a.remove {
            accepted = s.remove_prefix(p).map_err(|e| core(cli, e, access))?;
        }
        if cli.json {
            emit(&json!({ "default": s.default_prefix(), "accepted": accepted }).to_string())
        } else {
            emit(&format!(
                "default   {}\naccepted  {}",
                s.default_prefix(),
                accepted.join(", ")
            ))
        }
    })
}
