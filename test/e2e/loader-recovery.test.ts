import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { parseS3Url } from '@pgshift/contracts';
import { DEAD_LETTER_HEADERS } from '@pgshift/runtime';
import type pg from 'pg';
import { getObject, readBatches, s3 } from '../support/batches.js';
import { tableSnapshot, waitForTableMatch } from '../support/compare.js';
import { ensureConnector } from '../support/connector.js';
import { committedOffsets, consumedToEnd, reached, resetToEarliest } from '../support/consumer-groups.js';
import { listTopics, readTopic } from '../support/kafka.js';
import { metricValue, readiness, withScenario } from '../support/scenario.js';
import { waitFor } from '../support/wait.js';
import { warehouseTargets } from '../support/warehouse-targets.js';

// What the loader guarantees when things go wrong around it, proven end to end once per warehouse
// adapter: a replay of both topics from the beginning, a SIGKILL in the middle of a batch, and a batch
// file deleted from S3 before its load.

before(() => ensureConnector());

/** A safety net against a hung service: the waits inside time out long before. */
const SCENARIO_TIMEOUT_MS = 10 * 60_000;

const patience = { timeoutMs: 180_000, intervalMs: 1000 };

/** Row count and a checksum of every row, in key order. */
async function countAndChecksum(client: pg.Client, schema: string, table: string): Promise<{ rows: number; checksum: string | null }> {
  const { rows } = await client.query(
    `SELECT count(*)::int AS rows, md5(string_agg(id::text || ':' || label || ':' || amount::text, ',' ORDER BY id)) AS checksum FROM ${schema}.${table}`,
  );
  return rows[0];
}

for (const target of warehouseTargets()) {
  describe(`recovery, into ${target.description}`, { concurrency: true }, () => {
    before(() => target.start());
    after(() => target.close());

    test('both topics replayed from the beginning (consumer groups reset to earliest) change nothing in the warehouse', { timeout: SCENARIO_TIMEOUT_MS }, () =>
      withScenario(target, { prefix: 'replay' }, async (scenario) => {
        const { schema, source, warehouse, pipeline } = scenario;
        await source.query(`CREATE TABLE ${schema}.accounts (id int PRIMARY KEY, owner text NOT NULL, balance numeric(12,2), tags text[])`);
        await source.query(`CREATE TABLE ${schema}.movements (account_id int NOT NULL, amount numeric(12,2) NOT NULL, memo text)`);
        await scenario.start();
        await source.query(`INSERT INTO ${schema}.accounts SELECT g, 'owner ' || g, g * 10, ARRAY['a', 'b' || g] FROM generate_series(1, 30) g`);
        for (let round = 0; round < 5; round++) {
          await source.query(`INSERT INTO ${schema}.movements SELECT g, (g + ${round}) * 1.5, 'round ${round}' FROM generate_series(1, 12) g`);
          await source.query(`UPDATE ${schema}.accounts SET balance = balance + 1 WHERE id % 5 = ${round}`);
        }
        await source.query(`DELETE FROM ${schema}.accounts WHERE id IN (7, 8)`);
        await waitForTableMatch(source, warehouse, schema, 'accounts');
        await waitForTableMatch(source, warehouse, schema, 'movements');

        for (const service of [...pipeline.services]) assert.equal(await service.stop(), 0, `${service.name} stops cleanly`);
        const before = { accounts: await tableSnapshot(warehouse, schema, 'accounts'), movements: await tableSnapshot(warehouse, schema, 'movements') };
        const changeTopics = (await listTopics()).filter((t) => t.startsWith(`${scenario.topic('')}`));
        assert.deepEqual(changeTopics.sort(), [scenario.topic('accounts'), scenario.topic('movements')]);
        assert.ok(await consumedToEnd(pipeline.batcherGroup, changeTopics, { transactional: true }), 'the batcher had consumed every change');
        assert.ok(await consumedToEnd(pipeline.loaderGroup, [pipeline.batchesTopic]), 'the loader had consumed every batch');
        const batcherEnd = await committedOffsets(pipeline.batcherGroup, changeTopics);
        const loaderEnd = await committedOffsets(pipeline.loaderGroup, [pipeline.batchesTopic]);

        await resetToEarliest(pipeline.batcherGroup, changeTopics);
        await resetToEarliest(pipeline.loaderGroup, [pipeline.batchesTopic]);
        assert.ok(!(await reached(pipeline.batcherGroup, batcherEnd)) && !(await reached(pipeline.loaderGroup, loaderEnd)), 'both groups start over');

        const { batcher, loader } = await scenario.start();
        await waitFor('the batcher to consume every change again', () => reached(pipeline.batcherGroup, batcherEnd), patience);
        await waitFor('the loader to consume every batch, old and new', () => consumedToEnd(pipeline.loaderGroup, [pipeline.batchesTopic]), patience);

        const replayed = metricValue(await batcher.metrics(), 'pgshift_batcher_events_consumed_total');
        assert.ok(replayed >= 30 + 60, `the batcher read the change topics again (${replayed} events)`);
        const skipped = metricValue(await loader.metrics(), 'pgshift_loader_rows_skipped_total');
        assert.ok(skipped > 0, `the loader counted the rows it skipped as already applied (${skipped})`);
        assert.deepEqual(await tableSnapshot(warehouse, schema, 'accounts'), before.accounts, 'accounts: same rows, same values, same load times');
        assert.deepEqual(await tableSnapshot(warehouse, schema, 'movements'), before.movements, 'movements: no row appended twice');
      }),
    );

    test('the loader killed with SIGKILL in the middle of a batch and restarted loses nothing and doubles nothing', { timeout: SCENARIO_TIMEOUT_MS }, (t) =>
      withScenario(
        target,
        // Batches of 20,000 rows: a warehouse transaction lasts long enough to be caught running.
        { prefix: 'kill', batcher: { PGSHIFT_FLUSH_ROWS: '20000', PGSHIFT_FLUSH_AGE: '10s' } },
        async (scenario) => {
          const { schema, source, warehouse, pipeline } = scenario;
          const tables = ['orders', 'audit'] as const; // audit has no primary key: a doubled row would stay
          await source.query(`CREATE TABLE ${schema}.orders (id bigint PRIMARY KEY, label text NOT NULL, amount numeric(12,2) NOT NULL)`);
          await source.query(`CREATE TABLE ${schema}.audit (id bigint NOT NULL, label text NOT NULL, amount numeric(12,2) NOT NULL)`);
          const insert = (table: string, from: number, to: number) =>
            source.query(`INSERT INTO ${schema}.${table} SELECT g, md5(g::text), g * 0.01 FROM generate_series(${from}, ${to}) g`);
          // One row each first, so that the change topics exist when the batcher starts.
          for (const table of tables) await insert(table, 1, 1);
          const { loader } = await scenario.start();
          for (const table of tables) await insert(table, 2, 40_001);

          const merging = await waitFor(
            'a merge transaction of this scenario to be running in the warehouse',
            async () => {
              const { rows } = await warehouse.query<{ pid: number; query: string }>(
                `SELECT pid, query FROM pg_stat_activity
                  WHERE pid <> pg_backend_pid() AND xact_start IS NOT NULL AND state <> 'idle'
                    AND query ~* '^\\s*(INSERT|DELETE|UPDATE)' AND strpos(query, $1) > 0`,
                [schema],
              );
              if (rows.length > 0) return rows[0]!;
              const loaded = await Promise.all(tables.map(async (t) => (await countAndChecksum(warehouse, schema, t)).rows));
              return loaded.every((n) => n === 40_001) ? ('missed' as const) : false;
            },
            { timeoutMs: 180_000, intervalMs: 20 },
          );
          assert.ok(merging !== 'missed', 'every row was loaded before a transaction could be caught running');
          await loader.kill();
          t.diagnostic(`killed the loader while the warehouse ran: ${merging.query.slice(0, 60)}…`);
          // PostgreSQL rolls the transaction back once its backend finds the client gone; the Data API
          // test server, like Redshift, runs the submitted batch to its end.
          if (target.name === 'postgres') {
            await waitFor(
              'the killed loader’s transaction to end',
              async () => (await warehouse.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1`, [merging.pid])).rowCount === 0,
              patience,
            );
          }
          await scenario.startLoader();

          for (const table of tables) {
            const expected = await countAndChecksum(source, schema, table);
            assert.equal(expected.rows, 40_001);
            await waitFor(
              `${schema}.${table}: every row once`,
              async () => {
                const loaded = await countAndChecksum(warehouse, schema, table).catch(() => null);
                return loaded !== null && loaded.rows >= expected.rows && loaded;
              },
              patience,
            );
          }
          // Everything consumed: no late batch can still add a row.
          await waitFor(
            'the batcher to consume every change',
            () => consumedToEnd(pipeline.batcherGroup, tables.map(scenario.topic), { transactional: true }),
            patience,
          );
          await waitFor('the loader to consume every batch', () => consumedToEnd(pipeline.loaderGroup, [pipeline.batchesTopic]), patience);
          for (const table of tables) {
            assert.deepEqual(
              await countAndChecksum(warehouse, schema, table),
              await countAndChecksum(source, schema, table),
              `${table}: same rows and checksum as the source`,
            );
          }
          const doubled = await warehouse.query(`SELECT count(*)::int AS n FROM (SELECT id FROM ${schema}.audit GROUP BY id HAVING count(*) > 1) d`);
          assert.equal(doubled.rows[0].n, 0, 'no row of the append-only table is there twice');
        },
      ),
    );

    test(
      'a batch whose S3 file was deleted before the load stops that table only, with the missing file named; restored, a restart loads it',
      { timeout: SCENARIO_TIMEOUT_MS },
      () =>
        withScenario(target, { prefix: 'lostfile' }, async (scenario) => {
          const { schema, source, warehouse, pipeline } = scenario;
          await source.query(`CREATE TABLE ${schema}.lost (id int PRIMARY KEY, label text NOT NULL)`);
          await source.query(`CREATE TABLE ${schema}.kept (id int PRIMARY KEY, label text NOT NULL)`);
          const tables = ['lost', 'kept'];
          await source.query(`INSERT INTO ${schema}.lost SELECT g, 'lost ' || g FROM generate_series(1, 50) g`);
          await source.query(`INSERT INTO ${schema}.kept SELECT g, 'kept ' || g FROM generate_series(1, 50) g`);
          // Only the batcher at first: its batches wait in the batches topic, not yet loaded.
          await scenario.startBatcher();
          await waitFor(
            'the batcher to consume every change',
            () => consumedToEnd(pipeline.batcherGroup, tables.map(scenario.topic), { transactional: true }),
            patience,
          );
          const lostBatches = (await readBatches(pipeline.batchesTopic)).map((b) => b.event).filter((e) => e.table.table === 'lost' && e.files.length > 0);
          assert.ok(lostBatches.length > 0, 'the lost table has a batch with files');
          const victim = lostBatches[0]!.files[0]!.url;
          const saved = await getObject(victim);
          const { bucket, key } = parseS3Url(victim);
          await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));

          // Not awaited as ready: it may stop the table (and so answer 503) before it ever reports ready.
          const loader = await scenario.startLoader({ ready: false });
          const lost = scenario.qualified('lost');
          const stopped = await waitFor(
            `${lost} to be reported stopped`,
            async () => {
              const tables = (await readiness(loader)).body.tables as Record<string, { state: string; reason?: string }> | undefined;
              return tables?.[lost]?.state === 'stopped' ? tables[lost]! : false;
            },
            patience,
          );
          assert.ok(stopped.reason?.includes(`batch file missing: ${victim}`), `the reason names the missing file: ${stopped.reason}`);
          assert.equal(metricValue(await loader.metrics(), 'pgshift_loader_table_stopped', { table: lost }), 1);
          await waitForTableMatch(source, warehouse, schema, 'kept');
          await source.query(`UPDATE ${schema}.kept SET label = 'edited' WHERE id <= 10`);
          await waitForTableMatch(source, warehouse, schema, 'kept');
          const [letter] = await readTopic(`${pipeline.batchesTopic}.dead-letter`, (messages) => messages.length >= 1, { timeoutMs: 180_000 });
          assert.equal(String(letter!.message.headers?.[DEAD_LETTER_HEADERS.reason]), 'table-stopped');

          // The object comes back (from S3 versioning or a backup): a restart loads the waiting batch, in order.
          await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: saved }));
          await source.query(`UPDATE ${schema}.lost SET label = 'after the restore' WHERE id % 7 = 0`);
          await loader.stop();
          const restarted = await scenario.startLoader();
          await waitForTableMatch(source, warehouse, schema, 'lost');
          await waitFor('the restarted loader to be ready', async () => (await readiness(restarted)).status === 200, patience);
        }),
    );
  });
}
