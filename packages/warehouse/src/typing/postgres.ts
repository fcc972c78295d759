import type { ColumnSpec } from '@pgshift/contracts';
import { parseSourceType } from './source-type.js';
import { sourceTypeClass } from './type-class.js';
import type { TypeShape } from './type-shape.js';
import { splitType, type TypeModifiers } from './type-text.js';

/**
 * The PostgreSQL warehouse column type for a source column: the natural PostgreSQL type, except where
 * both warehouses should hold the same shape (arrays and hstore become jsonb like json, since Redshift
 * holds them as SUPER) or where the type may not exist in the warehouse (enums, PostGIS, extensions:
 * their text form).
 */
export function postgresType(column: ColumnSpec): string {
  const type = parseSourceType(column.sourceType);
  const { name } = type;
  switch (sourceTypeClass(type)) {
    case 'boolean':
      return 'boolean';
    case 'integer':
      // oid: its text form.
      return ({ int2: 'smallint', int4: 'integer', int8: 'bigint' } as Record<string, string>)[name] ?? 'text';
    case 'numeric':
      return column.length === undefined ? 'numeric' : `numeric(${column.length},${column.scale ?? 0})`;
    case 'float':
      return name === 'float4' ? 'real' : 'double precision';
    case 'money':
      return 'numeric(19,2)';
    case 'text':
      return name === 'varchar' && column.length !== undefined ? `varchar(${column.length})` : 'text';
    case 'bpchar':
      return column.length === undefined ? 'text' : `char(${column.length})`;
    case 'citext':
      return 'text';
    case 'uuid':
      return 'uuid';
    case 'json':
      return 'jsonb';
    case 'bytea':
    case 'date':
    case 'time':
    case 'timetz':
    case 'timestamp':
    case 'timestamptz':
    case 'interval':
      return name;
    case 'spatial':
      return 'text';
    case 'other':
      // Types every PostgreSQL has keep their type; enums, bit strings, geometric and unknown types: their text form.
      return ['inet', 'cidr', 'macaddr', 'macaddr8', 'xml', 'tsvector'].includes(name) ? name : 'text';
  }
}

/**
 * A type as PostgreSQL reports it (information_schema `data_type` plus length, precision and scale, or
 * format_type text such as `character varying(20)`) in the spelling postgresType emits.
 */
export function normalisePostgresType(dataType: string, modifiers: TypeModifiers = {}): string {
  // format_type writes a precision inside the name: `timestamp(3) without time zone`.
  const withoutPrecision = dataType.toLowerCase().replace(/^(timestamp|time)\(\d+\)/, '$1');
  const { base, args } = splitType(withoutPrecision);
  const length = args[0] ?? modifiers.length ?? null;
  switch (base) {
    case 'character varying':
    case 'varchar':
      return length === null ? 'text' : `varchar(${length})`;
    case 'character':
    case 'char':
    case 'bpchar':
      return length === null ? 'text' : `char(${length})`;
    case 'numeric':
    case 'decimal': {
      const precision = args[0] ?? modifiers.precision ?? null;
      return precision === null ? 'numeric' : `numeric(${precision},${args[1] ?? modifiers.scale ?? 0})`;
    }
    case 'int2':
      return 'smallint';
    case 'int':
    case 'int4':
      return 'integer';
    case 'int8':
      return 'bigint';
    case 'float4':
      return 'real';
    case 'float8':
      return 'double precision';
    case 'bool':
      return 'boolean';
    case 'timestamp without time zone':
      return 'timestamp';
    case 'timestamp with time zone':
      return 'timestamptz';
    case 'time without time zone':
      return 'time';
    case 'time with time zone':
      return 'timetz';
    default:
      return base;
  }
}

export function postgresTypeShape(type: string): TypeShape {
  const normalised = normalisePostgresType(type);
  const { base, args } = splitType(normalised);
  switch (base) {
    case 'text':
      return { family: 'string', length: null };
    case 'varchar':
      return { family: 'string', length: args[0] ?? null };
    case 'smallint':
      return { family: 'integer', bytes: 2 };
    case 'integer':
      return { family: 'integer', bytes: 4 };
    case 'bigint':
      return { family: 'integer', bytes: 8 };
    case 'numeric':
      return args.length === 0 ? { family: 'decimal', precision: null, scale: null } : { family: 'decimal', precision: args[0]!, scale: args[1] ?? 0 };
    case 'real':
      return { family: 'float', bytes: 4 };
    case 'double precision':
      return { family: 'float', bytes: 8 };
    default:
      return { family: 'exact', type: normalised };
  }
}
