"""The read room: get, list, audit, and the iterators iter_keys and iter_audit."""

from __future__ import annotations

from datetime import timedelta

import pytest

import keyrack

from conftest import START


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


def test_generic_page_types_work_at_runtime(store: keyrack.Store) -> None:
    def first(page: "keyrack.Page[keyrack.KeyRecord]") -> str:
        return next(iter(page)).id

    alias = keyrack.Page[keyrack.KeyRecord]
    assert alias.__origin__ is keyrack.Page
    assert keyrack.KeyIterator[keyrack.AuditEvent].__origin__ is keyrack.KeyIterator
    a = store.issue()
    assert first(store.list()) == a.id


def test_iter_keys_walks_several_pages(store: keyrack.Store) -> None:
    ids = sorted(store.issue(str(n), owner="o").id for n in range(7))
    store.issue("other", owner="p")
    it = store.iter_keys(owner="o", page_size=3)  # pages of 3, 3 and 1
    assert iter(it) is it
    assert [r.id for r in it] == ids
    assert next(it, None) is None  # stays exhausted
    assert [r.id for r in store.iter_keys(owner="o", page_size=7)] == ids
    assert [r.id for r in store.iter_keys(owner="o")] == ids
    assert list(store.iter_keys(owner="nobody")) == []
    assert all(isinstance(r, keyrack.KeyRecord) for r in store.iter_keys(page_size=1))


def test_iter_audit_walks_several_pages(store: keyrack.Store) -> None:
    a = store.issue()
    for _ in range(3):
        store.disable(a.id)
        store.enable(a.id)
    events = list(store.iter_audit(id=a.id, page_size=2))
    assert [e.kind for e in events] == ["issued"] + ["disabled", "enabled"] * 3
    assert events == list(store.audit(id=a.id))
    assert [e.seq for e in events] == sorted(e.seq for e in events)
    assert [e.kind for e in store.iter_audit(kind="enabled", page_size=1)] == ["enabled"] * 3


@pytest.mark.parametrize("walk", ["iter_keys", "iter_audit"])
def test_an_error_mid_walk_is_raised_once_and_ends_it(path: object, walk: str) -> None:
    s = keyrack.Store(path)  # type: ignore[arg-type]
    for n in range(5):
        s.issue(str(n))
    it = getattr(s, walk)(page_size=2)
    assert next(it) is not None and next(it) is not None  # the first page
    s.close()
    with pytest.raises(keyrack.Closed):
        next(it)  # the second page cannot be read
    assert next(it, None) is None  # the error ended the walk


def test_iterator_arguments(store: keyrack.Store) -> None:
    store.issue()
    with pytest.raises(keyrack.InvalidArgument):
        list(store.iter_keys(page_size=0))  # the core's page size rule, at the first page
    with pytest.raises(keyrack.InvalidArgument):
        store.iter_keys(status="gone")  # type: ignore[arg-type]
    with pytest.raises(keyrack.InvalidArgument):
        store.iter_audit(kind="exploded")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        store.iter_keys(page_size="2")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        store.iter_keys(cursor="x")  # type: ignore[call-arg]


def test_audit_kinds_are_the_core_list() -> None:
    from typing import get_args

    assert keyrack.AUDIT_KINDS == list(get_args(keyrack.AuditKind))
    assert len(keyrack.AUDIT_KINDS) == 12 and "AUDIT_KINDS" in keyrack.__all__
    assert keyrack.AUDIT_KINDS is keyrack._keyrack.AUDIT_KINDS  # the core's list, at the top level


def test_statuses_are_the_core_list(store: keyrack.Store) -> None:
    from typing import get_args

    assert keyrack.STATUSES is keyrack._keyrack.STATUSES and "STATUSES" in keyrack.__all__
    assert keyrack.STATUSES == list(get_args(keyrack.Status))
    assert keyrack.STATUSES == ["active", "revoked", "disabled", "expired"]
    for status in keyrack.STATUSES:  # each one is a filter list() takes
        assert list(store.list(status=status)) == []
