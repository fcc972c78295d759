import { type CellValue, type ColumnSpec, NULL_SENTINEL, schemaFingerprint } from '@pgshift/contracts';
import type avro from 'avsc';
import { parse as parseLossless } from 'lossless-json';
import { type ProjectedReader, projectEnvelopeReader } from './avro-projection.js';
import { type ChangeEvent, DecodeError, type Op } from './change-event.js';
import { columnSpecOf } from './column-spec.js';
import { type ConnectField, type ConnectSchema, connectSchemaFromAvro, connectSchemaFromJson, fieldOf } from './connect-schema.js';
import { JsonEnvelopeError, parseJsonEnvelope, parseJsonSchema } from './json-envelope.js';
import { UnknownSchemaIdError, type WriterSchemaSource } from './registry.js';
import { sourcePositionOf } from './source-position.js';
import { type CellConverter, compileCellConverter, DEFAULT_UNAVAILABLE_VALUE_PLACEHOLDER } from './value-converter.js';
import { asBigInt, asString } from './wire-values.js';

export interface ChangeEventMessage {
  topic: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Kafka headers; Debezium marks a primary-key change with `__debezium.oldkey` / `__debezium.newkey`. */
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
}

export interface ChangeEventDecoder {
  /** The message's change event; null for a tombstone. Rejects with DecodeError for what cannot be decoded. */
  decode(message: ChangeEventMessage): Promise<ChangeEvent | null>;
}

export interface ChangeEventDecoderOptions {
  registry: WriterSchemaSource;
  /** The connector's `unavailable.value.placeholder`. */
  placeholder?: string;
}

/** A row struct's converters, compiled once per value schema. */
interface CompiledRow {
  fields: readonly ConnectField[];
  converters: readonly CellConverter[];
  /** Column lists per key schema (the key says which columns form the primary key). */
  columnsByKey: Map<string, Columns>;
}

interface Columns {
  columns: readonly ColumnSpec[];
  fingerprint: string;
}

interface CompiledValue {
  /** Null when the envelope has no row struct. */
  row: CompiledRow | null;
  /** Avro: the writer schema projected onto the fields a change event needs. */
  avroReader?: ProjectedReader;
}

interface CompiledKey {
  /** Identifies the key schema: `avro:<id>` or the JSON schema text. */
  identity: string;
  fieldNames: readonly string[];
  converters: readonly CellConverter[];
  avroType?: avro.Type;
}

const NO_KEY = '';
const CONFLUENT_MAGIC_BYTE = 0x00;
const OPEN_BRACE = 0x7b;
const OPS = new Set<string>(['c', 'u', 'd', 'r', 't']);

/**
 * Decodes Debezium PostgreSQL change events, Avro (Confluent wire format, schemas from the registry) or
 * JSON with schemas, recognised per message. Converters are compiled once per schema and cached.
 */
export function createChangeEventDecoder({ registry, placeholder = DEFAULT_UNAVAILABLE_VALUE_PLACEHOLDER }: ChangeEventDecoderOptions): ChangeEventDecoder {
  const avroValues = new Map<number, Promise<CompiledValue>>();
  const avroKeys = new Map<number, Promise<CompiledKey>>();
  const jsonValues = new Map<string, CompiledValue>();
  const jsonKeys = new Map<string, CompiledKey>();

  function compileValue(envelope: ConnectSchema): CompiledValue {
    const row = fieldOf(envelope, 'after') ?? fieldOf(envelope, 'before');
    if (!fieldOf(envelope, 'op') || !fieldOf(envelope, 'source')) {
      throw new DecodeError('not-a-change-event', `schema ${envelope.name ?? '(unnamed)'} is not a Debezium change event envelope`);
    }
    const compiled: CompiledValue = { row: null };
    if (row?.type === 'struct') {
      const fields = row.fields ?? [];
      compiled.row = { fields, converters: fields.map((field) => compileCellConverter(field.schema, placeholder)), columnsByKey: new Map() };
    }
    return compiled;
  }

  function compileKey(identity: string, schema: ConnectSchema, avroType?: avro.Type): CompiledKey {
    const fields = schema.type === 'struct' ? (schema.fields ?? []) : [];
    const compiled: CompiledKey = {
      identity,
      fieldNames: fields.map((field) => field.name),
      converters: fields.map((field) => compileCellConverter(field.schema, placeholder)),
    };
    if (avroType) compiled.avroType = avroType;
    return compiled;
  }

  function cachedWriterSchema<T>(cache: Map<number, Promise<T>>, id: number, build: (raw: unknown, type: avro.Type) => T): Promise<T> {
    let compiled = cache.get(id);
    if (!compiled) {
      compiled = registry.getWriterSchema(id).then(
        (schema) => {
          try {
            return build(schema.raw, schema.type);
          } catch (error) {
            if (error instanceof DecodeError) throw error;
            throw new DecodeError('unsupported-schema', `schema id ${id}: ${(error as Error).message}`);
          }
        },
        (error: unknown) => {
          if (error instanceof UnknownSchemaIdError) throw new DecodeError('unknown-schema-id', error.message);
          throw error;
        },
      );
      cache.set(id, compiled);
      // Forget failures so that a registry outage does not stick (an unknown id is retried too: it may appear).
      compiled.catch(() => cache.delete(id));
    }
    return compiled;
  }

  function decodeAvroBody(type: avro.Type, buffer: Buffer, what: string, resolver?: avro.Resolver): Record<string, unknown> {
    try {
      const { value, offset } = type.decode(buffer, 5, resolver);
      if (offset !== buffer.length) throw new Error(offset < 0 ? 'truncated' : `${buffer.length - offset} bytes after the record`);
      return value as Record<string, unknown>;
    } catch (error) {
      throw new DecodeError('malformed-avro', `${what} does not decode with its writer schema: ${(error as Error).message}`);
    }
  }

  function schemaIdOf(buffer: Buffer, what: string): number {
    if (buffer.length < 5) throw new DecodeError('malformed-avro', `${what} is ${buffer.length} bytes, shorter than the wire-format header`);
    return buffer.readInt32BE(1);
  }

  interface DecodedKey {
    compiled: CompiledKey | null;
    key: string | null;
  }

  async function decodeKey(key: Buffer | null): Promise<DecodedKey> {
    if (key === null || key.length === 0) return { compiled: null, key: null };
    let compiled: CompiledKey;
    let record: Record<string, unknown>;
    if (key[0] === CONFLUENT_MAGIC_BYTE) {
      const id = schemaIdOf(key, 'key');
      compiled = await (avroKeys.get(id) ?? cachedWriterSchema(avroKeys, id, (raw, type) => compileKey(`avro:${id}`, connectSchemaFromAvro(raw), type)));
      record = decodeAvroBody(compiled.avroType!, key, 'key');
    } else if (key[0] === OPEN_BRACE) {
      const envelope = parseJson(key, 'key');
      compiled = jsonKeys.get(envelope.schemaText) ?? compileJsonKey(envelope.schemaText);
      record = envelope.payload as Record<string, unknown>;
      if (typeof record !== 'object' || record === null) throw new DecodeError('malformed-json', 'key payload is not an object');
    } else {
      throw new DecodeError('unknown-format', `key starts with byte 0x${key[0]!.toString(16).padStart(2, '0')}: neither Confluent Avro nor JSON`);
    }
    const texts: CellValue[] = new Array(compiled.fieldNames.length);
    for (let i = 0; i < texts.length; i++) {
      texts[i] = convert(compiled.converters[i]!, record[compiled.fieldNames[i]!], `key field ${compiled.fieldNames[i]}`);
    }
    return { compiled, key: keyIdentity(texts) };
  }

  function compileJsonKey(schemaText: string): CompiledKey {
    const compiled = compileKey(schemaText, jsonSchemaOf(schemaText));
    jsonKeys.set(schemaText, compiled);
    return compiled;
  }

  function jsonSchemaOf(schemaText: string): ConnectSchema {
    try {
      return connectSchemaFromJson(parseJsonSchema(schemaText));
    } catch (error) {
      throw new DecodeError('malformed-json', `JSON schema: ${(error as Error).message}`);
    }
  }

  function parseJson(buffer: Buffer, what: string) {
    try {
      return parseJsonEnvelope(buffer.toString('utf8'));
    } catch (error) {
      if (error instanceof JsonEnvelopeError) throw new DecodeError('malformed-json', `${what}: ${error.message}`);
      throw error;
    }
  }

  function columnsFor(row: CompiledRow, key: CompiledKey | null): Columns {
    const identity = key?.identity ?? NO_KEY;
    let entry = row.columnsByKey.get(identity);
    if (!entry) {
      const keyFields = new Set(key?.fieldNames ?? []);
      const columns = Object.freeze(row.fields.map((field) => columnSpecOf(field, keyFields.has(field.name))));
      entry = { columns, fingerprint: schemaFingerprint(columns) };
      row.columnsByKey.set(identity, entry);
    }
    return entry;
  }

  async function decode(message: ChangeEventMessage): Promise<ChangeEvent | null> {
    const { value } = message;
    if (value === null) return null;
    let compiled: CompiledValue;
    let envelope: Record<string, unknown>;
    const first = value[0];
    if (first === CONFLUENT_MAGIC_BYTE) {
      const id = schemaIdOf(value, 'value');
      compiled = await (avroValues.get(id) ??
        cachedWriterSchema(avroValues, id, (raw, type) => {
          const compiledValue = compileValue(connectSchemaFromAvro(raw));
          compiledValue.avroReader = projectEnvelopeReader(raw, type) ?? { type, resolver: undefined };
          return compiledValue;
        }));
      const reader = compiled.avroReader!;
      envelope = decodeAvroBody(reader.type, value, 'value', reader.resolver);
    } else if (first === OPEN_BRACE) {
      const parsed = parseJson(value, 'value');
      compiled = jsonValues.get(parsed.schemaText) ?? compileJsonValue(parsed.schemaText);
      envelope = parsed.payload as Record<string, unknown>;
      if (typeof envelope !== 'object' || envelope === null) throw new DecodeError('malformed-json', 'value payload is not an object');
    } else if (value.length === 0) {
      throw new DecodeError('unknown-format', 'value is empty (zero bytes, not a tombstone)');
    } else {
      throw new DecodeError('unknown-format', `value starts with byte 0x${first!.toString(16).padStart(2, '0')}: neither Confluent Avro nor JSON`);
    }
    return toChangeEvent(compiled, envelope, message);
  }

  function compileJsonValue(schemaText: string): CompiledValue {
    const compiled = compileValue(jsonSchemaOf(schemaText));
    jsonValues.set(schemaText, compiled);
    return compiled;
  }

  async function toChangeEvent(compiled: CompiledValue, envelope: Record<string, unknown>, message: ChangeEventMessage): Promise<ChangeEvent> {
    const op = envelope.op;
    if (typeof op !== 'string' || !OPS.has(op)) throw new DecodeError('unknown-op', `op ${JSON.stringify(op)} on ${message.topic}`);
    const source = envelope.source as Record<string, unknown> | null | undefined;
    if (typeof source !== 'object' || source === null) throw new DecodeError('missing-source', `no source block on ${message.topic}`);
    let lsn: bigint;
    let txLsn: bigint;
    let txId: bigint | null;
    let sourceTsUs: bigint;
    let schema: string;
    let table: string;
    try {
      if (source.lsn == null) throw new DecodeError('missing-lsn', `no source.lsn on ${message.topic}`);
      lsn = asBigInt(source.lsn);
      txLsn = sourcePositionOf(lsn, source.sequence).txLsn;
      txId = source.txId == null ? null : asBigInt(source.txId);
      sourceTsUs = source.ts_us != null ? asBigInt(source.ts_us) : asBigInt(source.ts_ms) * 1000n;
      schema = asString(source.schema);
      table = asString(source.table);
    } catch (error) {
      if (error instanceof DecodeError) throw error;
      throw new DecodeError('malformed-source', `${message.topic}: source block: ${(error as Error).message}`);
    }
    const snapshot = isSnapshot(source.snapshot);

    const row = compiled.row;
    if (op === 't') {
      const columns = row ? columnsFor(row, null) : { columns: EMPTY_COLUMNS, fingerprint: EMPTY_FINGERPRINT };
      return {
        op,
        schema,
        table,
        lsn,
        txLsn,
        txId,
        sourceTsUs,
        snapshot,
        columns: columns.columns,
        fingerprint: columns.fingerprint,
        values: null,
        key: null,
        oldKey: null,
        newKey: null,
      };
    }
    const image = op === 'd' ? envelope.before : envelope.after;
    if (image == null || row === null) {
      const reason = op === 'd' ? 'missing-before' : 'missing-after';
      throw new DecodeError(reason, `op ${op} on ${message.topic} has no ${op === 'd' ? 'before' : 'after'} row image`);
    }
    const record = image as Record<string, unknown>;
    const { fields, converters } = row;
    const values: CellValue[] = new Array(fields.length);
    for (let i = 0; i < values.length; i++) {
      values[i] = convert(converters[i]!, record[fields[i]!.name], fields[i]!.name);
    }
    const key = await decodeKey(message.key);
    const columns = columnsFor(row, key.compiled);
    const oldKey = op === 'c' && key.compiled ? keyOfHeader(key.compiled, message.headers?.[OLD_KEY_HEADER]) : null;
    const newKey = op === 'd' && key.compiled ? keyOfHeader(key.compiled, message.headers?.[NEW_KEY_HEADER]) : null;
    return {
      op: op as Op,
      schema,
      table,
      lsn,
      txLsn,
      txId,
      sourceTsUs,
      snapshot,
      columns: columns.columns,
      fingerprint: columns.fingerprint,
      values,
      key: key.key,
      oldKey,
      newKey,
    };
  }

  return { decode };
}

const OLD_KEY_HEADER = '__debezium.oldkey';
const NEW_KEY_HEADER = '__debezium.newkey';

/**
 * The other key of a primary-key change from Debezium's header (the old key on the create, the new key
 * on the delete): the key struct as JSON text (Connect's header converter), e.g. `{"id":1}`. Read with
 * exact numbers and converted by the key's own converters, so the identity matches what that key's
 * events have. Null when it cannot be read: the row then only loses the carry-over of unchanged TOAST
 * values, as before.
 */
function keyOfHeader(compiled: CompiledKey, header: Buffer | string | (Buffer | string)[] | undefined): string | null {
  const raw = Array.isArray(header) ? header[0] : header;
  if (raw == null) return null;
  try {
    const record = parseLossless(raw.toString());
    if (typeof record !== 'object' || record === null || Array.isArray(record)) return null;
    const texts = compiled.fieldNames.map((name, i) => compiled.converters[i]!((record as Record<string, unknown>)[name]));
    return texts.some((text) => text === null || typeof text !== 'string') ? null : keyIdentity(texts);
  } catch {
    return null;
  }
}

/**
 * One key's identity within its table (whose key columns never change within a batch: the column list
 * and its fingerprint would). A single text column is its own identity; NULL (no real key has one) maps
 * to the sentinel, which no buffered value holds; compound keys are JSON arrays.
 */
function keyIdentity(texts: CellValue[]): string {
  if (texts.length === 1) {
    const only = texts[0];
    if (typeof only === 'string') return only;
    if (only === null) return NULL_SENTINEL;
  }
  return JSON.stringify(texts);
}

const EMPTY_COLUMNS: readonly ColumnSpec[] = Object.freeze([]);
const EMPTY_FINGERPRINT = schemaFingerprint(EMPTY_COLUMNS);

function convert(converter: CellConverter, value: unknown, what: string): CellValue {
  try {
    return converter(value);
  } catch (error) {
    throw new DecodeError('malformed-value', `${what}: ${(error as Error).message}`);
  }
}

/** source.snapshot: "true", "first", "last", "first_in_data_collection", "incremental" … or true; "false"/null otherwise. */
function isSnapshot(value: unknown): boolean {
  if (value === true) return true;
  return typeof value === 'string' && value !== 'false' && value !== '';
}
