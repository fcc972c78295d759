import type { PartitionRange } from '@pgshift/contracts';
import type { TargetTable } from '../adapter.js';
import type { Dialect } from '../dialect.js';
import { foldIdentifier, quoteIdentifier, quoteQualified } from './identifiers.js';

/**
 * The offset ledger: per change topic and Kafka partition, the last offset whose change is in the
 * warehouse. It lives in the warehouse and moves in the same transaction as the data, so a batch
 * applied twice (a crash after commit, a replay, an older batch after a newer one) changes nothing.
 */
export const LEDGER = { schema: 'pgshift', table: 'ledger' } as const;

export function ledgerTableName(dialect: Dialect): string {
  return quoteQualified(LEDGER.schema, LEDGER.table, dialect.identifiers);
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
        `PRIMARY KEY (${q('topic')}, ${q('partition')})`,
      ].join(', ') +
      ')',
  ];
}

/** Rows `partition`, `last_offset` (bigint as text on PostgreSQL) of one topic. */
export function selectLedgerStatement(dialect: Dialect, topic: string): string {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  return `SELECT ${q('partition')}, ${q('last_offset')} FROM ${ledgerTableName(dialect)} WHERE ${q('topic')} = ${dialect.literal(topic)} ORDER BY ${q('partition')}`;
}

export function clearLedgerStatement(dialect: Dialect, target: TargetTable): string {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  return (
    `DELETE FROM ${ledgerTableName(dialect)} WHERE ${q('target_schema')} = ${targetLiterals(dialect, target).schema} ` +
    `AND ${q('target_table')} = ${targetLiterals(dialect, target).table}`
  );
}

/**
 * Removes staged rows whose offset the ledger already covers. Qualified with the ledger's full name
 * (Redshift's DELETE … USING takes no aliases).
 */
export function filterStagedByLedgerStatement(dialect: Dialect, stagingTable: string, topic: string, partitionColumn: string, offsetColumn: string): string {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const ledger = ledgerTableName(dialect);
  return (
    `DELETE FROM ${stagingTable} USING ${ledger} ` +
    `WHERE ${ledger}.${q('topic')} = ${dialect.literal(topic)} ` +
    `AND ${ledger}.${q('partition')} = ${stagingTable}.${partitionColumn} ` +
    `AND ${stagingTable}.${offsetColumn} <= ${ledger}.${q('last_offset')}`
  );
}

/** SQL that is true when the ledger already covers every one of the ranges (a truncate's guard). */
export function ledgerCoversCondition(dialect: Dialect, topic: string, ranges: readonly PartitionRange[]): string {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const ledger = ledgerTableName(dialect);
  return ranges
    .map(
      (range) =>
        `EXISTS (SELECT 1 FROM ${ledger} WHERE ${q('topic')} = ${dialect.literal(topic)} AND ${q('partition')} = ${range.partition} AND ${q('last_offset')} >= ${range.last})`,
    )
    .join(' AND ');
}

/**
 * Moves the ledger of every partition in the batch to max(ledger, batch's last offset), with a DELETE
 * of the rows the batch supersedes and an INSERT of the partitions that then have no row (an upsert
 * Redshift accepts: no MERGE, no ON CONFLICT).
 */
export function advanceLedgerStatements(dialect: Dialect, target: TargetTable, topic: string, batchId: string, ranges: readonly PartitionRange[]): string[] {
  if (ranges.length === 0) return [];
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const ledger = ledgerTableName(dialect);
  const superseded = ranges.map((r) => `(${q('partition')} = ${r.partition} AND ${q('last_offset')} < ${r.last})`).join(' OR ');
  const batchRows = ranges
    .map((r, i) => (i === 0 ? `SELECT ${r.partition} AS ${q('partition')}, ${r.last} AS ${q('last_offset')}` : `SELECT ${r.partition}, ${r.last}`))
    .join(' UNION ALL ');
  const existing = q('existing');
  const batch = q('batch');
  return [
    `DELETE FROM ${ledger} WHERE ${q('topic')} = ${dialect.literal(topic)} AND (${superseded})`,
    `INSERT INTO ${ledger} (${['target_schema', 'target_table', 'topic', 'partition', 'last_offset', 'batch_id', 'updated_at'].map(q).join(', ')}) ` +
      `SELECT ${targetLiterals(dialect, target).schema}, ${targetLiterals(dialect, target).table}, ${dialect.literal(topic)}, ${batch}.${q('partition')}, ${batch}.${q('last_offset')}, ${dialect.literal(batchId)}, ${dialect.loadedAt} ` +
      `FROM (${batchRows}) AS ${batch} ` +
      `LEFT JOIN ${ledger} AS ${existing} ON ${existing}.${q('topic')} = ${dialect.literal(topic)} AND ${existing}.${q('partition')} = ${batch}.${q('partition')} ` +
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
