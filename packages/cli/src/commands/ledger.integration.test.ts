import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createLedgerStatements, createTargetLedgerStatements, postgresDialect, targetLedgerName } from '@pgshift/warehouse';
import { uniqueName, WAREHOUSE_URL, withClient } from '../test-support/databases.js';

const run = promisify(execFile);
const repository = fileURLToPath(new URL('../../../../', import.meta.url));
const schema = uniqueName('ledger');
const topic = `pgshift.${schema}.orders`;

async function pgshift(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, PGSHIFT_WAREHOUSE: 'postgres', PGSHIFT_WAREHOUSE_URL: WAREHOUSE_URL };
  try {
    const { stdout, stderr } = await run(process.execPath, ['--conditions=source', '--import', 'tsx', 'packages/cli/src/main.ts', ...args], {
      cwd: repository,
      env,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const orders = { schema, table: 'orders' };
const customers = { schema, table: 'customers' };
const events = { schema, table: 'events' };
const ledgerOf = (target: { schema: string; table: string }) => `pgshift."${targetLedgerName(postgresDialect, target)}"`;

before(() =>
  withClient(WAREHOUSE_URL, async (c) => {
    for (const statement of createLedgerStatements(postgresDialect)) await c.query(statement).catch(() => undefined);
    for (const target of [orders, customers, events]) {
      for (const statement of createTargetLedgerStatements(postgresDialect, target)) await c.query(statement);
    }
    await c.query(
      `INSERT INTO ${ledgerOf(orders)} (target_schema, target_table, topic, partition, last_offset, batch_id, updated_at)
       VALUES ($1, 'orders', $2, 0, 41, 'b-1', '2024-05-01 10:00:00'), ($1, 'orders', $2, 1, 7, 'b-2', '2024-05-01 10:00:01'),
              ($1, 'orders', $2, -1, 9000, 'b-t1', '2024-05-01 10:00:03')`,
      [schema, topic],
    );
    await c.query(
      `INSERT INTO ${ledgerOf(customers)} (target_schema, target_table, topic, partition, last_offset, batch_id, updated_at)
       VALUES ($1, 'customers', $2, 0, 3, 'b-3', '2024-05-01 10:00:02'), ($1, 'customers', $2, -1, 8000, 'b-t2', '2024-05-01 10:00:04')`,
      [schema, `pgshift.${schema}.customers`],
    );
    // A table without a primary key, as the loader creates it (with the offset of each row's change).
    await c.query(`CREATE SCHEMA ${schema}`);
    await c.query(`CREATE TABLE ${schema}.orders (id int PRIMARY KEY, _pgshift_lsn bigint)`);
    await c.query(`INSERT INTO ${schema}.orders VALUES (1, 10), (2, 11)`);
    await c.query(`CREATE TABLE ${schema}.events (event text, _pgshift_lsn bigint, _pgshift_op char(1), _pgshift_partition int, _pgshift_offset bigint)`);
    await c.query(`INSERT INTO ${schema}.events VALUES ('a', 10, 'c', 0, 1), ('b', 11, 'c', 0, 2)`);
    await c.query(
      `INSERT INTO ${ledgerOf(events)} (target_schema, target_table, topic, partition, last_offset, batch_id, updated_at)
       VALUES ($1, 'events', $2, 0, 2, 'b-4', '2024-05-01 10:00:05')`,
      [schema, `pgshift.${schema}.events`],
    );
  }),
);

after(() =>
  withClient(WAREHOUSE_URL, async (c) => {
    for (const target of [orders, customers, events]) await c.query(`DROP TABLE IF EXISTS ${ledgerOf(target)}`);
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  }),
);

test("ledger show prints one warehouse table's ledger rows, its truncation watermark as partition -1", async () => {
  const shown = await pgshift('ledger', 'show', '--table', `${schema}.orders`, '--json');
  assert.equal(shown.code, 0, shown.stderr);
  assert.deepEqual(JSON.parse(shown.stdout), [
    { target_schema: schema, target_table: 'orders', topic, partition: '-1', last_offset: '9000', batch_id: 'b-t1', updated_at: '2024-05-01 10:00:03' },
    { target_schema: schema, target_table: 'orders', topic, partition: '0', last_offset: '41', batch_id: 'b-1', updated_at: '2024-05-01 10:00:00' },
    { target_schema: schema, target_table: 'orders', topic, partition: '1', last_offset: '7', batch_id: 'b-2', updated_at: '2024-05-01 10:00:01' },
  ]);
  const all = await pgshift('ledger', 'show', '--json');
  assert.equal(all.code, 0, all.stderr);
  const mine = (JSON.parse(all.stdout) as { target_schema: string; target_table: string }[]).filter((r) => r.target_schema === schema);
  assert.deepEqual([...new Set(mine.map((r) => r.target_table))].sort(), ['customers', 'events', 'orders'], 'every target ledger table is shown');
});

test("ledger reset removes only that table's rows and truncation watermark, keeps a keyed table's rows, and refuses without --yes when nobody can confirm", async () => {
  const refused = await pgshift('ledger', 'reset', '--table', `${schema}.orders`);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /without --yes/);

  const reset = await pgshift('ledger', 'reset', '--table', `${schema}.orders`, '--yes');
  assert.equal(reset.code, 0, reset.stderr);
  assert.match(reset.stdout, new RegExp(`removed 3 ledger rows of ${schema}\\.orders`));
  const left = await withClient(WAREHOUSE_URL, (c) => c.query(`SELECT count(*)::int AS n FROM ${ledgerOf(orders)}`));
  assert.equal(left.rows[0].n, 0, 'the ledger rows and the watermark (a reload replays the truncates too) are gone');
  const others = await withClient(WAREHOUSE_URL, (c) => c.query(`SELECT count(*)::int AS n FROM ${ledgerOf(customers)}`));
  assert.equal(others.rows[0].n, 2, 'another table keeps its ledger');
  const rows = await withClient(WAREHOUSE_URL, (c) => c.query(`SELECT count(*)::int AS n FROM ${schema}.orders`));
  assert.equal(rows.rows[0].n, 2, 'a keyed table keeps its rows: the replay replaces them');
});

test('ledger reset of a table without a primary key empties it too, in the same transaction, so a replay cannot append its rows twice', async () => {
  const reset = await pgshift('ledger', 'reset', '--table', `${schema}.events`, '--yes');
  assert.equal(reset.code, 0, reset.stderr);
  assert.match(reset.stdout, /has no primary key: its rows are deleted too/);
  const rows = await withClient(WAREHOUSE_URL, (c) => c.query(`SELECT count(*)::int AS n FROM ${schema}.events`));
  assert.equal(rows.rows[0].n, 0);
  const ledger = await withClient(WAREHOUSE_URL, (c) => c.query(`SELECT count(*)::int AS n FROM ${ledgerOf(events)}`));
  assert.equal(ledger.rows[0].n, 0);
});
