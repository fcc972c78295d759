import { META } from '@pgshift/contracts';
import type { MappedColumn } from '../columns.js';
import type { Dialect } from '../dialect.js';
import { quoteIdentifier } from './identifiers.js';
import { toStaging } from './substitutes.js';

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
