import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ConfigError, readmeSection, renderConfigTable } from '@pgshift/runtime';
import { configDocs, readBatcherConfig } from './config.js';

const required = {
  PGSHIFT_KAFKA_BROKERS: '127.0.0.1:59092',
  PGSHIFT_SCHEMA_REGISTRY_URL: 'http://127.0.0.1:58081/apis/ccompat/v7',
  PGSHIFT_S3_BUCKET: 'pgshift',
};

test("README.md's batcher table is the rendering of the batcher's config shape", () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  assert.equal(readmeSection(readme, configDocs.section), renderConfigTable(configDocs.shapes), 'run npm run docs');
});

test('the defaults are the documented ones', () => {
  const config = readBatcherConfig(required);
  assert.equal(config.memoryBudgetBytes, 256 * 1024 ** 2);
  assert.deepEqual(config.flush.defaults, { rows: 100_000, bytes: 64 * 1024 ** 2, ageMs: 10_000 });
  assert.deepEqual(config.registry, { url: required.PGSHIFT_SCHEMA_REGISTRY_URL, timeoutMs: 5_000 });
  assert.equal(config.kafka.sessionTimeoutMs, 20_000);
  assert.equal(config.gzipLevel, 1);
});

test("the default topic pattern takes tables whose schema or table name holds a dot, and none of pgshift's own topics", () => {
  const { topicPattern } = readBatcherConfig(required);
  for (const topic of ['pgshift.public.orders', 'pgshift.public.orders.v2', 'pgshift.my.schema.t']) assert.ok(topicPattern.test(topic), topic);
  for (const topic of ['pgshift.batches', 'pgshift.dead-letter', '__pgshift-heartbeat.pgshift', 'other.public.orders'])
    assert.ok(!topicPattern.test(topic), topic);
});

test('every bad variable is reported at once, cross-variable rules included', () => {
  assert.throws(
    () =>
      readBatcherConfig({
        ...required,
        PGSHIFT_S3_ENDPOINT: 's3.local:9000',
        PGSHIFT_LOG_LEVEL: 'verbose',
        PGSHIFT_SCHEMA_REGISTRY_TIMEOUT: '30s',
        PGSHIFT_SCHEMA_REGISTRY_USERNAME: 'key',
      }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.problems.map((p) => p.split(':')[0]).sort(), [
        'PGSHIFT_LOG_LEVEL',
        'PGSHIFT_S3_ENDPOINT',
        'PGSHIFT_SCHEMA_REGISTRY_PASSWORD',
        'PGSHIFT_SCHEMA_REGISTRY_TIMEOUT',
      ]);
      assert.ok(error.problems.includes('PGSHIFT_SCHEMA_REGISTRY_PASSWORD: required with PGSHIFT_SCHEMA_REGISTRY_USERNAME (it is not set)'), error.message);
      return true;
    },
  );
});

test('registry credentials reach the client settings', () => {
  const config = readBatcherConfig({
    ...required,
    PGSHIFT_SCHEMA_REGISTRY_USERNAME: 'key',
    PGSHIFT_SCHEMA_REGISTRY_PASSWORD: 'secret',
    PGSHIFT_SCHEMA_REGISTRY_TIMEOUT: '2s',
  });
  assert.deepEqual(config.registry, { url: required.PGSHIFT_SCHEMA_REGISTRY_URL, timeoutMs: 2_000, auth: { username: 'key', password: 'secret' } });
});
