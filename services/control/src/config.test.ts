import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ConfigError, readmeSection, renderConfigTable } from '@pgshift/runtime';
import { configDocs, readControlConfig } from './config.js';

test("README.md's control table is the rendering of the control service's config shape", () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  assert.equal(readmeSection(readme, configDocs.section), renderConfigTable(configDocs.shapes), 'run npm run docs');
});

test('the service refuses to start without a token, naming every bad variable at once', () => {
  assert.throws(
    () => readControlConfig({ PGSHIFT_CONTROL_PORT: 'http', PGSHIFT_STATUS_STALE_AFTER: 'soon' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.problems.map((p) => p.split(':')[0]).sort(), [
        'PGSHIFT_CONTROL_PORT',
        'PGSHIFT_CONTROL_TOKEN',
        'PGSHIFT_KAFKA_BROKERS',
        'PGSHIFT_STATUS_STALE_AFTER',
      ]);
      return true;
    },
  );
  assert.throws(
    () => readControlConfig({ PGSHIFT_KAFKA_BROKERS: 'k:9092', PGSHIFT_CONTROL_TOKEN: 'short' }),
    /PGSHIFT_CONTROL_TOKEN: expected a token of at least 16/,
  );
});

test('it listens on loopback unless told otherwise, with topics named after the batches topic', () => {
  const config = readControlConfig({ PGSHIFT_KAFKA_BROKERS: 'k:9092', PGSHIFT_CONTROL_TOKEN: 'a-token-of-enough-length', PGSHIFT_BATCHES_TOPIC: 'b' });
  assert.deepEqual(config.api, { host: '127.0.0.1', port: 59104 });
  assert.equal(config.controlTopic, 'b.control');
  assert.equal(config.statusTopic, 'b.status');
});
