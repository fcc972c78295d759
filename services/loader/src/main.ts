import { createSchemaRegistry } from '@pgshift/debezium';
import { createKafka, createS3Client, runService } from '@pgshift/runtime';
import { openWarehouseAdapter, type WarehouseAdapter } from '@pgshift/warehouse';
import { BatchEventDecoder, registryWriterSchemas } from './batch-event-decoder.js';
import { type LoaderConfig, readLoaderConfig } from './config.js';
import { Loader } from './loader.js';
import { createLoaderMetrics } from './metrics.js';

function createWarehouse(config: LoaderConfig): WarehouseAdapter {
  return openWarehouseAdapter(config.connection, {
    statementName: `pgshift-loader-${config.instanceId}`,
    ...(config.connection.kind === 'postgres' ? { s3: createS3Client(config.s3, { retriedBy: 'sdk', maxAttempts: 5 }) } : {}),
    bucketRegion: config.s3.region,
  });
}

runService('loader', ({ logger, metrics }) => {
  const config = readLoaderConfig();
  const service = new Loader({
    config,
    kafka: createKafka({ brokers: config.kafka.brokers, clientId: `pgshift-loader-${config.instanceId}`, logger }),
    batchEvents: new BatchEventDecoder(registryWriterSchemas(createSchemaRegistry(config.registry))),
    warehouse: createWarehouse(config),
    metrics: createLoaderMetrics(metrics),
    logger,
  });
  return { service, httpPort: config.httpPort };
});
