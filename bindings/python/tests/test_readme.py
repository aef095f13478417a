"""Runs every ```python block of README.md, in order, in one fresh directory."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import List

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def blocks() -> List[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_has_examples() -> None:
    assert len(blocks()) >= 6


def test_readme_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for i, code in enumerate(blocks()):
        namespace: dict = {"__name__": f"readme_block_{i}"}
        try:
            exec(compile(code, f"README.md block {i}", "exec"), namespace)
        except BaseException as e:
            pytest.fail(f"README block {i} failed: {e!r}\n{code}")
        # Close anything a block left open so the next one starts clean.
        for value in namespace.values():
            close = getattr(value, "close", None)
            if type(value).__name__ == "Store" and close is not None:
                close()
    assert sorted(os.listdir(tmp_path))  # the examples wrote their files here
