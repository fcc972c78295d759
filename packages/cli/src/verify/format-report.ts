import { formatLsn } from './lsn.js';
import type { TableReport } from './table-report.js';
import type { VerifyReport } from './verify.js';

/** One line per table, then the LSNs and a summary line: what `pgshift verify` prints. */
export function formatVerifyReport(report: VerifyReport): string {
  const names = report.tables.map(tableLabel);
  const width = Math.max(0, ...names.map((n) => n.length));
  const lines = report.tables.map((table, i) => `${names[i]!.padEnd(width)}  ${tableLine(table)}`);
  const lsn =
    report.warehouseMaxLsn === null
      ? `source LSN ${report.sourceLsn}; no _pgshift_lsn in the compared warehouse tables`
      : `source LSN ${report.sourceLsn}; highest _pgshift_lsn in the warehouse ${report.warehouseMaxLsn} (${report.lagBytes} bytes of WAL behind at most)`;
  const s = report.summary;
  const verdict = report.inSync ? 'IN SYNC' : 'NOT IN SYNC';
  const summary =
    `${verdict}: ${s.inSync} of ${s.tables} tables in sync; ${s.rowsMissing} rows missing, ${s.rowsExtra} rows extra, ` +
    `${s.rowsDiffering} rows differing${s.errors > 0 ? `, ${s.errors} tables not compared (errors)` : ''}; ` +
    `${report.passes} ${report.passes === 1 ? 'pass' : 'passes'} in ${(report.elapsedMs / 1000).toFixed(1)}s`;
  return `${[...lines, lsn, summary].join('\n')}\n`;
}

function tableLabel(table: TableReport): string {
  return table.table === table.warehouseTable ? table.table : `${table.table} → ${table.warehouseTable}`;
}

function tableLine(t: TableReport): string {
  const keyNote = t.primaryKey.length === 0 ? ' (no primary key: counts and a whole-table hash only)' : '';
  const soft = t.softDelete ? ', soft deletes' : '';
  switch (t.status) {
    case 'error':
      return `ERROR  ${t.error ?? 'unknown error'}`;
    case 'missing-table':
      return `NOT IN SYNC  the warehouse has no table ${t.warehouseTable} · rows missing ${t.missing.count}`;
    case 'in-sync': {
      const notes = t.uncomparedColumns.map((c) => `${c.name} not compared: ${c.reason}`);
      if (t.substituted > 0) notes.unshift(`${t.substituted} ${t.substituted === 1 ? 'cell holds its' : 'cells hold their'} documented substitute`);
      return `in sync  ${t.sourceRows} rows in ${t.chunks} ${t.chunks === 1 ? 'chunk' : 'chunks'}${soft}${keyNote}${notes.length ? ` · ${notes.join('; ')}` : ''}`;
    }
    case 'differs': {
      const parts = [`source ${t.sourceRows} rows, warehouse ${t.warehouseRows}${soft}${keyNote}`];
      if (t.missingColumns.length > 0) parts.push(`columns missing in the warehouse: ${t.missingColumns.join(', ')}`);
      if (t.hashesEqual === false) parts.push('contents differ');
      if (t.missing.count > 0) parts.push(`rows missing ${t.missing.count}${samples(t.missing.samples)}`);
      if (t.extra.count > 0) parts.push(`rows extra ${t.extra.count}${samples(t.extra.samples)}`);
      if (t.differing.count > 0) {
        const shown = t.differing.samples.map((s) => (s.columns.length > 0 ? `${s.key}: ${s.columns.join(', ')}` : s.key));
        parts.push(`rows differing ${t.differing.count}${shown.length > 0 ? ` (${shown.join('; ')})` : ''}`);
      }
      if (t.substituted > 0) parts.push(`${t.substituted} cells substituted (not differences)`);
      parts.push(`${t.chunksDiffering} of ${t.chunks} chunks differ`);
      if (t.maxLsn !== null) parts.push(`its highest _pgshift_lsn ${formatLsn(BigInt(t.maxLsn))}`);
      return `NOT IN SYNC  ${parts.join(' · ')}`;
    }
  }
}

function samples(keys: string[]): string {
  return keys.length === 0 ? '' : ` (${keys.join('; ')})`;
}
