import type { TableControl, TableStateName, TableStatus } from '@pgshift/contracts';

/** One table as the API answers: the loader's latest report and the operator's control, side by side. */
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
}

/** Every table either side knows, by name; a table known from one side only is shown with what there is. */
export function tableViews(controls: readonly TableControl[], statuses: readonly TableStatus[], now: number, staleAfterMs: number): TableView[] {
  const byName = new Map<string, { control?: TableControl; status?: TableStatus }>();
  for (const control of controls) byName.set(control.table, { ...byName.get(control.table), control });
  for (const status of statuses) byName.set(status.table, { ...byName.get(status.table), status });
  return [...byName.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([table, { control, status }]) => tableView(table, control, status, now, staleAfterMs));
}

export function tableView(table: string, control: TableControl | undefined, status: TableStatus | undefined, now: number, staleAfterMs: number): TableView {
  return {
    table,
    ...((control?.source ?? status?.source) ? { source: control?.source ?? status?.source } : {}),
    state: status?.state ?? 'unknown',
    reason: status?.reason ?? null,
    paused: control?.paused ?? false,
    schedule: control?.schedule ?? status?.schedule ?? 'continuous',
    lag: status?.lag ?? null,
    rowsApplied: status?.rowsApplied ?? null,
    batchesQueued: status?.batchesQueued ?? null,
    lastBatchAt: status?.lastBatchAt ?? null,
    lastError: status?.lastError ?? null,
    nextWindowAt: status?.nextWindowAt ?? null,
    nextRetryAt: status?.nextRetryAt ?? null,
    instance: status?.instance ?? null,
    reportedAt: status?.reportedAt ?? null,
    stale: status === undefined || now - Date.parse(status.reportedAt) > staleAfterMs,
    control: control ? { updatedBy: control.updatedBy, updatedAt: control.updatedAt } : null,
    ...(status?.resync ? { resync: status.resync } : {}),
  };
}
