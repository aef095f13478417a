"""The issue room: issue, issue_many, rotate and Issued, with the value types they take."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

import keyrack

from conftest import START


def test_issue_returns_the_secret_once_and_a_record(store: keyrack.Store) -> None:
    i = store.issue(
        "ci",
        description="deploys",
        owner="org_1",
        scopes=["deploy", "read"],
        meta={"team": "infra"},
        prefix="sk_test",
        expires_in=timedelta(days=1),
        remaining=5,
        refill=keyrack.Refill(5, timedelta(days=1)),
        rate_limit=keyrack.RateLimit(10, timedelta(seconds=60)),
    )
    r = i.record
    assert i.key.startswith("sk_test_") and len(i.key) == len("sk_test_") + 49
    assert i.id == r.id and r.id.startswith("key_") and len(r.id) == 26
    assert r.prefix == "sk_test" and i.key.startswith(r.hint.rstrip("…"))
    assert (r.name, r.description, r.owner) == ("ci", "deploys", "org_1")
    assert r.scopes == frozenset({"deploy", "read"})
    assert r.meta == {"team": "infra"}
    assert r.created_at == START and r.created_at.tzinfo is not None
    assert r.expires_at == START + timedelta(days=1)
    assert r.revoked_at is None and r.last_used_at is None
    assert r.enabled and r.uses == 0 and r.remaining == 5
    assert r.refill == keyrack.Refill(5, timedelta(days=1))
    assert r.rate_limit == keyrack.RateLimit(10, timedelta(seconds=60))
    assert not r.shared_credits
    assert set(r.denied) == {
        "revoked", "disabled", "expired", "insufficient_scope", "rate_limited", "usage_exceeded"
    }
    assert r.to_dict()["meta"] == {"team": "infra"}
    assert store.get(i.id) == r


def test_issue_at_a_time_and_refusals(store: keyrack.Store) -> None:
    at = START + timedelta(hours=2)
    assert store.issue(expires_at=at).record.expires_at == at
    with pytest.raises(keyrack.InvalidArgument):
        store.issue(expires_in=timedelta(1), expires_at=at)
    with pytest.raises(keyrack.InvalidArgument):
        store.issue(expires_at=datetime(2026, 5, 1))  # naive
    with pytest.raises(keyrack.InvalidArgument):
        store.issue(prefix="kr_live")  # not accepted by this store


def test_issue_many_is_all_or_nothing(store: keyrack.Store) -> None:
    batch = store.issue_many([{"name": "a"}, {"name": "b", "owner": "o", "scopes": ["s"]}])
    assert [i.record.name for i in batch] == ["a", "b"]
    assert all(store.verify(i.key) for i in batch)
    with pytest.raises(keyrack.InvalidArgument):
        store.issue_many([{"name": "c"}, {"name": "d", "prefix": "BAD"}])
    assert len(store.list()) == 2
    with pytest.raises(TypeError):
        store.issue_many([{"nmae": "typo"}])
    relaxed = store.issue_many([{"name": "e"}], durable=False)
    store.sync()
    assert store.verify(relaxed[0].key)


@pytest.mark.parametrize(
    "kwargs,exc",
    [
        ({"name": None}, None),  # None means the default
        ({"name": 5}, TypeError),
        ({"name": "\ud800"}, keyrack.InvalidArgument),
        ({"name": "n" * 100_000}, keyrack.InvalidArgument),
        ({"owner": ""}, keyrack.InvalidArgument),
        ({"owner": b"org"}, TypeError),
        ({"scopes": "read"}, TypeError),
        ({"scopes": ["has space"]}, keyrack.InvalidArgument),
        ({"scopes": 7}, TypeError),
        ({"meta": {"k": 1}}, TypeError),
        ({"meta": {"k": "v" * 100_000}}, keyrack.InvalidArgument),
        ({"meta": ["k", "v"]}, TypeError),
        ({"prefix": "\ud800"}, keyrack.InvalidArgument),
        ({"expires_in": 60}, TypeError),
        ({"expires_in": timedelta(seconds=-1)}, keyrack.InvalidArgument),
        ({"expires_at": "2030-01-01"}, TypeError),
        ({"remaining": -1}, keyrack.InvalidArgument),
        ({"remaining": "5"}, TypeError),
        ({"remaining": 2**70}, keyrack.InvalidArgument),
        ({"refill": (5, 60)}, TypeError),
        ({"rate_limit": {"limit": 1}}, TypeError),
        ({"rate_limit": keyrack.RateLimit(0, timedelta(seconds=1))}, keyrack.InvalidArgument),
        ({"shared_credits": "yes"}, TypeError),
    ],
)
def test_issue_arguments(store: keyrack.Store, kwargs: Any, exc: Any) -> None:
    if exc is None:
        store.issue(**kwargs)
    else:
        with pytest.raises(exc):
            store.issue(**kwargs)


def test_rotate_with_and_without_grace(store: keyrack.Store, clock: keyrack.ManualClock) -> None:
    a = store.issue(name="svc")
    b = store.rotate(a.id, grace=timedelta(minutes=10))
    assert b.id == a.id and b.key != a.key and b.record.name == "svc"
    assert store.verify(a.key) and store.verify(b.key)
    clock.advance(timedelta(minutes=10))
    assert store.verify(a.key).outcome == "expired"
    assert store.verify(b.key)
    c = store.rotate(a.id)
    assert store.verify(b.key).outcome == "expired"
    assert store.verify(c.key)
    store.revoke(a.id)
    with pytest.raises(keyrack.InvalidArgument):
        store.rotate(a.id)
    with pytest.raises(keyrack.InvalidArgument):
        store.rotate(a.id, grace=timedelta(seconds=-1))


def test_value_types() -> None:
    r = keyrack.RateLimit(100, timedelta(minutes=1))
    assert (r.limit, r.window) == (100, timedelta(minutes=1))
    assert r == keyrack.RateLimit(100, timedelta(seconds=60)) and hash(r) == hash(
        keyrack.RateLimit(100, timedelta(seconds=60))
    )
    assert repr(r) == "RateLimit(limit=100, window=datetime.timedelta(seconds=60))"
    f = keyrack.Refill(1000, timedelta(days=1))
    assert (f.amount, f.every) == (1000, timedelta(days=1))
    assert f != keyrack.Refill(999, timedelta(days=1))


def test_value_type_arguments() -> None:
    with pytest.raises(TypeError):
        keyrack.RateLimit(1, 60)  # type: ignore[arg-type]
    with pytest.raises(keyrack.InvalidArgument):
        keyrack.RateLimit(-1, timedelta(1))
    with pytest.raises(TypeError):
        keyrack.Refill(None, timedelta(1))  # type: ignore[arg-type]


def test_issue_errors_name_their_argument(store: keyrack.Store) -> None:
    with pytest.raises(keyrack.InvalidArgument) as e:
        store.issue(expires_in=timedelta(days=1), expires_at=START + timedelta(days=2))
    assert e.value.field == "expires_in"  # the core's "not both" rule
    assert len(store.list()) == 0
    for kwargs, field in (
        ({"name": "\ud800"}, "name"),
        ({"expires_in": timedelta(seconds=-1)}, "expires_in"),
        ({"expires_at": datetime(2030, 1, 1)}, "expires_at"),  # naive
        ({"remaining": 2**70}, "remaining"),
        ({"prefix": "kr_live"}, "prefix"),  # the core's refusal
    ):
        with pytest.raises(keyrack.InvalidArgument) as e:
            store.issue(**kwargs)
        assert e.value.field == field, kwargs
    with pytest.raises(TypeError) as t:
        store.issue(nmae="typo")  # type: ignore[call-arg]
    assert "issue()" in str(t.value) and "nmae" in str(t.value)
    with pytest.raises(TypeError):
        store.issue("a", "b")  # type: ignore[misc]


def test_issue_many_items_take_the_keywords_of_issue(store: keyrack.Store) -> None:
    import types

    with pytest.raises(keyrack.InvalidArgument) as e:
        store.issue_many([{"name": "a"}, {"owner": "\ud800"}])
    assert e.value.field == "owner"
    assert len(store.list()) == 0  # all or none
    with pytest.raises(TypeError) as t:
        store.issue_many([{"name": "a", "scopse": ["r"]}])  # type: ignore[typeddict-unknown-key]
    assert "scopse" in str(t.value)
    with pytest.raises(TypeError):
        store.issue_many([{"name": "a", 1: "x"}])  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        store.issue_many(["name"])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        store.issue_many(5)  # type: ignore[arg-type]
    item = {"name": "x", "expires_in": timedelta(hours=1), "remaining": 3, "scopes": {"r"}}
    (one,) = store.issue_many([item])  # type: ignore[list-item]
    r = one.record
    assert (r.name, r.expires_at, r.remaining, r.scopes) == ("x", START + timedelta(hours=1), 3, {"r"})
    assert item["name"] == "x" and len(item) == 4  # the caller's mapping is untouched
    (proxied,) = store.issue_many([types.MappingProxyType({"name": "p"})])  # type: ignore[list-item]
    assert proxied.record.name == "p"
    assert store.issue_many([]) == []
