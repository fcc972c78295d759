import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { createChangeEventDecoder, createSchemaRegistry } from '@pgshift/debezium';
import { createKafka, createS3Client, runService } from '@pgshift/runtime';
import { Batcher } from './batcher.js';
import { readBatcherConfig } from './config.js';
import { createBatcherMetrics } from './metrics.js';

runService('batcher', ({ logger, metrics }) => {
  const config = readBatcherConfig();
  const service = new Batcher({
    config,
    kafka: createKafka({ brokers: config.kafka.brokers, clientId: `pgshift-batcher-${config.instanceId}`, logger }),
    s3: createS3Client(config.s3),
    decoder: createChangeEventDecoder({ registry: createSchemaRegistry(config.registryUrl), placeholder: config.toastPlaceholder }),
    registry: new SchemaRegistry({ host: config.registryUrl }),
    metrics: createBatcherMetrics(metrics),
    logger,
  });
  return { service, httpPort: config.httpPort };
});
