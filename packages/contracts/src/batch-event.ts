import type { ColumnSpec } from './columns.js';
import type { TableRef } from './table-ref.js';

/**
 * "Batch ready": published by the batcher, once per batch, after every file and the manifest are in S3,
 * keyed by the table's topic so that one table's batches stay in order on one partition.
 */
export interface BatchReady {
  batchId: string;
  /** `rows`: files to merge. `truncate`: the source table was truncated at `offsets` (no files). */
  kind: 'rows' | 'truncate';
  table: TableRef;
  createdAtMs: number;
  /** `s3://bucket/…/manifest.json`; null for a truncate. */
  manifestUrl: string | null;
  files: BatchFile[];
  /** Rows in the files: one per key for tables with a primary key, one per event without. */
  rowCount: number;
  /** Rows by the op of their last change. */
  rowsByOp: OpCounts;
  /** Change events consumed into this batch, before coalescing. */
  eventCount: number;
  columns: ColumnSpec[];
  schemaFingerprint: string;
  /** Per source partition: the first and last offset consumed into this batch (inclusive). */
  offsets: PartitionRange[];
  /**
   * Source LSNs (decimal strings, 64-bit) of the change events consumed into this batch, coalesced-away
   * ones included; a truncate batch's is its truncate's.
   */
  lsnRange: { min: string; max: string } | null;
  /**
   * Transaction positions (SourcePosition.txLsn, decimal strings) of the same events: unlike change LSNs
   * they never go down along a partition, so the ledger can tell a re-created topic's offsets from a
   * replay of the old ones. Absent or null in events of older batchers.
   */
  txLsnRange?: { min: string; max: string } | null;
  /**
   * Rows that are one side of a primary-key change with values still to carry (a create holding the old
   * key, a delete holding the new key): only batches with some need the loader's moved rows
   * (sql/key-change.ts). Absent in events of older batchers.
   */
  keyChanges?: number;
  /** Source commit times of those events, ms since the epoch. */
  sourceTimeRange: { minMs: number; maxMs: number } | null;
  /** Text values longer than Redshift's VARCHAR limit of 65,535 bytes, per column. */
  oversizedValues: { column: string; count: number; maxBytes: number }[];
  /** Which batcher instance wrote it, for diagnostics. */
  producer: string;
  /**
   * The metadata columns the files carry after the table's columns (STAGING_META_COLUMNS when written
   * by this version). Absent in events of older batchers: LEGACY_STAGING_META_COLUMNS, and their deletes
   * carry the key only.
   */
  stagingColumns?: string[];
}

export interface BatchFile {
  url: string;
  /** Compressed size. */
  bytes: number;
  rows: number;
}

export interface OpCounts {
  c: number;
  u: number;
  d: number;
  r: number;
}

export interface PartitionRange {
  partition: number;
  first: number;
  last: number;
}

/** The Avro schema the batcher registers for the batches topic's values. */
export const BATCH_READY_AVRO_SCHEMA = {
  type: 'record',
  name: 'BatchReady',
  namespace: 'dev.pgshift',
  fields: [
    { name: 'batchId', type: 'string' },
    { name: 'kind', type: { type: 'enum', name: 'BatchKind', symbols: ['rows', 'truncate'] } },
    {
      name: 'table',
      type: {
        type: 'record',
        name: 'TableRef',
        fields: [
          { name: 'topic', type: 'string' },
          { name: 'schema', type: 'string' },
          { name: 'table', type: 'string' },
        ],
      },
    },
    { name: 'createdAtMs', type: 'long' },
    { name: 'manifestUrl', type: ['null', 'string'], default: null },
    {
      name: 'files',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'BatchFile',
          fields: [
            { name: 'url', type: 'string' },
            { name: 'bytes', type: 'long' },
            { name: 'rows', type: 'long' },
          ],
        },
      },
    },
    { name: 'rowCount', type: 'long' },
    {
      name: 'rowsByOp',
      type: {
        type: 'record',
        name: 'OpCounts',
        fields: ['c', 'u', 'd', 'r'].map((name) => ({ name, type: 'long' })),
      },
    },
    { name: 'eventCount', type: 'long' },
    {
      name: 'columns',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'ColumnSpec',
          fields: [
            { name: 'name', type: 'string' },
            { name: 'sourceType', type: 'string' },
            { name: 'length', type: ['null', 'int'], default: null },
            { name: 'scale', type: ['null', 'int'], default: null },
            { name: 'nullable', type: 'boolean' },
            { name: 'primaryKey', type: 'boolean' },
            { name: 'semanticType', type: ['null', 'string'], default: null },
            { name: 'defaultValue', type: ['null', 'string'], default: null },
          ],
        },
      },
    },
    { name: 'schemaFingerprint', type: 'string' },
    {
      name: 'offsets',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'PartitionRange',
          fields: [
            { name: 'partition', type: 'int' },
            { name: 'first', type: 'long' },
            { name: 'last', type: 'long' },
          ],
        },
      },
    },
    {
      name: 'lsnRange',
      type: [
        'null',
        {
          type: 'record',
          name: 'LsnRange',
          fields: [
            { name: 'min', type: 'string' },
            { name: 'max', type: 'string' },
          ],
        },
      ],
      default: null,
    },
    {
      name: 'sourceTimeRange',
      type: [
        'null',
        {
          type: 'record',
          name: 'TimeRange',
          fields: [
            { name: 'minMs', type: 'long' },
            { name: 'maxMs', type: 'long' },
          ],
        },
      ],
      default: null,
    },
    {
      name: 'oversizedValues',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'OversizedColumn',
          fields: [
            { name: 'column', type: 'string' },
            { name: 'count', type: 'long' },
            { name: 'maxBytes', type: 'long' },
          ],
        },
      },
    },
    { name: 'producer', type: 'string' },
    { name: 'stagingColumns', type: ['null', { type: 'array', items: 'string' }], default: null },
    { name: 'txLsnRange', type: ['null', 'LsnRange'], default: null },
    { name: 'keyChanges', type: ['null', 'int'], default: null },
  ],
} as const;

/**
 * Every `long` of a value of `schema` through `convert` (records, arrays and nullable unions walked),
 * so that the converters follow the schema instead of a second list of its long fields.
 */
function mapLongs(schema: unknown, value: unknown, convert: (long: unknown) => unknown): unknown {
  if (value === null || value === undefined) return value;
  if (schema === 'long') return convert(value);
  if (Array.isArray(schema))
    return mapLongs(
      schema.find((branch) => branch !== 'null'),
      value,
      convert,
    );
  if (typeof schema !== 'object' || schema === null) return value;
  const { type } = schema as { type: unknown };
  if (type === 'long') return convert(value);
  if (type === 'array') return (value as unknown[]).map((item) => mapLongs((schema as { items: unknown }).items, item, convert));
  if (type !== 'record') return value;
  const record = { ...(value as Record<string, unknown>) };
  for (const field of (schema as { fields: readonly { name: string; type: unknown }[] }).fields) {
    if (field.name in record) record[field.name] = mapLongs(field.type, record[field.name], convert);
  }
  return record;
}

function longToNumber(long: unknown): number {
  const n = Number(long);
  if (!Number.isSafeInteger(n)) throw new RangeError(`batch event: long ${String(long)} is not a safe integer`);
  return n;
}

/**
 * The TypeScript event from an Avro record. Longs may come as BigInt (the project's registry client,
 * @pgshift/debezium's avro-long.ts) or as numbers (avsc's default); both become numbers. Avro gives
 * optional fields as null; the TypeScript side uses absent properties.
 */
export function batchReadyFromAvro(record: Record<string, unknown>): BatchReady {
  const { stagingColumns, txLsnRange, keyChanges, ...event } = mapLongs(BATCH_READY_AVRO_SCHEMA, record, longToNumber) as BatchReady & {
    stagingColumns?: string[] | null;
    keyChanges?: number | null;
  };
  return {
    ...event,
    ...(stagingColumns == null ? {} : { stagingColumns }),
    ...(txLsnRange == null ? {} : { txLsnRange: { min: txLsnRange.min, max: txLsnRange.max } }),
    ...(keyChanges == null ? {} : { keyChanges }),
    columns: event.columns.map((c) => {
      const column: ColumnSpec = { name: c.name, sourceType: c.sourceType, nullable: c.nullable, primaryKey: c.primaryKey };
      if (c.length != null) column.length = c.length;
      if (c.scale != null) column.scale = c.scale;
      if (c.semanticType != null) column.semanticType = c.semanticType;
      if (c.defaultValue != null) column.defaultValue = c.defaultValue;
      return column;
    }),
  };
}

/** The Avro record of an event, longs as BigInt: the registry client's Avro long type takes nothing else. */
export function batchReadyToAvro(event: BatchReady): Record<string, unknown> {
  const record = {
    ...event,
    stagingColumns: event.stagingColumns ?? null,
    txLsnRange: event.txLsnRange ?? null,
    keyChanges: event.keyChanges ?? null,
    columns: event.columns.map((c) => ({
      name: c.name,
      sourceType: c.sourceType,
      length: c.length ?? null,
      scale: c.scale ?? null,
      nullable: c.nullable,
      primaryKey: c.primaryKey,
      semanticType: c.semanticType ?? null,
      defaultValue: c.defaultValue ?? null,
    })),
  };
  return mapLongs(BATCH_READY_AVRO_SCHEMA, record, (n) => BigInt(n as number)) as Record<string, unknown>;
}
