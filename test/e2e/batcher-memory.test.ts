import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { metricValue, readBatches, tableDigest } from '../support/batches.js';
import { ensureConnector } from '../support/connector.js';
import { readTopic } from '../support/kafka.js';
import { connect, type Pipeline, pipelineFor } from '../support/pipeline.js';
import { stack, uniqueName } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

// A backlog far larger than the memory budget: the batcher cuts it into many batches instead of holding
// it, its resident memory stays bounded, and every row arrives.

let source: pg.Client;
let warehouse: pg.Client;
let pipeline: Pipeline;
const schema = uniqueName('mem');
const topic = `${stack.topicPrefix}.${schema}.wide`;
const ROWS = 100_000;
const VALUE_CHARS = 384;
const BUDGET = 2 * 1024 * 1024;
const digestQuery = `SELECT id, v FROM ${schema}.wide`;

before(async () => {
  source = await connect(stack.sourceUrl);
  warehouse = await connect(stack.warehouseUrl);
  await ensureConnector();
  await source.query(`CREATE SCHEMA ${schema}`);
  await source.query(`CREATE TABLE ${schema}.wide (id int PRIMARY KEY, v text NOT NULL)`);
  pipeline = pipelineFor(schema, {
    batcher: {
      PGSHIFT_MEMORY_BUDGET: String(BUDGET),
      // Neither rows nor bytes nor age would cut this backlog: only the memory budget does (age seals the tail).
      PGSHIFT_FLUSH_ROWS: '1000000',
      PGSHIFT_FLUSH_BYTES: '1GiB',
      PGSHIFT_FLUSH_AGE: '5s',
    },
  });
});

after(async () => {
  await pipeline?.stopAll();
  await source.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await warehouse.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await source.end();
  await warehouse.end();
});

test('a backlog of 100,000 rows under a 2 MiB memory budget: many batches, bounded RSS, nothing lost', async (t) => {
  // ~40 MB of text: about 60 MB of buffered records if it were held at once.
  await source.query(`INSERT INTO ${schema}.wide SELECT g, repeat(md5(g::text), ${VALUE_CHARS / 32}) FROM generate_series(1, ${ROWS}) AS g`);
  await readTopic(topic, (seen) => seen.length >= ROWS, { timeoutMs: 180_000 });

  const batcher = pipeline.startBatcher();
  await batcher.ready(180_000);
  const idleRss = metricValue(await batcher.metrics(), 'pgshift_process_resident_memory_bytes');
  let peakRss = idleRss;
  let peakBuffered = 0;
  const sampling = setInterval(() => {
    batcher
      .metrics()
      .then((text) => {
        peakRss = Math.max(peakRss, metricValue(text, 'pgshift_process_resident_memory_bytes'));
        peakBuffered = Math.max(peakBuffered, metricValue(text, 'pgshift_batcher_buffered_bytes'));
      })
      .catch(() => {});
  }, 250);
  pipeline.startLoader();

  const expected = await tableDigest(source, digestQuery);
  try {
    await waitFor(
      'the warehouse to equal the source (count and checksum)',
      async () => JSON.stringify(await tableDigest(warehouse, digestQuery)) === JSON.stringify(expected),
      { timeoutMs: 180_000, intervalMs: 2000 },
    );
  } finally {
    clearInterval(sampling);
  }
  // Everything consumed: the lag gauge says 0, transaction markers after the last change included.
  await waitFor(
    'the consumer lag gauge to reach 0',
    async () => {
      const text = await batcher.metrics();
      return text.includes(`pgshift_batcher_consumer_lag{topic="${topic}"`) && metricValue(text, 'pgshift_batcher_consumer_lag', { topic }) === 0;
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  );

  const batches = (await readBatches(pipeline.batchesTopic)).map((b) => b.event).filter((b) => b.table.topic === topic);
  // The batcher's account of a row: its CSV record in the arena (the quoted value, the id and the metadata
  // columns: at least the value and its quotes, at most 200 bytes more), plus 160 bytes of heap overhead.
  const ROW_OVERHEAD = 160;
  const smallestRow = ROW_OVERHEAD + VALUE_CHARS + 2;
  const largestRow = ROW_OVERHEAD + VALUE_CHARS + 200;
  // The batcher checks the budget every 256 messages (between turns of the event loop), so a batch may
  // hold up to 256 rows more than the budget alone allows, and the arena may have just taken a new chunk
  // (1 MiB at most) for them.
  const CHECK_EVERY = 256;
  const ARENA_CHUNK = 1024 * 1024;
  const mostRowsUnderBudget = Math.floor(BUDGET / smallestRow) + CHECK_EVERY;
  t.diagnostic(
    `${batches.length} batches, largest ${Math.max(...batches.map((b) => b.rowCount))} rows; ` +
      `buffered peak ${mb(peakBuffered)}; RSS idle ${mb(idleRss)}, peak ${mb(peakRss)}`,
  );
  assert.equal(
    batches.reduce((sum, b) => sum + b.rowCount, 0),
    ROWS,
    'every row in exactly one batch',
  );
  assert.ok(batches.length >= Math.floor(ROWS / mostRowsUnderBudget), `many batches (${batches.length}), not one`);
  assert.ok(batches.length >= 10, `many batches (${batches.length}), not one`);
  for (const batch of batches) assert.ok(batch.rowCount <= mostRowsUnderBudget, `batch of ${batch.rowCount} rows exceeds the budget's ${mostRowsUnderBudget}`);
  const budgetFlushes = readFileSync(batcher.logFile, 'utf8')
    .split('\n')
    .filter((line) => line.includes('memory budget reached')).length;
  assert.ok(budgetFlushes >= 5, `the budget is what cut the backlog (${budgetFlushes} budget flushes logged)`);

  // What the budget governs: the rows held, by the batcher's own account.
  assert.ok(peakBuffered > 0, 'the buffered-bytes gauge was sampled');
  assert.ok(peakBuffered <= BUDGET + CHECK_EVERY * largestRow + ARENA_CHUNK, `buffered ${peakBuffered} bytes at most, within the budget of ${BUDGET}`);
  // RSS also holds Kafka fetch buffers and garbage not yet collected, which no budget governs: at this
  // size it does not tell a bounded batcher from an unbounded one, so its bound is only a sanity check.
  assert.ok(peakRss > 0, 'RSS was sampled');
  // The services run with 64 MiB semi-spaces (SERVICE_NODE_FLAGS): the young generation alone may
  // take up to ~200 MiB once busy, whatever the budget.
  assert.ok(peakRss < 600 * 1024 * 1024, `peak RSS ${mb(peakRss)} stays under 600 MiB`);
  assert.ok(peakRss - idleRss < 400 * 1024 * 1024, `RSS grew by ${mb(peakRss - idleRss)} over idle, less than 400 MiB`);
});

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}
