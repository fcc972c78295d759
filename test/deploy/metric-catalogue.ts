import { readFileSync } from 'node:fs';
import { createBatcherMetrics } from '@pgshift/batcher';
import { createLoaderMetrics } from '@pgshift/loader';
import { createMetricsRegistry } from '@pgshift/runtime';
import type { Registry } from 'prom-client';

/** Labels every scraped series may carry besides its own: the registry's default label and the scrape's target labels. */
export const SCRAPE_LABELS = ['service', 'job', 'instance', 'namespace', 'pod', 'container', 'endpoint'];

export interface MetricInfo {
  source: string;
  labels: Set<string>;
}

/**
 * Every series name the services expose, from their own metric definitions (services/*\/src/metrics.ts and the
 * process metrics of packages/runtime/src/metrics.ts): a histogram's _bucket (with le), _sum and _count.
 */
export async function serviceMetrics(): Promise<Map<string, MetricInfo>> {
  const catalogue = new Map<string, MetricInfo>();
  const registries: [string, Registry][] = [];
  const batcher = createMetricsRegistry('batcher');
  createBatcherMetrics(batcher);
  registries.push(['batcher', batcher]);
  const loader = createMetricsRegistry('loader');
  createLoaderMetrics(loader);
  registries.push(['loader', loader]);
  for (const [service, registry] of registries) {
    for (const metric of registry.getMetricsAsArray()) {
      // prom-client's metric objects: their declared type omits the label names and get() they have.
      const m = metric as unknown as { name: string; labelNames?: readonly string[]; get(): Promise<{ type: string }> };
      const { name, labelNames = [] } = m;
      const { type } = await m.get();
      const labels = new Set([...labelNames, ...SCRAPE_LABELS]);
      const add = (series: string, extra: string[] = []) => {
        const known = catalogue.get(series);
        const info = known ?? { source: service, labels: new Set<string>() };
        for (const label of [...labels, ...extra]) info.labels.add(label);
        catalogue.set(series, info);
      };
      if (type === 'histogram') {
        add(`${name}_bucket`, ['le']);
        add(`${name}_sum`);
        add(`${name}_count`);
      } else if (type === 'summary') {
        add(name, ['quantile']);
        add(`${name}_sum`);
        add(`${name}_count`);
      } else add(name);
    }
  }
  return catalogue;
}

/** The metrics of other exporters the dashboard and rules may use, as deploy/external-metrics.json documents them. */
export function externalMetrics(file: string): Map<string, MetricInfo> {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { metrics: Record<string, { exporter: string; labels: string[] }> };
  return new Map(Object.entries(doc.metrics).map(([name, m]) => [name, { source: m.exporter, labels: new Set([...m.labels, ...SCRAPE_LABELS]) }] as const));
}
