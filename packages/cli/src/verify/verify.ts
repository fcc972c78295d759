import { setTimeout as sleep } from 'node:timers/promises';
import type { SourceTableName } from './catalog.js';
import { publishedTables } from './catalog.js';
import { CURRENT_LSN_SQL, formatLsn, lsnToBigInt } from './lsn.js';
import type { TableReport } from './table-report.js';
import { type Connections, type TableVerifyOptions, verifyTable } from './verify-table.js';

/** Which source tables to compare: named ones, one schema's, or (neither) every published table. */
export interface TableSelection {
  tables?: SourceTableName[] | undefined;
  schema?: string | undefined;
  /** The source publication Debezium reads; default `pgshift`. */
  publication?: string | undefined;
}

export interface VerifyOptions extends TableVerifyOptions {
  selection: TableSelection;
  /** Keep comparing the tables not in sync until they are, or this long has passed; 0: compare once. */
  waitTimeoutMs: number;
  /** First pause between passes; doubles up to 10 s. */
  pollIntervalMs?: number;
  /** Called after each table of each pass (progress on stderr). */
  onTable?: (report: TableReport, pass: number) => void;
}

export interface VerifyReport {
  inSync: boolean;
  /** The source's WAL position when verify started: what the pipeline had to reach. */
  sourceLsn: string;
  /** The highest `_pgshift_lsn` of the compared warehouse tables, as an LSN; null when none. */
  warehouseMaxLsn: string | null;
  /**
   * WAL bytes between the two. An upper bound on the pipeline's lag: tables written long ago keep old
   * LSNs, and the source's WAL also grows with writes to tables nobody replicates.
   */
  lagBytes: string | null;
  passes: number;
  elapsedMs: number;
  tables: TableReport[];
  summary: { tables: number; inSync: number; rowsMissing: number; rowsExtra: number; rowsDiffering: number; errors: number };
}

/**
 * Compares every selected table, then — the pipeline being asynchronous — compares again the tables
 * not in sync, until all are or the wait timeout has passed. Waiting on the ledger cannot tell when a
 * table has caught up (it holds Kafka offsets, and a table without recent writes never gets a newer
 * LSN), so the comparison itself is the test; the LSNs are reported to show how far behind it is.
 */
export async function verify(connections: Connections, options: VerifyOptions): Promise<VerifyReport> {
  const started = Date.now();
  const deadline = started + options.waitTimeoutMs;
  const [lsnRow] = await connections.source.queryText(CURRENT_LSN_SQL);
  const sourceLsn = lsnRow?.lsn ?? '0/0';
  const names = await selectTables(connections, options.selection);

  const reports = new Map<string, TableReport>();
  let pending = names;
  let passes = 0;
  let pause = options.pollIntervalMs ?? 2000;
  for (;;) {
    passes += 1;
    for (const name of pending) {
      const report = await verifyTable(connections, name, options);
      reports.set(`${name.schema}.${name.table}`, report);
      options.onTable?.(report, passes);
    }
    pending = names.filter((n) => reports.get(`${n.schema}.${n.table}`)!.status !== 'in-sync');
    const remaining = deadline - Date.now();
    if (pending.length === 0 || remaining <= 0) break;
    await sleep(Math.min(pause, remaining));
    pause = Math.min(pause * 2, 10_000);
  }

  const tables = names.map((n) => reports.get(`${n.schema}.${n.table}`)!);
  const lsns = tables
    .map((t) => t.maxLsn)
    .filter((l): l is string => l !== null)
    .map(BigInt);
  const maxLsn = lsns.length === 0 ? null : lsns.reduce((a, b) => (a > b ? a : b));
  const source = lsnToBigInt(sourceLsn);
  return {
    inSync: tables.every((t) => t.status === 'in-sync'),
    sourceLsn,
    warehouseMaxLsn: maxLsn === null ? null : formatLsn(maxLsn),
    lagBytes: maxLsn === null ? null : String(source > maxLsn ? source - maxLsn : 0n),
    passes,
    elapsedMs: Date.now() - started,
    tables,
    summary: {
      tables: tables.length,
      inSync: tables.filter((t) => t.status === 'in-sync').length,
      rowsMissing: sum(tables.map((t) => t.missing.count)),
      rowsExtra: sum(tables.map((t) => t.extra.count)),
      rowsDiffering: sum(tables.map((t) => t.differing.count)),
      errors: tables.filter((t) => t.status === 'error').length,
    },
  };
}

async function selectTables(connections: Connections, selection: TableSelection): Promise<SourceTableName[]> {
  if (selection.tables && selection.tables.length > 0) return selection.tables;
  return publishedTables(connections.source, selection.publication ?? 'pgshift', selection.schema);
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
