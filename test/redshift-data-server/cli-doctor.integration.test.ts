import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createLedgerStatements, createTargetLedgerStatements, postgresDialect, targetLedgerName } from '@pgshift/warehouse';
import pg from 'pg';
import { stack, uniqueName } from '../support/stack.js';
import { type RedshiftDataServer, startRedshiftDataServer } from './server.js';

// `pgshift doctor`'s warehouse checks through both adapters: PostgreSQL directly, Redshift through the
// Data API (this server), on the same database: the same findings.
const root = fileURLToPath(new URL('../../', import.meta.url));
const schema = uniqueName('cli_doctor_rs');
const target = { schema, table: 'orders' };
let server: RedshiftDataServer;

interface Finding {
  area: string;
  check: string;
  severity: string;
  message: string;
  fix?: string;
}

async function sql(statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: stack.warehouseUrl });
  await client.connect();
  try {
    for (const statement of statements)
      await client.query(statement).catch((error: { code?: string }) => {
        if (error.code !== '42P07' && error.code !== '42P06') throw error; // the shared ledger already there
      });
  } finally {
    await client.end();
  }
}

async function doctor(env: Record<string, string>): Promise<{ code: number; findings: Finding[] }> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'packages/cli/src/main.ts', 'doctor', '--target-schema', schema, '--json'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? -1)));
  return { code, findings: (JSON.parse(out) as { findings: Finding[] }).findings.filter((f) => f.area === 'warehouse') };
}

before(async () => {
  server = await startRedshiftDataServer({ port: 0, warehouseUrl: stack.warehouseUrl, s3: stack.s3 });
  await sql([...createLedgerStatements(postgresDialect), `CREATE SCHEMA ${schema}`]);
  await sql(createTargetLedgerStatements(postgresDialect, target));
});

after(async () => {
  await server?.close();
  await sql([`DROP TABLE IF EXISTS pgshift."${targetLedgerName(postgresDialect, target)}"`, `DROP SCHEMA IF EXISTS ${schema} CASCADE`]);
});

test("pgshift doctor checks the warehouse's schemas and ledger the same through the Redshift Data API as on PostgreSQL", async () => {
  const postgres = await doctor({ PGSHIFT_WAREHOUSE: 'postgres', PGSHIFT_WAREHOUSE_URL: stack.warehouseUrl });
  const redshift = await doctor({
    PGSHIFT_WAREHOUSE: 'redshift',
    PGSHIFT_REDSHIFT_ENDPOINT: server.url,
    PGSHIFT_REDSHIFT_CLUSTER_ID: 'test',
    PGSHIFT_REDSHIFT_DATABASE: 'warehouse',
    PGSHIFT_REDSHIFT_DB_USER: 'pgshift',
    PGSHIFT_REDSHIFT_REGION: stack.s3.region,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  });
  for (const [name, result] of [
    ['postgres', postgres],
    ['redshift', redshift],
  ] as const) {
    assert.deepEqual(
      result.findings.map((f) => [f.check, f.severity]),
      [
        ['connect', 'ok'],
        ['target-schema', 'ok'],
        ['ledger', 'ok'],
      ],
      `${name}: ${JSON.stringify(result.findings)}`,
    );
    assert.equal(result.findings[1]!.message, `pgshift may create tables in ${schema}, pgshift`);
    assert.match(result.findings[2]!.message, /^ledger readable and writable: [1-9]\d* target ledgers?, shared ledger pgshift\.ledger readable/);
    // Source and pipeline not configured: skipped, so nothing but ok, info and skipped: exit 0.
    assert.equal(result.code, 0, name);
  }
  assert.match(postgres.findings[0]!.message, /^connected to postgres database warehouse as pgshift$/);
  assert.match(redshift.findings[0]!.message, /^connected to redshift database warehouse as pgshift$/);
});
