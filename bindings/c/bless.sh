#!/usr/bin/env bash
# Regenerates the C binding's checked-in files and nothing else (no tests):
# include/keyrack.h (cbindgen, pinned, through build.rs) and
# tests/c/vectors_data.c (from tests/vectors/*.json). `make bless` calls it;
# bindings/c/test.sh fails while either is stale.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/keyrack-target}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# build.rs writes the header wherever KEYRACK_C_HEADER points; `check` runs
# it without compiling the library.
KEYRACK_C_HEADER="$work/keyrack.h" cargo check -q -p keyrack-c
cp "$work/keyrack.h" include/keyrack.h
python3 tests/c/gen_vectors.py "$PWD" tests/c/vectors_data.c
echo "c-bless: wrote include/keyrack.h and tests/c/vectors_data.c"
