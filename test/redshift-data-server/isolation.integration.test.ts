/**
 * The emulator's Redshift isolation through the real Data API client: two concurrent batches (each one
 * transaction) on different tables that both read and write one shared table → one fails with 1023 under
 * SERIALIZABLE; on disjoint tables, or under SNAPSHOT, both commit. A LOCK taken first serialises instead.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  type DescribeStatementResponse,
  ExecuteStatementCommand,
  RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { stack, uniqueName } from '../support/stack.js';
import { type RedshiftDataServer, startRedshiftDataServer } from './server.js';
import type { IsolationLevel } from './transactions.js';

const TARGET = { ClusterIdentifier: 'pgshift-test', Database: 'warehouse', DbUser: 'pgshift' };
const schema = uniqueName('rsiso');
const servers = new Map<IsolationLevel, { server: RedshiftDataServer; client: RedshiftDataClient }>();

async function waitDone(client: RedshiftDataClient, id: string): Promise<DescribeStatementResponse> {
  for (let attempt = 0; attempt < 800; attempt++) {
    const described = await client.send(new DescribeStatementCommand({ Id: id }));
    if (['FINISHED', 'FAILED', 'ABORTED'].includes(described.Status!)) return described;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`statement ${id} did not finish`);
}

async function batch(isolation: IsolationLevel, sqls: string[]): Promise<DescribeStatementResponse> {
  const { client } = servers.get(isolation)!;
  const { Id } = await client.send(new BatchExecuteStatementCommand({ ...TARGET, Sqls: sqls }));
  return waitDone(client, Id!);
}

async function execute(sql: string): Promise<DescribeStatementResponse> {
  const { client } = servers.get('serializable')!;
  const { Id } = await client.send(new ExecuteStatementCommand({ ...TARGET, Sql: sql }));
  const described = await waitDone(client, Id!);
  assert.equal(described.Status, 'FINISHED', `${sql}: ${described.Error}`);
  return described;
}

/** A load of `table` the way today's ledger works: read the shared table, write the target and the shared table. */
function loadThroughShared(table: string, shared: string, lockFirst?: string): string[] {
  return [
    ...(lockFirst ? [`LOCK "${schema}"."${lockFirst}"`] : []),
    // Both transactions take their snapshot here, at the same time, before either writes.
    `SELECT pg_sleep(0.4), COUNT(*) FROM "${schema}"."${shared}" WHERE k = '${table}'`,
    `INSERT INTO "${schema}"."${table}" VALUES (1)`,
    `DELETE FROM "${schema}"."${shared}" WHERE k = '${table}'`,
    `INSERT INTO "${schema}"."${shared}" VALUES ('${table}', 1)`,
  ];
}

before(async () => {
  for (const isolation of ['serializable', 'snapshot'] as const) {
    const server = await startRedshiftDataServer({ port: 0, warehouseUrl: stack.warehouseUrl, s3: stack.s3, isolation });
    const client = new RedshiftDataClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'any', secretAccessKey: 'any' } });
    servers.set(isolation, { server, client });
  }
  await execute(`CREATE SCHEMA "${schema}"`);
  for (const table of ['a', 'b', 'c', 'd']) await execute(`CREATE TABLE "${schema}"."${table}" (v INTEGER)`);
  for (const table of ['shared', 'shared_a', 'shared_b']) await execute(`CREATE TABLE "${schema}"."${table}" (k VARCHAR(10), n INTEGER)`);
});

after(async () => {
  await execute(`DROP SCHEMA "${schema}" CASCADE`);
  for (const { server, client } of servers.values()) {
    client.destroy();
    await server.close();
  }
});

describe('Redshift isolation in the Data API emulator', () => {
  it('fails one of two concurrent transactions on different tables that both read and write one shared table with 1023 (SERIALIZABLE)', async () => {
    const outcomes = await Promise.all([batch('serializable', loadThroughShared('a', 'shared')), batch('serializable', loadThroughShared('b', 'shared'))]);
    assert.deepEqual(outcomes.map((o) => o.Status).sort(), ['FAILED', 'FINISHED']);
    const failed = outcomes.find((o) => o.Status === 'FAILED')!;
    assert.match(
      failed.Error!,
      /^Query #\d failed with ERROR: 1023 DETAIL: Serializable isolation violation on table - [1-9]\d*, transactions forming the cycle are: \d+, \d+ \(pid:\d+\)$/,
    );
    // The failed transaction left nothing behind: one row in the shared table (a division by zero otherwise).
    await execute(`SELECT 1 / (CASE WHEN COUNT(*) = 1 THEN 1 ELSE 0 END) FROM "${schema}"."shared"`);
  });

  it('commits both when each table has its own shared row table (SERIALIZABLE)', async () => {
    const outcomes = await Promise.all([batch('serializable', loadThroughShared('c', 'shared_a')), batch('serializable', loadThroughShared('d', 'shared_b'))]);
    assert.deepEqual(
      outcomes.map((o) => [o.Status, o.Error]),
      [
        ['FINISHED', undefined],
        ['FINISHED', undefined],
      ],
    );
  });

  it('serialises instead of failing when both LOCK the shared table first (SERIALIZABLE)', async () => {
    const outcomes = await Promise.all([
      batch('serializable', loadThroughShared('a', 'shared', 'shared')),
      batch('serializable', loadThroughShared('b', 'shared', 'shared')),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.Status),
      ['FINISHED', 'FINISHED'],
      outcomes.map((o) => o.Error).join('; '),
    );
  });

  it('commits both under SNAPSHOT isolation: no 1023', async () => {
    const outcomes = await Promise.all([batch('snapshot', loadThroughShared('a', 'shared')), batch('snapshot', loadThroughShared('b', 'shared'))]);
    assert.deepEqual(
      outcomes.map((o) => o.Status),
      ['FINISHED', 'FINISHED'],
      outcomes.map((o) => o.Error).join('; '),
    );
  });
});
