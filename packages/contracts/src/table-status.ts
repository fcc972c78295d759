/**
 * What a table is doing, as the loader instance that loads it reports it, periodically, on the status
 * topic (compacted, keyed by `tableKey`). The control service reads it to answer `pgshift tables`.
 *
 * - streaming: applies batches as they arrive
 * - paused: an operator paused it; its batches wait, in order
 * - scheduled-waiting: its schedule's next window has not opened; its batches wait
 * - waiting-for-dependency: the warehouse (or another dependency) fails for a passing reason; retried
 * - stopped: a batch failed for a permanent reason; retried with a backoff, or at once on `retry`
 */
export type TableStateName = 'streaming' | 'paused' | 'scheduled-waiting' | 'waiting-for-dependency' | 'stopped';

export interface TableStatus {
  /** `schema.table`. */
  table: string;
  source?: string;
  /** The change topic. */
  topic: string;
  state: TableStateName;
  /** Why it is not streaming (the error of a stopped or waiting table, who paused it …). */
  reason: string | null;
  /** Since when it is in this state (ISO), when not streaming. */
  since: string | null;
  /** Rows merged (a loader taking the table up continues the count of the latest status). */
  rowsApplied: number;
  batchesApplied: number;
  /** Batches consumed and not applied yet (waiting or being applied). */
  batchesQueued: number;
  /** When the last batch was committed to the warehouse (ISO). */
  lastBatchAt: string | null;
  lastError: string | null;
  /**
   * How far the warehouse copy is behind: `seconds` from the source commit time of the oldest change
   * not applied yet (0 when nothing waits), `batches` consumed and not applied.
   */
  lag: { seconds: number; batches: number };
  schedule: string;
  /** A scheduled table's next window (ISO). */
  nextWindowAt: string | null;
  /** A stopped table's next attempt (ISO). */
  nextRetryAt: string | null;
  /** The loader instance reporting, and the batches-topic partition the table is on. */
  instance: string;
  partition: number | null;
  reportedAt: string;
  /**
   * Why the warehouse copy is not complete although the table streams: a schema change whose effect on
   * the rows already loaded pgshift cannot reproduce (a rename, a retype beyond a widening, a column
   * dropped and added again, a volatile default). Set until a resync of the table has run.
   */
  incomplete?: string;
  /** Room for later reports in the same record (a resync's progress …). */
  resync?: { rowsRead: number; rowsEstimated: number | null; startedAt: string };
}

export function encodeTableStatus(status: TableStatus): string {
  return JSON.stringify(status);
}

export function decodeTableStatus(key: string, value: string): TableStatus {
  const raw = JSON.parse(value) as TableStatus;
  if (typeof raw !== 'object' || raw === null || typeof raw.state !== 'string' || typeof raw.reportedAt !== 'string') {
    throw new Error(`status record ${key}: not a table status`);
  }
  return raw;
}
