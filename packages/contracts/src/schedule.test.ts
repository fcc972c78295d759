import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSchedule, loadableUpTo, nextWindowAfter, parseSchedule, ScheduleError } from './schedule.js';

const at = (iso: string) => Date.parse(iso);

test('schedules parse from what an operator types and print back canonically', () => {
  assert.deepEqual(parseSchedule('continuous'), { kind: 'continuous' });
  assert.deepEqual(parseSchedule(' Every  1h '), { kind: 'every', intervalMs: 3_600_000 });
  assert.deepEqual(parseSchedule('every 90m'), { kind: 'every', intervalMs: 5_400_000 });
  assert.deepEqual(parseSchedule('at 14:00, 2:00,14:00'), { kind: 'at', minutesOfDay: [120, 840] });
  assert.equal(formatSchedule(parseSchedule('every 120 minutes')), 'every 2h');
  assert.equal(formatSchedule(parseSchedule('every 90m')), 'every 90m');
  assert.equal(formatSchedule(parseSchedule('at 14:00,2:05')), 'at 02:05,14:00');
});

test('a schedule that is not one is refused with what is accepted', () => {
  for (const bad of ['hourly', 'every 0m', 'every 25h', 'every 5s', 'at 24:00', 'at 2pm', 'at ', '']) {
    assert.throws(() => parseSchedule(bad), ScheduleError, bad);
  }
  assert.throws(() => parseSchedule('hourly'), /continuous.*every <n>m.*at HH:MM/);
});

test('a continuous table may apply every batch at any time and has no next window', () => {
  assert.equal(loadableUpTo({ kind: 'continuous' }, Date.now()), Number.POSITIVE_INFINITY);
  assert.equal(nextWindowAfter({ kind: 'continuous' }, Date.now()), null);
});

test('every 1h opens at each full hour UTC: batches created before the latest opening load, later ones wait for the next', () => {
  const hourly = parseSchedule('every 1h');
  assert.equal(loadableUpTo(hourly, at('2026-12-02T10:30:00Z')), at('2026-12-02T10:00:00Z'));
  assert.equal(loadableUpTo(hourly, at('2026-12-02T11:00:00Z')), at('2026-12-02T11:00:00Z'), 'a window opens at its instant');
  assert.equal(nextWindowAfter(hourly, at('2026-12-02T10:30:00Z')), at('2026-12-02T11:00:00Z'));
  assert.equal(nextWindowAfter(hourly, at('2026-12-02T11:00:00Z')), at('2026-12-02T12:00:00Z'));
});

test('at 02:00,14:00 opens at those times UTC, the latest one possibly yesterday, the next possibly tomorrow', () => {
  const twice = parseSchedule('at 02:00,14:00');
  assert.equal(loadableUpTo(twice, at('2026-12-02T01:00:00Z')), at('2026-12-01T14:00:00Z'));
  assert.equal(loadableUpTo(twice, at('2026-12-02T13:59:59Z')), at('2026-12-02T02:00:00Z'));
  assert.equal(loadableUpTo(twice, at('2026-12-02T23:00:00Z')), at('2026-12-02T14:00:00Z'));
  assert.equal(nextWindowAfter(twice, at('2026-12-02T01:00:00Z')), at('2026-12-02T02:00:00Z'));
  assert.equal(nextWindowAfter(twice, at('2026-12-02T14:00:00Z')), at('2026-12-03T02:00:00Z'));
});
