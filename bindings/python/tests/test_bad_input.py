"""Hostile or wrong input gives a typed exception or `malformed`, never a crash."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

import keyrack

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


@pytest.mark.parametrize("bad", [None, 5, b"key_0000000000000000000000", "\ud800", "x" * 10_000_000])
def test_management_ids(store: keyrack.Store, bad: Any) -> None:
    for verb in (store.get, store.revoke, store.enable, store.disable, store.rotate):
        with pytest.raises((TypeError, keyrack.NotFound, keyrack.InvalidArgument)):
            verb(bad)


def test_open_arguments(tmp_path: Any) -> None:
    with pytest.raises(TypeError):
        keyrack.Store(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        keyrack.Store(tmp_path / "a", pepper="x" * 32)  # type: ignore[arg-type]
    with pytest.raises(keyrack.InvalidArgument):
        keyrack.Store(tmp_path / "b", prefix="Bad_")
    with pytest.raises(TypeError):
        keyrack.Store(tmp_path / "c", prefixes="sk_test")
    with pytest.raises(TypeError):
        keyrack.Store(tmp_path / "d", clock="now")  # type: ignore[arg-type]
    with pytest.raises(keyrack.Io):  # like open(): no NUL in a path
        keyrack.Store(tmp_path / "e\x00")


def test_value_type_arguments() -> None:
    with pytest.raises(TypeError):
        keyrack.RateLimit(1, 60)  # type: ignore[arg-type]
    with pytest.raises(keyrack.InvalidArgument):
        keyrack.RateLimit(-1, timedelta(1))
    with pytest.raises(TypeError):
        keyrack.Refill(None, timedelta(1))  # type: ignore[arg-type]


def test_headers_input() -> None:
    with pytest.raises(TypeError):
        keyrack.extract_key(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        keyrack.extract_key({"x-api-key": 5})  # type: ignore[dict-item]
    assert keyrack.extract_key({"x-api-key": "\ud800"}) is None
    assert keyrack.extract_key([("x-api-key", "a" * 1_000_000)]) == "a" * 1_000_000
