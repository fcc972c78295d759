import type { ColumnSpec } from '@pgshift/contracts';
import type { ConnectField, ConnectSchema } from './connect-schema.js';
import { compileCellConverter } from './value-converter.js';

const SOURCE_TYPE = '__debezium.source.column.type';
const SOURCE_LENGTH = '__debezium.source.column.length';
const SOURCE_SCALE = '__debezium.source.column.scale';
const SOURCE_NAME = '__debezium.source.column.name';

/** Lengths the JDBC driver reports for columns without a limit: text-like types, and unconstrained numeric. */
const UNCONSTRAINED_LENGTHS = new Set([2_147_483_647, 131_089]);

/**
 * A column as the value schema describes it. The connector runs with `column.propagate.source.type=.*`,
 * so each field carries the PostgreSQL type, length and scale; without them the type is derived from
 * the Connect schema.
 */
export function columnSpecOf(field: ConnectField, primaryKey: boolean): ColumnSpec {
  const { schema } = field;
  const parameters = schema.parameters;
  const column: ColumnSpec = {
    name: parameters[SOURCE_NAME] ?? field.name,
    sourceType: parameters[SOURCE_TYPE]?.toLowerCase() ?? derivedSourceType(schema),
    nullable: schema.optional,
    primaryKey,
  };
  const length = integerParameter(parameters[SOURCE_LENGTH]);
  if (length !== undefined && !UNCONSTRAINED_LENGTHS.has(length)) {
    column.length = length;
    const scale = integerParameter(parameters[SOURCE_SCALE]);
    if (scale !== undefined) column.scale = scale;
  }
  const defaultText = defaultTextOf(field);
  if (defaultText !== undefined) column.defaultValue = defaultText;
  if (schema.name !== undefined && schema.type !== 'struct') column.semanticType = schema.name;
  else if (schema.name !== undefined && LOGICAL_STRUCTS.has(schema.name)) column.semanticType = schema.name;
  return column;
}

/**
 * The field's default in the batch files' text form, converted as its values are: what PostgreSQL
 * filled the existing rows with when the column was added. Undefined when there is none or it does
 * not convert (it is then treated as no default: the rows stay NULL in the warehouse).
 */
const TEMPORAL_TYPES = new Set([
  'io.debezium.time.Date',
  'org.apache.kafka.connect.data.Date',
  'io.debezium.time.Time',
  'io.debezium.time.MicroTime',
  'io.debezium.time.NanoTime',
  'org.apache.kafka.connect.data.Time',
  'io.debezium.time.Timestamp',
  'io.debezium.time.MicroTimestamp',
  'io.debezium.time.NanoTimestamp',
  'org.apache.kafka.connect.data.Timestamp',
  'io.debezium.time.ZonedTimestamp',
  'io.debezium.time.ZonedTime',
]);

/**
 * Debezium stands in the epoch (0, `1970-01-01T00:00:00Z`) for a temporal column whose default is
 * CURRENT_TIMESTAMP, CURRENT_DATE or CURRENT_TIME (PostgresDefaultValueConverter): not the value
 * PostgreSQL filled the rows with, so it is no default here (the column is then one added with a
 * volatile default).
 */
function isEpochStandIn(field: ConnectField): boolean {
  if (field.schema.name === undefined || !TEMPORAL_TYPES.has(field.schema.name)) return false;
  const value = field.defaultValue;
  return value === 0 || value === 0n || (typeof value === 'string' && /^(1970-01-01([T ]00:00:00(\.0+)?(Z|[+-]00(:?00)?)?)?|00:00:00(\.0+)?(Z)?)$/.test(value));
}

/** No value is a default's TOAST placeholder. */
const NO_PLACEHOLDER = '\u0000pgshift: no placeholder';

function defaultTextOf(field: ConnectField): string | undefined {
  if (field.defaultValue === undefined || isEpochStandIn(field)) return undefined;
  try {
    const text = compileCellConverter(field.schema, NO_PLACEHOLDER)(field.defaultValue);
    return typeof text === 'string' ? text : undefined;
  } catch {
    return undefined;
  }
}

const LOGICAL_STRUCTS = new Set([
  'io.debezium.data.VariableScaleDecimal',
  'io.debezium.data.geometry.Geometry',
  'io.debezium.data.geometry.Geography',
  'io.debezium.data.geometry.Point',
]);

function integerParameter(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  return Number.isInteger(value) ? value : undefined;
}

const TYPE_BY_LOGICAL_NAME: Readonly<Record<string, string>> = {
  'org.apache.kafka.connect.data.Decimal': 'numeric',
  'io.debezium.data.VariableScaleDecimal': 'numeric',
  'io.debezium.time.Date': 'date',
  'org.apache.kafka.connect.data.Date': 'date',
  'io.debezium.time.Time': 'time',
  'io.debezium.time.MicroTime': 'time',
  'io.debezium.time.NanoTime': 'time',
  'org.apache.kafka.connect.data.Time': 'time',
  'io.debezium.time.Timestamp': 'timestamp',
  'io.debezium.time.MicroTimestamp': 'timestamp',
  'io.debezium.time.NanoTimestamp': 'timestamp',
  'org.apache.kafka.connect.data.Timestamp': 'timestamp',
  'io.debezium.time.ZonedTimestamp': 'timestamptz',
  'io.debezium.time.ZonedTime': 'timetz',
  'io.debezium.time.MicroDuration': 'interval',
  'io.debezium.time.Interval': 'interval',
  'io.debezium.data.Json': 'json',
  'io.debezium.data.Xml': 'xml',
  'io.debezium.data.Uuid': 'uuid',
  'io.debezium.data.Bits': 'varbit',
  'io.debezium.data.Ltree': 'ltree',
  'io.debezium.data.Tsvector': 'tsvector',
  'io.debezium.data.geometry.Geometry': 'geometry',
  'io.debezium.data.geometry.Geography': 'geography',
  'io.debezium.data.geometry.Point': 'point',
};

const TYPE_BY_CONNECT_TYPE: Readonly<Record<string, string>> = {
  int8: 'int2',
  int16: 'int2',
  int32: 'int4',
  int64: 'int8',
  float32: 'float4',
  float64: 'float8',
  boolean: 'bool',
  string: 'text',
  bytes: 'bytea',
  map: 'json',
  struct: 'json',
};

/** PostgreSQL's name for a Connect schema when the connector did not say (`_int4` for an int4 array, as PostgreSQL names it). */
export function derivedSourceType(schema: ConnectSchema): string {
  if (schema.type === 'array') return `_${derivedSourceType(schema.items!)}`;
  return (schema.name !== undefined ? TYPE_BY_LOGICAL_NAME[schema.name] : undefined) ?? TYPE_BY_CONNECT_TYPE[schema.type] ?? 'text';
}
