import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type pg from 'pg';
import { readBatches } from '../support/batches.js';
import { pgshift } from '../support/cli.js';
import { waitForTableMatch } from '../support/compare.js';
import { ensureConnector } from '../support/connector.js';
import { withScenario } from '../support/scenario.js';
import { pipelineEnv } from '../support/services.js';
import { warehouseTargets } from '../support/warehouse-targets.js';

// `pgshift tables replay`, end to end: one table's change topic is read again from its beginning while
// the other tables stream, through the control topic the batchers follow. The PostgreSQL warehouse only:
// a replay is the batcher's and the ledger's work, the same for both adapters.

before(() => ensureConnector());

const ACTOR = 'e2e-operator';

async function createTables(source: pg.Client, schema: string, names: string[]): Promise<void> {
  for (const name of names) {
    await source.query(`CREATE TABLE ${schema}.${name} (id int PRIMARY KEY, v text NOT NULL, n int)`);
    await source.query(`INSERT INTO ${schema}.${name} SELECT g, '${name} ' || g, g FROM generate_series(1, 20) g`);
  }
}

async function churn(source: pg.Client, schema: string, names: string[], from: number, to: number): Promise<void> {
  for (let id = from; id <= to; id++) {
    for (const name of names) {
      await source.query(`INSERT INTO ${schema}.${name} VALUES ($1, $2, $1)`, [id, `${name} ${id}`]);
      await source.query(`UPDATE ${schema}.${name} SET n = n + 1000 WHERE id = $1`, [id - 3]);
      if (id % 7 === 0) await source.query(`DELETE FROM ${schema}.${name} WHERE id = $1`, [id - 5]);
    }
  }
}

const target = warehouseTargets().find((t) => t.name === 'postgres');
if (!target) throw new Error('the PostgreSQL warehouse target is missing');

describe('table replay into the PostgreSQL warehouse', () => {
  before(() => target.start());

  test(
    'a table whose ledger was reset and whose copy was emptied is reloaded by replaying its topic from the beginning, while the others stream; a batcher restart does not replay it again',
    { timeout: 10 * 60_000 },
    (t) =>
      withScenario(target, { prefix: 'replay' }, async (scenario) => {
        const { schema, source, warehouse } = scenario;
        const names = ['orders', 'notes'];
        await createTables(source, schema, names);
        const { batcher } = await scenario.start();
        const control = await scenario.startControl();
        await churn(source, schema, names, 21, 50);
        for (const name of names) await waitForTableMatch(source, warehouse, schema, name);
        const orders = scenario.qualified('orders');

        // The deliberate reload of a quiet table: forget what was applied to it and empty it, then replay
        // its change topic from the beginning while the other table keeps changing.
        const reset = await pgshift(['ledger', 'reset', '--table', orders, '--empty', '--yes'], { ...pipelineEnv(), ...target.loaderEnv() });
        assert.equal(reset.code, 0, reset.stderr);
        assert.equal(Number((await warehouse.query(`SELECT count(*) AS n FROM ${orders}`)).rows[0].n), 0);
        const writing = churn(source, schema, ['notes'], 51, 90);
        const replay = await pgshift(['tables', 'replay', orders, '--from', 'earliest', '--as', ACTOR], control.cliEnv);
        assert.equal(replay.code, 0, replay.stderr);
        assert.match(
          replay.stdout,
          new RegExp(
            `^replay ${orders.replace('.', '\\.')} by ${ACTOR}: replay of ${scenario.topic('orders').replaceAll('.', '\\.')} from earliest \\(partition@offset: 0@0, 1@0, 2@0\\)`,
          ),
        );
        await writing;
        for (const name of names) await waitForTableMatch(source, warehouse, schema, name, { timeoutMs: 180_000 });

        // A replay of an active table is harmless: the ledger drops what is applied already.
        const again = churn(source, schema, names, 91, 120);
        const second = await pgshift(['tables', 'replay', orders, '--from', '0:10,2:3', '--as', ACTOR], control.cliEnv);
        assert.equal(second.code, 0, second.stderr);
        await again;
        for (const name of names) await waitForTableMatch(source, warehouse, schema, name, { timeoutMs: 180_000 });

        // Each partition was replayed once; a new batcher (the request is still the table's control
        // record) finds the request's id in the committed offsets' metadata and does not replay again.
        const fromStart = async () =>
          (await readBatches(scenario.pipeline.batchesTopic)).filter(
            (b) => b.event.table.topic === scenario.topic('orders') && b.event.offsets.some((o) => Number(o.first) === 0),
          ).length;
        const replayed = await fromStart();
        assert.ok(replayed >= 2, `the first load and the replay both read from offset 0: ${replayed} batches`);
        await batcher.stop();
        await scenario.startBatcher();
        await churn(source, schema, names, 121, 140);
        for (const name of names) await waitForTableMatch(source, warehouse, schema, name, { timeoutMs: 180_000 });
        assert.equal(await fromStart(), replayed, 'no partition was replayed again after the restart');
        t.diagnostic(`batches from offset 0: ${replayed}`);
      }),
  );
});
