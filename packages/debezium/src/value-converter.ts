import { type CellValue, UNCHANGED } from '@pgshift/contracts';
import { isLosslessNumber } from 'lossless-json';
import type { ConnectSchema } from './connect-schema.js';
import {
  bitBooleanText,
  bitsText,
  booleanText,
  bytesText,
  dateText,
  decimalBytesText,
  decimalStringText,
  float32Text,
  float64Text,
  geometryText,
  isoIntervalText,
  microDurationText,
  microTimestampText,
  microTimeText,
  nanoTimestampText,
  nanoTimeText,
  pointText,
  timeMillisText,
  timestampMillisText,
  variableScaleDecimalText,
  zonedTimestampText,
  zonedTimeText,
} from './logical-types.js';
import { asBigInt, asBoolean, asBytes, asNumber, asString, asStruct, integerDigits } from './wire-values.js';

/** One column's value (as either wire format decodes it) → its cell: exact text, NULL or UNCHANGED. */
export type CellConverter = (value: unknown) => CellValue;

/** A non-null value → its text. */
type TextConverter = (value: unknown) => string;

export const DEFAULT_UNAVAILABLE_VALUE_PLACEHOLDER = '__debezium_unavailable_value';

/** `column.length` values that mean "no limit". */
const UNLIMITED_LENGTH = 2_147_483_647;

const SOURCE_TYPE = '__debezium.source.column.type';

/**
 * Builds the converter for one column once per schema; the batcher then runs it for every event.
 * `placeholder` is the connector's `unavailable.value.placeholder`.
 */
export function compileCellConverter(schema: ConnectSchema, placeholder: string): CellConverter {
  const toText = compileText(schema);
  const isPlaceholder = compilePlaceholderTest(schema, placeholder);
  if (isPlaceholder === undefined) return (value) => (value == null ? null : toText(value));
  return (value) => (value == null ? null : isPlaceholder(value) ? UNCHANGED : toText(value));
}

function compileText(schema: ConnectSchema): TextConverter {
  switch (schema.name) {
    case 'org.apache.kafka.connect.data.Decimal': {
      const scale = Number(schema.parameters.scale ?? 0);
      // decimal.format=NUMERIC in the JsonConverter writes the number itself.
      return (value) => (isLosslessNumber(value) ? value.value : decimalBytesText(asBytes(value), scale));
    }
    case 'io.debezium.data.VariableScaleDecimal':
      return (value) => {
        const struct = asStruct(value);
        return variableScaleDecimalText({ scale: asNumber(struct.scale), value: asBytes(struct.value) });
      };
    case 'io.debezium.time.Date':
    case 'org.apache.kafka.connect.data.Date':
      return (value) => dateText(asNumber(value));
    case 'io.debezium.time.Time':
    case 'org.apache.kafka.connect.data.Time':
      return (value) => timeMillisText(asNumber(value));
    case 'io.debezium.time.MicroTime':
      return (value) => microTimeText(asNumber(value));
    case 'io.debezium.time.NanoTime':
      return (value) => nanoTimeText(asBigInt(value));
    case 'io.debezium.time.Timestamp':
    case 'org.apache.kafka.connect.data.Timestamp':
      return (value) => timestampMillisText(asBigInt(value));
    case 'io.debezium.time.MicroTimestamp':
      return (value) => microTimestampText(asBigInt(value));
    case 'io.debezium.time.NanoTimestamp':
      return (value) => nanoTimestampText(asBigInt(value));
    case 'io.debezium.time.ZonedTimestamp':
      return (value) => zonedTimestampText(asString(value));
    case 'io.debezium.time.ZonedTime':
      return (value) => zonedTimeText(asString(value));
    case 'io.debezium.time.Interval':
      return (value) => isoIntervalText(asString(value));
    case 'io.debezium.time.MicroDuration':
      return (value) => microDurationText(asBigInt(value));
    case 'io.debezium.data.Bits': {
      // bit(n) is padded to its width; varbit(n) is not (its `length` is a maximum: B'' stays empty, B'1' stays 1).
      const length = Number(schema.parameters.length);
      const fixed = schema.parameters[SOURCE_TYPE]?.toUpperCase() !== 'VARBIT';
      const width = fixed && Number.isInteger(length) && length > 0 && length < UNLIMITED_LENGTH ? length : undefined;
      return (value) => bitsText(asBytes(value), width);
    }
    case 'io.debezium.data.geometry.Geometry':
    case 'io.debezium.data.geometry.Geography':
      return (value) => {
        const struct = asStruct(value);
        return geometryText({ wkb: asBytes(struct.wkb), srid: struct.srid == null ? null : asNumber(struct.srid) });
      };
    case 'io.debezium.data.geometry.Point':
      return (value) => {
        const struct = asStruct(value);
        return pointText({ x: asNumber(struct.x), y: asNumber(struct.y) });
      };
  }
  // Json, Xml, Uuid, Enum, EnumSet, Ltree, Interval (string mode), Tsvector, inet, money-as-string …
  // are strings Debezium already wrote in PostgreSQL's own text form.
  switch (schema.type) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
      return integerDigits;
    case 'float32':
      return (value) => float32Text(Math.fround(asNumber(value)));
    case 'float64':
      return (value) => float64Text(asNumber(value));
    case 'boolean':
      // bit(1) arrives as a boolean; PostgreSQL writes it 1/0.
      return schema.parameters[SOURCE_TYPE] === 'BIT' ? (value) => bitBooleanText(asBoolean(value)) : (value) => booleanText(asBoolean(value));
    case 'string':
      // decimal.handling.mode=string: numerics (money too) are strings, with PostgreSQL's special values renamed.
      return isNumericSource(schema.parameters[SOURCE_TYPE]) ? (value) => decimalStringText(asString(value)) : asString;
    case 'bytes':
      return (value) => bytesText(asBytes(value));
    case 'array':
      return compileArrayText(schema.items!, isNumericSource(schema.parameters[SOURCE_TYPE]?.replace(/^_/, '')));
    case 'map':
      return compileMapText(schema.values!);
    case 'struct':
      return compileStructText(schema);
  }
}

/** The source types Debezium sends as decimals (strings under decimal.handling.mode=string). */
function isNumericSource(sourceType: string | undefined): boolean {
  if (sourceType === undefined) return false;
  const name = sourceType.toUpperCase();
  return name === 'NUMERIC' || name === 'DECIMAL' || name === 'MONEY';
}

/** A numeric array element sent as a string: a JSON number, except NaN and ±Infinity, which JSON has not (PostgreSQL's to_jsonb quotes them too). */
function numericStringFragment(value: unknown): string {
  const text = decimalStringText(asString(value));
  return text === 'NaN' || text === 'Infinity' || text === '-Infinity' ? `"${text}"` : text;
}

/** An element inside JSON text: numbers stay numbers when the text is an exact JSON number. */
function compileJsonFragment(schema: ConnectSchema, numericStrings = false): TextConverter {
  if (numericStrings && schema.type === 'string') return numericStringFragment;
  const toText = compileText(schema);
  if (isJsonNumeric(schema)) return toText;
  if (schema.type === 'float32' || schema.type === 'float64') {
    return (value) => {
      const text = toText(value);
      return text === 'NaN' || text === 'Infinity' || text === '-Infinity' ? `"${text}"` : text;
    };
  }
  if (schema.type === 'boolean' && schema.name === undefined) return toText;
  if (schema.type === 'array' || schema.type === 'map') return toText;
  return (value) => JSON.stringify(toText(value));
}

function isJsonNumeric(schema: ConnectSchema): boolean {
  if (schema.name === 'org.apache.kafka.connect.data.Decimal' || schema.name === 'io.debezium.data.VariableScaleDecimal') return true;
  if (schema.name !== undefined) return false;
  return schema.type === 'int8' || schema.type === 'int16' || schema.type === 'int32' || schema.type === 'int64';
}

/** Arrays → JSON array text of the element conversions: `[1,2,null]`, `["a","b"]`. */
function compileArrayText(items: ConnectSchema, numericStrings: boolean): TextConverter {
  const element = compileJsonFragment(items, numericStrings);
  return (value) => {
    const array = value as readonly unknown[];
    let text = '[';
    for (let i = 0; i < array.length; i++) {
      if (i > 0) text += ',';
      const item = array[i];
      text += item == null ? 'null' : element(item);
    }
    return `${text}]`;
  };
}

/** Maps (e.g. hstore in map mode) → JSON object text. */
function compileMapText(values: ConnectSchema): TextConverter {
  const element = compileJsonFragment(values);
  return (value) => {
    const entries = value instanceof Map ? [...value.entries()] : Object.entries(asStruct(value));
    return `{${entries.map(([key, item]) => `${JSON.stringify(String(key))}:${item == null ? 'null' : element(item)}`).join(',')}}`;
  };
}

/** Structs without a known logical type → JSON object text of their fields. */
function compileStructText(schema: ConnectSchema): TextConverter {
  const fields = (schema.fields ?? []).map((field) => ({ name: field.name, text: compileJsonFragment(field.schema) }));
  return (value) => {
    const struct = asStruct(value);
    return `{${fields.map(({ name, text }) => `${JSON.stringify(name)}:${struct[name] == null ? 'null' : text(struct[name])}`).join(',')}}`;
  };
}

/**
 * How Debezium marks an unchanged TOAST value for this column's type: the placeholder string, its UTF-8
 * bytes for bytes-based types, `[placeholder]` for text arrays, the placeholder's byte values for
 * integer arrays. Undefined for types that are never TOASTed.
 */
function compilePlaceholderTest(schema: ConnectSchema, placeholder: string): ((value: unknown) => boolean) | undefined {
  switch (schema.type) {
    case 'string':
      return (value) => value === placeholder;
    case 'bytes': {
      const bytes = Buffer.from(placeholder, 'utf8');
      const base64 = bytes.toString('base64');
      return (value) => (Buffer.isBuffer(value) ? value.length === bytes.length && value.equals(bytes) : value === base64);
    }
    case 'array': {
      const items = schema.items!;
      if (items.type === 'string') return (value) => Array.isArray(value) && value.length === 1 && value[0] === placeholder;
      if (items.type === 'int32' || items.type === 'int64' || items.type === 'int16' || items.type === 'int8') {
        // Java's signed bytes of the placeholder, one array element each.
        const codes = [...Buffer.from(placeholder, 'utf8')].map((byte) => (byte > 127 ? byte - 256 : byte));
        return (value) => {
          if (!Array.isArray(value) || value.length !== codes.length) return false;
          for (let i = 0; i < codes.length; i++) {
            const item: unknown = value[i];
            if (item == null || asNumber(item) !== codes[i]) return false;
          }
          return true;
        };
      }
      return undefined;
    }
    default:
      return undefined;
  }
}
