import type { ColumnSpec } from '@pgshift/contracts';
import { postgresType } from './postgres.js';
import { redshiftType } from './redshift.js';
import { redshiftSubstitution } from './substitutes.js';

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
  /** Edge values on Redshift that no substitution rule covers (its limits), and what happens to them. */
  redshiftEdges?: string;
  /** Edge values on the PostgreSQL warehouse, where it differs from "every value as itself". */
  postgresEdges?: string;
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
    reason: 'Redshift stops at 38 digits: the scale is kept up to 10, integer digits shrink to 38 − scale.',
  },
  {
    source: 'numeric (unconstrained)',
    example: { sourceType: 'numeric' },
    reason:
      'Redshift needs a precision: 28 integer and 10 fractional digits hold nearly every value stored in practice, and the column stays a number (sums, joins) rather than text; the rest is NULL and recorded, never rounded. A DECIMAL keeps existing tables as they are (a VARCHAR would be an incompatible change). decimal.handling.mode=string carries NaN and every digit.',
  },
  { source: 'real', example: { sourceType: 'float4' }, reason: 'Same type.' },
  { source: 'double precision', example: { sourceType: 'float8' }, reason: 'Same type.' },
  { source: 'money', example: { sourceType: 'money' }, reason: 'Debezium sends money as a decimal with 2 fractional digits.' },
  {
    source: 'text',
    example: { sourceType: 'text' },
    reason: "Redshift's TEXT means VARCHAR(256): use the maximum. Longer values follow the oversize policy.",
    redshiftEdges:
      'over 65,535 bytes: cut to fit (PGSHIFT_OVERSIZE_POLICY=truncate, counted in pgshift_loader_values_truncated_total, not recorded per cell yet) or the table stops (`stop`)',
  },
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
  {
    source: 'json',
    example: { sourceType: 'json' },
    reason: 'SUPER is queryable with PartiQL; COPY parses the JSON text.',
    redshiftEdges: "a string inside the JSON over 65,535 bytes, or a document over SUPER's 16 MB: COPY fails and the table stops (no substitute yet)",
  },
  { source: 'jsonb', example: { sourceType: 'jsonb' }, reason: 'As json, with the same limits on Redshift.' },
  {
    source: 'arrays (int4[], text[] …)',
    example: { sourceType: '_int4' },
    reason: 'Written as JSON arrays: SUPER in Redshift, jsonb in PostgreSQL, so both warehouses hold the same shape.',
    redshiftEdges:
      'a numeric array holding NaN or ±Infinity arrives NULL (Debezium drops the whole array); NaN elsewhere is the string "NaN", as to_jsonb writes it',
    postgresEdges: 'a numeric array holding NaN or ±Infinity arrives NULL (Debezium drops the whole array)',
  },
  { source: 'hstore', example: { sourceType: 'hstore' }, reason: 'A JSON object (hstore.handling.mode=json).' },
  {
    source: 'bytea',
    example: { sourceType: 'bytea' },
    reason: 'Hexadecimal in the CSV; COPY reads it into VARBYTE. 1,024,000 bytes stays well under the 4 MB COPY row limit.',
    redshiftEdges: 'over 1,024,000 bytes (or a row over 4 MB): COPY fails and the table stops (no substitute yet)',
  },
  {
    source: 'date',
    example: { sourceType: 'date' },
    reason: 'Same type. Redshift has no infinity: the conventional open ends, readable by every client (years past 9999 and BC are not), recorded per cell.',
    redshiftEdges: 'dates past 294276 AD (PostgreSQL goes to 5874897 AD) fail the cast and stop the table',
  },
  { source: 'time', example: { sourceType: 'time' }, reason: 'Same type, microseconds.' },
  {
    source: 'timetz',
    example: { sourceType: 'timetz' },
    reason: 'Same type. Debezium sends timetz converted to UTC (ZonedTime), so both warehouses hold the same instant with offset +00, not the original offset.',
    redshiftEdges: 'the original offset is not carried (UTC)',
    postgresEdges: 'the original offset is not carried (UTC)',
  },
  {
    source: 'timestamp',
    example: { sourceType: 'timestamp' },
    reason: 'Same type, microseconds, no zone. The instant 294247-01-10 04:00:25.2 is read as infinity: Debezium 3.6 encodes infinity as it.',
  },
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
  {
    source: 'bit(n), varbit(n)',
    example: { sourceType: 'varbit', length: 16 },
    reason: 'A string of 0s and 1s, one byte per bit (65,535 when unbounded). bit(n) keeps its width; varbit is not padded (an empty varbit stays empty).',
    redshiftEdges: "a varbit with leading zeros loses them (Debezium's Bits carries no length: B'0001' arrives as 1)",
    postgresEdges: "a varbit with leading zeros loses them (Debezium's Bits carries no length: B'0001' arrives as 1)",
  },
  { source: 'tsvector', example: { sourceType: 'tsvector' }, reason: 'Its text form.' },
  { source: 'citext', example: { sourceType: 'citext' }, reason: 'The extension may not exist in the warehouse: text.' },
  {
    source: 'anything else',
    example: { sourceType: 'int4range' },
    reason: 'Its text form at full width: loads whatever Debezium sends, and a later, better mapping is a widening, not a rewrite.',
  },
];

const AS_ITSELF = 'every value as itself';

export const TYPE_MAPPING: readonly (TypeMappingRow & { redshift: string; postgres: string; edges: { redshift: string; postgres: string } })[] = rows.map(
  (row) => {
    const column: ColumnSpec = { name: 'example', nullable: true, primaryKey: false, ...row.example };
    const redshift = redshiftType(column);
    const substituted = [redshiftSubstitution(redshift)?.description, row.redshiftEdges].filter((text) => text !== undefined);
    return {
      ...row,
      redshift,
      postgres: postgresType(column),
      edges: { redshift: substituted.length > 0 ? substituted.join('; ') : AS_ITSELF, postgres: row.postgresEdges ?? AS_ITSELF },
    };
  },
);

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
    'When a source column changes type, a widening (int → bigint, int or bigint → numeric, more numeric',
    'digits, varchar(n) → text or a longer varchar, int → text, real → double precision) is followed in',
    'place on both warehouses, every row keeping its value; any other retype is not reproducible on the',
    'rows already loaded (README, "Schema changes": `typing/type-shape.ts` `fitOf` decides).',
    '',
    'Edge values: the PostgreSQL warehouse holds every PostgreSQL value as itself (infinities, NaN, any',
    'numeric), within what Debezium carries. Redshift cannot hold some: each lands as the substitute named',
    'below (`packages/warehouse/src/typing/substitutes.ts`), and the original is recorded in the',
    'target\'s `pgshift."substitutes_<schema>_<table>_<hash>"` (target_key, column_name, original — or',
    'NULL when over 1,024 bytes —, original_md5, original_bytes, substitute, batch_id, recorded_at), counted',
    "in the loader's `pgshift_loader_cells_substituted_total{table}`, and reported by `pgshift verify` apart",
    'from real differences (`substituted`). `PGSHIFT_UNREPRESENTABLE=stop` stops the table instead.',
    'Primary-key columns never get a substitute (two keys could become one): a key value the warehouse',
    'cannot hold stops the table.',
    '',
    '| PostgreSQL source | Redshift | PostgreSQL warehouse | Edge values on Redshift | Edge values on PostgreSQL | Why |',
    '|---|---|---|---|---|---|',
    ...TYPE_MAPPING.map(
      (r) =>
        `| ${escapeCell(r.source)} | \`${r.redshift}\` | \`${r.postgres}\` | ${escapeCell(r.edges.redshift)} | ${escapeCell(r.edges.postgres)} | ${escapeCell(r.reason)} |`,
    ),
    '',
  ];
  return lines.join('\n');
}
