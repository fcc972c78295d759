import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { waitForTableMatch } from '../support/compare.js';
import { ensureConnector } from '../support/connector.js';
import { kafka, listTopics } from '../support/kafka.js';
import { withScenario } from '../support/scenario.js';
import { waitFor } from '../support/wait.js';
import { warehouseTargets } from '../support/warehouse-targets.js';

// A change topic deleted and created again (by hand, by a cluster rebuilt from scratch) starts again at
// offset 0 while the warehouse's ledger still holds the old topic's offsets. The new topic's changes
// must all land, once: the ledger tells the new topic's offsets from a replay of the old ones by the
// source positions (sql/ledger.ts forgetRecreatedTopicStatement).

before(() => ensureConnector());

const SCENARIO_TIMEOUT_MS = 10 * 60_000;

for (const target of warehouseTargets()) {
  describe(`a re-created change topic into ${target.description}`, () => {
    before(() => target.start());
    after(() => target.close());

    test('every change of the new topic lands once, though its offsets are below the ledger of the old one', { timeout: SCENARIO_TIMEOUT_MS }, () =>
      withScenario(target, { prefix: 'recreate' }, async (scenario) => {
        const { schema, source, warehouse } = scenario;
        // Without a primary key: a change dropped is a row missing, a change applied twice a row too many.
        await source.query(`CREATE TABLE ${schema}.events (n int NOT NULL, note text)`);
        const { batcher } = await scenario.start();
        for (let n = 1; n <= 30; n++) await source.query(`INSERT INTO ${schema}.events VALUES ($1, $2)`, [n, `old topic ${n}`]);
        await waitForTableMatch(source, warehouse, schema, 'events');

        // The topic goes away with the batcher stopped, and comes back when Debezium writes to it again.
        await batcher.stop();
        const topic = scenario.topic('events');
        const admin = kafka.admin();
        await admin.connect();
        try {
          await admin.deleteTopics({ topics: [topic] });
        } finally {
          await admin.disconnect();
        }
        await waitFor('the topic to be deleted', async () => !(await listTopics()).includes(topic), { timeoutMs: 60_000 });
        // Fewer changes than before: each partition's new offsets stay below the ledger's old ones.
        for (let n = 31; n <= 45; n++) await source.query(`INSERT INTO ${schema}.events VALUES ($1, $2)`, [n, `new topic ${n}`]);
        await waitFor('Debezium to create the topic again', async () => (await listTopics()).includes(topic), { timeoutMs: 60_000 });
        await scenario.startBatcher();

        await waitForTableMatch(source, warehouse, schema, 'events');
        const { rows } = await warehouse.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.events`);
        assert.equal(rows[0]!.n, 45, 'every change once');
      }),
    );
  });
}
