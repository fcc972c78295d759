import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyControlAction, type ControlAction, ControlState, controlChanges, encodeTableControl, replayOffsets } from '@pgshift/contracts';
import { createLogger } from '@pgshift/runtime';
import { Registry } from 'prom-client';
import { buildControlApi, type ControlStore } from './api.js';
import { createControlMetrics } from './metrics.js';
import { tableViews } from './table-views.js';

const token = 'test-token-0123456789';

/** The API over an in-memory store: what it writes, as the control service would. */
function api({ failWrites = false } = {}) {
  const state = new ControlState();
  const written: { table: string; action: ControlAction; actor: string }[] = [];
  const store: ControlStore = {
    views: () => tableViews(state.all(), [], Date.now(), 60_000),
    view: (table) => tableViews(state.all(), [], Date.now(), 60_000).find((v) => v.table === table) ?? null,
    act: async (table, action, actor) => {
      if (failWrites) throw new Error('broker unreachable');
      written.push({ table, action, actor });
      const before = state.get(table);
      const after = applyControlAction(before, action, actor, new Date());
      state.apply(table, encodeTableControl(after));
      return { before, after, changes: controlChanges(before, after) };
    },
    replayRequest: async (table, from, text) =>
      table === 'shop.orders'
        ? { id: 'replay-1', topic: 'pgshift.shop.orders', from: text, offsets: replayOffsets(from, [{ partition: 0, low: 3n, high: 90n }]) }
        : null,
  };
  const metrics = createControlMetrics(new Registry());
  const app = buildControlApi({ token, store, logger: createLogger('control-test', 'silent'), metrics });
  return { app, written };
}

const auth = { authorization: `Bearer ${token}` };

test('no request is answered without the token, reads included', async () => {
  const { app, written } = api();
  for (const [method, url] of [
    ['GET', '/v1/tables'],
    ['GET', '/v1/tables/shop.orders'],
    ['POST', '/v1/tables/shop.orders/pause'],
    ['PUT', '/v1/tables/shop.orders/schedule'],
    ['GET', '/anything'],
  ] as const) {
    for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789' }]) {
      const response = await app.inject({ method, url, headers: { ...headers, 'x-pgshift-actor': 'eve' } });
      assert.equal(response.statusCode, 401, `${method} ${url}`);
      assert.match(response.headers['www-authenticate'] as string, /^Bearer/);
    }
  }
  assert.deepEqual(written, []);
});

test('an action without an actor is refused and writes nothing', async () => {
  const { app, written } = api();
  const response = await app.inject({ method: 'POST', url: '/v1/tables/shop.orders/pause', headers: auth });
  assert.equal(response.statusCode, 400);
  assert.match(response.json().error, /x-pgshift-actor/);
  assert.deepEqual(written, []);
});

test('pause, schedule and resume write the table control record with the actor, and the list shows it', async () => {
  const { app, written } = api();
  const headers = { ...auth, 'x-pgshift-actor': 'alice' };
  const paused = await app.inject({ method: 'POST', url: '/v1/tables/shop.orders/pause', headers });
  assert.equal(paused.statusCode, 200, paused.body);
  assert.deepEqual(paused.json().changes, { paused: { from: false, to: true } });
  assert.equal(paused.json().known, false, 'no loader reported the table yet: said so');
  const scheduled = await app.inject({ method: 'PUT', url: '/v1/tables/shop.orders/schedule', headers, payload: { schedule: 'every 60m' } });
  assert.equal(scheduled.statusCode, 200, scheduled.body);
  assert.equal(scheduled.json().control.schedule, 'every 1h');
  const resumed = await app.inject({ method: 'POST', url: '/v1/tables/shop.orders/resume', headers });
  assert.equal(resumed.json().known, false, 'its own control record does not make a table known');
  assert.deepEqual(
    written.map((w) => [w.table, w.action.kind, w.actor]),
    [
      ['shop.orders', 'pause', 'alice'],
      ['shop.orders', 'schedule', 'alice'],
      ['shop.orders', 'resume', 'alice'],
    ],
  );
  const list = await app.inject({ method: 'GET', url: '/v1/tables', headers: auth });
  const [view] = list.json().tables;
  assert.deepEqual([view.table, view.paused, view.schedule, view.control.updatedBy], ['shop.orders', false, 'every 1h', 'alice']);
  const one = await app.inject({ method: 'GET', url: '/v1/tables/shop.orders', headers: auth });
  assert.equal(one.json().schedule, 'every 1h');
  assert.equal((await app.inject({ method: 'GET', url: '/v1/tables/shop.nope', headers: auth })).statusCode, 404);
});

test('a bad schedule or table name is a 400 that says what is accepted; a write that fails is a 503 and changes nothing', async () => {
  const { app, written } = api();
  const headers = { ...auth, 'x-pgshift-actor': 'alice' };
  const bad = await app.inject({ method: 'PUT', url: '/v1/tables/shop.orders/schedule', headers, payload: { schedule: 'hourly' } });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().error, /every <n>m/);
  assert.equal((await app.inject({ method: 'PUT', url: '/v1/tables/shop.orders/schedule', headers, payload: {} })).statusCode, 400);
  assert.equal((await app.inject({ method: 'POST', url: '/v1/tables/orders/pause', headers })).statusCode, 400);
  assert.deepEqual(written, []);
  const failing = api({ failWrites: true });
  const response = await failing.app.inject({ method: 'POST', url: '/v1/tables/shop.orders/retry', headers });
  assert.equal(response.statusCode, 503);
  assert.match(response.json().error, /broker unreachable.*nothing changed/);
});

test('a replay is resolved to offsets per partition and written as the table control record; a bad start or an unknown topic writes nothing', async () => {
  const { app, written } = api();
  const headers = { ...auth, 'x-pgshift-actor': 'alice' };
  const ok = await app.inject({ method: 'POST', url: '/v1/tables/shop.orders/replay', headers, payload: { from: 'earliest' } });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.deepEqual(ok.json().control.replay, { id: 'replay-1', topic: 'pgshift.shop.orders', from: 'earliest', offsets: [{ partition: 0, offset: '3' }] });
  assert.equal(written.length, 1);
  const bad = await app.inject({ method: 'POST', url: '/v1/tables/shop.orders/replay', headers, payload: { from: 'yesterday' } });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().error, /expected earliest/);
  const missing = await app.inject({ method: 'POST', url: '/v1/tables/shop.orders/replay', headers, payload: {} });
  assert.equal(missing.statusCode, 400);
  const unknown = await app.inject({ method: 'POST', url: '/v1/tables/shop.nothing/replay', headers, payload: { from: '0' } });
  assert.equal(unknown.statusCode, 404);
  assert.match(unknown.json().error, /change topic is not known/);
  assert.equal(written.length, 1);
});
