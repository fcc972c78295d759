import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ColumnSpec, schemaFingerprint } from '@pgshift/contracts';
import { createLogger } from '@pgshift/runtime';
import { BufferedTables } from './buffered-tables.js';
import { FlushScheduler } from './flush-scheduler.js';
import type { SealedBatch } from './sealed-batch.js';
import type { TableBatcher } from './table-batcher.js';

const columns: ColumnSpec[] = [
  { name: 'id', sourceType: 'int4', nullable: false, primaryKey: true },
  { name: 'v', sourceType: 'text', nullable: true, primaryKey: false },
];
const fingerprint = schemaFingerprint(columns);
const logger = createLogger('test', 'silent');

/** Adds one row to the table and seals it: one batch to write. */
function sealOne(table: TableBatcher, id: number): void {
  const [, schema = '', name = ''] = table.topic.split('.');
  table.add(
    { topic: table.topic, schema, table: name },
    columns,
    fingerprint,
    { op: 'c', key: String(id), values: [String(id), 'x'], lsn: BigInt(id), sourceTsUs: 0n },
    0,
    id,
  );
  table.seal();
}

/** A write that waits until released, recording which tables write at the same time. */
function gatedWrites() {
  const gates: { topic: string; release: () => void; fail: (error: Error) => void }[] = [];
  const writing = new Map<string, number>();
  let mostAtOnce = 0;
  let mostOfOneTable = 0;
  const written: string[] = [];
  const write = async (batch: SealedBatch) => {
    const topic = batch.table.topic;
    writing.set(topic, (writing.get(topic) ?? 0) + 1);
    mostAtOnce = Math.max(
      mostAtOnce,
      [...writing.values()].reduce((a, b) => a + b, 0),
    );
    mostOfOneTable = Math.max(mostOfOneTable, writing.get(topic)!);
    try {
      await new Promise<void>((release, fail) => gates.push({ topic, release, fail }));
      written.push(`${topic}@${batch.buffer.offsetRanges()[0]!.first}`);
    } finally {
      writing.set(topic, writing.get(topic)! - 1);
    }
  };
  return { write, gates, written, stats: () => ({ mostAtOnce, mostOfOneTable }) };
}

/** Lets queued promise callbacks and timers of 0 ms run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

function setup(concurrency: number) {
  const writes = gatedWrites();
  let flushed = 0;
  let scheduler!: FlushScheduler;
  const tables = new BufferedTables(
    () => ({ rows: 1000, bytes: 1 << 30, ageMs: 60_000 }),
    (table) => void scheduler.flush(table),
  );
  scheduler = new FlushScheduler({ tables, concurrency, ageMs: 60_000, write: writes.write, logger, onFlushed: () => flushed++ });
  return { tables, scheduler, writes, flushedCount: () => flushed };
}

/** Releases every write as it arrives until the scheduler is done. */
async function releaseAll(gates: { release: () => void }[], until: Promise<void>): Promise<void> {
  let done = false;
  void until.then(() => (done = true));
  while (!done) {
    for (const gate of gates.splice(0)) gate.release();
    await settle();
  }
}

test('no more tables flush at once than the concurrency allows; the others wait their turn', async () => {
  const { tables, scheduler, writes } = setup(2);
  for (const name of ['a', 'b', 'c', 'd']) sealOne(tables.for(`pgshift.app.${name}`), 1);
  await settle();
  assert.equal(writes.gates.length, 2, 'two tables write, two wait for a slot');
  await releaseAll(writes.gates, scheduler.flushAll());
  assert.equal(writes.stats().mostAtOnce, 2);
  assert.deepEqual(writes.written.sort(), ['pgshift.app.a@1', 'pgshift.app.b@1', 'pgshift.app.c@1', 'pgshift.app.d@1']);
});

test('a table is never flushed twice at once: asked again while flushing, its batches are written one after another, in order', async () => {
  const { tables, scheduler, writes } = setup(4);
  const table = tables.for('pgshift.app.a');
  sealOne(table, 1);
  await settle();
  for (let id = 2; id <= 4; id++) {
    sealOne(table, id); // each seal asks for a flush
    void scheduler.flush(table);
  }
  scheduler.flushAged(Date.now());
  await settle();
  assert.equal(writes.gates.length, 1, 'one write under way');
  await releaseAll(writes.gates, scheduler.flushAll());
  assert.equal(writes.stats().mostOfOneTable, 1);
  assert.deepEqual(writes.written, ['pgshift.app.a@1', 'pgshift.app.a@2', 'pgshift.app.a@3', 'pgshift.app.a@4']);
});

test('a batch sealed just as its table’s flush ends is flushed without waiting for the age timer', async () => {
  const { tables, scheduler, writes } = setup(1);
  const table = tables.for('pgshift.app.a');
  sealOne(table, 1);
  await settle();
  // The last write returns and the table's drain is over, but the scheduler has not yet let go of the
  // table: another batch is sealed in that gap.
  writes.gates.shift()!.release();
  while (table.isFlushing) await Promise.resolve();
  sealOne(table, 2);
  for (let i = 0; i < 20 && writes.gates.length === 0; i++) await settle();
  assert.equal(writes.gates.length, 1, 'the second batch is being written');
  writes.gates.shift()!.release();
  await scheduler.flushAll();
  assert.deepEqual(writes.written, ['pgshift.app.a@1', 'pgshift.app.a@2']);
});

test('a failed flush keeps its batch sealed and is reported until a later flush succeeds', async () => {
  const { tables, scheduler, writes, flushedCount } = setup(1);
  const table = tables.for('pgshift.app.a');
  sealOne(table, 1);
  await settle();
  writes.gates.shift()!.fail(new Error('S3 away'));
  await settle();
  assert.equal(scheduler.lastError?.message, 'S3 away');
  assert.equal(table.hasSealed, true, 'the batch is still there');
  assert.equal(flushedCount(), 1);
  scheduler.flushAged(Date.now()); // the age timer retries tables with sealed batches
  await settle();
  writes.gates.shift()!.release();
  await scheduler.flushAll();
  assert.equal(scheduler.lastError, null);
  assert.equal(table.hasSealed, false);
  assert.deepEqual(writes.written, ['pgshift.app.a@1']);
});

test('flushAll resolves only once nothing is sealed or flushing, batches sealed meanwhile included', async () => {
  const { tables, scheduler, writes } = setup(1);
  const a = tables.for('pgshift.app.a');
  sealOne(a, 1);
  let done = false;
  const all = scheduler.flushAll().then(() => (done = true));
  await settle();
  sealOne(a, 2);
  sealOne(tables.for('pgshift.app.b'), 1);
  writes.gates.shift()!.release();
  await settle();
  assert.equal(done, false);
  await releaseAll(
    writes.gates,
    all.then(() => undefined),
  );
  assert.deepEqual(writes.written.sort(), ['pgshift.app.a@1', 'pgshift.app.a@2', 'pgshift.app.b@1']);
  assert.equal(
    [...tables.all()].some((t) => t.hasSealed || t.isFlushing),
    false,
  );
});
