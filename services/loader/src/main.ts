import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import {
  ConfigError,
  createKafka,
  createLogger,
  createMetricsRegistry,
  createS3Client,
  onShutdown,
  startOpsServer,
} from '@pgshift/runtime';
import { PostgresAdapter, RedshiftAdapter, type WarehouseAdapter } from '@pgshift/warehouse';
import { readLoaderConfig, type LoaderConfig } from './config.js';
import { Loader } from './loader.js';
import { createLoaderMetrics } from './metrics.js';

const logger = createLogger('loader');

function createWarehouse(config: LoaderConfig): WarehouseAdapter {
  if (config.warehouse === 'postgres') {
    return new PostgresAdapter({ connection: config.postgres.url, s3: createS3Client(config.s3) });
  }
  const { redshift } = config;
  const target = redshift.workgroupName
    ? { workgroupName: redshift.workgroupName, database: redshift.database, ...(redshift.secretArn ? { secretArn: redshift.secretArn } : {}) }
    : redshift.secretArn
      ? { clusterIdentifier: redshift.clusterIdentifier!, database: redshift.database, secretArn: redshift.secretArn }
      : { clusterIdentifier: redshift.clusterIdentifier!, database: redshift.database, dbUser: redshift.dbUser! };
  return new RedshiftAdapter({
    dataApi: {
      target,
      clientConfig: { region: redshift.region, ...(redshift.endpoint ? { endpoint: redshift.endpoint } : {}) },
      statementName: `pgshift-loader-${config.instanceId}`,
    },
    dialect: { iamRole: redshift.iamRole, ...(config.s3.region !== redshift.region ? { region: config.s3.region } : {}) },
  });
}

async function main(): Promise<void> {
  const config = readLoaderConfig();
  const metricsRegistry = createMetricsRegistry('loader');
  const loader = new Loader({
    config,
    kafka: createKafka({ brokers: config.kafka.brokers, clientId: `pgshift-loader-${config.instanceId}`, logger }),
    registry: new SchemaRegistry({ host: config.registryUrl }),
    warehouse: createWarehouse(config),
    metrics: createLoaderMetrics(metricsRegistry),
    logger,
  });
  const ops = await startOpsServer({ port: config.httpPort, metrics: metricsRegistry, readiness: () => loader.readiness(), logger });
  onShutdown(logger, async () => {
    await loader.stop();
    await ops.close();
  });
  await loader.start();
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) logger.fatal(error.message);
  else logger.fatal({ err: error }, 'loader failed to start');
  process.exit(1);
});
