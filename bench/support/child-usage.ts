import { readFileSync } from 'node:fs';

/** Linux reports utime/stime in clock ticks: 100 per second on every common kernel configuration. */
const TICKS_PER_SECOND = 100;

/**
 * Samples a child's peak resident set (VmHWM, the kernel's own high-water mark) and its CPU time while
 * it runs. The last sample before exit is what is reported, so the interval bounds what can be missed.
 * CPU time says what the work cost whatever else the machine was doing.
 */
export class ChildUsageSampler {
  peakRssBytes = 0;
  cpuMs = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(
    readonly pid: number,
    intervalMs = 50,
  ) {
    this.#timer = setInterval(() => this.sample(), intervalMs);
  }

  sample(): void {
    try {
      const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      if (match) this.peakRssBytes = Math.max(this.peakRssBytes, Number(match[1]) * 1024);
      // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
      const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      if (Number.isFinite(ticks)) this.cpuMs = Math.max(this.cpuMs, (ticks / TICKS_PER_SECOND) * 1000);
    } catch {
      // The child has exited.
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
