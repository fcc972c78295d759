import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ConfigError, readmeSection, renderConfigTable } from '@pgshift/runtime';
import { configDocs, readCliConfig } from './cli-config.js';
import { brokersFrom } from './dead-letters/kafka-client.js';

test("README.md's CLI table is the rendering of the CLI's config shape", () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  assert.equal(readmeSection(readme, configDocs.section), renderConfigTable(configDocs.shapes), 'run npm run docs');
});

test("the CLI's environment is validated like the services', every bad variable at once", () => {
  assert.throws(
    () => readCliConfig({ PGSHIFT_SOURCE_URL: 'host=db dbname=app', PGSHIFT_LOG_LEVEL: 'chatty', PGSHIFT_KAFKA_BROKERS: ' , ' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.problems.map((p) => p.split(':')[0]).sort(), ['PGSHIFT_KAFKA_BROKERS', 'PGSHIFT_LOG_LEVEL', 'PGSHIFT_SOURCE_URL']);
      return true;
    },
  );
  assert.deepEqual(readCliConfig({ PGSHIFT_SOURCE_URL: 'postgresql://u:p@db/app' }), {
    PGSHIFT_SOURCE_URL: 'postgresql://u:p@db/app',
    PGSHIFT_LOG_LEVEL: 'info',
  });
});

test('--brokers overrides PGSHIFT_KAFKA_BROKERS, and neither is a usage error', () => {
  assert.deepEqual(brokersFrom('a:1, b:2', ['c:3']), ['a:1', 'b:2']);
  assert.deepEqual(brokersFrom(undefined, ['c:3']), ['c:3']);
  assert.throws(() => brokersFrom(undefined, undefined), /--brokers or PGSHIFT_KAFKA_BROKERS/);
});

test("doctor's loader URLs are a list of http URLs, each validated", () => {
  assert.deepEqual(readCliConfig({ PGSHIFT_LOADER_URLS: 'http://l1:59102, http://l2:59102' }).PGSHIFT_LOADER_URLS, ['http://l1:59102', 'http://l2:59102']);
  assert.throws(() => readCliConfig({ PGSHIFT_LOADER_URLS: 'http://l1:59102,l2:59102' }), /PGSHIFT_LOADER_URLS/);
  assert.throws(() => readCliConfig({ PGSHIFT_CONNECT_URL: 'connect:8083' }), /PGSHIFT_CONNECT_URL/);
});
