#!/usr/bin/env bash
# Debian's chromium, for the status page's browser test (test/e2e/status-page.test.ts, through playwright-core;
# Playwright's own browser download cannot work here). Idempotent: nothing happens once /usr/bin/chromium
# exists. apt keeps the downloaded .deb files in its cache (/var/cache/apt/archives) for a reinstall.
set -euo pipefail
chromium=${PGSHIFT_CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "[chromium] $chromium is missing: install it as root (apt-get install chromium) for the status page test" >&2
  exit 1
fi
echo "[chromium] installing Debian's chromium (about a minute, once)"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 || {
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
}
"$chromium" --version
