import { hostname } from 'node:os';
import { z } from 'zod';
import { env, loadConfig } from '@pgshift/runtime';
import { warehouseConnectionOf, warehouseConnectionShape } from '@pgshift/warehouse';

const shape = {
  PGSHIFT_KAFKA_BROKERS: env.list(),
  PGSHIFT_SCHEMA_REGISTRY_URL: env.url(),
  PGSHIFT_BATCHES_TOPIC: env.string().default('pgshift.batches'),
  /** How long the group waits for a silent instance before giving its partitions to another. */
  PGSHIFT_SESSION_TIMEOUT: env.duration().default(20_000),
  PGSHIFT_CONSUMER_GROUP: env.string().default('pgshift-loader'),
  PGSHIFT_DEAD_LETTER_TOPIC: env.string().default('pgshift.dead-letter'),
  ...warehouseConnectionShape,
  PGSHIFT_S3_REGION: env.string().default('us-east-1'),
  PGSHIFT_S3_ENDPOINT: env.url().optional(),
  PGSHIFT_S3_FORCE_PATH_STYLE: env.boolean().default(false),
  /** Where tables land: this schema for every table, or (unset) the source table's own schema name. */
  PGSHIFT_TARGET_SCHEMA: z.string().optional(),
  PGSHIFT_DELETE_MODE: env.oneOf(['hard', 'soft'] as const).default('hard'),
  /** schema.table names that use soft deletes whatever PGSHIFT_DELETE_MODE says. */
  PGSHIFT_SOFT_DELETE_TABLES: env.list().optional(),
  PGSHIFT_OVERSIZE_POLICY: env.oneOf(['truncate', 'stop'] as const).default('truncate'),
  PGSHIFT_DROP_REMOVED_COLUMNS: env.boolean().default(false),
  PGSHIFT_TABLE_CONCURRENCY: env.integer(1).default(4),
  PGSHIFT_HTTP_PORT: env.integer(0).default(59102),
  PGSHIFT_INSTANCE_ID: env.string().default(`${hostname()}-${process.pid}`),
};

export type LoaderConfig = ReturnType<typeof readLoaderConfig>;

export function readLoaderConfig(environment: NodeJS.ProcessEnv = process.env) {
  const c = loadConfig(shape, environment);
  const connection = warehouseConnectionOf(c, { loadsBatches: true });
  const softDeleteTables = new Set(c.PGSHIFT_SOFT_DELETE_TABLES ?? []);
  return {
    kafka: { brokers: c.PGSHIFT_KAFKA_BROKERS, group: c.PGSHIFT_CONSUMER_GROUP, sessionTimeoutMs: c.PGSHIFT_SESSION_TIMEOUT },
    registryUrl: c.PGSHIFT_SCHEMA_REGISTRY_URL,
    batchesTopic: c.PGSHIFT_BATCHES_TOPIC,
    deadLetterTopic: c.PGSHIFT_DEAD_LETTER_TOPIC,
    warehouse: c.PGSHIFT_WAREHOUSE,
    connection,
    s3: {
      region: c.PGSHIFT_S3_REGION,
      forcePathStyle: c.PGSHIFT_S3_FORCE_PATH_STYLE,
      ...(c.PGSHIFT_S3_ENDPOINT ? { endpoint: c.PGSHIFT_S3_ENDPOINT } : {}),
    },
    targetSchema: c.PGSHIFT_TARGET_SCHEMA,
    deleteModeFor: (qualifiedName: string): 'hard' | 'soft' =>
      softDeleteTables.has(qualifiedName) ? 'soft' : c.PGSHIFT_DELETE_MODE,
    oversizePolicy: c.PGSHIFT_OVERSIZE_POLICY,
    dropRemovedColumns: c.PGSHIFT_DROP_REMOVED_COLUMNS,
    tableConcurrency: c.PGSHIFT_TABLE_CONCURRENCY,
    httpPort: c.PGSHIFT_HTTP_PORT,
    instanceId: c.PGSHIFT_INSTANCE_ID,
  };
}
