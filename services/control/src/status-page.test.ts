import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ControlState } from '@pgshift/contracts';
import { createLogger } from '@pgshift/runtime';
import { Registry } from 'prom-client';
import { buildControlApi } from './api.js';
import { createControlMetrics } from './metrics.js';
import { tableViews } from './table-views.js';

const token = 'test-token-0123456789';

function api() {
  const state = new ControlState();
  return buildControlApi({
    token,
    store: {
      views: () => tableViews(state.all(), [], Date.now(), 60_000),
      view: () => null,
      act: async () => {
        throw new Error('not in this test');
      },
      replayRequest: async () => null,
    },
    logger: createLogger('control-test', 'silent'),
    metrics: createControlMetrics(new Registry()),
  });
}

test('the status page and its files load without the token, and hold no data', async () => {
  const app = api();
  const page = await app.inject({ method: 'GET', url: '/status' });
  assert.equal(page.statusCode, 200);
  assert.match(page.headers['content-type'] as string, /^text\/html/);
  assert.match(page.body, /<script type="module" src="\/status\/status-page.js">/);
  assert.match(page.headers['content-security-policy'] as string, /script-src 'self'/);
  for (const [url, type] of [
    ['/status/status-page.js', /^text\/javascript/],
    ['/status/status-page.css', /^text\/css/],
  ] as const) {
    const file = await app.inject({ method: 'GET', url });
    assert.equal(file.statusCode, 200, url);
    assert.match(file.headers['content-type'] as string, type);
  }
  const root = await app.inject({ method: 'GET', url: '/' });
  assert.equal(root.statusCode, 302);
  assert.equal(root.headers.location, '/status');
});

test('the page opens no way around the token: the API and other paths still need it', async () => {
  const app = api();
  for (const [method, url] of [
    ['GET', '/v1/tables'],
    ['GET', '/status/other.js'],
    ['GET', '/status/../v1/tables'],
    ['POST', '/status'],
  ] as const) {
    const response = await app.inject({ method, url });
    assert.equal(response.statusCode, 401, `${method} ${url}`);
  }
});

test('the page puts values in as text, never as HTML (table names are user data)', async () => {
  const script = (await api().inject({ method: 'GET', url: '/status/status-page.js' })).body;
  assert.doesNotMatch(script, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  assert.match(script, /sessionStorage/);
  assert.match(script, /authorization: `Bearer/);
  assert.match(script, /'x-pgshift-actor'/);
  assert.match(script, /window\.confirm/);
});
