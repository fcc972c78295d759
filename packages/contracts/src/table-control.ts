import { decodeReplayRequest, type ReplayRequest } from './replay.js';
import { CONTINUOUS, formatSchedule, parseSchedule, type Schedule } from './schedule.js';

/**
 * What an operator asked of one table, as it stands: the value of the table's record on the control
 * topic (compacted, keyed by `tableKey`), which every loader instance reads from the beginning and
 * follows. A table without a record streams continuously.
 */
export interface TableControl {
  /** `schema.table`. */
  table: string;
  /** The source database the table belongs to, once pgshift replicates several (absent: the only one). */
  source?: string;
  paused: boolean;
  /** Canonical schedule text (`continuous`, `every 1h`, `at 02:00,14:00`). */
  schedule: string;
  /** A stopped table tries its batch again at once when this changes (ISO time of the request). */
  retryRequestedAt: string | null;
  /** The latest replay asked of the table's change topic (the batchers owning its partitions act on it once). */
  replay?: ReplayRequest;
  /** Who made the last change (the actor the CLI sends: $USER or --as). */
  updatedBy: string;
  updatedAt: string;
}

export type ControlAction =
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'retry' }
  | { kind: 'schedule'; schedule: Schedule }
  | { kind: 'replay'; replay: ReplayRequest };

/**
 * The key of a table's control and status records. One source: `schema.table`; with a source name
 * (many sources into one warehouse, later): `source/schema.table`.
 */
export function tableKey(table: { schema: string; table: string; source?: string | undefined }): string {
  const name = `${table.schema}.${table.table}`;
  return table.source ? `${table.source}/${name}` : name;
}

/** The record of a table nobody has acted on. */
export function defaultControl(table: string): TableControl {
  return { table, paused: false, schedule: formatSchedule(CONTINUOUS), retryRequestedAt: null, updatedBy: '', updatedAt: new Date(0).toISOString() };
}

/** The record after an action: pure, so the control service, tests and readers agree on it. */
export function applyControlAction(current: TableControl, action: ControlAction, actor: string, now: Date): TableControl {
  const stamped = { ...current, updatedBy: actor, updatedAt: now.toISOString() };
  switch (action.kind) {
    case 'pause':
      return { ...stamped, paused: true };
    case 'resume':
      return { ...stamped, paused: false };
    case 'retry':
      return { ...stamped, retryRequestedAt: now.toISOString() };
    case 'schedule':
      return { ...stamped, schedule: formatSchedule(action.schedule) };
    case 'replay':
      return { ...stamped, replay: action.replay };
  }
}

/** What an action changed, field by field, for the log line and the API's answer. */
export function controlChanges(before: TableControl, after: TableControl): Record<string, { from: unknown; to: unknown }> {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const field of ['paused', 'schedule', 'retryRequestedAt'] as const) {
    if (before[field] !== after[field]) changes[field] = { from: before[field], to: after[field] };
  }
  if (before.replay?.id !== after.replay?.id) changes.replay = { from: before.replay ?? null, to: after.replay ?? null };
  return changes;
}

/** A control record's JSON value; throws on anything that is not one (the reader skips it, saying so). */
export function decodeTableControl(key: string, value: string): TableControl {
  const raw = JSON.parse(value) as Partial<TableControl>;
  if (typeof raw !== 'object' || raw === null) throw new Error(`control record ${key}: not an object`);
  if (typeof raw.paused !== 'boolean') throw new Error(`control record ${key}: paused must be true or false`);
  const schedule = formatSchedule(parseSchedule(String(raw.schedule ?? 'continuous')));
  return {
    table: typeof raw.table === 'string' ? raw.table : key,
    ...(typeof raw.source === 'string' ? { source: raw.source } : {}),
    paused: raw.paused,
    schedule,
    retryRequestedAt: typeof raw.retryRequestedAt === 'string' ? raw.retryRequestedAt : null,
    ...withReplay(decodeReplayRequest(raw.replay)),
    updatedBy: typeof raw.updatedBy === 'string' ? raw.updatedBy : '',
    updatedAt: typeof raw.updatedAt === 'string' ? raw.updatedAt : new Date(0).toISOString(),
  };
}

function withReplay(replay: ReplayRequest | undefined): { replay?: ReplayRequest } {
  return replay ? { replay } : {};
}

export function encodeTableControl(control: TableControl): string {
  return JSON.stringify(control);
}

/**
 * Every table's control as the control topic says, record by record: a later record of a key replaces
 * the earlier one, a tombstone (null value) removes it. A record that does not decode changes nothing.
 */
export class ControlState {
  private readonly byKey = new Map<string, TableControl>();

  /** Applies one record; returns the table's control after it, or an error for a bad record. */
  apply(key: string, value: string | null): { control: TableControl } | { error: Error } {
    if (value === null) {
      this.byKey.delete(key);
      return { control: defaultControl(key) };
    }
    try {
      const control = decodeTableControl(key, value);
      this.byKey.set(key, control);
      return { control };
    } catch (error) {
      return { error: error instanceof Error ? error : new Error(String(error)) };
    }
  }

  /** The table's record, if it has one. */
  find(key: string): TableControl | undefined {
    return this.byKey.get(key);
  }

  get(key: string): TableControl {
    return this.byKey.get(key) ?? defaultControl(key);
  }

  /** The tables that have a record. */
  all(): TableControl[] {
    return [...this.byKey.values()];
  }
}
