import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { createKafka, createS3Client, runService } from '@pgshift/runtime';
import { PostgresAdapter, RedshiftAdapter, type WarehouseAdapter } from '@pgshift/warehouse';
import { readLoaderConfig, type LoaderConfig } from './config.js';
import { Loader } from './loader.js';
import { createLoaderMetrics } from './metrics.js';

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
      statementTimeoutMs: redshift.statementTimeoutMs,
    },
    dialect: { iamRole: redshift.iamRole, ...(config.s3.region !== redshift.region ? { region: config.s3.region } : {}) },
  });
}

runService('loader', ({ logger, metrics }) => {
  const config = readLoaderConfig();
  const service = new Loader({
    config,
    kafka: createKafka({ brokers: config.kafka.brokers, clientId: `pgshift-loader-${config.instanceId}`, logger }),
    registry: new SchemaRegistry({ host: config.registryUrl }),
    warehouse: createWarehouse(config),
    metrics: createLoaderMetrics(metrics),
    logger,
  });
  return { service, httpPort: config.httpPort };
});
