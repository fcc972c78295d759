#!/bin/sh
# Debezium streams over a replication connection, which pg_hba's "all" database entry does not match;
# the native stack has the same line (for 127.0.0.1). Runs once, at initialisation.
echo "host replication all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
