"""The pool room: set_pool, pool, and keys that spend their owner's pool."""

from __future__ import annotations

from datetime import timedelta

import pytest

import keyrack


def test_shared_credit_pool(store: keyrack.Store) -> None:
    assert store.pool("org") is None
    p = store.set_pool("org", 3, refill=keyrack.Refill(3, timedelta(days=1)))
    assert p.remaining == 3 and p.refill == keyrack.Refill(3, timedelta(days=1))
    a = store.issue(owner="org", shared_credits=True)
    b = store.issue(owner="org", shared_credits=True)
    assert store.verify(a.key).remaining == 2
    assert store.verify(b.key, cost=2).remaining == 0
    assert store.verify(a.key).outcome == "usage_exceeded"
    pool = store.pool("org")
    assert pool is not None and pool.remaining == 0
    with pytest.raises(keyrack.InvalidArgument):
        store.issue(shared_credits=True)  # needs an owner


def test_pool_arguments_and_refill(store: keyrack.Store, clock: keyrack.ManualClock) -> None:
    with pytest.raises(TypeError):
        store.set_pool(5, 3)  # type: ignore[arg-type]
    with pytest.raises(keyrack.InvalidArgument) as e:
        store.set_pool("org", -1)
    assert e.value.field == "remaining"
    with pytest.raises(TypeError):
        store.set_pool("org", 3, refill=(3, 60))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        store.pool(None)  # type: ignore[arg-type]
    store.set_pool("org", 1, refill=keyrack.Refill(2, timedelta(hours=1)))
    a = store.issue(owner="org", shared_credits=True)
    assert store.verify(a.key).remaining == 0
    assert store.verify(a.key).outcome == "usage_exceeded"
    clock.advance(timedelta(hours=1))
    v = store.verify(a.key)
    assert v and v.remaining == 1  # topped up to 2, one spent
    p = store.set_pool("org", 10)
    assert p.refill is None and store.pool("org") == p
    assert repr(p) == "Pool(remaining=10, refill=None)"
