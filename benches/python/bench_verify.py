"""verify through the keyrack Python binding vs. what a Python user hand-rolls.

Not a test: a script that prints numbers. Both sides get the same N keys
(default 20,000) in the same run, on the same machine, and answer the same
question for each presented key: is it a known, unrevoked, enabled,
unexpired key?

* keyrack: ``store.verify(key)`` (checksum, keyed blake3, record checks,
  usage counting in memory).
* hand-rolled: the usual recipe — a SQLite table in WAL mode with an index on
  the SHA-256 of the key, ``hashlib.sha256`` of the presented key, a
  ``SELECT`` by hash, ``hmac.compare_digest`` on the stored hash, then the
  revoked / enabled / expiry checks in Python. It does not even count uses,
  which keyrack does.

Each round verifies every key once, in a shuffled order; the script prints
the median time per verify over ROUNDS rounds and the ratio. Run:

    python benches/python/bench_verify.py [--keys 20000] [--rounds 7]

with keyrack installed (``pip install ./bindings/python``, or the venv that
``bindings/python/test.sh`` makes: ``~/.cache/keyrack-venv/bin/python``).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import sys
import random
import secrets
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable, List, Optional, Tuple

import keyrack


def timed_rounds(verify: Callable[[str], bool], keys: List[str], rounds: int, seed: int) -> List[float]:
    """Nanoseconds per verify for each round (every key once, shuffled)."""
    rng = random.Random(seed)
    out = []
    order = list(keys)
    for _ in range(rounds):
        rng.shuffle(order)
        t0 = time.perf_counter_ns()
        ok = 0
        for k in order:
            if verify(k):
                ok += 1
        dt = time.perf_counter_ns() - t0
        assert ok == len(order), f"only {ok} of {len(order)} keys verified"
        out.append(dt / len(order))
    return out


# ---- keyrack -----------------------------------------------------------------


def setup_keyrack(path: Path, n: int) -> Tuple[keyrack.Store, List[str]]:
    store = keyrack.Store(path)
    keys: List[str] = []
    batch = 5000
    for start in range(0, n, batch):
        issued = store.issue_many(
            [{"name": f"k{i}", "owner": f"org_{i % 100}", "scopes": ["read"]}
             for i in range(start, min(n, start + batch))],
            durable=False,
        )
        keys.extend(i.key for i in issued)
    store.sync()
    return store, keys


# ---- hand-rolled: sqlite3 (WAL) + hashlib.sha256 + hmac.compare_digest -------


SCHEMA = """
CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    key_hash    BLOB NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    owner       TEXT,
    scopes      TEXT NOT NULL,
    created_at  REAL NOT NULL,
    expires_at  REAL,
    revoked_at  REAL,
    enabled     INTEGER NOT NULL DEFAULT 1
)
"""


def setup_sqlite(path: Path, n: int) -> Tuple[sqlite3.Connection, List[str]]:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(SCHEMA)
    keys = []
    rows = []
    now = time.time()
    for i in range(n):
        key = "kr_" + secrets.token_urlsafe(32)
        keys.append(key)
        rows.append((
            f"key_{i:022d}",
            hashlib.sha256(key.encode()).digest(),
            f"k{i}",
            f"org_{i % 100}",
            "read",
            now,
            now + 86_400 * 365,
        ))
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO api_keys (id, key_hash, name, owner, scopes, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    db.execute("COMMIT")
    return db, keys


def sqlite_verifier(db: sqlite3.Connection) -> Callable[[str], bool]:
    query = "SELECT key_hash, expires_at, revoked_at, enabled FROM api_keys WHERE key_hash = ?"

    def verify(key: str) -> bool:
        digest = hashlib.sha256(key.encode()).digest()
        row: Optional[Tuple[bytes, Optional[float], Optional[float], int]] = db.execute(
            query, (digest,)
        ).fetchone()
        if row is None or not hmac.compare_digest(row[0], digest):
            return False
        stored, expires_at, revoked_at, enabled = row
        if revoked_at is not None or not enabled:
            return False
        return expires_at is None or expires_at > time.time()

    return verify


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keys", type=int, default=20_000)
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        store, kr_keys = setup_keyrack(tmp / "keys.redb", args.keys)
        db, sq_keys = setup_sqlite(tmp / "keys.sqlite", args.keys)

        def kr_verify(key: str) -> bool:
            return bool(store.verify(key))

        sq_verify = sqlite_verifier(db)

        # Interleave the two so neither gets a quieter stretch of the machine.
        kr_ns: List[float] = []
        sq_ns: List[float] = []
        for r in range(args.rounds):
            kr_ns += timed_rounds(kr_verify, kr_keys, 1, seed=r)
            sq_ns += timed_rounds(sq_verify, sq_keys, 1, seed=r)

        # What an invalid key costs each side (no table access for keyrack).
        junk = ["kr_" + secrets.token_urlsafe(36) for _ in range(args.keys)]
        t0 = time.perf_counter_ns()
        for k in junk:
            store.verify(k)
        kr_junk = (time.perf_counter_ns() - t0) / len(junk)
        t0 = time.perf_counter_ns()
        for k in junk:
            sq_verify(k)
        sq_junk = (time.perf_counter_ns() - t0) / len(junk)

        store.close()
        db.close()

    kr_med = statistics.median(kr_ns)
    sq_med = statistics.median(sq_ns)
    print(f"verify, {args.keys:,} keys, {args.rounds} rounds (median ns per verify; first round in brackets)")
    print(f"  keyrack (Python binding)              {kr_med:10,.0f} ns   [{kr_ns[0]:,.0f}]")
    print(f"  sqlite3 WAL + sha256 + compare_digest {sq_med:10,.0f} ns   [{sq_ns[0]:,.0f}]")
    print(f"  ratio (hand-rolled / keyrack)         {sq_med / kr_med:10.1f}x")
    print(f"invalid keys: keyrack {kr_junk:,.0f} ns, hand-rolled {sq_junk:,.0f} ns"
          f" ({sq_junk / kr_junk:.1f}x)")
    print(f"python {sys.version.split()[0]}, keyrack {keyrack.__version__}, sqlite {sqlite3.sqlite_version}")


if __name__ == "__main__":
    main()
