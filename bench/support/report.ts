import { availableParallelism, loadavg } from 'node:os';

/** The figures at the end of a bench: a short aligned table for people, one JSON line for machines. */
export function printFigures(title: string, rows: [label: string, value: string][], summary: Record<string, unknown>): void {
  const width = Math.max(...rows.map(([label]) => label.length));
  console.log(`\n${title}`);
  console.log('-'.repeat(title.length));
  for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${value}`);
  console.log(`\nJSON ${JSON.stringify(summary)}`);
}

export const fmt = {
  int: (n: number) => Math.round(n).toLocaleString('en'),
  rate: (n: number, unit: string) => `${Math.round(n).toLocaleString('en')} ${unit}/s`,
  ms: (ms: number) => `${(ms / 1000).toFixed(2)} s`,
  mib: (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`,
};

/** CPUs and load: other suites share this machine, and the figures mean little without it. */
export function machineState(loadAtStart: number): string {
  return `${availableParallelism()} CPUs; load average (1 min) ${loadAtStart.toFixed(2)} at start, ${loadavg()[0]!.toFixed(2)} at end`;
}

/** Progress lines go to stderr so that stdout holds the figures only. */
export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}
