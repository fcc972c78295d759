-- The source database, as stack/stack.sh (pg_source_setup) prepares it natively. Runs once, when the
-- container initialises an empty data directory; POSTGRES_USER=pgshift (superuser) and POSTGRES_DB=app
-- already exist by then. Statements stay idempotent like the native ones.
\set ON_ERROR_STOP on

DO $$BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pgshift') THEN
    CREATE ROLE pgshift LOGIN SUPERUSER PASSWORD 'pgshift'; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'debezium') THEN
    CREATE ROLE debezium LOGIN REPLICATION PASSWORD 'debezium'; END IF;
END$$;

-- `registry` holds Apicurio Registry's storage.
SELECT 'CREATE DATABASE ' || datname || ' OWNER pgshift'
  FROM (VALUES ('app'), ('registry')) AS wanted(datname)
 WHERE NOT EXISTS (SELECT FROM pg_database d WHERE d.datname = wanted.datname)
\gexec

-- Debezium reads every table of `app` through one publication that covers tables created later too.
\connect app
GRANT pg_read_all_data TO debezium;
DO $$BEGIN
  IF NOT EXISTS (SELECT FROM pg_publication WHERE pubname = 'pgshift') THEN
    CREATE PUBLICATION pgshift FOR ALL TABLES; END IF;
END$$;
