"""Threads: revocation is seen at once, credits stay exact. No timing involved:
each check is about order (happens-before) or about counts."""

from __future__ import annotations

import sys
import sysconfig
import threading
import time
from collections import Counter
from typing import List

import pytest

import keyrack

THREADS = 8


def test_no_valid_verify_after_revoke_returns(store: keyrack.Store) -> None:
    issued = store.issue(name="hot")
    key, kid = issued.key, issued.id
    revoked = threading.Event()
    start = threading.Barrier(THREADS + 1)
    late_valid: List[str] = []
    seen: Counter = Counter()
    lock = threading.Lock()

    def verifier() -> None:
        start.wait()
        after = 0
        deadline = time.monotonic() + 120  # a guard against hanging, not a timing check
        while time.monotonic() < deadline:
            was_revoked = revoked.is_set()  # read BEFORE the call starts
            outcome = store.verify(key).outcome
            with lock:
                seen[outcome.value] += 1
                if was_revoked and outcome != "revoked":
                    late_valid.append(outcome.value)
            if was_revoked:
                after += 1
                if after >= 200:
                    return

    threads = [threading.Thread(target=verifier) for _ in range(THREADS)]
    for t in threads:
        t.start()
    start.wait()
    for _ in range(50):  # let the verifiers get going, without sleeping
        store.verify(key)
    store.revoke(kid)
    revoked.set()
    for t in threads:
        t.join()
    assert late_valid == [], "a verify that started after revoke() returned did not say revoked"
    assert set(seen) <= {"valid", "revoked"}
    assert seen["revoked"] >= THREADS * 200


def test_credits_are_exact_under_threads(store: keyrack.Store) -> None:
    credits, per_thread = 1000, 250  # 2000 attempts for 1000 credits
    issued = store.issue(remaining=credits)
    key = issued.key
    start = threading.Barrier(THREADS)
    results: Counter = Counter()
    lock = threading.Lock()

    def spend() -> None:
        start.wait()
        mine: Counter = Counter()
        for _ in range(per_thread):
            mine[store.verify(key).outcome.value] += 1
        with lock:
            results.update(mine)

    threads = [threading.Thread(target=spend) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {"valid": credits, "usage_exceeded": THREADS * per_thread - credits}
    assert store.verify(key, cost=0)  # cost 0 only checks: still a (valid) use
    record = store.get(issued.id)
    assert record.remaining == 0 and record.uses == credits + 1
    assert record.denied["usage_exceeded"] == THREADS * per_thread - credits


def test_shared_pool_is_exact_under_threads(store: keyrack.Store) -> None:
    store.set_pool("org", 500)
    keys = [store.issue(owner="org", shared_credits=True).key for _ in range(THREADS)]
    start = threading.Barrier(THREADS)
    valid: List[int] = []
    lock = threading.Lock()

    def spend(key: str) -> None:
        start.wait()
        n = sum(1 for _ in range(100) if store.verify(key))
        with lock:
            valid.append(n)

    threads = [threading.Thread(target=spend, args=(k,)) for k in keys]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(valid) == 500
    pool = store.pool("org")
    assert pool is not None and pool.remaining == 0


def test_iterators_and_writes_from_many_threads(store: keyrack.Store) -> None:
    start = threading.Barrier(4)
    errors: List[BaseException] = []

    def issue_some() -> None:
        try:
            start.wait()
            for i in range(25):
                store.issue(str(i), owner="many")
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=issue_some) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(list(store.iter_keys(owner="many", page_size=7))) == 100


@pytest.mark.skipif(
    not sysconfig.get_config_var("Py_GIL_DISABLED"), reason="needs a free-threaded CPython"
)
def test_importing_keyrack_keeps_the_gil_disabled() -> None:
    """The module declares gil_used = false; importing it must not re-enable the GIL."""
    assert not sys._is_gil_enabled()  # type: ignore[attr-defined]
