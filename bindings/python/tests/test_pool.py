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
    p = store.set_pool("org", 10)  # no refill given: the pool keeps its own
    assert p.refill == keyrack.Refill(2, timedelta(hours=1)) and store.pool("org") == p
    assert repr(p) == "Pool(remaining=10, refill=Refill(amount=2, every=datetime.timedelta(seconds=3600)))"
    assert repr(store.set_pool("plain", 3)) == "Pool(remaining=3, refill=None)"


def test_set_pool_keeps_the_refill_unless_given_one(store: keyrack.Store) -> None:
    daily = keyrack.Refill(100, timedelta(days=1))
    store.set_pool("org", 100, refill=daily)
    p = store.set_pool("org", 20)
    assert (p.remaining, p.refill) == (20, daily)
    assert store.set_pool("org", 20, refill=None).refill == daily  # None keeps it too
    hourly = keyrack.Refill(5, timedelta(hours=1))
    assert store.set_pool("org", 20, refill=hourly).refill == hourly
    events = list(store.iter_audit(kind="pool_set"))
    assert len(events) == 4
    assert all(e.kind == "pool_set" and e.id == "" for e in events)  # no key id
    assert '"org"' in events[0].detail


def test_add_pool_credits(store: keyrack.Store) -> None:
    store.set_pool("org", 100)
    shared = store.issue(owner="org", shared_credits=True)
    for _ in range(10):
        assert store.verify(shared.key)
    p = store.add_pool_credits("org", 50)  # atomic: the 10 spent stay spent
    assert isinstance(p, keyrack.Pool) and p.remaining == 140
    pool = store.pool("org")
    assert pool is not None and pool.remaining == 140
    assert store.verify(shared.key, cost=140).remaining == 0
    events = list(store.iter_audit(kind="pool_credits_added"))
    assert [(e.id, e.kind) for e in events] == [("", "pool_credits_added")]
    assert '"org"' in events[0].detail and "50" in events[0].detail


def test_add_pool_credits_refusals(store: keyrack.Store) -> None:
    with pytest.raises(keyrack.InvalidArgument) as e:
        store.add_pool_credits("nobody", 5)  # no pool: set_pool makes one
    assert e.value.field == "owner" and "set_pool" in str(e.value)
    store.set_pool("org", 2**64 - 1)
    for bad, field in ((0, "credits"), (-1, "credits"), (1, "credits")):  # 1 overflows here
        with pytest.raises(keyrack.InvalidArgument) as e:
            store.add_pool_credits("org", bad)
        assert e.value.field == field, bad
    for wrong in ("5", 1.0, True, None):
        with pytest.raises(TypeError):
            store.add_pool_credits("org", wrong)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        store.add_pool_credits(None, 1)  # type: ignore[arg-type]
    assert list(store.iter_audit(kind="pool_credits_added")) == []
    pool = store.pool("org")
    assert pool is not None and pool.remaining == 2**64 - 1
