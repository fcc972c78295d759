import { hostname } from 'node:os';
import { z } from 'zod';
import { ConfigError, env, loadConfig } from '@pgshift/runtime';

const shape = {
  PGSHIFT_KAFKA_BROKERS: env.list(),
  PGSHIFT_SCHEMA_REGISTRY_URL: env.url(),
  PGSHIFT_BATCHES_TOPIC: env.string().default('pgshift.batches'),
  /** How long the group waits for a silent instance before giving its partitions to another. */
  PGSHIFT_SESSION_TIMEOUT: env.duration().default(20_000),
  PGSHIFT_CONSUMER_GROUP: env.string().default('pgshift-loader'),
  PGSHIFT_DEAD_LETTER_TOPIC: env.string().default('pgshift.dead-letter'),
  PGSHIFT_WAREHOUSE: env.oneOf(['postgres', 'redshift'] as const),
  /** postgres: the warehouse connection string. */
  PGSHIFT_WAREHOUSE_URL: z.string().optional(),
  /** redshift: a provisioned cluster (with DB user or secret) or a Serverless workgroup. */
  PGSHIFT_REDSHIFT_CLUSTER_ID: z.string().optional(),
  PGSHIFT_REDSHIFT_WORKGROUP: z.string().optional(),
  PGSHIFT_REDSHIFT_DATABASE: z.string().optional(),
  PGSHIFT_REDSHIFT_DB_USER: z.string().optional(),
  PGSHIFT_REDSHIFT_SECRET_ARN: z.string().optional(),
  PGSHIFT_REDSHIFT_IAM_ROLE: z.string().optional(),
  PGSHIFT_REDSHIFT_REGION: env.string().default('us-east-1'),
  /** A Data API endpoint other than AWS's (a VPC endpoint, or the test server). */
  PGSHIFT_REDSHIFT_ENDPOINT: env.url().optional(),
  /** How long one Data API statement (a batch's transaction) may run before it is cancelled and retried. */
  PGSHIFT_REDSHIFT_STATEMENT_TIMEOUT: env.duration().default(15 * 60_000),
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
  const missing = (names: string[]) => {
    throw new ConfigError(names.map((name) => `${name}: required when PGSHIFT_WAREHOUSE=${c.PGSHIFT_WAREHOUSE}`));
  };
  if (c.PGSHIFT_WAREHOUSE === 'postgres' && !c.PGSHIFT_WAREHOUSE_URL) missing(['PGSHIFT_WAREHOUSE_URL']);
  if (c.PGSHIFT_WAREHOUSE === 'redshift') {
    if (!c.PGSHIFT_REDSHIFT_DATABASE) missing(['PGSHIFT_REDSHIFT_DATABASE']);
    if (!c.PGSHIFT_REDSHIFT_CLUSTER_ID && !c.PGSHIFT_REDSHIFT_WORKGROUP) missing(['PGSHIFT_REDSHIFT_CLUSTER_ID or PGSHIFT_REDSHIFT_WORKGROUP']);
    if (c.PGSHIFT_REDSHIFT_CLUSTER_ID && !c.PGSHIFT_REDSHIFT_DB_USER && !c.PGSHIFT_REDSHIFT_SECRET_ARN)
      missing(['PGSHIFT_REDSHIFT_DB_USER or PGSHIFT_REDSHIFT_SECRET_ARN']);
    if (!c.PGSHIFT_REDSHIFT_IAM_ROLE) missing(['PGSHIFT_REDSHIFT_IAM_ROLE']);
  }
  const softDeleteTables = new Set(c.PGSHIFT_SOFT_DELETE_TABLES ?? []);
  return {
    kafka: { brokers: c.PGSHIFT_KAFKA_BROKERS, group: c.PGSHIFT_CONSUMER_GROUP, sessionTimeoutMs: c.PGSHIFT_SESSION_TIMEOUT },
    registryUrl: c.PGSHIFT_SCHEMA_REGISTRY_URL,
    batchesTopic: c.PGSHIFT_BATCHES_TOPIC,
    deadLetterTopic: c.PGSHIFT_DEAD_LETTER_TOPIC,
    warehouse: c.PGSHIFT_WAREHOUSE,
    postgres: { url: c.PGSHIFT_WAREHOUSE_URL ?? '' },
    redshift: {
      region: c.PGSHIFT_REDSHIFT_REGION,
      database: c.PGSHIFT_REDSHIFT_DATABASE ?? '',
      iamRole: c.PGSHIFT_REDSHIFT_IAM_ROLE ?? '',
      ...(c.PGSHIFT_REDSHIFT_CLUSTER_ID ? { clusterIdentifier: c.PGSHIFT_REDSHIFT_CLUSTER_ID } : {}),
      ...(c.PGSHIFT_REDSHIFT_WORKGROUP ? { workgroupName: c.PGSHIFT_REDSHIFT_WORKGROUP } : {}),
      ...(c.PGSHIFT_REDSHIFT_DB_USER ? { dbUser: c.PGSHIFT_REDSHIFT_DB_USER } : {}),
      ...(c.PGSHIFT_REDSHIFT_SECRET_ARN ? { secretArn: c.PGSHIFT_REDSHIFT_SECRET_ARN } : {}),
      ...(c.PGSHIFT_REDSHIFT_ENDPOINT ? { endpoint: c.PGSHIFT_REDSHIFT_ENDPOINT } : {}),
      statementTimeoutMs: c.PGSHIFT_REDSHIFT_STATEMENT_TIMEOUT,
    },
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
