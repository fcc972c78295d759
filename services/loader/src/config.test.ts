import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ConfigError, readmeSection, renderConfigTable } from '@pgshift/runtime';
import { configDocs, readLoaderConfig } from './config.js';

const required = { PGSHIFT_KAFKA_BROKERS: '127.0.0.1:59092', PGSHIFT_SCHEMA_REGISTRY_URL: 'http://127.0.0.1:58081/apis/ccompat/v7' };

function problems(environment: Record<string, string>): string[] {
  try {
    readLoaderConfig(environment);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems;
  }
  return assert.fail('expected a ConfigError');
}

test("README.md's loader table is the rendering of the loader's config shapes", () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  assert.equal(readmeSection(readme, configDocs.section), renderConfigTable(configDocs.shapes), 'run npm run docs');
});

test('three bad variables, one a requirement of PGSHIFT_WAREHOUSE, are reported in one error', () => {
  const found = problems({ ...required, PGSHIFT_SCHEMA_REGISTRY_URL: 'registry:8081', PGSHIFT_LOG_LEVEL: 'loud', PGSHIFT_WAREHOUSE: 'postgres' });
  assert.deepEqual(found.map((p) => p.split(':')[0]).sort(), ['PGSHIFT_LOG_LEVEL', 'PGSHIFT_SCHEMA_REGISTRY_URL', 'PGSHIFT_WAREHOUSE_URL']);
  assert.ok(found.includes('PGSHIFT_WAREHOUSE_URL: required when PGSHIFT_WAREHOUSE=postgres (it is not set)'), found.join('\n'));
});

test('every missing Redshift variable is reported, not only the first', () => {
  const found = problems({ ...required, PGSHIFT_WAREHOUSE: 'redshift', PGSHIFT_REDSHIFT_CLUSTER_ID: 'c1' });
  assert.deepEqual(
    found.map((p) => p.split(':')[0]),
    ['PGSHIFT_REDSHIFT_DATABASE', 'PGSHIFT_REDSHIFT_DB_USER or PGSHIFT_REDSHIFT_SECRET_ARN', 'PGSHIFT_REDSHIFT_IAM_ROLE'],
  );
});

test('a valid PostgreSQL warehouse configuration reads', () => {
  const config = readLoaderConfig({
    ...required,
    PGSHIFT_WAREHOUSE: 'postgres',
    PGSHIFT_WAREHOUSE_URL: 'postgresql://pgshift:pgshift@127.0.0.1:55433/warehouse',
  });
  assert.deepEqual(config.connection, { kind: 'postgres', url: 'postgresql://pgshift:pgshift@127.0.0.1:55433/warehouse' });
  assert.deepEqual(config.registry, { url: required.PGSHIFT_SCHEMA_REGISTRY_URL, timeoutMs: 5_000 });
  assert.deepEqual(config.s3, { region: 'us-east-1', forcePathStyle: false });
  assert.equal(config.deleteModeFor('public.orders'), 'hard');
});
