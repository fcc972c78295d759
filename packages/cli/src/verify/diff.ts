import type { KeyValues } from './compared-table.js';

/** A row's key and hash, as rowHashesSql returns them. */
export interface RowHash {
  key: KeyValues;
  hash: string;
}

export interface RowDiff {
  /** In the source, not in the warehouse. */
  missing: KeyValues[];
  /** In the warehouse, not in the source. */
  extra: KeyValues[];
  /** On both sides with different values. */
  differing: KeyValues[];
}

/** Compares the rows of one range, both sides bounded by the chunk size. Keys match by their normalised text. */
export function diffRowHashes(source: readonly RowHash[], warehouse: readonly RowHash[]): RowDiff {
  const warehouseByKey = new Map(warehouse.map((row) => [keyId(row.key), row.hash]));
  const sourceKeys = new Set<string>();
  const diff: RowDiff = { missing: [], extra: [], differing: [] };
  for (const row of source) {
    const id = keyId(row.key);
    sourceKeys.add(id);
    const hash = warehouseByKey.get(id);
    if (hash === undefined) diff.missing.push(row.key);
    else if (hash !== row.hash) diff.differing.push(row.key);
  }
  for (const row of warehouse) if (!sourceKeys.has(keyId(row.key))) diff.extra.push(row.key);
  return diff;
}

export function keyId(key: KeyValues): string {
  return JSON.stringify(key);
}

/** Names of the columns whose normalised values differ (NULL is distinct from every text, '' included). */
export function differingColumns(names: readonly string[], source: readonly (string | null)[], warehouse: readonly (string | null)[]): string[] {
  return names.filter((_, i) => (source[i] ?? null) !== (warehouse[i] ?? null));
}
