//! Parsing and printing the values people type: durations (`30d`, `1h30m`),
//! times (RFC 3339, always printed in UTC), `N/period` rates and `k=v` pairs.
//! Syntax only: what a value may be (limits, past times…) is the core's call.

use std::time::{Duration, SystemTime};

use keyrack::{RateLimit, Refill, from_millis, to_millis};

const UNITS: [(&str, u64); 6] = [
    ("w", 7 * 86_400_000),
    ("d", 86_400_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

const DURATION_HELP: &str =
    "expected a duration like 30d, 12h, 15m, 45s or 1h30m (units: w d h m s ms)";

/// Parses `30d`, `12h`, `15m`, `45s`, `250ms`, `2w`, `1h30m` or a bare `0`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let s = text.trim();
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    if s.is_empty() {
        return Err(DURATION_HELP.into());
    }
    let mut total: u64 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(format!("{s:?}: {DURATION_HELP}"));
        }
        let n: u64 = rest[..digits]
            .parse()
            .map_err(|_| format!("{s:?}: the number is too large"))?;
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let Some((_, ms)) = UNITS.iter().find(|(u, _)| *u == unit) else {
            return Err(format!("{s:?}: {DURATION_HELP}"));
        };
        total = n
            .checked_mul(*ms)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("{s:?}: the duration is too long"))?;
    }
    Ok(Duration::from_millis(total))
}

/// Prints a duration in the same units people type: `1d`, `1h30m`, `0s`.
pub fn format_duration(d: Duration) -> String {
    let mut ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    if ms == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (unit, size) in UNITS {
        if unit == "w" {
            // Weeks read worse than days ("2w3d" vs "17d"): print days.
            continue;
        }
        if ms >= size {
            out.push_str(&format!("{}{unit}", ms / size));
            ms %= size;
        }
    }
    out
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

const TIME_HELP: &str =
    "expected an RFC 3339 time like 2026-05-01T12:00:00Z (or +02:00), or a date like 2026-05-01";

fn number(s: &str, what: &str) -> Result<i64, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("bad {what}: {TIME_HELP}"));
    }
    s.parse().map_err(|_| format!("bad {what}: {TIME_HELP}"))
}

/// Parses an RFC 3339 time (`2026-05-01T12:00:00Z`, `…+02:00`, fractions of a
/// second allowed) or a bare date (midnight UTC).
pub fn parse_time(text: &str) -> Result<SystemTime, String> {
    let s = text.trim();
    let (date, time) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let parts: Vec<&str> = date.split('-').collect();
    let [y, mo, d] = parts.as_slice() else {
        return Err(format!("{s:?}: {TIME_HELP}"));
    };
    if y.len() != 4 || mo.len() != 2 || d.len() != 2 {
        return Err(format!("{s:?}: {TIME_HELP}"));
    }
    let (y, mo, d) = (number(y, "year")?, number(mo, "month")?, number(d, "day")?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) {
        return Err(format!("{s:?}: no such date"));
    }
    let mut ms = days_from_civil(y, mo, d) * 86_400_000;
    if let Some(t) = time {
        let (clock, offset_ms) = if let Some(c) = t.strip_suffix(['Z', 'z']) {
            (c, 0)
        } else if let Some(i) = t.rfind(['+', '-']) {
            let (c, off) = t.split_at(i);
            let sign = if off.starts_with('-') { -1 } else { 1 };
            let Some((oh, om)) = off[1..].split_once(':') else {
                return Err(format!("{s:?}: {TIME_HELP}"));
            };
            let (oh, om) = (number(oh, "offset")?, number(om, "offset")?);
            if oh > 23 || om > 59 {
                return Err(format!("{s:?}: bad offset"));
            }
            (c, sign * (oh * 3_600_000 + om * 60_000))
        } else {
            return Err(format!(
                "{s:?}: a time needs a zone (Z or +HH:MM): {TIME_HELP}"
            ));
        };
        let (hms, frac) = match clock.split_once('.') {
            Some((a, b)) => (a, Some(b)),
            None => (clock, None),
        };
        let fields: Vec<&str> = hms.split(':').collect();
        let [h, mi, sec] = fields.as_slice() else {
            return Err(format!("{s:?}: {TIME_HELP}"));
        };
        let (h, mi, sec) = (
            number(h, "hour")?,
            number(mi, "minute")?,
            number(sec, "second")?,
        );
        if h > 23 || mi > 59 || sec > 60 {
            return Err(format!("{s:?}: no such time of day"));
        }
        let frac_ms = match frac {
            Some(f) => {
                number(f, "fraction")?;
                let padded: String = f.chars().chain("000".chars()).take(3).collect();
                padded.parse::<i64>().unwrap_or(0)
            }
            None => 0,
        };
        ms += h * 3_600_000 + mi * 60_000 + sec * 1000 + frac_ms - offset_ms;
    }
    Ok(from_millis(ms))
}

/// Prints a time as RFC 3339 in UTC, to the second: `2026-05-01T12:00:00Z`.
pub fn format_time(t: SystemTime) -> String {
    let ms = to_millis(t);
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// A point in time given either as RFC 3339 or as a duration before now
/// (`--since 7d`, `--unused-since 30d`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// An absolute time.
    At(SystemTime),
    /// This long before now.
    Ago(Duration),
}

impl When {
    /// Resolves against `now`.
    pub fn resolve(self, now: SystemTime) -> SystemTime {
        match self {
            When::At(t) => t,
            When::Ago(d) => now.checked_sub(d).unwrap_or(SystemTime::UNIX_EPOCH),
        }
    }
}

/// Parses `--since`-style values: `7d` (ago) or an RFC 3339 time.
pub fn parse_when(text: &str) -> Result<When, String> {
    if let Ok(d) = parse_duration(text) {
        return Ok(When::Ago(d));
    }
    parse_time(text).map(When::At).map_err(|_| {
        format!("{text:?}: expected a duration before now (like 30d) or an RFC 3339 time")
    })
}

fn parse_rate(text: &str) -> Result<(u64, Duration), String> {
    let help = "expected COUNT/PERIOD like 100/1m or 1000/1d";
    let (n, period) = text
        .split_once('/')
        .ok_or_else(|| format!("{text:?}: {help}"))?;
    let n: u64 = n.trim().parse().map_err(|_| format!("{text:?}: {help}"))?;
    let period = period.trim();
    // `100/m` reads as "per minute".
    let period = if period.starts_with(|c: char| c.is_ascii_digit()) {
        parse_duration(period)
    } else {
        parse_duration(&format!("1{period}"))
    }
    .map_err(|_| format!("{text:?}: {help}"))?;
    Ok((n, period))
}

/// Parses a rate limit: `100/1m` is 100 verifies per minute.
pub fn parse_rate_limit(text: &str) -> Result<RateLimit, String> {
    parse_rate(text).map(|(n, w)| RateLimit::new(n, w))
}

/// Parses a refill: `1000/1d` tops the balance up to 1000 every day.
pub fn parse_refill(text: &str) -> Result<Refill, String> {
    parse_rate(text).map(|(n, every)| Refill::new(n, every))
}

/// Parses `key=value` (the value may be empty and may contain `=`).
pub fn parse_pair(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("{text:?}: expected KEY=VALUE")),
    }
}

/// Parses a pepper: exactly 64 hex digits (32 bytes). The text is never echoed.
pub fn parse_pepper_hex(text: &str) -> Result<[u8; 32], String> {
    let t = text.trim().as_bytes();
    if t.len() != 64 {
        return Err(format!(
            "must be 64 hex digits (32 bytes), got {} characters",
            t.len()
        ));
    }
    let mut out = [0u8; 32];
    for (i, pair) in t.chunks(2).enumerate() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (hex(pair[0]), hex(pair[1])) {
            (Some(a), Some(b)) => out[i] = (a * 16 + b) as u8,
            _ => return Err("must be 64 hex digits (32 bytes)".into()),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_in_every_unit() {
        assert_eq!(
            parse_duration("30d").unwrap(),
            Duration::from_secs(30 * 86_400)
        );
        assert_eq!(
            parse_duration("12h").unwrap(),
            Duration::from_secs(12 * 3600)
        );
        assert_eq!(parse_duration("15m").unwrap(), Duration::from_secs(900));
        assert_eq!(parse_duration("45s").unwrap(), Duration::from_secs(45));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(
            parse_duration("2w").unwrap(),
            Duration::from_secs(14 * 86_400)
        );
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("0").unwrap(), Duration::ZERO);
        for bad in [
            "",
            "30",
            "d",
            "30x",
            "1.5h",
            "-1h",
            "h30",
            "99999999999999999999d",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn durations_print_back_in_the_same_units() {
        for s in ["1d", "12h", "15m", "45s", "1h30m", "250ms", "14d"] {
            assert_eq!(format_duration(parse_duration(s).unwrap()), s);
        }
        assert_eq!(format_duration(Duration::ZERO), "0s");
    }

    #[test]
    fn times_round_trip_through_rfc3339() {
        let t = parse_time("2026-05-01T12:34:56Z").unwrap();
        assert_eq!(to_millis(t), 1_777_638_896_000);
        assert_eq!(format_time(t), "2026-05-01T12:34:56Z");
        assert_eq!(parse_time("2026-05-01T14:34:56+02:00").unwrap(), t);
        assert_eq!(
            to_millis(parse_time("2026-05-01T12:34:56.5Z").unwrap()),
            1_777_638_896_500
        );
        assert_eq!(
            format_time(parse_time("2024-02-29").unwrap()),
            "2024-02-29T00:00:00Z"
        );
        assert_eq!(format_time(from_millis(0)), "1970-01-01T00:00:00Z");
        assert_eq!(format_time(from_millis(-1000)), "1969-12-31T23:59:59Z");
        for bad in [
            "2026-13-01",
            "2025-02-29",
            "2026-05-01T12:00:00",
            "yesterday",
            "2026-5-1",
        ] {
            assert!(parse_time(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn rates_and_pairs() {
        let r = parse_rate_limit("100/1m").unwrap();
        assert_eq!((r.limit, r.window), (100, Duration::from_secs(60)));
        assert_eq!(
            parse_rate_limit("5/m").unwrap().window,
            Duration::from_secs(60)
        );
        let f = parse_refill("1000/1d").unwrap();
        assert_eq!((f.amount, f.every), (1000, Duration::from_secs(86_400)));
        assert!(parse_rate_limit("100").is_err());
        assert!(parse_rate_limit("x/1m").is_err());
        assert_eq!(parse_pair("a=b=c").unwrap(), ("a".into(), "b=c".into()));
        assert_eq!(parse_pair("a=").unwrap(), ("a".into(), String::new()));
        assert!(parse_pair("=b").is_err());
        assert!(parse_pair("ab").is_err());
    }

    #[test]
    fn when_accepts_ago_or_a_time() {
        let now = parse_time("2026-01-31T00:00:00Z").unwrap();
        assert_eq!(
            parse_when("30d").unwrap().resolve(now),
            parse_time("2026-01-01").unwrap()
        );
        assert_eq!(
            parse_when("2025-01-01").unwrap().resolve(now),
            parse_time("2025-01-01T00:00:00Z").unwrap()
        );
    }

    #[test]
    fn pepper_hex() {
        let p = parse_pepper_hex(&"ab".repeat(32)).unwrap();
        assert_eq!(p, [0xab; 32]);
        assert!(parse_pepper_hex("ab").is_err());
        assert!(parse_pepper_hex(&"zz".repeat(32)).is_err());
    }
}
