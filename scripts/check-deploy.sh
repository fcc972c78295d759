#!/usr/bin/env bash
# The deployment artefacts' checks (part of `npm test`'s full run; needs no stack and no network once built):
#   1. helm lint --strict of deploy/helm/pgshift with each value set in deploy/helm/pgshift/ci/
#   2. helm template of each value set, validated against the Kubernetes API types
#      (deploy/tools/validate-manifests: strict decoding into k8s.io/api and the Prometheus Operator's types)
#   3. promtool check rules and promtool test rules of deploy/prometheus/
#   4. the chart, dashboard and rules tests (test/deploy/*.test.ts), with the tools required (never skipped)
# Tools come from the allowed sources and are cached under ${PGSHIFT_CACHE_DIR:-$HOME/.cache/pgshift}:
#   helm                from the Go module proxy (go install helm.sh/helm/v3/cmd/helm@HELM_VERSION): ~3.5 min once
#   validate-manifests  built from deploy/tools/validate-manifests (k8s.io/api, client-go, prometheus-operator
#                       modules from the Go module proxy): ~40 s once, rebuilt when its source changes
#   promtool            from Debian's `prometheus` package, unpacked (not installed: no server is set up or started)
# The first run, with an empty cache, took 371 s on this 2-core machine (beside other work: helm is most of
# it); after that the checks take about 8 s.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
source deploy/tools/versions.env
CACHE="${PGSHIFT_CACHE_DIR:-$HOME/.cache/pgshift}"
BIN="$CACHE/go/bin"
LOGS="$CACHE/logs"
mkdir -p "$BIN" "$LOGS"
start=$SECONDS

log() { printf '\033[1m[deploy]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[deploy] %s\033[0m\n' "$*" >&2; exit 1; }

apt_install() {
  log "installing Debian packages: $*"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

go_env() { env GOPATH="$CACHE/go/path" GOFLAGS=-modcacherw "$@"; }

install_helm() {
  HELM="$BIN/helm-$HELM_VERSION"
  [ -x "$HELM" ] && return
  command -v go >/dev/null || apt_install golang-go
  log "building helm $HELM_VERSION from the Go module proxy (about 3.5 minutes on 2 cores, once)"
  local gobin; gobin=$(mktemp -d)
  go_env GOBIN="$gobin" go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >"$LOGS/install-helm.log" 2>&1 ||
    die "go install of helm failed; its log: $LOGS/install-helm.log"
  mv "$gobin/helm" "$HELM" && rmdir "$gobin"
}

install_validator() {
  local src=deploy/tools/validate-manifests hash
  hash=$(cat "$src/main.go" "$src/go.mod" "$src/go.sum" | sha256sum | cut -c1-12)
  VALIDATE="$BIN/validate-manifests-$hash"
  [ -x "$VALIDATE" ] && return
  command -v go >/dev/null || apt_install golang-go
  log "building the manifest validator (k8s.io/api from the Go module proxy; about 40 s, once)"
  rm -f "$BIN"/validate-manifests-*   # builds of earlier sources
  (cd "$src" && go_env go build -o "$VALIDATE" .) >"$LOGS/build-validate-manifests.log" 2>&1 ||
    die "building $src failed; its log: $LOGS/build-validate-manifests.log"
}

install_promtool() {
  PROMTOOL=$(ls -1 "$CACHE"/prometheus-*/promtool 2>/dev/null | tail -n 1 || true)
  [ -n "$PROMTOOL" ] && [ -x "$PROMTOOL" ] && return
  command -v apt-get >/dev/null || die "promtool comes from Debian's prometheus package: apt-get is needed"
  log "unpacking promtool from Debian's prometheus package (about 20 MB, once)"
  local scratch; scratch=$(mktemp -d)
  chmod 777 "$scratch"   # apt-get download runs as _apt where it can
  if ! (cd "$scratch" && apt-get download prometheus >/dev/null 2>&1); then
    apt-get update -qq >/dev/null
    (cd "$scratch" && apt-get download prometheus >/dev/null 2>&1) || die "apt-get download prometheus failed"
  fi
  local deb; deb=$(ls "$scratch"/prometheus_*.deb)
  local version; version=$(dpkg-deb -f "$deb" Version)
  dpkg-deb -x "$deb" "$scratch/root"
  mkdir -p "$CACHE/prometheus-$version"
  mv "$scratch/root/usr/bin/promtool" "$CACHE/prometheus-$version/promtool"
  rm -rf "$scratch"
  PROMTOOL="$CACHE/prometheus-$version/promtool"
}

install_helm
install_validator
install_promtool

chart=deploy/helm/pgshift
rendered=$(mktemp -d)
trap 'rm -rf "$rendered"' EXIT

for values in "$chart"/ci/*-values.yaml; do
  name=$(basename "$values" -values.yaml)
  log "chart with $name: lint, render, validate"
  "$HELM" lint --strict --quiet --kube-version "$KUBE_VERSION" "$chart" -f "$values" >"$rendered/$name.lint" 2>&1 ||
    { cat "$rendered/$name.lint"; die "helm lint failed with $values"; }
  "$HELM" template pgshift "$chart" --namespace pgshift --kube-version "$KUBE_VERSION" -f "$values" >"$rendered/$name.yaml" ||
    die "helm template failed with $values"
  "$VALIDATE" "$rendered/$name.yaml" || die "the manifests rendered with $values are not valid"
done

log "alerting rules: promtool check rules, promtool test rules ($("$PROMTOOL" --version 2>&1 | head -n 1))"
"$PROMTOOL" check rules deploy/prometheus/pgshift-rules.yml
(cd deploy/prometheus && "$PROMTOOL" test rules pgshift-rules.test.yml)

log "chart, dashboard and rules tests"
source scripts/node-env.sh
[ -f node_modules/.package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error
PGSHIFT_DEPLOY_TOOLS_REQUIRED=1 PGSHIFT_HELM="$HELM" \
  node --conditions=source --import tsx --test --test-reporter=spec test/deploy/*.test.ts

log "deploy checks passed in $((SECONDS - start))s"
