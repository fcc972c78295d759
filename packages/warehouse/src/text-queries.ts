/** A row with every value as text: what `pgshift verify` and `pgshift ledger` read (their SQL casts to text). */
export type TextRow = Record<string, string | null>;

/** The narrow query interface the CLI needs of a database: run one SELECT, get its rows as text. */
export interface TextQueries {
  queryText(sql: string): Promise<TextRow[]>;
  close(): Promise<void>;
}

/** A driver's value as text: bytes as hexadecimal, dates in ISO form, objects as JSON. */
export function asText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function textRow(row: Record<string, unknown>): TextRow {
  return Object.fromEntries(Object.entries(row).map(([name, value]) => [name, asText(value)]));
}
