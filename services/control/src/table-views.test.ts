import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyControlAction, defaultControl, type TableStatus } from '@pgshift/contracts';
import { tableViews } from './table-views.js';

const now = Date.parse('2026-12-02T06:00:00Z');

function status(table: string, over: Partial<TableStatus> = {}): TableStatus {
  return {
    table,
    topic: `pgshift.${table}`,
    state: 'streaming',
    reason: null,
    since: null,
    rowsApplied: 10,
    batchesApplied: 2,
    batchesQueued: 0,
    lastBatchAt: '2026-12-02T05:59:58.000Z',
    lastError: null,
    lag: { seconds: 0, batches: 0 },
    schedule: 'continuous',
    nextWindowAt: null,
    nextRetryAt: null,
    instance: 'loader-1',
    partition: 3,
    reportedAt: '2026-12-02T05:59:59.000Z',
    ...over,
  };
}

test('every table either side knows is listed, by name: the loader report beside the operator intent', () => {
  const paused = applyControlAction(defaultControl('shop.orders'), { kind: 'pause' }, 'alice', new Date(now - 5_000));
  const onlyControlled = applyControlAction(defaultControl('shop.later'), { kind: 'pause' }, 'alice', new Date(now));
  const views = tableViews(
    [paused, onlyControlled],
    [status('shop.orders', { state: 'paused', reason: 'paused by alice' }), status('shop.customers')],
    now,
    60_000,
  );
  assert.deepEqual(
    views.map((v) => [v.table, v.state, v.paused, v.stale]),
    [
      ['shop.customers', 'streaming', false, false],
      ['shop.later', 'unknown', true, true],
      ['shop.orders', 'paused', true, false],
    ],
  );
  assert.deepEqual(views[2]!.control, { updatedBy: 'alice', updatedAt: new Date(now - 5_000).toISOString() });
  assert.equal(views[1]!.rowsApplied, null, 'nothing is made up for a table no loader reported');
});

test('a report older than the stale limit is marked stale (no running loader reports the table)', () => {
  const [view] = tableViews([], [status('shop.orders', { reportedAt: '2026-12-02T05:58:00.000Z' })], now, 60_000);
  assert.equal(view!.stale, true);
  assert.equal(view!.state, 'streaming', 'the last state reported is kept');
});

test('a resync progress a later loader reports travels in the same view', () => {
  const resync = { rowsRead: 5, rowsEstimated: 10, startedAt: '2026-12-02T05:00:00.000Z' };
  const [view] = tableViews([], [status('shop.orders', { resync })], now, 60_000);
  assert.deepEqual(view!.resync, resync);
});
