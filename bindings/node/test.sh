#!/usr/bin/env bash
# The Node binding's checks (make node-test): install the pinned toolchain
# (npm ci from package-lock.json), build the addon with napi-rs, fail when the
# build changes the checked-in index.d.ts or index.js (bless.sh regenerates
# them), run node:test (test/<room>.test.js for each room of src/, the shared
# vectors, unknown options, processes, the README's examples) and tsc
# --strict on a TypeScript example. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/keyrack-target}"

command -v node >/dev/null || { echo "node-test: node is not installed" >&2; exit 1; }
echo "node-test: node $(node --version), npm $(npm --version)"

if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  npm install --no-audit --no-fund
fi

# Build, then compare the generated files with the committed ones.
generated=(index.d.ts index.js)
before=$(mktemp -d)
trap 'rm -rf "$before"' EXIT
for f in "${generated[@]}"; do
  [ -f "$f" ] && cp "$f" "$before/$f"
done
npm run build
stale=0
for f in "${generated[@]}"; do
  if ! cmp -s "$f" "$before/$f"; then
    echo "node-test: the build changed $f; run bash bindings/node/bless.sh and commit it:" >&2
    diff -u "$before/$f" "$f" >&2 || true
    stale=1
  fi
done
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  for f in "${generated[@]}"; do
    if ! git diff --quiet HEAD -- "$f" 2>/dev/null; then
      echo "node-test: $f differs from the committed version (bless.sh regenerates it; commit it)" >&2
      git --no-pager diff HEAD -- "$f" >&2 || true
      stale=1
    fi
  done
fi
[ "$stale" = 0 ] || exit 1

./node_modules/.bin/tsc --noEmit --strict --module nodenext --moduleResolution nodenext \
  --target es2022 --types node test/types.ts
echo "node-test: tsc --strict passed on test/types.ts"

node --test test/
