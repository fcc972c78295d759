import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { pipelineEnv, SERVICE_NODE_FLAGS } from '../../test/support/services.js';
import { ChildUsageSampler } from './child-usage.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const benchOutDir = `${root}bench/out`;

export interface BatcherProcess {
  child: ChildProcess;
  logFile: string;
  usage: ChildUsageSampler;
  /** performance.now() when the batcher logged that it joined its consumer group (it fetches right after). */
  joined: Promise<number>;
  /** Sum of consumer lag over the topic's partitions, from /metrics; null until every partition reported. */
  lag(partitions: number): Promise<number | null>;
  /** SIGTERM: the batcher seals and flushes what it holds, commits, exits. Resolves with the exit code. */
  stop(): Promise<number | null>;
  exited: Promise<number | null>;
}

/**
 * services/batcher/src/main.ts as the real process it is in production (its own heap, pino logging, the
 * ops server), with `env` on top of the stack's settings. `--cpu-prof` writes a profile to bench/out on exit.
 * `main` runs another entry point instead: a candidate change kept outside the tree (e.g. under bench/out/).
 */
export function startBatcherProcess(
  env: Record<string, string>,
  { httpPort, cpuProfile = false, main = `${root}services/batcher/src/main.ts` }: { httpPort: number; cpuProfile?: boolean; main?: string },
): BatcherProcess {
  mkdirSync(benchOutDir, { recursive: true });
  const logFile = `${benchOutDir}/batcher-${httpPort}.log`;
  const log = createWriteStream(logFile);
  const profiling = cpuProfile ? ['--cpu-prof', `--cpu-prof-dir=${benchOutDir}`] : [];
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, ...profiling, '--conditions=source', '--import', 'tsx', main], {
    cwd: root,
    env: { ...process.env, ...pipelineEnv(), ...env, PGSHIFT_HTTP_PORT: String(httpPort), PGSHIFT_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const joined = new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      log.write(`${line}\n`);
      if (line.includes('"joined consumer group"')) resolve(performance.now());
    });
    void exited.then((code) => reject(new Error(`batcher exited with ${code} before joining; log: ${logFile}`)));
  });
  joined.catch(() => {});
  const usage = new ChildUsageSampler(child.pid!);
  void exited.then(() => usage.stop());
  return {
    child,
    logFile,
    usage,
    joined,
    exited,
    lag: async (partitions) => {
      const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
      const lags = [...text.matchAll(/^pgshift_batcher_consumer_lag\{[^}]*\} (\d+)$/gm)].map((m) => Number(m[1]));
      return lags.length < partitions ? null : lags.reduce((a, b) => a + b, 0);
    },
    stop: async () => {
      usage.sample();
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
