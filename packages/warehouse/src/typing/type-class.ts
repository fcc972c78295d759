import type { SourceType } from './source-type.js';

/**
 * The one classification of PostgreSQL source types. The warehouse type mappings (postgres.ts,
 * redshift.ts), the merge's TOAST handling (sql/merge.ts) and `pgshift verify`'s comparisons all
 * derive from it, so a type is text-like, JSON-like or fixed-width in one place only.
 */
export type SourceTypeClass =
  | 'boolean'
  /** int2, int4, int8, oid. */
  | 'integer'
  | 'numeric'
  | 'money'
  /** float4, float8. */
  | 'float'
  /** text, varchar, name. */
  | 'text'
  /** char(n): blank-padded. */
  | 'bpchar'
  /** Case-insensitive text. */
  | 'citext'
  | 'uuid'
  /** json, jsonb, hstore, and every array: JSON in the warehouse (jsonb / SUPER). */
  | 'json'
  | 'bytea'
  | 'date'
  | 'time'
  | 'timetz'
  | 'timestamp'
  | 'timestamptz'
  | 'interval'
  /** PostGIS geometry and geography. */
  | 'spatial'
  /** Enums, inet, macaddr, bit strings, xml, point and every type not listed: their text form. */
  | 'other';

interface Traits {
  class: SourceTypeClass;
  /** Fixed width: PostgreSQL never TOASTs its values (so an update always carries them). */
  fixedWidth: boolean;
}

const fixed = (c: SourceTypeClass): Traits => ({ class: c, fixedWidth: true });
const variable = (c: SourceTypeClass): Traits => ({ class: c, fixedWidth: false });

/** By pg_type name. Types not listed are `other` and variable-length. */
const KNOWN: Readonly<Record<string, Traits>> = {
  bool: fixed('boolean'),
  int2: fixed('integer'),
  int4: fixed('integer'),
  int8: fixed('integer'),
  oid: fixed('integer'),
  numeric: variable('numeric'),
  money: fixed('money'),
  float4: fixed('float'),
  float8: fixed('float'),
  text: variable('text'),
  varchar: variable('text'),
  name: variable('text'),
  bpchar: variable('bpchar'),
  citext: variable('citext'),
  uuid: fixed('uuid'),
  json: variable('json'),
  jsonb: variable('json'),
  hstore: variable('json'),
  bytea: variable('bytea'),
  date: fixed('date'),
  time: fixed('time'),
  timetz: fixed('timetz'),
  timestamp: fixed('timestamp'),
  timestamptz: fixed('timestamptz'),
  interval: fixed('interval'),
  geometry: variable('spatial'),
  geography: variable('spatial'),
  macaddr: fixed('other'),
  macaddr8: fixed('other'),
  point: fixed('other'),
};

function traitsOf(name: string): Traits {
  return Object.hasOwn(KNOWN, name) ? KNOWN[name]! : variable('other');
}

/** The class of a parsed source type (parseSourceType); arrays are JSON. */
export function sourceTypeClass(type: SourceType): SourceTypeClass {
  return type.isArray ? 'json' : traitsOf(type.name).class;
}

/**
 * Whether a value of this type can be TOASTed, so that Debezium may send the unchanged-value
 * placeholder for it: every variable-length type (arrays included).
 */
export function mayBeToasted(type: SourceType): boolean {
  return type.isArray || !traitsOf(type.name).fixedWidth;
}
