import Fastify from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from './logger.js';

export interface Readiness {
  ready: boolean;
  /** Why not ready, or per-component detail (tables stopped, last error …). */
  detail?: Record<string, unknown>;
}

export interface OpsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The operational endpoints every service exposes:
 *   GET /healthz  200 while the process runs and its event loop answers (liveness)
 *   GET /readyz   200 when `readiness()` says ready, else 503, with detail either way
 *   GET /metrics  Prometheus text format
 */
export async function startOpsServer(options: {
  port: number;
  host?: string;
  metrics: Registry;
  readiness: () => Readiness;
  logger: Logger;
}): Promise<OpsServer> {
  const app = Fastify({ logger: false });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const state = options.readiness();
    return reply.code(state.ready ? 200 : 503).send({ status: state.ready ? 'ready' : 'not ready', ...state.detail });
  });
  app.get('/metrics', async (_request, reply) => {
    return reply.type(options.metrics.contentType).send(await options.metrics.metrics());
  });
  const url = await app.listen({ port: options.port, host: options.host ?? '0.0.0.0' });
  options.logger.info({ url }, 'ops endpoints listening: /healthz /readyz /metrics');
  return { url, close: () => app.close() };
}
