import type { Registry } from 'prom-client';
import { ConfigError } from './config.js';
import { type Readiness, startOpsServer } from './http-server.js';
import { createLogger, type Logger } from './logger.js';
import { createMetricsRegistry } from './metrics.js';
import { onShutdown } from './shutdown.js';

export interface Service {
  readiness(): Readiness;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The life of a pgshift service process: build it (config is read and validated there), serve
 * /healthz /readyz /metrics, start it, stop it cleanly on SIGTERM. A start-up failure — an invalid
 * environment first of all — is logged once and exits 1.
 */
export function runService(name: string, build: (context: { logger: Logger; metrics: Registry }) => { service: Service; httpPort: number }): void {
  const logger = createLogger(name);
  const main = async () => {
    const metrics = createMetricsRegistry(name);
    const { service, httpPort } = build({ logger, metrics });
    const ops = await startOpsServer({ port: httpPort, metrics, readiness: () => service.readiness(), logger });
    onShutdown(logger, async () => {
      await service.stop();
      await ops.close();
    });
    await service.start();
  };
  main().catch((error: unknown) => {
    if (error instanceof ConfigError) logger.fatal(error.message);
    else logger.fatal({ err: error }, `${name} failed to start`);
    process.exit(1);
  });
}
