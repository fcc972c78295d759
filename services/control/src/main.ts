import { createKafka, runService } from '@pgshift/runtime';
import { readControlConfig } from './config.js';
import { ControlService } from './control-service.js';
import { createControlMetrics } from './metrics.js';

runService('control', ({ logger, metrics }) => {
  const config = readControlConfig();
  const service = new ControlService({
    config,
    kafka: createKafka({ brokers: config.brokers, clientId: `pgshift-control-${config.instanceId}`, logger }),
    logger,
    metrics: createControlMetrics(metrics),
  });
  return { service, httpPort: config.httpPort };
});
