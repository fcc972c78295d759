import type { Dialect, SubstitutionRule } from '@pgshift/warehouse';
import type { ValueKind } from './value-kind.js';

/**
 * One side of a comparison: the source PostgreSQL, or the warehouse (PostgreSQL or Redshift). What
 * differs between them is the side's dialect (its `compare` expressions: Redshift functions only on
 * Redshift); the source is always PostgreSQL.
 */
export interface SqlSide {
  role: 'source' | 'warehouse';
  /** This side's SQL: the postgres dialect for the source. */
  dialect: Dialect;
  /** The warehouse's dialect: the source writes JSON the way that warehouse prints it. */
  warehouse: Dialect;
}

/** A column compared on both sides. */
export interface ComparedColumn {
  /** The source column name (what reports show). */
  name: string;
  /** The column name as the warehouse stores it (folded to lower case on Redshift). */
  warehouseName: string;
  kind: ValueKind;
  /**
   * Per side: the column's collation does not sort by bytes (anything but C, POSIX, C.UTF-8), so that
   * ordered comparisons of text keys need COLLATE "C" to agree with the other side.
   */
  needsByteOrder: { source: boolean; warehouse: boolean };
  /**
   * Values of this column the warehouse cannot hold land as a documented substitute
   * (typing/substitutes.ts): the source side is compared through it, and such cells are counted apart.
   */
  substitution?: SubstitutionRule | null;
}

/** `"name"` with `"` doubled. Names are already in the side's stored spelling. */
export function quoteName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function columnReference(column: ComparedColumn, side: SqlSide): string {
  return quoteName(side.role === 'source' ? column.name : column.warehouseName);
}

function asText(expression: string, side: SqlSide): string {
  return side.dialect.asText(expression);
}

/** `1.50` → `1.5`, `2.000` → `2`, `10` stays `10`: numeric scales differ between source and warehouse. */
export function withoutTrailingZeros(text: string): string {
  return `CASE WHEN POSITION('.' IN ${text}) > 0 THEN RTRIM(RTRIM(${text}, '0'), '.') ELSE ${text} END`;
}

const TIMESTAMP_FORMAT = "'YYYY-MM-DD HH24:MI:SS.US'";

/**
 * The value of a column as text that is equal on both sides when the data is equal through the type
 * mapping; NULL stays NULL (and so stays distinct from the empty string).
 *
 * - booleans `t`/`f`; numerics without trailing zeros (an unconstrained numeric becomes DECIMAL(38,10)
 *   on Redshift); money as its numeric value.
 * - timestamps `YYYY-MM-DD HH24:MI:SS.US`, timestamptz first converted to UTC; time likewise; dates ISO.
 * - json, jsonb, hstore and arrays: jsonb's text on a PostgreSQL warehouse (the source side through
 *   to_jsonb, which writes arrays as the JSON arrays the warehouse holds); for Redshift the source side
 *   drops the blanks jsonb puts after `:` and `,` to match JSON_SERIALIZE's compact text.
 * - bytea as lower-case hexadecimal; char(n) without trailing blanks; everything else its text form.
 */
export function normalisedValue(column: ComparedColumn, side: SqlSide): string {
  const reference = columnReference(column, side);
  // The source value as the warehouse holds it: its substitute where the warehouse cannot hold it.
  const c = side.role === 'source' && column.substitution ? `(${column.substitution.sourceSubstitute(reference)})` : reference;
  const sql = side.dialect.compare;
  switch (column.kind) {
    case 'boolean':
      return `CASE ${c} WHEN TRUE THEN 't' WHEN FALSE THEN 'f' END`;
    case 'integer':
    case 'float':
    case 'interval':
      return asText(c, side);
    case 'numeric':
      return withoutTrailingZeros(asText(c, side));
    case 'money':
      return withoutTrailingZeros(asText(side.role === 'source' ? `CAST(${c} AS NUMERIC)` : c, side));
    case 'text':
      return sql.textValue(c);
    case 'other':
      return sql.outputText(c);
    case 'citext':
      return asText(c, side);
    case 'bpchar':
      return `RTRIM(${asText(c, side)})`;
    case 'uuid':
      return sql.uuidText(c);
    case 'json':
      return side.role === 'warehouse' ? sql.storedJsonText(c) : side.warehouse.compare.sourceJsonText(c);
    case 'bytea':
      return sql.bytesHex(c);
    case 'date':
      return `TO_CHAR(${c}, 'YYYY-MM-DD')`;
    case 'time':
      return `TO_CHAR(CAST('2000-01-01' AS DATE) + ${c}, 'HH24:MI:SS.US')`;
    case 'timetz':
      return asText(`${c} AT TIME ZONE 'UTC'`, side);
    case 'timestamp':
      return `TO_CHAR(${c}, ${TIMESTAMP_FORMAT})`;
    case 'timestamptz':
      return `TO_CHAR(${c} AT TIME ZONE 'UTC', ${TIMESTAMP_FORMAT})`;
    case 'unsupported':
      throw new Error(`column ${column.name} cannot be compared`);
  }
}

/**
 * The row's text: per column the MD5 of its normalised value, or `N` for NULL. Fixed-width pieces keep
 * the text unambiguous without escaping, and short enough for Redshift's 65,535-byte VARCHAR.
 */
export function rowText(columns: readonly ComparedColumn[], side: SqlSide): string {
  if (columns.length === 0) return "''";
  return columns.map((column) => `COALESCE(MD5(${normalisedValue(column, side)}), 'N')`).join(' || ');
}

/** The row's hash as 32 hex digits (row-level diffs). */
export function rowHash(columns: readonly ComparedColumn[], side: SqlSide): string {
  return `MD5(${rowText(columns, side)})`;
}

/**
 * The first 8 hex digits of the row's MD5 as a non-negative BIGINT: chunks compare SUM() of it, which
 * does not depend on row order.
 */
export function rowHashNumber(columns: readonly ComparedColumn[], side: SqlSide): string {
  const hex = `SUBSTRING(${rowHash(columns, side)}, 1, 8)`;
  return side.dialect.compare.hexToBigint(hex);
}

/**
 * The source table's cells that land as their substitute (PostgreSQL SQL on the source), as one count;
 * null when no compared column has a substitution rule.
 */
export function substitutedCellsSql(columns: readonly ComparedColumn[], table: string): string | null {
  const counted = columns.filter((c) => c.substitution);
  if (counted.length === 0) return null;
  const cells = counted.map((c) => `CASE WHEN ${c.substitution!.sourceUnrepresentable(quoteName(c.name))} THEN 1 ELSE 0 END`).join(' + ');
  return `SELECT CAST(COALESCE(SUM(${cells}), 0) AS TEXT) AS "substituted" FROM ${table}`;
}
