"""The verify room: verify, verify_headers, extract_key and Verification; every outcome."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Dict, Iterator, List, Tuple

import pytest

import keyrack
from keyrack import Outcome


def test_every_outcome(store: keyrack.Store, clock: keyrack.ManualClock) -> None:
    def check(v: keyrack.Verification, outcome: Outcome, status: int) -> None:
        assert v.outcome is outcome and v.outcome == outcome.value
        assert v.http_status == status == outcome.http_status
        assert v.message == outcome.message
        assert bool(v) is v.is_valid is (outcome is Outcome.VALID)

    a = store.issue(scopes=["read"])
    check(store.verify(a.key), Outcome.VALID, 200)
    check(store.verify(a.key, scopes=["read"]), Outcome.VALID, 200)
    check(store.verify(a.key, scopes=["write"]), Outcome.INSUFFICIENT_SCOPE, 403)
    check(store.verify("kr_nope"), Outcome.MALFORMED, 401)
    bad_check = a.key[:-1] + ("A" if a.key[-1] != "A" else "B")
    check(store.verify(bad_check), Outcome.MALFORMED, 401)
    check(store.verify(keyrack.format.compose("kr", b"\x00" * 32)), Outcome.NOT_FOUND, 401)

    d = store.issue()
    store.disable(d.id)
    check(store.verify(d.key), Outcome.DISABLED, 403)
    store.enable(d.id)
    check(store.verify(d.key), Outcome.VALID, 200)

    e = store.issue(expires_in=timedelta(minutes=1))
    clock.advance(timedelta(minutes=1))
    check(store.verify(e.key), Outcome.EXPIRED, 401)

    r = store.issue(rate_limit=keyrack.RateLimit(1, timedelta(seconds=10)))
    check(store.verify(r.key), Outcome.VALID, 200)
    limited = store.verify(r.key)
    check(limited, Outcome.RATE_LIMITED, 429)
    assert limited.retry_after is not None and timedelta(0) < limited.retry_after <= timedelta(seconds=10)

    u = store.issue(remaining=1)
    ok = store.verify(u.key)
    assert ok.remaining == 0
    check(store.verify(u.key), Outcome.USAGE_EXCEEDED, 429)
    assert store.verify(u.key, cost=0)  # cost 0 only checks

    store.revoke(a.id)
    check(store.verify(a.key), Outcome.REVOKED, 403)
    assert store.get(a.id).revoked_at == clock.now()

    check(store.verify_headers({"accept": "*/*"}), Outcome.MISSING, 401)
    assert Outcome.MISSING.message == "API key is required"


def test_outcome_enum_is_the_core_list() -> None:
    assert keyrack.OUTCOMES is keyrack._keyrack.OUTCOMES  # the core's list, at the top level
    assert [o.value for o in Outcome] == [name for name, _, _ in keyrack.OUTCOMES]
    for name, status, message in keyrack.OUTCOMES:
        assert (Outcome(name).http_status, Outcome(name).message) == (status, message)
    assert isinstance(Outcome.VALID, str) and Outcome("valid") is Outcome.VALID
    assert str(Outcome.NOT_FOUND) == "not_found"


def test_verification_carries_the_record(store: keyrack.Store) -> None:
    a = store.issue(name="svc", owner="o")
    v = store.verify(a.key)
    assert v.id == a.id and v.record is not None and v.record.name == "svc"
    assert store.verify("kr_x").record is None


def test_uses_and_denied_are_counted(store: keyrack.Store, clock: keyrack.ManualClock) -> None:
    a = store.issue(scopes=["r"])
    store.verify(a.key)
    store.verify(a.key)
    store.verify(a.key, scopes=["w"])
    r = store.get(a.id)
    assert r.uses == 2 and r.last_used_at == clock.now()
    assert r.denied["insufficient_scope"] == 1


LONE_SURROGATE = "kr_\ud800" + "A" * 48
HUGE = "kr_" + "A" * 50_000_000


def test_verify_keys_that_cannot_be_keys_are_malformed(store: keyrack.Store) -> None:
    for key in ("", " ", "\x00", LONE_SURROGATE, "\udfff", HUGE, "kr_" + "é" * 49, "💥" * 300):
        assert store.verify(key).outcome == "malformed"


@pytest.mark.parametrize("key", [None, 42, b"kr_abc", ["kr_abc"], object()])
def test_verify_non_str_keys_raise_type_error(store: keyrack.Store, key: Any) -> None:
    with pytest.raises(TypeError) as e:
        store.verify(key)
    assert "must be a str" in str(e.value)


def test_verify_option_types(store: keyrack.Store) -> None:
    key = store.issue(scopes=["a"]).key
    with pytest.raises(TypeError):
        store.verify(key, scopes="a")  # a bare str would be its letters
    with pytest.raises(TypeError):
        store.verify(key, scopes=[1])  # type: ignore[list-item]
    with pytest.raises(keyrack.InvalidArgument):
        store.verify(key, scopes=["\ud800"])
    with pytest.raises(TypeError):
        store.verify(key, cost=1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        store.verify(key, cost=True)
    with pytest.raises(keyrack.InvalidArgument):
        store.verify(key, cost=-1)
    with pytest.raises(keyrack.InvalidArgument):
        store.verify(key, cost=2**64)
    assert store.verify(key, scopes=("a",), cost=0)


class MultiDict:
    """A framework-style header object: `.items()` may repeat names."""

    def __init__(self, pairs: List[Tuple[str, str]]) -> None:
        self.pairs = pairs

    def items(self) -> Iterator[Tuple[str, str]]:
        return iter(self.pairs)


def test_extract_key_shapes() -> None:
    assert keyrack.extract_key({"X-API-Key": "k1"}) == "k1"
    assert keyrack.extract_key({"authorization": "Bearer k2"}) == "k2"
    assert keyrack.extract_key({"Authorization": "api-key  k3 "}) == "k3"
    assert keyrack.extract_key({"Authorization": "Basic abc"}) is None
    assert keyrack.extract_key({"Authorization": "Bearer "}) is None
    assert keyrack.extract_key({}) is None
    assert keyrack.extract_key([("authorization", "Bearer b"), ("x-api-key", "a")]) == "a"
    assert keyrack.extract_key([(b"x-api-key", b"raw")]) == "raw"  # ASGI raw headers
    assert keyrack.extract_key(MultiDict([("Accept", "*/*"), ("X-Api-Key", "m")])) == "m"


def test_verify_headers(store: keyrack.Store) -> None:
    a = store.issue(scopes=["read"])
    headers: Dict[str, str] = {"Authorization": f"Bearer {a.key}"}
    assert store.verify_headers(headers, scopes=["read"])
    assert store.verify_headers(headers, scopes=["write"]).outcome == "insufficient_scope"
    missing = store.verify_headers({"accept": "*/*"})
    assert missing.outcome == keyrack.Outcome.MISSING
    assert (missing.http_status, missing.message) == (401, "API key is required")
    assert store.verify_headers({"x-api-key": "kr_junk"}).outcome == "malformed"


def test_headers_input() -> None:
    with pytest.raises(TypeError):
        keyrack.extract_key(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        keyrack.extract_key({"x-api-key": 5})  # type: ignore[dict-item]
    assert keyrack.extract_key({"x-api-key": "\ud800"}) is None
    assert keyrack.extract_key([("x-api-key", "a" * 1_000_000)]) == "a" * 1_000_000


def test_verify_headers_counts_like_verify(store: keyrack.Store) -> None:
    a = store.issue(remaining=3, scopes=["read"])
    assert store.verify_headers([(b"x-api-key", a.key.encode())]).remaining == 2  # ASGI raw
    assert store.verify_headers({"Authorization": f"Api-Key {a.key}"}, cost=0).remaining == 2
    assert store.verify_headers(MultiDict([("X-Api-Key", a.key)]), cost=2).remaining == 0
    assert store.verify_headers({"x-api-key": a.key}).outcome == "usage_exceeded"
    assert store.verify_headers({"x-api-key": a.key}, scopes=["write"]).outcome == "insufficient_scope"
    assert store.verify_headers({"x-api-key": a.key[:-1]}).outcome == "malformed"
    none = store.verify_headers([])
    assert none.outcome == "missing" and none.record is None and not none
    assert store.get(a.id).uses == 3  # three valid verifies (cost 0 too); missing counts nothing
    with pytest.raises(TypeError):
        store.verify_headers({"x-api-key": a.key}, scopes="read")
    with pytest.raises(TypeError):
        store.verify_headers(None)  # type: ignore[arg-type]


def test_verify_headers_on_a_closed_store_raises_closed(path: Any) -> None:
    s = keyrack.Store(path)
    s.close()
    for headers in ({}, {"x-api-key": "kr_x"}):
        with pytest.raises(keyrack.Closed):
            s.verify_headers(headers)


def test_read_only_handles_refuse_to_spend_and_check_with_cost_zero(path: Any) -> None:
    with keyrack.Store(path) as s:
        metered = s.issue("m", remaining=3)
        s.set_pool("org", 5)
        shared = s.issue("s", owner="org", shared_credits=True)
        limited = s.issue("l", rate_limit=keyrack.RateLimit(1, timedelta(minutes=1)))
        plain = s.issue("p")
    a = keyrack.Store(path, read_only=True)
    b = keyrack.Store(path, read_only=True)  # read-only handles may share the file
    try:
        for ro in (a, b):
            for k in (metered, shared, limited):
                with pytest.raises(keyrack.ReadOnly) as e:
                    ro.verify(k.key)  # it could not record the spend: it grants none
                assert e.value.code == "READ_ONLY"
                with pytest.raises(keyrack.ReadOnly):
                    ro.verify_headers({"x-api-key": k.key}, cost=1)
                check = ro.verify(k.key, cost=0)  # cost 0 checks without spending
                assert check and check.outcome == "valid"
            assert ro.verify(plain.key)
            assert ro.verify(plain.key, cost=5)  # nothing to spend on an unmetered key
            assert ro.verify("kr_junk").outcome == "malformed"  # outcomes stay values
    finally:
        a.close()
        b.close()
    with keyrack.Store(path) as s:
        assert s.get(metered.id).remaining == 3
        pool = s.pool("org")
        assert pool is not None and pool.remaining == 5
        assert s.verify(limited.key)
        assert s.verify(limited.key).outcome == "rate_limited"
