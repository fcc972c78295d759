import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createLedgerStatements, postgresDialect } from '@pgshift/warehouse';
import { uniqueName, WAREHOUSE_URL, withClient } from '../test-support/databases.js';

const run = promisify(execFile);
const repository = fileURLToPath(new URL('../../../../', import.meta.url));
const schema = uniqueName('ledger');
const topic = `pgshift.${schema}.orders`;

async function pgshift(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, PGSHIFT_WAREHOUSE: 'postgres', PGSHIFT_WAREHOUSE_URL: WAREHOUSE_URL };
  try {
    const { stdout, stderr } = await run(process.execPath, ['--conditions=source', '--import', 'tsx', 'packages/cli/src/main.ts', ...args], { cwd: repository, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

before(() =>
  withClient(WAREHOUSE_URL, async (c) => {
    for (const statement of createLedgerStatements(postgresDialect)) await c.query(statement).catch(() => undefined);
    await c.query(
      `INSERT INTO pgshift.ledger (target_schema, target_table, topic, partition, last_offset, batch_id, updated_at)
       VALUES ($1, 'orders', $2, 0, 41, 'b-1', '2024-05-01 10:00:00'), ($1, 'orders', $2, 1, 7, 'b-2', '2024-05-01 10:00:01'),
              ($1, 'customers', $3, 0, 3, 'b-3', '2024-05-01 10:00:02')`,
      [schema, topic, `pgshift.${schema}.customers`],
    );
    await c.query(
      `INSERT INTO pgshift.truncations (target_schema, target_table, topic, lsn, batch_id, updated_at)
       VALUES ($1, 'orders', $2, 9000, 'b-t1', '2024-05-01 10:00:03'), ($1, 'customers', $3, 8000, 'b-t2', '2024-05-01 10:00:04')`,
      [schema, topic, `pgshift.${schema}.customers`],
    );
  }),
);

after(() =>
  withClient(WAREHOUSE_URL, async (c) => {
    await c.query('DELETE FROM pgshift.ledger WHERE target_schema = $1', [schema]);
    await c.query('DELETE FROM pgshift.truncations WHERE target_schema = $1', [schema]);
  }),
);

test('ledger show prints one warehouse table\'s ledger rows', async () => {
  const shown = await pgshift('ledger', 'show', '--table', `${schema}.orders`, '--json');
  assert.equal(shown.code, 0, shown.stderr);
  assert.deepEqual(JSON.parse(shown.stdout), [
    { target_schema: schema, target_table: 'orders', topic, partition: '0', last_offset: '41', batch_id: 'b-1', updated_at: '2024-05-01 10:00:00' },
    { target_schema: schema, target_table: 'orders', topic, partition: '1', last_offset: '7', batch_id: 'b-2', updated_at: '2024-05-01 10:00:01' },
  ]);
});

test('ledger reset removes only that table\'s rows and truncation watermark, and refuses without --yes when nobody can confirm', async () => {
  const refused = await pgshift('ledger', 'reset', '--table', `${schema}.orders`);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /without --yes/);

  const reset = await pgshift('ledger', 'reset', '--table', `${schema}.orders`, '--yes');
  assert.equal(reset.code, 0, reset.stderr);
  assert.match(reset.stdout, new RegExp(`removed 2 ledger rows of ${schema}\\.orders`));
  const left = await withClient(WAREHOUSE_URL, (c) => c.query('SELECT target_table FROM pgshift.ledger WHERE target_schema = $1', [schema]));
  assert.deepEqual(left.rows, [{ target_table: 'customers' }]);
  // A reload replays the table's truncates too (docs/exactly-once.md): its watermark goes with the ledger.
  const watermarks = await withClient(WAREHOUSE_URL, (c) => c.query('SELECT target_table FROM pgshift.truncations WHERE target_schema = $1', [schema]));
  assert.deepEqual(watermarks.rows, [{ target_table: 'customers' }]);
});
