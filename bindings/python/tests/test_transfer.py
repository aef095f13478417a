"""export() and import_json_lines(): records move between stores, secrets never do."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any, Iterator, List

import pytest

import keyrack

from conftest import secret_part


@pytest.fixture
def target(tmp_path: Path, clock: keyrack.ManualClock) -> Iterator[keyrack.Store]:
    """A second, empty store with the same prefixes and clock as `store`."""
    with keyrack.Store(tmp_path / "target.redb", prefixes=["sk_test"], clock=clock) as s:
        yield s


def fill(store: keyrack.Store, clock: keyrack.ManualClock) -> List[keyrack.Issued]:
    """Keys in every state, with every field set somewhere, some of them used."""
    full = store.issue(
        "full",
        description="every field",
        owner="org_1",
        scopes=["deploy", "read"],
        meta={"team": "infra"},
        prefix="sk_test",
        expires_in=timedelta(days=30),
        remaining=10,
        refill=keyrack.Refill(10, timedelta(days=1)),
        rate_limit=keyrack.RateLimit(100, timedelta(seconds=60)),
    )
    plain = store.issue("plain")
    revoked = store.issue("revoked", owner="org_2")
    disabled = store.issue("disabled")
    pooled = store.issue("pooled", owner="org_1", shared_credits=True)
    store.set_pool("org_1", 50)
    store.verify(full.key)
    store.verify(full.key, scopes=["admin"])  # a denied verify is counted too
    clock.advance(timedelta(minutes=1))
    store.revoke(revoked.id)
    store.disable(disabled.id)
    return [full, plain, revoked, disabled, pooled]


def test_round_trip_keeps_every_field_and_no_secret(
    store: keyrack.Store, target: keyrack.Store, clock: keyrack.ManualClock
) -> None:
    issued = fill(store, clock)
    text = store.export()
    lines = text.splitlines()
    # One line per record, then one per owner's credit pool.
    assert len(lines) == len(issued) + 1 and text.endswith("\n")
    assert json.loads(lines[-1]) == {"pool": "org_1", "remaining": 50, "refill": None}
    records = [json.loads(line) for line in lines[:-1]]
    assert [r["id"] for r in records] == sorted(i.id for i in issued)  # id order
    status = {r["id"]: r["status"] for r in records}
    assert [status[i.id] for i in issued] == ["active", "active", "revoked", "disabled", "active"]

    assert target.pool("org_1") is None
    assert target.import_json_lines(text) == len(issued)  # records; the pool comes too
    assert target.pool("org_1") == store.pool("org_1")
    for i in issued:
        before, after = store.get(i.id).to_dict(), target.get(i.id).to_dict()
        for field in before:
            assert after[field] == before[field], (i.record.name, field)
        assert store.get(i.id) == target.get(i.id)
    assert target.get(issued[0].id).uses == 1
    assert target.get(issued[0].id).denied["insufficient_scope"] == 1

    # The records came without their secrets: no old key verifies...
    for i in issued:
        assert target.verify(i.key).outcome == "not_found"
    # ...until a rotation gives the key a new one, with its old settings.
    full = target.rotate(issued[0].id)
    assert full.id == issued[0].id and full.key.startswith("sk_test_")
    v = target.verify(full.key, scopes=["deploy"])
    assert v.outcome == "valid" and v.remaining == 8  # 10 issued, 1 spent before the export
    assert target.verify(full.key, scopes=["admin"]).outcome == "insufficient_scope"
    plain = target.rotate(issued[1].id)
    assert target.verify(plain.key)
    assert target.verify(issued[0].key).outcome == "not_found"
    # The source store is untouched by the export.
    assert store.verify(issued[1].key)


def test_export_holds_no_secret(store: keyrack.Store, clock: keyrack.ManualClock) -> None:
    issued = fill(store, clock)
    rotated = store.rotate(issued[1].id, grace=timedelta(hours=1))  # two live secrets
    text = store.export()
    buffer = io.StringIO()
    store.export(buffer)
    for out in (text, buffer.getvalue()):
        assert len(out.splitlines()) == len(issued) + 1  # the records (and the pool) are there...
        for key in [i.key for i in issued] + [rotated.key]:
            assert secret_part(key) not in out  # ...their secrets are not
        for line in out.splitlines():
            assert not {"key", "secret", "hash", "hashes"} & set(json.loads(line))


def test_export_to_a_text_file(store: keyrack.Store, clock: keyrack.ManualClock, tmp_path: Path) -> None:
    fill(store, clock)
    buffer = io.StringIO()
    assert store.export(buffer) == 5
    assert buffer.getvalue() == store.export()
    path = tmp_path / "keys.jsonl"
    with path.open("w", encoding="utf-8") as f:
        assert store.export(f) == 5
    assert path.read_text(encoding="utf-8") == store.export()
    assert store.export(None) == store.export()  # None: the text is returned


def test_an_empty_store_exports_nothing(store: keyrack.Store, target: keyrack.Store) -> None:
    assert store.export() == ""
    assert store.export(io.StringIO()) == 0
    assert target.import_json_lines("") == 0
    assert target.import_json_lines("\n  \n") == 0


def test_a_bad_line_imports_nothing(
    store: keyrack.Store, target: keyrack.Store, clock: keyrack.ManualClock
) -> None:
    fill(store, clock)
    good = store.export().splitlines()
    for bad in ("{not json", '{"id": 1}', "[]"):
        text = "\n".join([good[0], bad] + good[1:]) + "\n"
        with pytest.raises(keyrack.InvalidArgument) as e:
            target.import_json_lines(text)
        assert "line 2" in str(e.value)
        assert e.value.reason is not None and e.value.reason.startswith("line 2:")
        assert e.value.field == "record"
        assert len(target.list()) == 0  # line 1 was valid, and is not there either
        with pytest.raises(keyrack.NotFound):
            target.get(json.loads(good[0])["id"])
    # Blank lines are skipped but still counted.
    with pytest.raises(keyrack.InvalidArgument) as e:
        target.import_json_lines(good[0] + "\n\n{")
    assert e.value.reason is not None and e.value.reason.startswith("line 3:")


def test_a_pasted_secret_is_refused_and_not_echoed(
    store: keyrack.Store, target: keyrack.Store
) -> None:
    issued = store.issue("ci")
    line = json.loads(store.export())
    line["key"] = issued.key
    with pytest.raises(keyrack.InvalidArgument) as e:
        target.import_json_lines(json.dumps(line))
    shown = f"{e.value} {e.value!r} {e.value.args} {e.value.reason}"
    assert "line 1" in shown and secret_part(issued.key) not in shown
    assert len(target.list()) == 0


def test_an_existing_id_fails_and_imports_nothing(
    store: keyrack.Store, target: keyrack.Store, clock: keyrack.ManualClock
) -> None:
    fill(store, clock)
    lines = store.export().splitlines()
    assert target.import_json_lines(lines[2]) == 1
    with pytest.raises(keyrack.InvalidArgument) as e:
        target.import_json_lines("\n".join(lines))
    assert e.value.reason is not None and e.value.reason.startswith("line 3:")
    assert "already exists" in str(e.value)
    assert [r.id for r in target.list()] == [json.loads(lines[2])["id"]]
    # Into the store it came from: every id is already there.
    with pytest.raises(keyrack.InvalidArgument):
        store.import_json_lines(lines[0])
    assert len(store.list()) == 5


def test_a_prefix_the_store_does_not_accept_fails(
    store: keyrack.Store, tmp_path: Path
) -> None:
    store.issue("live")
    test = store.issue("test", prefix="sk_test")
    text = store.export()
    line = [json.loads(x)["id"] for x in text.splitlines()].index(test.id) + 1
    with keyrack.Store(tmp_path / "kr_only.redb") as only_kr:
        with pytest.raises(keyrack.InvalidArgument) as e:
            only_kr.import_json_lines(text)
        assert e.value.reason is not None and e.value.reason.startswith(f"line {line}:")
        assert e.value.field == "prefix"
        assert len(only_kr.list()) == 0


@pytest.mark.parametrize("bad", [None, 5, b'{"id": "key_x"}', ["{}"], io.StringIO("{}")])
def test_import_takes_only_a_str(target: keyrack.Store, bad: Any) -> None:
    with pytest.raises(TypeError) as e:
        target.import_json_lines(bad)
    assert "must be a str" in str(e.value)


def test_import_refuses_lone_surrogates(target: keyrack.Store) -> None:
    with pytest.raises(keyrack.InvalidArgument) as e:
        target.import_json_lines('{"name": "\ud800"}')
    assert e.value.field == "text"


@pytest.mark.parametrize("bad", [5, "keys.jsonl", Path("keys.jsonl"), object()])
def test_export_file_must_be_writable(
    store: keyrack.Store, bad: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    store.issue()
    with pytest.raises(TypeError) as e:
        store.export(bad)
    assert "writable text file" in str(e.value)
    assert not (tmp_path / "keys.jsonl").exists()


def test_export_to_a_binary_file_raises_type_error(store: keyrack.Store) -> None:
    store.issue()
    out = io.BytesIO()
    with pytest.raises(TypeError):
        store.export(out)  # type: ignore[arg-type]
    assert out.getvalue() == b""


def test_a_failing_file_raises_its_own_error(store: keyrack.Store) -> None:
    class Full(io.StringIO):
        def write(self, s: str) -> int:
            raise OSError(28, "No space left on device")

    store.issue()
    with pytest.raises(OSError) as e:
        store.export(Full())
    assert e.value.errno == 28 and not isinstance(e.value, keyrack.Error)


def test_read_only_stores_export_but_do_not_import_or_compact(path: Path, tmp_path: Path) -> None:
    with keyrack.Store(path) as s:
        s.issue("a")
        text = s.export()
    with keyrack.Store(path, read_only=True) as ro:
        assert ro.export() == text
        with keyrack.Store(tmp_path / "other.redb") as other:
            other.issue("b")
            foreign = other.export()
        with pytest.raises(keyrack.ReadOnly):
            ro.import_json_lines(foreign)
        size = path.stat().st_size
        with pytest.raises(keyrack.ReadOnly):
            ro.compact()  # a rewrite of the file: a write
        assert path.stat().st_size == size


def test_check_import_is_a_dry_run(
    store: keyrack.Store, target: keyrack.Store, clock: keyrack.ManualClock
) -> None:
    fill(store, clock)
    text = store.export()
    check = target.check_import_json_lines(text)
    assert (check.records, check.pools, check.already_present) == (5, 1, [])
    assert "ImportCheck(records=5, pools=1" in repr(check)
    assert len(target.list()) == 0 and target.pool("org_1") is None  # nothing written
    assert target.import_json_lines(text) == 5  # the import agrees
    empty = target.check_import_json_lines("\n \n")
    assert (empty.records, empty.pools, empty.already_present) == (0, 0, [])
    # Into the store they came from: every id is there, listed by line.
    records = text.splitlines()[:-1]  # without the pool line (org_1's pool exists too)
    again = store.check_import_json_lines("\n".join(records))
    ids = [json.loads(line)["id"] for line in records]
    assert again.already_present == [(n + 1, i) for n, i in enumerate(ids)]
    with pytest.raises(keyrack.InvalidArgument) as e:
        store.check_import_json_lines(text)  # the pool line: org_1 has a pool here
    assert e.value.line == len(records) + 1 and e.value.field == "pool"


def test_refusals_carry_their_line(
    store: keyrack.Store, target: keyrack.Store, clock: keyrack.ManualClock
) -> None:
    fill(store, clock)
    good = store.export().splitlines()
    for bad in ("{not json", '{"id": 1}', "[]"):
        text = "\n".join([good[0], bad] + good[1:]) + "\n"
        with pytest.raises(keyrack.InvalidArgument) as checked:
            target.check_import_json_lines(text)
        with pytest.raises(keyrack.InvalidArgument) as imported:
            target.import_json_lines(text)
        for e in (checked, imported):
            assert e.value.line == 2 and e.value.field == "record"
            assert e.value.reason is not None and e.value.reason.startswith("line 2:")
        assert str(checked.value) == str(imported.value)  # the same refusal
    with pytest.raises(keyrack.InvalidArgument) as e:
        target.check_import_json_lines(good[0] + "\n\n{")
    assert e.value.line == 3
    assert len(target.list()) == 0


def test_an_existing_id_is_listed_then_refused_with_its_line(
    store: keyrack.Store, target: keyrack.Store, clock: keyrack.ManualClock
) -> None:
    fill(store, clock)
    lines = store.export().splitlines()
    assert target.import_json_lines(lines[2]) == 1
    text = "\n".join(lines)
    check = target.check_import_json_lines(text)
    assert check.already_present == [(3, json.loads(lines[2])["id"])]
    with pytest.raises(keyrack.InvalidArgument) as e:
        target.import_json_lines(text)
    assert e.value.line == 3 and e.value.reason is not None and e.value.reason.startswith("line 3:")


def test_a_store_failure_has_no_line(path: Path, tmp_path: Path) -> None:
    with keyrack.Store(tmp_path / "other.redb") as other:
        other.issue("b")
        foreign = other.export()
    keyrack.Store(path).close()
    with keyrack.Store(path, read_only=True) as ro:
        assert ro.check_import_json_lines(foreign).records == 1  # a dry run reads only
        with pytest.raises(keyrack.ReadOnly) as e:
            ro.import_json_lines(foreign)
        assert getattr(e.value, "line") is None
    with pytest.raises(keyrack.Closed):
        ro.check_import_json_lines(foreign)
    with pytest.raises(TypeError):
        ro.check_import_json_lines(b"{}")  # type: ignore[arg-type]
