import { META } from '@pgshift/contracts';
import { type Dialect, foldIdentifier, type IdentifierRules, postgresLiteral, type SubstitutionRule, type TextQueries } from '@pgshift/warehouse';
import type { ComparedTable } from './compared-table.js';
import type { ComparedColumn } from './normalise.js';
import { valueKindOf } from './value-kind.js';

/** Schemas pgshift itself uses on the source (Debezium's schema.exclude.list) and in the warehouse. */
export const PGSHIFT_SCHEMAS = ['pgshift', 'pgshift_internal'];

export interface SourceTableName {
  schema: string;
  table: string;
}

/** The tables a publication replicates (pg_publication_tables), pgshift's own left out. */
export function publishedTablesSql(publication: string, schema?: string): string {
  const exclude = PGSHIFT_SCHEMAS.map(postgresLiteral).join(', ');
  const inSchema = schema === undefined ? '' : ` AND schemaname = ${postgresLiteral(schema)}`;
  return (
    `SELECT schemaname AS "schema", tablename AS "table" FROM pg_publication_tables ` +
    `WHERE pubname = ${postgresLiteral(publication)} AND schemaname NOT IN (${exclude})${inSchema} ORDER BY 1, 2`
  );
}

export async function publishedTables(source: TextQueries, publication: string, schema?: string): Promise<SourceTableName[]> {
  const rows = await source.queryText(publishedTablesSql(publication, schema));
  return rows.map((row) => ({ schema: row.schema!, table: row.table! }));
}

export interface SourceColumn {
  name: string;
  typeName: string;
  typeType: string;
  category: string;
  /** The column's collation, `default` resolved to the database's; null for types without one. */
  collation: string | null;
  /** 1-based position in the primary key; null when not part of it. */
  keyPosition: number | null;
  /** numeric(p,s): its precision and scale (pg_attribute.atttypmod); undefined when unconstrained or not numeric. */
  precision?: number;
  scale?: number;
}

/** The source table's columns with their base types (domains resolved) and primary key positions; [] when it does not exist. */
export function sourceColumnsSql(table: SourceTableName): string {
  const relation = postgresLiteral(`"${table.schema.replaceAll('"', '""')}"."${table.table.replaceAll('"', '""')}"`);
  return `SELECT a.attname AS "name", bt.typname AS "type_name", bt.typtype AS "type_type", bt.typcategory AS "category",
      CASE WHEN a.attcollation = 0 THEN NULL WHEN coll.collname = 'default' THEN db.datcollate ELSE coll.collname END AS "collation",
      CAST(array_position(pk.conkey, a.attnum) AS TEXT) AS "key_position", CAST(a.atttypmod AS TEXT) AS "type_modifier"
    FROM pg_attribute a
    JOIN pg_type t ON t.oid = a.atttypid
    JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
    LEFT JOIN pg_collation coll ON coll.oid = a.attcollation
    LEFT JOIN pg_constraint pk ON pk.conrelid = a.attrelid AND pk.contype = 'p'
    CROSS JOIN (SELECT datcollate FROM pg_database WHERE datname = current_database()) db
    WHERE a.attrelid = to_regclass(${relation}) AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY a.attnum`;
}

export async function sourceColumns(source: TextQueries, table: SourceTableName): Promise<SourceColumn[]> {
  const rows = await source.queryText(sourceColumnsSql(table));
  return rows.map((row) => {
    const column: SourceColumn = {
      name: row.name!,
      typeName: row.type_name!,
      typeType: row.type_type!,
      category: row.category!,
      collation: row.collation ?? null,
      keyPosition: row.key_position === null || row.key_position === undefined ? null : Number(row.key_position),
    };
    const modifier = Number(row.type_modifier ?? -1);
    if (row.type_name === 'numeric' && modifier >= 4) {
      // PostgreSQL packs numeric(p,s) as ((p << 16) | s) + 4, the scale an 11-bit signed number.
      column.precision = ((modifier - 4) >> 16) & 0xffff;
      column.scale = (((modifier - 4) & 0x7ff) ^ 0x400) - 0x400;
    }
    return column;
  });
}

export interface WarehouseColumn {
  name: string;
  collation: string | null;
}

/** The warehouse table's columns and their collations (the dialect's catalog query); [] when it does not exist. */
export async function warehouseColumns(warehouse: TextQueries, dialect: Dialect, schema: string, table: string): Promise<WarehouseColumn[]> {
  const rows = await warehouse.queryText(dialect.compare.columnsStatement(schema, table));
  return rows.map((row) => ({ name: row.name!, collation: row.collation ?? null }));
}

/** Collations that order text by bytes (for UTF-8: by code point), like Redshift. */
export function ordersByBytes(collation: string | null): boolean {
  return collation === null || /^(c|posix|ucs_basic|c\.utf-?8)$/i.test(collation);
}

export interface ComparisonPlan {
  table: ComparedTable;
  /** Source columns the warehouse table does not have (yet). */
  missingColumns: string[];
  /** Source columns verify cannot compare, with why. */
  uncomparedColumns: { name: string; reason: string }[];
}

/**
 * Matches source columns with warehouse columns by the name the warehouse gives them, and decides how
 * each is compared. pgshift's `_pgshift_` columns and warehouse columns dropped at the source are
 * not compared.
 */
export function planComparison(args: {
  source: SourceTableName;
  warehouse: { schema: string; table: string };
  sourceColumns: readonly SourceColumn[];
  warehouseColumns: readonly WarehouseColumn[];
  identifiers: IdentifierRules;
  /** The warehouse's substitution rule for a (non-key) source column's values (typing/substitutes.ts). */
  substitution?: (column: SourceColumn) => SubstitutionRule | null;
}): ComparisonPlan {
  const byName = new Map(args.warehouseColumns.map((c) => [c.name, c]));
  const plan: ComparisonPlan = {
    table: { source: args.source, warehouse: args.warehouse, columns: [], key: [], softDelete: byName.has(META.deleted) },
    missingColumns: [],
    uncomparedColumns: [],
  };
  const keyed: { position: number; column: ComparedColumn }[] = [];
  for (const source of args.sourceColumns) {
    const kind = valueKindOf(source);
    const warehouseName = foldIdentifier(source.name, args.identifiers);
    const target = byName.get(warehouseName);
    if (!target) {
      plan.missingColumns.push(source.name);
      continue;
    }
    if (kind === 'unsupported') {
      plan.uncomparedColumns.push({ name: source.name, reason: `${source.typeName} values have another representation in the warehouse` });
      continue;
    }
    const column: ComparedColumn = {
      name: source.name,
      warehouseName,
      kind,
      needsByteOrder: { source: !ordersByBytes(source.collation), warehouse: !ordersByBytes(target.collation) },
      substitution: source.keyPosition === null ? (args.substitution?.(source) ?? null) : null,
    };
    plan.table.columns.push(column);
    if (source.keyPosition !== null) keyed.push({ position: source.keyPosition, column });
  }
  plan.table.key = keyed.sort((a, b) => a.position - b.position).map((k) => k.column);
  // A key column the warehouse lacks: rows cannot be matched; compare the table as a whole.
  const keySize = args.sourceColumns.filter((c) => c.keyPosition !== null).length;
  if (plan.table.key.length !== keySize) plan.table.key = [];
  return plan;
}
