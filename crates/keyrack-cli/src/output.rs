//! What people and scripts read: aligned tables, `key: value` blocks, JSON
//! shapes, and the redaction every message goes through.

use std::fmt::Write as _;
use std::time::SystemTime;

use keyrack::{AuditEvent, KeyRecord, format};
use serde_json::{Value, json};

use crate::values::{format_duration, format_time};

/// Replaces anything in `text` that parses as a full key with its hint, so
/// no message (ours or clap's) ever repeats a secret.
pub fn redact(text: &str) -> String {
    format::redact(text)
}

/// Makes a value safe for one table cell: control characters escaped.
fn cell(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// Prints rows under a header, each column as wide as its widest cell.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| cell(c)).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let mut l = String::new();
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                l.push_str(c);
            } else {
                let pad = w - c.chars().count();
                let _ = write!(l, "{c}{}  ", " ".repeat(pad));
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(header.to_vec());
    for r in &rows {
        line(r.iter().map(String::as_str).collect());
    }
    out
}

/// `label  value` lines, labels aligned.
pub fn block(pairs: &[(&str, String)]) -> String {
    let width = pairs.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (label, value) in pairs {
        let _ = writeln!(out, "{label:<width$}  {}", cell(value));
    }
    out
}

fn or_dash(v: Option<&str>) -> String {
    match v {
        Some(s) if !s.is_empty() => s.to_owned(),
        _ => "-".to_owned(),
    }
}

fn time_or(t: Option<SystemTime>, none: &str) -> String {
    t.map_or_else(|| none.to_owned(), format_time)
}

fn scopes(r: &KeyRecord) -> String {
    if r.scopes.is_empty() {
        "-".into()
    } else {
        r.scopes.iter().cloned().collect::<Vec<_>>().join(",")
    }
}

/// A record as JSON: the core's serde shape (times and durations in
/// milliseconds since the Unix epoch) plus its `status` at `now`.
pub fn record_json(r: &KeyRecord, now: SystemTime) -> Value {
    let mut v = serde_json::to_value(r).expect("records serialize");
    if let Value::Object(m) = &mut v {
        m.insert("status".into(), json!(r.status_at(now).as_str()));
    }
    v
}

/// An audit event as JSON (time in milliseconds since the Unix epoch).
pub fn event_json(e: &AuditEvent) -> Value {
    serde_json::to_value(e).expect("events serialize")
}

/// The `list` table.
pub fn records_table(records: &[KeyRecord], now: SystemTime) -> String {
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|r| {
            vec![
                r.id.clone(),
                r.hint.clone(),
                or_dash(Some(&r.name)),
                or_dash(r.owner.as_deref()),
                r.status_at(now).to_string(),
                scopes(r),
                time_or(r.expires_at, "never"),
                time_or(r.last_used_at, "never"),
                r.uses.to_string(),
            ]
        })
        .collect();
    table(
        &[
            "ID",
            "HINT",
            "NAME",
            "OWNER",
            "STATUS",
            "SCOPES",
            "EXPIRES",
            "LAST USED",
            "USES",
        ],
        &rows,
    )
}

/// A key's credits for people: `12`, `12 (refills to 100 every 1d)`,
/// `unmetered` or `from the owner's pool`.
pub fn credits_text(r: &KeyRecord) -> String {
    if r.shared_credits {
        return "from the owner's pool".to_owned();
    }
    match (r.remaining, r.refill) {
        (None, _) => "unmetered".to_owned(),
        (Some(n), None) => n.to_string(),
        (Some(n), Some(f)) => format!(
            "{n} (refills to {} every {})",
            f.amount,
            format_duration(f.every)
        ),
    }
}

/// The `show` block.
pub fn record_block(r: &KeyRecord, now: SystemTime) -> String {
    let meta = if r.meta.is_empty() {
        "-".to_owned()
    } else {
        r.meta
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let d = &r.denied;
    let named = [
        ("revoked", d.revoked),
        ("disabled", d.disabled),
        ("expired", d.expired),
        ("insufficient_scope", d.insufficient_scope),
        ("rate_limited", d.rate_limited),
        ("usage_exceeded", d.usage_exceeded),
    ];
    let parts: Vec<String> = named
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    let denied = if parts.is_empty() {
        "0".to_owned()
    } else {
        format!("{} ({})", d.total(), parts.join(", "))
    };
    let credits = credits_text(r);
    let rate = r.rate_limit.map_or_else(
        || "none".to_owned(),
        |l| format!("{} per {}", l.limit, format_duration(l.window)),
    );
    block(&[
        ("id", r.id.clone()),
        ("name", or_dash(Some(&r.name))),
        ("hint", r.hint.clone()),
        ("status", r.status_at(now).to_string()),
        ("owner", or_dash(r.owner.as_deref())),
        ("scopes", scopes(r)),
        ("meta", meta),
        ("description", or_dash(r.description.as_deref())),
        ("created", format_time(r.created_at)),
        ("expires", time_or(r.expires_at, "never")),
        ("revoked", time_or(r.revoked_at, "-")),
        ("last used", time_or(r.last_used_at, "never")),
        ("uses", r.uses.to_string()),
        ("denied", denied),
        ("credits", credits),
        ("rate limit", rate),
    ])
}

/// The `audit` table.
pub fn events_table(events: &[AuditEvent]) -> String {
    let rows: Vec<Vec<String>> = events
        .iter()
        .map(|e| {
            vec![
                format_time(e.at),
                e.kind.to_string(),
                // Pool and prefix events name no key.
                or_dash(Some(&e.id)),
                or_dash(Some(&e.detail)),
            ]
        })
        .collect();
    table(&["TIME", "KIND", "ID", "DETAIL"], &rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_hides_keys_and_keeps_the_rest() {
        let key = format::compose("sk_live", &[9; 32]).unwrap();
        let text = format!("unexpected argument '{}' found", key.expose());
        let shown = redact(&text);
        assert!(!shown.contains(&key.expose()[8..30]), "{shown}");
        assert!(shown.starts_with("unexpected argument 'sk_live_"));
        assert!(shown.ends_with("<redacted>' found"));
        assert_eq!(
            redact("no key with id \"key_abc\""),
            "no key with id \"key_abc\""
        );
    }

    #[test]
    fn tables_align_columns() {
        let t = table(
            &["A", "BB"],
            &[
                vec!["long…".into(), "x".into()],
                vec!["s".into(), "y\nz".into()],
            ],
        );
        assert_eq!(t, "A      BB\nlong…  x\ns      y\\nz\n");
    }
}
