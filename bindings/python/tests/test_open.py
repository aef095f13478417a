"""The open room: Store(...) and its options, sync, compact, close, the context manager."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import keyrack

from conftest import START


def test_defaults(path: Path) -> None:
    with keyrack.Store(path) as s:
        assert s.default_prefix == keyrack.DEFAULT_PREFIX == "kr"
        assert s.prefixes == ["kr"]
        assert s.path == path
        i = s.issue()
        assert i.key.startswith("kr_") and i.record.name == ""


def test_persists_across_reopen(path: Path) -> None:
    with keyrack.Store(path, prefix="sk_live") as s:
        a = s.issue(remaining=10)
        s.verify(a.key)
    with keyrack.Store(path) as s:
        assert s.default_prefix == "sk_live"
        r = s.get(a.id)
        assert r.uses == 1 and r.remaining == 9
        assert s.verify(a.key)


def test_context_manager_closes_even_on_error(path: Path) -> None:
    with pytest.raises(RuntimeError):
        with keyrack.Store(path) as s:
            raise RuntimeError("boom")
    with pytest.raises(keyrack.Closed):
        s.verify("kr_x")
    keyrack.Store(path).close()  # the file was released


def test_use_after_close_raises_closed(path: Path) -> None:
    s = keyrack.Store(path)
    a = s.issue()
    s.close()
    s.close()  # harmless
    for call in (
        lambda: s.verify(a.key),
        lambda: s.issue(),
        lambda: s.get(a.id),
        lambda: s.list(),
        lambda: s.revoke(a.id),
        lambda: s.audit(),
        lambda: s.pool("o"),
        lambda: s.export(),
        lambda: s.export(io.StringIO()),
        lambda: s.import_json_lines(""),
        lambda: s.sync(),
        lambda: s.compact(),
    ):
        with pytest.raises(keyrack.Closed):
            call()


def test_sync_and_compact_keep_every_key(store: keyrack.Store) -> None:
    keys = [store.issue(remaining=5) for _ in range(20)]
    for i in keys[:10]:
        store.revoke(i.id)
    store.purge()
    store.verify(keys[-1].key)
    store.sync()
    assert isinstance(store.compact(), bool)
    assert all(store.verify(i.key) for i in keys[10:])
    assert store.get(keys[-1].id).remaining == 3


def test_manual_clock() -> None:
    c = keyrack.ManualClock(START)
    c.advance(timedelta(milliseconds=1500))
    assert c.now() == START + timedelta(milliseconds=1500)
    c.set(datetime(2030, 1, 1, 12, tzinfo=timezone(timedelta(hours=2))))
    assert c.now() == datetime(2030, 1, 1, 10, tzinfo=timezone.utc)
    with pytest.raises(keyrack.InvalidArgument):
        keyrack.ManualClock(datetime(2030, 1, 1))  # naive


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


def test_one_version_everywhere() -> None:
    from importlib.metadata import version

    assert keyrack.__version__ == version("keyrack")
    assert repr(keyrack.NotFound("x")).startswith("NotFound(")
    assert keyrack.NotFound.__module__ == "keyrack"


def test_open_options_are_used(path: Path, clock: keyrack.ManualClock) -> None:
    with keyrack.Store(path, prefix="sk_live", prefixes=["sk_test"], clock=clock,
                       leeway=timedelta(seconds=30), flush_interval=timedelta(seconds=1),
                       cache_capacity=10, check_integrity=False) as s:
        assert s.default_prefix == "sk_live" and s.prefixes == ["sk_live", "sk_test"]
        assert s.issue(prefix="sk_test").key.startswith("sk_test_")
        a = s.issue(expires_in=timedelta(minutes=1))
        clock.advance(timedelta(minutes=1, seconds=10))
        assert s.verify(a.key)  # within the leeway
        clock.advance(timedelta(seconds=30))
        assert s.verify(a.key).outcome == "expired"
    assert START < clock.now()


def test_open_option_errors_name_their_argument(tmp_path: Path) -> None:
    for kwargs, field in (
        ({"cache_capacity": -1}, "cache_capacity"),
        ({"leeway": timedelta(seconds=-1)}, "leeway"),
        ({"flush_interval": timedelta(days=-1)}, "flush_interval"),
        ({"prefix": "\ud800"}, "prefix"),
        ({"prefixes": ["\ud800"]}, "prefixes"),
    ):
        with pytest.raises(keyrack.InvalidArgument) as e:
            keyrack.Store(tmp_path / "k.redb", **kwargs)
        assert e.value.field == field, kwargs
    for bad in ({"leeway": 30}, {"cache_capacity": "10"}, {"read_only": "yes"}, {"colour": 1}):
        with pytest.raises(TypeError):
            keyrack.Store(tmp_path / "k.redb", **bad)
