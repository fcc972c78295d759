import { Counter, type Registry } from 'prom-client';

export type ControlMetrics = ReturnType<typeof createControlMetrics>;

export function createControlMetrics(registry: Registry) {
  const registers = [registry];
  return {
    actions: new Counter({
      name: 'pgshift_control_actions_total',
      help: 'Table actions asked for through the API, by action (pause, resume, retry, schedule) and outcome (ok, invalid, failed)',
      labelNames: ['action', 'outcome'],
      registers,
    }),
    refused: new Counter({
      name: 'pgshift_control_requests_refused_total',
      help: 'API requests refused before any work, by reason (unauthorized, no-actor)',
      labelNames: ['reason'],
      registers,
    }),
  };
}
