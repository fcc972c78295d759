import { hostname } from 'node:os';
import { z } from 'zod';
import { env, loadConfig } from '@pgshift/runtime';

export interface FlushLimits {
  rows: number;
  bytes: number;
  ageMs: number;
}

const tableOverrides = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected JSON such as {"public.orders":{"rows":1000,"ageMs":2000}}' });
      return z.NEVER;
    }
  })
  .pipe(
    z.record(
      z.string().regex(/^[^.]+\.[^.]+$/, { error: 'keys are schema.table' }),
      z.object({ rows: z.number().int().min(1), bytes: z.number().int().min(1), ageMs: z.number().int().min(1) }).partial().strict(),
    ),
  );

const shape = {
  PGSHIFT_KAFKA_BROKERS: env.list(),
  PGSHIFT_SCHEMA_REGISTRY_URL: env.url(),
  PGSHIFT_TOPIC_PATTERN: z
    .string()
    .default('^pgshift\\.[^.]+\\.[^.]+$')
    .refine(isRegExp, { error: 'expected a regular expression' }),
  PGSHIFT_TOPIC_REFRESH: env.duration().default(30_000),
  /** How long the group waits for a silent instance before giving its partitions to another. */
  PGSHIFT_SESSION_TIMEOUT: env.duration().default(20_000),
  PGSHIFT_CONSUMER_GROUP: env.string().default('pgshift-batcher'),
  PGSHIFT_BATCHES_TOPIC: env.string().default('pgshift.batches'),
  PGSHIFT_DEAD_LETTER_TOPIC: env.string().default('pgshift.dead-letter'),
  PGSHIFT_S3_BUCKET: env.string(),
  PGSHIFT_S3_PREFIX: z.string().default('batches'),
  PGSHIFT_S3_REGION: env.string().default('us-east-1'),
  PGSHIFT_S3_ENDPOINT: env.url().optional(),
  PGSHIFT_S3_FORCE_PATH_STYLE: env.boolean().default(false),
  PGSHIFT_FLUSH_ROWS: env.integer(1).default(100_000),
  PGSHIFT_FLUSH_BYTES: env.bytes().default(64 * 1024 * 1024),
  PGSHIFT_FLUSH_AGE: env.duration().default(10_000),
  PGSHIFT_TABLE_FLUSH: tableOverrides.default({}),
  PGSHIFT_MEMORY_BUDGET: env.bytes().default(256 * 1024 * 1024),
  PGSHIFT_PART_BYTES: env.bytes().default(32 * 1024 * 1024),
  PGSHIFT_GZIP_LEVEL: env.integer(1).pipe(z.number().max(9, { error: 'expected 1 to 9' })).default(1),
  PGSHIFT_FLUSH_CONCURRENCY: env.integer(1).default(4),
  PGSHIFT_TOAST_PLACEHOLDER: z.string().default('__debezium_unavailable_value'),
  PGSHIFT_HTTP_PORT: env.integer(0).default(59101),
  PGSHIFT_INSTANCE_ID: env.string().default(`${hostname()}-${process.pid}`),
  /** Kafka Connect's REST API: when set, failed connector tasks are reported (metric, log, /readyz). */
  PGSHIFT_CONNECT_URL: env.url().optional(),
};

function isRegExp(text: string): boolean {
  try {
    new RegExp(text);
    return true;
  } catch {
    return false;
  }
}

export type BatcherConfig = ReturnType<typeof readBatcherConfig>;

export function readBatcherConfig(environment: NodeJS.ProcessEnv = process.env) {
  const c = loadConfig(shape, environment);
  const defaults: FlushLimits = { rows: c.PGSHIFT_FLUSH_ROWS, bytes: c.PGSHIFT_FLUSH_BYTES, ageMs: c.PGSHIFT_FLUSH_AGE };
  return {
    kafka: { brokers: c.PGSHIFT_KAFKA_BROKERS, group: c.PGSHIFT_CONSUMER_GROUP, sessionTimeoutMs: c.PGSHIFT_SESSION_TIMEOUT },
    registryUrl: c.PGSHIFT_SCHEMA_REGISTRY_URL,
    topicPattern: new RegExp(c.PGSHIFT_TOPIC_PATTERN),
    topicRefreshMs: c.PGSHIFT_TOPIC_REFRESH,
    batchesTopic: c.PGSHIFT_BATCHES_TOPIC,
    deadLetterTopic: c.PGSHIFT_DEAD_LETTER_TOPIC,
    s3: {
      bucket: c.PGSHIFT_S3_BUCKET,
      prefix: c.PGSHIFT_S3_PREFIX,
      region: c.PGSHIFT_S3_REGION,
      forcePathStyle: c.PGSHIFT_S3_FORCE_PATH_STYLE,
      ...(c.PGSHIFT_S3_ENDPOINT ? { endpoint: c.PGSHIFT_S3_ENDPOINT } : {}),
    },
    flush: {
      defaults,
      /** Limits for one table: the global ones, overridden by PGSHIFT_TABLE_FLUSH["schema.table"]. */
      forTable: (qualifiedName: string): FlushLimits => ({ ...defaults, ...c.PGSHIFT_TABLE_FLUSH[qualifiedName] }),
      concurrency: c.PGSHIFT_FLUSH_CONCURRENCY,
    },
    memoryBudgetBytes: c.PGSHIFT_MEMORY_BUDGET,
    partBytes: c.PGSHIFT_PART_BYTES,
    gzipLevel: c.PGSHIFT_GZIP_LEVEL,
    toastPlaceholder: c.PGSHIFT_TOAST_PLACEHOLDER,
    httpPort: c.PGSHIFT_HTTP_PORT,
    instanceId: c.PGSHIFT_INSTANCE_ID,
    connectUrl: c.PGSHIFT_CONNECT_URL ?? null,
  };
}
