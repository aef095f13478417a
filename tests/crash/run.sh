#!/usr/bin/env bash
# SIGKILL crash test (`make crash-test`): builds keyrack-crash in release and
# runs it. CRASH_CYCLES=N for a longer run (default 50, about a minute with the
# build cached); CRASH_SEED=S replays a run's choices; CRASH_DIR=D keeps files.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/keyrack-target}"
cargo build --release -p keyrack-crash
exec "$CARGO_TARGET_DIR/release/keyrack-crash"
