import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSchedule } from './schedule.js';
import { applyControlAction, ControlState, controlChanges, defaultControl, encodeTableControl, tableKey } from './table-control.js';

const now = new Date('2026-12-02T06:00:00Z');

test('a table is keyed schema.table, and source/schema.table once it names its source', () => {
  assert.equal(tableKey({ schema: 'shop', table: 'orders' }), 'shop.orders');
  assert.equal(tableKey({ schema: 'shop', table: 'orders', source: 'billing' }), 'billing/shop.orders');
});

test('each action changes only its own field and records who asked and when', () => {
  const start = defaultControl('shop.orders');
  const paused = applyControlAction(start, { kind: 'pause' }, 'alice', now);
  assert.deepEqual(paused, { ...start, paused: true, updatedBy: 'alice', updatedAt: now.toISOString() });
  const scheduled = applyControlAction(paused, { kind: 'schedule', schedule: parseSchedule('every 60m') }, 'bob', now);
  assert.equal(scheduled.schedule, 'every 1h');
  assert.equal(scheduled.paused, true, 'a schedule change keeps the pause');
  const resumed = applyControlAction(scheduled, { kind: 'resume' }, 'bob', now);
  assert.equal(resumed.paused, false);
  assert.equal(resumed.schedule, 'every 1h', 'resuming keeps the schedule');
  const retried = applyControlAction(resumed, { kind: 'retry' }, 'carol', now);
  assert.equal(retried.retryRequestedAt, now.toISOString());
  assert.deepEqual(controlChanges(resumed, retried), { retryRequestedAt: { from: null, to: now.toISOString() } });
  assert.deepEqual(controlChanges(start, paused), { paused: { from: false, to: true } });
});

test('the control state is the latest record per key: a tombstone resets the table, a bad record changes nothing', () => {
  const state = new ControlState();
  assert.deepEqual(state.get('shop.orders'), defaultControl('shop.orders'), 'no record: continuous, not paused');
  const paused = applyControlAction(defaultControl('shop.orders'), { kind: 'pause' }, 'alice', now);
  assert.deepEqual(state.apply('shop.orders', encodeTableControl(paused)), { control: paused });
  const bad = state.apply('shop.orders', '{"paused":"yes"}');
  assert.ok('error' in bad && /paused must be true or false/.test(bad.error.message));
  assert.ok('error' in state.apply('shop.orders', 'not json'));
  assert.ok('error' in state.apply('shop.orders', JSON.stringify({ ...paused, schedule: 'hourly' })));
  assert.equal(state.get('shop.orders').paused, true, 'bad records are skipped');
  assert.deepEqual(
    state.all().map((c) => c.table),
    ['shop.orders'],
  );
  state.apply('shop.orders', null);
  assert.equal(state.get('shop.orders').paused, false);
  assert.deepEqual(state.all(), []);
});
