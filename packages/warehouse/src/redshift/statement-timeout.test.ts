import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { isRetryable } from '../errors.js';
import { RedshiftDataApiClient, RedshiftStatementTimeout } from './data-api-client.js';

/** A Data API whose statements run until cancelled, except those whose SQL `finishes` accepts. */
function fakeDataApi(finishes: (sql: string) => boolean) {
  const sqlById = new Map<string, string>();
  const cancelled: string[] = [];
  const send = async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    const name = command.constructor.name;
    if (name === 'ExecuteStatementCommand' || name === 'BatchExecuteStatementCommand') {
      const id = `s${sqlById.size + 1}`;
      sqlById.set(id, String(command.input.Sql ?? (command.input.Sqls as string[]).join(';')));
      return { Id: id };
    }
    if (name === 'DescribeStatementCommand') {
      const id = String(command.input.Id);
      return { Id: id, Status: finishes(sqlById.get(id)!) ? 'FINISHED' : 'STARTED', ResultRows: 0, HasResultSet: false };
    }
    if (name === 'CancelStatementCommand') cancelled.push(String(command.input.Id));
    return {};
  };
  return { client: { send, destroy: () => undefined } as unknown as RedshiftDataClient, cancelled };
}

function clientWith(api: ReturnType<typeof fakeDataApi>, timeoutRetries?: number) {
  return new RedshiftDataApiClient({
    target: { clusterIdentifier: 'c', database: 'd', dbUser: 'u' },
    client: api.client,
    pollInitialMs: 5,
    pollMaxMs: 5,
    statementTimeoutMs: 30,
    ...(timeoutRetries !== undefined ? { timeoutRetries } : {}),
  });
}

async function timeoutOf(promise: Promise<unknown>): Promise<RedshiftStatementTimeout> {
  const error = await promise.then(
    () => assert.fail('expected a timeout'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof RedshiftStatementTimeout);
  return error;
}

test('a statement that outlives the settable timeout is cancelled, and its timeout is transient up to the limit, then permanent', async () => {
  const api = fakeDataApi(() => false);
  const client = clientWith(api, 2);
  const first = await timeoutOf(client.executeBatch(['LOCK x', 'COPY y']));
  assert.equal(api.cancelled.length, 1);
  assert.equal(first.consecutive, 1);
  assert.equal(isRetryable(first), true);
  assert.equal(isRetryable(await timeoutOf(client.executeBatch(['LOCK x', 'COPY y']))), true);
  const third = await timeoutOf(client.executeBatch(['LOCK x', 'COPY y']));
  assert.equal(third.consecutive, 3);
  assert.equal(isRetryable(third), false);
  assert.match(third.message, /timed out 3 times in a row: raise PGSHIFT_REDSHIFT_STATEMENT_TIMEOUT/);
  assert.equal(isRetryable(await timeoutOf(client.execute('SELECT other'))), true, 'another statement has its own count');
});

test('a statement that finishes forgets its earlier timeouts', async () => {
  let slow = true;
  const client = clientWith(
    fakeDataApi(() => !slow),
    1,
  );
  assert.equal(isRetryable(await timeoutOf(client.execute('SELECT 1'))), true);
  slow = false;
  await client.execute('SELECT 1');
  slow = true;
  const again = await timeoutOf(client.execute('SELECT 1'));
  assert.equal(again.consecutive, 1);
  assert.equal(isRetryable(again), true);
});

test('by default three timeouts of one statement in a row stay transient, the fourth is permanent', async () => {
  const timeout = new RedshiftStatementTimeout('s', 900_000, 3);
  assert.equal(isRetryable(timeout), true);
  assert.equal(isRetryable(new RedshiftStatementTimeout('s', 900_000, 4)), false);
});
