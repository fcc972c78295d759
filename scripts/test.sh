#!/usr/bin/env bash
# `npm test`: everything a fresh clone needs, then every test.
#   1. Node.js 24 (scripts/node-env.sh) and the npm dependencies (npm ci) when missing or older than the lock file
#   2. the typecheck (tsc -b, strict), the compose check, and (full run only) the deployment checks
#      (scripts/check-deploy.sh: the Helm chart linted, rendered and validated; the alerting rules through
#      promtool; the chart and dashboard tests; its tools built once from the Go module proxy and Debian)
#   3. the unit loop: every *.test.ts that is not *.integration.test.ts and not in test/e2e (no service needed)
#   4. Debian's chromium for the status page's browser test (scripts/ensure-chromium.sh: once, as root), and
#      the native stack (stack/stack.sh up: idempotent; installs and starts what is missing)
#   5. the integration tests (*.integration.test.ts, beside the code), the end-to-end tests (test/e2e), and
#      every bench at small size (bench/benches.integration.test.ts)
# `npm run test:unit` (--unit) runs step 3 only: it starts nothing, and a unit test that opens a network
# connection fails (test/support/refuse-connections.ts).
# Pass test files to run only those (the stack is started when one of them needs it):
#   npm test -- test/e2e/pipeline.test.ts
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
source scripts/node-env.sh

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[test] installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi

unit_files() {
  find packages services test bench -name '*.test.ts' -not -name '*.integration.test.ts' \
    -not -path '*/node_modules/*' -not -path '*/dist/*' -not -path 'test/e2e/*' | sort
}
# Beside the code first, then end to end, then the benches (the slowest to say what broke).
stack_files() {
  find packages services test -name '*.integration.test.ts' -not -path '*/node_modules/*' -not -path '*/dist/*' | sort
  find test/e2e -name '*.test.ts' | sort
  find bench -name '*.integration.test.ts' | sort
}
needs_stack() {
  local file
  for file in "$@"; do
    case "$file" in *.integration.test.ts | test/e2e/* | ./test/e2e/*) return 0 ;; esac
  done
  return 1
}
# --test-force-exit: a file whose tests are done ends even if a client it forgot keeps a socket open (one
# such file once held CI for ten minutes before its process ended).
node_test() {
  node --conditions=source --import tsx --test --test-force-exit --test-reporter=spec "$@"
}
unit_loop() {
  local files
  mapfile -t files < <(unit_files)
  echo "[test] unit loop: ${#files[@]} test files, no service needed ($(node --version))"
  # One process for every file (no child per file): on a busy 2-core machine a third of the time.
  node_test --test-isolation=none --import "$root/test/support/refuse-connections.ts" --test-timeout=60000 "${files[@]}"
}

if [ "${1:-}" = --unit ]; then
  unit_loop
  exit 0
fi

echo "[test] typecheck"
npx tsc -b
npx tsc -p bench

echo "[test] docker-compose.yml and Dockerfile agree with the native stack"
python3 -c 'import yaml' 2>/dev/null || python3 -m pip install --quiet pyyaml
python3 scripts/check-compose.py

needs_browser() {
  local file
  for file in "$@"; do
    case "$file" in *status-page*.test.ts) return 0 ;; esac
  done
  return 1
}

if [ $# -gt 0 ]; then
  needs_browser "$@" && bash scripts/ensure-chromium.sh
  needs_stack "$@" && bash stack/stack.sh up
  echo "[test] $# test files"
  node_test --test-concurrency="${PGSHIFT_TEST_CONCURRENCY:-1}" --test-timeout=900000 "$@"
  exit 0
fi

bash scripts/check-deploy.sh
unit_loop
bash scripts/ensure-chromium.sh
bash stack/stack.sh up
mapfile -t files < <(stack_files)
echo "[test] integration, end-to-end and bench tests: ${#files[@]} test files against the stack"
node_test --test-concurrency="${PGSHIFT_TEST_CONCURRENCY:-1}" --test-timeout=900000 "${files[@]}"
