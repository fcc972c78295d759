import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { pgshift } from '../support/cli.js';
import { tableSnapshot, waitForTableMatch } from '../support/compare.js';
import { ensureConnector } from '../support/connector.js';
import type { ControlHandle } from '../support/pipeline.js';
import { type Scenario, withScenario } from '../support/scenario.js';
import { pipelineEnv } from '../support/services.js';
import { stack } from '../support/stack.js';
import { waitFor } from '../support/wait.js';
import { type WarehouseTarget, warehouseTargets } from '../support/warehouse-targets.js';

// Table control end to end, once per warehouse adapter: `pgshift tables` against the control service,
// which writes control records that every loader instance follows, and reads the status they publish.

before(() => ensureConnector());

const SCENARIO_TIMEOUT_MS = 10 * 60_000;
const ACTOR = 'e2e-operator';

interface View {
  table: string;
  state: string;
  paused: boolean;
  schedule: string;
  lag: { seconds: number; batches: number } | null;
  rowsApplied: number | null;
  batchesQueued: number | null;
  lastError: string | null;
  instance: string | null;
  reportedAt: string | null;
}

/** `pgshift tables …` against this scenario's control service, as an operator runs it. */
async function tables(control: ControlHandle, ...args: string[]) {
  return pgshift(['tables', ...args, '--as', ACTOR], control.cliEnv);
}

/** The API's view of one table (read directly in polling loops: quicker than starting the CLI each time). */
async function viewOf(control: ControlHandle, table: string): Promise<View | undefined> {
  const response = await fetch(`${control.url}/v1/tables`, { headers: { authorization: `Bearer ${control.token}` } });
  if (!response.ok) throw new Error(`control API answered ${response.status}`);
  return ((await response.json()) as { tables: View[] }).tables.find((v) => v.table === table);
}

async function waitForView(control: ControlHandle, table: string, what: string, ok: (view: View) => boolean, timeoutMs = 120_000): Promise<View> {
  return waitFor(
    `${table} ${what}`,
    async () => {
      const view = await viewOf(control, table);
      return view !== undefined && ok(view) ? view : false;
    },
    { timeoutMs, intervalMs: 500 },
  );
}

/** `pgshift verify` over the scenario's schema, through the same warehouse adapter as the loader. */
async function verify(scenario: Scenario, target: WarehouseTarget) {
  const result = await pgshift(['verify', '--schema', scenario.schema, '--json', '--wait-timeout', '60s'], {
    ...pipelineEnv(),
    PGSHIFT_SOURCE_URL: stack.sourceUrl,
    ...target.loaderEnv(),
  });
  return {
    code: result.code,
    report: JSON.parse(result.stdout || '{}') as { inSync?: boolean; tables?: { table: string; status: string }[] },
    stderr: result.stderr,
  };
}

async function createTables(source: pg.Client, schema: string, names: string[], rows = 20): Promise<void> {
  for (const name of names) {
    await source.query(`CREATE TABLE ${schema}.${name} (id int PRIMARY KEY, v text NOT NULL, n int)`);
    await source.query(`INSERT INTO ${schema}.${name} SELECT g, '${name} ' || g, g FROM generate_series(1, ${rows}) g`);
  }
}

/** Inserts, updates and deletes in every table, one small transaction each: load while a table is held. */
async function churn(source: pg.Client, schema: string, names: string[], from: number, to: number): Promise<void> {
  for (let id = from; id <= to; id++) {
    for (const name of names) {
      await source.query(`INSERT INTO ${schema}.${name} VALUES ($1, $2, $1)`, [id, `${name} ${id}`]);
      await source.query(`UPDATE ${schema}.${name} SET n = n + 1000, v = v || ' changed' WHERE id = $1`, [id - 3]);
      if (id % 7 === 0) await source.query(`DELETE FROM ${schema}.${name} WHERE id = $1`, [id - 5]);
    }
  }
}

for (const target of warehouseTargets()) {
  describe(`table control into ${target.description}`, { concurrency: true }, () => {
    before(() => target.start());
    after(() => target.close());

    test(
      'a paused table applies nothing under load while the others keep streaming; the pause survives a loader restart; resumed, it catches up and verify finds every table in sync',
      { timeout: SCENARIO_TIMEOUT_MS },
      (t) =>
        withScenario(target, { prefix: 'pause' }, async (scenario) => {
          const { schema, source, warehouse } = scenario;
          const names = ['orders', 'customers', 'notes'];
          await createTables(source, schema, names);
          const { loader } = await scenario.start();
          const control = await scenario.startControl();
          for (const name of names) await waitForTableMatch(source, warehouse, schema, name);
          const orders = scenario.qualified('orders');
          await waitForView(control, orders, 'reported streaming', (v) => v.state === 'streaming' && (v.rowsApplied ?? 0) >= 20);

          const paused = await tables(control, 'pause', orders);
          assert.equal(paused.code, 0, paused.stderr);
          assert.equal(paused.stdout, `pause ${orders} by ${ACTOR}: paused false → true\n`);
          await waitForView(control, orders, 'reported paused', (v) => v.state === 'paused');
          const frozen = await tableSnapshot(warehouse, schema, 'orders');

          await churn(source, schema, names, 21, 120);
          await waitForTableMatch(source, warehouse, schema, 'customers');
          await waitForTableMatch(source, warehouse, schema, 'notes');
          const held = await waitForView(control, orders, 'holding batches', (v) => v.state === 'paused' && (v.batchesQueued ?? 0) > 0);
          assert.ok(held.lag !== null && held.lag.batches > 0 && held.lag.seconds > 0, `lag reported: ${JSON.stringify(held.lag)}`);
          assert.deepEqual(await tableSnapshot(warehouse, schema, 'orders'), frozen, 'nothing of the paused table was applied');

          // A new loader instance reads the pause from the control topic before it takes up any batch.
          await loader.stop();
          const restarted = await scenario.startLoader();
          await churn(source, schema, names, 121, 200);
          await waitForTableMatch(source, warehouse, schema, 'customers');
          await waitForTableMatch(source, warehouse, schema, 'notes');
          const afterRestart = await waitForView(
            control,
            orders,
            'reported paused by the new loader',
            (v) => v.state === 'paused' && v.instance === restarted.name && (v.batchesQueued ?? 0) > 0,
          );
          assert.ok((afterRestart.rowsApplied ?? 0) >= 20, `the new loader continues the count of rows applied: ${afterRestart.rowsApplied}`);
          assert.deepEqual(await tableSnapshot(warehouse, schema, 'orders'), frozen, 'the pause held across the restart');

          const list = await tables(control);
          assert.equal(list.code, 0, list.stderr);
          assert.match(list.stdout, /^TABLE +STATE +LAG +ROWS APPLIED +LAST BATCH +LAST ERROR$/m);
          assert.match(list.stdout, new RegExp(`^${orders.replace('.', '\\.')} +paused \\(by ${ACTOR}\\) +\\d+s · \\d+ batch`, 'm'));
          assert.match(list.stdout, new RegExp(`^${scenario.qualified('customers').replace('.', '\\.')} +streaming `, 'm'));
          assert.match(list.stdout, /3 tables: /);
          t.diagnostic(`pgshift tables while paused:\n${list.stdout}`);

          const resumed = await tables(control, 'resume', orders);
          assert.equal(resumed.code, 0, resumed.stderr);
          await waitForTableMatch(source, warehouse, schema, 'orders');
          await waitForView(control, orders, 'streaming again with nothing waiting', (v) => v.state === 'streaming' && v.batchesQueued === 0);
          const checked = await verify(scenario, target);
          assert.equal(checked.code, 0, `verify: ${JSON.stringify(checked.report)} ${checked.stderr}`);
          assert.equal(checked.report.inSync, true);
          assert.equal(checked.report.tables?.length, 3);
        }),
    );

    test(
      'a stopped table is retried at once with `pgshift tables retry` after its cause is fixed, without restarting anything, and ends in sync',
      { timeout: SCENARIO_TIMEOUT_MS },
      () =>
        withScenario(
          target,
          { prefix: 'retry', loader: () => ({ PGSHIFT_STOPPED_RETRY: '30m', PGSHIFT_STOPPED_RETRY_MAX: '30m', PGSHIFT_SCHEMA_CHANGE_POLICY: 'stop' }) },
          async (scenario) => {
            const { schema, source, warehouse } = scenario;
            await source.query(`CREATE TABLE ${schema}.readings (id int PRIMARY KEY, value int)`);
            await source.query(`INSERT INTO ${schema}.readings SELECT g, g * 7 FROM generate_series(1, 10) g`);
            await createTables(source, schema, ['notes'], 10);
            await scenario.start();
            const control = await scenario.startControl();
            await waitForTableMatch(source, warehouse, schema, 'readings');
            await waitForTableMatch(source, warehouse, schema, 'notes');

            // int → boolean is no widening: under PGSHIFT_SCHEMA_CHANGE_POLICY=stop the table stops.
            await source.query(`ALTER TABLE ${schema}.readings ALTER COLUMN value TYPE boolean USING value > 0`);
            await source.query(`INSERT INTO ${schema}.readings VALUES (11, true)`);
            const readings = scenario.qualified('readings');
            const stopped = await waitForView(control, readings, 'reported stopped', (v) => v.state === 'stopped', 180_000);
            assert.match(stopped.lastError ?? '', /schema change not reproducible .*readings\.value/i);
            const listed = await tables(control, '--json');
            assert.equal(listed.code, 0, listed.stderr);
            const asListed = (JSON.parse(listed.stdout) as { tables: View[] }).tables.find((v) => v.table === readings);
            assert.equal(asListed?.state, 'stopped');

            await churn(source, schema, ['notes'], 11, 40);
            await waitForTableMatch(source, warehouse, schema, 'notes');

            // The operator fixes the cause; the table's own next attempt is half an hour away.
            await warehouse.query(`ALTER TABLE ${schema}.readings ALTER COLUMN value TYPE boolean USING value > 0`);
            await source.query(`INSERT INTO ${schema}.readings VALUES (12, false)`);
            await sleep(5_000);
            assert.equal((await viewOf(control, readings))?.state, 'stopped', 'nothing retried by itself');
            const missing = await warehouse.query(`SELECT count(*)::int AS n FROM ${schema}.readings WHERE id > 10`);
            assert.equal(missing.rows[0].n, 0);

            const retried = await tables(control, 'retry', readings);
            assert.equal(retried.code, 0, retried.stderr);
            assert.match(retried.stdout, new RegExp(`^retry ${readings.replace('.', '\\.')} by ${ACTOR}: retryRequestedAt null → \\d{4}-`));
            await waitForTableMatch(source, warehouse, schema, 'readings', { timeoutMs: 60_000 });
            await waitForView(control, readings, 'streaming again', (v) => v.state === 'streaming' && v.lastError === null);
            const checked = await verify(scenario, target);
            assert.equal(checked.code, 0, `verify: ${JSON.stringify(checked.report)} ${checked.stderr}`);
          },
        ),
    );

    test('a table scheduled every 1m loads only when its window opens, while a continuous table beside it streams', { timeout: SCENARIO_TIMEOUT_MS }, () =>
      withScenario(target, { prefix: 'sched' }, async (scenario) => {
        const { schema, source, warehouse } = scenario;
        await createTables(source, schema, ['events', 'notes']);
        await scenario.start();
        const control = await scenario.startControl();
        await waitForTableMatch(source, warehouse, schema, 'events');
        await waitForTableMatch(source, warehouse, schema, 'notes');
        const events = scenario.qualified('events');
        await waitForView(control, events, 'reported', (v) => v.state === 'streaming');

        const scheduled = await tables(control, 'schedule', events, 'every', '1m');
        assert.equal(scheduled.code, 0, scheduled.stderr);
        assert.equal(scheduled.stdout, `schedule ${events} by ${ACTOR}: schedule continuous → every 1m\n`);
        await waitForView(control, events, 'reported scheduled-waiting', (v) => v.state === 'scheduled-waiting' && v.schedule === 'every 1m');

        // Write with at least 35 s left before the next window opens.
        let window = Math.ceil(Date.now() / 60_000) * 60_000;
        if (window - Date.now() < 35_000) {
          await sleep(window - Date.now() + 500);
          window += 60_000;
        }
        await churn(source, schema, ['events', 'notes'], 21, 40);
        await waitForTableMatch(source, warehouse, schema, 'notes');
        await waitForView(control, events, 'holding its batches', (v) => v.state === 'scheduled-waiting' && (v.batchesQueued ?? 0) > 0);
        const before = await warehouse.query(`SELECT count(*)::int AS n FROM ${schema}.events`);
        assert.ok(Date.now() < window, 'still before the window (the machine was too slow for this check)');
        assert.equal(before.rows[0].n, 20, 'nothing of the scheduled table loaded before its window');

        await waitForTableMatch(source, warehouse, schema, 'events', { timeoutMs: 120_000 });
        assert.ok(
          Date.now() >= window,
          `the scheduled table loaded at ${new Date().toISOString()}, not before its window at ${new Date(window).toISOString()}`,
        );
        const checked = await verify(scenario, target);
        assert.equal(checked.code, 0, `verify: ${JSON.stringify(checked.report)} ${checked.stderr}`);
      }),
    );
  });
}
