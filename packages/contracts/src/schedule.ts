/**
 * When a table loads. `continuous` (the default): as batches arrive. `every <n>m|h`: in windows that
 * open at every multiple of the interval since 00:00 UTC (`every 1h` at each full hour, `every 30m` at
 * :00 and :30). `at HH:MM,…`: in windows that open at those times of day, UTC. Between windows the
 * table's batches accumulate (in order, offsets held); when a window opens, every batch created before
 * that moment is applied, and later batches wait for the next window.
 */
export type Schedule = { kind: 'continuous' } | { kind: 'every'; intervalMs: number } | { kind: 'at'; minutesOfDay: number[] };

export const CONTINUOUS: Schedule = { kind: 'continuous' };

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** A schedule text the parser refuses; the message says what is accepted. */
export class ScheduleError extends Error {
  override name = 'ScheduleError';
}

const ACCEPTED = 'expected `continuous`, `every <n>m` or `every <n>h` (e.g. every 1h), or `at HH:MM[,HH:MM…]` in UTC (e.g. at 02:00,14:00)';

export function parseSchedule(text: string): Schedule {
  const trimmed = text.trim().toLowerCase().replace(/\s+/g, ' ');
  if (trimmed === 'continuous') return CONTINUOUS;
  const every = /^every (\d+) ?(m|min|minutes?|h|hours?)$/.exec(trimmed);
  if (every) {
    const n = Number(every[1]);
    const intervalMs = n * (every[2]!.startsWith('h') ? 60 * MINUTE : MINUTE);
    if (n < 1 || intervalMs > DAY) throw new ScheduleError(`${JSON.stringify(text)}: the interval must be between 1m and 24h`);
    return { kind: 'every', intervalMs };
  }
  const at = /^at (.+)$/.exec(trimmed);
  if (at) {
    const minutes = at[1]!.split(',').map((part) => {
      const time = /^(\d{1,2}):(\d{2})$/.exec(part.trim());
      const hours = Number(time?.[1]);
      const mins = Number(time?.[2]);
      if (!time || hours > 23 || mins > 59) throw new ScheduleError(`${JSON.stringify(text)}: ${JSON.stringify(part.trim())} is not a time HH:MM (UTC)`);
      return hours * 60 + mins;
    });
    return { kind: 'at', minutesOfDay: [...new Set(minutes)].sort((a, b) => a - b) };
  }
  throw new ScheduleError(`${JSON.stringify(text)}: ${ACCEPTED}`);
}

/** The canonical text of a schedule (what the control record stores and the CLI shows). */
export function formatSchedule(schedule: Schedule): string {
  switch (schedule.kind) {
    case 'continuous':
      return 'continuous';
    case 'every':
      return schedule.intervalMs % (60 * MINUTE) === 0 ? `every ${schedule.intervalMs / (60 * MINUTE)}h` : `every ${schedule.intervalMs / MINUTE}m`;
    case 'at':
      return `at ${schedule.minutesOfDay.map((m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`).join(',')}`;
  }
}

/**
 * The opening of the latest window at or before `nowMs`: batches created up to it may be applied now.
 * Continuous: every batch (Infinity).
 */
export function loadableUpTo(schedule: Schedule, nowMs: number): number {
  switch (schedule.kind) {
    case 'continuous':
      return Number.POSITIVE_INFINITY;
    case 'every':
      return Math.floor(nowMs / schedule.intervalMs) * schedule.intervalMs;
    case 'at': {
      const midnight = Math.floor(nowMs / DAY) * DAY;
      const openings = schedule.minutesOfDay.map((m) => midnight + m * MINUTE);
      const today = openings.filter((t) => t <= nowMs);
      return today.length > 0 ? today[today.length - 1]! : openings[openings.length - 1]! - DAY;
    }
  }
}

/** The next window's opening after `nowMs`; null for a continuous table. */
export function nextWindowAfter(schedule: Schedule, nowMs: number): number | null {
  switch (schedule.kind) {
    case 'continuous':
      return null;
    case 'every':
      return (Math.floor(nowMs / schedule.intervalMs) + 1) * schedule.intervalMs;
    case 'at': {
      const midnight = Math.floor(nowMs / DAY) * DAY;
      const later = schedule.minutesOfDay.map((m) => midnight + m * MINUTE).find((t) => t > nowMs);
      return later ?? midnight + DAY + schedule.minutesOfDay[0]! * MINUTE;
    }
  }
}
