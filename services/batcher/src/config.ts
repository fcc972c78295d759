import { hostname } from 'node:os';
import {
  type ConfigDocs,
  controlTopicsOf,
  controlTopicsShape,
  env,
  loadConfig,
  logLevelShape,
  s3ClientShape,
  s3Settings,
  schemaRegistryRules,
  schemaRegistrySettings,
  schemaRegistryShape,
} from '@pgshift/runtime';
import { z } from 'zod';

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
      z
        .object({ rows: z.number().int().min(1), bytes: z.number().int().min(1), ageMs: z.number().int().min(1) })
        .partial()
        .strict(),
    ),
  );

/** Every variable the batcher reads; README.md's batcher table is rendered from it (`npm run docs`). */
export const batcherConfigShape = {
  PGSHIFT_KAFKA_BROKERS: env.list().describe('Kafka bootstrap brokers, comma-separated `host:port`'),
  ...schemaRegistryShape,
  PGSHIFT_TOPIC_PATTERN: z
    .string()
    .refine(isRegExp, { error: 'expected a regular expression' })
    .prefault('^pgshift\\.[^.]+\\..+$')
    .describe(
      'regular expression of the change topics to consume (`<prefix>.<schema>.<table>`; a dot inside a schema or table name is kept by Debezium, so the default takes everything after the second dot)',
    ),
  PGSHIFT_TOPIC_REFRESH: env.duration().prefault('30s').describe('how often to look for new topics (new tables)'),
  PGSHIFT_SESSION_TIMEOUT: env
    .duration()
    .prefault('20s')
    .describe('how long the consumer group waits for a silent instance before giving its partitions to another'),
  PGSHIFT_CONSUMER_GROUP: env.string().default('pgshift-batcher').describe('consumer group of the change topics'),
  PGSHIFT_BATCHES_TOPIC: env.string().default('pgshift.batches').describe('where "batch ready" events go'),
  PGSHIFT_DEAD_LETTER_TOPIC: env.string().default('pgshift.dead-letter').describe('where change events that cannot be decoded go'),
  ...controlTopicsShape,
  PGSHIFT_S3_BUCKET: env.string().describe('bucket of the batch files'),
  PGSHIFT_S3_PREFIX: z.string().default('batches').describe('key prefix of the batch files'),
  ...s3ClientShape,
  PGSHIFT_FLUSH_ROWS: env.integer(1).prefault('100000').describe("a table's batch is sealed at this many rows"),
  PGSHIFT_FLUSH_BYTES: env.bytes().prefault('64MiB').describe('… or at this many bytes of CSV'),
  PGSHIFT_FLUSH_AGE: env.duration().prefault('10s').describe('… or at this age'),
  PGSHIFT_TABLE_FLUSH: tableOverrides.prefault('{}').describe('the three limits per table, e.g. `{"public.orders":{"rows":5000,"ageMs":2000}}`'),
  PGSHIFT_MEMORY_BUDGET: env
    .bytes()
    .prefault('256MiB')
    .describe('above it (every open and sealed batch) the batcher seals the largest tables and pauses consuming until back under ¾ of it'),
  PGSHIFT_PART_BYTES: env.bytes().prefault('32MiB').describe('uncompressed size of one CSV part file'),
  PGSHIFT_GZIP_LEVEL: env
    .integer(1)
    .pipe(z.number().max(9, { error: 'expected 1 to 9' }))
    .prefault('1')
    .describe('gzip level of the part files, 1 (fastest) to 9 (smallest)'),
  PGSHIFT_FLUSH_CONCURRENCY: env.integer(1).prefault('4').describe('tables written to S3 at once'),
  PGSHIFT_TOAST_PLACEHOLDER: z
    .string()
    .default('__debezium_unavailable_value')
    .describe("Debezium's placeholder for an unchanged TOAST value (the connector's `unavailable.value.placeholder`)"),
  PGSHIFT_HTTP_PORT: env.integer(0).prefault('59101').describe('port of `/metrics`, `/healthz`, `/readyz`'),
  PGSHIFT_INSTANCE_ID: env
    .string()
    .default(`${hostname()}-${process.pid}`)
    .meta({ description: 'names this instance in Kafka client ids and batch events', whenUnset: 'host name and process id' }),
  ...logLevelShape,
  PGSHIFT_CONNECT_URL: env.httpUrl().optional().meta({
    description:
      "Kafka Connect's REST API: a FAILED connector task is reported (`pgshift_connector_task_failed{connector,task}`, an error line with the trace summary, 503 `/readyz`)",
    whenUnset: 'not watched',
  }),
};

export const configDocs: ConfigDocs = { section: 'batcher', shapes: [batcherConfigShape] };

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
  const c = loadConfig(batcherConfigShape, environment, schemaRegistryRules);
  const defaults: FlushLimits = { rows: c.PGSHIFT_FLUSH_ROWS, bytes: c.PGSHIFT_FLUSH_BYTES, ageMs: c.PGSHIFT_FLUSH_AGE };
  return {
    kafka: { brokers: c.PGSHIFT_KAFKA_BROKERS, group: c.PGSHIFT_CONSUMER_GROUP, sessionTimeoutMs: c.PGSHIFT_SESSION_TIMEOUT },
    registry: schemaRegistrySettings(c),
    topicPattern: new RegExp(c.PGSHIFT_TOPIC_PATTERN),
    topicRefreshMs: c.PGSHIFT_TOPIC_REFRESH,
    batchesTopic: c.PGSHIFT_BATCHES_TOPIC,
    deadLetterTopic: c.PGSHIFT_DEAD_LETTER_TOPIC,
    /** The control topic carries replays of change topics (`pgshift tables replay`). */
    ...controlTopicsOf(c.PGSHIFT_BATCHES_TOPIC, c),
    s3: { bucket: c.PGSHIFT_S3_BUCKET, prefix: c.PGSHIFT_S3_PREFIX, ...s3Settings(c) },
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
