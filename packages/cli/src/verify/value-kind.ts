/**
 * How verify compares a column: the family of its source type. Both sides turn a value of the same kind
 * into the same text (normalise.ts), whatever type the warehouse gave the column (typing/redshift.ts,
 * typing/postgres.ts).
 */
export type ValueKind =
  | 'boolean'
  | 'integer'
  | 'numeric'
  | 'money'
  | 'float'
  | 'text'
  | 'bpchar'
  /** Case-insensitive at the source: compared and ordered as plain text. */
  | 'citext'
  | 'uuid'
  /** json, jsonb, hstore and arrays: the warehouse holds them as jsonb / SUPER. */
  | 'json'
  | 'bytea'
  | 'date'
  | 'time'
  | 'timetz'
  | 'timestamp'
  | 'timestamptz'
  | 'interval'
  /** enums, inet, macaddr, bit strings, xml …: their text form on both sides. */
  | 'other'
  /** Not compared (spatial types: the warehouse holds another representation). */
  | 'unsupported';

/** A source column as the catalog describes it (pg_type of the column, or of a domain's base type). */
export interface SourceColumnType {
  /** pg_type.typname of the base type: `int4`, `_text`, `mood` … */
  typeName: string;
  /** pg_type.typtype: `b` base, `e` enum, `c` composite, `r` range … */
  typeType: string;
  /** pg_type.typcategory: `A` for arrays. */
  category: string;
}

export function valueKindOf(type: SourceColumnType): ValueKind {
  if (type.category === 'A') return 'json';
  if (type.typeType === 'e') return 'other';
  switch (type.typeName) {
    case 'bool':
      return 'boolean';
    case 'int2':
    case 'int4':
    case 'int8':
    case 'oid':
      return 'integer';
    case 'numeric':
      return 'numeric';
    case 'money':
      return 'money';
    case 'float4':
    case 'float8':
      return 'float';
    case 'text':
    case 'varchar':
    case 'name':
      return 'text';
    case 'bpchar':
      return 'bpchar';
    case 'citext':
      return 'citext';
    case 'uuid':
      return 'uuid';
    case 'json':
    case 'jsonb':
    case 'hstore':
      return 'json';
    case 'bytea':
      return 'bytea';
    case 'date':
      return 'date';
    case 'time':
      return 'time';
    case 'timetz':
      return 'timetz';
    case 'timestamp':
      return 'timestamp';
    case 'timestamptz':
      return 'timestamptz';
    case 'interval':
      return 'interval';
    case 'geometry':
    case 'geography':
      return 'unsupported';
    default:
      return 'other';
  }
}

/**
 * Key kinds whose native order is the same on both sides (the warehouse types keep the order), so that
 * key ranges can use the source's index. Other key kinds are ordered by their normalised text.
 */
export function hasPortableOrder(kind: ValueKind): boolean {
  return ['integer', 'numeric', 'text', 'uuid', 'date', 'timestamp', 'timestamptz'].includes(kind);
}
