import type { ComparedColumn } from './normalise.js';

/** A table as verify compares it: names on both sides, the columns both have, the key. */
export interface ComparedTable {
  source: { schema: string; table: string };
  /** The warehouse table, names as the warehouse stores them. */
  warehouse: { schema: string; table: string };
  /** Columns present on both sides and comparable, in source column order. */
  columns: ComparedColumn[];
  /** Primary key columns in key order; empty for a table without a primary key. */
  key: ComparedColumn[];
  /** The warehouse table has `_pgshift_deleted`: rows marked deleted do not count. */
  softDelete: boolean;
}

/** A key's values as normalised text, in key column order. */
export type KeyValues = readonly string[];

/** The rows whose key is after `after` (exclusive) and up to `upTo` (inclusive); null: unbounded. */
export interface KeyRange {
  after: KeyValues | null;
  upTo: KeyValues | null;
}

export const WHOLE_TABLE: KeyRange = { after: null, upTo: null };

/** `id=17`, `(tenant=3, id=17)`: a key as reports show it. */
export function describeKey(table: ComparedTable, values: KeyValues): string {
  const parts = table.key.map((column, i) => `${column.name}=${values[i] ?? 'NULL'}`);
  return parts.length === 1 ? parts[0]! : `(${parts.join(', ')})`;
}
