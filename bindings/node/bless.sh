#!/usr/bin/env bash
# Regenerates the Node binding's checked-in generated files, index.js and
# index.d.ts, by rebuilding the addon with napi-rs exactly as test.sh does
# (`npm run build`). Installs the pinned toolchain first (npm ci) when
# node_modules is missing. Runs no test: test.sh fails while the committed
# files differ from what this writes. Called by `make bless`.
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/keyrack-target}"

command -v node >/dev/null || { echo "node-bless: node is not installed" >&2; exit 1; }
if [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund
fi
npm run build
for f in index.js index.d.ts; do
  if git diff --quiet HEAD -- "$f" 2>/dev/null; then
    echo "node-bless: $f unchanged"
  else
    echo "node-bless: $f regenerated (commit it)"
  fi
done
