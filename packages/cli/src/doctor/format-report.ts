import type { Area, DoctorReport, Severity } from './finding.js';

const LABELS: Record<Severity, string> = { ok: 'ok', info: 'info', warn: 'WARN', error: 'ERROR', skipped: 'skipped', unchecked: 'UNCHECKED' };
const AREAS: readonly Area[] = ['source', 'warehouse', 'pipeline'];
const LABEL_WIDTH = Math.max(...Object.values(LABELS).map((l) => l.length));

/**
 * The human report: one block per area, a line per finding (severity, check, what was found) and,
 * under it, what to do; a last line with the counts and the exit code.
 */
export function formatDoctorReport(report: DoctorReport): string {
  const lines: string[] = [];
  const checkWidth = Math.max(0, ...report.findings.map((f) => f.check.length));
  const indent = ' '.repeat(2 + LABEL_WIDTH + 2 + checkWidth + 2);
  for (const area of AREAS) {
    const findings = report.findings.filter((f) => f.area === area);
    if (findings.length === 0) continue;
    lines.push(area);
    for (const finding of findings) {
      lines.push(`  ${LABELS[finding.severity].padEnd(LABEL_WIDTH)}  ${finding.check.padEnd(checkWidth)}  ${finding.message}`);
      if (finding.fix) lines.push(`${indent}what to do: ${finding.fix}`);
    }
  }
  const { summary } = report;
  const verdict = summary.error > 0 ? 'ERRORS' : summary.unchecked > 0 ? 'NOT EVERYTHING CHECKED' : summary.warn > 0 ? 'WARNINGS' : 'HEALTHY';
  lines.push(
    `${verdict}: ${summary.error} ${plural(summary.error, 'error')}, ${summary.warn} ${plural(summary.warn, 'warning')}, ` +
      `${summary.unchecked} not checked, ${summary.info} info, ${summary.ok} ok, ${summary.skipped} skipped (exit ${report.exitCode})`,
  );
  return `${lines.join('\n')}\n`;
}

function plural(count: number, word: string): string {
  return count === 1 ? word : `${word}s`;
}
