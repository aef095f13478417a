//! `verify`: one key, its outcome printed and returned as the exit code.

use std::io::{self, IsTerminal, Read};

use keyrack::VerifyOptions;
use serde_json::json;

use super::open::with_store;
use super::{Outcome, core, emit};
use crate::cli::{Cli, VerifyArgs};
use crate::exit::{self, Access, Failure};
use crate::output::record_json;
use crate::values::format_duration;

fn read_key_from_stdin() -> Outcome<String> {
    let stdin = io::stdin();
    if stdin.is_terminal() {
        eprintln!("keyrack: paste the key and press Enter (Ctrl-D to end):");
    }
    let mut buf = String::new();
    stdin
        .lock()
        .take(4096)
        .read_to_string(&mut buf)
        .map_err(|e| Failure::usage(format!("cannot read the key from stdin: {e}")))?;
    let key = buf.trim().to_owned();
    if key.is_empty() {
        return Err(Failure::usage(
            "no key given: pass it as an argument or on stdin",
        ));
    }
    Ok(key)
}

pub(super) fn verify(cli: &Cli, a: &VerifyArgs) -> Outcome {
    let key = match a.key.as_deref() {
        None | Some("-") => read_key_from_stdin()?,
        Some(k) => k.to_owned(),
    };
    let cost = if a.check { 0 } else { a.cost };
    let options = VerifyOptions::default()
        .scopes(a.scopes.iter().cloned())
        .cost(cost);
    with_store(cli, Access::Read, |s| {
        let v = s.verify_with(&key, &options).map_err(|e| match e {
            // The core grants nothing a read-only handle cannot record.
            keyrack::Error::ReadOnly => Failure::new(
                exit::READ_ONLY,
                "this key has credits or a rate limit, and a verify would spend them, which a \
                 store opened with --read-only cannot record: check it without spending with \
                 --check (or --cost 0), or drop --read-only",
            ),
            e => core(cli, e, Access::Read),
        })?;
        let code = exit::outcome_code(v.outcome);
        let printed = if cli.json {
            let retry = v.retry_after.map(|d| d.as_millis() as u64);
            emit(
                &json!({
                    "outcome": v.outcome.as_str(),
                    "valid": v.is_valid(),
                    "http_status": v.outcome.http_status(),
                    "message": v.outcome.message(),
                    "id": v.record.as_ref().map(|r| r.id.clone()),
                    "record": v.record.as_ref().map(|r| record_json(r, s.clock().now())),
                    "remaining": v.remaining,
                    "retry_after_ms": retry,
                })
                .to_string(),
            )
        } else {
            let mut line = v.outcome.as_str().to_owned();
            let mut details = Vec::new();
            if let Some(r) = &v.record {
                details.push(format!("{} {:?}", r.id, r.name));
            }
            if let Some(n) = v.remaining {
                details.push(format!("{n} credits left"));
            }
            if let Some(d) = v.retry_after {
                details.push(format!("retry after {}", format_duration(d)));
            }
            if !details.is_empty() {
                line.push_str(&format!(" ({})", details.join(", ")));
            }
            emit(&line)
        }?;
        Ok(Some(printed.unwrap_or(code)))
    })
}
