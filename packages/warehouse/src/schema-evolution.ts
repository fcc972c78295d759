import { META, qualifiedName } from '@pgshift/contracts';
import type { TargetColumn } from './adapter.js';
import { type MappedColumn, primaryKeyOf } from './columns.js';
import type { Dialect } from './dialect.js';
import { IncompatibleSchemaChange } from './errors.js';
import type { DeleteMode, TargetTable } from './merge-plan.js';
import {
  addColumnStatement,
  alterColumnTypeStatement,
  type ColumnDefinition,
  createSchemaStatement,
  createTableStatement,
  dropColumnStatement,
  targetMetadataColumns,
} from './sql/ddl.js';
import { fitOf } from './typing/type-shape.js';

export interface SchemaEvolutionInput {
  target: TargetTable;
  /** The batch's columns, mapped (mapColumns). */
  columns: readonly MappedColumn[];
  /** The target's columns as the warehouse reports them; null when the table does not exist. */
  existing: readonly TargetColumn[] | null;
  deleteMode: DeleteMode;
  /** Drop target columns the source no longer has, instead of keeping them (they then receive NULLs). */
  dropRemovedColumns?: boolean;
}

export interface SchemaEvolutionPlan {
  createTable: { columns: ColumnDefinition[]; primaryKey: string[] } | null;
  /** Source columns (and pgshift columns) the target lacks. */
  addColumns: ColumnDefinition[];
  /** String columns whose batch type is longer than the target's. */
  widenColumns: { name: string; from: string; to: string }[];
  /** Target columns the batch no longer has: kept (they receive NULLs) unless listed in dropColumns too. */
  removedColumns: string[];
  dropColumns: string[];
}

const PGSHIFT_COLUMNS = new Set<string>(Object.values(META));

/**
 * What the target needs before this batch can be merged. A narrower source type never narrows the
 * target (it keeps the wider column); a change the target cannot follow in place (another type family,
 * a numeric scale it cannot hold, a longer integer) throws IncompatibleSchemaChange.
 */
export function planSchemaEvolution(dialect: Dialect, input: SchemaEvolutionInput): SchemaEvolutionPlan {
  const metadata = targetMetadataColumns(dialect, { deleteMode: input.deleteMode, hasPrimaryKey: primaryKeyOf(input.columns).length > 0 });
  const plan: SchemaEvolutionPlan = { createTable: null, addColumns: [], widenColumns: [], removedColumns: [], dropColumns: [] };

  if (input.existing === null) {
    plan.createTable = {
      columns: [...input.columns.map((c) => ({ name: c.name, type: c.type })), ...metadata],
      primaryKey: primaryKeyOf(input.columns).map((c) => c.name),
    };
    return plan;
  }

  const existing = new Map(input.existing.map((c) => [c.name, c]));
  for (const column of input.columns) {
    const current = existing.get(column.name);
    if (current === undefined) {
      plan.addColumns.push({ name: column.name, type: column.type });
      continue;
    }
    const fit = fitOf(dialect.typeShape(current.type), dialect.typeShape(column.type));
    if (fit.fit === 'widen') plan.widenColumns.push({ name: column.name, from: current.type, to: column.type });
    if (fit.fit === 'incompatible') {
      throw new IncompatibleSchemaChange(qualifiedName(input.target), column.name, current.type, column.type, fit.reason);
    }
  }
  for (const column of metadata) {
    if (!existing.has(column.name)) plan.addColumns.push(column);
  }

  const batchNames = new Set(input.columns.map((c) => c.name));
  plan.removedColumns = input.existing.map((c) => c.name).filter((name) => !batchNames.has(name) && !PGSHIFT_COLUMNS.has(name));
  if (input.dropRemovedColumns) plan.dropColumns = [...plan.removedColumns];
  return plan;
}

export function isNoChange(plan: SchemaEvolutionPlan): boolean {
  return plan.createTable === null && plan.addColumns.length === 0 && plan.widenColumns.length === 0 && plan.dropColumns.length === 0;
}

/**
 * The DDL for a plan, in order, for WarehouseAdapter.executeDdl (each statement on its own: Redshift
 * refuses ALTER COLUMN TYPE inside a transaction).
 */
export function schemaEvolutionStatements(dialect: Dialect, target: TargetTable, plan: SchemaEvolutionPlan): string[] {
  if (plan.createTable !== null) {
    return [createSchemaStatement(dialect, target.schema), createTableStatement(dialect, target, plan.createTable.columns, plan.createTable.primaryKey)];
  }
  return [
    ...plan.addColumns.map((c) => addColumnStatement(dialect, target, c)),
    ...plan.widenColumns.map((c) => alterColumnTypeStatement(dialect, target, c.name, c.to)),
    ...plan.dropColumns.map((name) => dropColumnStatement(dialect, target, name)),
  ];
}
