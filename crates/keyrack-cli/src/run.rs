//! Each verb: open the store, make one core call, print the answer.

use std::collections::BTreeSet;
use std::io::{self, IsTerminal, Read, Write};
use std::path::Path;

use keyrack::{
    AuditKind, AuditOptions, ExportLine, IssueOptions, Issued, KeyRecord, ListOptions, Options,
    Pepper, Status, Store, UpdateOptions, VerifyOptions, format,
};
use serde_json::{Value, json};

use crate::cli::{
    AuditArgs, Cli, Command, ImportArgs, IssueArgs, ListArgs, PoolArgs, PrefixesArgs, UpdateArgs,
    VerifyArgs,
};
use crate::exit::{self, Access, Failure};
use crate::output::{self, record_json};
use crate::values::{format_duration, parse_pepper_hex};

type Outcome<T = u8> = Result<T, Failure>;

/// Runs a parsed command line; returns the exit code.
pub fn run(cli: Cli) -> Outcome {
    match &cli.command {
        Command::Issue(a) => issue(&cli, a),
        Command::Verify(a) => verify(&cli, a),
        Command::Show(a) => with_store(&cli, Access::Read, |s| {
            let r = s
                .get(&id_arg(&a.id)?)
                .map_err(|e| core(&cli, e, Access::Read))?;
            let now = s.clock().now();
            if cli.json {
                emit(&record_json(&r, now).to_string())
            } else {
                emit(output::record_block(&r, now).trim_end())
            }
        }),
        Command::List(a) => list(&cli, a),
        Command::Update(a) => update(&cli, a),
        Command::Enable(a) => simple(&cli, &a.id, "enabled", Store::enable),
        Command::Disable(a) => simple(&cli, &a.id, "disabled", Store::disable),
        Command::Revoke(a) => simple(&cli, &a.id, "revoked", Store::revoke),
        Command::Rotate(a) => with_store(&cli, Access::Write, |s| {
            let issued = s
                .rotate(&id_arg(&a.id)?, a.grace)
                .map_err(|e| core(&cli, e, Access::Write))?;
            let old = if a.grace.is_zero() {
                "the previous secret stopped working".to_owned()
            } else {
                format!(
                    "the previous secret works for another {} (never past the key's expiry)",
                    format_duration(a.grace)
                )
            };
            print_issued(&cli, s, &issued, "Rotated", &old, Some(a.grace.as_millis()))
        }),
        Command::Purge(a) => with_store(&cli, Access::Write, |s| {
            let n = s
                .purge(a.older_than)
                .map_err(|e| core(&cli, e, Access::Write))?;
            if cli.json {
                emit(&json!({ "purged": n }).to_string())
            } else {
                emit(&format!(
                    "purged {n} record{}",
                    if n == 1 { "" } else { "s" }
                ))
            }
        }),
        Command::Audit(a) => audit(&cli, a),
        Command::Export => export(&cli),
        Command::Import(a) => import(&cli, a),
        Command::Pool(a) => pool(&cli, a),
        Command::Prefixes(a) => prefixes(&cli, a),
    }
    .map(|code| code.unwrap_or(exit::OK))
}

// ---- plumbing -------------------------------------------------------------------

fn core(cli: &Cli, e: keyrack::Error, access: Access) -> Failure {
    exit::from_core(e, &cli.store_path(), access, cli.read_only)
}

/// Writes text and a newline on stdout. A closed pipe (`| head`) ends quietly.
fn emit(text: &str) -> Outcome<Option<u8>> {
    let mut out = io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Ok(()) => Ok(None),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(Some(exit::FAILURE)),
        Err(e) => Err(Failure::new(
            exit::FAILURE,
            format!("cannot write output: {e}"),
        )),
    }
}

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
fn open(cli: &Cli, create: bool, access: Access, options: Options) -> Outcome<Store> {
    if !create && !exists(&cli.store_path()) {
        return Err(exit::missing_store(&cli.store_path()));
    }
    let mut options = options.create(create).read_only(cli.read_only);
    if let Some(p) = pepper(cli)? {
        options = options.pepper(p);
    }
    Store::open(cli.store_path(), options).map_err(|e| core(cli, e, access))
}

fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// Closes the store, reporting a failed final flush.
fn close(cli: &Cli, store: &Store, access: Access) -> Outcome<()> {
    store.close().map_err(|e| core(cli, e, access))
}

fn with_store(
    cli: &Cli,
    access: Access,
    f: impl FnOnce(&Store) -> Outcome<Option<u8>>,
) -> Outcome<Option<u8>> {
    let store = open(cli, false, access, Options::default())?;
    let result = f(&store);
    let closed = close(cli, &store, access);
    let code = result?;
    closed?;
    Ok(code)
}

/// Checks an id argument. A full key given where an id belongs is refused
/// without repeating it (it would otherwise land in a `NotFound` message).
fn id_arg(id: &str) -> Outcome<String> {
    if format::parse(id).is_ok() {
        return Err(Failure::usage(
            "that is an API key, not a key id: ids look like key_… (see `keyrack list`); \
             the key was not stored or shown",
        ));
    }
    Ok(id.to_owned())
}

fn simple(
    cli: &Cli,
    id: &str,
    done: &str,
    verb: fn(&Store, &str) -> keyrack::Result<KeyRecord>,
) -> Outcome<Option<u8>> {
    with_store(cli, Access::Write, |s| {
        let r = verb(s, &id_arg(id)?).map_err(|e| core(cli, e, Access::Write))?;
        if cli.json {
            emit(&record_json(&r, s.clock().now()).to_string())
        } else {
            emit(&format!("{done} {} ({:?})", r.id, r.name))
        }
    })
}

fn print_issued(
    cli: &Cli,
    store: &Store,
    issued: &Issued,
    verb: &str,
    note: &str,
    grace_ms: Option<u128>,
) -> Outcome<Option<u8>> {
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

// ---- verbs ------------------------------------------------------------------------

fn issue(cli: &Cli, a: &IssueArgs) -> Outcome<Option<u8>> {
    let mut o = IssueOptions::new(a.name.clone()).scopes(a.scopes.iter().cloned());
    o.description = a.description.clone();
    o.owner = a.owner.clone();
    o.meta = a.meta.iter().cloned().collect();
    o.prefix = a.prefix.clone();
    if let Some(d) = a.expires_in {
        o = o.expires_in(d);
    }
    if let Some(t) = a.expires_at {
        o = o.expires_at(t);
    }
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
    let result = store
        .issue(o)
        .map_err(|e| core(cli, e, Access::Write))
        .and_then(|issued| {
            print_issued(
                cli,
                &store,
                &issued,
                "Issued",
                &format!("prefix {}", issued.record.prefix),
                None,
            )
        });
    let closed = close(cli, &store, Access::Write);
    let code = result?;
    closed?;
    Ok(code)
}

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

fn verify(cli: &Cli, a: &VerifyArgs) -> Outcome<Option<u8>> {
    let key = match a.key.as_deref() {
        None | Some("-") => read_key_from_stdin()?,
        Some(k) => k.to_owned(),
    };
    let options = VerifyOptions::default()
        .scopes(a.scopes.iter().cloned())
        .cost(a.cost);
    with_store(cli, Access::Read, |s| {
        let v = s
            .verify_with(&key, &options)
            .map_err(|e| core(cli, e, Access::Read))?;
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

fn status_of(s: &str) -> Status {
    s.parse().expect("clap allowed only known statuses")
}

fn list(cli: &Cli, a: &ListArgs) -> Outcome<Option<u8>> {
    with_store(cli, Access::Read, |s| {
        let now = s.clock().now();
        let mut o = ListOptions::default();
        o.owner = a.owner.clone();
        o.prefix = a.prefix.clone();
        o.status = a.status.as_deref().map(status_of);
        o.unused_since = a.unused_since.map(|w| w.resolve(now));
        o.cursor = a.cursor.clone();
        let want = a.limit.map_or(usize::MAX, |n| n as usize);
        let mut records = Vec::new();
        let next = loop {
            o.limit = (want - records.len()).min(1000);
            let page = s.list(&o).map_err(|e| core(cli, e, Access::Read))?;
            records.extend(page.records);
            match page.next_cursor {
                Some(c) if records.len() < want => o.cursor = Some(c),
                other => break other,
            }
        };
        if cli.json {
            let rs: Vec<Value> = records.iter().map(|r| record_json(r, now)).collect();
            emit(&json!({ "records": rs, "next_cursor": next }).to_string())
        } else if records.is_empty() {
            emit("(no keys)")
        } else {
            let mut text = output::records_table(&records, now);
            if let Some(c) = next {
                text.push_str(&format!("(more: --cursor {c})\n"));
            }
            emit(text.trim_end())
        }
    })
}

fn update(cli: &Cli, a: &UpdateArgs) -> Outcome<Option<u8>> {
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
    if a.no_expiry {
        u.expiry = Some(None);
    } else if let Some(e) = keyrack::Expiry::either(a.expires_in, a.expires_at)
        .map_err(|e| core(cli, e, Access::Write))?
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

fn audit(cli: &Cli, a: &AuditArgs) -> Outcome<Option<u8>> {
    with_store(cli, Access::Read, |s| {
        let mut o = AuditOptions::default();
        if let Some(id) = &a.id {
            o.id = Some(id_arg(id)?);
        }
        o.kind = a.kind.as_deref().map(audit_kind);
        o.since = a.since.map(|w| w.resolve(s.clock().now()));
        let want = a.limit.map_or(usize::MAX, |n| n as usize);
        let mut events = Vec::new();
        let next = loop {
            o.limit = (want - events.len()).min(10_000);
            let page = s.audit(&o).map_err(|e| core(cli, e, Access::Read))?;
            events.extend(page.events);
            match page.next_cursor {
                Some(c) if events.len() < want => o.cursor = Some(c),
                other => break other,
            }
        };
        if cli.json {
            let es: Vec<Value> = events.iter().map(output::event_json).collect();
            emit(&json!({ "events": es, "next_cursor": next }).to_string())
        } else if events.is_empty() {
            emit("(no events)")
        } else {
            emit(output::events_table(&events).trim_end())
        }
    })
}

fn audit_kind(s: &str) -> AuditKind {
    match s {
        "issued" => AuditKind::Issued,
        "revoked" => AuditKind::Revoked,
        "rotated" => AuditKind::Rotated,
        "updated" => AuditKind::Updated,
        "enabled" => AuditKind::Enabled,
        "disabled" => AuditKind::Disabled,
        _ => AuditKind::Purged,
    }
}

fn export(cli: &Cli) -> Outcome<Option<u8>> {
    with_store(cli, Access::Read, |s| {
        match s.export(&mut io::stdout().lock()) {
            Ok(_) => Ok(None),
            Err(keyrack::Error::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => {
                Ok(Some(exit::FAILURE))
            }
            Err(e) => Err(core(cli, e, Access::Read)),
        }
    })
}

/// Parses one exported line (the core's strict parse), for `line N:` errors.
fn import_line(line: &str) -> Result<ExportLine, String> {
    ExportLine::parse(line).map_err(|e| match e {
        keyrack::Error::InvalidArgument { reason, .. } => reason,
        other => other.to_string(),
    })
}

fn import(cli: &Cli, a: &ImportArgs) -> Outcome<Option<u8>> {
    // Open first: a missing, held or damaged store is reported before the input.
    let store = open(cli, false, Access::Write, Options::default())?;
    let result = (|| {
        let mut text = String::new();
        let read = match a.file.as_deref() {
            None => io::stdin().lock().read_to_string(&mut text),
            Some(p) if p == Path::new("-") => io::stdin().lock().read_to_string(&mut text),
            Some(p) => std::fs::File::open(p)
                .and_then(|mut f| f.read_to_string(&mut text))
                .map_err(|e| io::Error::new(e.kind(), format!("cannot read {}: {e}", p.display()))),
        };
        read.map_err(|e| Failure::new(exit::FAILURE, format!("{e}; nothing was imported")))?;
        // Check every line first, so a bad one is named before anything is written.
        let mut records = 0;
        let mut pools = 0;
        let mut seen = BTreeSet::new();
        let mut present = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let n = i + 1;
            if line.trim().is_empty() {
                continue;
            }
            match import_line(line)
                .map_err(|why| Failure::usage(format!("line {n}: {why}; nothing was imported")))?
            {
                ExportLine::Record(r) => {
                    if !seen.insert(r.id.clone()) {
                        return Err(Failure::usage(format!(
                            "line {n}: id {} appears twice; nothing was imported",
                            r.id
                        )));
                    }
                    match store.get(&r.id) {
                        Ok(_) => present.push((r.id, n)),
                        Err(keyrack::Error::NotFound { .. }) => {}
                        Err(e) => return Err(core(cli, e, Access::Read)),
                    }
                    records += 1;
                }
                _ => pools += 1,
            }
        }
        let present_ids: Vec<&String> = present.iter().map(|(id, _)| id).collect();
        if a.dry_run {
            return if cli.json {
                emit(
                    &json!({ "checked": records, "pools": pools, "already_present": present_ids, "imported": 0 })
                        .to_string(),
                )
            } else {
                emit(&format!(
                    "{records} records and {pools} pools checked, {} already in the store; \
                     nothing imported (dry run)",
                    present.len()
                ))
            };
        }
        if let Some((id, n)) = present.first() {
            return Err(Failure::usage(format!(
                "line {n}: id {id} is already in the store; nothing was imported"
            )));
        }
        let imported = store.import_json_lines(&text).map_err(|e| match e {
            // The core's reason starts with the line it refused.
            keyrack::Error::InvalidArgument { field, reason } => match reason.split_once(": ") {
                Some((line, rest)) if line.starts_with("line ") => {
                    Failure::usage(format!("{line}: {field}: {rest}; nothing was imported"))
                }
                _ => Failure::usage(format!("{field}: {reason}; nothing was imported")),
            },
            other => core(cli, other, Access::Write),
        })?;
        if cli.json {
            emit(
                &json!({ "checked": records, "pools": pools, "already_present": present_ids, "imported": imported })
                    .to_string(),
            )
        } else {
            emit(&format!(
                "{imported} records and {pools} pools imported. The records carry no secret: \
                 each key works again only after `keyrack rotate ID` gives it a new one."
            ))
        }
    })();
    let closed = close(cli, &store, Access::Write);
    let code = result?;
    closed?;
    Ok(code)
}

fn pool(cli: &Cli, a: &PoolArgs) -> Outcome<Option<u8>> {
    let access = if a.set.is_some() {
        Access::Write
    } else {
        Access::Read
    };
    with_store(cli, access, |s| {
        let pool = match a.set {
            Some(n) => Some(
                s.set_pool(&a.owner, n, a.refill)
                    .map_err(|e| core(cli, e, access))?,
            ),
            None => s.pool(&a.owner).map_err(|e| core(cli, e, access))?,
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
                emit(&format!("{:?}: {} credits{refill}", a.owner, p.remaining))
            }
        }
    })
}

fn prefixes(cli: &Cli, a: &PrefixesArgs) -> Outcome<Option<u8>> {
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
    let result = if cli.json {
        emit(
            &json!({ "default": store.default_prefix(), "accepted": store.prefixes() }).to_string(),
        )
    } else {
        emit(&format!(
            "default   {}\naccepted  {}",
            store.default_prefix(),
            store.prefixes().join(", ")
        ))
    };
    let closed = close(cli, &store, access);
    let code = result?;
    closed?;
    Ok(code)
}
