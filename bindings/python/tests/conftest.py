"""Shared fixtures: a fresh store file per test, and a manual clock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, List

import pytest

import keyrack

#: Where the shared vectors live (tests/vectors at the repository root).
VECTORS = Path(
    os.environ.get(
        "KEYRACK_VECTORS", Path(__file__).resolve().parents[3] / "tests" / "vectors"
    )
)

START = datetime(2026, 1, 1, tzinfo=timezone.utc)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "keys.redb"


@pytest.fixture
def clock() -> keyrack.ManualClock:
    return keyrack.ManualClock(START)


@pytest.fixture
def store(path: Path, clock: keyrack.ManualClock) -> Iterator[keyrack.Store]:
    s = keyrack.Store(path, prefixes=["sk_test"], clock=clock)
    try:
        yield s
    finally:
        try:
            s.close()
        except keyrack.WrongProcess:  # pragma: no cover - only in a forked child
            pass


def secret_part(key: str) -> str:
    """The body and check of a key: what must never appear in any output."""
    return key.rsplit("_", 1)[1]


def crash_after(script: str, args: List[str]) -> None:
    """Runs `script` (Python, `sys.argv[1:]` = args) in a child process until
    it prints `ready`, then kills it with SIGKILL: a writer that crashed."""
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        for line in child.stdout:
            if line.strip() == "ready":
                break
        else:
            raise AssertionError(f"the child ended early (exit {child.wait()})")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
