"""Every verb and every outcome through the binding."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import keyrack
from keyrack import Outcome

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


def test_defaults(path: Path) -> None:
    with keyrack.Store(path) as s:
        assert s.default_prefix == keyrack.DEFAULT_PREFIX == "kr"
        assert s.prefixes == ["kr"]
        assert s.path == path
        i = s.issue()
        assert i.key.startswith("kr_") and i.record.name == ""


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
    assert [o.value for o in Outcome] == [name for name, _, _ in keyrack._keyrack.OUTCOMES]
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


def test_list_filters_and_paging(store: keyrack.Store, clock: keyrack.ManualClock) -> None:
    ids = {store.issue(str(n), owner="o1" if n % 2 else "o2").id for n in range(7)}
    t = store.issue("test", prefix="sk_test")
    assert {r.id for r in store.list(owner="o1")} == {
        r.id for r in store.iter_keys() if r.owner == "o1"
    }
    assert [r.id for r in store.list(prefix="sk_test")] == [t.id]
    store.revoke(t.id)
    assert [r.id for r in store.list(status="revoked")] == [t.id]
    assert len(store.list(status="active")) == 7
    with pytest.raises(keyrack.InvalidArgument):
        store.list(status="gone")  # type: ignore[arg-type]

    seen = []
    page = store.list(limit=3)
    while True:
        assert len(page) <= 3
        seen += [r.id for r in page]
        if page.next_cursor is None:
            break
        page = store.list(limit=3, cursor=page.next_cursor)
    assert set(seen) == ids | {t.id} and len(seen) == 8
    assert [r.id for r in store.iter_keys(page_size=2)] == seen
    assert [r.id for r in store.iter_keys(owner="o2", page_size=1)] == [
        r.id for r in store.list(owner="o2")
    ]

    used = store.issue("used")
    clock.advance(timedelta(hours=1))
    store.verify(used.key)
    assert used.id not in {r.id for r in store.list(unused_since=clock.now())}
    assert used.id in {r.id for r in store.list(unused_since=clock.now() + timedelta(seconds=1))}
    with pytest.raises(keyrack.InvalidArgument):
        store.list(limit=0)
    with pytest.raises(keyrack.InvalidArgument):
        store.list(cursor="garbage")


def test_audit(store: keyrack.Store, clock: keyrack.ManualClock) -> None:
    a = store.issue()
    store.disable(a.id)
    store.enable(a.id)
    store.update(a.id, name="n")
    store.rotate(a.id)
    store.revoke(a.id)
    clock.advance(timedelta(days=1))
    store.purge()
    kinds = [e.kind for e in store.audit(id=a.id)]
    assert kinds == ["issued", "disabled", "enabled", "updated", "rotated", "revoked", "purged"]
    assert [e.kind for e in store.audit(kind="revoked")] == ["revoked"]
    events = list(store.iter_audit(page_size=2))
    assert [e.kind for e in events] == kinds
    assert events[0].at == START and events[-1].at == START + timedelta(days=1)
    assert [e.kind for e in store.audit(since=START + timedelta(hours=1))] == ["purged"]
    first = store.audit(limit=2)
    assert len(first) == 2 and first.next_cursor is not None
    rest = store.audit(cursor=first.next_cursor)
    assert [e.kind for e in list(first) + list(rest)] == kinds
    with pytest.raises(keyrack.InvalidArgument):
        store.audit(kind="exploded")  # type: ignore[arg-type]


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


def test_manual_clock() -> None:
    c = keyrack.ManualClock(START)
    c.advance(timedelta(milliseconds=1500))
    assert c.now() == START + timedelta(milliseconds=1500)
    c.set(datetime(2030, 1, 1, 12, tzinfo=timezone(timedelta(hours=2))))
    assert c.now() == datetime(2030, 1, 1, 10, tzinfo=timezone.utc)
    with pytest.raises(keyrack.InvalidArgument):
        keyrack.ManualClock(datetime(2030, 1, 1))  # naive


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


def test_generic_page_types_work_at_runtime(store: keyrack.Store) -> None:
    def first(page: "keyrack.Page[keyrack.KeyRecord]") -> str:
        return next(iter(page)).id

    alias = keyrack.Page[keyrack.KeyRecord]
    assert alias.__origin__ is keyrack.Page
    assert keyrack.KeyIterator[keyrack.AuditEvent].__origin__ is keyrack.KeyIterator
    a = store.issue()
    assert first(store.list()) == a.id


def test_one_version_everywhere() -> None:
    from importlib.metadata import version

    assert keyrack.__version__ == version("keyrack")
    assert repr(keyrack.NotFound("x")).startswith("NotFound(")
    assert keyrack.NotFound.__module__ == "keyrack"
