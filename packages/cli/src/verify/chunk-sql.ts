import { META } from '@pgshift/contracts';
import type { ComparedTable, KeyRange, KeyValues } from './compared-table.js';
import { type ComparedColumn, columnReference, normalisedValue, quoteName, rowHash, rowHashNumber, type SqlSide } from './normalise.js';
import { hasPortableOrder } from './value-kind.js';

/**
 * The statements verify runs, as pure functions of the table, the side and a key range. Every one is a
 * single short SELECT over at most one chunk of keys (or one aggregate); none takes locks beyond a
 * plain read.
 */

export function tableReference(table: ComparedTable, side: SqlSide): string {
  const { schema, table: name } = side.role === 'source' ? table.source : table.warehouse;
  return `${quoteName(schema)}.${quoteName(name)}`;
}

/**
 * The expression a key column is ordered and compared by. Kinds whose order the warehouse type keeps
 * use the column itself (so the source's key index serves the range), text in byte order (COLLATE "C"
 * where the column's collation differs; Redshift compares bytes); other kinds their normalised text.
 */
export function keyExpression(column: ComparedColumn, side: SqlSide): string {
  const inByteOrder = side.dialect.compare.inByteOrder;
  if (!hasPortableOrder(column.kind)) return inByteOrder(normalisedValue(column, side));
  const c = columnReference(column, side);
  return column.kind === 'text' && column.needsByteOrder[side.role] ? inByteOrder(c) : c;
}

/** A normalised key value as a literal comparable with keyExpression. */
export function keyLiteral(column: ComparedColumn, side: SqlSide, value: string): string {
  if (!hasPortableOrder(column.kind)) return side.dialect.literal(value);
  switch (column.kind) {
    case 'integer':
      return /^-?\d+$/.test(value) ? value : side.dialect.literal(value);
    case 'numeric':
      return /^-?\d+(\.\d+)?$/.test(value) ? value : side.dialect.literal(value);
    case 'date':
      return `CAST(${side.dialect.literal(value)} AS DATE)`;
    case 'timestamp':
      return `CAST(${side.dialect.literal(value)} AS TIMESTAMP)`;
    case 'timestamptz':
      return `CAST(${side.dialect.literal(`${value}+00`)} AS TIMESTAMPTZ)`;
    default:
      return side.dialect.literal(value);
  }
}

/**
 * Keys strictly after (`>`) or up to (`<=`) the given values, in lexicographic order over the key's
 * columns. Written without row comparisons (Redshift has none), with the first column's bound repeated
 * alone so that an index on the key can narrow the scan.
 */
export function keyBound(table: ComparedTable, side: SqlSide, values: KeyValues, direction: 'after' | 'upTo'): string {
  const terms = table.key.map((column, i) => ({ e: keyExpression(column, side), l: keyLiteral(column, side, values[i]!) }));
  const strict = direction === 'after' ? '>' : '<';
  const last = direction === 'after' ? '>' : '<=';
  const nested = (i: number): string => {
    const { e, l } = terms[i]!;
    if (i === terms.length - 1) return `${e} ${last} ${l}`;
    return `${e} ${strict} ${l} OR (${e} = ${l} AND (${nested(i + 1)}))`;
  };
  if (terms.length === 1) return nested(0);
  const first = terms[0]!;
  return `${first.e} ${direction === 'after' ? '>=' : '<='} ${first.l} AND (${nested(0)})`;
}

/** The WHERE clause of a range: key bounds, and on a soft-delete warehouse table only rows not marked deleted. */
export function rangeFilter(table: ComparedTable, side: SqlSide, range: KeyRange): string {
  const conditions: string[] = [];
  if (range.after) conditions.push(`(${keyBound(table, side, range.after, 'after')})`);
  if (range.upTo) conditions.push(`(${keyBound(table, side, range.upTo, 'upTo')})`);
  if (side.role === 'warehouse' && table.softDelete) conditions.push(`COALESCE(${quoteName(META.deleted)}, FALSE) = FALSE`);
  return conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
}

function keyColumns(table: ComparedTable, side: SqlSide): string {
  return table.key.map((column, i) => `${normalisedValue(column, side)} AS ${quoteName(`k${i}`)}`).join(', ');
}

function keyOrder(table: ComparedTable, side: SqlSide): string {
  return table.key.map((column) => keyExpression(column, side)).join(', ');
}

/** The key of the n-th row after `range.after` (keyset pagination: OFFSET only within one chunk). */
export function chunkBoundarySql(table: ComparedTable, side: SqlSide, range: KeyRange, rows: number): string {
  return (
    `SELECT ${keyColumns(table, side)} FROM ${tableReference(table, side)}${rangeFilter(table, side, range)} ` +
    `ORDER BY ${keyOrder(table, side)} LIMIT 1 OFFSET ${rows - 1}`
  );
}

/** `row_count` and `hash_sum` (text) of a range: equal data gives equal values, whatever the row order. */
export function checksumSql(table: ComparedTable, side: SqlSide, range: KeyRange): string {
  const asText = (expression: string) => side.dialect.asText(expression, 40);
  return (
    `SELECT ${asText('COUNT(*)')} AS "row_count", ${asText('COALESCE(SUM("h"), 0)')} AS "hash_sum" ` +
    `FROM (SELECT ${rowHashNumber(table.columns, side)} AS "h" FROM ${tableReference(table, side)}${rangeFilter(table, side, range)}) AS "chunk"`
  );
}

/** Key (`k0`, `k1` …) and `row_hash` of every row of a range, in key order, at most `limit` rows. */
export function rowHashesSql(table: ComparedTable, side: SqlSide, range: KeyRange, limit: number): string {
  return (
    `SELECT ${keyColumns(table, side)}, ${rowHash(table.columns, side)} AS "row_hash" FROM ${tableReference(table, side)}` +
    `${rangeFilter(table, side, range)} ORDER BY ${keyOrder(table, side)} LIMIT ${limit}`
  );
}

/** Key and every compared column's normalised value (`v0`, `v1` …) of the rows with the given keys. */
export function rowValuesSql(table: ComparedTable, side: SqlSide, keys: readonly KeyValues[]): string {
  const values = table.columns.map((column, i) => `${normalisedValue(column, side)} AS ${quoteName(`v${i}`)}`).join(', ');
  const match = keys
    .map((key) => `(${table.key.map((column, i) => `${keyExpression(column, side)} = ${keyLiteral(column, side, key[i]!)}`).join(' AND ')})`)
    .join(' OR ');
  const live = side.role === 'warehouse' && table.softDelete ? ` AND COALESCE(${quoteName(META.deleted)}, FALSE) = FALSE` : '';
  return `SELECT ${keyColumns(table, side)}, ${values} FROM ${tableReference(table, side)} WHERE (${match})${live}`;
}

/** The highest source LSN the warehouse table has applied (as decimal text), null when empty. */
export function maxLsnSql(table: ComparedTable, side: SqlSide): string {
  return `SELECT ${side.dialect.asText(`MAX(${quoteName(META.lsn)})`, 40)} AS "max_lsn" FROM ${tableReference(table, side)}`;
}
