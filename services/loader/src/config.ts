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
import { parseTableDesigns, type TableDesign, warehouseConnectionOf, warehouseConnectionRules, warehouseConnectionShape } from '@pgshift/warehouse';
import { z } from 'zod';

/** PGSHIFT_REDSHIFT_TABLE_DESIGN: JSON, each table's design checked, every problem named (sql/table-design.ts). */
const tableDesigns = z.string().transform((text, ctx) => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'expected JSON such as {"public.orders":{"distKey":"customer_id","sortKey":["created_at"]}}' });
    return z.NEVER;
  }
  const { designs, problems } = parseTableDesigns(value);
  for (const problem of problems) ctx.addIssue({ code: 'custom', message: problem });
  return problems.length > 0 ? z.NEVER : designs;
});

/** Every variable the loader reads; README.md's loader table is rendered from it (`npm run docs`). */
export const loaderConfigShape = {
  PGSHIFT_KAFKA_BROKERS: env.list().describe('Kafka bootstrap brokers, comma-separated `host:port`'),
  ...schemaRegistryShape,
  PGSHIFT_BATCHES_TOPIC: env.string().default('pgshift.batches').describe('the "batch ready" events to load'),
  PGSHIFT_SESSION_TIMEOUT: env
    .duration()
    .prefault('20s')
    .describe('how long the consumer group waits for a silent instance before giving its partitions to another'),
  PGSHIFT_CONSUMER_GROUP: env.string().default('pgshift-loader').describe('consumer group of the batches topic'),
  PGSHIFT_DEAD_LETTER_TOPIC: env.string().default('pgshift.dead-letter').describe('where undecodable batch events and copies of those that stopped a table go'),
  ...controlTopicsShape,
  PGSHIFT_STATUS_INTERVAL: env.duration().prefault('10s').describe("how often the loader publishes its tables' status to the status topic"),
  ...warehouseConnectionShape,
  ...s3ClientShape,
  PGSHIFT_TARGET_SCHEMA: z.string().optional().meta({ description: 'the warehouse schema of every table', whenUnset: "the source table's schema" }),
  PGSHIFT_DELETE_MODE: env
    .oneOf(['hard', 'soft'] as const)
    .default('hard')
    .describe('`hard` deletes rows; `soft` keeps them, marked in `_pgshift_deleted`'),
  PGSHIFT_SOFT_DELETE_TABLES: env.list().optional().describe('`schema.table` names, comma-separated, that use soft deletes whatever PGSHIFT_DELETE_MODE says'),
  PGSHIFT_OVERSIZE_POLICY: env
    .oneOf(['truncate', 'stop'] as const)
    .default('truncate')
    .describe('text over 65,535 bytes on Redshift: `truncate` it (counted) or `stop` the table'),
  PGSHIFT_UNREPRESENTABLE: env
    .oneOf(['substitute', 'stop'] as const)
    .default('substitute')
    .describe(
      'a value its warehouse column cannot hold (Redshift: infinity, NaN, numerics beyond the DECIMAL): `substitute` lands its documented substitute and records it in `pgshift.substitutes_…` (docs/type-mapping.md), `stop` stops the table',
    ),
  PGSHIFT_SCHEMA_CHANGE_POLICY: env
    .oneOf(['resync', 'stop'] as const)
    .default('resync')
    .describe(
      'a schema change whose effect on rows already loaded pgshift cannot reproduce (a rename, a retype beyond a widening, a column dropped and added again, a volatile default): `resync` follows it, reports the table incomplete and asks for a resync; `stop` stops the table',
    ),
  PGSHIFT_REDSHIFT_TABLE_DESIGN: tableDesigns
    .prefault('{}')
    .describe(
      'redshift: per-table design applied when a table is created, e.g. `{"shop.orders":{"distKey":"customer_id","sortKey":["created_at"],"encode":{"note":"ZSTD"}}}` (distStyle AUTO/EVEN/ALL/KEY, sortKey "AUTO" or columns, interleaved, encode); default DISTSTYLE AUTO, the primary key as compound sort key (SORTKEY AUTO without one), automatic encoding',
    ),
  PGSHIFT_DROP_REMOVED_COLUMNS: env.boolean().prefault('false').describe('drop warehouse columns the source dropped (else they receive NULLs)'),
  PGSHIFT_TABLE_CONCURRENCY: env.integer(1).prefault('4').describe('tables loaded at once'),
  PGSHIFT_RETRY_BACKOFF_MAX: env
    .duration()
    .prefault('30s')
    .describe('longest wait between two attempts at a batch that failed for a passing reason (retried for as long as it lasts)'),
  PGSHIFT_STOPPED_RETRY: env
    .duration()
    .prefault('1m')
    .describe('first wait before a stopped table tries its batch again (doubling, up to PGSHIFT_STOPPED_RETRY_MAX)'),
  PGSHIFT_STOPPED_RETRY_MAX: env.duration().prefault('30m').describe('longest wait between two attempts of a stopped table'),
  PGSHIFT_HTTP_PORT: env.integer(0).prefault('59102').describe('port of `/metrics`, `/healthz`, `/readyz`'),
  PGSHIFT_INSTANCE_ID: env
    .string()
    .default(`${hostname()}-${process.pid}`)
    .meta({ description: 'names this instance in Kafka client ids and Data API statement names', whenUnset: 'host name and process id' }),
  ...logLevelShape,
};

export const configDocs: ConfigDocs = {
  section: 'loader',
  shapes: [loaderConfigShape],
};

export type LoaderConfig = ReturnType<typeof readLoaderConfig>;

export function readLoaderConfig(environment: NodeJS.ProcessEnv = process.env) {
  const c = loadConfig(loaderConfigShape, environment, (parsed) => [
    ...schemaRegistryRules(parsed),
    ...warehouseConnectionRules({ loadsBatches: true })(parsed),
  ]);
  const connection = warehouseConnectionOf(c, { loadsBatches: true });
  const softDeleteTables = new Set(c.PGSHIFT_SOFT_DELETE_TABLES ?? []);
  return {
    kafka: { brokers: c.PGSHIFT_KAFKA_BROKERS, group: c.PGSHIFT_CONSUMER_GROUP, sessionTimeoutMs: c.PGSHIFT_SESSION_TIMEOUT },
    registry: schemaRegistrySettings(c),
    batchesTopic: c.PGSHIFT_BATCHES_TOPIC,
    deadLetterTopic: c.PGSHIFT_DEAD_LETTER_TOPIC,
    ...controlTopicsOf(c.PGSHIFT_BATCHES_TOPIC, c),
    statusIntervalMs: Math.max(100, c.PGSHIFT_STATUS_INTERVAL),
    warehouse: c.PGSHIFT_WAREHOUSE,
    connection,
    s3: s3Settings(c),
    targetSchema: c.PGSHIFT_TARGET_SCHEMA,
    deleteModeFor: (qualifiedName: string): 'hard' | 'soft' => (softDeleteTables.has(qualifiedName) ? 'soft' : c.PGSHIFT_DELETE_MODE),
    oversizePolicy: c.PGSHIFT_OVERSIZE_POLICY,
    unrepresentablePolicy: c.PGSHIFT_UNREPRESENTABLE,
    dropRemovedColumns: c.PGSHIFT_DROP_REMOVED_COLUMNS,
    schemaChangePolicy: c.PGSHIFT_SCHEMA_CHANGE_POLICY,
    /** The Redshift design of a table to create (by source `schema.table`), or null for the defaults. */
    tableDesignFor: (qualifiedName: string): TableDesign | null => c.PGSHIFT_REDSHIFT_TABLE_DESIGN.get(qualifiedName) ?? null,
    tableConcurrency: c.PGSHIFT_TABLE_CONCURRENCY,
    retry: {
      transient: { initialMs: Math.min(250, c.PGSHIFT_RETRY_BACKOFF_MAX), maxMs: c.PGSHIFT_RETRY_BACKOFF_MAX },
      stopped: { initialMs: c.PGSHIFT_STOPPED_RETRY, maxMs: Math.max(c.PGSHIFT_STOPPED_RETRY, c.PGSHIFT_STOPPED_RETRY_MAX) },
    },
    httpPort: c.PGSHIFT_HTTP_PORT,
    instanceId: c.PGSHIFT_INSTANCE_ID,
  };
}
