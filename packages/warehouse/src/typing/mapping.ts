import type { ColumnSpec } from '@pgshift/contracts';
import { postgresType } from './postgres.js';
import { redshiftType } from './redshift.js';

/**
 * The type mapping as data, one row per source type: what docs/type-mapping.md prints. The target
 * columns are computed by the mapping functions themselves from each row's example, so the document
 * cannot drift from the code (a test compares the file with renderTypeMapping()).
 */
export interface TypeMappingRow {
  /** The source type as a reader writes it. */
  source: string;
  /** A column of that type, fed to the mapping functions. */
  example: Pick<ColumnSpec, 'sourceType' | 'length' | 'scale'>;
  reason: string;
}

const rows: TypeMappingRow[] = [
  { source: 'boolean', example: { sourceType: 'bool' }, reason: 'Redshift has a real BOOLEAN (AWS DMS maps it to VARCHAR by default).' },
  { source: 'smallint', example: { sourceType: 'int2' }, reason: 'Same type.' },
  { source: 'integer', example: { sourceType: 'int4' }, reason: 'Same type.' },
  { source: 'bigint', example: { sourceType: 'int8' }, reason: 'Same type.' },
  {
    source: 'numeric(p,s), p ≤ 38',
    example: { sourceType: 'numeric', length: 12, scale: 2 },
    reason: 'Same precision and scale; never a bare DECIMAL, which Redshift reads as DECIMAL(18,0).',
  },
  {
    source: 'numeric(p,s), p > 38',
    example: { sourceType: 'numeric', length: 50, scale: 4 },
    reason: 'Redshift stops at 38 digits: the scale is kept up to 10, integer digits shrink to 38 − scale. Larger values fail the load.',
  },
  {
    source: 'numeric (unconstrained)',
    example: { sourceType: 'numeric' },
    reason:
      'Redshift needs a precision: 28 integer and 10 fractional digits. Values with more than 10 fractional digits cannot be represented; the batcher flags them (COPY would silently round them).',
  },
  { source: 'real', example: { sourceType: 'float4' }, reason: 'Same type.' },
  { source: 'double precision', example: { sourceType: 'float8' }, reason: 'Same type.' },
  { source: 'money', example: { sourceType: 'money' }, reason: 'Debezium sends money as a decimal with 2 fractional digits.' },
  { source: 'text', example: { sourceType: 'text' }, reason: "Redshift's TEXT means VARCHAR(256): use the maximum. Longer values follow the oversize policy." },
  { source: 'varchar (no length)', example: { sourceType: 'varchar' }, reason: 'Unbounded, like text.' },
  {
    source: 'varchar(n)',
    example: { sourceType: 'varchar', length: 100 },
    reason: 'Redshift lengths are bytes, PostgreSQL lengths characters: 4 bytes per UTF-8 character, at most 65,535.',
  },
  {
    source: 'char(n)',
    example: { sourceType: 'bpchar', length: 10 },
    reason: 'Redshift CHAR holds single-byte characters only: VARCHAR of 4n bytes. PostgreSQL keeps char(n).',
  },
  { source: 'uuid', example: { sourceType: 'uuid' }, reason: 'The 36-character text form.' },
  { source: 'json', example: { sourceType: 'json' }, reason: 'SUPER is queryable with PartiQL; COPY parses the JSON text.' },
  { source: 'jsonb', example: { sourceType: 'jsonb' }, reason: 'As json.' },
  {
    source: 'arrays (int4[], text[] …)',
    example: { sourceType: '_int4' },
    reason: 'Written as JSON arrays: SUPER in Redshift, jsonb in PostgreSQL, so both warehouses hold the same shape.',
  },
  { source: 'hstore', example: { sourceType: 'hstore' }, reason: 'A JSON object (hstore.handling.mode=json).' },
  {
    source: 'bytea',
    example: { sourceType: 'bytea' },
    reason: 'Hexadecimal in the CSV; COPY reads it into VARBYTE. 1,024,000 bytes stays well under the 4 MB COPY row limit.',
  },
  { source: 'date', example: { sourceType: 'date' }, reason: 'Same type (PostgreSQL infinity cannot load).' },
  { source: 'time', example: { sourceType: 'time' }, reason: 'Same type, microseconds.' },
  { source: 'timetz', example: { sourceType: 'timetz' }, reason: 'Same type.' },
  { source: 'timestamp', example: { sourceType: 'timestamp' }, reason: 'Same type, microseconds, no zone.' },
  { source: 'timestamptz', example: { sourceType: 'timestamptz' }, reason: 'Same type: an instant, stored in UTC.' },
  {
    source: 'interval',
    example: { sourceType: 'interval' },
    reason: 'PostgreSQL intervals mix months, days and seconds; Redshift has no such column type: ISO 8601 text (interval.handling.mode=string).',
  },
  {
    source: 'enum',
    example: { sourceType: 'mood' },
    reason: 'Its label as text. An enum cannot be told from other unknown types by its name, so it gets the full width.',
  },
  { source: 'inet, cidr', example: { sourceType: 'inet' }, reason: 'Longest text form (IPv6 with prefix) is 43 characters.' },
  { source: 'macaddr', example: { sourceType: 'macaddr' }, reason: '17 characters.' },
  { source: 'macaddr8', example: { sourceType: 'macaddr8' }, reason: '23 characters.' },
  { source: 'point', example: { sourceType: 'point' }, reason: 'Its text form `(x,y)`; Redshift GEOMETRY would need WKB.' },
  {
    source: 'geometry, geography (PostGIS)',
    example: { sourceType: 'geometry' },
    reason: 'Redshift GEOMETRY reads EWKB hex; the PostgreSQL warehouse is not assumed to have PostGIS.',
  },
  { source: 'xml', example: { sourceType: 'xml' }, reason: 'Text in Redshift.' },
  { source: 'bit(n), varbit(n)', example: { sourceType: 'varbit', length: 16 }, reason: 'A string of 0s and 1s, one byte per bit (65,535 when unbounded).' },
  { source: 'tsvector', example: { sourceType: 'tsvector' }, reason: 'Its text form.' },
  { source: 'citext', example: { sourceType: 'citext' }, reason: 'The extension may not exist in the warehouse: text.' },
  {
    source: 'anything else',
    example: { sourceType: 'int4range' },
    reason: 'Its text form at full width: loads whatever Debezium sends, and a later, better mapping is a widening, not a rewrite.',
  },
];

export const TYPE_MAPPING: readonly (TypeMappingRow & { redshift: string; postgres: string })[] = rows.map((row) => {
  const column: ColumnSpec = { name: 'example', nullable: true, primaryKey: false, ...row.example };
  return { ...row, redshift: redshiftType(column), postgres: postgresType(column) };
});

export function renderTypeMapping(): string {
  const escapeCell = (text: string) => text.replaceAll('|', '\\|');
  const lines = [
    '# Type mapping: PostgreSQL source → warehouse',
    '',
    'Generated from `packages/warehouse/src/typing/mapping.ts` (the mapping functions compute the two',
    'target columns; `mapping.test.ts` fails when this file is out of date). Regenerate with',
    '`node --conditions=source --import tsx packages/warehouse/src/typing/render-mapping.ts > docs/type-mapping.md`.',
    '',
    'Only primary-key columns are NOT NULL in the warehouse: a source NOT NULL is not copied, because a',
    'column dropped at the source stays in the warehouse and receives NULLs.',
    '',
    '| PostgreSQL source | Redshift | PostgreSQL warehouse | Why |',
    '|---|---|---|---|',
    ...TYPE_MAPPING.map((r) => `| ${escapeCell(r.source)} | \`${r.redshift}\` | \`${r.postgres}\` | ${escapeCell(r.reason)} |`),
    '',
  ];
  return lines.join('\n');
}
