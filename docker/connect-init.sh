#!/bin/sh
# Registers a connector from connect-config/ with Kafka Connect, the one source of truth for its settings.
# PUT /connectors/<name>/config creates the connector or updates it in place, so re-running is harmless.
#   connect-init.sh /connect-config/pgshift-source.json
set -eu

file=${1:?usage: connect-init.sh CONNECTOR_JSON}
connect=${CONNECT_URL:-http://connect:8083}
here=$(dirname "$0")

name=$(awk -v member=name -f "$here/json-member.awk" "$file" | sed -e 's/^"//' -e 's/"$//')
config=$(awk -v member=config -f "$here/json-member.awk" "$file")
[ -n "$name" ] && [ -n "$config" ] || { echo "connect-init: $file has no name or config" >&2; exit 1; }

echo "connect-init: waiting for Kafka Connect at $connect"
tries=0
until curl -fsS "$connect/connector-plugins" 2>/dev/null | grep -q PostgresConnector; do
  tries=$((tries + 1))
  [ "$tries" -lt 120 ] || { echo "connect-init: Kafka Connect did not answer in 240s" >&2; exit 1; }
  sleep 2
done

echo "connect-init: registering $name from $file"
printf '%s' "$config" |
  curl -fsS -X PUT -H 'Content-Type: application/json' --data-binary @- "$connect/connectors/$name/config"
echo
curl -fsS "$connect/connectors/$name/status"
echo
