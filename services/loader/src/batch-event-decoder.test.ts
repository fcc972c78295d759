import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { BATCH_READY_AVRO_SCHEMA, type BatchReady, batchReadyToAvro } from '@pgshift/contracts';
import { avroTypeForSchema, createSchemaRegistry } from '@pgshift/debezium';
import {
  BatchEventDecoder,
  decodeWaitingForRegistry,
  RegistryUnavailableError,
  registryWriterSchemas,
  UndecodableBatchEvent,
  type WriterSchemaLookup,
} from './batch-event-decoder.js';

const event: BatchReady = {
  batchId: 'b-1',
  kind: 'rows',
  table: { topic: 'pgshift.shop.orders', schema: 'shop', table: 'orders' },
  createdAtMs: 1_700_000_000_000,
  manifestUrl: 's3://bucket/batches/shop.orders/manifest.json',
  files: [{ url: 's3://bucket/batches/shop.orders/part-0.csv.gz', bytes: 123, rows: 2 }],
  rowCount: 2,
  rowsByOp: { c: 1, u: 1, d: 0, r: 0 },
  eventCount: 3,
  columns: [
    { name: 'id', sourceType: 'INT4', nullable: false, primaryKey: true },
    { name: 'note', sourceType: 'TEXT', length: 10, nullable: true, primaryKey: false },
  ],
  schemaFingerprint: 'f',
  offsets: [{ partition: 0, first: 10, last: 12 }],
  lsnRange: { min: '100', max: '200' },
  sourceTimeRange: { minMs: 1, maxMs: 2 },
  oversizedValues: [],
  producer: 'batcher-1',
};

/** A later version of the contract: one field appended (with a default, so the loader's schema can read it). */
const V2_SCHEMA = { ...BATCH_READY_AVRO_SCHEMA, fields: [...BATCH_READY_AVRO_SCHEMA.fields, { name: 'region', type: 'string', default: '' }] };

/** avsc decodes records as instances of generated classes: compare values only. */
const plain = (value: unknown) => JSON.parse(JSON.stringify(value));

function wire(id: number, schema: object, record: Record<string, unknown>): Buffer {
  const header = Buffer.alloc(5);
  header.writeInt32BE(id, 1);
  return Buffer.concat([header, avroTypeForSchema(schema).toBuffer(record)]);
}

/** A registry whose answers the test switches: a schema per id, and whether it is reachable at all. */
function fakeRegistry(schemas: Record<number, object>) {
  const state = { reachable: true, lookups: 0 };
  const lookup: WriterSchemaLookup = {
    async writerSchema(id) {
      state.lookups++;
      if (!state.reachable) throw new RegistryUnavailableError('connect ECONNREFUSED');
      return schemas[id] ?? null;
    },
  };
  return { state, lookup };
}

describe('batch event decoder', () => {
  test('a cold decoder reads an event of the loader’s own schema while the registry is unreachable', async () => {
    const { state, lookup } = fakeRegistry({});
    state.reachable = false;
    const decoded = await new BatchEventDecoder(lookup).decode(wire(7, BATCH_READY_AVRO_SCHEMA, batchReadyToAvro(event)));
    assert.deepEqual(plain(decoded), event);
  });

  test('a body of another schema version is not guessed while the registry is unreachable: it waits, then decodes with its writer schema', async () => {
    const { state, lookup } = fakeRegistry({ 8: V2_SCHEMA });
    const decoder = new BatchEventDecoder(lookup);
    const value = wire(8, V2_SCHEMA, { ...batchReadyToAvro(event), region: 'eu' });
    state.reachable = false;
    await assert.rejects(decoder.decode(value), RegistryUnavailableError);
    state.reachable = true;
    assert.deepEqual(plain(await decoder.decode(value)), event);
  });

  test('a writer schema is asked for once per id: later events of that id decode through an outage', async () => {
    const { state, lookup } = fakeRegistry({ 8: V2_SCHEMA });
    const decoder = new BatchEventDecoder(lookup);
    const value = wire(8, V2_SCHEMA, { ...batchReadyToAvro(event), region: 'eu' });
    await decoder.decode(value);
    state.reachable = false;
    assert.deepEqual(plain(await decoder.decode(value)), event);
    assert.equal(state.lookups, 1);
  });

  test('an id the registry says it does not know is bad input (unknown-schema-id)', async () => {
    const { lookup } = fakeRegistry({});
    await assert.rejects(new BatchEventDecoder(lookup).decode(wire(9, BATCH_READY_AVRO_SCHEMA, batchReadyToAvro(event))), (error: unknown) => {
      assert.ok(error instanceof UndecodableBatchEvent);
      assert.equal(error.reason, 'unknown-schema-id');
      return true;
    });
  });

  test('bytes that are not the wire format, or a body that does not decode, are bad input whether or not the registry answers', async () => {
    for (const reachable of [true, false]) {
      const { state, lookup } = fakeRegistry({ 7: BATCH_READY_AVRO_SCHEMA });
      state.reachable = reachable;
      const decoder = new BatchEventDecoder(lookup);
      for (const value of [null, Buffer.from('{"batchId":"x"}'), Buffer.from([0, 0, 0])]) {
        await assert.rejects(decoder.decode(value), (error: unknown) => error instanceof UndecodableBatchEvent && error.reason === 'undecodable-batch-event');
      }
      const truncated = wire(7, BATCH_READY_AVRO_SCHEMA, batchReadyToAvro(event)).subarray(0, 40);
      // Unreachable: a truncated body is not the local schema's either, so it waits rather than guess.
      await assert.rejects(decoder.decode(truncated), reachable ? UndecodableBatchEvent : RegistryUnavailableError);
    }
  });

  test('an exact local decode refuses bytes left over after the record', async () => {
    const { state, lookup } = fakeRegistry({});
    state.reachable = false;
    const value = Buffer.concat([wire(7, BATCH_READY_AVRO_SCHEMA, batchReadyToAvro(event)), Buffer.from([2])]);
    await assert.rejects(new BatchEventDecoder(lookup).decode(value), RegistryUnavailableError);
  });
});

describe('decoding while waiting for the registry', () => {
  const v2Value = wire(8, V2_SCHEMA, { ...batchReadyToAvro(event), region: 'eu' });

  test('waits with heartbeats and reports the wait until the registry answers, then decodes', async () => {
    const { state, lookup } = fakeRegistry({ 8: V2_SCHEMA });
    state.reachable = false;
    const reports: (string | null)[] = [];
    let heartbeats = 0;
    setTimeout(() => (state.reachable = true), 1_200);
    const decoded = await decodeWaitingForRegistry(new BatchEventDecoder(lookup), v2Value, {
      heartbeat: async () => void heartbeats++,
      isCurrent: () => true,
      onWaiting: (error) => reports.push(error ? error.message : null),
      heartbeatEveryMs: 100,
    });
    assert.deepEqual(plain(decoded), event);
    assert.ok(heartbeats >= 5, `heartbeats while waiting (${heartbeats})`);
    assert.ok(state.lookups >= 3, `asked again with backoff (${state.lookups})`);
    assert.equal(reports.at(-1), null, 'the wait is reported over');
    assert.ok(reports.slice(0, -1).every((r) => r === 'connect ECONNREFUSED'));
  });

  test('stops waiting with null once the work is no longer current', async () => {
    const { state, lookup } = fakeRegistry({ 8: V2_SCHEMA });
    state.reachable = false;
    let current = true;
    setTimeout(() => (current = false), 300);
    const reports: unknown[] = [];
    const decoded = await decodeWaitingForRegistry(new BatchEventDecoder(lookup), v2Value, {
      heartbeat: async () => undefined,
      isCurrent: () => current,
      onWaiting: (error) => reports.push(error),
      heartbeatEveryMs: 50,
    });
    assert.equal(decoded, null);
    assert.equal(reports.at(-1), null);
  });

  test('bad input is not waited for', async () => {
    const { state, lookup } = fakeRegistry({});
    state.reachable = false;
    await assert.rejects(
      decodeWaitingForRegistry(new BatchEventDecoder(lookup), Buffer.from('garbage'), {
        heartbeat: async () => undefined,
        isCurrent: () => true,
        onWaiting: () => undefined,
      }),
      UndecodableBatchEvent,
    );
  });
});

describe('registry writer schemas over HTTP', () => {
  test('404 is a definitive "unknown"; 5xx, a non-schema reply and a closed port are "unavailable"', async () => {
    const server = createServer((request, response) => {
      if (request.url === '/schemas/ids/1') return void response.end(JSON.stringify({ schema: JSON.stringify(BATCH_READY_AVRO_SCHEMA) }));
      if (request.url === '/schemas/ids/2') return void response.writeHead(404).end('{"error_code":40403}');
      if (request.url === '/schemas/ids/3') return void response.writeHead(503).end('down');
      response.end('<html>proxy error</html>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const registry = registryWriterSchemas(createSchemaRegistry({ url, timeoutMs: 2_000 }));
      assert.deepEqual(await registry.writerSchema(1), JSON.parse(JSON.stringify(BATCH_READY_AVRO_SCHEMA)));
      assert.equal(await registry.writerSchema(2), null);
      await assert.rejects(registry.writerSchema(3), RegistryUnavailableError);
      await assert.rejects(registry.writerSchema(4), RegistryUnavailableError);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    await assert.rejects(registryWriterSchemas(createSchemaRegistry({ url, timeoutMs: 2_000 })).writerSchema(1), RegistryUnavailableError);
  });
});
