import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

/** Stops, starts or restarts one service of the native stack (stack/stack.sh). */
export async function stackService(action: 'stop' | 'start' | 'restart', service: 'connect' | 's3' | 'kafka' | 'registry' | 'pg-warehouse'): Promise<void> {
  await run('bash', [`${root}stack/stack.sh`, action, service], { cwd: root, timeout: 180_000 });
}

/** A random whole number in [min, max]. */
export function between(min: number, max: number): number {
  return min + Math.floor(Math.random() * (max - min + 1));
}

/** Runs `step` until `stopped()` says so; resolves with how many steps ran. Errors are counted, not thrown. */
export async function loop(step: () => Promise<void>, stopped: () => boolean, pauseMs = 0): Promise<{ steps: number; errors: number }> {
  let steps = 0;
  let errors = 0;
  while (!stopped()) {
    try {
      await step();
      steps++;
    } catch {
      errors++;
    }
    if (pauseMs > 0) await sleep(pauseMs);
  }
  return { steps, errors };
}
