import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkConnect, connectorFindings, firstLine } from './connect.js';
import { type GroupLag, lagFinding } from './consumer-lag.js';
import { checkLoader, loaderFindings } from './loader-readiness.js';

const connect = 'http://connect:8083';
const trace =
  'org.apache.kafka.connect.errors.ConnectException: Tolerance exceeded in error handler\n\tat org.apache.kafka…\nCaused by: java.net.ConnectException: refused';

test("a FAILED task is an error with its trace's first line and the restart that brings it back", () => {
  const findings = connectorFindings(connect, 'pgshift-source', {
    name: 'pgshift-source',
    connector: { state: 'RUNNING' },
    tasks: [{ id: 0, state: 'FAILED', trace }],
  });
  assert.deepEqual(
    findings.map((f) => [f.check, f.severity]),
    [
      ['connector', 'ok'],
      ['connector-task', 'error'],
    ],
  );
  assert.match(
    findings[1]!.message,
    /^task pgshift-source\/0 is FAILED: org\.apache\.kafka\.connect\.errors\.ConnectException: Tolerance exceeded in error handler;/,
  );
  assert.match(findings[1]!.fix!, /curl -X POST 'http:\/\/connect:8083\/connectors\/pgshift-source\/restart\?includeTasks=true&onlyFailed=true'/);
  assert.equal(firstLine(undefined), 'no trace');
});

test('a connector that is not registered is an error; paused a warning; running with running tasks ok', () => {
  assert.equal(connectorFindings(connect, 'x', null)[0]!.severity, 'error');
  assert.equal(connectorFindings(connect, 'x', { name: 'x', connector: { state: 'PAUSED' }, tasks: [{ id: 0, state: 'PAUSED' }] })[0]!.severity, 'warn');
  assert.deepEqual(
    connectorFindings(connect, 'x', { name: 'x', connector: { state: 'RUNNING' }, tasks: [{ id: 0, state: 'RUNNING' }] }).map((f) => f.severity),
    ['ok', 'ok'],
  );
  assert.deepEqual(
    connectorFindings(connect, 'x', { name: 'x', connector: { state: 'RUNNING' }, tasks: [] }).map((f) => f.severity),
    ['ok', 'error'],
  );
});

test('an unreachable Connect is "could not check", not a finding about the connector', async () => {
  const refused = (async () => {
    throw new TypeError('fetch failed');
  }) as typeof fetch;
  assert.deepEqual(
    (await checkConnect(connect, 'x', refused)).map((f) => [f.check, f.severity]),
    [['connector', 'unchecked']],
  );
  const notFound = (async () => new Response('{"error_code":404}', { status: 404 })) as typeof fetch;
  assert.equal((await checkConnect(connect, 'x', notFound))[0]!.severity, 'error');
});

const lag = (overrides: Partial<GroupLag> = {}): GroupLag => ({
  group: 'pgshift-batcher',
  role: 'change topics',
  state: 'Stable',
  members: 2,
  topics: 3,
  partitions: 9,
  lag: 12n,
  uncommitted: 0,
  ...overrides,
});

test('a consumer group without members is a warning: nothing consumes; a running one reports its lag', () => {
  const stopped = lagFinding(lag({ members: 0, state: 'Empty', lag: 500n }), 'batcher');
  assert.equal(stopped.severity, 'warn');
  assert.equal(
    stopped.message,
    'consumer group pgshift-batcher has no member (Empty): no batcher is running; 500 records wait on 9 partitions of 3 change topics',
  );
  const running = lagFinding(lag(), 'batcher');
  assert.deepEqual(
    [running.severity, running.message],
    ['ok', 'consumer group pgshift-batcher (2 members, Stable) is 12 records behind on 9 partitions of 3 change topics'],
  );
  assert.deepEqual(
    [lagFinding(lag({ topics: 0 }), 'batcher').severity, lagFinding(lag({ topics: 0 }), 'batcher').message],
    ['info', 'consumer group pgshift-batcher: no change topics in Kafka yet, nothing to consume'],
  );
});

test("a loader's stopped table is an error with its reason and next retry; a waiting one a warning", () => {
  const findings = loaderFindings('http://loader:59102', {
    status: 'not ready',
    joined: true,
    tables: {
      'shop.orders': {
        state: 'stopped',
        reason: 'incompatible schema change on shop.orders.total',
        since: '2026-01-01T00:00:00.000Z',
        attempts: 3,
        nextRetry: '2026-01-01T00:04:00.000Z',
        queued: 2,
      },
      'shop.items': { state: 'waiting', reason: 'connect ECONNREFUSED' },
      'shop.ok': { state: 'running' },
    },
  });
  assert.deepEqual(
    findings.map((f) => [f.check, f.severity, f.subjects]),
    [
      ['loader-table', 'error', ['shop.orders']],
      ['loader-table', 'warn', ['shop.items']],
    ],
  );
  assert.equal(
    findings[0]!.message,
    'shop.orders is stopped on loader http://loader:59102 since 2026-01-01T00:00:00.000Z, 3 attempts: incompatible schema change on shop.orders.total; its batches wait (2 queued)',
  );
  assert.match(findings[0]!.fix!, /at 2026-01-01T00:04:00\.000Z/);
  assert.deepEqual(
    loaderFindings('http://l', { status: 'ready', joined: true, tables: { a: { state: 'running' } } }).map((f) => [f.severity, f.message]),
    [['ok', 'loader http://l is ready: 1 table, none stopped or waiting']],
  );
});

test("a loader's 503 /readyz is read for its detail; no answer is could-not-check", async () => {
  const notReady = (async () => new Response(JSON.stringify({ status: 'not ready', joined: false, tables: {} }), { status: 503 })) as typeof fetch;
  assert.deepEqual(
    (await checkLoader('http://l', notReady)).map((f) => f.severity),
    ['warn'],
  );
  const refused = (async () => {
    throw new TypeError('fetch failed');
  }) as typeof fetch;
  assert.deepEqual(
    (await checkLoader('http://l', refused)).map((f) => f.severity),
    ['unchecked'],
  );
});
