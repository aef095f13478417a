#!/usr/bin/env bash
# keyrack's "main job" in one go (`make demo`): build the `keyrack` command,
# then on ./keyrack.redb (or $KEYRACK_DB) issue a key, verify it, revoke it,
# and verify it again to see `revoked`. Needs only Rust (cargo) and bash.
# Re-runnable: each run adds one more (revoked) demo key to the same file.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
db="${KEYRACK_DB:-./keyrack.redb}"

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }

step "build the keyrack command"
cargo build --quiet --manifest-path "$root/Cargo.toml" -p keyrack-cli --bin keyrack
target_dir="$(cargo metadata --quiet --format-version 1 --no-deps --manifest-path "$root/Cargo.toml" |
    sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
keyrack="$target_dir/debug/keyrack"
[ -x "$keyrack" ] || { echo "demo: no binary at $keyrack" >&2; exit 1; }
echo "built $keyrack; store file: $db"

step "keyrack issue --name demo --scope demo"
issued="$("$keyrack" --db "$db" issue --name demo --scope demo --json)"
id="$(printf '%s' "$issued" | sed -n 's/^{"id":"\([^"]*\)".*/\1/p')"
key="$(printf '%s' "$issued" | sed -n 's/^{"id":"[^"]*","key":"\([^"]*\)".*/\1/p')"
if [ -z "$id" ] || [ -z "$key" ]; then
    echo "demo: could not read the issued key" >&2
    exit 1
fi
echo "id:  $id"
echo "key: $key   (shown once; this demo revokes it below)"

# The key goes on stdin so it stays out of `ps` and shell history.
# It fails the demo when the exit code is not the one expected.
verify() {
    local expected="$1" code=0
    "$keyrack" --db "$db" verify --scope demo <<<"$key" || code=$?
    echo "exit code: $code"
    if [ "$code" != "$expected" ]; then
        echo "demo: expected exit code $expected" >&2
        exit 1
    fi
}

step "keyrack verify  (key on stdin; exit 0 only when valid)"
verify 0

step "keyrack revoke $id"
"$keyrack" --db "$db" revoke "$id"

step "keyrack verify  (again: now revoked, exit 20)"
verify 20

step "keyrack audit --id $id"
"$keyrack" --db "$db" audit --id "$id"
