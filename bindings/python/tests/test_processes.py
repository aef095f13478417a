"""One writer per file, fork safety and close: what a web server's workers hit."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import keyrack


def test_second_store_in_this_process_is_already_open(path: Path) -> None:
    with keyrack.Store(path):
        with pytest.raises(keyrack.AlreadyOpen) as e:
            keyrack.Store(path)
        assert e.value.code == "ALREADY_OPEN"
        assert e.value.path == str(path)
        assert "already open" in str(e.value)
    keyrack.Store(path).close()  # free again once closed


def test_second_store_in_another_process_is_already_open(path: Path) -> None:
    script = textwrap.dedent(
        """
        import sys, keyrack
        try:
            keyrack.Store(sys.argv[1])
        except keyrack.AlreadyOpen as e:
            print("AlreadyOpen", e.code)
        else:
            print("opened")
        """
    )
    with keyrack.Store(path):
        out = subprocess.run(
            [sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True
        )
    assert out.stdout.split() == ["AlreadyOpen", "ALREADY_OPEN"], out.stderr
    out = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["opened"], out.stderr


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_forked_child_using_the_parents_handle_gets_wrong_process(store: keyrack.Store) -> None:
    key = store.issue().key
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: report what each call raised, never touch pytest
        os.close(r)
        results = []
        for call in (lambda: store.verify(key), lambda: store.issue(), lambda: store.close()):
            try:
                call()
                results.append("ok")
            except keyrack.WrongProcess as e:
                results.append(e.code)
            except BaseException as e:  # noqa: BLE001
                results.append(type(e).__name__)
        os.write(w, " ".join(results).encode())
        os._exit(0)
    os.close(w)
    with os.fdopen(r) as f:
        got = f.read().split()
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert got == ["WRONG_PROCESS"] * 3
    assert store.verify(key)  # the parent's handle is unaffected
