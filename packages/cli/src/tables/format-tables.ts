import type { ReplayRequest } from '@pgshift/contracts';
import { paint } from '../colour.js';
import { type CellStyle, formatColumns } from '../format-table.js';
import type { ActionResult, TableView } from './control-client.js';

/** `pgshift tables`: one line per table (table, state, lag, rows applied, last batch, last error), then a summary. */
export function formatTables(views: readonly TableView[], now: number, { colour = false } = {}): string {
  if (views.length === 0) return 'no tables: no loader has reported one yet, and none has a control record\n';
  const rows = views.map((v) => [
    v.source ? `${v.source}/${v.table}` : v.table,
    stateText(v, now),
    v.lag === null ? '—' : `${duration(v.lag.seconds)} · ${v.lag.batches} ${v.lag.batches === 1 ? 'batch' : 'batches'}`,
    v.rowsApplied === null ? '—' : v.rowsApplied.toLocaleString('en-US'),
    v.lastBatchAt === null ? '—' : `${duration((now - Date.parse(v.lastBatchAt)) / 1000)} ago`,
    oneLine(v.lastError ?? '', 90),
  ]);
  const counts = new Map<string, number>();
  for (const v of views) counts.set(v.state, (counts.get(v.state) ?? 0) + 1);
  const summary = [...counts.entries()].map(([state, n]) => `${n} ${state}`).join(', ');
  const style: CellStyle | undefined = colour
    ? (cell, row, column) =>
        row === -1 ? paint.bold(cell) : column === 1 ? stateColour(views[row]?.state)(cell) : column === 5 && cell.trim() !== '' ? paint.red(cell) : cell
    : undefined;
  const table = formatColumns(['TABLE', 'STATE', 'LAG', 'ROWS APPLIED', 'LAST BATCH', 'LAST ERROR'], rows, style)
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
  return `${table}${views.length} ${views.length === 1 ? 'table' : 'tables'}: ${summary}\n`;
}

/** Green streaming, yellow held (paused, between windows, waiting), red stopped, dim unknown. */
function stateColour(state: TableView['state'] | undefined): (text: string) => string {
  if (state === 'streaming') return paint.green;
  if (state === 'stopped') return paint.red;
  if (state === 'unknown' || state === undefined) return paint.dim;
  return paint.yellow;
}

function stateText(v: TableView, now: number): string {
  const notes: string[] = [];
  if (v.state === 'paused' && v.control?.updatedBy) notes.push(`by ${v.control.updatedBy}`);
  if (v.state === 'scheduled-waiting') notes.push(`${v.schedule}, next ${clock(v.nextWindowAt)}`);
  else if (v.schedule !== 'continuous') notes.push(v.schedule);
  if (v.state === 'stopped' && v.nextRetryAt) notes.push(`retry ${clock(v.nextRetryAt)}`);
  if (v.state === 'waiting-for-dependency' && v.reason) notes.push(oneLine(v.reason, 40));
  // The operator's intent not yet reported by the loader (it reports every status interval).
  if (v.paused && v.state !== 'paused') notes.push('pause asked');
  if (!v.paused && v.state === 'paused') notes.push('resume asked');
  if (v.incomplete) notes.push(`incomplete: ${oneLine(v.incomplete, 60)}`);
  if (v.stale) notes.push(v.reportedAt ? `stale: last report ${duration((now - Date.parse(v.reportedAt)) / 1000)} ago` : 'no report');
  return notes.length > 0 ? `${v.state} (${notes.join('; ')})` : v.state;
}

/** What an action changed, one line. */
export function formatAction(result: ActionResult): string {
  const changes = Object.entries(result.changes).map(([field, { from, to }]) =>
    field === 'replay' ? describeReplay(to as ReplayRequest) : `${field} ${String(from)} → ${String(to)}`,
  );
  return `${result.action} ${result.table} by ${result.actor}: ${changes.length > 0 ? changes.join(', ') : 'no change (already so)'}\n`;
}

function describeReplay(replay: ReplayRequest): string {
  const partitions = replay.offsets.map((o) => `${o.partition}@${o.offset}`).join(', ');
  return `replay of ${replay.topic} from ${replay.from} (partition@offset: ${partitions || 'none'}); the batchers owning them read again from there, never past what they committed`;
}

/** 42s, 12m, 3.1h, 2.0d. */
export function duration(seconds: number): string {
  const s = Math.max(0, seconds);
  if (s < 120) return `${Math.round(s)}s`;
  if (s < 7_200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${(s / 3_600).toFixed(1)}h`;
  return `${(s / 86_400).toFixed(1)}d`;
}

function clock(iso: string | null): string {
  if (!iso) return '?';
  return `${iso.slice(0, 16).replace('T', ' ')}Z`;
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
