import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SOURCE_URL, uniqueName, WAREHOUSE_URL, warehouseTableDdl, withClient } from './test-support/databases.js';

const run = promisify(execFile);
const repository = fileURLToPath(new URL('../../../', import.meta.url));
const schema = uniqueName('verify_cli');

/** Runs the real `pgshift` command as `npm run pgshift` does; resolves with its exit code and output. */
async function pgshift(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, PGSHIFT_SOURCE_URL: SOURCE_URL, PGSHIFT_WAREHOUSE: 'postgres', PGSHIFT_WAREHOUSE_URL: WAREHOUSE_URL };
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

before(async () => {
  await withClient(SOURCE_URL, async (c) => {
    await c.query(`CREATE SCHEMA ${schema}`);
    await c.query(`CREATE TABLE ${schema}.orders (id int PRIMARY KEY, total numeric(10,2), placed_at timestamptz)`);
    await c.query(`INSERT INTO ${schema}.orders SELECT i, i * 10, '2024-03-01 00:00:00+00'::timestamptz + i * interval '1 day' FROM generate_series(1, 30) i`);
  });
  await withClient(WAREHOUSE_URL, async (c) => {
    const ddl = warehouseTableDdl(schema, 'orders', [
      { name: 'id', sourceType: 'int4', nullable: false, primaryKey: true },
      { name: 'total', sourceType: 'numeric', length: 10, scale: 2, nullable: true, primaryKey: false },
      { name: 'placed_at', sourceType: 'timestamptz', nullable: true, primaryKey: false },
    ]);
    for (const statement of ddl) await c.query(statement);
    await c.query(
      `INSERT INTO ${schema}.orders (id, total, placed_at, _pgshift_lsn) SELECT i, i * 10, '2024-03-01 00:00:00+00'::timestamptz + i * interval '1 day', i FROM generate_series(1, 30) i`,
    );
  });
});

after(async () => {
  await withClient(SOURCE_URL, (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
  await withClient(WAREHOUSE_URL, (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
});

test('pgshift verify exits 0 when the tables are in sync and 1 when they are not', async () => {
  const inSync = await pgshift('verify', '--tables', `${schema}.orders`, '--wait-timeout', '0', '--chunk-rows', '8');
  assert.equal(inSync.code, 0, inSync.stderr);
  assert.match(inSync.stdout, new RegExp(`^${schema}\\.orders  in sync  30 rows in 4 chunks\\n`));
  assert.match(inSync.stdout, /IN SYNC: 1 of 1 tables in sync; 0 rows missing, 0 rows extra, 0 rows differing; 1 pass in/);

  await withClient(WAREHOUSE_URL, (c) => c.query(`UPDATE ${schema}.orders SET total = 0 WHERE id = 9`));
  const differs = await pgshift('verify', '--tables', `${schema}.orders`, '--wait-timeout', '0', '--json');
  assert.equal(differs.code, 1, differs.stderr);
  const report = JSON.parse(differs.stdout) as { inSync: boolean; tables: { differing: unknown }[] };
  assert.equal(report.inSync, false);
  assert.deepEqual(report.tables[0]!.differing, { count: 1, samples: [{ key: 'id=9', columns: ['total'] }] });
});

test('pgshift exits 2 on a usage mistake or an unreachable database', async () => {
  assert.equal((await pgshift('verify', '--chunk-rows', 'many')).code, 2);
  const unreachable = await pgshift(
    'verify',
    '--source',
    'postgresql://pgshift:pgshift@127.0.0.1:1/app',
    '--tables',
    `${schema}.orders`,
    '--wait-timeout',
    '0',
  );
  assert.equal(unreachable.code, 2);
  assert.match(unreachable.stderr, /^pgshift: .*ECONNREFUSED/);
});
