import { createChangeEventDecoder, createSchemaRegistry } from '@pgshift/debezium';
import { createKafka, createS3Client, runService } from '@pgshift/runtime';
import { Batcher } from './batcher.js';
import { readBatcherConfig } from './config.js';
import { createBatcherMetrics } from './metrics.js';

runService('batcher', ({ logger, metrics }) => {
  const config = readBatcherConfig();
  // One registry client for the process: the decoder's writer schemas and the announcer's batch-event schema.
  const registry = createSchemaRegistry(config.registry);
  const service = new Batcher({
    config,
    kafka: createKafka({ brokers: config.kafka.brokers, clientId: `pgshift-batcher-${config.instanceId}`, logger }),
    // BatchWriter retries every put itself, for as long as S3 is away: the SDK makes one attempt.
    s3: createS3Client(config.s3, { retriedBy: 'caller' }),
    decoder: createChangeEventDecoder({ registry, placeholder: config.toastPlaceholder }),
    registry,
    metrics: createBatcherMetrics(metrics),
    logger,
  });
  return { service, httpPort: config.httpPort };
});
