import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { waitForTableMatch, warehouseColumnTypes } from '../support/compare.js';
import { ensureConnector } from '../support/connector.js';
import { readiness, withScenario } from '../support/scenario.js';
import { waitFor } from '../support/wait.js';
import { warehouseTargets } from '../support/warehouse-targets.js';

// Source schema changes whose effect on the rows already loaded the loader must reproduce (a constant
// default, a widening) or report (a rename), once per warehouse adapter.

before(() => ensureConnector());

const SCENARIO_TIMEOUT_MS = 10 * 60_000;

for (const target of warehouseTargets()) {
  describe(`schema changes on existing rows into ${target.description}`, { concurrency: true }, () => {
    before(() => target.start());
    after(() => target.close());

    test(
      'a column added with a constant default holds it on every existing row, as in the source; rows written later keep their own values',
      { timeout: SCENARIO_TIMEOUT_MS },
      () =>
        withScenario(target, { prefix: 'adddef' }, async ({ schema, source, warehouse, start }) => {
          await source.query(`CREATE TABLE ${schema}.items (id int PRIMARY KEY, name text)`);
          await start();
          await source.query(`INSERT INTO ${schema}.items SELECT g, 'item ' || g FROM generate_series(1, 10) g`);
          await waitForTableMatch(source, warehouse, schema, 'items');

          // PostgreSQL fills rows 1–10 with 7 and 'new' without emitting a change for them.
          await source.query(`ALTER TABLE ${schema}.items ADD COLUMN qty int DEFAULT 7, ADD COLUMN status text NOT NULL DEFAULT 'new', ADD COLUMN note text`);
          await source.query(`INSERT INTO ${schema}.items VALUES (11, 'item 11', 3, 'sold', 'hello')`);
          await source.query(`INSERT INTO ${schema}.items (id, name) VALUES (12, 'item 12')`);
          await source.query(`UPDATE ${schema}.items SET name = 'renamed 2' WHERE id = 2`);

          await waitForTableMatch(source, warehouse, schema, 'items');
          const { rows } = await warehouse.query(`SELECT count(*)::int AS n FROM ${schema}.items WHERE qty = 7 AND status = 'new' AND note IS NULL`);
          assert.equal(rows[0].n, 11, 'rows 1–10 from the default, row 12 from its own insert');
        }),
    );

    // Found by the test above: an explicit NULL in a column that has a default arrives as the default. The
    // capture's Avro converter (Apicurio 2.6.13's AvroData) reads a Connect struct's field with get(), which
    // returns the schema's default for a null; its ignoreDefaultForNullables switch exists but is never set.
    // Debezium hands Connect the right null; the event on the topic already holds the default.
    test(
      'an explicit NULL in a column that has a default arrives as NULL',
      { timeout: SCENARIO_TIMEOUT_MS, todo: "the capture's Avro converter writes the column's default for a NULL (Apicurio 2.6.13 AvroData)" },
      () =>
        withScenario(target, { prefix: 'nulldef' }, async ({ schema, source, warehouse, start }) => {
          await source.query(`CREATE TABLE ${schema}.items (id int PRIMARY KEY, qty int DEFAULT 7)`);
          await start();
          await source.query(`INSERT INTO ${schema}.items VALUES (1, NULL), (2, 3)`);
          await waitFor(
            'both rows in the warehouse',
            async () => Number((await warehouse.query(`SELECT count(*) AS n FROM ${schema}.items`).catch(() => ({ rows: [{ n: 0 }] }))).rows[0].n) === 2,
            { timeoutMs: 120_000, intervalMs: 500 },
          );
          const { rows } = await warehouse.query(`SELECT qty FROM ${schema}.items WHERE id = 1`);
          assert.equal(rows[0].qty, null);
        }),
    );

    test(
      'widening changes (int → bigint, int → numeric, numeric precision raised, varchar → text, int → text) are followed in place and every row keeps its value',
      { timeout: SCENARIO_TIMEOUT_MS },
      () =>
        withScenario(
          target,
          {
            prefix: 'widen2',
            loader: (schema) => ({ PGSHIFT_REDSHIFT_TABLE_DESIGN: JSON.stringify({ [`${schema}.measures`]: { distStyle: 'EVEN', encode: { d: 'ZSTD' } } }) }),
          },
          async ({ schema, source, warehouse, start }) => {
            await source.query(`CREATE TABLE ${schema}.measures (id int PRIMARY KEY, a int, b bigint, c numeric(10,2), d varchar(10), e int, f real)`);
            await start();
            await source.query(`INSERT INTO ${schema}.measures SELECT g, g * 1000, g * 100000, g + 0.25, 'd-' || g, -g, g / 4.0 FROM generate_series(1, 10) g`);
            await waitForTableMatch(source, warehouse, schema, 'measures');

            await source.query(
              `ALTER TABLE ${schema}.measures ALTER COLUMN a TYPE bigint, ALTER COLUMN b TYPE numeric(30,4), ALTER COLUMN c TYPE numeric(16,4), ALTER COLUMN d TYPE text, ALTER COLUMN e TYPE text, ALTER COLUMN f TYPE double precision`,
            );
            await source.query(
              `INSERT INTO ${schema}.measures VALUES (11, 9000000000, 12345678901234567890.1234, 123456789012.3456, repeat('long ', 30), 'eleven', 0.1)`,
            );
            await source.query(`UPDATE ${schema}.measures SET a = a * 10000000 WHERE id = 1`);

            await waitForTableMatch(source, warehouse, schema, 'measures');
            const types = await warehouseColumnTypes(warehouse, schema, 'measures');
            assert.equal(types.get('a'), 'bigint');
            assert.equal(types.get('b'), 'numeric(30,4)');
            assert.equal(types.get('f'), 'double precision');
          },
        ),
    );

    test(
      'a renamed column is not silently wrong: the table reports itself incomplete and asks for a resync, and keeps streaming',
      { timeout: SCENARIO_TIMEOUT_MS },
      () =>
        withScenario(target, { prefix: 'rename' }, async (scenario) => {
          const { schema, source, warehouse } = scenario;
          await source.query(`CREATE TABLE ${schema}.people (id int PRIMARY KEY, name text)`);
          const { loader } = await scenario.start();
          await source.query(`INSERT INTO ${schema}.people SELECT g, 'person ' || g FROM generate_series(1, 10) g`);
          await waitForTableMatch(source, warehouse, schema, 'people');

          await source.query(`ALTER TABLE ${schema}.people RENAME COLUMN name TO full_name`);
          await source.query(`INSERT INTO ${schema}.people VALUES (11, 'person 11')`);

          const people = scenario.qualified('people');
          const table = await waitFor(
            `${people} to be reported incomplete`,
            async () => {
              const tables = (await readiness(loader)).body.tables as Record<string, { state: string; incomplete?: string }> | undefined;
              return tables?.[people]?.incomplete ? tables[people]! : false;
            },
            { timeoutMs: 180_000, intervalMs: 1000 },
          );
          assert.equal(table.state, 'running', 'a rename does not stop the table');
          assert.match(table.incomplete ?? '', /name gone and full_name new .*rename/);
          // New rows land exactly; old rows miss full_name until the resync.
          // The table is reported incomplete when its schema is evolved, before the batch's merge commits.
          await waitFor(
            'row 11 with its full_name',
            async () => (await warehouse.query(`SELECT full_name FROM ${schema}.people WHERE id = 11`)).rows[0]?.full_name === 'person 11',
            { timeoutMs: 60_000, intervalMs: 500 },
          );
        }),
    );
  });
}
