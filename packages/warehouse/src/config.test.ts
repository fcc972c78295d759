import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '@pgshift/runtime';
import { readWarehouseConnection } from './config.js';

function problemsOf(environment: NodeJS.ProcessEnv, needs = {}): string[] {
  try {
    readWarehouseConnection(environment, needs);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  assert.fail('expected a ConfigError');
}

const cluster = { PGSHIFT_WAREHOUSE: 'redshift', PGSHIFT_REDSHIFT_CLUSTER_ID: 'c1', PGSHIFT_REDSHIFT_DATABASE: 'dev' };

test('a cluster with both a secret and a DB user connects with the secret', () => {
  const connection = readWarehouseConnection({ ...cluster, PGSHIFT_REDSHIFT_DB_USER: 'loader', PGSHIFT_REDSHIFT_SECRET_ARN: 'arn:secret' });
  assert.deepEqual(connection, {
    kind: 'redshift',
    target: { clusterIdentifier: 'c1', database: 'dev', secretArn: 'arn:secret' },
    region: 'us-east-1',
    statementTimeoutMs: 900_000,
  });
});

test('a cluster with a DB user only gets temporary credentials for it; a workgroup wins over a cluster', () => {
  assert.deepEqual(readWarehouseConnection({ ...cluster, PGSHIFT_REDSHIFT_DB_USER: 'loader' }), {
    kind: 'redshift',
    target: { clusterIdentifier: 'c1', database: 'dev', dbUser: 'loader' },
    region: 'us-east-1',
    statementTimeoutMs: 900_000,
  });
  const workgroup = readWarehouseConnection({
    ...cluster,
    PGSHIFT_REDSHIFT_WORKGROUP: 'wg',
    PGSHIFT_REDSHIFT_REGION: 'eu-west-1',
    PGSHIFT_REDSHIFT_ENDPOINT: 'http://127.0.0.1:1234',
  });
  assert.deepEqual(workgroup, {
    kind: 'redshift',
    target: { workgroupName: 'wg', database: 'dev' },
    region: 'eu-west-1',
    statementTimeoutMs: 900_000,
    endpoint: 'http://127.0.0.1:1234',
  });
});

test('every missing Redshift variable is reported at once, the IAM role only for a caller that loads batches', () => {
  assert.deepEqual(problemsOf({ PGSHIFT_WAREHOUSE: 'redshift' }, { loadsBatches: true }), [
    'PGSHIFT_REDSHIFT_DATABASE: required when PGSHIFT_WAREHOUSE=redshift',
    'PGSHIFT_REDSHIFT_CLUSTER_ID or PGSHIFT_REDSHIFT_WORKGROUP: required when PGSHIFT_WAREHOUSE=redshift',
    'PGSHIFT_REDSHIFT_IAM_ROLE: required when PGSHIFT_WAREHOUSE=redshift',
  ]);
  assert.deepEqual(problemsOf(cluster), ['PGSHIFT_REDSHIFT_DB_USER or PGSHIFT_REDSHIFT_SECRET_ARN: required when PGSHIFT_WAREHOUSE=redshift']);
});

test('a bad variable and a missing one are reported together', () => {
  assert.deepEqual(problemsOf({ PGSHIFT_WAREHOUSE: 'redshift', PGSHIFT_REDSHIFT_WORKGROUP: 'wg', PGSHIFT_REDSHIFT_ENDPOINT: 'not a url' }), [
    'PGSHIFT_REDSHIFT_ENDPOINT: expected an http:// or https:// URL (got "not a url")',
    'PGSHIFT_REDSHIFT_DATABASE: required when PGSHIFT_WAREHOUSE=redshift',
  ]);
});

test('PostgreSQL needs its URL; no warehouse kind is a problem of its own', () => {
  assert.deepEqual(readWarehouseConnection({ PGSHIFT_WAREHOUSE: 'postgres', PGSHIFT_WAREHOUSE_URL: ' postgresql://w/db ' }), {
    kind: 'postgres',
    url: 'postgresql://w/db',
  });
  assert.deepEqual(problemsOf({ PGSHIFT_WAREHOUSE: 'postgres' }), ['PGSHIFT_WAREHOUSE_URL: required when PGSHIFT_WAREHOUSE=postgres']);
  assert.equal(problemsOf({}).length, 1);
  assert.match(problemsOf({})[0]!, /^PGSHIFT_WAREHOUSE: expected one of postgres, redshift/);
});
