import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { batchReadyFromAvro } from '@pgshift/contracts';
import { DEAD_LETTER_HEADERS } from '@pgshift/runtime';
import { tableSnapshot, waitForTableMatch, warehouseColumnTypes } from '../support/compare.js';
import { ensureConnector } from '../support/connector.js';
import { consumedToEnd, resetToEarliest } from '../support/consumer-groups.js';
import { committedOffset, readTopic } from '../support/kafka.js';
import { metricValue, readiness, withScenario } from '../support/scenario.js';
import { stack } from '../support/stack.js';
import { waitFor } from '../support/wait.js';
import { warehouseTargets } from '../support/warehouse-targets.js';

// What the loader guarantees when the source schema changes while rows flow, proven end to end once
// per warehouse adapter: the changes it can follow, and the one it must refuse without stopping others.

before(() => ensureConnector());

/** A safety net against a hung service: the waits inside time out long before. */
const SCENARIO_TIMEOUT_MS = 10 * 60_000;

const registry = new SchemaRegistry({ host: stack.registryUrl });

for (const target of warehouseTargets()) {
  const text = target.name === 'postgres' ? 'text' : 'character varying(65535)';

  describe(`schema changes into ${target.description}`, { concurrency: true }, () => {
    before(() => target.start());
    after(() => target.close());

    test(
      'a column added mid-stream reaches the warehouse; a column dropped mid-stream stays, NULL for new rows, old rows keep their values',
      { timeout: SCENARIO_TIMEOUT_MS },
      () =>
        withScenario(target, { prefix: 'addrop' }, async ({ schema, source, warehouse, start }) => {
          await source.query(`CREATE TABLE ${schema}.people (id int PRIMARY KEY, name text NOT NULL, age int)`);
          await start();
          await source.query(`INSERT INTO ${schema}.people SELECT g, 'person ' || g, g * 2 FROM generate_series(1, 10) g`);
          await waitForTableMatch(source, warehouse, schema, 'people');

          // Rows keep flowing, one transaction each, around both schema changes.
          for (let id = 11; id <= 20; id++) await source.query(`INSERT INTO ${schema}.people VALUES ($1, $2, $3)`, [id, `person ${id}`, id * 2]);
          await source.query(`ALTER TABLE ${schema}.people ADD COLUMN email text`);
          for (let id = 21; id <= 30; id++) {
            await source.query(`INSERT INTO ${schema}.people VALUES ($1, $2, $3, $4)`, [id, `person ${id}`, id * 2, `p${id}@example.com`]);
          }
          await source.query(`UPDATE ${schema}.people SET email = 'old@example.com' WHERE id = 3`);
          await source.query(`ALTER TABLE ${schema}.people DROP COLUMN age`);
          for (let id = 31; id <= 40; id++) await source.query(`INSERT INTO ${schema}.people VALUES ($1, $2, $3)`, [id, `person ${id}`, `p${id}@example.com`]);

          await waitForTableMatch(source, warehouse, schema, 'people');
          const types = await warehouseColumnTypes(warehouse, schema, 'people');
          assert.equal(types.get('email'), text, 'the warehouse gained the added column');
          assert.equal(types.get('age'), 'integer', 'the dropped column is kept');
          const ages = await warehouse.query<{ id: number; age: number | null }>(`SELECT id, age FROM ${schema}.people ORDER BY id`);
          const expected = Array.from({ length: 40 }, (_, i) => ({ id: i + 1, age: i + 1 <= 30 ? (i + 1) * 2 : null }));
          assert.deepEqual(ages.rows, expected, 'rows written before the drop keep their age, rows after it have NULL');
        }),
    );

    test(
      'with PGSHIFT_DROP_REMOVED_COLUMNS=true a dropped column is dropped, but a replay of the batches from before the column was added never drops it',
      { timeout: SCENARIO_TIMEOUT_MS },
      () =>
        withScenario(target, { prefix: 'dropcol', loader: () => ({ PGSHIFT_DROP_REMOVED_COLUMNS: 'true' }) }, async (scenario) => {
          const { schema, source, warehouse, pipeline } = scenario;
          await source.query(`CREATE TABLE ${schema}.people (id int PRIMARY KEY, name text NOT NULL, legacy text)`);
          const { loader } = await scenario.start();
          await source.query(`INSERT INTO ${schema}.people SELECT g, 'person ' || g, 'legacy ' || g FROM generate_series(1, 10) g`);
          await waitForTableMatch(source, warehouse, schema, 'people');
          await source.query(`ALTER TABLE ${schema}.people ADD COLUMN email text`);
          await source.query(
            `INSERT INTO ${schema}.people SELECT g, 'person ' || g, 'legacy ' || g, 'p' || g || '@example.com' FROM generate_series(11, 20) g`,
          );
          await source.query(`UPDATE ${schema}.people SET email = 'e' || id || '@example.com' WHERE id <= 10`);
          await waitForTableMatch(source, warehouse, schema, 'people');
          // The source drops a column: a newer schema, so the warehouse drops it too.
          await source.query(`ALTER TABLE ${schema}.people DROP COLUMN legacy`);
          await source.query(`INSERT INTO ${schema}.people VALUES (21, 'person 21', 'p21@example.com')`);
          await waitFor('the warehouse to drop legacy', async () => !(await warehouseColumnTypes(warehouse, schema, 'people')).has('legacy'), {
            timeoutMs: 120_000,
            intervalMs: 1000,
          });
          await waitForTableMatch(source, warehouse, schema, 'people');

          // A replay from the beginning: its first batches lack `email` (it was added later). They are
          // older than every change in the table, so `email` and its values stay.
          await loader.stop();
          await resetToEarliest(pipeline.loaderGroup, [pipeline.batchesTopic]);
          await scenario.startLoader();
          await waitFor('the loader to consume every batch again', () => consumedToEnd(pipeline.loaderGroup, [pipeline.batchesTopic]), {
            timeoutMs: 180_000,
            intervalMs: 1000,
          });
          assert.ok((await warehouseColumnTypes(warehouse, schema, 'people')).has('email'), 'the live column email is still there');
          await waitForTableMatch(source, warehouse, schema, 'people');
        }),
    );

    test('a VARCHAR widened in the source widens the warehouse column, which then holds the longer values whole', { timeout: SCENARIO_TIMEOUT_MS }, () =>
      withScenario(target, { prefix: 'widen' }, async ({ schema, source, warehouse, start }) => {
        await source.query(`CREATE TABLE ${schema}.codes (id int PRIMARY KEY, code varchar(10) NOT NULL)`);
        await start();
        await source.query(`INSERT INTO ${schema}.codes SELECT g, 'c-' || g FROM generate_series(1, 10) g`);
        await waitForTableMatch(source, warehouse, schema, 'codes');
        assert.equal((await warehouseColumnTypes(warehouse, schema, 'codes')).get('code'), target.varcharType(10));

        await source.query(`ALTER TABLE ${schema}.codes ALTER COLUMN code TYPE varchar(100)`);
        await source.query(`INSERT INTO ${schema}.codes SELECT g, repeat('x', 90) || '-' || g FROM generate_series(11, 20) g`);
        await source.query(`UPDATE ${schema}.codes SET code = repeat('wider ', 16) WHERE id = 1`);

        await waitForTableMatch(source, warehouse, schema, 'codes');
        assert.equal((await warehouseColumnTypes(warehouse, schema, 'codes')).get('code'), target.varcharType(100));
        const lengths = await warehouse.query(`SELECT min(length(code))::int AS shortest FROM ${schema}.codes WHERE id = 1 OR id > 10`);
        assert.equal(lengths.rows[0].shortest, 93, 'no value was cut');
      }),
    );

    test(
      'a retype that is no widening (int → boolean), under PGSHIFT_SCHEMA_CHANGE_POLICY=stop, stops that table with a clear error (readiness, metric, a dead-letter copy) while another table keeps replicating; once fixed, the table retries by itself and loads what waited, and a replay of the old batches changes nothing',
      { timeout: SCENARIO_TIMEOUT_MS },
      () =>
        withScenario(
          target,
          { prefix: 'incompat', loader: () => ({ PGSHIFT_STOPPED_RETRY: '2s', PGSHIFT_STOPPED_RETRY_MAX: '4s', PGSHIFT_SCHEMA_CHANGE_POLICY: 'stop' }) },
          async (scenario) => {
            const { schema, source, warehouse, pipeline } = scenario;
            await source.query(`CREATE TABLE ${schema}.readings (id int PRIMARY KEY, value int)`);
            await source.query(`CREATE TABLE ${schema}.notes (id int PRIMARY KEY, body text)`);
            const { loader } = await scenario.start();
            await source.query(`INSERT INTO ${schema}.readings SELECT g, g * 7 FROM generate_series(1, 10) g`);
            await source.query(`INSERT INTO ${schema}.notes SELECT g, 'note ' || g FROM generate_series(1, 10) g`);
            await waitForTableMatch(source, warehouse, schema, 'readings');
            await waitForTableMatch(source, warehouse, schema, 'notes');
            const readingsBefore = await tableSnapshot(warehouse, schema, 'readings');

            await source.query(`ALTER TABLE ${schema}.readings ALTER COLUMN value TYPE boolean USING value > 0`);
            await source.query(`INSERT INTO ${schema}.readings VALUES (11, false)`);
            await source.query(`INSERT INTO ${schema}.notes SELECT g, 'note ' || g FROM generate_series(11, 20) g`);

            const readings = scenario.qualified('readings');
            const stopped = await waitFor(
              `${readings} to be reported stopped`,
              async () => {
                const state = await readiness(loader);
                const tables = state.body.tables as Record<string, { state: string; reason?: string }> | undefined;
                return tables?.[readings]?.state === 'stopped' ? { ...state, table: tables[readings]! } : false;
              },
              { timeoutMs: 180_000, intervalMs: 1000 },
            );
            assert.equal(stopped.status, 503, 'a stopped table makes the loader not ready');
            assert.match(
              stopped.table.reason ?? '',
              /schema change not reproducible .*PGSHIFT_SCHEMA_CHANGE_POLICY=stop.*readings\.value changed from .* to .*BOOLEAN/i,
            );
            const metrics = await loader.metrics();
            assert.equal(metricValue(metrics, 'pgshift_loader_table_stopped', { table: readings }), 1);
            assert.equal(metricValue(metrics, 'pgshift_loader_table_stopped', { table: scenario.qualified('notes') }), 0);

            const [letter] = await readTopic(`${pipeline.batchesTopic}.dead-letter`, (messages) => messages.length >= 1, { timeoutMs: 180_000 });
            const headers = Object.fromEntries(Object.entries(letter!.message.headers ?? {}).map(([k, v]) => [k, String(v)]));
            assert.equal(headers[DEAD_LETTER_HEADERS.reason], 'table-stopped');
            assert.match(headers[DEAD_LETTER_HEADERS.error] ?? '', /schema change not reproducible .*readings\.value/i);
            assert.equal(headers[DEAD_LETTER_HEADERS.topic], pipeline.batchesTopic);
            assert.equal(headers[DEAD_LETTER_HEADERS.service], 'loader');
            assert.match(headers[DEAD_LETTER_HEADERS.offset] ?? '', /^\d+$/);
            const event = batchReadyFromAvro((await registry.decode(letter!.message.value!)) as Record<string, unknown>);
            assert.equal(event.table.table, 'readings', 'the dead letter is the batch event of the stopped table, unchanged');
            assert.equal(headers['pgshift-batch-id'], event.batchId);

            // The other table goes on, also with changes made after the stop.
            await source.query(`INSERT INTO ${schema}.notes SELECT g, 'note ' || g FROM generate_series(21, 30) g`);
            await source.query(`UPDATE ${schema}.notes SET body = 'edited' WHERE id <= 5`);
            await waitForTableMatch(source, warehouse, schema, 'notes');
            assert.deepEqual(await tableSnapshot(warehouse, schema, 'readings'), readingsBefore, 'the stopped table is left as it was');
            assert.equal((await warehouseColumnTypes(warehouse, schema, 'readings')).get('value'), 'integer');

            // The stopped table's batch is not skipped: the group's offset stays at it.
            const stoppedAt = BigInt(headers[DEAD_LETTER_HEADERS.offset]!);
            const partition = Number(headers[DEAD_LETTER_HEADERS.partition]);
            const committed = await committedOffset(pipeline.loaderGroup, pipeline.batchesTopic, partition);
            assert.ok(committed <= stoppedAt, `the loader committed ${committed} on partition ${partition}, not past the stopped batch at ${stoppedAt}`);

            // An operator fixes the cause (here: widens the column by hand), and restarts nothing: the
            // stopped table tries its batch again by itself, then everything after it loads, in order.
            await source.query(`INSERT INTO ${schema}.readings VALUES (12, true)`);
            await warehouse.query(`ALTER TABLE ${schema}.readings ALTER COLUMN value TYPE boolean USING value > 0`);
            await waitForTableMatch(source, warehouse, schema, 'readings');
            await waitFor('the loader to be ready again', async () => (await readiness(loader)).status === 200, { timeoutMs: 30_000, intervalMs: 500 });
            assert.equal(metricValue(await loader.metrics(), 'pgshift_loader_table_stopped', { table: readings }), 0);

            // A replay of the batches topic from the beginning brings the old int batches back: the ledger
            // says they are applied, so they change nothing (no schema check against today's text column).
            await loader.stop();
            await resetToEarliest(pipeline.loaderGroup, [pipeline.batchesTopic]);
            const replaying = await scenario.startLoader();
            await waitFor('the loader to consume every batch again', () => consumedToEnd(pipeline.loaderGroup, [pipeline.batchesTopic]), {
              timeoutMs: 180_000,
              intervalMs: 1000,
            });
            const after = await readiness(replaying);
            assert.equal(after.status, 200, `no table stopped by the replay: ${JSON.stringify(after.body)}`);
            await waitForTableMatch(source, warehouse, schema, 'readings');
            await waitForTableMatch(source, warehouse, schema, 'notes');
          },
        ),
    );
  });
}
