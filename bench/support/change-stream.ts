import type { PgshiftSchemaRegistry } from '@pgshift/debezium';
import { CompressionTypes, type Kafka } from 'kafkajs';
import { avroKey, avroRowImage, benchRow } from './bench-table.js';

/** One change of the synthetic stream: an insert of a new id, or an update of an id inserted earlier. */
export interface StreamChange {
  op: 'c' | 'u';
  id: number;
  version: number;
}

/**
 * The bench's change stream: `updateShare` of the events update a key inserted earlier (half of them one
 * of the last `recentKeys` inserted, so that they coalesce within a batch; half any earlier key), the
 * rest insert new keys 1, 2, 3 …. Deterministic.
 */
export function* changeStream(events: number, { updateShare = 0.3, recentKeys = 20_000, seed = 7 } = {}): Generator<StreamChange> {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 4_294_967_296;
  };
  let inserted = 0;
  for (let i = 0; i < events; i++) {
    if (inserted > 0 && next() < updateShare) {
      const window = next() < 0.5 ? Math.min(recentKeys, inserted) : inserted;
      yield { op: 'u', id: inserted - Math.floor(next() * window), version: i + 1 };
    } else {
      inserted++;
      yield { op: 'c', id: inserted, version: 0 };
    }
  }
}

/** The parts of a real Debezium event a synthetic one copies (connector version and name, database) and starts from. */
export interface EventTemplate {
  source: { version: string; connector: string; name: string; db: string };
  sourceSchema: string;
  table: string;
  lsn: number;
  txId: number;
  tsUs: number;
}

/**
 * Debezium's value envelope for a change: `before` null (REPLICA IDENTITY DEFAULT), the row image in
 * `after`, a source block advancing LSN, transaction id and commit time the way a busy source does.
 * Arithmetic in Numbers (all below 2^53), BigInt only where the Avro long goes: this runs a million times.
 */
export function envelopeFor(change: StreamChange, index: number, template: EventTemplate): Record<string, unknown> {
  const lsn = template.lsn + 1_000_000 + index * 296;
  const commitUs = template.tsUs + index * 20; // 50,000 changes/s at the source
  const emittedUs = commitUs + 150_000;
  const { version, connector, name, db } = template.source;
  return {
    before: null,
    after: avroRowImage(benchRow(change.id, change.version)),
    source: {
      version,
      connector,
      name,
      ts_ms: BigInt(Math.floor(commitUs / 1000)),
      snapshot: 'false',
      db,
      sequence: `["${lsn - 296}","${lsn}"]`,
      ts_us: BigInt(commitUs),
      ts_ns: BigInt(commitUs) * 1000n,
      schema: template.sourceSchema,
      table: template.table,
      txId: BigInt(template.txId + 1000 + Math.floor(index / 4)),
      lsn: BigInt(lsn),
      xmin: null,
      origin: null,
      origin_lsn: null,
    },
    transaction: null,
    op: change.op,
    ts_ms: BigInt(Math.floor(emittedUs / 1000)),
    ts_us: BigInt(emittedUs),
    ts_ns: BigInt(emittedUs) * 1000n,
  };
}

export interface ProduceOptions {
  kafka: Kafka;
  registry: PgshiftSchemaRegistry;
  topic: string;
  events: number;
  valueSchemaId: number;
  keySchemaId: number;
  template: EventTemplate;
  /** Messages per produce request (kept under the broker's 1 MB record-batch limit per partition). */
  chunk?: number;
  inFlight?: number;
}

/**
 * Encodes the stream with the registry client under Debezium's own schema ids and produces it keyed by
 * the key bytes (kafkajs' default partitioner: murmur2, as Kafka Connect's producer), uncompressed.
 */
export async function produceChangeStream(options: ProduceOptions): Promise<{ ms: number; bytes: number }> {
  const { kafka, registry, topic, events, valueSchemaId, keySchemaId, template, chunk = 4_000, inFlight = 3 } = options;
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: false });
  await producer.connect();
  const started = performance.now();
  const sending = new Set<Promise<unknown>>();
  let bytes = 0;
  let index = 0;
  let messages: { key: Buffer; value: Buffer }[] = [];
  const send = async (batch: typeof messages) => {
    const request = producer.send({ topic, acks: 1, compression: CompressionTypes.None, messages: batch });
    sending.add(request);
    void request.finally(() => sending.delete(request)).catch(() => {});
    if (sending.size >= inFlight) await Promise.race(sending);
  };
  try {
    for (const change of changeStream(events)) {
      const key = await registry.encode(keySchemaId, avroKey(change.id));
      const value = await registry.encode(valueSchemaId, envelopeFor(change, index++, template));
      bytes += key.length + value.length;
      messages.push({ key, value });
      if (messages.length === chunk) {
        await send(messages);
        messages = [];
      }
    }
    if (messages.length > 0) await send(messages);
    await Promise.all(sending);
    return { ms: performance.now() - started, bytes };
  } finally {
    await producer.disconnect();
  }
}
