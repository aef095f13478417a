//! Opening and closing the store for a verb, and `prefixes` (the store's
//! open options).

use std::path::Path;

use keyrack::{Options, Pepper, Store};
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
pub(super) fn open(cli: &Cli, create: bool, access: Access, options: Options) -> Outcome<Store> {
    if !create && !exists(&cli.store_path()) {
        return Err(exit::missing_store(&cli.store_path()));
    }
    let mut options = options.create(create).read_only(cli.read_only);
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

/// `prefixes`: show the store's prefixes, or change them through the open options.
pub(super) fn prefixes(cli: &Cli, a: &PrefixesArgs) -> Outcome {
    let change = a.default.is_some() || !a.accept.is_empty();
    if change && cli.read_only {
        return Err(Failure::new(
            exit::READ_ONLY,
            "changing prefixes writes, and the store was opened with --read-only",
        ));
    }
    let mut options = Options::default();
    if let Some(d) = &a.default {
        options = options.prefix(d.clone());
    }
    if !a.accept.is_empty() {
        options = options.prefixes(a.accept.iter().cloned());
    }
    let access = if change { Access::Write } else { Access::Read };
    let store = open(cli, false, access, options)?;
    closing(cli, &store, access, |s| {
        if cli.json {
            emit(&json!({ "default": s.default_prefix(), "accepted": s.prefixes() }).to_string())
        } else {
            emit(&format!(
                "default   {}\naccepted  {}",
                s.default_prefix(),
                s.prefixes().join(", ")
            ))
        }
    })
}
