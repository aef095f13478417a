//! `issue` and `rotate`: the verbs that print a new secret, once.

use std::io::{self, Write};

use keyrack::{Expiry, IssueOptions, Issued, Options, Store};
use serde_json::json;

use super::open::{closing, exists, open, with_store};
use super::{Outcome, core, emit, id_arg};
use crate::cli::{Cli, IssueArgs, RotateArgs};
use crate::exit::{self, Access, Failure};
use crate::output::record_json;
use crate::values::format_duration;

/// `issue`: the only verb that creates the store file.
pub(super) fn issue(cli: &Cli, a: &IssueArgs) -> Outcome {
    let mut o = IssueOptions::new(a.name.clone()).scopes(a.scopes.iter().cloned());
    o.description = a.description.clone();
    o.owner = a.owner.clone();
    o.meta = a.meta.iter().cloned().collect();
    o.prefix = a.prefix.clone();
    // Refused before the file is created.
    o.expiry =
        Expiry::either(a.expires_in, a.expires_at).map_err(|e| core(cli, e, Access::Write))?;
    o.remaining = a.remaining;
    o.refill = a.refill;
    o.shared_credits = a.shared_credits;
    o.rate_limit = a.rate_limit;
    // A new store takes the first issue's --prefix as its default prefix.
    let mut options = Options::default();
    if let (Some(p), false) = (&a.prefix, exists(&cli.store_path())) {
        options = options.prefix(p.clone());
    }
    let store = open(cli, true, Access::Write, options)?;
    closing(cli, &store, Access::Write, |s| {
        let issued = s.issue(o).map_err(|e| core(cli, e, Access::Write))?;
        let note = format!("prefix {}", issued.record.prefix);
        print_issued(cli, s, &issued, "Issued", &note, None)
    })
}

/// `rotate`: a new secret for the same id; the old one works for the grace period.
pub(super) fn rotate(cli: &Cli, a: &RotateArgs) -> Outcome {
    with_store(cli, Access::Write, |s| {
        let issued = s
            .rotate(&id_arg(&a.id)?, a.grace)
            .map_err(|e| core(cli, e, Access::Write))?;
        let old = if a.grace.is_zero() {
            "the previous secret stopped working".to_owned()
        } else {
            format!(
                "the previous secret works for another {} (never past the key's expiry)",
                format_duration(a.grace)
            )
        };
        print_issued(cli, s, &issued, "Rotated", &old, Some(a.grace.as_millis()))
    })
}

/// Prints a new key once, with the warning that it cannot be shown again.
fn print_issued(
    cli: &Cli,
    store: &Store,
    issued: &Issued,
    verb: &str,
    note: &str,
    grace_ms: Option<u128>,
) -> Outcome {
    if cli.json {
        let mut v = json!({
            "id": issued.id,
            "key": issued.key.expose(),
            "record": record_json(&issued.record, store.clock().now()),
        });
        if let Some(g) = grace_ms {
            v["grace_ms"] = json!(g as u64);
        }
        return emit(&v.to_string());
    }
    let mut out = io::stdout().lock();
    let written = (|| -> io::Result<()> {
        writeln!(
            out,
            "{verb} {} ({:?}); {note}.",
            issued.id, issued.record.name
        )?;
        writeln!(out)?;
        writeln!(out, "    {}", issued.key.expose())?;
        writeln!(out)?;
        writeln!(
            out,
            "Store this key now: it is shown only once and cannot be recovered."
        )?;
        out.flush()
    })();
    match written {
        Ok(()) => Ok(None),
        Err(e) => Err(Failure::new(
            exit::FAILURE,
            format!(
                "cannot write the new key ({e}); revoke {} and issue another",
                issued.id
            ),
        )),
    }
}
