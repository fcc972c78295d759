import assert from 'node:assert/strict';
import type pg from 'pg';
import { waitFor } from './wait.js';

/**
 * A table's rows on both sides as text both databases render the same way, so that the source and the
 * warehouse can be compared value by value. The rendering of each column follows its source type and
 * the type mapping (docs/type-mapping.md): arrays and json land as jsonb (SUPER is jsonb in the
 * Redshift test server), timestamps are compared in UTC to the microsecond, bytea as hex (VARBYTE is a
 * bytea domain there), numerics without trailing zeros (an unconstrained numeric becomes DECIMAL(38,10)
 * on Redshift), char(n) without its padding (VARCHAR on Redshift), long text as its md5 and length.
 */

export interface SourceColumn {
  name: string;
  /** pg_type name: int4, varchar, _text (an array), a user enum … */
  type: string;
}

export interface CompareOptions {
  /** Source columns to compare; default: every column the source table has now. */
  columns?: readonly string[];
  /** Extra condition on the warehouse rows, e.g. `_pgshift_deleted IS NOT TRUE` in soft-delete mode. */
  warehouseWhere?: string;
}

export interface BothSides {
  source: string[];
  warehouse: string[];
}

/** Text longer than this is compared as md5 and length, so that a diff stays readable. */
const LONG_TEXT = 100;

export async function sourceColumns(source: pg.Client, schema: string, table: string): Promise<SourceColumn[]> {
  const { rows } = await source.query<{ name: string; type: string }>(
    `SELECT a.attname AS name, t.typname AS type
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
      WHERE a.attrelid = format('%I.%I', $1::text, $2::text)::regclass AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [schema, table],
  );
  return rows;
}

/** How a column is rendered; the same expression runs on both sides unless the type needs two. */
export function renderColumn(column: SourceColumn, side: 'source' | 'warehouse'): string {
  const c = `"${column.name.replaceAll('"', '""')}"`;
  if (column.type.startsWith('_')) return side === 'source' ? `to_jsonb(${c})::text` : `${c}::jsonb::text`;
  switch (column.type) {
    case 'json':
    case 'jsonb':
      return `${c}::jsonb::text`;
    case 'timestamptz':
      return `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`;
    case 'timestamp':
      return `to_char(${c}, 'YYYY-MM-DD HH24:MI:SS.US')`;
    case 'bytea':
      return `encode(${c}, 'hex')`;
    case 'numeric':
      return `trim_scale(${c})::text`;
    case 'bpchar':
      return `rtrim(${c}::text)`;
    case 'text':
    case 'varchar':
      return `CASE WHEN length(${c}) > ${LONG_TEXT} THEN 'md5:' || md5(${c}) || ' length:' || length(${c}) ELSE ${c} END`;
    default:
      return `${c}::text`;
  }
}

/** One side's rows, rendered and sorted (in JavaScript: the two servers' collations may differ). */
export async function renderedRows(
  client: pg.Client,
  side: 'source' | 'warehouse',
  schema: string,
  table: string,
  columns: readonly SourceColumn[],
  where?: string,
): Promise<string[]> {
  const select = columns.map((column) => renderColumn(column, side)).join(', ');
  const { rows } = await client.query({
    text: `SELECT ${select} FROM "${schema}"."${table}"${where ? ` WHERE ${where}` : ''}`,
    rowMode: 'array',
  });
  return rows.map((row: unknown[]) => JSON.stringify(row)).sort();
}

export async function bothSides(source: pg.Client, warehouse: pg.Client, schema: string, table: string, options: CompareOptions = {}): Promise<BothSides> {
  let columns = await sourceColumns(source, schema, table);
  if (options.columns) {
    const wanted = new Set(options.columns);
    columns = columns.filter((c) => wanted.has(c.name));
  }
  const [s, w] = await Promise.all([
    renderedRows(source, 'source', schema, table, columns),
    renderedRows(warehouse, 'warehouse', schema, table, columns, options.warehouseWhere),
  ]);
  return { source: s, warehouse: w };
}

/** True when the warehouse table exists and holds exactly the source's rows (false while it does not exist). */
export async function tableMatches(source: pg.Client, warehouse: pg.Client, schema: string, table: string, options: CompareOptions = {}): Promise<boolean> {
  try {
    const { source: s, warehouse: w } = await bothSides(source, warehouse, schema, table, options);
    return s.length === w.length && s.every((row, i) => row === w[i]);
  } catch (error) {
    if (isMissingRelationOrColumn(error)) return false;
    throw error;
  }
}

/**
 * Waits until the warehouse table equals the source table; on timeout fails with the difference of the
 * two sides (assert.deepEqual's diff), not only "timed out".
 */
export async function waitForTableMatch(
  source: pg.Client,
  warehouse: pg.Client,
  schema: string,
  table: string,
  options: CompareOptions & { timeoutMs?: number } = {},
): Promise<void> {
  try {
    await waitFor(`${schema}.${table} in the warehouse to equal the source`, () => tableMatches(source, warehouse, schema, table, options), {
      timeoutMs: options.timeoutMs ?? 180_000,
      intervalMs: 1000,
    });
  } catch (error) {
    const sides = await bothSides(source, warehouse, schema, table, options).catch(() => null);
    if (sides) assert.deepEqual(sides.warehouse, sides.source, `${schema}.${table}: the warehouse differs from the source`);
    throw error;
  }
}

/** A warehouse table's columns and their types as the catalog spells them (format_type). */
export async function warehouseColumnTypes(warehouse: pg.Client, schema: string, table: string): Promise<Map<string, string>> {
  const { rows } = await warehouse.query<{ name: string; type: string }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_attribute a
      WHERE a.attrelid = to_regclass(format('%I.%I', $1::text, $2::text)) AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [schema, table],
  );
  return new Map(rows.map((r) => [r.name, r.type]));
}

/** Every column of a table, pgshift's included, one JSON text per row, sorted: a byte-for-byte snapshot. */
export async function tableSnapshot(client: pg.Client, schema: string, table: string): Promise<string[]> {
  const { rows } = await client.query<{ row: string }>(`SELECT to_jsonb(t)::text AS row FROM "${schema}"."${table}" t`);
  return rows.map((r) => r.row).sort();
}

function isMissingRelationOrColumn(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === '42P01' || code === '42703' || code === '3F000';
}
