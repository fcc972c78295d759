import type { TableStateName, TableStatus } from './table-status.js';

/**
 * One table as the control API answers it (GET /v1/tables): the loader's latest report and the
 * operator's control, side by side. The control service builds it; the CLI reads it.
 */
export interface TableView {
  table: string;
  source?: string;
  /** `unknown`: no loader has reported the table yet (it may only have a control record). */
  state: TableStateName | 'unknown';
  reason: string | null;
  /** The operator's intent (the control record): the loader's state follows within a status interval. */
  paused: boolean;
  schedule: string;
  lag: { seconds: number; batches: number } | null;
  rowsApplied: number | null;
  batchesQueued: number | null;
  lastBatchAt: string | null;
  lastError: string | null;
  nextWindowAt: string | null;
  nextRetryAt: string | null;
  instance: string | null;
  reportedAt: string | null;
  /** The last report is older than the stale limit: no running loader reports this table. */
  stale: boolean;
  control: { updatedBy: string; updatedAt: string } | null;
  resync?: TableStatus['resync'];
  /** TableStatus.incomplete: the copy misses what a schema change did to the rows already loaded, until a resync. */
  incomplete?: string;
}
