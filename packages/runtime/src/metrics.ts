import { collectDefaultMetrics, Registry } from 'prom-client';

/** A Prometheus registry with the process metrics (RSS, event-loop lag, GC) of this service. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'pgshift_' });
  return registry;
}
