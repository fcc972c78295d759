import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { stack, uniqueName } from '../support/stack.js';
import { type RedshiftDataServer, startRedshiftDataServer } from './server.js';

// `pgshift verify` against a Redshift warehouse: the CLI reaches it through the warehouse package's
// Redshift adapter and compares with the Redshift dialect's expressions, which this server translates.
const root = fileURLToPath(new URL('../../', import.meta.url));
const schema = uniqueName('cli_verify_rs');
let server: RedshiftDataServer;

async function sql(url: string, statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

before(async () => {
  server = await startRedshiftDataServer({ port: 0, warehouseUrl: stack.warehouseUrl, s3: stack.s3 });
  await sql(stack.sourceUrl, [
    `CREATE SCHEMA ${schema}`,
    `CREATE TABLE ${schema}.items (id int PRIMARY KEY, name text, amount numeric(10,2), tags jsonb, at timestamptz)`,
    `INSERT INTO ${schema}.items SELECT i, 'item ' || i, i * 1.5, jsonb_build_object('n', i, 'k', ARRAY['a', 'b']), timestamptz '2024-05-01 12:00:00+02' + i * interval '1 hour' FROM generate_series(1, 12) i`,
  ]);
  // The warehouse side as the loader leaves it on Redshift (SUPER is jsonb on this server).
  await sql(stack.warehouseUrl, [
    `CREATE SCHEMA ${schema}`,
    `CREATE TABLE ${schema}.items (id integer PRIMARY KEY, name varchar(65535), amount numeric(10,2), tags jsonb, at timestamptz, _pgshift_lsn bigint)`,
    `INSERT INTO ${schema}.items SELECT i, 'item ' || i, i * 1.5, jsonb_build_object('n', i, 'k', ARRAY['a', 'b']), timestamptz '2024-05-01 10:00:00+00' + i * interval '1 hour', 100 + i FROM generate_series(1, 12) i`,
  ]);
});

after(async () => {
  await server?.close();
  await sql(stack.sourceUrl, [`DROP SCHEMA IF EXISTS ${schema} CASCADE`]);
  await sql(stack.warehouseUrl, [`DROP SCHEMA IF EXISTS ${schema} CASCADE`]);
});

async function verify(): Promise<{
  code: number;
  report: { inSync: boolean; tables: { status: string; sourceRows: number; warehouseRows: number; differing: { count: number } }[] };
}> {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', 'packages/cli/src/main.ts', 'verify', '--schema', schema, '--json', '--wait-timeout', '0', '--chunk-rows', '5'],
    {
      cwd: root,
      env: {
        ...process.env,
        PGSHIFT_SOURCE_URL: stack.sourceUrl,
        PGSHIFT_WAREHOUSE: 'redshift',
        PGSHIFT_REDSHIFT_ENDPOINT: server.url,
        PGSHIFT_REDSHIFT_CLUSTER_ID: 'test',
        PGSHIFT_REDSHIFT_DATABASE: 'warehouse',
        PGSHIFT_REDSHIFT_DB_USER: 'pgshift',
        PGSHIFT_REDSHIFT_REGION: stack.s3.region,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? -1)));
  return { code, report: JSON.parse(out) };
}

test('pgshift verify finds a Redshift table in sync, then the row that differs', async () => {
  const first = await verify();
  assert.equal(first.code, 0, JSON.stringify(first.report.tables));
  assert.deepEqual(
    first.report.tables.map((t) => [t.status, t.sourceRows, t.warehouseRows]),
    [['in-sync', 12, 12]],
  );

  await sql(stack.warehouseUrl, [`UPDATE ${schema}.items SET amount = 99 WHERE id = 7`]);
  const second = await verify();
  assert.equal(second.code, 1);
  assert.equal(second.report.tables[0]!.differing.count, 1);
});
