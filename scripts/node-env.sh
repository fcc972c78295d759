#!/usr/bin/env bash
# The Node.js pgshift runs on (24, the current LTS line), whatever `node` the machine has.
#   source scripts/node-env.sh              puts a Node.js 24 first on PATH
#   bash scripts/node-env.sh node args…     the same, then runs the command (for package.json scripts)
# When the machine's `node` is older, the official binary is installed once from the npm registry
# (package node-linux-<arch>, whose bin/node is the nodejs.org build; npm checks its integrity) into
# the stack's download cache, beside Kafka and the other downloads (stack/stack.sh chooses the same dir).
# `npm run x` itself starts under the machine's node: everything it runs goes through this script.

PGSHIFT_NODE_VERSION=24.22.3
PGSHIFT_NODE_MAJOR=${PGSHIFT_NODE_VERSION%%.*}

pgshift_node_env() {
  local major
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  [ "$major" -ge "$PGSHIFT_NODE_MAJOR" ] && return 0

  local root cache arch dir
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  cache="${PGSHIFT_CACHE_DIR:-$root/.stack/cache}"
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "[node] no Node.js $PGSHIFT_NODE_VERSION build for $(uname -m); install Node.js >= $PGSHIFT_NODE_MAJOR" >&2; return 1 ;;
  esac
  dir="$cache/node-v$PGSHIFT_NODE_VERSION-linux-$arch"

  if [ ! -x "$dir/bin/node" ]; then
    echo "[node] $(node --version 2>/dev/null || echo 'no node') is older than $PGSHIFT_NODE_MAJOR: installing Node.js $PGSHIFT_NODE_VERSION into $dir" >&2
    local scratch
    mkdir -p "$cache" && scratch=$(mktemp -d "$cache/.node-XXXXXX") || return 1
    # npm pack downloads and verifies the tarball only: no install scripts run, nothing else is fetched.
    if ! (cd "$scratch" && npm pack --silent "node-linux-$arch@$PGSHIFT_NODE_VERSION" >/dev/null) ||
      ! mkdir -p "$scratch/node" ||
      ! tar xzf "$scratch"/node-linux-*.tgz -C "$scratch/node" --strip-components=1 package/bin/node package/LICENSE; then
      rm -rf "$scratch"
      echo "[node] could not install Node.js $PGSHIFT_NODE_VERSION from the npm registry" >&2
      return 1
    fi
    # A rename, so a concurrent run never sees half a binary (the loser of a race keeps the winner's).
    mv -T "$scratch/node" "$dir" 2>/dev/null || true
    rm -rf "$scratch"
  fi
  export PATH="$dir/bin:$PATH"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  pgshift_node_env
  exec "$@"
else
  pgshift_node_env || return 1
fi
