import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { RedshiftDataApiClient } from './data-api-client.js';

interface SentCommand {
  name: string;
  input: Record<string, unknown>;
}

/** A Data API stand-in: `answer` sees each command and answers or throws. */
function fakeClient(answer: (command: SentCommand, attempt: number) => unknown): { client: RedshiftDataClient; sent: SentCommand[] } {
  const sent: SentCommand[] = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const sentCommand = { name: command.constructor.name, input: command.input };
      sent.push(sentCommand);
      return answer(sentCommand, sent.filter((s) => s.name === sentCommand.name).length);
    },
    destroy: () => {},
  } as unknown as RedshiftDataClient;
  return { client, sent };
}

function awsError(name: string, httpStatusCode: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode } });
}

const target = { clusterIdentifier: 'c', database: 'dev', dbUser: 'u' } as const;
const quick = { throttleBaseMs: 1, throttleMaxMs: 2, pollInitialMs: 1 };

test('a throttled or lost submit is retried with the same ClientToken, so it cannot run twice', async () => {
  const { client, sent } = fakeClient(({ name }, attempt) => {
    if (name === 'ExecuteStatementCommand') {
      if (attempt === 1) throw awsError('ThrottlingException', 400);
      if (attempt === 2) throw awsError('InternalServerException', 500);
      return { Id: 's1' };
    }
    if (name === 'DescribeStatementCommand') {
      if (attempt === 1) throw awsError('ActiveStatementsExceededException', 400);
      return { Id: 's1', Status: 'FINISHED', ResultRows: 3 };
    }
    throw new Error(`unexpected ${name}`);
  });
  const dataApi = new RedshiftDataApiClient({ target, client, ...quick });
  assert.equal((await dataApi.execute('DELETE FROM t')).resultRows, 3);
  const submits = sent.filter((s) => s.name === 'ExecuteStatementCommand');
  assert.equal(submits.length, 3);
  assert.equal(new Set(submits.map((s) => s.input.ClientToken)).size, 1);
  assert.equal(sent.filter((s) => s.name === 'DescribeStatementCommand').length, 2);
});

test('a call the service rejected as invalid is not retried', async () => {
  const { client, sent } = fakeClient(() => {
    throw awsError('ValidationException', 400);
  });
  const dataApi = new RedshiftDataApiClient({ target, client, ...quick });
  await assert.rejects(dataApi.execute('SELECT 1'), (e: Error) => e.name === 'ValidationException');
  assert.equal(sent.length, 1);
});

test('retries stop after throttleRetries', async () => {
  const { client, sent } = fakeClient(() => {
    throw awsError('ThrottlingException', 400);
  });
  const dataApi = new RedshiftDataApiClient({ target, client, ...quick, throttleRetries: 2 });
  await assert.rejects(dataApi.execute('SELECT 1'), (e: Error) => e.name === 'ThrottlingException');
  assert.equal(sent.length, 3);
});

test("the SDK client it builds makes one attempt per call: the SDK's retries would multiply its own", async () => {
  const dataApi = new RedshiftDataApiClient({ target, clientConfig: { region: 'us-east-1', maxAttempts: 5 } });
  const sdk = (dataApi as unknown as { client: RedshiftDataClient }).client;
  assert.equal(await sdk.config.maxAttempts(), 1);
  dataApi.close();
});
