import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { createChangeEventDecoder, createSchemaRegistry } from '@pgshift/debezium';
import {
  ConfigError,
  createKafka,
  createLogger,
  createMetricsRegistry,
  createS3Client,
  onShutdown,
  startOpsServer,
} from '@pgshift/runtime';
import { Batcher } from './batcher.js';
import { readBatcherConfig } from './config.js';
import { createBatcherMetrics } from './metrics.js';

const logger = createLogger('batcher');

async function main(): Promise<void> {
  const config = readBatcherConfig();
  const metricsRegistry = createMetricsRegistry('batcher');
  const batcher = new Batcher({
    config,
    kafka: createKafka({ brokers: config.kafka.brokers, clientId: `pgshift-batcher-${config.instanceId}`, logger }),
    s3: createS3Client(config.s3),
    decoder: createChangeEventDecoder({ registry: createSchemaRegistry(config.registryUrl), placeholder: config.toastPlaceholder }),
    registry: new SchemaRegistry({ host: config.registryUrl }),
    metrics: createBatcherMetrics(metricsRegistry),
    logger,
  });
  const ops = await startOpsServer({ port: config.httpPort, metrics: metricsRegistry, readiness: () => batcher.readiness(), logger });
  onShutdown(logger, async () => {
    await batcher.stop();
    await ops.close();
  });
  await batcher.start();
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) logger.fatal(error.message);
  else logger.fatal({ err: error }, 'batcher failed to start');
  process.exit(1);
});
