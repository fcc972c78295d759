import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type BatchReady, parseS3Url, STAGING_META_COLUMNS, schemaFingerprint } from '@pgshift/contracts';
import { parseCopyManifest } from '@pgshift/csv';
import { batchRows, createTopic, getObject, lastOffsets, listKeys, waitForBatches, waitUntilConsumed } from '../support/batches.js';
import { readTopic } from '../support/kafka.js';
import { type Pipeline, pipelineFor, rowsAsText } from '../support/pipeline.js';
import { stack } from '../support/stack.js';
import { useSuite } from '../support/suite.js';
import { waitFor } from '../support/wait.js';

// The batch format end to end: what the batcher announces on the batches topic (decoded through the
// registry) and writes to S3 (manifest and gzipped CSV parts), checked from the outside. Each test
// builds a backlog first and starts the batcher on it, and the age limit is far away, so that batches
// are cut only by the rule under test and by the graceful shutdown that seals the rest.

const suite = useSuite();
const { newSchema } = suite;
const NEVER_BY_AGE = '10m';

function newPipeline(schema: string, batcher: Record<string, string> = {}): Pipeline {
  const pipeline = pipelineFor(schema, { batcher: { PGSHIFT_FLUSH_AGE: NEVER_BY_AGE, ...batcher } });
  suite.track(pipeline);
  return pipeline;
}

/** Waits until `count` messages (tombstones included) are on the topic: the backlog is complete. Returns each partition's last offset. */
async function backlog(topic: string, count: number): Promise<[string, Map<number, number>]> {
  return [topic, lastOffsets(await readTopic(topic, (seen) => seen.length >= count, { timeoutMs: 180_000 }))];
}

/** Starts the batcher on the backlog, lets it consume everything, then stops it gracefully (which seals and flushes). */
async function batchBacklog(pipeline: Pipeline, topics: [string, Map<number, number>][]): Promise<void> {
  const batcher = pipeline.startBatcher();
  await batcher.ready(180_000);
  for (const [topic, last] of topics) await waitUntilConsumed(batcher, topic, last);
  assert.equal(await batcher.stop(), 0, `the batcher stops cleanly (log: ${batcher.logFile})`);
}

const ofTable = (topic: string) => (batches: BatchReady[]) => batches.filter((b) => b.table.topic === topic);

test('a batch: registry-decoded event, manifest, CSV parts, one row per key, op counts, offsets, LSN and time ranges, key layout', async () => {
  const startedAt = Date.now();
  const schema = newSchema('fmt');
  const topic = `${stack.topicPrefix}.${schema}.accounts`;
  await suite.source.query(`CREATE SCHEMA ${schema}`);
  await suite.source.query(`CREATE TABLE ${schema}.accounts (id int PRIMARY KEY, name text NOT NULL, balance numeric(10,2), code varchar(8))`);
  await suite.source.query(`INSERT INTO ${schema}.accounts SELECT g, 'name ' || g, g * 1.5, 'c' || g FROM generate_series(1, 5) AS g`);
  for (let i = 1; i <= 10; i++) await suite.source.query(`UPDATE ${schema}.accounts SET name = $1, balance = $2 WHERE id = 1`, [`v${i}`, i]);
  await suite.source.query(`DELETE FROM ${schema}.accounts WHERE id = 5`);
  // 5 inserts, 10 updates, 1 delete and its tombstone.
  const messages = await backlog(topic, 17);
  const pipeline = newPipeline(schema);
  await batchBacklog(pipeline, [messages]);

  const batches = ofTable(topic)(await waitForBatches(pipeline.batchesTopic, (all) => ofTable(topic)(all).length >= 1));
  assert.equal(batches.length, 1, 'the whole backlog is one batch');
  const batch = batches[0]!;

  assert.equal(batch.kind, 'rows');
  assert.deepEqual({ ...batch.table }, { topic, schema, table: 'accounts' });
  assert.equal(batch.producer, 'batcher');
  assert.deepEqual(
    batch.columns.map(({ semanticType: _, ...c }) => c),
    [
      { name: 'id', sourceType: 'int4', length: 10, scale: 0, nullable: false, primaryKey: true },
      { name: 'name', sourceType: 'text', nullable: false, primaryKey: false },
      { name: 'balance', sourceType: 'numeric', length: 10, scale: 2, nullable: true, primaryKey: false },
      { name: 'code', sourceType: 'varchar', length: 8, scale: 0, nullable: true, primaryKey: false },
    ],
  );
  assert.equal(batch.schemaFingerprint, schemaFingerprint(batch.columns));
  assert.equal(batch.eventCount, 16, 'every change event, before coalescing (the tombstone is no event)');
  assert.equal(batch.rowCount, 5, 'one row per key');
  assert.deepEqual(batch.rowsByOp, { c: 4, u: 0, d: 1, r: 0 }, 'inserted-then-updated counts as an insert; inserted-then-deleted as a delete');

  // Offsets: every message of every partition, tombstone included.
  const expectedRanges = [...messages[1]].map(([partition, last]) => ({ partition, first: 0, last }));
  assert.deepEqual(
    batch.offsets,
    expectedRanges.sort((a, b) => a.partition - b.partition),
  );

  // The files.
  const { header, rows } = await batchRows(batch);
  assert.deepEqual(header, ['id', 'name', 'balance', 'code', ...STAGING_META_COLUMNS]);
  assert.equal(rows.length, batch.rowCount);
  assert.equal(
    batch.files.reduce((sum, f) => sum + f.rows, 0),
    batch.rowCount,
  );
  const ids = rows.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length, 'no key twice in a batch');
  const byId = new Map(rows.map((r) => [r.id, r]));
  assert.deepEqual(
    { name: byId.get('1')!.name, balance: byId.get('1')!.balance, op: byId.get('1')!._pgshift_op },
    { name: 'v10', balance: '10.00', op: 'c' },
    'after 10 updates the key has one row: the last image',
  );
  assert.equal(byId.get('5')!._pgshift_op, 'd');
  assert.equal(byId.get('3')!.code, 'c3');
  const opCounts = { c: 0, u: 0, d: 0, r: 0 };
  for (const row of rows) opCounts[row._pgshift_op as keyof typeof opCounts]++;
  assert.deepEqual(opCounts, batch.rowsByOp, 'rowsByOp agrees with the rows');
  for (const row of rows) {
    const range = batch.offsets.find((r) => String(r.partition) === row._pgshift_partition);
    assert.ok(range && Number(row._pgshift_offset) >= range.first && Number(row._pgshift_offset) <= range.last, 'each row points into the batch offsets');
    assert.equal(row._pgshift_unchanged, null);
    assert.match(row._pgshift_source_ts!, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$/);
  }

  // LSN and source time ranges: of every event consumed, so they hold the rows' (the latest change is never coalesced away).
  assert.ok(batch.lsnRange && batch.sourceTimeRange);
  const lsns = rows.map((r) => BigInt(r._pgshift_lsn!));
  assert.ok(BigInt(batch.lsnRange.min) <= lsns.reduce((a, b) => (a < b ? a : b)));
  assert.equal(batch.lsnRange.max, String(lsns.reduce((a, b) => (a > b ? a : b))));
  assert.ok(BigInt(batch.lsnRange.min) < BigInt(batch.lsnRange.max));
  assert.ok(batch.sourceTimeRange.minMs <= batch.sourceTimeRange.maxMs);
  assert.ok(batch.sourceTimeRange.minMs >= startedAt - 60_000 && batch.sourceTimeRange.maxMs <= Date.now(), 'source times are the commits of this test');

  // Manifest: every entry mandatory, in part order, sizes exact.
  assert.ok(batch.manifestUrl);
  const manifest = parseCopyManifest(await getObject(batch.manifestUrl));
  assert.deepEqual(
    manifest.entries.map((e) => e.url),
    batch.files.map((f) => f.url),
  );
  for (const [i, entry] of manifest.entries.entries()) {
    assert.equal(entry.mandatory, true);
    const body = await getObject(entry.url);
    assert.equal(entry.meta.content_length, body.length);
    assert.equal(batch.files[i]!.bytes, body.length);
    assert.deepEqual([...body.subarray(0, 2)], [0x1f, 0x8b], 'parts are gzip');
  }

  // Key layout: <prefix>/<schema>.<table>/<yyyy>/<mm>/<dd>/<batchId>/{part-NNNNN.csv.gz,manifest.json}
  const day = new Date(batch.createdAtMs).toISOString().slice(0, 10).replaceAll('-', '/');
  const folder = `tests/${schema}/${schema}.accounts/${day}/${batch.batchId}`;
  assert.deepEqual(parseS3Url(batch.manifestUrl), { bucket: stack.s3.bucket, key: `${folder}/manifest.json` });
  assert.deepEqual(
    batch.files.map((f) => parseS3Url(f.url).key),
    batch.files.map((_, i) => `${folder}/part-${String(i).padStart(5, '0')}.csv.gz`),
  );
  assert.deepEqual((await listKeys(`tests/${schema}/`)).sort(), [...batch.files.map((f) => parseS3Url(f.url).key), `${folder}/manifest.json`].sort());
});

test('a schema change cuts the batch: rows before ALTER TABLE go out with the old columns, rows after with the new', async () => {
  const schema = newSchema('ddl');
  const topic = `${stack.topicPrefix}.${schema}.things`;
  // One partition: the change topic's order is the commit order, so the cut is exactly at the ALTER.
  await createTopic(topic, 1);
  await suite.source.query(`CREATE SCHEMA ${schema}`);
  await suite.source.query(`CREATE TABLE ${schema}.things (id int PRIMARY KEY, name text)`);
  await suite.source.query(`INSERT INTO ${schema}.things SELECT g, 'old ' || g FROM generate_series(1, 3) AS g`);
  await suite.source.query(`ALTER TABLE ${schema}.things ADD COLUMN colour varchar(12)`);
  await suite.source.query(`INSERT INTO ${schema}.things SELECT g, 'new ' || g, 'red' FROM generate_series(4, 6) AS g`);
  await suite.source.query(`UPDATE ${schema}.things SET colour = 'blue' WHERE id = 1`);
  const messages = await backlog(topic, 7);
  const pipeline = newPipeline(schema);
  await batchBacklog(pipeline, [messages]);

  const batches = ofTable(topic)(await waitForBatches(pipeline.batchesTopic, (all) => ofTable(topic)(all).length >= 2));
  assert.equal(batches.length, 2, 'one cut, at the schema change');
  const [before, afterAlter] = batches as [BatchReady, BatchReady];
  assert.deepEqual(
    before.columns.map((c) => c.name),
    ['id', 'name'],
  );
  assert.deepEqual(
    afterAlter.columns.map((c) => c.name),
    ['id', 'name', 'colour'],
  );
  assert.notEqual(before.schemaFingerprint, afterAlter.schemaFingerprint);
  assert.ok(before.offsets[0]!.last < afterAlter.offsets[0]!.first, 'the old-column batch covers the earlier offsets');

  const old = await batchRows(before);
  const current = await batchRows(afterAlter);
  assert.deepEqual(old.header, ['id', 'name', ...STAGING_META_COLUMNS]);
  assert.deepEqual(current.header, ['id', 'name', 'colour', ...STAGING_META_COLUMNS]);
  assert.deepEqual(
    old.rows.map((r) => [r.id, r.name]),
    [
      ['1', 'old 1'],
      ['2', 'old 2'],
      ['3', 'old 3'],
    ],
  );
  assert.deepEqual(current.rows.map((r) => [r.id, r.name, r.colour]).sort(), [
    ['1', 'old 1', 'blue'],
    ['4', 'new 4', 'red'],
    ['5', 'new 5', 'red'],
    ['6', 'new 6', 'red'],
  ]);

  // And the loader turns the two batches into the evolved table.
  pipeline.startLoader();
  const expected = await rowsAsText(suite.source, `SELECT id, name, colour FROM ${schema}.things ORDER BY id`);
  await waitFor(
    'the evolved table in the warehouse',
    async () => JSON.stringify(await rowsAsText(suite.warehouse, `SELECT id, name, colour FROM ${schema}.things ORDER BY id`)) === JSON.stringify(expected),
    { timeoutMs: 180_000, intervalMs: 1000 },
  );
});

test('batches are cut by row count, with per-table overrides', async () => {
  const schema = newSchema('rows');
  const big = `${stack.topicPrefix}.${schema}.big`;
  const small = `${stack.topicPrefix}.${schema}.small`;
  await suite.source.query(`CREATE SCHEMA ${schema}`);
  await suite.source.query(`CREATE TABLE ${schema}.big (id int PRIMARY KEY, v text)`);
  await suite.source.query(`CREATE TABLE ${schema}.small (id int PRIMARY KEY, v text)`);
  await suite.source.query(`INSERT INTO ${schema}.big SELECT g, 'b' || g FROM generate_series(1, 250) AS g`);
  await suite.source.query(`INSERT INTO ${schema}.small SELECT g, 's' || g FROM generate_series(1, 60) AS g`);
  const backlogs = [await backlog(big, 250), await backlog(small, 60)];
  const pipeline = newPipeline(schema, {
    PGSHIFT_FLUSH_ROWS: '100',
    PGSHIFT_TABLE_FLUSH: JSON.stringify({ [`${schema}.small`]: { rows: 20 } }),
  });
  await batchBacklog(pipeline, backlogs);

  const all = await waitForBatches(pipeline.batchesTopic, (batches) => ofTable(big)(batches).length >= 3 && ofTable(small)(batches).length >= 3);
  const sizes = (topic: string) => ofTable(topic)(all).map((b) => b.rowCount);
  assert.deepEqual(sizes(big), [100, 100, 50], 'PGSHIFT_FLUSH_ROWS=100 with 250 rows: two full batches, the rest at shutdown');
  assert.deepEqual(sizes(small), [20, 20, 20], 'the per-table override (20 rows) applies to its table only');
  for (const batch of ofTable(big)(all)) {
    const { rows } = await batchRows(batch);
    assert.equal(rows.length, batch.rowCount);
  }
});
