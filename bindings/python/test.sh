#!/usr/bin/env bash
# The Python binding's checks (`make python-test`): build and install the
# package the way a user does (`pip install ./bindings/python`), then run
# pytest, mypy.stubtest on the installed package and mypy --strict on the
# examples. Works on a fresh machine; reuses the venv and the Cargo target
# directory under ~/.cache when they are there. Exits non-zero on any failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

# Pinned tools: one place for their versions.
MATURIN="maturin==1.16.0"
PYTEST="pytest==9.2.0"
MYPY="mypy==2.4.1"

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/keyrack-target}"
venv="${KEYRACK_VENV:-$HOME/.cache/keyrack-venv}"
python="${PYTHON:-python3}"

step() { printf '\n== python: %s\n' "$*"; }

if ! "$venv/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 9))' 2>/dev/null; then
    step "creating the virtualenv $venv"
    rm -rf "$venv"
    "$python" -m venv "$venv"
fi
py="$venv/bin/python"
# The build backend runs `maturin` from PATH when build isolation is off.
export PATH="$venv/bin:$PATH"

step "pinned tools ($MATURIN, $PYTEST, $MYPY)"
"$py" -m pip install --quiet --disable-pip-version-check "$MATURIN" "$PYTEST" "$MYPY"

step "pip install ./bindings/python (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
# --no-build-isolation builds with the pinned maturin above; a user's plain
# `pip install ./bindings/python` fetches maturin per pyproject.toml instead.
(cd "$root" && "$py" -m pip install --quiet --disable-pip-version-check \
    --no-build-isolation --force-reinstall --no-deps ./bindings/python)

# Run from a directory without the source tree on sys.path, so every check
# sees the installed package, as a user would.
cd "$here"
"$py" -c 'import keyrack, os, sys; p = keyrack.__file__; assert "site-packages" in p, p'

step "pytest"
"$py" -m pytest -p no:cacheprovider -q tests

step "mypy.stubtest keyrack"
"$py" -m mypy.stubtest keyrack --allowlist "$here/stubtest-allowlist.txt"

step "mypy --strict examples/"
"$py" -m mypy --strict --cache-dir "$HOME/.cache/keyrack-mypy" "$here/examples"

step "python examples/service.py"
"$py" "$here/examples/service.py"

echo "python: all checks passed"
