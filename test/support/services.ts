import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stack } from './stack.js';
import { waitFor } from './wait.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Node flags the services run with, as in the Dockerfile: a larger young generation, because decoding
 * allocates many short-lived objects per event (measured: about +20% batcher throughput).
 */
export const SERVICE_NODE_FLAGS = ['--max-semi-space-size=64'];
// Below Linux's ephemeral range (32768–60999 by default): a port there can be held at any moment by an
// outgoing connection (to Kafka, S3 …), and a service that cannot bind exits at start.
let nextPort = 20000 + (process.pid % 1000) * 10;

/** A port of this test process's own range, for a service's second listener (the control API). */
export function allocatePort(): number {
  return nextPort++;
}

export interface ServiceHandle {
  name: string;
  httpPort: number;
  child: ChildProcess;
  logFile: string;
  /** Resolves when /readyz answers 200. */
  ready(timeoutMs?: number): Promise<void>;
  /** SIGKILL: no flush, no commit, nothing graceful. */
  kill(): Promise<void>;
  /** SIGTERM and wait for a clean exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  metrics(): Promise<string>;
}

/** Environment shared by both services for the local stack. */
export function pipelineEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    PGSHIFT_KAFKA_BROKERS: stack.kafkaBrokers.join(','),
    PGSHIFT_SCHEMA_REGISTRY_URL: stack.registryUrl,
    PGSHIFT_S3_BUCKET: stack.s3.bucket,
    PGSHIFT_S3_ENDPOINT: stack.s3.endpoint,
    PGSHIFT_S3_REGION: stack.s3.region,
    PGSHIFT_S3_FORCE_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: stack.s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: stack.s3.secretAccessKey,
    AWS_REGION: stack.s3.region,
    PGSHIFT_WAREHOUSE: 'postgres',
    PGSHIFT_WAREHOUSE_URL: stack.warehouseUrl,
    PGSHIFT_LOG_LEVEL: 'info',
    ...overrides,
  };
}

/** Starts services/<service>/src/main.ts as a real process with its own HTTP port and log file. */
export function startService(
  service: 'batcher' | 'loader' | 'control',
  env: Record<string, string>,
  label: string = service,
  httpPort: number = nextPort++,
): ServiceHandle {
  const logDir = `${root}.stack/logs/tests`;
  mkdirSync(logDir, { recursive: true });
  const logFile = `${logDir}/${label}-${httpPort}.log`;
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, '--conditions=source', '--import', 'tsx', `${root}services/${service}/src/main.ts`], {
    cwd: root,
    env: { ...process.env, ...pipelineEnv(), ...env, PGSHIFT_HTTP_PORT: String(httpPort), PGSHIFT_INSTANCE_ID: label },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${httpPort}`;
  return {
    name: label,
    httpPort,
    child,
    logFile,
    ready: async (timeoutMs = 60_000) => {
      await waitFor(
        `${label} to be ready (log: ${logFile})`,
        async () => {
          if (child.exitCode !== null) throw new Error(`${label} exited with ${child.exitCode}; log: ${logFile}`);
          return (await fetch(`${url}/readyz`)).ok;
        },
        { timeoutMs },
      );
    },
    kill: async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    metrics: async () => (await fetch(`${url}/metrics`)).text(),
  };
}
