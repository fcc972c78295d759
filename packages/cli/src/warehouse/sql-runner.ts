/** A row with every value as text (verify and ledger queries cast what they select to text). */
export type TextRow = Record<string, string | null>;

/** Runs SQL on one database: the source, or the warehouse through pg or the Redshift Data API. */
export interface SqlRunner {
  readonly flavour: 'postgres' | 'redshift';
  query(sql: string): Promise<TextRow[]>;
  /** A statement without rows; returns the rows it changed. */
  execute(sql: string): Promise<number>;
  close(): Promise<void>;
}

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
