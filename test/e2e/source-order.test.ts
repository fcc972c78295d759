import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { tableMatches, waitForTableMatch } from '../support/compare.js';
import { ensureConnector } from '../support/connector.js';
import { consumedToEnd } from '../support/consumer-groups.js';
import { kafka, type ReadMessage, readTopic } from '../support/kafka.js';
import { withScenario } from '../support/scenario.js';
import { waitFor } from '../support/wait.js';
import { warehouseTargets } from '../support/warehouse-targets.js';

// A key's images are applied in source order, whatever order they are consumed in (issue 9, items 2, 4, 5).

before(() => ensureConnector());

const SCENARIO_TIMEOUT_MS = 10 * 60_000;

/** Incompressible text of `blocks` × 32 characters: PostgreSQL stores it out of line (TOAST). */
const randomText = (blocks: number) => `(SELECT string_agg(md5(random()::text || x::text), '') FROM generate_series(1, ${blocks}) x)`;

/** Republishes messages to their topic as they were (key, value, headers), as `pgshift dead-letters redrive` does: at new offsets. */
async function republish(topic: string, messages: readonly ReadMessage[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({
      topic,
      messages: messages.map(({ message }) => ({ key: message.key, value: message.value, headers: message.headers ?? {} })),
    });
  } finally {
    await producer.disconnect();
  }
}

for (const target of warehouseTargets()) {
  describe(`source order into ${target.description}`, { concurrency: true }, () => {
    before(() => target.start());
    after(() => target.close());

    test('a re-driven old change does not overwrite the newer row, nor resurrect a row deleted since', { timeout: SCENARIO_TIMEOUT_MS }, () =>
      withScenario(target, { prefix: 'redrive' }, async ({ schema, source, warehouse, start, topic, pipeline }) => {
        await source.query(`CREATE TABLE ${schema}.items (id int PRIMARY KEY, v text)`);
        await start();
        await source.query(`INSERT INTO ${schema}.items VALUES (1, 'first'), (2, 'doomed')`);
        await source.query(`UPDATE ${schema}.items SET v = 'old' WHERE id = 1`);
        await waitForTableMatch(source, warehouse, schema, 'items');
        await source.query(`UPDATE ${schema}.items SET v = 'newest' WHERE id = 1`);
        await source.query(`DELETE FROM ${schema}.items WHERE id = 2`);
        await waitForTableMatch(source, warehouse, schema, 'items');

        // Per key, in offset order (partitions are read in any order): row 1 has insert, 'old', 'newest';
        // row 2 insert, delete. Re-drive row 1's insert and 'old' update and row 2's insert.
        const changes = (await readTopic(topic('items'), (seen) => seen.filter((m) => m.message.value).length >= 5)).filter((m) => m.message.value);
        const byKey = new Map<string, ReadMessage[]>();
        for (const m of changes) byKey.set(m.message.key!.toString('hex'), [...(byKey.get(m.message.key!.toString('hex')) ?? []), m]);
        const history = [...byKey.values()].map((list) => list.sort((a, b) => Number(BigInt(a.offset) - BigInt(b.offset))));
        const row1 = history.find((list) => list.length === 3)!;
        const row2 = history.find((list) => list.length === 2)!;
        assert.ok(row1 && row2, 'three changes of row 1, two of row 2');
        const old = [row1[0]!, row1[1]!, row2[0]!];
        await republish(topic('items'), old);
        await source.query(`INSERT INTO ${schema}.items VALUES (3, 'after the re-drive')`);
        await waitFor(
          'the change after the re-drive to arrive',
          async () => (await warehouse.query(`SELECT count(*)::int AS n FROM ${schema}.items WHERE id = 3`)).rows[0].n === 1,
          { timeoutMs: 180_000, intervalMs: 1000 },
        );
        // Every message of the change topic batched, and every batch loaded: the re-driven ones included.
        await waitFor(
          'the re-driven messages to be batched and loaded',
          async () =>
            (await consumedToEnd(pipeline.batcherGroup, [topic('items')], { transactional: true })) &&
            (await consumedToEnd(pipeline.loaderGroup, [pipeline.batchesTopic])),
          { timeoutMs: 180_000, intervalMs: 1000 },
        );
        const { rows } = await warehouse.query(`SELECT id, v FROM ${schema}.items ORDER BY id`);
        assert.deepEqual(rows, [
          { id: 1, v: 'newest' },
          { id: 3, v: 'after the re-drive' },
        ]);
        assert.ok(await tableMatches(source, warehouse, schema, 'items'));
      }),
    );

    test('a primary-key change of a row keeps its unchanged TOASTed value under the new key', { timeout: SCENARIO_TIMEOUT_MS }, () =>
      withScenario(target, { prefix: 'pkmove' }, async ({ schema, source, warehouse, start }) => {
        await source.query(`CREATE TABLE ${schema}.docs (id int PRIMARY KEY, title text, body text)`);
        await start();
        await source.query(`INSERT INTO ${schema}.docs SELECT g, 'doc ' || g, ${randomText(320)} FROM generate_series(1, 3) g`);
        await waitForTableMatch(source, warehouse, schema, 'docs');
        await source.query(`UPDATE ${schema}.docs SET id = id + 1000 WHERE id <= 2`);
        await waitForTableMatch(source, warehouse, schema, 'docs');
        const { rows } = await warehouse.query(`SELECT id, length(body) AS n FROM ${schema}.docs ORDER BY id`);
        assert.deepEqual(rows, [
          { id: 3, n: 10240 },
          { id: 1001, n: 10240 },
          { id: 1002, n: 10240 },
        ]);
      }),
    );

    test('soft-delete mode keeps the last image of a row updated then deleted, or inserted then deleted, in one batch', { timeout: SCENARIO_TIMEOUT_MS }, () =>
      withScenario(
        target,
        { prefix: 'softimg', loader: (schema) => ({ PGSHIFT_SOFT_DELETE_TABLES: `${schema}.members` }) },
        async ({ schema, source, warehouse, start }) => {
          await source.query(`CREATE TABLE ${schema}.members (id int PRIMARY KEY, name text, points int DEFAULT 7)`);
          await start();
          await source.query(`INSERT INTO ${schema}.members VALUES (1, 'before', 10)`);
          await waitForTableMatch(source, warehouse, schema, 'members', { warehouseWhere: '_pgshift_deleted IS NOT TRUE' });
          await source.query('BEGIN');
          await source.query(`UPDATE ${schema}.members SET name = 'updated', points = 11 WHERE id = 1`);
          await source.query(`DELETE FROM ${schema}.members WHERE id = 1`);
          await source.query(`INSERT INTO ${schema}.members VALUES (2, 'short-lived', 20)`);
          await source.query(`DELETE FROM ${schema}.members WHERE id = 2`);
          await source.query('COMMIT');
          await waitFor(
            'both rows to be marked deleted',
            async () => (await warehouse.query(`SELECT count(*)::int AS n FROM ${schema}.members WHERE _pgshift_deleted`)).rows[0].n === 2,
            { timeoutMs: 180_000, intervalMs: 1000 },
          );
          const { rows } = await warehouse.query(`SELECT id, name, points FROM ${schema}.members ORDER BY id`);
          assert.deepEqual(rows, [
            { id: 1, name: 'updated', points: 11 },
            { id: 2, name: 'short-lived', points: 20 },
          ]);
        },
      ),
    );
  });
}
