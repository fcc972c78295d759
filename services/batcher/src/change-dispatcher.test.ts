import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ColumnSpec, NULL_SENTINEL, schemaFingerprint } from '@pgshift/contracts';
import { type ChangeEvent, type ChangeEventDecoder, DecodeError } from '@pgshift/debezium';
import { createLogger, type DeadLetter } from '@pgshift/runtime';
import type { KafkaMessage } from 'kafkajs';
import { Registry } from 'prom-client';
import { BufferedTables } from './buffered-tables.js';
import { ChangeDispatcher, type FetchedBatch } from './change-dispatcher.js';
import { createBatcherMetrics } from './metrics.js';

const topic = 'pgshift.app.items';
const columns: ColumnSpec[] = [
  { name: 'id', sourceType: 'int4', nullable: false, primaryKey: true },
  { name: 'v', sourceType: 'text', nullable: true, primaryKey: false },
];

/** Registry answers the fake decoder refuses before `registry-down` decodes (as `c:9`); Infinity: never. */
let registryDownFor = 0;

/** The fake decoder reads a message's value as a script: `c:1`, `u:1`, `d:1`, `t`, `tombstone`, `bad`, `registry-down`, `broken`, `no-image`, `sentinel`. */
const decoder: ChangeEventDecoder = {
  async decode({ value }) {
    let text = value?.toString() ?? 'tombstone';
    if (text === 'tombstone') return null;
    if (text === 'bad') throw new DecodeError('malformed-avro', 'not Avro');
    if (text === 'broken') throw new Error('a bug, not the registry');
    if (text === 'registry-down') {
      if (registryDownFor-- > 0) throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:58081') });
      text = 'c:9';
    }
    const [op, id = '0'] = text.split(':');
    const base = {
      schema: 'app',
      table: 'items',
      lsn: 1n,
      txLsn: 1n,
      oldKey: null,
      newKey: null,
      txId: null,
      sourceTsUs: 0n,
      snapshot: false,
      columns,
      fingerprint: schemaFingerprint(columns),
    };
    if (op === 't') return { ...base, op: 't', values: null, key: null } satisfies ChangeEvent;
    if (op === 'no-image') return { ...base, op: 'c', values: null, key: '1' } satisfies ChangeEvent;
    // A text equal to the CSV's NULL sentinel cannot be written faithfully.
    if (op === 'sentinel') return { ...base, op: 'c', values: ['1', NULL_SENTINEL], key: '1' } satisfies ChangeEvent;
    return { ...base, op: op as 'c' | 'u' | 'd', values: [id, 'x'], key: id } satisfies ChangeEvent;
  },
};

function setup(options: { overBudget?: boolean } = {}) {
  const metrics = createBatcherMetrics(new Registry());
  const tables = new BufferedTables(
    () => ({ rows: 1000, bytes: 1 << 30, ageMs: 60_000 }),
    () => {},
  );
  const deadLetters: DeadLetter[] = [];
  let reliefs = 0;
  let stopping = false;
  let dispatched = 0;
  const dispatcher = new ChangeDispatcher({
    tables,
    decoder,
    deadLetters: { send: async (letter) => void deadLetters.push(letter) },
    memory: { relieveIfOverBudget: async () => void (options.overBudget && reliefs++) },
    metrics,
    logger: createLogger('test', 'silent'),
    isStopping: () => stopping,
    onDispatched: () => dispatched++,
    registryBackoff: { initialMs: 1, maxMs: 4 },
  });
  const consumed = async () => Object.fromEntries((await metrics.eventsConsumed.get()).values.map((v) => [v.labels.op, v.value]));
  return { dispatcher, tables, deadLetters, consumed, stop: () => (stopping = true), counts: () => ({ reliefs, dispatched }) };
}

/** A fetched batch of scripted messages from offset 0, and the offsets it resolved. */
function fetched(scripts: string[], options: { stopAfter?: number } = {}) {
  const resolved: string[] = [];
  const messages = scripts.map(
    (script, offset) =>
      ({ offset: String(offset), key: Buffer.from('k'), value: script === 'tombstone' ? null : Buffer.from(script), headers: {} }) as unknown as KafkaMessage,
  );
  const payload: FetchedBatch = {
    batch: { topic, partition: 0, messages },
    resolveOffset: (offset) => void resolved.push(offset),
    heartbeat: async () => {},
    isRunning: () => options.stopAfter === undefined || resolved.length < options.stopAfter,
    isStale: () => false,
  };
  return { payload, resolved, lastResolved: () => resolved.at(-1) };
}

test('changes go to their table, counted per op once per fetched batch', async () => {
  const { dispatcher, tables, consumed, counts } = setup();
  const { payload, lastResolved } = fetched(['c:1', 'c:2', 'u:1', 'd:2', 't', 'c:3']);
  await dispatcher.dispatch(payload);
  assert.equal(lastResolved(), '5');
  assert.deepEqual(await consumed(), { c: 3, u: 1, d: 1, t: 1 });
  const table = tables.for(topic);
  assert.equal(table.hasSealed, true, 'the truncate cut the batch');
  assert.equal(table.bufferedRows, 2 + 1, 'ids 1 and 2 coalesced (one row each) before the truncate, id 3 after');
  assert.equal(counts().dispatched, 1);
});

test('undecodable messages, events without a row image and values equal to the NULL sentinel are dead-lettered; the good ones around them are kept', async () => {
  const { dispatcher, tables, deadLetters, consumed } = setup();
  const { payload, lastResolved } = fetched(['c:1', 'bad', 'no-image', 'sentinel', 'tombstone', 'c:2']);
  await dispatcher.dispatch(payload);
  assert.deepEqual(
    deadLetters.map((l) => [l.offset, l.reason]),
    [
      ['1', 'malformed-avro'],
      ['2', 'missing-row-image'],
      ['3', 'value-equals-null-sentinel'],
    ],
  );
  assert.deepEqual(await consumed(), { c: 2 });
  const table = tables.for(topic);
  table.seal();
  let offsets: unknown;
  await table.flush(async (batch) => {
    offsets = batch.buffer.offsetRanges();
  });
  assert.deepEqual(offsets, [{ partition: 0, first: 0, last: 5 }], 'skipped offsets ride with the rows, to be committed with them');
  assert.equal(lastResolved(), '5');
});

test('while the registry is unreachable a message is tried again, heartbeating, until it decodes: nothing is dead-lettered or skipped', async () => {
  const { dispatcher, deadLetters, consumed } = setup();
  registryDownFor = 5;
  const { payload, lastResolved } = fetched(['c:1', 'registry-down', 'c:3']);
  let heartbeats = 0;
  payload.heartbeat = async () => void heartbeats++;
  await dispatcher.dispatch(payload);
  assert.equal(lastResolved(), '2');
  assert.equal(deadLetters.length, 0, 'a good change is not dead-lettered');
  assert.deepEqual(await consumed(), { c: 3 });
  assert.ok(heartbeats >= 5, `the partition is kept meanwhile (${heartbeats} heartbeats)`);
});

test("the wait for the registry ends when the batch is no longer this consumer's (a rebalance): kafkajs gets the error, offsets resolved up to the message before", async () => {
  const { dispatcher, deadLetters } = setup();
  registryDownFor = Number.POSITIVE_INFINITY;
  const { payload, lastResolved } = fetched(['c:1', 'c:2', 'registry-down', 'c:3']);
  let tries = 0;
  payload.isStale = () => ++tries > 3;
  await assert.rejects(dispatcher.dispatch(payload), /fetch failed/);
  assert.equal(lastResolved(), '1', 'kafkajs re-delivers from the failing message');
  assert.equal(deadLetters.length, 0);
  registryDownFor = 0;
});

test('a failure around decoding that is not the registry rejects at once, offsets resolved only up to the message before it', async () => {
  const { dispatcher, deadLetters, consumed } = setup();
  const { payload, lastResolved } = fetched(['c:1', 'c:2', 'broken', 'c:3']);
  await assert.rejects(dispatcher.dispatch(payload), /a bug/);
  assert.equal(lastResolved(), '1', 'kafkajs re-delivers from the failing message');
  assert.equal(deadLetters.length, 0, 'a good change is not dead-lettered');
  assert.deepEqual(await consumed(), { c: 2 }, 'what was buffered is counted');
});

test('stops taking messages once the batcher is stopping', async () => {
  const { dispatcher, tables, stop } = setup();
  const scripts = Array.from({ length: 300 }, (_, i) => `c:${i}`);
  const { payload } = fetched(scripts);
  // SIGTERM arrives once the 100th message is buffered (isStale is asked before every message).
  payload.isStale = () => {
    if (tables.for(topic).bufferedRows === 100) stop();
    return false;
  };
  await dispatcher.dispatch(payload);
  assert.equal(tables.for(topic).bufferedRows, 100);
});

test('memory is looked at every 256 messages and at the end of a fetched batch', async () => {
  const { dispatcher, counts } = setup({ overBudget: true });
  const { payload } = fetched(Array.from({ length: 600 }, (_, i) => `c:${i}`));
  await dispatcher.dispatch(payload);
  assert.equal(counts().reliefs, 3, 'after 256, after 512, and at the end');
});
