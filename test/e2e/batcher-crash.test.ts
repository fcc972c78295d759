import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BatchReady, PartitionRange } from '@pgshift/contracts';
import { parseS3Url } from '@pgshift/contracts';
import { parseCopyManifest } from '@pgshift/csv';
import type pg from 'pg';
import { committedOffsets, getObject, lastOffsets, listKeys, readBatches, tableDigest } from '../support/batches.js';
import { ensureConnector } from '../support/connector.js';
import { readTopic } from '../support/kafka.js';
import { connect, type Pipeline, pipelineFor } from '../support/pipeline.js';
import { stack, uniqueName } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

// SIGKILL in the middle of a flush: some parts of a batch are in S3, its manifest is not, it was never
// announced. Offsets must not have been committed past what was announced, and after a restart the
// warehouse must equal the source: replays are fine, a lost row is not.

let source: pg.Client;
let warehouse: pg.Client;
let pipeline: Pipeline;
const schema = uniqueName('crash');
const topic = `${stack.topicPrefix}.${schema}.big`;
const prefix = `tests/${schema}/`;
const ROWS = 50_000;
const digestQuery = `SELECT id, payload, n FROM ${schema}.big`;

before(async () => {
  source = await connect(stack.sourceUrl);
  warehouse = await connect(stack.warehouseUrl);
  await ensureConnector();
  await source.query(`CREATE SCHEMA ${schema}`);
  await source.query(`CREATE TABLE ${schema}.big (id int PRIMARY KEY, payload text NOT NULL, n int)`);
  pipeline = pipelineFor(schema, {
    batcher: {
      // Batches of 20,000 rows of ~200 random hex characters: ~4.5 MB of CSV each, five 1 MiB parts.
      PGSHIFT_FLUSH_ROWS: '20000',
      PGSHIFT_FLUSH_AGE: '10m',
      PGSHIFT_PART_BYTES: '1MiB',
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

/** Batch folders (…/<batchId>/) that hold parts but no manifest: flushes that were cut short. */
function unfinishedFolders(keys: string[]): string[] {
  const folders = new Map<string, { parts: number; manifest: boolean }>();
  for (const key of keys) {
    const folder = key.slice(0, key.lastIndexOf('/'));
    const entry = folders.get(folder) ?? { parts: 0, manifest: false };
    if (key.endsWith('/manifest.json')) entry.manifest = true;
    else entry.parts++;
    folders.set(folder, entry);
  }
  return [...folders].filter(([, f]) => f.parts > 0 && !f.manifest).map(([folder]) => folder);
}

/**
 * The offsets of one partition's messages that no range covers. Offsets, not 0…end: Debezium writes
 * through Kafka transactions, and their commit markers take offsets that carry no message.
 */
function uncovered(ranges: PartitionRange[], offsets: number[]): number[] {
  return offsets.filter((offset) => !ranges.some((r) => offset >= r.first && offset <= r.last));
}

const rangesOf = (batches: BatchReady[], partition: number) => batches.flatMap((b) => b.offsets).filter((r) => r.partition === partition);

test('SIGKILL mid-flush loses nothing: offsets never pass what was announced, and a restart completes the warehouse', async () => {
  const first = pipeline.startBatcher('batcher-killed');
  await first.ready(180_000);
  await source.query(
    `INSERT INTO ${schema}.big
       SELECT g, md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text), g % 97
         FROM generate_series(1, ${ROWS}) AS g`,
  );

  // Kill the moment a batch folder has a part and no manifest yet, once an earlier batch is complete: a
  // table's batches are written, announced and committed one after another, so by then the first
  // batch's offsets are committed and the check below has something to check.
  const hit = await waitFor(
    'a second flush to be under way (a part without its manifest, after a complete batch)',
    async () => {
      const keys = await listKeys(prefix);
      const folders = unfinishedFolders(keys);
      if (folders.length === 0 || !keys.some((key) => key.endsWith('/manifest.json'))) return false;
      first.child.kill('SIGKILL');
      return folders;
    },
    { timeoutMs: 180_000, intervalMs: 20 },
  );
  await first.kill();
  const keysAfterKill = await listKeys(prefix);
  const cutShort = unfinishedFolders(keysAfterKill);
  assert.ok(
    cutShort.some((folder) => hit.includes(folder)),
    `the kill landed in the middle of a flush: ${hit.join(', ')} still has no manifest`,
  );

  // What the killed batcher committed is covered by what it announced.
  const announcedAtKill = (await readBatches(pipeline.batchesTopic)).map((b) => b.event);
  const committedAtKill = await committedOffsets(pipeline.batcherGroup, topic);
  assert.ok(announcedAtKill.length >= 1, 'a batch was announced before the kill');
  assert.ok(
    [...committedAtKill.values()].some((offset) => offset > 0),
    'its offsets were committed before the kill',
  );
  for (const [partition, offset] of committedAtKill) {
    if (offset < 0) continue;
    const ranges = rangesOf(announcedAtKill, partition);
    const announcedEnd = Math.max(-1, ...ranges.map((r) => r.last)) + 1;
    assert.ok(offset <= announcedEnd, `partition ${partition}: committed ${offset}, announced only up to ${announcedEnd}`);
  }
  const announcedIds = new Set(announcedAtKill.map((b) => b.batchId));
  for (const folder of cutShort) {
    assert.ok(!announcedIds.has(folder.slice(folder.lastIndexOf('/') + 1)), `${folder} was never announced`);
  }

  // Restart: the new instance consumes again from the commits, seals the tail by age, and the loader applies everything.
  pipeline.batcherEnv.PGSHIFT_FLUSH_AGE = '2s';
  pipeline.startBatcher('batcher-restarted');
  pipeline.startLoader();
  const expected = await tableDigest(source, digestQuery);
  assert.equal(expected.count, ROWS);
  await waitFor(
    'the warehouse to equal the source (count and checksum)',
    async () => JSON.stringify(await tableDigest(warehouse, digestQuery)) === JSON.stringify(expected),
    { timeoutMs: 180_000, intervalMs: 2000 },
  );

  // Every message below the killed batcher's commits was in a batch it had announced.
  const messages = await readTopic(topic, (seen) => seen.length >= ROWS, { timeoutMs: 180_000 });
  const offsetsOf = (partition: number, below = Infinity) =>
    messages.filter((m) => m.partition === partition && Number(m.offset) < below).map((m) => Number(m.offset));
  for (const [partition, offset] of committedAtKill) {
    if (offset < 0) continue;
    assert.deepEqual(
      uncovered(rangesOf(announcedAtKill, partition), offsetsOf(partition, offset)),
      [],
      `partition ${partition}: messages below the commit (${offset}) not in an announced batch`,
    );
  }

  // Everything announced is complete in S3, and together the batches cover every change event.
  const lastOffset = lastOffsets(messages);
  const announced = (await readBatches(pipeline.batchesTopic)).map((b) => b.event);
  assert.ok(announced.length >= 3, 'the backlog went out in several batches');
  for (const batch of announced) {
    const manifest = parseCopyManifest(await getObject(batch.manifestUrl!));
    assert.deepEqual(
      manifest.entries.map((e) => e.url),
      batch.files.map((f) => f.url),
      `batch ${batch.batchId}: manifest lists its files`,
    );
    const keys = new Set(await listKeys(parseS3Url(batch.manifestUrl!).key.replace(/manifest\.json$/, '')));
    for (const file of batch.files) assert.ok(keys.has(parseS3Url(file.url).key), `batch ${batch.batchId}: ${file.url} exists`);
  }
  assert.ok(
    announced.some((b) => b.files.length > 1),
    'batches span several parts',
  );
  for (const partition of lastOffset.keys()) {
    assert.deepEqual(uncovered(rangesOf(announced, partition), offsetsOf(partition)), [], `partition ${partition}: messages in no announced batch`);
  }
  await waitFor(
    'the restarted batcher to commit every offset',
    async () => {
      const committed = await committedOffsets(pipeline.batcherGroup, topic);
      return [...lastOffset].every(([partition, last]) => (committed.get(partition) ?? -1) >= last + 1);
    },
    { timeoutMs: 180_000 },
  );
});
