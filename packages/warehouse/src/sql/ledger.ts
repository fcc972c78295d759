import type { PartitionRange } from '@pgshift/contracts';
import type { TargetTable } from '../merge-plan.js';
import type { Dialect } from '../dialect.js';
import { foldIdentifier, quoteIdentifier, quoteQualified } from './identifiers.js';

/**
 * What the ledger keeps apart: one source table's changes on one change topic, loaded into one target.
 * Usually a topic carries one table, but two source tables whose names differ only in characters
 * Kafka does not allow (`"dup name"` and `dup_name`) share a topic, each with its own offsets.
 */
export interface LedgerStream {
  topic: string;
  target: TargetTable;
}

/** The stream a batch belongs to (a MergePlan fits). */
export function ledgerStreamOf({ batch, target }: { batch: { table: { topic: string } }; target: TargetTable }): LedgerStream {
  return { topic: batch.table.topic, target };
}

/**
 * The offset ledger: per stream (change topic and target table) and Kafka partition, the last offset
 * whose change is in the warehouse. It lives in the warehouse and moves in the same transaction as the data, so a batch
 * applied twice (a crash after commit, a replay, an older batch after a newer one) changes nothing.
 */
export const LEDGER = { schema: 'pgshift', table: 'ledger' } as const;

/**
 * The truncation watermark: per stream, the LSN of the latest source TRUNCATE applied. A
 * truncate's event has no key, so it lands on any partition and can be consumed before or after
 * changes that precede or follow it on other partitions. TRUNCATE takes an ACCESS EXCLUSIVE lock, so
 * every change committed before it has a smaller LSN and every change after it a larger one: a change
 * below the watermark was erased by a truncate already applied and must not be written again.
 */
export const TRUNCATIONS = { schema: 'pgshift', table: 'truncations' } as const;

export function ledgerTableName(dialect: Dialect): string {
  return quoteQualified(LEDGER.schema, LEDGER.table, dialect.identifiers);
}

export function truncationsTableName(dialect: Dialect): string {
  return quoteQualified(TRUNCATIONS.schema, TRUNCATIONS.table, dialect.identifiers);
}

export function createLedgerStatements(dialect: Dialect): string[] {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const t = dialect.metaTypes;
  // Kafka topic names are at most 249 characters; schema and table names at most 127 bytes.
  const text = dialect.name === 'redshift' ? 'VARCHAR(512)' : 'text';
  return [
    `CREATE SCHEMA IF NOT EXISTS ${q(LEDGER.schema)}`,
    `CREATE TABLE IF NOT EXISTS ${ledgerTableName(dialect)} (` +
      [
        `${q('target_schema')} ${text} NOT NULL`,
        `${q('target_table')} ${text} NOT NULL`,
        `${q('topic')} ${text} NOT NULL`,
        `${q('partition')} ${t.integer} NOT NULL`,
        `${q('last_offset')} ${t.bigint} NOT NULL`,
        `${q('batch_id')} ${text} NOT NULL`,
        `${q('updated_at')} ${t.timestamp} NOT NULL`,
        `PRIMARY KEY (${q('topic')}, ${q('target_schema')}, ${q('target_table')}, ${q('partition')})`,
      ].join(', ') +
      ')',
    `CREATE TABLE IF NOT EXISTS ${truncationsTableName(dialect)} (` +
      [
        `${q('target_schema')} ${text} NOT NULL`,
        `${q('target_table')} ${text} NOT NULL`,
        `${q('topic')} ${text} NOT NULL`,
        `${q('lsn')} ${t.bigint} NOT NULL`,
        `${q('batch_id')} ${text} NOT NULL`,
        `${q('updated_at')} ${t.timestamp} NOT NULL`,
        `PRIMARY KEY (${q('topic')}, ${q('target_schema')}, ${q('target_table')})`,
      ].join(', ') +
      ')',
  ];
}

/** Rows `partition`, `last_offset` (bigint as text on PostgreSQL) of one stream. */
export function selectLedgerStatement(dialect: Dialect, stream: LedgerStream): string {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  return `SELECT ${q('partition')}, ${q('last_offset')} FROM ${ledgerTableName(dialect)} WHERE ${streamIs(dialect, stream)} ORDER BY ${q('partition')}`;
}

/** `topic = … AND target_schema = … AND target_table = …`, the columns qualified by `table` when given. */
function streamIs(dialect: Dialect, { topic, target }: LedgerStream, table?: string): string {
  const q = (name: string) => (table ? `${table}.` : '') + quoteIdentifier(name, dialect.identifiers);
  const names = targetLiterals(dialect, target);
  return `${q('topic')} = ${dialect.literal(topic)} AND ${q('target_schema')} = ${names.schema} AND ${q('target_table')} = ${names.table}`;
}

export function clearLedgerStatement(dialect: Dialect, target: TargetTable): string {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  return (
    `DELETE FROM ${ledgerTableName(dialect)} WHERE ${q('target_schema')} = ${targetLiterals(dialect, target).schema} ` +
    `AND ${q('target_table')} = ${targetLiterals(dialect, target).table}`
  );
}

/**
 * Every ledger row, or one target's, each column as text (`pgshift ledger show`): target_schema,
 * target_table, topic, partition, last_offset, batch_id, updated_at (UTC, to the second).
 */
export function showLedgerStatement(dialect: Dialect, target?: TargetTable): string {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const where = target === undefined ? '' : ` WHERE ${q('target_schema')} = ${targetLiterals(dialect, target).schema} AND ${q('target_table')} = ${targetLiterals(dialect, target).table}`;
  return (
    `SELECT ${q('target_schema')} AS "target_schema", ${q('target_table')} AS "target_table", ${q('topic')} AS "topic", ` +
    `${dialect.asText(q('partition'), 40)} AS "partition", ${dialect.asText(q('last_offset'), 40)} AS "last_offset", ${q('batch_id')} AS "batch_id", ` +
    `TO_CHAR(${q('updated_at')}, 'YYYY-MM-DD HH24:MI:SS') AS "updated_at" ` +
    `FROM ${ledgerTableName(dialect)}${where} ORDER BY 1, 2, 3, 4`
  );
}

/** Forgets the truncation watermark of a target, with its ledger (a deliberate reload replays the truncates too). */
export function clearTruncationStatement(dialect: Dialect, target: TargetTable): string {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  return (
    `DELETE FROM ${truncationsTableName(dialect)} WHERE ${q('target_schema')} = ${targetLiterals(dialect, target).schema} ` +
    `AND ${q('target_table')} = ${targetLiterals(dialect, target).table}`
  );
}

/**
 * Removes staged rows whose offset the ledger already covers. Qualified with the ledger's full name
 * (Redshift's DELETE … USING takes no aliases).
 */
export function filterStagedByLedgerStatement(dialect: Dialect, stagingTable: string, stream: LedgerStream, partitionColumn: string, offsetColumn: string): string {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const ledger = ledgerTableName(dialect);
  return (
    `DELETE FROM ${stagingTable} USING ${ledger} ` +
    `WHERE ${streamIs(dialect, stream, ledger)} ` +
    `AND ${ledger}.${q('partition')} = ${stagingTable}.${partitionColumn} ` +
    `AND ${stagingTable}.${offsetColumn} <= ${ledger}.${q('last_offset')}`
  );
}

/**
 * Removes staged rows below the topic's truncation watermark: changes made before a truncate that is
 * already applied (consumed late from another partition). Qualified with full names, as the ledger filter.
 */
export function filterStagedByTruncationStatement(dialect: Dialect, stagingTable: string, stream: LedgerStream, lsnColumn: string): string {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const truncations = truncationsTableName(dialect);
  return (
    `DELETE FROM ${stagingTable} USING ${truncations} ` +
    `WHERE ${streamIs(dialect, stream, truncations)} ` +
    `AND ${stagingTable}.${lsnColumn} < ${truncations}.${q('lsn')}`
  );
}

/**
 * Moves the topic's truncation watermark to max(watermark, lsn): the ledger's upsert shape, a DELETE
 * of a lower watermark and an INSERT when the topic then has none.
 */
export function advanceTruncationStatements(dialect: Dialect, stream: LedgerStream, batchId: string, lsn: bigint): string[] {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const truncations = truncationsTableName(dialect);
  const existing = q('existing');
  const batch = q('batch');
  const names = targetLiterals(dialect, stream.target);
  return [
    `DELETE FROM ${truncations} WHERE ${streamIs(dialect, stream)} AND ${q('lsn')} < ${lsn}`,
    `INSERT INTO ${truncations} (${['target_schema', 'target_table', 'topic', 'lsn', 'batch_id', 'updated_at'].map(q).join(', ')}) ` +
      `SELECT ${names.schema}, ${names.table}, ${dialect.literal(stream.topic)}, ${batch}.${q('lsn')}, ${dialect.literal(batchId)}, ${dialect.loadedAt} ` +
      `FROM (SELECT ${lsn} AS ${q('lsn')}) AS ${batch} ` +
      `LEFT JOIN ${truncations} AS ${existing} ON ${streamIs(dialect, stream, existing)} ` +
      `WHERE ${existing}.${q('topic')} IS NULL`,
  ];
}

/** SQL that is true when the ledger already covers every one of the ranges (a truncate's guard). */
export function ledgerCoversCondition(dialect: Dialect, stream: LedgerStream, ranges: readonly PartitionRange[]): string {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const ledger = ledgerTableName(dialect);
  return ranges
    .map(
      (range) =>
        `EXISTS (SELECT 1 FROM ${ledger} WHERE ${streamIs(dialect, stream)} AND ${q('partition')} = ${range.partition} AND ${q('last_offset')} >= ${range.last})`,
    )
    .join(' AND ');
}

/**
 * Moves the ledger of every partition in the batch to max(ledger, batch's last offset), with a DELETE
 * of the rows the batch supersedes and an INSERT of the partitions that then have no row (an upsert
 * Redshift accepts: no MERGE, no ON CONFLICT).
 */
export function advanceLedgerStatements(dialect: Dialect, stream: LedgerStream, batchId: string, ranges: readonly PartitionRange[]): string[] {
  if (ranges.length === 0) return [];
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const ledger = ledgerTableName(dialect);
  const superseded = ranges.map((r) => `(${q('partition')} = ${r.partition} AND ${q('last_offset')} < ${r.last})`).join(' OR ');
  const batchRows = ranges
    .map((r, i) => (i === 0 ? `SELECT ${r.partition} AS ${q('partition')}, ${r.last} AS ${q('last_offset')}` : `SELECT ${r.partition}, ${r.last}`))
    .join(' UNION ALL ');
  const existing = q('existing');
  const batch = q('batch');
  const names = targetLiterals(dialect, stream.target);
  return [
    `DELETE FROM ${ledger} WHERE ${streamIs(dialect, stream)} AND (${superseded})`,
    `INSERT INTO ${ledger} (${['target_schema', 'target_table', 'topic', 'partition', 'last_offset', 'batch_id', 'updated_at'].map(q).join(', ')}) ` +
      `SELECT ${names.schema}, ${names.table}, ${dialect.literal(stream.topic)}, ${batch}.${q('partition')}, ${batch}.${q('last_offset')}, ${dialect.literal(batchId)}, ${dialect.loadedAt} ` +
      `FROM (${batchRows}) AS ${batch} ` +
      `LEFT JOIN ${ledger} AS ${existing} ON ${streamIs(dialect, stream, existing)} AND ${existing}.${q('partition')} = ${batch}.${q('partition')} ` +
      `WHERE ${existing}.${q('partition')} IS NULL`,
  ];
}

/** The target's names as the warehouse stores them, as literals: the ledger records what the catalog shows. */
function targetLiterals(dialect: Dialect, target: TargetTable): { schema: string; table: string } {
  return {
    schema: dialect.literal(foldIdentifier(target.schema, dialect.identifiers)),
    table: dialect.literal(foldIdentifier(target.table, dialect.identifiers)),
  };
}

/** Whether the ledger already covers every offset of a batch (then the batch can be acknowledged as is). */
export function isCoveredByLedger(ranges: readonly PartitionRange[], ledger: ReadonlyMap<number, bigint>): boolean {
  return ranges.length > 0 && ranges.every((r) => {
    const applied = ledger.get(r.partition);
    return applied !== undefined && BigInt(r.last) <= applied;
  });
}
