/**
 * The Redshift adapter's Data API executor against the emulator: the real SDK over real HTTP, no mocks.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { StatementLimitExceeded } from '@pgshift/warehouse';
import {
  type DataApiClientOptions,
  RedshiftDataApiClient,
  RedshiftStatementError,
  RedshiftStatementTimeout,
} from '../../packages/warehouse/src/redshift/data-api-client.js';
import { stack, uniqueName } from '../support/stack.js';
import { type RedshiftDataServer, startRedshiftDataServer } from './server.js';

let server: RedshiftDataServer;
const schema = uniqueName('rsclient');

function clientOptions(overrides: Partial<DataApiClientOptions> = {}): DataApiClientOptions {
  return {
    target: { clusterIdentifier: 'pgshift-test', database: 'warehouse', dbUser: 'pgshift' },
    clientConfig: { endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'any', secretAccessKey: 'any' }, maxAttempts: 1 },
    pollInitialMs: 20,
    pollMaxMs: 200,
    throttleBaseMs: 10,
    throttleMaxMs: 50,
    ...overrides,
  };
}

let client: RedshiftDataApiClient;

before(async () => {
  server = await startRedshiftDataServer({ port: 0, warehouseUrl: stack.warehouseUrl, s3: stack.s3, resultPageSize: 3 });
  client = new RedshiftDataApiClient(clientOptions());
  await client.execute(`CREATE SCHEMA "${schema}"`);
});

after(async () => {
  await client.execute(`DROP SCHEMA "${schema}" CASCADE`).catch(() => undefined);
  client.close();
  await server.close();
});

describe('RedshiftDataApiClient', () => {
  it('queries typed rows across result pages', async () => {
    const result = await client.query(
      `SELECT g AS n, g * 0.5::float8 AS half, g % 2 = 0 AS even, 'row ' || g AS label, CASE WHEN g = 2 THEN NULL ELSE g END AS maybe FROM generate_series(1, 7) AS g ORDER BY g`,
    );
    assert.deepEqual(
      result.columns.map((c) => c.name),
      ['n', 'half', 'even', 'label', 'maybe'],
    );
    assert.equal(result.rows.length, 7);
    assert.deepEqual(result.rows[1], { n: 2, half: 1, even: true, label: 'row 2', maybe: null });
    assert.deepEqual(result.rows.at(-1), { n: 7, half: 3.5, even: false, label: 'row 7', maybe: 7 });
  });

  it('runs a serverless target too', async () => {
    const serverless = new RedshiftDataApiClient(clientOptions({ target: { workgroupName: 'wg', database: 'warehouse' } }));
    assert.deepEqual((await serverless.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
    serverless.close();
  });

  it('runs a batch as one transaction and reports each statement', async () => {
    const table = `"${schema}"."batch"`;
    await client.execute(`CREATE TABLE ${table} (id int)`);
    const outcome = await client.executeBatch([`INSERT INTO ${table} VALUES (1), (2)`, `DELETE FROM ${table} WHERE id = 1`]);
    assert.deepEqual(
      outcome.subStatements.map((s) => s.resultRows),
      [2, 1],
    );
    assert.deepEqual((await client.query(`SELECT id FROM ${table}`)).rows, [{ id: 2 }]);
  });

  it('raises the failing sub-statement, its index and SQL with Redshift error text, and rolls back the batch', async () => {
    const table = `"${schema}"."rollback"`;
    await client.execute(`CREATE TABLE ${table} (id int)`);
    const error = await client.executeBatch([`INSERT INTO ${table} VALUES (1)`, `INSERT INTO ${table} VALUES (2)`, `INSERT INTO ${table} VALUES (1 / 0)`]).then(
      () => assert.fail('the batch should fail'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof RedshiftStatementError);
    assert.equal(error.status, 'FAILED');
    assert.equal(error.statementIndex, 2);
    assert.equal(error.redshiftError, 'ERROR: division by zero');
    assert.equal(error.sql, `INSERT INTO ${table} VALUES (1 / 0)`);
    assert.match(error.message, /division by zero.*statement 3/);
    assert.deepEqual((await client.query(`SELECT count(*)::int AS n FROM ${table}`)).rows, [{ n: 0 }]);
  });

  it('shortens long SQL in the error', async () => {
    const padding = `/* ${'x'.repeat(2000)} */`;
    const error = await client.execute(`SELECT * FROM no_such_table ${padding}`).catch((e: unknown) => e);
    assert.ok(error instanceof RedshiftStatementError);
    assert.ok(error.sql.length <= 300);
    assert.ok(error.sql.endsWith('…'));
  });

  it('validates batch size and statement size before calling the service', async () => {
    await assert.rejects(client.executeBatch([]), StatementLimitExceeded);
    await assert.rejects(client.executeBatch(Array.from({ length: 41 }, () => 'SELECT 1')), StatementLimitExceeded);
    await assert.rejects(client.execute(`SELECT '${'x'.repeat(100 * 1024)}'`), StatementLimitExceeded);
  });

  it('retries throttled calls with backoff', async () => {
    server.failNext('ExecuteStatement', 2, 'ThrottlingException');
    server.failNext('DescribeStatement', 2, 'ActiveStatementsExceededException');
    assert.deepEqual((await client.query('SELECT 5 AS five')).rows, [{ five: 5 }]);
  });

  it('gives up on throttling after the configured retries', async () => {
    const impatient = new RedshiftDataApiClient(clientOptions({ throttleRetries: 1 }));
    server.failNext('ExecuteStatement', 3, 'ThrottlingException');
    await assert.rejects(impatient.execute('SELECT 1'), (e: Error) => e.name === 'ThrottlingException');
    server.failNext('ExecuteStatement', 0, 'ThrottlingException');
    impatient.close();
  });

  it('cancels a statement that outlives its timeout', async () => {
    const hasty = new RedshiftDataApiClient(clientOptions({ statementTimeoutMs: 300 }));
    const started = Date.now();
    await assert.rejects(hasty.execute('SELECT pg_sleep(20)'), RedshiftStatementTimeout);
    assert.ok(Date.now() - started < 5000);
    hasty.close();
  });
});
