import { META, qualifiedName } from '@pgshift/contracts';
import type { TargetColumn } from './adapter.js';
import { type MappedColumn, primaryKeyOf } from './columns.js';
import type { Dialect } from './dialect.js';
import { IncompatibleSchemaChange } from './errors.js';
import type { DeleteMode, TargetTable } from './merge-plan.js';
import {
  addColumnStatement,
  addColumnWithDefaultStatements,
  alterColumnTypeStatement,
  type ColumnDefinition,
  createSchemaStatement,
  createTableStatement,
  dropColumnStatement,
  dropPrimaryKeyStatements,
  replaceColumnStatements,
  retypeByCopyStatements,
  targetMetadataColumns,
} from './sql/ddl.js';
import type { TableDesign } from './sql/table-design.js';
import { fitOf, widensInPlace } from './typing/type-shape.js';

export interface SchemaEvolutionInput {
  target: TargetTable;
  /** The batch's columns, mapped (mapColumns). */
  columns: readonly MappedColumn[];
  /** The target's columns as the warehouse reports them; null when the table does not exist. */
  existing: readonly TargetColumn[] | null;
  deleteMode: DeleteMode;
  /** Drop target columns the source no longer has, instead of keeping them (they then receive NULLs). */
  dropRemovedColumns?: boolean;
  /**
   * The columns of the batch applied before this one (mapped), when the loader knows them: what tells a
   * rename (one column gone and one new at once) and a column dropped and added again. Null or absent:
   * those two cannot be told (after a restart), and are not reported.
   */
  previousColumns?: readonly MappedColumn[] | null;
}

/** A change whose effect on the rows already in the warehouse pgshift cannot reproduce from the changes it sees. */
export interface NonReproducibleChange {
  kind: 'retype' | 'rename' | 're-added' | 'unknown-fill' | 'key-added' | 'key-dropped';
  /** The column(s) concerned. */
  columns: string[];
  reason: string;
}

export interface SchemaEvolutionPlan {
  createTable: { columns: ColumnDefinition[]; primaryKey: string[] } | null;
  /** Source columns (and pgshift columns) the target lacks; `defaultValue`: the constant the source filled its rows with. */
  addColumns: (ColumnDefinition & { defaultValue?: string })[];
  /**
   * Columns the batch needs wider (typing/type-shape.ts fitOf): `inPlace` with ALTER COLUMN TYPE (a
   * statement of its own, outside a transaction), else by copy into a new column (one transaction).
   */
  widenColumns: { name: string; from: string; to: string; inPlace: boolean }[];
  /** Columns retyped at the source beyond a widening: replaced by an empty column of the new type (only with a resync). */
  replaceColumns: ColumnDefinition[];
  /** Target columns the batch no longer has: kept (they receive NULLs) unless listed in dropColumns too. */
  removedColumns: string[];
  dropColumns: string[];
  /** The source dropped the table's primary key: the warehouse's goes too, so that changes append (sql/ddl.ts dropPrimaryKeyStatements). */
  dropPrimaryKey: boolean;
  /** What leaves the warehouse's existing rows different from the source's: the table needs a resync. */
  nonReproducible: NonReproducibleChange[];
}

const PGSHIFT_COLUMNS = new Set<string>(Object.values(META));

/**
 * What the target needs before this batch can be merged. A narrower source type never narrows the
 * target (it keeps the wider column); a widening is followed in place; a retype beyond a widening, a
 * rename, a column dropped and added again and a column added NOT NULL with no default Debezium
 * carries (a volatile one) are listed in `nonReproducible` (the loader's schema-change policy decides:
 * resync or stop). A retyped primary-key column that cannot follow throws IncompatibleSchemaChange.
 */
export function planSchemaEvolution(dialect: Dialect, input: SchemaEvolutionInput): SchemaEvolutionPlan {
  const metadata = targetMetadataColumns(dialect, { deleteMode: input.deleteMode, hasPrimaryKey: primaryKeyOf(input.columns).length > 0 });
  const plan: SchemaEvolutionPlan = {
    createTable: null,
    addColumns: [],
    widenColumns: [],
    replaceColumns: [],
    removedColumns: [],
    dropColumns: [],
    dropPrimaryKey: false,
    nonReproducible: [],
  };

  if (input.existing === null) {
    plan.createTable = {
      columns: [...input.columns.map((c) => ({ name: c.name, type: c.type })), ...metadata],
      primaryKey: primaryKeyOf(input.columns).map((c) => c.name),
    };
    return plan;
  }

  const table = qualifiedName(input.target);
  const existing = new Map(input.existing.map((c) => [c.name, c]));
  // An append table (no key) keeps the op and the Kafka position of every row; a keyed one does not.
  const wasAppend = existing.has(META.op);
  const keyed = primaryKeyOf(input.columns).length > 0;
  if (wasAppend && keyed) {
    plan.nonReproducible.push({
      kind: 'key-added',
      columns: primaryKeyOf(input.columns).map((c) => c.name),
      reason: `${table} gained a primary key: the warehouse holds a row per change of the append table, and keeps those of keys no change touches (a resync that empties the table first makes it one row per key)`,
    });
  }
  if (!wasAppend && !keyed) {
    plan.dropPrimaryKey = true;
    plan.nonReproducible.push({
      kind: 'key-dropped',
      columns: [],
      reason: `${table} lost its primary key: changes are appended from now on, the rows loaded before stay one per key`,
    });
  }
  const previous = input.previousColumns ? new Set(input.previousColumns.map((c) => c.name)) : null;
  for (const column of input.columns) {
    const current = existing.get(column.name);
    if (current === undefined) {
      const defaultValue = column.source.defaultValue;
      plan.addColumns.push({ name: column.name, type: column.type, ...(defaultValue !== undefined ? { defaultValue } : {}) });
      if (defaultValue === undefined && !column.source.nullable && !column.primaryKey) {
        plan.nonReproducible.push({
          kind: 'unknown-fill',
          columns: [column.name],
          reason: `${table}.${column.name} was added NOT NULL without a constant default (a volatile default such as now() fills existing rows with values no change carries)`,
        });
      }
      continue;
    }
    if (previous !== null && !previous.has(column.name) && !PGSHIFT_COLUMNS.has(column.name)) {
      plan.nonReproducible.push({
        kind: 're-added',
        columns: [column.name],
        reason: `${table}.${column.name} was dropped and added again: the warehouse still holds the old column's values`,
      });
    }
    const [from, to] = [dialect.typeShape(current.type), dialect.typeShape(column.type)];
    const fit = fitOf(from, to);
    if (fit.fit === 'widen') {
      const inPlace = widensInPlace(dialect.name, from, to);
      if (!inPlace && column.primaryKey) {
        throw new IncompatibleSchemaChange(
          table,
          column.name,
          current.type,
          column.type,
          "Redshift cannot alter a key column's type; the table must be created again",
        );
      }
      plan.widenColumns.push({ name: column.name, from: current.type, to: column.type, inPlace });
    }
    if (fit.fit === 'incompatible') {
      if (column.primaryKey) throw new IncompatibleSchemaChange(table, column.name, current.type, column.type, fit.reason);
      plan.replaceColumns.push({ name: column.name, type: column.type });
      plan.nonReproducible.push({
        kind: 'retype',
        columns: [column.name],
        reason: `${table}.${column.name} changed from ${current.type} to ${column.type}, which is no widening (${fit.reason}): the rows already loaded cannot be converted`,
      });
    }
  }
  for (const column of metadata) {
    if (!existing.has(column.name)) plan.addColumns.push(column);
  }

  const batchNames = new Set(input.columns.map((c) => c.name));
  plan.removedColumns = input.existing.map((c) => c.name).filter((name) => !batchNames.has(name) && !PGSHIFT_COLUMNS.has(name));
  if (input.dropRemovedColumns) plan.dropColumns = [...plan.removedColumns];

  if (input.previousColumns) {
    const gone = input.previousColumns.filter((c) => !batchNames.has(c.name)).map((c) => c.name);
    const added = plan.addColumns.filter((c) => !PGSHIFT_COLUMNS.has(c.name)).map((c) => c.name);
    if (gone.length > 0 && added.length > 0) {
      plan.nonReproducible.push({
        kind: 'rename',
        columns: [...gone, ...added],
        reason: `${table}: ${gone.join(', ')} gone and ${added.join(', ')} new in one schema change (a rename?): the new column is empty on rows loaded before`,
      });
    }
  }
  return plan;
}

export function isNoChange(plan: SchemaEvolutionPlan): boolean {
  return (
    plan.createTable === null &&
    plan.addColumns.length === 0 &&
    plan.widenColumns.length === 0 &&
    plan.replaceColumns.length === 0 &&
    plan.dropColumns.length === 0 &&
    !plan.dropPrimaryKey &&
    plan.nonReproducible.length === 0
  );
}

/**
 * One DDL step: a statement run on its own, outside a transaction (Redshift's ALTER COLUMN TYPE must
 * be), or several statements run as one transaction.
 */
export type DdlStep = string | readonly string[];

/** The DDL for a plan, in order, for WarehouseAdapter.executeDdl. */
export function schemaEvolutionStatements(dialect: Dialect, target: TargetTable, plan: SchemaEvolutionPlan, design?: TableDesign | null): DdlStep[] {
  if (plan.createTable !== null) {
    return [
      createSchemaStatement(dialect, target.schema),
      createTableStatement(dialect, target, plan.createTable.columns, plan.createTable.primaryKey, design ?? null),
    ];
  }
  return [
    ...plan.addColumns.map((c) =>
      c.defaultValue === undefined ? addColumnStatement(dialect, target, c) : addColumnWithDefaultStatements(dialect, target, c, c.defaultValue),
    ),
    ...plan.widenColumns.map((c) =>
      c.inPlace ? alterColumnTypeStatement(dialect, target, c.name, c.to) : retypeByCopyStatements(dialect, target, c.name, c.to),
    ),
    ...plan.replaceColumns.map((c) => replaceColumnStatements(dialect, target, c)),
    ...plan.dropColumns.map((name) => dropColumnStatement(dialect, target, name)),
    ...(plan.dropPrimaryKey ? dropPrimaryKeyStatements(dialect, target) : []),
  ];
}
