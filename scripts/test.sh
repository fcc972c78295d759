#!/usr/bin/env bash
# `npm test`: everything a fresh clone needs, then every test against the real stack.
#   1. npm dependencies (npm ci) when node_modules is missing or older than the lock file
#   2. the native stack (stack/stack.sh up: idempotent; installs and starts what is missing)
#   3. the typecheck (tsc -b, strict)
#   4. unit tests beside the code, then end-to-end tests in test/e2e, with node's test runner
# Pass test files to run only those: npm test -- test/e2e/pipeline.test.ts
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[test] installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi

bash stack/stack.sh up

echo "[test] typecheck"
npx tsc -b
npx tsc -p bench

echo "[test] docker-compose.yml and Dockerfile agree with the native stack"
python3 -c 'import yaml' 2>/dev/null || python3 -m pip install --quiet pyyaml
python3 scripts/check-compose.py

if [ $# -gt 0 ]; then
  files=("$@")
else
  mapfile -t unit < <(find packages services -name '*.test.ts' -not -path '*/node_modules/*' | sort)
  mapfile -t e2e < <(find test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
  files=("${unit[@]}" "${e2e[@]}")
fi

echo "[test] ${#files[@]} test files"
exec node --conditions=source --import tsx --test --test-reporter=spec \
  --test-concurrency="${PGSHIFT_TEST_CONCURRENCY:-1}" --test-timeout=900000 "${files[@]}"
