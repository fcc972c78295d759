import { META } from '@pgshift/contracts';
import type { Dialect } from '../dialect.js';
import type { DeleteMode, TargetTable } from '../merge-plan.js';
import { foldIdentifier, quoteIdentifier, quoteQualified } from './identifiers.js';
import { encodeClause, type TableDesign, tableDesignClauses } from './table-design.js';

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
export function createTableStatement(
  dialect: Dialect,
  target: TargetTable,
  columns: readonly ColumnDefinition[],
  primaryKey: readonly string[],
  design: TableDesign | null = null,
): string {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const keys = new Set(primaryKey);
  const definitions = columns.map((c) => `${q(c.name)} ${c.type}${encodeClause(dialect, design, c.name)}${keys.has(c.name) ? ' NOT NULL' : ''}`);
  if (primaryKey.length > 0) definitions.push(`PRIMARY KEY (${primaryKey.map(q).join(', ')})`);
  return `CREATE TABLE IF NOT EXISTS ${quoteQualified(target.schema, target.table, dialect.identifiers)} (${definitions.join(', ')})${tableDesignClauses(dialect, design, primaryKey)}`;
}

/** One column per statement: Redshift's ALTER TABLE adds only one at a time. */
export function addColumnStatement(dialect: Dialect, target: TargetTable, column: ColumnDefinition): string {
  return `ALTER TABLE ${quoteQualified(target.schema, target.table, dialect.identifiers)} ADD COLUMN ${quoteIdentifier(column.name, dialect.identifiers)} ${column.type}`;
}

/**
 * A column the source added with a constant default: PostgreSQL filled its existing rows with it
 * without emitting a change, so the warehouse's existing rows get it too — and only they: one
 * transaction that adds the column, fills the rows there and leaves no default behind (rows of later
 * batches carry their own values; a batch lacking the column, once the source drops it, gives NULL as
 * for every dropped column). PostgreSQL: ADD … DEFAULT (no rewrite) then DROP DEFAULT. Redshift has no
 * ALTER COLUMN … DROP DEFAULT: ADD, then UPDATE.
 */
export function addColumnWithDefaultStatements(dialect: Dialect, target: TargetTable, column: ColumnDefinition, defaultText: string): string[] {
  const table = quoteQualified(target.schema, target.table, dialect.identifiers);
  const name = quoteIdentifier(column.name, dialect.identifiers);
  const value = `CAST(${dialect.literal(defaultText)} AS ${column.type})`;
  if (dialect.name === 'postgres') {
    return [`ALTER TABLE ${table} ADD COLUMN ${name} ${column.type} DEFAULT ${value}`, `ALTER TABLE ${table} ALTER COLUMN ${name} DROP DEFAULT`];
  }
  return [`ALTER TABLE ${table} ADD COLUMN ${name} ${column.type}`, `UPDATE ${table} SET ${name} = ${value}`];
}

/**
 * Widening in place: on Redshift only a VARCHAR's length (and never inside a transaction); PostgreSQL
 * converts every value with its own cast (`USING`), the cast the source made.
 */
export function alterColumnTypeStatement(dialect: Dialect, target: TargetTable, column: string, type: string): string {
  const name = quoteIdentifier(column, dialect.identifiers);
  const using = dialect.name === 'postgres' ? ` USING CAST(${name} AS ${type})` : '';
  return `ALTER TABLE ${quoteQualified(target.schema, target.table, dialect.identifiers)} ALTER COLUMN ${name} TYPE ${type}${using}`;
}

/** The column a retype by copy fills before it takes the old column's name (pgshift's prefix: no source column has it). */
export const RETYPE_COLUMN = '_pgshift_retyped';

/**
 * Widening a column whose type Redshift cannot alter (INTEGER → BIGINT, → DECIMAL, → VARCHAR …): a new
 * column of the new type, every value copied with a cast, the old column dropped and the new one given
 * its name. One transaction: a reader sees the old column or the new one, never neither. The column
 * moves to the end of the table, which nothing depends on (COPY, the merge and verify name columns).
 */
export function retypeByCopyStatements(dialect: Dialect, target: TargetTable, column: string, type: string): string[] {
  const table = quoteQualified(target.schema, target.table, dialect.identifiers);
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  return [
    `ALTER TABLE ${table} ADD COLUMN ${q(RETYPE_COLUMN)} ${type}`,
    `UPDATE ${table} SET ${q(RETYPE_COLUMN)} = CAST(${q(column)} AS ${type})`,
    `ALTER TABLE ${table} DROP COLUMN ${q(column)}`,
    `ALTER TABLE ${table} RENAME COLUMN ${q(RETYPE_COLUMN)} TO ${q(column)}`,
  ];
}

/**
 * A column whose rows the warehouse cannot convert to the source's new type (a retype that is no
 * widening): replaced by an empty column of the new type, so that the batch loads; the table is then
 * incomplete until a resync fills the old rows again. One transaction, as retypeByCopyStatements.
 */
export function replaceColumnStatements(dialect: Dialect, target: TargetTable, column: ColumnDefinition): string[] {
  const table = quoteQualified(target.schema, target.table, dialect.identifiers);
  const name = quoteIdentifier(column.name, dialect.identifiers);
  return [`ALTER TABLE ${table} DROP COLUMN ${name}`, `ALTER TABLE ${table} ADD COLUMN ${name} ${column.type}`];
}

/**
 * The source dropped the table's primary key: the warehouse's goes too, by the name both give it
 * (`<table>_pkey`). PostgreSQL enforces it, which appended changes of one key would break; Redshift
 * does not, but its planner trusts a declared key to be unique, and wrong results follow when it is not.
 */
export function dropPrimaryKeyStatements(dialect: Dialect, target: TargetTable): string[] {
  const name = quoteIdentifier(`${foldIdentifier(target.table, dialect.identifiers)}_pkey`.slice(0, 63), dialect.identifiers);
  const ifExists = dialect.name === 'postgres' ? 'IF EXISTS ' : '';
  return [`ALTER TABLE ${quoteQualified(target.schema, target.table, dialect.identifiers)} DROP CONSTRAINT ${ifExists}${name}`];
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
