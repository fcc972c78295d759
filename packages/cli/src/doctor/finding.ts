/**
 * What `pgshift doctor` reports: findings, each with a severity and what to do about it, grouped by
 * area. Pure: the checks produce findings, this file decides the exit code.
 */

export type Area = 'source' | 'warehouse' | 'pipeline';

/**
 * ok: checked, nothing to do. info: worth knowing, nothing to do. warn: works today, will bite (or
 * lose sight of something). error: broken now or on the next statement (an outage, lost changes, a
 * full disk). skipped: not configured, so not checked. unchecked: doctor could not check it (the
 * database or service did not answer): not a finding about the pipeline.
 */
export type Severity = 'ok' | 'info' | 'warn' | 'error' | 'skipped' | 'unchecked';

export interface Finding {
  area: Area;
  /** Short, stable name of the check (`wal_level`, `replica-identity`, `connector-task` …). */
  check: string;
  severity: Severity;
  /** What was found, one line. */
  message: string;
  /** What to do about it, when there is something to do. */
  fix?: string;
  /** The objects concerned (tables, slots, tasks), for machines. */
  subjects?: string[];
}

/** The findings of one area: `finding(check, severity, message, fix?, subjects?)`. */
export function findingIn(area: Area) {
  return (check: string, severity: Severity, message: string, fix?: string, subjects?: string[]): Finding => ({
    area,
    check,
    severity,
    message,
    ...(fix ? { fix } : {}),
    ...(subjects ? { subjects } : {}),
  });
}

export interface DoctorReport {
  findings: Finding[];
  summary: Record<Severity, number>;
  exitCode: number;
}

/**
 * Exit codes of `pgshift doctor`. 2 is every pgshift command's usage mistake (a bad flag or variable).
 * An error wins over "could not check", which wins over warnings: a script learns the worst thing
 * known for sure first.
 */
export const DOCTOR_EXIT = {
  /** Nothing but ok and info. */
  healthy: 0,
  /** At least one error. */
  errors: 1,
  /** Some check could not run (unreachable database or service), and no error was found elsewhere. */
  unchecked: 3,
  /** Warnings, no error, everything checked. */
  warnings: 4,
} as const;

export const SEVERITIES: readonly Severity[] = ['error', 'unchecked', 'warn', 'info', 'ok', 'skipped'];

export function summarise(findings: readonly Finding[]): Record<Severity, number> {
  const summary: Record<Severity, number> = { ok: 0, info: 0, warn: 0, error: 0, skipped: 0, unchecked: 0 };
  for (const finding of findings) summary[finding.severity]++;
  return summary;
}

export function doctorExitCode(findings: readonly Finding[]): number {
  const summary = summarise(findings);
  if (summary.error > 0) return DOCTOR_EXIT.errors;
  if (summary.unchecked > 0) return DOCTOR_EXIT.unchecked;
  if (summary.warn > 0) return DOCTOR_EXIT.warnings;
  return DOCTOR_EXIT.healthy;
}

export function doctorReport(findings: readonly Finding[]): DoctorReport {
  return { findings: [...findings], summary: summarise(findings), exitCode: doctorExitCode(findings) };
}

/** A check that could not run: its error's message, and the fix that gets doctor through. */
export function unchecked(area: Area, check: string, error: unknown, fix: string): Finding {
  return { area, check, severity: 'unchecked', message: `could not check: ${describeError(error)}`, fix };
}

export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.map(describeError).join('; ');
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
