"""The manage room: revoke, enable, disable, update and purge."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

import keyrack

from conftest import START


def test_update_changes_and_clears(store: keyrack.Store, clock: keyrack.ManualClock) -> None:
    a = store.issue("old", owner="o", description="d", remaining=3, expires_in=timedelta(hours=1),
                    rate_limit=keyrack.RateLimit(5, timedelta(seconds=1)))
    r = store.update(a.id, name="new", scopes=["x"], meta={"k": "v"})
    assert (r.name, r.scopes, r.meta, r.owner, r.remaining) == ("new", {"x"}, {"k": "v"}, "o", 3)
    r = store.update(a.id, description=None, remaining=None, rate_limit=None, expires_at=None)
    assert r.description is None and r.remaining is None and r.rate_limit is None
    assert r.expires_at is None
    r = store.update(a.id, expires_in=timedelta(minutes=5))
    assert r.expires_at == clock.now() + timedelta(minutes=5)
    r = store.update(a.id)  # nothing given: nothing changes
    assert r.name == "new"
    with pytest.raises(TypeError):
        store.update(a.id, nmae="typo")
    with pytest.raises(keyrack.InvalidArgument):
        store.update(a.id, expires_at=clock.now() - timedelta(days=1))


def test_purge(store: keyrack.Store, clock: keyrack.ManualClock) -> None:
    a = store.issue()
    keep = store.issue()
    store.revoke(a.id)
    assert store.purge(timedelta(days=1)) == 0
    clock.advance(timedelta(days=1))
    assert store.purge(timedelta(days=1)) == 1
    with pytest.raises(keyrack.NotFound):
        store.get(a.id)
    assert store.verify(a.key).outcome == "not_found"
    assert store.get(keep.id).id == keep.id
    assert store.purge() == 0


@pytest.mark.parametrize("bad", [None, 5, b"key_0000000000000000000000", "\ud800", "x" * 10_000_000])
def test_management_ids(store: keyrack.Store, bad: Any) -> None:
    for verb in (store.get, store.revoke, store.enable, store.disable, store.rotate):
        with pytest.raises((TypeError, keyrack.NotFound, keyrack.InvalidArgument)):
            verb(bad)


def test_update_expires_in_counts_from_the_update(
    store: keyrack.Store, clock: keyrack.ManualClock
) -> None:
    a = store.issue(expires_in=timedelta(hours=1))
    clock.advance(timedelta(hours=5))
    assert store.verify(a.key).outcome == "expired"
    r = store.update(a.id, expires_in=timedelta(minutes=30))
    assert r.expires_at == START + timedelta(hours=5, minutes=30)  # not from the issue
    assert store.get(a.id).expires_at == r.expires_at
    assert store.verify(a.key)
    clock.advance(timedelta(minutes=30))
    assert store.verify(a.key).outcome == "expired"


def test_update_expiry_keywords(store: keyrack.Store) -> None:
    a = store.issue(expires_in=timedelta(hours=1))
    for both in (
        {"expires_in": timedelta(days=1), "expires_at": START + timedelta(days=2)},
        {"expires_in": None, "expires_at": None},
        {"expires_in": timedelta(days=1), "expires_at": None},
    ):
        with pytest.raises(keyrack.InvalidArgument) as e:
            store.update(a.id, **both)
        assert e.value.field == "expires_in", both  # the core's "not both" rule
    assert store.get(a.id).expires_at == START + timedelta(hours=1)  # nothing changed
    at = START + timedelta(days=3)
    assert store.update(a.id, expires_at=at).expires_at == at
    assert store.update(a.id, expires_in=None).expires_at is None  # None clears
    assert store.update(a.id, expires_in=timedelta(hours=2)).expires_at == START + timedelta(hours=2)
    assert store.update(a.id, expires_at=None).expires_at is None
    with pytest.raises(keyrack.InvalidArgument) as e:
        store.update(a.id, expires_in=timedelta(seconds=-1))
    assert e.value.field == "expires_in"


def test_update_keywords_left_out_none_and_wrong(store: keyrack.Store) -> None:
    a = store.issue("n", owner="o", scopes=["r"], meta={"k": "v"}, remaining=4,
                    refill=keyrack.Refill(4, timedelta(days=1)))
    r = store.update(a.id, scopes=None, meta=None, owner=None, refill=None)
    assert (r.scopes, r.meta, r.owner, r.refill) == (frozenset(), {}, None, None)
    assert (r.name, r.remaining) == ("n", 4)  # left out: untouched
    r = store.update(a.id, shared_credits=False, remaining=7)
    assert r.remaining == 7 and not r.shared_credits
    for bad in ({"name": None}, {"shared_credits": None}, {"name": 5}, {"scopes": "r"}):
        with pytest.raises(TypeError):
            store.update(a.id, **bad)
    with pytest.raises(keyrack.InvalidArgument) as e:
        store.update(a.id, owner="\ud800")
    assert e.value.field == "owner"
    with pytest.raises(TypeError) as t:
        store.update(a.id, nmae="typo")  # type: ignore[call-arg]
    assert "update()" in str(t.value) and "nmae" in str(t.value)
    with pytest.raises(keyrack.NotFound):
        store.update("key_0000000000000000000000", name="x")
    assert store.get(a.id).name == "n"


def test_add_credits_tops_up_atomically_and_is_audited(store: keyrack.Store) -> None:
    a = store.issue(remaining=2)
    assert store.verify(a.key).remaining == 1
    r = store.add_credits(a.id, 10)  # the verify's spend is kept, unlike update(remaining=12)
    assert isinstance(r, keyrack.KeyRecord) and r.remaining == 11
    assert store.get(a.id).remaining == 11
    assert store.verify(a.key, cost=11).remaining == 0
    assert store.add_credits(a.id, 1).remaining == 1
    events = list(store.iter_audit(id=a.id, kind="credits_added"))
    assert [e.detail for e in events] == ["+10", "+1"]
    assert [e.kind for e in store.audit(id=a.id)] == ["issued", "credits_added", "credits_added"]


def test_add_credits_survives_a_reopen(path: Any, clock: keyrack.ManualClock) -> None:
    with keyrack.Store(path, clock=clock) as s:
        a = s.issue(remaining=5)
        s.verify(a.key)
        s.add_credits(a.id, 3)
    with keyrack.Store(path, clock=clock) as s:
        assert s.get(a.id).remaining == 7


def test_add_credits_refusals(store: keyrack.Store) -> None:
    unmetered = store.issue()
    store.set_pool("org", 10)
    shared = store.issue(owner="org", shared_credits=True)
    for key in (unmetered, shared):  # nothing of its own to top up
        with pytest.raises(keyrack.InvalidArgument) as e:
            store.add_credits(key.id, 1)
        assert e.value.field == "id"
    metered = store.issue(remaining=2**64 - 2)
    for bad in (0, -1, 2, 2**64):  # 2 overflows this balance
        with pytest.raises(keyrack.InvalidArgument) as e:
            store.add_credits(metered.id, bad)
        assert e.value.field == "credits", bad
    for wrong in ("1", 1.5, True, None):
        with pytest.raises(TypeError):
            store.add_credits(metered.id, wrong)  # type: ignore[arg-type]
    with pytest.raises(keyrack.NotFound):
        store.add_credits("key_0000000000000000000000", 1)
    assert store.add_credits(metered.id, 1).remaining == 2**64 - 1
    assert list(store.iter_audit(kind="credits_added")) == list(store.iter_audit(id=metered.id, kind="credits_added"))
    assert len(list(store.iter_audit(kind="credits_added"))) == 1
