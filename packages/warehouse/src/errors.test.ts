import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchFileMissing, classifyError, IncompatibleSchemaChange, StagedRowCountMismatch } from './errors.js';

function withProps(message: string, props: Record<string, unknown>): Error {
  return Object.assign(new Error(message), props);
}

test('lost connections, conflicts, throttling and server errors are retryable', () => {
  assert.equal(classifyError(withProps('read ECONNRESET', { code: 'ECONNRESET' })), 'retryable');
  assert.equal(classifyError(withProps('connect ECONNREFUSED', { code: 'ECONNREFUSED' })), 'retryable');
  assert.equal(classifyError(withProps('could not serialize access', { code: '40001' })), 'retryable');
  assert.equal(classifyError(withProps('deadlock detected', { code: '40P01' })), 'retryable');
  assert.equal(classifyError(withProps('terminating connection', { code: '57P01' })), 'retryable');
  assert.equal(
    classifyError(new Error('ERROR: 1023 DETAIL: Serializable isolation violation on table - 123, transactions forming the cycle are: 1, 2')),
    'retryable',
  );
  assert.equal(classifyError(new Error('Connection terminated unexpectedly')), 'retryable');
  assert.equal(classifyError(withProps('Rate exceeded', { name: 'ThrottlingException' })), 'retryable');
  assert.equal(classifyError(withProps('Please reduce your request rate', { name: 'SlowDown' })), 'retryable');
  assert.equal(classifyError(withProps('oops', { name: 'Unknown', $metadata: { httpStatusCode: 503 } })), 'retryable');
});

test('schema, count, missing file, value and syntax errors are permanent', () => {
  assert.equal(classifyError(new IncompatibleSchemaChange('a.b', 'c', 'INTEGER', 'VARCHAR(10)', 'x')), 'permanent');
  assert.equal(classifyError(new StagedRowCountMismatch('b1', 2, 3)), 'permanent');
  assert.equal(classifyError(new BatchFileMissing('s3://b/k')), 'permanent');
  assert.equal(classifyError(withProps('The specified key does not exist.', { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } })), 'permanent');
  assert.equal(classifyError(withProps('value too long for type character varying(5)', { code: '22001' })), 'permanent');
  assert.equal(classifyError(withProps('syntax error at or near "FROM"', { code: '42601' })), 'permanent');
  assert.equal(classifyError(new Error('String length exceeds DDL length')), 'permanent');
  assert.equal(classifyError(new TypeError('x is undefined')), 'permanent');
});

test('a wrapped cause is classified by the cause', () => {
  assert.equal(classifyError(new Error('apply failed', { cause: withProps('reset', { code: 'ECONNRESET' }) })), 'retryable');
});

test('a staged count mismatch names both counts', () => {
  assert.equal(new StagedRowCountMismatch('b1', 2, 3).message, 'batch b1: staged 2 rows, batch says 3');
});

test('a lost DDL creation race is retried, any other DDL failure is not', async () => {
  const { ConcurrentDdl, runDdl, isRetryable } = await import('./errors.js');
  const raced = Object.assign(new Error('duplicate key value violates unique constraint "pg_namespace_nspname_index"'), { code: '23505' });
  const failure = await runDdl('CREATE SCHEMA IF NOT EXISTS "s"', async () => {
    throw raced;
  }).catch((error: unknown) => error);
  assert.ok(failure instanceof ConcurrentDdl);
  assert.equal(isRetryable(failure), true);
  // As the Redshift Data API reports it: text only, no SQLSTATE (a CI run stopped a table on this).
  const dataApi = await runDdl('CREATE SCHEMA IF NOT EXISTS "s"', async () => {
    throw new Error('Redshift statement FAILED: ERROR: duplicate key value violates unique constraint "pg_namespace_nspname_index"');
  }).catch((error: unknown) => error);
  assert.ok(dataApi instanceof ConcurrentDdl);
  assert.equal(isRetryable(dataApi), true);
  const syntax = Object.assign(new Error('syntax error at or near "TABL"'), { code: '42601' });
  const other = await runDdl('CREATE TABL x', async () => {
    throw syntax;
  }).catch((error: unknown) => error);
  assert.equal(other, syntax);
  assert.equal(isRetryable(other), false);
});
