import type { TableControl, TableStatus, TableView } from '@pgshift/contracts';

export type { TableView } from '@pgshift/contracts';

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
    ...(status?.incomplete ? { incomplete: status.incomplete } : {}),
  };
}
