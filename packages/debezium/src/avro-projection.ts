import type avro from 'avsc';
import { avroTypeForSchema } from './avro-long.js';

/** The envelope fields a change event is made of; the rest (ts_*, transaction) is skipped unread. */
const ENVELOPE_FIELDS = new Set(['before', 'after', 'op', 'source']);
/** The source-block fields the decoder reads; the rest (version, connector, db, sequence, xmin, ts_ns …) is skipped. */
const SOURCE_FIELDS = new Set(['lsn', 'txId', 'ts_ms', 'ts_us', 'schema', 'table', 'snapshot']);

export interface ProjectedReader {
  /** Decodes bodies written with the writer schema into records holding only the projected fields. */
  type: avro.Type;
  /** Undefined when the reader is the writer's own type. */
  resolver: avro.Resolver | undefined;
}

/**
 * An Avro reader for a Debezium envelope that reads only what a change event needs. Avro's schema
 * resolution skips the writer's other fields without decoding them: no strings built for `version` or
 * `sequence`, no BigInts for `ts_ns` or `xmin`. Null when the schema is not an envelope record.
 */
export function projectEnvelopeReader(writerSchema: unknown, writerType: avro.Type): ProjectedReader | null {
  if (!isRecord(writerSchema)) return null;
  const fields = writerSchema.fields
    .filter((field) => ENVELOPE_FIELDS.has(field.name))
    .map((field) => (field.name === 'source' ? { ...field, type: projectSource(field.type) } : field));
  const type = avroTypeForSchema({ ...writerSchema, fields });
  return { type, resolver: type.createResolver(writerType) };
}

function projectSource(schema: unknown): unknown {
  if (!isRecord(schema)) return schema;
  return { ...schema, fields: schema.fields.filter((field) => SOURCE_FIELDS.has(field.name)) };
}

interface RecordSchema {
  type: 'record';
  fields: { name: string; type: unknown }[];
}

function isRecord(schema: unknown): schema is RecordSchema {
  return (
    typeof schema === 'object' && schema !== null && (schema as { type?: unknown }).type === 'record' && Array.isArray((schema as { fields?: unknown }).fields)
  );
}
