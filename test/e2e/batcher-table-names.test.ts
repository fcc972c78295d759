import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BatchReady } from '@pgshift/contracts';
import { parseS3Url } from '@pgshift/contracts';
import { batchRows, lastOffsets, metricValue, readBatches, waitUntilConsumed } from '../support/batches.js';
import { listTopics, readTopic } from '../support/kafka.js';
import { pipelineFor, rowsAsText } from '../support/pipeline.js';
import { stack } from '../support/stack.js';
import { useSuite } from '../support/suite.js';
import { waitFor } from '../support/wait.js';

// Table names that need quoting. Debezium names a topic `<prefix>.<schema>.<table>` with every character
// outside [a-zA-Z0-9._-] replaced by `_`, so "with space" is published on `….with_space`; the batcher
// takes the table from each event's source.schema / source.table, never from the topic.

const suite = useSuite();
const { newSchema } = suite;

async function sameRows(query: string): Promise<boolean> {
  const [a, b] = await Promise.all([rowsAsText(suite.source, query), rowsAsText(suite.warehouse, query).catch(() => null)]);
  return JSON.stringify(a) === JSON.stringify(b);
}

const ofTopic = (topic: string, batches: BatchReady[]) => batches.filter((b) => b.table.topic === topic);

test('a mixed-case table, one with a space and one named "user" replicate, columns with such names too', async () => {
  const schema = newSchema('names');
  const tables = {
    mixed: { name: 'MixedCase', topic: `${stack.topicPrefix}.${schema}.MixedCase` },
    spaced: { name: 'with space', topic: `${stack.topicPrefix}.${schema}.with_space` },
    reserved: { name: 'user', topic: `${stack.topicPrefix}.${schema}.user` },
  };
  await suite.source.query(`CREATE SCHEMA ${schema}`);
  await suite.source.query(`CREATE TABLE ${schema}."MixedCase" ("Id" int PRIMARY KEY, "Name" text, "camelCase" int)`);
  await suite.source.query(`CREATE TABLE ${schema}."with space" (id int PRIMARY KEY, "a value" text, "Z" numeric(6,2))`);
  await suite.source.query(`CREATE TABLE ${schema}."user" (id int PRIMARY KEY, "select" text, "order" int, "user" text)`);
  await suite.source.query(`INSERT INTO ${schema}."MixedCase" SELECT g, 'N' || g, g * 10 FROM generate_series(1, 6) AS g`);
  await suite.source.query(`INSERT INTO ${schema}."with space" SELECT g, 'v ' || g, g / 4.0 FROM generate_series(1, 6) AS g`);
  await suite.source.query(`INSERT INTO ${schema}."user" SELECT g, 'sel' || g, g, current_user FROM generate_series(1, 6) AS g`);
  await suite.source.query(`UPDATE ${schema}."MixedCase" SET "Name" = 'renamed' WHERE "Id" = 2`);
  await suite.source.query(`UPDATE ${schema}."with space" SET "a value" = 'changed' WHERE id = 3`);
  await suite.source.query(`DELETE FROM ${schema}."user" WHERE id = 4`);
  await waitFor(
    'Debezium to name the topics',
    async () => {
      const topics = await listTopics();
      return Object.values(tables).every((t) => topics.includes(t.topic));
    },
    { timeoutMs: 180_000 },
  );

  const backlogs = [
    [tables.mixed.topic, 7],
    [tables.spaced.topic, 7],
    [tables.reserved.topic, 8],
  ] as const;
  for (const [topic, count] of backlogs) await readTopic(topic, (seen) => seen.length >= count, { timeoutMs: 180_000 });

  // The per-table override is keyed by the source name ("schema.with space"), not by the topic's.
  const pipeline = pipelineFor(schema, {
    batcher: { PGSHIFT_FLUSH_AGE: '3s', PGSHIFT_TABLE_FLUSH: JSON.stringify({ [`${schema}.with space`]: { rows: 2 } }) },
  });
  suite.track(pipeline);
  // The loader creates a new schema from each table's first batch, concurrently, and PostgreSQL's
  // CREATE SCHEMA IF NOT EXISTS is not safe against itself (unique violation on pg_namespace), which
  // the loader treats as permanent and stops the table. Not what this test is about: the schema exists.
  await suite.warehouse.query(`CREATE SCHEMA ${schema}`);
  pipeline.startBatcher();
  pipeline.startLoader();
  await Promise.all(pipeline.services.map((s) => s.ready(180_000)));

  const comparisons = [
    `SELECT "Id", "Name", "camelCase" FROM ${schema}."MixedCase" ORDER BY "Id"`,
    `SELECT id, "a value", "Z"::text FROM ${schema}."with space" ORDER BY id`,
    `SELECT id, "select", "order", "user" FROM ${schema}."user" ORDER BY id`,
  ];
  for (const query of comparisons) {
    await waitFor(`the warehouse to match: ${query}`, () => sameRows(query), { timeoutMs: 180_000, intervalMs: 1000 });
  }

  const batches = (await readBatches(pipeline.batchesTopic)).map((b) => b.event);
  for (const { name, topic } of Object.values(tables)) {
    const mine = ofTopic(topic, batches);
    assert.ok(mine.length > 0, `${name} was batched`);
    for (const batch of mine) {
      assert.deepEqual({ schema: batch.table.schema, table: batch.table.table }, { schema, table: name }, 'the table comes from the event, not the topic');
      assert.ok(parseS3Url(batch.manifestUrl!).key.startsWith(`tests/${schema}/${schema}.${name}/`), `S3 keys use the source name: ${batch.manifestUrl}`);
    }
  }
  const spaced = ofTopic(tables.spaced.topic, batches);
  assert.ok(spaced.length >= 3, 'six keys went out in batches of at most two');
  for (const batch of spaced) assert.ok(batch.rowCount <= 2, `the "${schema}.with space" override applies (batch of ${batch.rowCount} rows)`);
});

/** Two tables whose names Debezium maps to one topic: "dup name" and "dup_name" both publish on `….dup_name`. */
async function collidingTables() {
  const schema = newSchema('clash');
  const topic = `${stack.topicPrefix}.${schema}.dup_name`;
  await suite.source.query(`CREATE SCHEMA ${schema}`);
  await suite.source.query(`CREATE TABLE ${schema}."dup name" (id int PRIMARY KEY, v text)`);
  await suite.source.query(`CREATE TABLE ${schema}.dup_name (id int PRIMARY KEY, v text)`);
  // Interleaved, one row per transaction, so that both tables' events alternate on the topic.
  for (let i = 1; i <= 4; i++) {
    await suite.source.query(`INSERT INTO ${schema}."dup name" VALUES ($1, 'space')`, [i]);
    await suite.source.query(`INSERT INTO ${schema}.dup_name VALUES ($1, 'underscore')`, [100 + i]);
  }
  const last = lastOffsets(await readTopic(topic, (seen) => seen.length >= 8, { timeoutMs: 180_000 }));
  const pipeline = pipelineFor(schema, { batcher: { PGSHIFT_FLUSH_AGE: '3s' } });
  suite.track(pipeline);
  return { schema, topic, last, pipeline };
}

let clash: Awaited<ReturnType<typeof collidingTables>> | undefined;

test('two tables on one topic ("dup name" and "dup_name"): every batch holds the rows of the table it names', async () => {
  clash = await collidingTables();
  const batcher = clash.pipeline.startBatcher();
  await batcher.ready(180_000);
  await waitUntilConsumed(batcher, clash.topic, clash.last);
  const batches = await waitFor(
    'the batches of both tables',
    async () => {
      const all = ofTopic(
        clash!.topic,
        (await readBatches(clash!.pipeline.batchesTopic)).map((b) => b.event),
      );
      return all.reduce((sum, b) => sum + b.rowCount, 0) >= 8 ? all : false;
    },
    { timeoutMs: 180_000, intervalMs: 1000 },
  );
  for (const batch of batches) {
    const { rows } = await batchRows(batch);
    const expected = batch.table.table === 'dup name' ? 'space' : 'underscore';
    assert.deepEqual(
      rows.map((r) => r.v),
      rows.map(() => expected),
      `batch ${batch.batchId}, announced for "${batch.table.table}", holds only that table's rows`,
    );
  }
  assert.deepEqual(new Set(batches.map((b) => b.table.table)), new Set(['dup name', 'dup_name']));
});

test('two tables on one topic: each lands in its own warehouse table', async () => {
  assert.ok(clash, 'runs after the batching test above');
  const announced = ofTopic(
    clash.topic,
    (await readBatches(clash.pipeline.batchesTopic)).map((b) => b.event),
  );
  const loader = clash.pipeline.startLoader();
  await loader.ready(180_000);
  await waitFor(
    'the loader to apply every batch',
    async () => metricValue(await loader.metrics(), 'pgshift_loader_batches_applied_total') >= announced.length,
    { timeoutMs: 180_000, intervalMs: 500 },
  );
  for (const table of ['"dup name"', 'dup_name']) {
    const query: string = `SELECT id, v FROM ${clash.schema}.${table} ORDER BY id`;
    assert.deepEqual(await rowsAsText(suite.warehouse, query).catch(() => null), await rowsAsText(suite.source, query), `${table} in the warehouse`);
  }
});
