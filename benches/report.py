#!/usr/bin/env python3
"""Prints keyrack's bench table: medians from criterion's estimates.json and
ratios against the SQLite peer and the in-memory limit, then the targets.

Usage: report.py [--home DIR] [--since UNIX_SECONDS] [--markdown]
  --home     criterion's output directory (default $CRITERION_HOME, else
             $CARGO_TARGET_DIR/criterion, else target/criterion)
  --since    only benches measured at or after this time (one run's figures)
  --markdown print Markdown tables (for the README)
"""

import argparse
import json
import os
import sys
from pathlib import Path

# (group, label) in the order the table shows them.
VERIFY = [
    ("verify_valid", "verify valid"),
    ("verify_not_found", "verify not_found"),
    ("verify_malformed", "verify malformed"),
    ("verify_revoked", "verify revoked"),
    ("verify_scoped", "verify with scope"),
    ("verify_metered", "verify metered (1 credit)"),
    ("verify_uncached", "verify valid, cache off"),
    ("verify_threads_1", "verify valid, 1 thread"),
    ("verify_threads_2", "verify valid, 2 threads (per call)"),
]
WRITES = [
    ("issue", "issue one (durable)"),
    ("revoke", "revoke (durable)"),
    ("rotate", "rotate, no grace (durable)"),
    ("list_owner", "list by owner (page of 100)"),
    ("open", "open the store"),
]


def home(args):
    if args.home:
        return Path(args.home)
    if os.environ.get("CRITERION_HOME"):
        return Path(os.environ["CRITERION_HOME"])
    if os.environ.get("CARGO_TARGET_DIR"):
        return Path(os.environ["CARGO_TARGET_DIR"]) / "criterion"
    return Path("target/criterion")


def load(root, since):
    """{(group, function, size): median ns} for every bench measured since `since`."""
    out = {}
    for est in root.glob("*/*/*/new/estimates.json"):
        if since and est.stat().st_mtime < since:
            continue
        meta = est.parent / "benchmark.json"
        try:
            m = json.loads(meta.read_text())
            e = json.loads(est.read_text())
        except (OSError, ValueError):
            continue
        size = m.get("value_str")
        if not size or not size.isdigit():
            continue
        out[(m["group_id"], m["function_id"], int(size))] = e["median"]["point_estimate"]
    return out


def fmt_time(ns):
    if ns is None:
        return "—"
    for unit, div in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= div:
            return f"{ns / div:.3g} {unit}"
    return f"{ns:.3g} ns"


def fmt_ratio(r):
    return "—" if r is None else f"{r:.1f}x" if r < 100 else f"{r:.0f}x"


def ratio(a, b):
    return a / b if a and b else None


def table(rows, header, markdown):
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|")
        for r in rows:
            print("| " + " | ".join(str(c) for c in r) + " |")
    else:
        line = lambda r: "  ".join(  # noqa: E731
            str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(r, widths))
        )
        print(line(header))
        print("  ".join("-" * w for w in widths))
        for r in rows:
            print(line(r))
    print()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--home")
    ap.add_argument("--since", type=float, default=0)
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    root = home(args)
    data = load(root, args.since)
    if not data:
        print(f"no criterion results under {root}", file=sys.stderr)
        return 1
    extra = {}
    try:
        extra = json.loads((root / "keyrack_extra.json").read_text())
    except (OSError, ValueError):
        pass
    get = lambda g, f, n: data.get((g, f, n))  # noqa: E731
    sizes = sorted({n for (g, _, n) in data if g.startswith("verify_valid")})

    for n in sizes:
        print(f"## {n:,} keys (medians; ratios = how many times faster keyrack is, "
              "or how far from the in-memory limit)\n" if args.markdown else
              f"== {n:,} keys: medians; sqlite/keyrack = times faster than SQLite; "
              "keyrack/memory = times the in-memory limit ==")
        rows = []
        for g, label in VERIFY:
            k, s, m = get(g, "keyrack", n), get(g, "sqlite", n), get(g, "memory", n)
            if k is None:
                continue
            rows.append([label, fmt_time(k), fmt_time(s), fmt_time(m),
                         fmt_ratio(ratio(s, k)), fmt_ratio(ratio(k, m))])
        for g, label in WRITES:
            k, s = get(g, "keyrack", n), get(g, "sqlite", n)
            if g == "open":
                s = get(g, "sqlite_open_and_verify", n)
            if k is None:
                continue
            rows.append([label, fmt_time(k), fmt_time(s), "—", fmt_ratio(ratio(s, k)), "—"])
        k = get("open", "keyrack_no_integrity", n)
        if k is not None:
            rows.append(["open, check_integrity(false)", fmt_time(k), "—", "—", "—", "—"])
        keys = extra.get("keys", {}).get(str(n))
        for name, label in (("file_bytes", "file bytes per key, closed"),):
            kb = extra.get(f"keyrack_{name}", {}).get(str(n))
            sb = extra.get(f"sqlite_{name}", {}).get(str(n))
            if kb and keys:
                rows.append([label, f"{kb / keys:.0f} B", f"{sb / keys:.0f} B" if sb else "—",
                             "—", fmt_ratio(ratio(sb, kb)), "—"])
        kc = extra.get("keyrack_file_bytes_compacted", {}).get(str(n))
        if kc and keys:
            rows.append(["file bytes per key, after compact()", f"{kc / keys:.0f} B", "—", "—", "—", "—"])
        ko = extra.get("keyrack_file_bytes_open", {}).get(str(n))
        if ko and keys:
            rows.append(["file bytes per key, store open", f"{ko / keys:.0f} B", "—", "—", "—", "—"])
        grew = extra.get("keyrack_warm_rss_bytes", {}).get(str(n))
        if grew and keys:
            rows.append(["process growth per key, cache warm", f"{grew / keys:.0f} B", "—", "—", "—", "—"])
        table(rows, ["bench", "keyrack", "sqlite", "memory", "sqlite/keyrack", "keyrack/memory"],
              args.markdown)

        srow = []
        for peer in ("keyrack", "sqlite", "memory"):
            a, b = get("verify_threads_1", peer, n), get("verify_threads_2", peer, n)
            if a and b:
                srow.append([peer, f"{1e3 / a:.3g} M/s", f"{1e3 / b:.3g} M/s", f"{a / b:.2f}x"])
        if srow:
            table(srow, ["verify valid", "1 thread", "2 threads", "scaling"], args.markdown)

    b_k = get("issue_batch", "keyrack", 100000)
    b_s = get("issue_batch", "sqlite", 100000)
    if b_k:
        table([["100,000 issues in one batch (durable)", fmt_time(b_k), fmt_time(b_s),
                fmt_ratio(ratio(b_s, b_k))]],
              ["bench", "keyrack", "sqlite", "sqlite/keyrack"], args.markdown)

    # Targets, at the largest size measured.
    if sizes:
        n = sizes[-1]
        k, s, m = (get("verify_valid", p, n) for p in ("keyrack", "sqlite", "memory"))
        t1, t2 = get("verify_threads_1", "keyrack", n), get("verify_threads_2", "keyrack", n)
        keys = extra.get("keys", {}).get(str(n))
        kb = extra.get("keyrack_file_bytes", {}).get(str(n))
        kc = extra.get("keyrack_file_bytes_compacted", {}).get(str(n))
        checks = [
            (f"verify valid at {n:,} keys <= 1 µs", k, lambda: k <= 1000, fmt_time(k)),
            ("  >= 20x faster than SQLite", s and k, lambda: s / k >= 20, fmt_ratio(ratio(s, k))),
            ("  within 5x of the in-memory limit", m and k, lambda: k / m <= 5, fmt_ratio(ratio(k, m))),
            ("two threads >= 1.8x one thread", t1 and t2, lambda: t1 / t2 >= 1.8, fmt_ratio(ratio(t1, t2))),
            ("100,000 issues in one batch < 5 s", b_k, lambda: b_k < 5e9, fmt_time(b_k)),
            (f"file <= 400 bytes per key ({n:,} keys, closed)", kb and keys, lambda: kb / keys <= 400,
             f"{kb / keys:.0f} B" if kb and keys else "—"),
            (f"  the same after compact()", kc and keys, lambda: kc / keys <= 400,
             f"{kc / keys:.0f} B" if kc and keys else "—"),
        ]
        rows = [[label, value, ("met" if ok() else "MISSED") if have else "not measured"]
                for label, have, ok, value in checks]
        table(rows, ["target", "measured", "status"], args.markdown)
    if n_max := (sizes[-1] if sizes else None):
        if n_max < 1_000_000:
            print("(the 1,000,000-key size runs with KEYRACK_BENCH_FULL=1)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
