import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TableView } from './control-client.js';
import { duration, formatAction, formatTables } from './format-tables.js';

const now = Date.parse('2026-12-02T06:00:00Z');

function view(table: string, over: Partial<TableView> = {}): TableView {
  return {
    table,
    state: 'streaming',
    reason: null,
    paused: false,
    schedule: 'continuous',
    lag: { seconds: 0, batches: 0 },
    rowsApplied: 1234567,
    batchesQueued: 0,
    lastBatchAt: '2026-12-02T05:59:48.000Z',
    lastError: null,
    nextWindowAt: null,
    nextRetryAt: null,
    instance: 'loader-1',
    reportedAt: '2026-12-02T05:59:59.000Z',
    stale: false,
    control: null,
    ...over,
  };
}

test('the list is one aligned line per table with state, lag, rows applied, last batch and last error, then a count per state', () => {
  const text = formatTables(
    [
      view('shop.customers'),
      view('shop.orders', { state: 'paused', paused: true, lag: { seconds: 95, batches: 7 }, control: { updatedBy: 'alice', updatedAt: '' } }),
      view('shop.events', {
        state: 'scheduled-waiting',
        schedule: 'every 1h',
        nextWindowAt: '2026-12-02T07:00:00.000Z',
        lag: { seconds: 1800, batches: 1 },
      }),
      view('shop.readings', {
        state: 'stopped',
        nextRetryAt: '2026-12-02T06:04:00.000Z',
        lastError: 'incompatible schema change on shop.readings.value:\n the warehouse has integer, the batch needs text',
        rowsApplied: null,
        lastBatchAt: null,
        lag: null,
        stale: true,
        reportedAt: '2026-12-02T05:50:00.000Z',
      }),
    ],
    now,
  );
  assert.equal(
    text,
    [
      'TABLE           STATE                                                          LAG              ROWS APPLIED  LAST BATCH  LAST ERROR',
      'shop.customers  streaming                                                      0s · 0 batches   1,234,567     12s ago',
      'shop.orders     paused (by alice)                                              95s · 7 batches  1,234,567     12s ago',
      'shop.events     scheduled-waiting (every 1h, next 2026-12-02 07:00Z)           30m · 1 batch    1,234,567     12s ago',
      'shop.readings   stopped (retry 2026-12-02 06:04Z; stale: last report 10m ago)  —                —             —           incompatible schema change on shop.readings.value: the warehouse has integer, the batch n…',
      '4 tables: 1 streaming, 1 paused, 1 scheduled-waiting, 1 stopped',
      '',
    ].join('\n'),
  );
});

test('an intent the loaders have not reported yet is shown beside the state', () => {
  assert.match(formatTables([view('shop.orders', { paused: true })], now), /streaming \(pause asked\)/);
  assert.match(
    formatTables([view('shop.orders', { state: 'unknown', paused: true, stale: true, reportedAt: null })], now),
    /unknown \(pause asked; no report\)/,
  );
  assert.match(formatTables([], now), /no tables/);
});

test('an action prints what it changed, or that nothing had to', () => {
  const result = { table: 'shop.orders', action: 'pause', actor: 'alice', known: true, view: null };
  assert.equal(formatAction({ ...result, changes: { paused: { from: false, to: true } } }), 'pause shop.orders by alice: paused false → true\n');
  assert.equal(formatAction({ ...result, changes: {} }), 'pause shop.orders by alice: no change (already so)\n');
});

test('durations read at a glance', () => {
  assert.deepEqual([duration(4.4), duration(119), duration(600), duration(7_200), duration(200_000)], ['4s', '119s', '10m', '2.0h', '2.3d']);
});

test('a table whose copy is incomplete after a schema change says so, with the reason, beside its state', () => {
  assert.match(
    formatTables([view('shop.people', { incomplete: 'shop.people: name gone and full_name new in one schema change (a rename?)' })], now),
    /streaming \(incomplete: shop\.people: name gone and full_name new in one schema chan…\)/,
  );
});

test('coloured, the state is painted after padding: the columns line up as without colour', () => {
  const views = [view('shop.orders', {}), view('shop.stopped_one', { state: 'stopped', lastError: 'boom' })];
  const plain = formatTables(views, now);
  const coloured = formatTables(views, now, { colour: true });
  assert.notEqual(coloured, plain);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the ANSI escape is what is stripped
  assert.equal(coloured.replace(/\x1b\[\d+m/g, ''), plain);
  assert.ok(coloured.includes('\x1b[32mstreaming'));
  assert.ok(coloured.includes('\x1b[31mstopped'));
});
