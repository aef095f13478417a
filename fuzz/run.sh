#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for FUZZ_SECONDS each (default 20)
# with cargo-fuzz, installed here at a pinned version when missing. Only a
# stable toolchain is needed: RUSTC_BOOTSTRAP=1 lets it take the -Z flags
# cargo-fuzz passes (AddressSanitizer, coverage). Closes on "fuzz: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")"

CARGO_FUZZ_VERSION=0.13.2
root="$HOME/.cache/cargo-fuzz-$CARGO_FUZZ_VERSION"
if ! "$root/bin/cargo-fuzz" --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked --root "$root"
fi
export PATH="$root/bin:$PATH"
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$HOME/.cache/keyrack-fuzz-target}"
export RUSTC_BOOTSTRAP=1
seconds="${FUZZ_SECONDS:-20}"

if [ "$#" -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(cargo fuzz list); fi
cargo fuzz build -O

passed=0
failed=0
logs="${TMPDIR:-/tmp}/keyrack-fuzz-logs"
mkdir -p "$logs"
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  extra=()
  # The CLI prints a line per refused import: keep libFuzzer's own output only.
  if [ "$t" = import_lines ]; then extra=(-close_fd_mask=3); fi
  log="$logs/$t.log"
  if cargo fuzz run "$t" -O "corpus/$t" "seeds/$t" -- \
      -max_total_time="$seconds" -timeout=10 "${extra[@]}" >"$log" 2>&1; then
    passed=$((passed + 1))
    runs=$(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1 | grep -Eo '[0-9]+' | head -1)
    rate=$(grep -Eo 'exec/s: [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+')
    cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+')
    echo "fuzz: $t: ${runs:-?} runs in ${seconds}s (${rate:-?} exec/s, cov ${cov:-?}), no crash"
  else
    failed=$((failed + 1))
    echo "fuzz: $t FAILED (log: $log; reproducer under fuzz/artifacts/$t):"
    grep -E 'panicked|ERROR|SUMMARY|Test unit written' "$log" | head -8 || true
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
