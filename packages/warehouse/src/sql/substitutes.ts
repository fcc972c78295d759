import { META } from '@pgshift/contracts';
import type { MappedColumn } from '../columns.js';
import type { Dialect } from '../dialect.js';
import type { TargetTable } from '../merge-plan.js';
import type { SubstitutionRule } from '../typing/substitutes.js';
import { quoteIdentifier, quoteQualified } from './identifiers.js';
import { LEDGER, TARGET_LEDGER_PREFIX, targetLedgerName } from './ledger.js';

/**
 * The record of every cell that landed as its substitute (typing/substitutes.ts), one table per target
 * in pgshift's schema, `pgshift."substitutes_<readable part>_<hash>"`, appended to in the batch's own
 * transaction (so a replayed batch, filtered by the ledger, records nothing twice):
 *   target_key      the row: `id=17`, `a=1, b=x` (tables without a key: `position=<partition>/<offset>`)
 *   column_name     the warehouse column
 *   original        the value as the batch carried it, when at most 1,024 bytes; else NULL, and …
 *   original_md5, original_bytes   … its MD5 and length in bytes (always set)
 *   substitute      what landed instead
 *   batch_id, recorded_at
 */
export const SUBSTITUTES_PREFIX = 'substitutes_';

/** Originals longer than this are kept as their MD5 and length only. */
export const SUBSTITUTE_ORIGINAL_MAX_BYTES = 1024;

export function substitutesTableName(dialect: Dialect, target: TargetTable): string {
  const name = SUBSTITUTES_PREFIX + targetLedgerName(dialect, target).slice(TARGET_LEDGER_PREFIX.length);
  return quoteQualified(LEDGER.schema, name, dialect.identifiers);
}

/** The target's record table, if missing (inside the batch's transaction, like the tombstone table). */
export function createSubstitutesTableStatement(dialect: Dialect, target: TargetTable): string {
  const t = dialect.metaTypes;
  return (
    `CREATE TABLE IF NOT EXISTS ${substitutesTableName(dialect, target)} (target_key VARCHAR(65535) NOT NULL, column_name VARCHAR(127) NOT NULL, ` +
    `original VARCHAR(${SUBSTITUTE_ORIGINAL_MAX_BYTES}), original_md5 CHAR(32) NOT NULL, original_bytes ${t.integer} NOT NULL, ` +
    `substitute VARCHAR(256) NOT NULL, batch_id VARCHAR(256) NOT NULL, recorded_at ${t.timestamp} NOT NULL)`
  );
}

export interface SubstitutedColumn {
  column: MappedColumn;
  rule: SubstitutionRule;
}

/** A column's substitution rule: never for key columns (two keys could become one; an unrepresentable key stops the table). */
export function substitutionOf(dialect: Dialect, column: MappedColumn): SubstitutionRule | null {
  return column.primaryKey ? null : dialect.substitution(column.type);
}

export function substitutedColumns(dialect: Dialect, columns: readonly MappedColumn[]): SubstitutedColumn[] {
  return columns.flatMap((column) => {
    const rule = substitutionOf(dialect, column);
    return rule === null ? [] : [{ column, rule }];
  });
}

/** A staged value in the target type: the rule's substitute where there is one. */
export function fromStaging(dialect: Dialect, column: MappedColumn, expression: string): string {
  return substitutionOf(dialect, column)?.toTarget(expression) ?? dialect.fromStaging(expression, column.type);
}

/** A target value as staged text. */
export function toStaging(dialect: Dialect, column: MappedColumn, expression: string): string {
  return substitutionOf(dialect, column)?.fromTarget(expression) ?? dialect.toStaging(expression, column.type);
}

/** A column's type in the staging table. */
export function stagingTypeOf(dialect: Dialect, column: MappedColumn): string {
  return substitutionOf(dialect, column)?.stagingType ?? dialect.stagingType(column.type);
}

/** The staged rows that are written (not deletes, unless soft mode writes them). */
function writtenRows(dialect: Dialect, soft: boolean): string {
  return soft ? 'TRUE' : `${quoteIdentifier(META.op, dialect.identifiers)} <> 'd'`;
}

/** A staged row's key as text, as verify names rows: `id=17`, `a=1, b=x`. */
function keyText(dialect: Dialect, keys: readonly MappedColumn[]): string {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  if (keys.length === 0) return `'position=' || ${dialect.asText(q(META.partition))} || '/' || ${dialect.asText(q(META.offset))}`;
  return keys.map((k, i) => `${dialect.literal(`${i === 0 ? '' : ', '}${k.name}=`)} || COALESCE(${dialect.asText(q(k.name))}, 'NULL')`).join(' || ');
}

/** One INSERT … SELECT … UNION ALL: a record row per substituted cell of the staged rows. */
export function recordSubstitutesStatement(
  dialect: Dialect,
  target: TargetTable,
  stage: string,
  columns: readonly SubstitutedColumn[],
  keys: readonly MappedColumn[],
  batchId: string,
  soft: boolean,
): string {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const key = keyText(dialect, keys);
  const selects = columns.map(({ column, rule }) => {
    const value = q(column.name);
    return (
      `SELECT ${key}, ${dialect.literal(column.name)}, CASE WHEN OCTET_LENGTH(${value}) <= ${SUBSTITUTE_ORIGINAL_MAX_BYTES} THEN ${value} END, ` +
      `MD5(${value}), OCTET_LENGTH(${value}), ${dialect.literal(rule.substituteText)}, ${dialect.literal(batchId)}, ${dialect.loadedAt} ` +
      `FROM ${stage} WHERE ${writtenRows(dialect, soft)} AND ${rule.unrepresentable(value)}`
    );
  });
  return (
    `INSERT INTO ${substitutesTableName(dialect, target)} (target_key, column_name, original, original_md5, original_bytes, substitute, batch_id, recorded_at) ` +
    selects.join(' UNION ALL ')
  );
}

/**
 * PGSHIFT_UNREPRESENTABLE=stop: the transaction fails (a division by zero, Redshift has no RAISE outside
 * procedures) when a written row holds a value its column cannot hold; the adapter names the error.
 */
export function unrepresentableGuardStatement(dialect: Dialect, stage: string, columns: readonly SubstitutedColumn[], soft: boolean): string {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const any = columns.map(({ column, rule }) => rule.unrepresentable(q(column.name))).join(' OR ');
  return `SELECT 1 / (CASE WHEN COUNT(*) = 0 THEN 1 ELSE 0 END) AS ${q('no_unrepresentable_values')} FROM ${stage} WHERE ${writtenRows(dialect, soft)} AND (${any})`;
}
