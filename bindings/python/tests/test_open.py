"""The open room: Store(...) and its options, sync, compact, close, the context manager."""

from __future__ import annotations

import io
import signal
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import keyrack

from conftest import START, crash_after


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
    s = keyrack.Store(path, prefixes=["sk_old"])
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
        lambda: s.add_prefix("sk_new"),
        lambda: s.remove_prefix("sk_old"),  # one it accepts: an unknown one is refused first
        lambda: s.add_credits(a.id, 1),
        lambda: s.add_pool_credits("o", 1),
        lambda: s.set_pool("o", 1),
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
        ({"credit_lease": 0}, "credit_lease"),  # the core's rule: at least 1
        ({"credit_lease": -1}, "credit_lease"),
        ({"credit_lease": 2**64}, "credit_lease"),
    ):
        with pytest.raises(keyrack.InvalidArgument) as e:
            keyrack.Store(tmp_path / "k.redb", **kwargs)
        assert e.value.field == field, kwargs
    for bad in ({"leeway": 30}, {"cache_capacity": "10"}, {"read_only": "yes"}, {"colour": 1},
                {"credit_lease": "5"}, {"credit_lease": True}, {"credit_lease": 1.0}):
        with pytest.raises(TypeError):
            keyrack.Store(tmp_path / "k.redb", **bad)


def test_health_of_a_healthy_store(store: keyrack.Store) -> None:
    h = store.health()
    assert isinstance(h, keyrack.Health)
    assert h.ok is True and h.last_error is None
    assert repr(h) == "Health(ok=True, last_error=None)"
    store.issue(remaining=3)
    store.sync()
    assert store.health() == h  # a value: equal while nothing failed
    other = store.path.with_name("other.redb")
    keyrack.Store(other).close()
    with keyrack.Store(other, read_only=True) as ro:
        with pytest.raises(keyrack.ReadOnly):
            ro.issue()
        assert ro.health().ok  # a refused write is no storage fault
    assert keyrack.Fault.__module__ == keyrack.Health.__module__ == "keyrack"


def test_prefixes_change_only_by_add_and_remove(path: Path) -> None:
    with keyrack.Store(path, prefix="sk_live", prefixes=["sk_test"]) as s:
        live = s.issue("l")
        test = s.issue("t", prefix="sk_test")
    # A narrower list at open names prefixes; it never removes any.
    with keyrack.Store(path, prefixes=["sk_live"]) as s:
        assert s.verify(test.key) and s.prefixes == ["sk_live", "sk_test"]
    # A prefix the store does not accept is refused at open, saying how to add it.
    for kwargs, field in (({"prefixes": ["ak"]}, "prefixes"), ({"prefix": "ak"}, "prefix")):
        with pytest.raises(keyrack.InvalidArgument) as e:
            keyrack.Store(path, **kwargs)
        assert e.value.field == field and "add_prefix" in str(e.value), kwargs
    # Opened with the store's other prefix: this handle issues with it, nothing is saved.
    with keyrack.Store(path, prefix="sk_test") as s:
        assert s.default_prefix == "sk_test" and s.issue().key.startswith("sk_test_")
        assert s.prefixes == ["sk_live", "sk_test"]
        with pytest.raises(keyrack.InvalidArgument) as e:
            s.remove_prefix("sk_test")  # the one this handle issues with
        assert e.value.field == "prefix"
    with keyrack.Store(path) as s:
        assert s.default_prefix == "sk_live"
        assert s.add_prefix("ak") == ["sk_live", "sk_test", "ak"]
        assert s.add_prefix("ak") == ["sk_live", "sk_test", "ak"]  # already accepted: no change
        assert s.issue(prefix="ak").key.startswith("ak_")
        assert s.remove_prefix("sk_test") == ["sk_live", "ak"] == s.prefixes
        assert s.verify(test.key).outcome == "malformed"  # at once, in this handle
        assert s.verify(live.key)
        for bad in ("sk_live", "nope"):  # the store's default; one it does not accept
            with pytest.raises(keyrack.InvalidArgument) as e:
                s.remove_prefix(bad)
            assert e.value.field == "prefix", bad
        with pytest.raises(keyrack.InvalidArgument) as e:
            s.add_prefix("Bad_")
        assert e.value.field == "prefix"
        with pytest.raises(TypeError):
            s.add_prefix(None)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            s.remove_prefix(b"ak")  # type: ignore[arg-type]
        events = [(e.kind, e.id, e.detail) for e in s.iter_audit()
                  if e.kind in ("prefix_added", "prefix_removed")]
        assert events == [("prefix_added", "", "ak"), ("prefix_removed", "", "sk_test")]
    with keyrack.Store(path) as s:
        assert s.prefixes == ["sk_live", "ak"]  # durable
    with keyrack.Store(path, read_only=True) as ro:
        with pytest.raises(keyrack.ReadOnly):
            ro.add_prefix("sk_more")


def test_a_clean_close_forfeits_no_reserved_credit(path: Path) -> None:
    with keyrack.Store(path, credit_lease=5) as s:
        a = s.issue(remaining=100)
        for _ in range(3):
            assert s.verify(a.key)
    with keyrack.Store(path) as s:
        assert s.get(a.id).remaining == 97


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_crash_forfeits_at_most_the_credit_lease_and_gives_nothing_back(path: Path) -> None:
    with keyrack.Store(path) as s:
        a = s.issue(remaining=100)
    crash_after(
        """
        import sys, keyrack, time
        store = keyrack.Store(sys.argv[1], credit_lease=5)
        for _ in range(3):
            assert store.verify(sys.argv[2])
        print("ready", flush=True)
        time.sleep(60)
        """,
        [str(path), a.key],
    )
    with keyrack.Store(path) as s:
        left = s.get(a.id).remaining
        assert left is not None and 100 - 3 - 5 <= left <= 100 - 3, left
