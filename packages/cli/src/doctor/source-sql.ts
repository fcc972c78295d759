/**
 * The statements doctor reads the source PostgreSQL with: catalog and statistics views only, nothing
 * that takes a lock or writes. Parameters are bound ($1 …), never spliced into the text.
 */

/** The settings logical replication depends on, and how many slots and WAL senders are in use. */
export const SOURCE_SETTINGS_SQL = `SELECT current_setting('wal_level') AS wal_level,
  current_setting('max_wal_senders')::int AS max_wal_senders,
  current_setting('max_replication_slots')::int AS max_replication_slots,
  (SELECT setting::bigint FROM pg_settings WHERE name = 'max_slot_wal_keep_size') AS max_slot_wal_keep_size_mb,
  (SELECT count(*) FROM pg_replication_slots)::int AS slots_used,
  (SELECT count(*) FROM pg_stat_replication)::int AS wal_senders_used,
  pg_is_in_recovery() AS in_recovery,
  current_setting('server_version_num')::int AS server_version_num`;

/**
 * Every replication slot (physical ones retain WAL too), with the WAL it holds back: from its
 * restart_lsn to the server's current position. NULL when the slot lost its WAL (wal_status lost).
 */
export const REPLICATION_SLOTS_SQL = `SELECT slot_name, slot_type, plugin, database, active, wal_status,
  pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn() ELSE pg_current_wal_lsn() END, restart_lsn)::bigint AS retained_bytes
FROM pg_replication_slots ORDER BY slot_name`;

/** The publication ($1) and the kinds of change it publishes; no row when it does not exist. */
export const PUBLICATION_SQL = `SELECT pubname, puballtables, pubinsert, pubupdate, pubdelete, pubtruncate
FROM pg_publication WHERE pubname = $1`;

/**
 * The ordinary tables (partitions included: PostgreSQL checks each for a replica identity) of the
 * schemas checked, with whether the publication ($1) publishes them, their keys, their replica
 * identity (d default, n nothing, f full, i index), the UPDATEs and DELETEs the statistics have
 * counted, and their TOASTable columns (storage extended or external). $2 is the schemas (text[]); NULL
 * checks the schemas that have a published table.
 */
export const SOURCE_TABLES_SQL = `WITH published AS (
  SELECT schemaname AS schema_name, tablename AS table_name FROM pg_publication_tables WHERE pubname = $1
), checked AS (
  SELECT c.oid, n.nspname AS schema_name, c.relname AS table_name, c.relreplident
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'r' AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
    AND CASE WHEN $2::text[] IS NULL THEN n.nspname IN (SELECT schema_name FROM published) ELSE n.nspname = ANY ($2::text[]) END
)
SELECT t.schema_name, t.table_name,
  EXISTS (SELECT 1 FROM published p WHERE p.schema_name = t.schema_name AND p.table_name = t.table_name) AS published,
  EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = t.oid AND i.indisprimary) AS has_primary_key,
  EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = t.oid AND i.indisreplident) AS has_identity_index,
  t.relreplident::text AS replica_identity,
  coalesce(s.n_tup_upd, 0)::bigint AS updates,
  coalesce(s.n_tup_del, 0)::bigint AS deletes,
  ARRAY(SELECT a.attname::text FROM pg_attribute a
        WHERE a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attstorage IN ('x', 'e') ORDER BY a.attnum) AS toast_columns
FROM checked t LEFT JOIN pg_stat_user_tables s ON s.relid = t.oid
ORDER BY t.schema_name, t.table_name`;

/** The parameters of SOURCE_TABLES_SQL. */
export function sourceTablesParams(publication: string, schemas: readonly string[] | undefined): [string, string[] | null] {
  return [publication, schemas && schemas.length > 0 ? [...schemas] : null];
}
