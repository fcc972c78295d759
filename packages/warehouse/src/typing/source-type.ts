/**
 * The PostgreSQL type of a source column in one spelling. Debezium's `column.propagate.source.type`
 * gives pg_type names (`INT4`, `VARCHAR`, `_TEXT`); a fallback may give SQL spellings (`integer`,
 * `character varying`, `text[]`). Both end up here as the pg_type name, lower case.
 */
export interface SourceType {
  /** pg_type name of the element type for arrays (`int4` for `_int4`). */
  name: string;
  isArray: boolean;
}

const ALIASES: Record<string, string> = {
  boolean: 'bool',
  smallint: 'int2',
  smallserial: 'int2',
  integer: 'int4',
  int: 'int4',
  serial: 'int4',
  bigint: 'int8',
  bigserial: 'int8',
  real: 'float4',
  'double precision': 'float8',
  decimal: 'numeric',
  'character varying': 'varchar',
  character: 'bpchar',
  char: 'bpchar',
  'bit varying': 'varbit',
  'timestamp without time zone': 'timestamp',
  'timestamp with time zone': 'timestamptz',
  'time without time zone': 'time',
  'time with time zone': 'timetz',
};

export function parseSourceType(sourceType: string): SourceType {
  let name = sourceType.trim().toLowerCase().replace(/\s+/g, ' ');
  let isArray = false;
  if (name.endsWith('[]')) {
    isArray = true;
    name = name.slice(0, -2).trim();
  } else if (name.startsWith('_')) {
    isArray = true;
    name = name.slice(1);
  }
  name = name.replace(/\(.*\)$/, '').trim(); // `varchar(20)` spellings: the length travels separately
  return { name: ALIASES[name] ?? name, isArray };
}
