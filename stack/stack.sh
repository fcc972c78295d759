#!/usr/bin/env bash
# The pgshift stack, natively, without Docker: every real component on loopback, installed from
# Debian packages, Maven Central, the Go module proxy and npm. All state lives under .stack/.
#
#   stack.sh up       install what is missing, start what is stopped, wait until all answer
#   stack.sh down     stop everything (state is kept; `stack.sh reset` wipes it)
#   stack.sh status   one line per service
#   stack.sh logs [SERVICE]   tail the logs
#   stack.sh reset    down, then delete .stack/ state (downloads are kept)
#   stack.sh stop|start|restart SERVICE   one service (pg-source pg-warehouse kafka registry connect s3)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=stack/ports.env
source "$ROOT/stack/ports.env"

STACK="${PGSHIFT_STACK_DIR:-$ROOT/.stack}"
CACHE="${PGSHIFT_CACHE_DIR:-$STACK/cache}"
LOGS="$STACK/logs"
RUN="$STACK/run"
PG_BIN="/usr/lib/postgresql/15/bin"
PG_SOCKETS="$STACK/pg-sockets"   # owned by the postgres user, which runs both clusters

KAFKA_VERSION=4.3.1
DEBEZIUM_VERSION=3.6.3.Final
APICURIO_VERSION=3.0.9
CONVERTER_VERSION=2.6.13.Final   # see stack/maven/avro-converter.pom.xml
# The Debezium JDBC sink, the peer bench/e2e.bench.ts measures pgshift against. 3.6.0.Final: the newest
# 3.6 whose plugin archive Maven Central serves in full (3.6.1 and 3.6.3 do not resolve).
JDBC_SINK_VERSION=3.6.0.Final
VERSITYGW_VERSION=v1.8.0

SERVICES=(pg-source pg-warehouse kafka registry connect s3)

log() { printf '\033[1m[stack]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[stack] %s\033[0m\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- installation (cached)

install_debian_packages() {
  local missing=()
  [ -x "$PG_BIN/postgres" ] || missing+=(postgresql-15)
  [ -f /usr/lib/postgresql/15/lib/wal2json.so ] || missing+=(postgresql-15-wal2json)
  command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null || missing+=(maven)
  command -v go >/dev/null || missing+=(golang-go)
  command -v curl >/dev/null || missing+=(curl)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# Runs in a scratch folder: dependency:unpack leaves marker files behind, which would make a later unpack
# into a fresh folder silently do nothing.
mvn_quiet() {
  local scratch; scratch=$(mktemp -d)
  (cd "$scratch" && mvn -B -q -Dstyle.color=never -Dmaven.repo.local="$CACHE/m2" "$@")
  local rc=$?
  rm -rf "$scratch"
  return $rc
}

install_kafka() {
  local dir="$CACHE/kafka-$KAFKA_VERSION"
  [ -f "$dir/.done" ] && return
  log "resolving Kafka $KAFKA_VERSION and Kafka Connect from Maven Central"
  rm -rf "$dir"
  mvn_quiet -f "$ROOT/stack/maven/kafka.pom.xml" dependency:copy-dependencies \
    -Dkafka.version="$KAFKA_VERSION" -DincludeScope=runtime -DoutputDirectory="$dir/libs"
  touch "$dir/.done"
}

install_connect_plugins() {
  local dir="$CACHE/plugins-$DEBEZIUM_VERSION-$CONVERTER_VERSION"
  [ -f "$dir/.done" ] && return
  log "resolving Debezium $DEBEZIUM_VERSION and the Apicurio Avro converter from Maven Central"
  rm -rf "$dir"
  mvn_quiet dependency:unpack -Dartifact="io.debezium:debezium-connector-postgres:$DEBEZIUM_VERSION:tar.gz:plugin" \
    -DoutputDirectory="$dir"
  rm -rf "$dir/PaxHeaders"*
  # The converter is a plugin folder of its own, so its libraries never clash with Debezium's.
  mvn_quiet -f "$ROOT/stack/maven/avro-converter.pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
    -DexcludeGroupIds=org.apache.kafka,org.slf4j -DoutputDirectory="$dir/apicurio-avro-converter"
  touch "$dir/.done"
}

# The JDBC sink's folder sits beside Debezium's in plugin.path (its own class loader), with a marker of its
# own, so adding it never downloads Debezium again. Installed before Connect starts: a fresh `up` lists it.
install_jdbc_sink_plugin() {
  local dir="$CACHE/plugins-$DEBEZIUM_VERSION-$CONVERTER_VERSION"
  [ -f "$dir/.jdbc-sink-$JDBC_SINK_VERSION.done" ] && return
  log "resolving the Debezium JDBC sink $JDBC_SINK_VERSION from Maven Central"
  local scratch; scratch=$(mktemp -d)
  mvn_quiet dependency:unpack -Dartifact="io.debezium:debezium-connector-jdbc:$JDBC_SINK_VERSION:tar.gz:plugin" \
    -DoutputDirectory="$scratch"
  rm -rf "$dir/debezium-connector-jdbc"
  mkdir -p "$dir"
  mv "$scratch/debezium-connector-jdbc" "$dir/debezium-connector-jdbc"
  rm -rf "$scratch"
  touch "$dir/.jdbc-sink-$JDBC_SINK_VERSION.done"
}

install_registry() {
  local dir="$CACHE/apicurio-$APICURIO_VERSION"
  [ -f "$dir/.done" ] && return
  log "resolving Apicurio Registry $APICURIO_VERSION from Maven Central"
  rm -rf "$dir"
  mvn_quiet dependency:unpack -Dartifact="io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all" \
    -DoutputDirectory="$dir"
  rm -rf "$dir/PaxHeaders"*
  touch "$dir/.done"
}

install_versitygw() {
  local bin="$CACHE/go/bin/versitygw-$VERSITYGW_VERSION"
  [ -x "$bin" ] && return
  log "building versitygw $VERSITYGW_VERSION from the Go module proxy (about a minute, once)"
  mkdir -p "$CACHE/go/bin"
  GOBIN="$CACHE/go/bin" GOPATH="$CACHE/go/path" GOFLAGS=-modcacherw \
    go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION" >"$LOGS/install-versitygw.log" 2>&1 ||
    die "go install of versitygw failed; its log: $LOGS/install-versitygw.log"
  mv "$CACHE/go/bin/versitygw" "$bin"
}

install_all() {
  mkdir -p "$CACHE" "$LOGS" "$RUN"
  install_debian_packages
  install_kafka & local k=$!
  install_connect_plugins & local p=$!
  install_registry & local r=$!
  install_versitygw & local v=$!
  wait $k || die "Kafka download failed"
  wait $p || die "Debezium or converter download failed"
  # After Debezium's folder exists (install_connect_plugins recreates it when it is missing).
  install_jdbc_sink_plugin || die "Debezium JDBC sink download failed"
  wait $r || die "Apicurio Registry download failed"
  wait $v || die "versitygw build failed"
}

# ---------------------------------------------------------------- process helpers

pidfile() { echo "$RUN/$1.pid"; }
logfile() { echo "$LOGS/$1.log"; }

running() {
  local f; f=$(pidfile "$1")
  [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null
}

# start NAME CMD...: detach CMD with its output in the service's log.
start() {
  local name=$1; shift
  if running "$name"; then return; fi
  log "starting $name"
  setsid "$@" >>"$(logfile "$name")" 2>&1 < /dev/null &
  echo $! >"$(pidfile "$name")"
}

# wait_for NAME SECONDS CHECK...: poll CHECK until it succeeds, or fail naming the service and its log.
wait_for() {
  local name=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then
      die "$name did not answer within ${seconds}s; its log: $(logfile "$name")"
    fi
    if [ "$name" != pg-source ] && [ "$name" != pg-warehouse ] && ! running "$name"; then
      die "$name exited; its log: $(logfile "$name")"
    fi
    sleep 0.5
  done
}

stop() {
  local name=$1 f; f=$(pidfile "$1")
  [ -f "$f" ] || return 0
  local pid; pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping $name"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

# ---------------------------------------------------------------- PostgreSQL (source and warehouse)

pg_as() { runuser -u postgres -- env PGOPTIONS='-c client_min_messages=warning' "$@"; }

pg_init() { # NAME PORT EXTRA_CONF
  local name=$1 port=$2 extra=$3 data="$STACK/$1"
  [ -f "$data/PG_VERSION" ] && return
  log "initialising $name in $data"
  mkdir -p "$data" "$PG_SOCKETS"
  chown postgres:postgres "$data" "$PG_SOCKETS"
  chmod 700 "$data"
  pg_as "$PG_BIN/initdb" -D "$data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 >"$(logfile "$name")" 2>&1
  cat >>"$data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$PG_SOCKETS'
max_connections = 200
shared_buffers = 256MB
fsync = on
$extra
EOF
  echo "host all all 127.0.0.1/32 scram-sha-256" >>"$data/pg_hba.conf"
  echo "host replication all 127.0.0.1/32 scram-sha-256" >>"$data/pg_hba.conf"
}

pg_start() { # NAME PORT
  local name=$1 port=$2 data="$STACK/$1"
  if ! pg_as "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    log "starting $name"
    touch "$(logfile "$name")" && chown postgres "$(logfile "$name")"
    pg_as "$PG_BIN/pg_ctl" -D "$data" -l "$(logfile "$name")" -w -t 60 start >/dev/null ||
      die "$name did not start; its log: $(logfile "$name")"
  fi
  head -1 "$data/postmaster.pid" >"$(pidfile "$name")"
}

psql_as_postgres() { # PORT DB SQL
  pg_as psql -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCKETS" -p "$1" -d "$2" -c "$3"
}

pg_source_setup() {
  local p=$PG_SOURCE_PORT
  psql_as_postgres "$p" postgres "DO \$\$BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pgshift') THEN
      CREATE ROLE pgshift LOGIN SUPERUSER PASSWORD 'pgshift'; END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'debezium') THEN
      CREATE ROLE debezium LOGIN REPLICATION PASSWORD 'debezium'; END IF;
  END\$\$;"
  for db in app registry; do
    pg_as psql -X -q -h "$PG_SOCKETS" -p "$p" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 ||
      psql_as_postgres "$p" postgres "CREATE DATABASE $db OWNER pgshift"
  done
  # Debezium reads every table of `app` through one publication that covers tables created later too.
  psql_as_postgres "$p" app "GRANT pg_read_all_data TO debezium;
    DO \$\$BEGIN
      IF NOT EXISTS (SELECT FROM pg_publication WHERE pubname = 'pgshift') THEN
        CREATE PUBLICATION pgshift FOR ALL TABLES; END IF;
    END\$\$;"
}

pg_warehouse_setup() {
  local p=$PG_WAREHOUSE_PORT
  psql_as_postgres "$p" postgres "DO \$\$BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pgshift') THEN
      CREATE ROLE pgshift LOGIN SUPERUSER PASSWORD 'pgshift'; END IF;
  END\$\$;"
  pg_as psql -X -q -h "$PG_SOCKETS" -p "$p" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'warehouse'" | grep -q 1 ||
    psql_as_postgres "$p" postgres "CREATE DATABASE warehouse OWNER pgshift"
}

# ---------------------------------------------------------------- Kafka and Kafka Connect

kafka_java() { # NAME HEAP CLASS ARGS...
  local name=$1 heap=$2; shift 2
  start "$name" java "-Xms$heap" "-Xmx$heap" -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$ROOT/stack/conf/log4j2.properties" \
    -cp "$CACHE/kafka-$KAFKA_VERSION/libs/*" "$@"
}

kafka_start() {
  local conf="$STACK/kafka/server.properties"
  mkdir -p "$STACK/kafka"
  sed -e "s#@DATA@#$STACK/kafka/data#" -e "s#@PORT@#$KAFKA_PORT#" -e "s#@CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#" \
    "$ROOT/stack/conf/kafka.properties" >"$conf"
  if [ ! -f "$STACK/kafka/data/meta.properties" ]; then
    log "formatting Kafka storage (KRaft)"
    java -cp "$CACHE/kafka-$KAFKA_VERSION/libs/*" -Dlog4j2.configurationFile="$ROOT/stack/conf/log4j2.properties" \
      kafka.tools.StorageTool format -t "$(cat /proc/sys/kernel/random/uuid | tr -d - | head -c 22)" \
      -c "$conf" --standalone >>"$(logfile kafka)" 2>&1 || die "Kafka storage format failed; its log: $(logfile kafka)"
  fi
  kafka_java kafka 768m kafka.Kafka "$conf"
}

connect_start() {
  local conf="$STACK/connect/worker.properties"
  mkdir -p "$STACK/connect"
  sed -e "s#@KAFKA@#127.0.0.1:$KAFKA_PORT#" -e "s#@PORT@#$CONNECT_PORT#" \
    -e "s#@PLUGINS@#$CACHE/plugins-$DEBEZIUM_VERSION-$CONVERTER_VERSION#" -e "s#@STATE@#$STACK/connect#" \
    "$ROOT/stack/conf/connect-distributed.properties" >"$conf"
  PGSHIFT_SOURCE_HOST=127.0.0.1 PGSHIFT_SOURCE_PORT="$PG_SOURCE_PORT" \
  PGSHIFT_REGISTRY_URL="http://127.0.0.1:$REGISTRY_PORT/apis/registry/v2" \
    kafka_java connect 1g org.apache.kafka.connect.cli.ConnectDistributed "$conf"
}

kafka_answers() {
  java -cp "$CACHE/kafka-$KAFKA_VERSION/libs/*" -Dlog4j2.configurationFile="$ROOT/stack/conf/log4j2-quiet.properties" \
    org.apache.kafka.tools.BrokerApiVersionsCommand --bootstrap-server "127.0.0.1:$KAFKA_PORT" >/dev/null 2>&1
}

connect_has_debezium() {
  curl -sf "http://127.0.0.1:$CONNECT_PORT/connector-plugins" | grep -q PostgresConnector
}

connect_has_jdbc_sink() {
  curl -sf "http://127.0.0.1:$CONNECT_PORT/connector-plugins" | grep -q JdbcSinkConnector
}

# A worker started before the JDBC sink was installed scans plugin.path only at start: restart it, once.
connect_ensure_jdbc_sink() {
  connect_has_jdbc_sink && return
  log "Connect does not list the JDBC sink (started before it was installed): restarting Connect"
  stop connect
  connect_start
  wait_for connect 120 connect_has_debezium
  connect_has_jdbc_sink || die "Connect does not list JdbcSinkConnector after a restart; its log: $(logfile connect)"
}

# ---------------------------------------------------------------- registry and S3

registry_start() {
  local jar
  for jar in "$CACHE/apicurio-$APICURIO_VERSION"/quarkus-run.jar "$CACHE/apicurio-$APICURIO_VERSION"/*-runner.jar; do
    [ -f "$jar" ] && break
  done
  start registry env \
    QUARKUS_HTTP_HOST=127.0.0.1 QUARKUS_HTTP_PORT="$REGISTRY_PORT" \
    APICURIO_STORAGE_KIND=sql APICURIO_STORAGE_SQL_KIND=postgresql \
    APICURIO_DATASOURCE_URL="jdbc:postgresql://127.0.0.1:$PG_SOURCE_PORT/registry" \
    APICURIO_DATASOURCE_USERNAME=pgshift APICURIO_DATASOURCE_PASSWORD=pgshift \
    APICURIO_CCOMPAT_LEGACY_ID_MODE_ENABLED=false \
    java -Xms256m -Xmx512m -jar "$jar"
}

s3_start() {
  mkdir -p "$STACK/s3/data" "$STACK/s3/meta"
  start s3 env ROOT_ACCESS_KEY="$S3_ACCESS_KEY" ROOT_SECRET_KEY="$S3_SECRET_KEY" \
    "$CACHE/go/bin/versitygw-$VERSITYGW_VERSION" --port "127.0.0.1:$S3_PORT" \
    posix --sidecar "$STACK/s3/meta" "$STACK/s3/data"
}

s3_bucket() {
  # SigV4-signed PUT: creates the bucket, or answers 409 when it exists.
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT \
    -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" --aws-sigv4 "aws:amz:$S3_REGION:s3" \
    --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" "http://127.0.0.1:$S3_PORT/$S3_BUCKET")
  case "$code" in 200|409) ;; *) die "could not create bucket $S3_BUCKET (HTTP $code); its log: $(logfile s3)";; esac
}

# ---------------------------------------------------------------- commands

# The fixed ports lie inside Linux's ephemeral range (32768–60999): an outgoing connection could hold
# one when its service (re)starts. Reserving them keeps the kernel from handing them out (root only;
# elsewhere the stack still runs, with that small risk).
reserve_ports() {
  local file=/proc/sys/net/ipv4/ip_local_reserved_ports ports current
  ports="$PG_SOURCE_PORT,$PG_WAREHOUSE_PORT,$KAFKA_PORT,$KAFKA_CONTROLLER_PORT,$CONNECT_PORT,$REGISTRY_PORT,$S3_PORT,$BATCHER_HTTP_PORT,$LOADER_HTTP_PORT,$CONTROL_HTTP_PORT,$CONTROL_API_PORT,$REDSHIFT_DATA_PORT"
  current="$(cat "$file" 2>/dev/null || true)"
  if [ -n "$current" ]; then ports="$current,$ports"; fi
  echo "$ports" 2>/dev/null >"$file" || log "could not reserve the stack's ports in $file (not root?): continuing"
}

up() {
  local t0=$SECONDS
  install_all
  reserve_ports
  pg_init pg-source "$PG_SOURCE_PORT" "wal_level = logical
max_replication_slots = 20
max_wal_senders = 20"
  pg_init pg-warehouse "$PG_WAREHOUSE_PORT" "wal_level = minimal
max_wal_senders = 0"
  pg_start pg-source "$PG_SOURCE_PORT"
  pg_start pg-warehouse "$PG_WAREHOUSE_PORT"
  pg_source_setup
  pg_warehouse_setup

  kafka_start
  registry_start
  s3_start
  wait_for kafka 90 kafka_answers
  connect_start
  wait_for registry 90 curl -sf "http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7/subjects"
  wait_for s3 30 curl -s -o /dev/null "http://127.0.0.1:$S3_PORT/"
  s3_bucket
  wait_for connect 120 connect_has_debezium
  connect_ensure_jdbc_sink
  log "stack is up in $((SECONDS - t0))s"
  status
}

down() {
  # The demo's batcher, loader and control service (scripts/demo.ts) first: they drain into the services below.
  for s in batcher loader control s3 connect registry kafka; do stop "$s"; done
  for s in pg-warehouse pg-source; do
    if [ -f "$STACK/$s/PG_VERSION" ] && pg_as "$PG_BIN/pg_ctl" -D "$STACK/$s" status >/dev/null 2>&1; then
      log "stopping $s"
      pg_as "$PG_BIN/pg_ctl" -D "$STACK/$s" -m fast -w stop >/dev/null
    fi
    rm -f "$(pidfile "$s")"
  done
}

status() {
  local endpoint
  for s in "${SERVICES[@]}"; do
    case $s in
      pg-source) endpoint="postgresql://pgshift:pgshift@127.0.0.1:$PG_SOURCE_PORT/app" ;;
      pg-warehouse) endpoint="postgresql://pgshift:pgshift@127.0.0.1:$PG_WAREHOUSE_PORT/warehouse" ;;
      kafka) endpoint="127.0.0.1:$KAFKA_PORT" ;;
      registry) endpoint="http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7" ;;
      connect) endpoint="http://127.0.0.1:$CONNECT_PORT" ;;
      s3) endpoint="http://127.0.0.1:$S3_PORT  bucket=$S3_BUCKET  key=$S3_ACCESS_KEY" ;;
    esac
    if running "$s"; then state=up; else state=down; fi
    printf '%-13s %-5s %-60s log: %s\n' "$s" "$state" "$endpoint" "$(logfile "$s")"
  done
}

logs() {
  if [ $# -gt 0 ]; then tail -n 100 -f "$(logfile "$1")"; else tail -n 20 -f "$LOGS"/*.log; fi
}

reset() {
  down
  log "deleting stack state (downloads in $CACHE are kept)"
  find "$STACK" -mindepth 1 -maxdepth 1 ! -name cache -exec rm -rf {} +
}

# One service, for fault-injection tests and for operators: stop SERVICE / start SERVICE / restart SERVICE.
start_one() {
  case "$1" in
    pg-source) pg_start pg-source "$PG_SOURCE_PORT" ;;
    pg-warehouse) pg_start pg-warehouse "$PG_WAREHOUSE_PORT" ;;
    kafka) kafka_start && wait_for kafka 90 kafka_answers ;;
    connect) connect_start && wait_for connect 120 connect_has_debezium ;;
    registry) registry_start && wait_for registry 90 curl -sf "http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7/subjects" ;;
    s3) s3_start && wait_for s3 30 curl -s -o /dev/null "http://127.0.0.1:$S3_PORT/" ;;
    *) die "unknown service: $1 (one of ${SERVICES[*]})" ;;
  esac
}

stop_one() {
  case "$1" in
    pg-source|pg-warehouse)
      pg_as "$PG_BIN/pg_ctl" -D "$STACK/$1" -m fast -w stop >/dev/null
      rm -f "$(pidfile "$1")" ;;
    kafka|connect|registry|s3) stop "$1" ;;
    *) die "unknown service: $1 (one of ${SERVICES[*]})" ;;
  esac
}

case "${1:-}" in
  up) up ;;
  start) [ $# -eq 2 ] || die "usage: stack.sh start SERVICE"; start_one "$2" ;;
  stop) [ $# -eq 2 ] || die "usage: stack.sh stop SERVICE"; stop_one "$2" ;;
  restart) [ $# -eq 2 ] || die "usage: stack.sh restart SERVICE"; stop_one "$2"; start_one "$2" ;;
  down) down ;;
  status) status ;;
  logs) shift; logs "$@" ;;
  reset) reset ;;
  install) install_all ;;
  *) echo "usage: stack.sh up|down|status|logs [service]|start|stop|restart SERVICE|reset|install" >&2; exit 2 ;;
esac
