import { createHash } from 'node:crypto';
import { META } from '@pgshift/contracts';
import type { MappedColumn } from '../columns.js';
import type { Dialect } from '../dialect.js';
import type { TargetTable } from '../merge-plan.js';
import { quoteIdentifier, quoteQualified } from './identifiers.js';
import { stagingTypeOf, toStaging } from './substitutes.js';

/**
 * A primary-key change under REPLICA IDENTITY DEFAULT reaches pgshift as a delete of the old key and a
 * create of the new one whose unchanged TOAST columns hold Debezium's placeholder. The batcher fills them
 * from the old key's image when its batch has one; otherwise the row carries the old key
 * (`_pgshift_old_key`) and this UPDATE takes the values from the old key's target row, before the merge
 * removes that row. Only for one-column keys: the old key is staged in the key column's own type.
 * The old key's row must not be newer than the create (the old key inserted again since).
 */
export function keepUnchangedFromOldKeyStatement(
  dialect: Dialect,
  columns: readonly MappedColumn[],
  stage: string,
  target: string,
  mayBeUnchanged: (column: MappedColumn) => boolean,
): string | null {
  const keys = columns.filter((c) => c.primaryKey);
  if (keys.length !== 1) return null;
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const old = q('_pgshift_old_row');
  const unchanged = `${stage}.${q(META.unchanged)}`;
  const assignments: string[] = [];
  columns.forEach((column, position) => {
    if (!mayBeUnchanged(column)) return;
    const oldValue = toStaging(dialect, column, `${old}.${q(column.name)}`);
    assignments.push(`${q(column.name)} = CASE WHEN ${unchanged} LIKE '%|${position}|%' THEN ${oldValue} ELSE ${stage}.${q(column.name)} END`);
  });
  if (assignments.length === 0) return null;
  const stagedTx = `COALESCE(${stage}.${q(META.txLsn)}, ${stage}.${q(META.lsn)})`;
  const where = [
    `${stage}.${q(META.oldKey)} = ${old}.${q(keys[0]!.name)}`,
    `${unchanged} IS NOT NULL`,
    `${stage}.${q(META.op)} <> 'd'`,
    `COALESCE(${old}.${q(META.txLsn)}, -1) <= ${stagedTx}`,
  ];
  return `UPDATE ${stage} SET ${assignments.join(', ')} FROM ${target} AS ${old} WHERE ${where.join(' AND ')}`;
}

/** The staging type of `_pgshift_old_key`: the key column's own for a one-column key (so it compares as is), else text. */
export function oldKeyStagingType(dialect: Dialect, columns: readonly MappedColumn[]): string {
  const keys = columns.filter((c) => c.primaryKey);
  return keys.length === 1 ? dialect.stagingType(keys[0]!.type) : dialect.metaTypes.positions;
}

/**
 * The moved-rows table of a target: a primary-key change's delete and create land on different Kafka
 * partitions, so they can be in different batches, and the delete's batch can be applied first. It then
 * removes the old key's target row, the only place that holds the values the create left unchanged. So
 * in hard-delete mode the delete of a moved key (the batcher marks it with `_pgshift_new_key`) first
 * copies them here, and the create's batch takes them from here (keepUnchangedFromMovedRowsStatement),
 * then forgets them. One table per column list (its name hashes the list): staged values are kept in
 * staging types, and a schema change between the two batches is not an alignment to get wrong.
 */
export function movedRowsTable(target: TargetTable, columns: readonly MappedColumn[]): TargetTable {
  const readable = `${target.schema}_${target.table}`
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 40);
  const list = columns.map((c) => `${c.name}\u0001${c.type}${c.primaryKey ? '\u0001k' : ''}`).join('\u0000');
  const hash = createHash('sha1').update(`${target.schema}\u0000${target.table}\u0000${list}`).digest('hex').slice(0, 10);
  return { schema: 'pgshift', table: `moved_${readable}_${hash}` };
}

/** The parts every moved-rows statement needs; null when the table has no place for them (see movedRowsStatements). */
interface MovedRows {
  q: (name: string) => string;
  table: string;
  key: MappedColumn;
  kept: { column: MappedColumn; position: number }[];
}

function movedRowsOf(dialect: Dialect, target: TargetTable, columns: readonly MappedColumn[], mayBeUnchanged: (c: MappedColumn) => boolean): MovedRows | null {
  const keys = columns.filter((c) => c.primaryKey);
  const kept = columns.flatMap((column, position) => (mayBeUnchanged(column) ? [{ column, position }] : []));
  if (keys.length !== 1 || kept.length === 0) return null;
  const moved = movedRowsTable(target, columns);
  return {
    q: (name) => quoteIdentifier(name, dialect.identifiers),
    table: quoteQualified(moved.schema, moved.table, dialect.identifiers),
    key: keys[0]!,
    kept,
  };
}

/**
 * Hard-delete mode, one-column keys with columns that may come back unchanged: the statements that keep a
 * moved key's values across batches, in this order (each null when not needed):
 *   create   the moved-rows table, if missing
 *   fill     a staged create of a moved key takes its unchanged values from the old key's moved row (before
 *            keep-unchanged-from-old-key, which takes them from the old key's target row when it is still there)
 *   record   (after keep-unchanged, before the target rows are removed) a staged delete of a moved key whose
 *            values are all known (its image, or the target row) replaces its key's moved row
 *   forget   the moved rows the staged creates took (or did not need: their old key's row was still there)
 *   prune    moved rows older than the retention (a create that never came: dead-lettered, filtered)
 */
export function movedRowsStatements(
  dialect: Dialect,
  target: TargetTable,
  columns: readonly MappedColumn[],
  stage: string,
  mayBeUnchanged: (column: MappedColumn) => boolean,
): { create: string; fill: string; record: [string, string]; forget: string; prune: (batchMaxSourceMs: number, retentionMs: number) => string } | null {
  const moved = movedRowsOf(dialect, target, columns, mayBeUnchanged);
  if (moved === null) return null;
  const { q, table, key, kept } = moved;
  const t = dialect.metaTypes;
  const keyName = q(key.name);
  const keptNames = kept.map(({ column }) => q(column.name));
  const create =
    `CREATE TABLE IF NOT EXISTS ${table} (${keyName} ${dialect.stagingType(key.type)} NOT NULL, ${q(META.txLsn)} ${t.bigint} NOT NULL, ` +
    `${q(META.lsn)} ${t.bigint} NOT NULL, ${q(META.sourceTs)} ${t.timestamp}, ${kept.map(({ column }) => `${q(column.name)} ${stagingTypeOf(dialect, column)}`).join(', ')})`;

  const unchanged = `${stage}.${q(META.unchanged)}`;
  const stagedTx = `COALESCE(${stage}.${q(META.txLsn)}, ${stage}.${q(META.lsn)})`;
  const assignments = kept.map(
    ({ column, position }) =>
      `${q(column.name)} = CASE WHEN ${unchanged} LIKE '%|${position}|%' THEN ${table}.${q(column.name)} ELSE ${stage}.${q(column.name)} END`,
  );
  const fill =
    `UPDATE ${stage} SET ${assignments.join(', ')} FROM ${table} WHERE ${stage}.${q(META.oldKey)} = ${table}.${keyName} AND ${unchanged} IS NOT NULL ` +
    `AND ${stage}.${q(META.op)} <> 'd' AND ${table}.${q(META.txLsn)} <= ${stagedTx}`;

  const movedDelete = `${stage}.${q(META.op)} = 'd' AND ${stage}.${q(META.newKey)} IS NOT NULL`;
  const targetTable = quoteQualified(target.schema, target.table, dialect.identifiers);
  const record: [string, string] = [
    `DELETE FROM ${table} USING ${stage} WHERE ${table}.${keyName} = ${stage}.${keyName} AND ${movedDelete}`,
    `INSERT INTO ${table} (${[keyName, q(META.txLsn), q(META.lsn), q(META.sourceTs), ...keptNames].join(', ')}) ` +
      `SELECT ${[keyName, `COALESCE(${q(META.txLsn)}, ${q(META.lsn)})`, q(META.lsn), q(META.sourceTs), ...keptNames].join(', ')} FROM ${stage} ` +
      `WHERE ${q(META.op)} = 'd' AND ${q(META.newKey)} IS NOT NULL AND (${q(META.unchanged)} IS NULL OR ${keyName} IN (SELECT ${keyName} FROM ${targetTable}))`,
  ];
  const forget = `DELETE FROM ${table} USING ${stage} WHERE ${table}.${keyName} = ${stage}.${q(META.oldKey)} AND ${stage}.${q(META.op)} <> 'd'`;
  const prune = (batchMaxSourceMs: number, retentionMs: number) =>
    `DELETE FROM ${table} WHERE ${q(META.sourceTs)} < ${dialect.timestampLiteral(batchMaxSourceMs - retentionMs)}`;
  return { create, fill, record, forget, prune };
}
