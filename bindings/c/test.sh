#!/usr/bin/env bash
# C binding checks (`make c-test`): header and generated vectors fresh, header
# compiles as C++, then every C test built with -std=c99 -Wall -Wextra -Werror
# and run twice: against libkeyrack.so under valgrind, and against
# libkeyrack.a with ASan+UBSan. `bash bindings/c/bless.sh` rewrites the
# generated files (KEYRACK_BLESS=1 runs it first, then the checks).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/keyrack-target}"
LIB="$CARGO_TARGET_DIR/debug"
CFLAGS=(-std=c99 -Wall -Wextra -Werror -g -I"$ROOT/include" -I"$ROOT/tests/c")
# What libkeyrack.a needs from the system (`--print native-static-libs`).
STATIC_LIBS=(-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc)
VALGRIND=(valgrind -q --fair-sched=yes --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,possible
          --child-silent-after-fork=yes --suppressions="$ROOT/tests/c/valgrind.supp")

passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

need() { command -v "$1" >/dev/null 2>&1; }
for tool in cc g++ python3; do need "$tool" || { echo "c-test: $tool is required" >&2; exit 1; }; done
if ! need valgrind; then
    echo "c-test: installing valgrind" >&2
    apt-get update -qq && apt-get install -y -qq valgrind >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. Build, and regenerate the header with the pinned cbindgen (build.rs).
if [[ "${KEYRACK_BLESS:-0}" == 1 ]]; then bash bindings/c/bless.sh; fi
KEYRACK_C_HEADER="$work/keyrack.h" cargo build -q -p keyrack-c
if diff -u include/keyrack.h "$work/keyrack.h"; then pass; else
    fail "include/keyrack.h is stale: run bash bindings/c/bless.sh"; fi

# 2. The C vectors must match tests/vectors/*.json.
python3 tests/c/gen_vectors.py "$ROOT" "$work/vectors_data.c"
if diff -q tests/c/vectors_data.c "$work/vectors_data.c" >/dev/null; then pass; else
    fail "tests/c/vectors_data.c is stale: run bash bindings/c/bless.sh"; fi

# 3. The header compiles as C99 and as C++.
printf '#include "keyrack.h"\nint main(void) { return (int)keyrack_outcome_http_status(KEYRACK_OUTCOME_VALID) - 200; }\n' > "$work/hdr.c"
cp "$work/hdr.c" "$work/hdr.cpp"
if cc "${CFLAGS[@]}" -pedantic -fsyntax-only "$work/hdr.c" &&
   g++ -std=c++11 -Wall -Wextra -Werror -pedantic -I"$ROOT/include" -fsyntax-only "$work/hdr.cpp"; then pass; else
    fail "include/keyrack.h does not compile as C99 and C++11"; fi

# 4. The README's examples: its ```c blocks, in order, each a whole program.
readme_block() { # n: the n-th ```c block
    awk -v n="$1" '/^```c$/ { if (++seen == n) on = 1; next } on && /^```$/ { exit } on' bindings/c/README.md
}
readme_block 1 > "$work/readme_example.c"
readme_block 2 > "$work/readme_transfer.c"
readme_block 3 > "$work/readme_read.c"
readme_block 4 > "$work/readme_credits.c"

# 5. Build every program both ways and run it: one test program per room of
# the core (tests/c/test_<room>.c), then errors, threads, vectors, README.
ROOMS=(open verify issue manage read pool transfer)
declare -A SOURCES=(
    [test_errors]="tests/c/test_errors.c"
    [test_threads]="tests/c/test_threads.c"
    [test_vectors]="tests/c/test_vectors.c tests/c/vectors_data.c"
    [readme_example]="$work/readme_example.c"
    [readme_transfer]="$work/readme_transfer.c"
    [readme_read]="$work/readme_read.c"
    [readme_credits]="$work/readme_credits.c"
)
PROGRAMS=()
for room in "${ROOMS[@]}"; do SOURCES[test_$room]="tests/c/test_$room.c"; PROGRAMS+=("test_$room"); done
PROGRAMS+=(test_errors test_threads test_vectors readme_example readme_transfer readme_read readme_credits)
# A test file that is not built here would silently never run.
for file in tests/c/test_*.c; do
    name=$(basename "$file" .c)
    [[ -n ${SOURCES[$name]:-} ]] || fail "$file is not built by bindings/c/test.sh"
done
run() { # name, mode, command...
    local name=$1 mode=$2; shift 2
    local out="$work/$name.$mode.out"
    local dir; dir=$(mktemp -d)
    if [[ $name == readme_* ]]; then set -- "$@" "$dir/keys.redb" "$dir/copy.redb"; fi
    if "$@" >"$out" 2>&1; then status=0; else status=$?; fi
    rm -rf "$dir"
    if [[ $name == readme_* ]]; then
        local want=()
        case $name in
            readme_example) want=('^valid -> 200' '^revoked -> 403') ;;
            readme_transfer) want=('^exported 1 record' '^check: 1 record(s), 0 pool(s), 0 already present'
                                   '^imported 1 record' '^refused: .*line 1: ' '^check again: line 1 already present'
                                   '^refused line 2: ' '^rotated key: valid$' '^compacted: ') ;;
            readme_read) want=('^key ci-0 ' '^key ci-4 ' '^listed 5 key(s)' '^event issued ' '^audited 5 event(s)'
                               '^headers: valid -> 200' '^no headers: missing -> 401') ;;
            readme_credits) want=('^prefix sk_live$' '^prefix sk_test$' '^first: valid$' '^spent: usage_exceeded$'
                                  '^topped up: 100 left$' '^pool org_42: 500$' '^health: ok$'
                                  '^read-only verify: KEYRACK_READ_ONLY$' '^read-only check: valid$') ;;
        esac
        local ok=$((status == 0)) w
        for w in "${want[@]}"; do grep -q "$w" "$out" || ok=0; done
        if [[ $ok == 1 ]]; then pass; else cat "$out" >&2; fail "$name ($mode) exited $status"; fi
        return
    fi
    local line; line=$(grep '^RESULT ' "$out" | tail -1 || true)
    if [[ -z $line ]]; then cat "$out" >&2; fail "$name ($mode) crashed (exit $status)"; return; fi
    local p f
    p=$(sed -E 's/.*passed=([0-9]+).*/\1/' <<<"$line")
    f=$(sed -E 's/.*failed=([0-9]+).*/\1/' <<<"$line")
    passed=$((passed + p)); failed=$((failed + f))
    if [[ $status != 0 && $f == 0 ]]; then cat "$out" >&2; fail "$name ($mode): exit $status (memory errors?)"; fi
    if [[ $f != 0 ]]; then cat "$out" >&2; fi
    echo "  $name ($mode): $p passed, $f failed"
}
for name in "${PROGRAMS[@]}"; do
    read -r -a src <<<"${SOURCES[$name]}"
    if cc "${CFLAGS[@]}" -pthread -o "$work/$name.so.bin" "${src[@]}" -L"$LIB" -lkeyrack -Wl,-rpath,"$LIB"; then
        run "$name" valgrind "${VALGRIND[@]}" "$work/$name.so.bin"
    else fail "$name does not compile (shared)"; fi
    if cc "${CFLAGS[@]}" -pthread -fsanitize=address,undefined -fno-sanitize-recover=undefined \
          -fno-omit-frame-pointer -o "$work/$name.asan.bin" "${src[@]}" "$LIB/libkeyrack.a" "${STATIC_LIBS[@]}"; then
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
            run "$name" asan "$work/$name.asan.bin"
    else fail "$name does not compile (static, sanitizers)"; fi
done

echo "c tests: $passed passed, $failed failed"
[[ $failed == 0 ]]
