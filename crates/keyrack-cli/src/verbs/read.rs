//! `show`, `list` and `audit`: reading records and events, never a secret.

use keyrack::{AuditOptions, ListOptions};
use serde_json::{Value, json};

use super::open::with_store;
use super::{Outcome, core, emit, id_arg};
use crate::cli::{AuditArgs, Cli, IdArg, ListArgs};
use crate::exit::Access;
use crate::output::{self, record_json};

pub(super) fn show(cli: &Cli, a: &IdArg) -> Outcome {
    with_store(cli, Access::Read, |s| {
        let r = s
            .get(&id_arg(&a.id)?)
            .map_err(|e| core(cli, e, Access::Read))?;
        let now = s.clock().now();
        if cli.json {
            emit(&record_json(&r, now).to_string())
        } else {
            emit(output::record_block(&r, now).trim_end())
        }
    })
}

pub(super) fn list(cli: &Cli, a: &ListArgs) -> Outcome {
    with_store(cli, Access::Read, |s| {
        let now = s.clock().now();
        let mut o = ListOptions::default();
        o.owner = a.owner.clone();
        o.prefix = a.prefix.clone();
        o.status = a.status;
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

pub(super) fn audit(cli: &Cli, a: &AuditArgs) -> Outcome {
    with_store(cli, Access::Read, |s| {
        let mut o = AuditOptions::default();
        if let Some(id) = &a.id {
            o.id = Some(id_arg(id)?);
        }
        o.kind = a.kind;
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
