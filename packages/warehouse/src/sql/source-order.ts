import { createHash } from 'node:crypto';
import { META } from '@pgshift/contracts';
import type { MappedColumn } from '../columns.js';
import type { Dialect } from '../dialect.js';
import type { TargetTable } from '../merge-plan.js';
import { quoteIdentifier, quoteQualified } from './identifiers.js';

/**
 * Source order against the target: a staged image applies only if it is newer, by source position, than
 * what the target holds for its key: the target row (`_pgshift_tx_lsn`, `_pgshift_lsn`), or in hard-delete
 * mode, where a deleted row leaves nothing to compare with, the key's tombstone. Positions order
 * transactions by `_pgshift_tx_lsn` (the commit before them), then changes by `_pgshift_lsn`.
 *
 * Rows written before pgshift recorded transaction positions have a NULL `_pgshift_tx_lsn`: any staged
 * image replaces them (as before). Staged rows of batches from older batchers have none either; their
 * LSN stands in for it, which orders changes of different transactions correctly.
 */

/** Tombstones older than this (in source time, behind the batch being applied) are pruned. */
export const DEFAULT_TOMBSTONE_RETENTION_MS = 7 * 24 * 3600 * 1000;

/** The tombstone table of a target: pgshift.deletes_<schema>_<table>_<hash>, short enough for any identifier limit. */
export function tombstoneTable(target: TargetTable): TargetTable {
  const readable = `${target.schema}_${target.table}`
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 40);
  const hash = createHash('sha1').update(`${target.schema}\u0000${target.table}`).digest('hex').slice(0, 10);
  return { schema: 'pgshift', table: `deletes_${readable}_${hash}` };
}

export function tombstoneTableName(dialect: Dialect, target: TargetTable): string {
  const table = tombstoneTable(target);
  return quoteQualified(table.schema, table.table, dialect.identifiers);
}

/** Per target: the key and position of every key's latest delete, in the staging types of the key columns. */
export function createTombstoneTableStatement(dialect: Dialect, target: TargetTable, keys: readonly MappedColumn[]): string {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const t = dialect.metaTypes;
  const columns = [
    ...keys.map((k) => `${q(k.name)} ${dialect.stagingType(k.type)} NOT NULL`),
    `${q(META.txLsn)} ${t.bigint} NOT NULL`,
    `${q(META.lsn)} ${t.bigint} NOT NULL`,
    `${q(META.sourceTs)} ${t.timestamp}`,
  ];
  return `CREATE TABLE IF NOT EXISTS ${tombstoneTableName(dialect, target)} (${columns.join(', ')}, PRIMARY KEY (${keys.map((k) => q(k.name)).join(', ')}))`;
}

/** The staged row's position: its transaction position, or its LSN when the batch has none. */
function stagedTx(dialect: Dialect, stage: string): string {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  return `COALESCE(${stage}.${q(META.txLsn)}, ${stage}.${q(META.lsn)})`;
}

/**
 * True when the staged row must not replace `other` (a target row or a tombstone): it is older, or at the
 * same position. Two changes of one key never share a position, so an equal one is the same change
 * applied before (a replay, a duplicate after a Connect restart, a ledger reset): it changes nothing, as
 * exactly-once asks, and cannot undo what its first application filled in (the unchanged TOAST values a
 * primary-key change took from rows that are gone since). A snapshot read at a streamed change's position
 * is dropped by the same rule.
 */
export function stagedIsStaleCondition(dialect: Dialect, stage: string, other: string): string {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const sTx = stagedTx(dialect, stage);
  const oTx = `COALESCE(${other}.${q(META.txLsn)}, -1)`;
  const sLsn = `${stage}.${q(META.lsn)}`;
  const oLsn = `${other}.${q(META.lsn)}`;
  return `(${sTx} < ${oTx} OR (${sTx} = ${oTx} AND ${sLsn} <= ${oLsn}))`;
}

function keyMatch(dialect: Dialect, keys: readonly MappedColumn[], a: string, b: string): string {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  return keys.map((k) => `${a}.${q(k.name)} = ${b}.${q(k.name)}`).join(' AND ');
}

/** Drops staged rows older than the target's row of their key. */
export function dropStaleAgainstTargetStatement(dialect: Dialect, stage: string, target: string, keys: readonly MappedColumn[]): string {
  return `DELETE FROM ${stage} USING ${target} WHERE ${keyMatch(dialect, keys, target, stage)} AND ${stagedIsStaleCondition(dialect, stage, target)}`;
}

/** Drops staged rows older than their key's latest delete (hard mode: a stale image must not resurrect a row). */
export function dropStaleAgainstTombstonesStatement(dialect: Dialect, stage: string, tombstones: string, keys: readonly MappedColumn[]): string {
  return `DELETE FROM ${stage} USING ${tombstones} WHERE ${keyMatch(dialect, keys, tombstones, stage)} AND ${stagedIsStaleCondition(dialect, stage, tombstones)}`;
}

/**
 * After the merge: every staged key's tombstone is superseded (the staged rows that survived are newer);
 * the keys whose latest staged change is a delete get one at its position. `latestRows` is the SELECT of
 * the latest staged row per key (column names unqualified).
 */
export function recordTombstonesStatements(dialect: Dialect, stage: string, tombstones: string, keys: readonly MappedColumn[], latestRows: string): string[] {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const keyNames = keys.map((k) => q(k.name));
  return [
    `DELETE FROM ${tombstones} USING ${stage} WHERE ${keyMatch(dialect, keys, tombstones, stage)}`,
    `INSERT INTO ${tombstones} (${[...keyNames, q(META.txLsn), q(META.lsn), q(META.sourceTs)].join(', ')}) ` +
      `SELECT ${[...keyNames, `COALESCE(${q(META.txLsn)}, ${q(META.lsn)})`, q(META.lsn), q(META.sourceTs)].join(', ')} FROM (${latestRows}) AS ${q('_pgshift_deletes')} WHERE ${q(META.op)} = 'd'`,
  ];
}

/**
 * Forgets tombstones of deletes more than `retentionMs` (source time) before the batch's latest change.
 * Only a change from before its key's delete can be contradicted by a tombstone, and once the whole
 * stream has moved past that delete such a change reaches the loader only by a re-drive of an old
 * message; the retention bounds how old a re-driven change may be (Kafka's default log retention is 7
 * days: an older message cannot be re-driven from the change topic).
 */
export function pruneTombstonesStatement(dialect: Dialect, tombstones: string, batchMaxSourceMs: number, retentionMs: number): string {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  return `DELETE FROM ${tombstones} WHERE ${q(META.sourceTs)} < ${dialect.timestampLiteral(batchMaxSourceMs - retentionMs)}`;
}

/** A deliberate reload forgets the target's tombstones with its ledger (the replay brings its deletes again). */
export function dropTombstonesStatement(dialect: Dialect, target: TargetTable): string {
  return `DROP TABLE IF EXISTS ${tombstoneTableName(dialect, target)}`;
}
