"""The exception tree mirrors the core's ErrorKind list, and no secret leaks."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

import keyrack
from keyrack import _keyrack

from conftest import crash_after, secret_part

# The builtin each kind must also be (where one fits).
BUILTIN = {
    "INVALID_ARGUMENT": ValueError,
    "NOT_FOUND": LookupError,
    "WRONG_PROCESS": RuntimeError,
    "PEPPER_MISMATCH": ValueError,
    "IO": OSError,
    "CLOSED": ValueError,
}


def classes() -> dict:
    return {
        c.code: c
        for c in vars(keyrack).values()
        if isinstance(c, type) and issubclass(c, keyrack.Error) and c is not keyrack.Error
    }


def test_every_core_error_kind_has_its_exception_class() -> None:
    """Walks the core's ErrorKind::ALL; fails when the core adds a kind Python lacks."""
    assert keyrack.ERROR_KINDS is _keyrack.ERROR_KINDS  # the core's list, at the top level
    assert "ERROR_KINDS" in keyrack.__all__
    kinds = [name for name, _ in keyrack.ERROR_KINDS]
    assert kinds, "keyrack exports ERROR_KINDS"
    assert [code for _, code in keyrack.ERROR_KINDS] == list(range(1, len(kinds) + 1))
    missing = [k for k in kinds if k not in classes()]
    assert not missing, f"no keyrack exception class for core error kinds {missing}"
    assert sorted(classes()) == sorted(kinds), "a Python class has no core kind"


@pytest.mark.parametrize("code,cls", sorted(classes().items()))
def test_each_class_is_an_error_with_its_code(code: str, cls: type) -> None:
    assert issubclass(cls, keyrack.Error)
    assert cls.code == code
    exc = cls("x")
    assert exc.code == code
    if code in BUILTIN:
        assert isinstance(exc, BUILTIN[code])
    # The class name is the core's kind in CamelCase: NOT_FOUND -> NotFound (IO -> Io).
    assert cls.__name__ == "".join(w.capitalize() for w in code.split("_"))


def test_errors_are_raised_as_their_class(store: keyrack.Store) -> None:
    with pytest.raises(keyrack.NotFound) as nf:
        store.get("key_0000000000000000000000")
    assert isinstance(nf.value, LookupError)
    assert nf.value.code == "NOT_FOUND"
    assert nf.value.id == "key_0000000000000000000000"

    with pytest.raises(ValueError) as ia:
        store.issue(prefix="nope")
    assert isinstance(ia.value, keyrack.InvalidArgument)
    assert ia.value.field == "prefix"


def test_a_secret_passed_as_an_id_never_reaches_the_message(store: keyrack.Store) -> None:
    issued = store.issue(name="ci")
    for verb in (store.get, store.revoke, store.enable, store.disable):
        with pytest.raises(keyrack.NotFound) as e:
            verb(issued.key)
        shown = f"{e.value} {e.value!r} {e.value.args} {e.value.id}"
        assert secret_part(issued.key) not in shown
    with pytest.raises(keyrack.NotFound) as e2:
        store.update(issued.key, name="x")
    assert secret_part(issued.key) not in f"{e2.value!r}"
    with pytest.raises(keyrack.NotFound) as e3:
        store.rotate(issued.key)
    assert secret_part(issued.key) not in f"{e3.value!r}"


def test_no_secret_in_any_repr_or_str(store: keyrack.Store) -> None:
    issued = store.issue(name="ci", owner="org", scopes=["a"])
    v = store.verify(issued.key)
    rotated = store.rotate(issued.id, grace=None)
    for obj in (issued, issued.record, v, v.record, store, rotated, rotated.record, store.list()):
        for text in (repr(obj), str(obj)):
            assert secret_part(issued.key) not in text
            assert secret_part(rotated.key) not in text
    assert issued.record.hint in repr(issued)
    assert "redacted" in repr(issued)


def test_pepper_mismatch(path: Path) -> None:
    keyrack.Store(path, pepper=b"\x01" * 32).close()
    with pytest.raises(keyrack.PepperMismatch) as e:
        keyrack.Store(path, pepper=b"\x02" * 32)
    assert isinstance(e.value, ValueError)
    with pytest.raises(keyrack.PepperMismatch):
        keyrack.Store(path)
    with pytest.raises(keyrack.InvalidArgument) as short:
        keyrack.Store(path, pepper=b"short")
    assert short.value.field == "pepper"
    keyrack.Store(path, pepper=b"\x01" * 32).close()


def test_read_only(path: Path) -> None:
    with keyrack.Store(path) as s:
        key = s.issue(name="x").key
    with keyrack.Store(path, read_only=True) as ro:
        assert ro.read_only
        assert ro.verify(key)
        with pytest.raises(keyrack.ReadOnly):
            ro.issue(name="y")


def test_io_error_is_an_oserror(tmp_path: Path) -> None:
    with pytest.raises(keyrack.Io) as e:
        keyrack.Store(tmp_path / "no" / "such" / "dir" / "k.redb")
    assert isinstance(e.value, OSError)
    with pytest.raises(keyrack.Io):
        keyrack.Store(tmp_path / "missing.redb", create=False)
    assert not (tmp_path / "missing.redb").exists()


def test_a_file_that_is_not_a_store_is_corrupted(path: Path) -> None:
    path.write_bytes(b"\x5a" * 5000)
    with pytest.raises(keyrack.Corrupted) as e:
        keyrack.Store(path)
    assert e.value.code == "CORRUPTED"
    path.write_bytes(os.urandom(5000))
    with pytest.raises(keyrack.Corrupted):
        keyrack.Store(path)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_read_only_open_after_a_writer_crash_needs_recovery(path: Path) -> None:
    crash_after(
        """
        import sys, time, keyrack
        store = keyrack.Store(sys.argv[1])
        store.issue(name="k")
        print("ready", flush=True)
        time.sleep(60)
        """,
        [str(path)],
    )
    try:
        ro = keyrack.Store(path, read_only=True)
    except keyrack.NeedsRecovery as e:  # the core may also find nothing to recover
        assert e.code == "NEEDS_RECOVERY" and isinstance(e, keyrack.Error)
        assert e.path == str(path)
        assert "read-write" in str(e)
    else:
        assert len(ro.list()) == 1
        ro.close()
    keyrack.Store(path).close()  # a read-write open recovers it...
    with keyrack.Store(path, read_only=True) as ro:  # ...and read-only opens work after
        assert len(ro.list()) == 1
