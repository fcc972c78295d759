import { createHash } from 'node:crypto';
import type { PartitionRange } from '@pgshift/contracts';
import type { Dialect } from '../dialect.js';
import type { TargetTable } from '../merge-plan.js';
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
 *
 * Each target table has a ledger table of its own, `pgshift."ledger_<name>_<hash>"` (targetLedgerName),
 * and every batch's transaction LOCKs it first (lockLedgerStatement). Redshift detects conflicts per
 * table: with one ledger shared by every table, concurrent loads of different tables each read and write
 * it and abort each other with error 1023 under SERIALIZABLE isolation. With a ledger per target, loads of
 * different tables share no table at all; loads of one target (two loaders during a rebalance, a zombie)
 * queue on its ledger's lock, and the one that waited takes its snapshot after the other committed, so its
 * ledger filter drops what the other applied (under SNAPSHOT isolation too, where nothing else would stop
 * both from committing).
 *
 * `pgshift.ledger` and `pgshift.truncations`, the shared tables of earlier versions, are still created;
 * a target's ledger table is filled from them once, in the transaction that creates it.
 */
export const LEDGER = { schema: 'pgshift', table: 'ledger' } as const;

/**
 * The truncation watermark: per stream, the LSN of the latest source TRUNCATE applied. A
 * truncate's event has no key, so it lands on any partition and can be consumed before or after
 * changes that precede or follow it on other partitions. TRUNCATE takes an ACCESS EXCLUSIVE lock, so
 * every change committed before it has a smaller LSN and every change after it a larger one: a change
 * below the watermark was erased by a truncate already applied and must not be written again.
 * It is kept in the target's ledger table, as the stream's row of partition WATERMARK_PARTITION (Kafka
 * partitions are never negative) whose `last_offset` holds the LSN. `TRUNCATIONS` names the shared table of
 * earlier versions.
 */
export const TRUNCATIONS = { schema: 'pgshift', table: 'truncations' } as const;

/** The ledger row of a stream that holds its truncation watermark (an LSN in `last_offset`). */
export const WATERMARK_PARTITION = -1;

/** Target ledger tables are named `ledger_<readable part>_<hash>`: short enough for PostgreSQL's 63 bytes. */
export const TARGET_LEDGER_PREFIX = 'ledger_';

/**
 * The target's own ledger table's name, unquoted: a readable part of the target's name and a hash of
 * its full stored name (schema and table), always lower case and at most 58 characters, so that it is
 * the same on every warehouse and never truncated.
 */
export function targetLedgerName(dialect: Dialect, target: TargetTable): string {
  const schema = foldIdentifier(target.schema, dialect.identifiers);
  const table = foldIdentifier(target.table, dialect.identifiers);
  const readable = `${schema}_${table}`
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .slice(0, 40);
  const hash = createHash('sha256').update(`${schema}\u0000${table}`).digest('hex').slice(0, 10);
  return `${TARGET_LEDGER_PREFIX}${readable}_${hash}`;
}

/** The target's ledger table, quoted; without a target, the shared ledger of earlier versions. */
export function ledgerTableName(dialect: Dialect, target?: TargetTable): string {
  return quoteQualified(LEDGER.schema, target ? targetLedgerName(dialect, target) : LEDGER.table, dialect.identifiers);
}

/** The names of every target's ledger table (column `table_name`), for listing all ledgers (`ledger show`). */
export function targetLedgerTablesStatement(dialect: Dialect): string {
  return (
    `SELECT table_name FROM information_schema.tables WHERE table_schema = ${dialect.literal(LEDGER.schema)} ` +
    `AND table_name LIKE ${dialect.literal(`${TARGET_LEDGER_PREFIX.replace('_', '\\_')}%`)} ORDER BY table_name`
  );
}

/** The shared truncations table of earlier versions (the watermark now lives in the target's ledger table). */
export function truncationsTableName(dialect: Dialect): string {
  return quoteQualified(TRUNCATIONS.schema, TRUNCATIONS.table, dialect.identifiers);
}

/**
 * Taken first in every batch's transaction (before any statement that takes a snapshot): loaders of one
 * target queue here. Redshift's LOCK is exclusive; on PostgreSQL a self-conflicting mode that still lets
 * plain reads (`ledger show`) through.
 */
export function lockLedgerStatement(dialect: Dialect, target: TargetTable): string {
  const table = ledgerTableName(dialect, target);
  return dialect.name === 'redshift' ? `LOCK ${table}` : `LOCK TABLE ${table} IN SHARE ROW EXCLUSIVE MODE`;
}

/**
 * Creates the target's ledger table and, in the same transaction, copies the target's rows of the
 * shared ledger and truncations tables of earlier versions into it. Run as one transaction: when the
 * table already exists the CREATE fails (the caller ignores "already exists") and nothing is copied
 * again, so a reset ledger is never refilled from the old rows.
 */
export function createTargetLedgerStatements(dialect: Dialect, target: TargetTable): string[] {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const table = ledgerTableName(dialect, target);
  const names = targetLiterals(dialect, target);
  const isTarget = `${q('target_schema')} = ${names.schema} AND ${q('target_table')} = ${names.table}`;
  const columns = ['target_schema', 'target_table', 'topic', 'partition', 'last_offset', 'batch_id', 'updated_at'].map(q).join(', ');
  return [
    `CREATE TABLE ${table} (` + ledgerColumnsSql(dialect, { perTarget: true }) + ')',
    `INSERT INTO ${table} (${columns}) SELECT ${columns} FROM ${ledgerTableName(dialect)} WHERE ${isTarget}`,
    `INSERT INTO ${table} (${columns}) SELECT ${q('target_schema')}, ${q('target_table')}, ${q('topic')}, ${WATERMARK_PARTITION}, ${q('lsn')}, ` +
      `${q('batch_id')}, ${q('updated_at')} FROM ${truncationsTableName(dialect)} WHERE ${isTarget}`,
  ];
}

/**
 * The columns and key of a ledger table, shared and per target alike; a target's own also has
 * `last_tx_lsn` (the transaction position of the newest change of the batch that moved `last_offset`),
 * which tells a topic deleted and re-created from the topic it replaced (forgetRecreatedTopicStatement).
 */
function ledgerColumnsSql(dialect: Dialect, { perTarget }: { perTarget: boolean }): string {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const t = dialect.metaTypes;
  // Kafka topic names are at most 249 characters; schema and table names at most 127 bytes.
  const text = dialect.name === 'redshift' ? 'VARCHAR(512)' : 'text';
  return [
    `${q('target_schema')} ${text} NOT NULL`,
    `${q('target_table')} ${text} NOT NULL`,
    `${q('topic')} ${text} NOT NULL`,
    `${q('partition')} ${t.integer} NOT NULL`,
    `${q('last_offset')} ${t.bigint} NOT NULL`,
    `${q('batch_id')} ${text} NOT NULL`,
    `${q('updated_at')} ${t.timestamp} NOT NULL`,
    ...(perTarget ? [`${q('last_tx_lsn')} ${t.bigint}`] : []),
    `PRIMARY KEY (${q('topic')}, ${q('target_schema')}, ${q('target_table')}, ${q('partition')})`,
  ].join(', ');
}

/** The shared schema, and the shared tables of earlier versions (the source of createTargetLedgerStatements' copy). */
export function createLedgerStatements(dialect: Dialect): string[] {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const t = dialect.metaTypes;
  // Kafka topic names are at most 249 characters; schema and table names at most 127 bytes.
  const text = dialect.name === 'redshift' ? 'VARCHAR(512)' : 'text';
  return [
    `CREATE SCHEMA IF NOT EXISTS ${q(LEDGER.schema)}`,
    `CREATE TABLE IF NOT EXISTS ${ledgerTableName(dialect)} (` + ledgerColumnsSql(dialect, { perTarget: false }) + ')',
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

/**
 * Rows `partition`, `last_offset` (bigint as text on PostgreSQL) of one stream, its watermark left out.
 * For a batch (`changesFrom`, the smallest transaction position of its changes), without the rows that
 * an earlier topic of the same name left (forgetRecreatedTopicStatement): they cover none of its offsets.
 */
export function selectLedgerStatement(dialect: Dialect, stream: LedgerStream, changesFrom?: bigint | null): string {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const current = changesFrom == null ? '' : ` AND (${q('last_tx_lsn')} IS NULL OR ${q('last_tx_lsn')} >= ${changesFrom})`;
  return (
    `SELECT ${q('partition')}, ${q('last_offset')} FROM ${ledgerTableName(dialect, stream.target)} ` +
    `WHERE ${streamIs(dialect, stream)} AND ${q('partition')} >= 0${current} ORDER BY ${q('partition')}`
  );
}

/**
 * A change topic deleted and re-created (by hand, or by a restore) starts again at offset 0, while the
 * ledger still holds the old topic's offsets: without this, the new topic's changes up to those offsets
 * would be dropped as "already applied". Told apart from a replay by the source's positions, which the
 * topic does not reset: along a partition the transaction position never goes down, so a batch that
 * overlaps a partition's ledger offset but whose changes all come after the change that set it carries
 * offsets of another topic. Those ledger rows are removed first in the batch's transaction (after the
 * ledger's lock); the rest of the transaction then sees a ledger that starts again with the new topic.
 * A replay never matches: a replayed change at or below the ledger offset is at or before the change
 * that set it. Rows without a position (an earlier version's) are kept: the check needs both sides.
 */
export function forgetRecreatedTopicStatement(dialect: Dialect, stream: LedgerStream, ranges: readonly PartitionRange[], changesFrom: bigint): string | null {
  if (ranges.length === 0) return null;
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const overlapped = ranges.map((r) => `(${q('partition')} = ${r.partition} AND ${q('last_offset')} >= ${r.first})`).join(' OR ');
  return `DELETE FROM ${ledgerTableName(dialect, stream.target)} WHERE ${streamIs(dialect, stream)} AND (${overlapped}) AND ${q('last_tx_lsn')} < ${changesFrom}`;
}

/** `topic = … AND target_schema = … AND target_table = …`, the columns qualified by `table` when given. */
function streamIs(dialect: Dialect, { topic, target }: LedgerStream, table?: string): string {
  const q = (name: string) => (table ? `${table}.` : '') + quoteIdentifier(name, dialect.identifiers);
  const names = targetLiterals(dialect, target);
  return `${q('topic')} = ${dialect.literal(topic)} AND ${q('target_schema')} = ${names.schema} AND ${q('target_table')} = ${names.table}`;
}

/** Forgets every ledger row of a target: its offsets and (being rows of the same table) its truncation watermarks. */
export function clearLedgerStatement(dialect: Dialect, target: TargetTable): string {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  return (
    `DELETE FROM ${ledgerTableName(dialect, target)} WHERE ${q('target_schema')} = ${targetLiterals(dialect, target).schema} ` +
    `AND ${q('target_table')} = ${targetLiterals(dialect, target).table}`
  );
}

/**
 * The rows of the given target ledger tables (targetLedgerTablesStatement lists them; one target's is
 * targetLedgerName), or one target's rows only, each column as text (`pgshift ledger show`):
 * target_schema, target_table, topic, partition (-1: the truncation watermark, an LSN in last_offset),
 * last_offset, batch_id, updated_at (UTC, to the second).
 */
export function showLedgerStatement(dialect: Dialect, ledgerTables: readonly string[], target?: TargetTable): string {
  if (ledgerTables.length === 0) throw new Error('showLedgerStatement needs at least one ledger table');
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const where =
    target === undefined
      ? ''
      : ` WHERE ${q('target_schema')} = ${targetLiterals(dialect, target).schema} AND ${q('target_table')} = ${targetLiterals(dialect, target).table}`;
  const select = (table: string) =>
    `SELECT ${q('target_schema')} AS "target_schema", ${q('target_table')} AS "target_table", ${q('topic')} AS "topic", ` +
    `${dialect.asText(q('partition'), 40)} AS "partition", ${dialect.asText(q('last_offset'), 40)} AS "last_offset", ${q('batch_id')} AS "batch_id", ` +
    `TO_CHAR(${q('updated_at')}, 'YYYY-MM-DD HH24:MI:SS') AS "updated_at" ` +
    `FROM ${quoteQualified(LEDGER.schema, table, dialect.identifiers)}${where}`;
  return `${ledgerTables.map(select).join(' UNION ALL ')} ORDER BY 1, 2, 3, 4`;
}

/** Forgets the truncation watermark of a target, with its ledger (a deliberate reload replays the truncates too). */
export function clearTruncationStatement(dialect: Dialect, target: TargetTable): string {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  return (
    `DELETE FROM ${ledgerTableName(dialect, target)} WHERE ${q('target_schema')} = ${targetLiterals(dialect, target).schema} ` +
    `AND ${q('target_table')} = ${targetLiterals(dialect, target).table} AND ${q('partition')} = ${WATERMARK_PARTITION}`
  );
}

/**
 * Removes staged rows whose offset the ledger already covers. Qualified with the ledger's full name
 * (Redshift's DELETE … USING takes no aliases).
 */
export function filterStagedByLedgerStatement(
  dialect: Dialect,
  stagingTable: string,
  stream: LedgerStream,
  partitionColumn: string,
  offsetColumn: string,
): string {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const ledger = ledgerTableName(dialect, stream.target);
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
  const ledger = ledgerTableName(dialect, stream.target);
  return (
    `DELETE FROM ${stagingTable} USING ${ledger} ` +
    `WHERE ${streamIs(dialect, stream, ledger)} AND ${ledger}.${q('partition')} = ${WATERMARK_PARTITION} ` +
    `AND ${stagingTable}.${lsnColumn} < ${ledger}.${q('last_offset')}`
  );
}

/**
 * Moves the topic's truncation watermark to max(watermark, lsn): the ledger's upsert shape, a DELETE
 * of a lower watermark and an INSERT when the topic then has none.
 */
export function advanceTruncationStatements(dialect: Dialect, stream: LedgerStream, batchId: string, lsn: bigint): string[] {
  return advanceLsnRowStatements(dialect, stream, batchId, WATERMARK_PARTITION, lsn);
}

function advanceLsnRowStatements(dialect: Dialect, stream: LedgerStream, batchId: string, row: number, lsn: bigint): string[] {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const ledger = ledgerTableName(dialect, stream.target);
  const existing = q('existing');
  const batch = q('batch');
  const names = targetLiterals(dialect, stream.target);
  const isRow = `${q('partition')} = ${row}`;
  return [
    `DELETE FROM ${ledger} WHERE ${streamIs(dialect, stream)} AND ${isRow} AND ${q('last_offset')} < ${lsn}`,
    `INSERT INTO ${ledger} (${['target_schema', 'target_table', 'topic', 'partition', 'last_offset', 'batch_id', 'updated_at'].map(q).join(', ')}) ` +
      `SELECT ${names.schema}, ${names.table}, ${dialect.literal(stream.topic)}, ${row}, ${batch}.${q('lsn')}, ${dialect.literal(batchId)}, ${dialect.loadedAt} ` +
      `FROM (SELECT ${lsn} AS ${q('lsn')}) AS ${batch} ` +
      `LEFT JOIN ${ledger} AS ${existing} ON ${streamIs(dialect, stream, existing)} AND ${existing}.${isRow} ` +
      `WHERE ${existing}.${q('topic')} IS NULL`,
  ];
}

/** SQL that is true when the ledger already covers every one of the ranges (a truncate's guard). */
export function ledgerCoversCondition(dialect: Dialect, stream: LedgerStream, ranges: readonly PartitionRange[]): string {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const ledger = ledgerTableName(dialect, stream.target);
  return ranges
    .map(
      (range) =>
        `EXISTS (SELECT 1 FROM ${ledger} WHERE ${streamIs(dialect, stream)} AND ${q('partition')} = ${range.partition} AND ${q('last_offset')} >= ${range.last})`,
    )
    .join(' AND ');
}

/**
 * Moves the ledger of every partition in the batch to max(ledger, batch's last offset): an UPDATE of the
 * rows the batch supersedes and an INSERT of the partitions that then have no row (an upsert Redshift
 * accepts: no MERGE, no ON CONFLICT). `changesUpTo`, the batch's newest transaction position, raises the
 * row's `last_tx_lsn` and never lowers it (a batch of an older batcher, without positions, makes it NULL): a re-driven change or a
 * duplicate Connect sends again after a restart comes at a new offset with an old position, and the row
 * must still say how far the changes at or below its offset reach (forgetRecreatedTopicStatement).
 */
export function advanceLedgerStatements(
  dialect: Dialect,
  stream: LedgerStream,
  batchId: string,
  ranges: readonly PartitionRange[],
  changesUpTo: bigint | null = null,
): string[] {
  if (ranges.length === 0) return [];
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const ledger = ledgerTableName(dialect, stream.target);
  const superseded = ranges.map((r) => `(${q('partition')} = ${r.partition} AND ${q('last_offset')} < ${r.last})`).join(' OR ');
  const newOffset = `CASE ${q('partition')} ${ranges.map((r) => `WHEN ${r.partition} THEN ${r.last}`).join(' ')} END`;
  const txLsn = q('last_tx_lsn');
  // A batch without positions makes the row's unknown: the check never fires on what it cannot vouch for.
  const raised =
    changesUpTo === null
      ? `, ${txLsn} = CAST(NULL AS ${dialect.metaTypes.bigint})`
      : `, ${txLsn} = CASE WHEN ${txLsn} IS NULL OR ${txLsn} < ${changesUpTo} THEN ${changesUpTo} ELSE ${txLsn} END`;
  const batchRows = ranges
    .map((r, i) => (i === 0 ? `SELECT ${r.partition} AS ${q('partition')}, ${r.last} AS ${q('last_offset')}` : `SELECT ${r.partition}, ${r.last}`))
    .join(' UNION ALL ');
  const existing = q('existing');
  const batch = q('batch');
  const names = targetLiterals(dialect, stream.target);
  return [
    `UPDATE ${ledger} SET ${q('last_offset')} = ${newOffset}, ${q('batch_id')} = ${dialect.literal(batchId)}, ${q('updated_at')} = ${dialect.loadedAt}${raised} ` +
      `WHERE ${streamIs(dialect, stream)} AND (${superseded})`,
    `INSERT INTO ${ledger} (${['target_schema', 'target_table', 'topic', 'partition', 'last_offset', 'batch_id', 'updated_at', 'last_tx_lsn'].map(q).join(', ')}) ` +
      `SELECT ${names.schema}, ${names.table}, ${dialect.literal(stream.topic)}, ${batch}.${q('partition')}, ${batch}.${q('last_offset')}, ${dialect.literal(batchId)}, ${dialect.loadedAt}, ` +
      `${changesUpTo === null ? `CAST(NULL AS ${dialect.metaTypes.bigint})` : changesUpTo} ` +
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
  return (
    ranges.length > 0 &&
    ranges.every((r) => {
      const applied = ledger.get(r.partition);
      return applied !== undefined && BigInt(r.last) <= applied;
    })
  );
}
