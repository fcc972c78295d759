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

test('PGSHIFT_REDSHIFT_TABLE_DESIGN names every bad part at start; a good one gives each table its design', () => {
  const base = { ...required, PGSHIFT_WAREHOUSE: 'postgres', PGSHIFT_WAREHOUSE_URL: 'postgresql://a@b/c' };
  const found = problems({ ...base, PGSHIFT_REDSHIFT_TABLE_DESIGN: '{"shop.a":{"distStyle":"HASH"},"shop.b":{"encode":{"x":"gzip"}}}' });
  assert.equal(found.length, 2, found.join('\n'));
  assert.ok(
    found.every((p) => p.startsWith('PGSHIFT_REDSHIFT_TABLE_DESIGN')),
    found.join('\n'),
  );
  assert.match(found.join('\n'), /shop\.a\.distStyle: "HASH"/);
  assert.match(found.join('\n'), /shop\.b\.encode\.x: "gzip"/);
  assert.match(problems({ ...base, PGSHIFT_REDSHIFT_TABLE_DESIGN: '{oops' }).join('\n'), /PGSHIFT_REDSHIFT_TABLE_DESIGN: expected JSON/);
  const config = readLoaderConfig({ ...base, PGSHIFT_REDSHIFT_TABLE_DESIGN: '{"shop.orders":{"distKey":"customer_id"}}' });
  assert.deepEqual(config.tableDesignFor('shop.orders'), { distKey: 'customer_id' });
  assert.equal(config.tableDesignFor('shop.other'), null);
  assert.equal(config.schemaChangePolicy, 'resync');
  assert.match(problems({ ...base, PGSHIFT_SCHEMA_CHANGE_POLICY: 'ignore' }).join('\n'), /PGSHIFT_SCHEMA_CHANGE_POLICY/);
});
