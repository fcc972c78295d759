import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { z } from 'zod';
import { ConfigError, type ConfigRules, env, loadConfig, logLevelShape } from './config.js';
import { createLogger } from './logger.js';

const shape = {
  ...logLevelShape,
  PGSHIFT_REGISTRY: env.httpUrl(),
  PGSHIFT_KIND: env.oneOf(['a', 'b'] as const),
  PGSHIFT_KIND_B_URL: env.postgresUrl().optional(),
  PGSHIFT_ROWS: env.integer(1).prefault('10'),
};
const rules: ConfigRules<z.infer<z.ZodObject<typeof shape>>> = (c) =>
  c.PGSHIFT_KIND === 'b' && !c.PGSHIFT_KIND_B_URL ? [{ variable: 'PGSHIFT_KIND_B_URL', message: 'required when PGSHIFT_KIND=b' }] : [];

function problemsOf(environment: Record<string, string>): string[] {
  try {
    loadConfig(shape, environment, rules);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

test('a bad value is shown in the error, but never a credential or the password of a URL', () => {
  const secretShape = { PGSHIFT_WAREHOUSE_URL: env.postgresUrl(), PGSHIFT_SCHEMA_REGISTRY_PASSWORD: env.integer(), PGSHIFT_ROWS: env.integer(1) };
  let message = '';
  try {
    loadConfig(secretShape, {
      PGSHIFT_WAREHOUSE_URL: 'mysql://pgshift:hunter2@warehouse:5432/db',
      PGSHIFT_SCHEMA_REGISTRY_PASSWORD: 's3cret',
      PGSHIFT_ROWS: 'ten',
    });
  } catch (error) {
    message = String(error);
  }
  assert.doesNotMatch(message, /hunter2|s3cret/);
  assert.match(message, /PGSHIFT_WAREHOUSE_URL: .*\(got "mysql:\/\/pgshift:\*\*\*@warehouse:5432\/db"\)/);
  assert.match(message, /PGSHIFT_SCHEMA_REGISTRY_PASSWORD: .*\(got a value \(hidden: PGSHIFT_SCHEMA_REGISTRY_PASSWORD is a credential\)\)/);
  assert.match(message, /PGSHIFT_ROWS: .*\(got "ten"\)/);
});

test('three bad variables, one of them a conditional requirement, are reported together', () => {
  const problems = problemsOf({ PGSHIFT_REGISTRY: 'localhost:8081', PGSHIFT_KIND: 'b', PGSHIFT_LOG_LEVEL: 'loud' });
  assert.deepEqual(problems.map((p) => p.split(':')[0]).sort(), ['PGSHIFT_KIND_B_URL', 'PGSHIFT_LOG_LEVEL', 'PGSHIFT_REGISTRY']);
  assert.ok(problems.includes('PGSHIFT_KIND_B_URL: required when PGSHIFT_KIND=b (it is not set)'), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('PGSHIFT_LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent (got "loud")')));
});

test('a variable that fails its own check is not reported again by a rule about it', () => {
  const problems = problemsOf({ PGSHIFT_REGISTRY: 'http://registry:8081', PGSHIFT_KIND: 'b', PGSHIFT_KIND_B_URL: 'http://wh/db' });
  assert.deepEqual(problems, ['PGSHIFT_KIND_B_URL: expected a postgres:// or postgresql:// URL (got "http://wh/db")']);
});

test('a valid environment parses, with defaults given as text parsed like a set variable', () => {
  const config = loadConfig(
    shape,
    { PGSHIFT_REGISTRY: 'https://registry/apis/ccompat/v7', PGSHIFT_KIND: 'b', PGSHIFT_KIND_B_URL: 'postgresql://u:p@wh:5432/db?sslmode=require' },
    rules,
  );
  assert.deepEqual(config, {
    PGSHIFT_LOG_LEVEL: 'info',
    PGSHIFT_REGISTRY: 'https://registry/apis/ccompat/v7',
    PGSHIFT_KIND: 'b',
    PGSHIFT_KIND_B_URL: 'postgresql://u:p@wh:5432/db?sslmode=require',
    PGSHIFT_ROWS: 10,
  });
});

test('HTTP endpoints must be http or https URLs, connection strings postgres or postgresql URLs', () => {
  const http = env.httpUrl();
  assert.equal(http.safeParse('http://127.0.0.1:58081/apis/ccompat/v7').success, true);
  assert.equal(http.safeParse('ftp://host/x').success, false);
  assert.equal(http.safeParse('registry:8081').success, false);
  const pg = env.postgresUrl();
  assert.equal(pg.safeParse('postgres://u@h/db').success, true);
  assert.equal(pg.safeParse('postgresql://u:p@h:5432/db').success, true);
  assert.equal(pg.safeParse('host=h dbname=db').success, false);
  assert.equal(pg.safeParse('mysql://u@h/db').success, false);
});

test('a logger asked for an unknown level logs at info instead of throwing', () => {
  const logger = createLogger('test', 'loud');
  assert.equal(logger.level, 'info');
  assert.equal(createLogger('test', 'debug').level, 'debug');
});
