import type { Dialect } from '../dialect.js';
import { quoteIdentifier } from './identifiers.js';

/**
 * Redshift's physical design of one target table, applied when the loader creates it
 * (PGSHIFT_REDSHIFT_TABLE_DESIGN). Unset parts take the defaults below; the PostgreSQL warehouse has
 * no such clauses and ignores it.
 *
 * Defaults, and why:
 * - `DISTSTYLE AUTO`: Redshift starts small tables as ALL and moves them to EVEN or KEY as they grow,
 *   and nothing in a change stream tells pgshift how a table will be joined.
 * - `SORTKEY` the primary key (compound), `AUTO` for tables without one: every batch's merge deletes
 *   the batch's keys from the target and reads the target's rows of those keys (positions, unchanged
 *   TOAST values); sorted by key, those are range-restricted scans instead of full ones.
 * - no ENCODE: the table is ENCODE AUTO, Redshift picks and revises encodings itself. Naming one
 *   column's encoding turns that off for the whole table (Redshift's rule), so name them all or none.
 */
export interface TableDesign {
  distStyle?: 'AUTO' | 'EVEN' | 'ALL' | 'KEY';
  /** The DISTKEY column (DISTSTYLE KEY; a DISTKEY alone implies it). */
  distKey?: string;
  /** `AUTO`, or the columns of a COMPOUND (default) or INTERLEAVED sort key. */
  sortKey?: 'AUTO' | { columns: string[]; interleaved?: boolean };
  /** Column → encoding (AZ64, ZSTD, LZO, BYTEDICT, DELTA, RAW, RUNLENGTH, TEXT255 …). */
  encode?: Record<string, string>;
}

export const ENCODINGS = ['RAW', 'AZ64', 'BYTEDICT', 'DELTA', 'DELTA32K', 'LZO', 'MOSTLY8', 'MOSTLY16', 'MOSTLY32', 'RUNLENGTH', 'TEXT255', 'TEXT32K', 'ZSTD'];

/** The clauses after CREATE TABLE's column list, for a table with these columns and key. Redshift only. */
export function tableDesignClauses(dialect: Dialect, design: TableDesign | null, primaryKey: readonly string[]): string {
  if (dialect.name !== 'redshift') return '';
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const distStyle = design?.distStyle ?? (design?.distKey !== undefined ? 'KEY' : 'AUTO');
  const parts = [`DISTSTYLE ${distStyle}`];
  if (distStyle === 'KEY' && design?.distKey !== undefined) parts.push(`DISTKEY (${q(design.distKey)})`);
  const sortKey = design?.sortKey ?? (primaryKey.length > 0 ? { columns: [...primaryKey] } : 'AUTO');
  if (sortKey === 'AUTO') parts.push('SORTKEY AUTO');
  else parts.push(`${sortKey.interleaved ? 'INTERLEAVED' : 'COMPOUND'} SORTKEY (${sortKey.columns.map(q).join(', ')})`);
  return ` ${parts.join(' ')}`;
}

/** A column's ENCODE clause when one is configured for it (else none: Redshift's automatic encoding). Redshift only. */
export function encodeClause(dialect: Dialect, design: TableDesign | null, column: string): string {
  const encoding = design?.encode?.[column];
  return dialect.name === 'redshift' && encoding !== undefined ? ` ENCODE ${encoding}` : '';
}

/**
 * Reads PGSHIFT_REDSHIFT_TABLE_DESIGN's JSON value: `{"<schema>.<table>": {"distStyle": "KEY",
 * "distKey": "customer_id", "sortKey": ["created_at"], "interleaved": false, "encode": {"note": "ZSTD"}}}`
 * (`"sortKey": "AUTO"` too). Returns every problem, each naming its table and field, rather than the first.
 */
export function parseTableDesigns(value: unknown): { designs: Map<string, TableDesign>; problems: string[] } {
  const designs = new Map<string, TableDesign>();
  const problems: string[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { designs, problems: ['must be a JSON object keyed by schema.table'] };
  for (const [table, raw] of Object.entries(value as Record<string, unknown>)) {
    const where = (field: string) => `${table}.${field}`;
    if (!/^[^.]+\..+$/.test(table)) problems.push(`${table}: not a schema.table name`);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      problems.push(`${table}: must be an object`);
      continue;
    }
    const entry = raw as Record<string, unknown>;
    const design: TableDesign = {};
    for (const key of Object.keys(entry)) {
      if (!['distStyle', 'distKey', 'sortKey', 'interleaved', 'encode'].includes(key)) problems.push(`${where(key)}: unknown field`);
    }
    if (entry.distStyle !== undefined) {
      const style = String(entry.distStyle).toUpperCase();
      if (['AUTO', 'EVEN', 'ALL', 'KEY'].includes(style)) design.distStyle = style as TableDesign['distStyle'];
      else problems.push(`${where('distStyle')}: ${JSON.stringify(entry.distStyle)} is not AUTO, EVEN, ALL or KEY`);
    }
    if (entry.distKey !== undefined) {
      if (typeof entry.distKey === 'string' && entry.distKey !== '') design.distKey = entry.distKey;
      else problems.push(`${where('distKey')}: must be a column name`);
      if (design.distStyle !== undefined && design.distStyle !== 'KEY') problems.push(`${where('distKey')}: needs distStyle KEY (or no distStyle)`);
    }
    if (design.distStyle === 'KEY' && design.distKey === undefined) problems.push(`${where('distStyle')}: KEY needs a distKey`);
    if (entry.sortKey !== undefined) {
      if (typeof entry.sortKey === 'string' && entry.sortKey.toUpperCase() === 'AUTO') design.sortKey = 'AUTO';
      else if (Array.isArray(entry.sortKey) && entry.sortKey.length > 0 && entry.sortKey.every((c) => typeof c === 'string' && c !== '')) {
        design.sortKey = { columns: entry.sortKey as string[], ...(entry.interleaved === true ? { interleaved: true } : {}) };
      } else problems.push(`${where('sortKey')}: must be "AUTO" or a non-empty list of column names`);
    }
    if (entry.interleaved !== undefined && typeof entry.interleaved !== 'boolean') problems.push(`${where('interleaved')}: must be true or false`);
    if (entry.encode !== undefined) {
      if (typeof entry.encode !== 'object' || entry.encode === null || Array.isArray(entry.encode))
        problems.push(`${where('encode')}: must be an object of column → encoding`);
      else {
        design.encode = {};
        for (const [column, encoding] of Object.entries(entry.encode as Record<string, unknown>)) {
          const name = String(encoding).toUpperCase();
          if (ENCODINGS.includes(name)) design.encode[column] = name;
          else problems.push(`${where(`encode.${column}`)}: ${JSON.stringify(encoding)} is not a Redshift encoding (${ENCODINGS.join(', ')})`);
        }
      }
    }
    designs.set(table, design);
  }
  return { designs, problems };
}
