/** Capped exponential backoff: how long to wait before attempt `attempt + 1` (attempt counts from 1). */
export interface Backoff {
  initialMs: number;
  maxMs: number;
}

/** Doubling from `initialMs`, never above `maxMs`, with up to 20% jitter so loaders do not retry in step. */
export function backoffDelay({ initialMs, maxMs }: Backoff, attempt: number, random: () => number = Math.random): number {
  const exponential = initialMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30);
  const capped = Math.min(exponential, maxMs);
  return Math.round(capped * (0.8 + 0.2 * random()));
}

/** A sleep that `wake()` ends early (a rejoin, a retry asked for, shutdown). */
export class WakeableSleep {
  private wakers = new Set<() => void>();

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  wake(): void {
    for (const waker of [...this.wakers]) waker();
  }
}
