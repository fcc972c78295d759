#!/usr/bin/env bash
# `npm run demo`: the whole stack, then the pipeline replicating a sample shop schema continuously.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/node-env.sh

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[demo] installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi
bash stack/stack.sh up
exec node --conditions=source --import tsx scripts/demo.ts "$@"
