/** The source's catalog rows as doctor's rules read them, parsed from what `pg` returns (bigint as text). */

export interface SourceSettings {
  walLevel: string;
  maxWalSenders: number;
  maxReplicationSlots: number;
  /** max_slot_wal_keep_size in MB; -1 is unlimited; null before PostgreSQL 13 (no such setting: unlimited). */
  maxSlotWalKeepSizeMb: number | null;
  slotsUsed: number;
  walSendersUsed: number;
  inRecovery: boolean;
}

export interface ReplicationSlot {
  name: string;
  type: string;
  plugin: string | null;
  database: string | null;
  active: boolean;
  /** reserved, extended, unreserved or lost (PostgreSQL 13+). */
  walStatus: string | null;
  /** WAL held back from the current position; null when the slot has none left (lost). */
  retainedBytes: bigint | null;
}

export interface Publication {
  name: string;
  allTables: boolean;
  insert: boolean;
  update: boolean;
  delete: boolean;
  truncate: boolean;
}

export interface SourceTable {
  schema: string;
  table: string;
  published: boolean;
  hasPrimaryKey: boolean;
  hasIdentityIndex: boolean;
  /** pg_class.relreplident: d default (the primary key), n nothing, f full, i a chosen index. */
  replicaIdentity: 'd' | 'n' | 'f' | 'i';
  updates: bigint;
  deletes: bigint;
  toastColumns: string[];
}

type Row = Record<string, unknown>;

const bool = (v: unknown) => v === true || v === 't' || v === 'true';
const int = (v: unknown) => Number(v);
const big = (v: unknown) => (v === null || v === undefined ? null : BigInt(String(v)));

export function parseSettings(row: Row): SourceSettings {
  return {
    walLevel: String(row.wal_level),
    maxWalSenders: int(row.max_wal_senders),
    maxReplicationSlots: int(row.max_replication_slots),
    maxSlotWalKeepSizeMb: row.max_slot_wal_keep_size_mb === null || row.max_slot_wal_keep_size_mb === undefined ? null : int(row.max_slot_wal_keep_size_mb),
    slotsUsed: int(row.slots_used),
    walSendersUsed: int(row.wal_senders_used),
    inRecovery: bool(row.in_recovery),
  };
}

export function parseSlot(row: Row): ReplicationSlot {
  return {
    name: String(row.slot_name),
    type: String(row.slot_type),
    plugin: row.plugin == null ? null : String(row.plugin),
    database: row.database == null ? null : String(row.database),
    active: bool(row.active),
    walStatus: row.wal_status == null ? null : String(row.wal_status),
    retainedBytes: big(row.retained_bytes),
  };
}

export function parsePublication(row: Row): Publication {
  return {
    name: String(row.pubname),
    allTables: bool(row.puballtables),
    insert: bool(row.pubinsert),
    update: bool(row.pubupdate),
    delete: bool(row.pubdelete),
    truncate: bool(row.pubtruncate),
  };
}

export function parseSourceTable(row: Row): SourceTable {
  const identity = String(row.replica_identity);
  if (!['d', 'n', 'f', 'i'].includes(identity)) throw new Error(`unexpected relreplident ${JSON.stringify(identity)}`);
  return {
    schema: String(row.schema_name),
    table: String(row.table_name),
    published: bool(row.published),
    hasPrimaryKey: bool(row.has_primary_key),
    hasIdentityIndex: bool(row.has_identity_index),
    replicaIdentity: identity as SourceTable['replicaIdentity'],
    updates: big(row.updates) ?? 0n,
    deletes: big(row.deletes) ?? 0n,
    toastColumns: Array.isArray(row.toast_columns) ? row.toast_columns.map(String) : [],
  };
}
