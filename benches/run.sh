#!/usr/bin/env bash
# Runs every keyrack benchmark and prints the comparison tables (`make bench`).
#
#   bash benches/run.sh                    # 10,000 and 100,000 keys (~10 min on 2 cores)
#   KEYRACK_BENCH_FULL=1 bash benches/run.sh   # also 1,000,000 keys
#   bash benches/run.sh verify_valid       # criterion filter, passed through
#
# Rust: criterion (benches/benches/keyrack.rs). Python and Node: their
# bench_verify scripts, when present. The table is printed from criterion's
# estimates.json files written during this run (benches/report.py).
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-target}"
export CRITERION_HOME="${CRITERION_HOME:-$target/criterion}"
started=$(date +%s)

echo "== machine: $(nproc) cores, $(uname -sr); load: $(cut -d' ' -f1-3 /proc/loadavg)"
cargo bench -p keyrack-benches --bench keyrack -- "$@"

status=0
if [ -f benches/python/bench_verify.py ]; then
    # The binding's own venv (bindings/python/test.sh makes it) when it has keyrack.
    py="${KEYRACK_PYTHON:-$HOME/.cache/keyrack-venv/bin/python}"
    if ! [ -x "$py" ] || ! "$py" -c "import keyrack" 2>/dev/null; then py=python3; fi
    echo "== Python ($py): benches/python/bench_verify.py"
    "$py" benches/python/bench_verify.py || { echo "(Python bench failed: is keyrack installed? make python-test builds it)"; status=1; }
fi
if [ -f benches/node/bench_verify.js ]; then
    echo "== Node: benches/node/bench_verify.js"
    node benches/node/bench_verify.js || { echo "(Node bench failed)"; status=1; }
fi

echo
echo "== keyrack benches, this run (criterion medians; $(nproc) cores)"
python3 benches/report.py --since "$started"
exit $status
