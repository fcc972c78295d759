import { META } from '@pgshift/contracts';
import type { Dialect } from '../dialect.js';
import type { DeleteMode, TargetTable } from '../merge-plan.js';
import { quoteIdentifier, quoteQualified } from './identifiers.js';

/** A column to create or add: its target name and type. */
export interface ColumnDefinition {
  name: string;
  type: string;
}

/**
 * pgshift's columns in a target table: where each row's last change came from and when it was loaded;
 * soft-delete mode adds the deletion marker; tables without a primary key are append-only and keep
 * the op and the Kafka position of every row.
 */
export function targetMetadataColumns(dialect: Dialect, shape: { deleteMode: DeleteMode; hasPrimaryKey: boolean }): ColumnDefinition[] {
  const t = dialect.metaTypes;
  const columns: ColumnDefinition[] = [
    { name: META.lsn, type: t.bigint },
    { name: META.txLsn, type: t.bigint },
    { name: META.sourceTs, type: t.timestamp },
    { name: META.loadedAt, type: t.timestamp },
  ];
  if (shape.deleteMode === 'soft') columns.push({ name: META.deleted, type: t.boolean }, { name: META.deletedAt, type: t.timestamp });
  if (!shape.hasPrimaryKey) {
    columns.push({ name: META.op, type: t.op }, { name: META.partition, type: t.integer }, { name: META.offset, type: t.bigint });
  }
  return columns;
}

export function createSchemaStatement(dialect: Dialect, schema: string): string {
  return `CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema, dialect.identifiers)}`;
}

/**
 * CREATE TABLE IF NOT EXISTS with the primary key declared (Redshift does not enforce it, but its
 * planner uses it). Only key columns are NOT NULL: a source column's NOT NULL is not copied, because a
 * column dropped at the source stays in the warehouse and receives NULLs.
 */
export function createTableStatement(dialect: Dialect, target: TargetTable, columns: readonly ColumnDefinition[], primaryKey: readonly string[]): string {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const keys = new Set(primaryKey);
  const definitions = columns.map((c) => `${q(c.name)} ${c.type}${keys.has(c.name) ? ' NOT NULL' : ''}`);
  if (primaryKey.length > 0) definitions.push(`PRIMARY KEY (${primaryKey.map(q).join(', ')})`);
  return `CREATE TABLE IF NOT EXISTS ${quoteQualified(target.schema, target.table, dialect.identifiers)} (${definitions.join(', ')})`;
}

/** One column per statement: Redshift's ALTER TABLE adds only one at a time. */
export function addColumnStatement(dialect: Dialect, target: TargetTable, column: ColumnDefinition): string {
  return `ALTER TABLE ${quoteQualified(target.schema, target.table, dialect.identifiers)} ADD COLUMN ${quoteIdentifier(column.name, dialect.identifiers)} ${column.type}`;
}

/** Widening a VARCHAR: on Redshift the only type change allowed in place, and never inside a transaction. */
export function alterColumnTypeStatement(dialect: Dialect, target: TargetTable, column: string, type: string): string {
  return `ALTER TABLE ${quoteQualified(target.schema, target.table, dialect.identifiers)} ALTER COLUMN ${quoteIdentifier(column, dialect.identifiers)} TYPE ${type}`;
}

export function dropColumnStatement(dialect: Dialect, target: TargetTable, column: string): string {
  return `ALTER TABLE ${quoteQualified(target.schema, target.table, dialect.identifiers)} DROP COLUMN ${quoteIdentifier(column, dialect.identifiers)}`;
}

/**
 * Every row of a target, for a reload of a table without a primary key (a replay would otherwise
 * append its rows a second time). DELETE, not TRUNCATE: Redshift's TRUNCATE commits the transaction.
 */
export function emptyTargetStatement(dialect: Dialect, target: TargetTable): string {
  return `DELETE FROM ${quoteQualified(target.schema, target.table, dialect.identifiers)}`;
}
