import type { ColumnSpec } from '@pgshift/contracts';
import { parseSourceType } from './source-type.js';
import { sourceTypeClass } from './type-class.js';
import type { TypeShape } from './type-shape.js';
import { splitType, type TypeModifiers } from './type-text.js';

/** Redshift VARCHAR limit, in bytes. */
export const REDSHIFT_MAX_VARCHAR = 65535;
/** Redshift DECIMAL limit. */
export const REDSHIFT_MAX_PRECISION = 38;
/** Scale used when the source numeric has none (or more precision than Redshift has). */
export const REDSHIFT_DEFAULT_SCALE = 10;
/** bytea lands here: 1,000,000-odd bytes, well under Redshift's 16 MB VARBYTE and its 4 MB COPY row limit. */
export const REDSHIFT_VARBYTE_LENGTH = 1024000;

const MAX_VARCHAR = `VARCHAR(${REDSHIFT_MAX_VARCHAR})`;

/**
 * The Redshift column type for a PostgreSQL source column, as a data engineer expects it (booleans stay
 * BOOLEAN, numerics keep their precision and scale, timestamps keep their zone), not as AWS DMS maps
 * it. docs/type-mapping.md lists every row with its reason (generated from mapping.ts).
 */
export function redshiftType(column: ColumnSpec): string {
  const type = parseSourceType(column.sourceType);
  const { name } = type;
  switch (sourceTypeClass(type)) {
    case 'boolean':
      return 'BOOLEAN';
    case 'integer':
      // oid: its text form.
      return ({ int2: 'SMALLINT', int4: 'INTEGER', int8: 'BIGINT' } as Record<string, string>)[name] ?? MAX_VARCHAR;
    case 'numeric':
      return redshiftDecimal(column.length, column.scale);
    case 'float':
      return name === 'float4' ? 'REAL' : 'DOUBLE PRECISION';
    case 'money':
      return 'DECIMAL(19,2)';
    case 'text':
    case 'bpchar':
      // Redshift lengths are bytes, PostgreSQL's are characters: a UTF-8 character takes up to 4 bytes.
      if (name === 'text' || name === 'name') return MAX_VARCHAR;
      return column.length === undefined ? MAX_VARCHAR : `VARCHAR(${Math.min(4 * column.length, REDSHIFT_MAX_VARCHAR)})`;
    case 'citext':
      return MAX_VARCHAR;
    case 'uuid':
      return 'CHAR(36)';
    case 'json':
      return 'SUPER';
    case 'bytea':
      return `VARBYTE(${REDSHIFT_VARBYTE_LENGTH})`;
    case 'date':
    case 'time':
    case 'timetz':
    case 'timestamp':
    case 'timestamptz':
      return name.toUpperCase();
    case 'interval':
      return 'VARCHAR(64)';
    case 'spatial':
      return 'GEOMETRY';
    case 'other':
      return redshiftTextForm(name, column.length);
  }
}

/** The VARCHAR that holds the text form of an `other` type: its longest text where known. */
function redshiftTextForm(name: string, length: number | undefined): string {
  switch (name) {
    case 'bit':
    case 'varbit':
      // Written as a string of 0s and 1s: one byte per bit.
      return length === undefined ? MAX_VARCHAR : `VARCHAR(${Math.min(length, REDSHIFT_MAX_VARCHAR)})`;
    case 'inet':
    case 'cidr':
      return 'VARCHAR(43)';
    case 'macaddr':
      return 'VARCHAR(17)';
    case 'macaddr8':
      return 'VARCHAR(23)';
    case 'point':
      return 'VARCHAR(64)';
    default:
      // xml, tsvector, enums and every type pgshift does not know: their text form, at full width because
      // the longest label or value is unknown (an enum cannot be told apart from other unknown types by its name).
      return MAX_VARCHAR;
  }
}

function redshiftDecimal(precision: number | undefined, scale: number | undefined): string {
  if (precision === undefined) return `DECIMAL(${REDSHIFT_MAX_PRECISION},${REDSHIFT_DEFAULT_SCALE})`;
  const s = scale ?? 0;
  if (precision <= REDSHIFT_MAX_PRECISION) return `DECIMAL(${precision},${s})`;
  // More digits than Redshift has: keep the scale when it is small, so money-like columns stay exact.
  return `DECIMAL(${REDSHIFT_MAX_PRECISION},${Math.min(s, REDSHIFT_DEFAULT_SCALE)})`;
}

/**
 * A type as Redshift reports it (SVV_COLUMNS / information_schema `data_type` plus length, precision and
 * scale, or format_type text such as `character varying(256)`) in the spelling redshiftType emits.
 */
export function normaliseRedshiftType(dataType: string, modifiers: TypeModifiers = {}): string {
  const { base, args } = splitType(dataType);
  const length = args[0] ?? modifiers.length ?? null;
  switch (base) {
    case 'character varying':
    case 'varchar':
    case 'nvarchar':
    case 'text': // Redshift's TEXT is VARCHAR(256)
      return `VARCHAR(${length ?? 256})`;
    case 'character':
    case 'char':
    case 'bpchar':
    case 'nchar':
      return `CHAR(${length ?? 1})`;
    case 'numeric':
    case 'decimal':
      return `DECIMAL(${args[0] ?? modifiers.precision ?? 18},${args[1] ?? modifiers.scale ?? 0})`;
    case 'smallint':
    case 'int2':
      return 'SMALLINT';
    case 'integer':
    case 'int':
    case 'int4':
      return 'INTEGER';
    case 'bigint':
    case 'int8':
      return 'BIGINT';
    case 'real':
    case 'float4':
      return 'REAL';
    case 'double precision':
    case 'float8':
    case 'float':
      return 'DOUBLE PRECISION';
    case 'boolean':
    case 'bool':
      return 'BOOLEAN';
    case 'timestamp without time zone':
    case 'timestamp':
      return 'TIMESTAMP';
    case 'timestamp with time zone':
    case 'timestamptz':
      return 'TIMESTAMPTZ';
    case 'time without time zone':
    case 'time':
      return 'TIME';
    case 'time with time zone':
    case 'timetz':
      return 'TIMETZ';
    case 'binary varying':
    case 'varbyte':
    case 'varbinary':
      return `VARBYTE(${length ?? 64000})`;
    default:
      return base.toUpperCase();
  }
}

export function redshiftTypeShape(type: string): TypeShape {
  const normalised = normaliseRedshiftType(type);
  const { base, args } = splitType(normalised.toLowerCase());
  switch (base) {
    case 'varchar':
      return { family: 'string', length: args[0] ?? 256 };
    case 'smallint':
      return { family: 'integer', bytes: 2 };
    case 'integer':
      return { family: 'integer', bytes: 4 };
    case 'bigint':
      return { family: 'integer', bytes: 8 };
    case 'decimal':
      return { family: 'decimal', precision: args[0] ?? 18, scale: args[1] ?? 0 };
    case 'real':
      return { family: 'float', bytes: 4 };
    case 'double precision':
      return { family: 'float', bytes: 8 };
    default:
      return { family: 'exact', type: normalised };
  }
}
