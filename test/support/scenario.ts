import { DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type pg from 'pg';
import { kafka, listTopics } from './kafka.js';
import { type ControlHandle, connect, type Pipeline, pipelineFor } from './pipeline.js';
import { type ServiceHandle, startService } from './services.js';
import { stack, uniqueName } from './stack.js';
import type { WarehouseTarget } from './warehouse-targets.js';

/**
 * One end-to-end scenario: a source schema of its own, a pipeline of its own (topics, consumer groups,
 * S3 prefix) and the loader pointed at one warehouse target. Everything it created is removed
 * afterwards, whether the scenario passed or not.
 */
export interface Scenario {
  schema: string;
  target: WarehouseTarget;
  source: pg.Client;
  warehouse: pg.Client;
  pipeline: Pipeline;
  /** The change topic of a source table. */
  topic(table: string): string;
  /** `schema.table`, as the loader names a table in metrics, readiness and config. */
  qualified(table: string): string;
  startBatcher(): Promise<ServiceHandle>;
  /** Starts a loader and waits until it is ready, unless `ready: false` (it may stop a table at once). */
  startLoader(options?: { ready?: boolean }): Promise<ServiceHandle>;
  /** Starts the control service (the API of `pgshift tables`) and waits until it is ready. */
  startControl(): Promise<ControlHandle>;
  /** Starts both services and waits until both are ready. */
  start(): Promise<{ batcher: ServiceHandle; loader: ServiceHandle }>;
}

export interface ScenarioOptions {
  /** Schema name prefix (a unique suffix is added). */
  prefix: string;
  batcher?: Record<string, string>;
  /** Loader settings; may depend on the schema name (e.g. PGSHIFT_SOFT_DELETE_TABLES). */
  loader?: (schema: string) => Record<string, string>;
}

export async function withScenario(target: WarehouseTarget, options: ScenarioOptions, body: (scenario: Scenario) => Promise<void>): Promise<void> {
  const schema = uniqueName(options.prefix);
  const source = await connect(stack.sourceUrl);
  const warehouse = await connect(stack.warehouseUrl);
  const pipeline = pipelineFor(schema, {
    batcher: options.batcher ?? {},
    loader: { ...target.loaderEnv(), ...options.loader?.(schema) },
  });
  let starts = 0;
  const launch = async (service: 'batcher' | 'loader', { ready = true } = {}) => {
    const env = service === 'batcher' ? pipeline.batcherEnv : pipeline.loaderEnv;
    const handle = startService(service, env, `${schema}-${target.name}-${service}-${++starts}`);
    pipeline.services.push(handle);
    if (ready) await handle.ready(120_000);
    return handle;
  };
  const scenario: Scenario = {
    schema,
    target,
    source,
    warehouse,
    pipeline,
    topic: (table) => `${stack.topicPrefix}.${schema}.${table}`,
    qualified: (table) => `${schema}.${table}`,
    startBatcher: () => launch('batcher'),
    startLoader: (options) => launch('loader', options),
    startControl: async () => {
      const handle = pipeline.startControl(`${schema}-${target.name}-control-${++starts}`);
      await handle.ready(120_000);
      return handle;
    },
    start: async () => {
      const [batcher, loader] = await Promise.all([launch('batcher'), launch('loader')]);
      return { batcher, loader };
    },
  };
  await source.query(`CREATE SCHEMA ${schema}`);
  try {
    await body(scenario);
  } finally {
    await pipeline.stopAll();
    await cleanUp(scenario).finally(async () => {
      await source.end();
      await warehouse.end();
    });
  }
}

/** Drops the scenario's schemas, ledger rows, topics, consumer groups and S3 objects. */
async function cleanUp({ schema, source, warehouse, pipeline }: Scenario): Promise<void> {
  const changeTopicPrefix = `${stack.topicPrefix}.${schema}.`;
  await source.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await warehouse.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await warehouse.query(`DELETE FROM pgshift.ledger WHERE topic LIKE $1`, [`${changeTopicPrefix}%`]).catch(() => undefined);
  // Each target table has a ledger table of its own, named after it (sql/ledger.ts targetLedgerName).
  // So do its tombstones and moved rows (sql/source-order.ts, sql/key-change.ts).
  const readable = schema.toLowerCase().slice(0, 40).replaceAll('_', '\\_');
  const ledgers = await warehouse.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'pgshift' AND (table_name LIKE $1 OR table_name LIKE $2 OR table_name LIKE $3)`,
    [`ledger\\_${readable}%`, `deletes\\_${readable}%`, `moved\\_${readable}%`],
  );
  for (const { table_name } of ledgers.rows) await warehouse.query(`DROP TABLE IF EXISTS pgshift."${table_name}"`);
  const topics = (await listTopics()).filter(
    (t) =>
      t.startsWith(changeTopicPrefix) ||
      [pipeline.batchesTopic, `${pipeline.batchesTopic}.dead-letter`, pipeline.controlTopic, pipeline.statusTopic].includes(t),
  );
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteGroups([pipeline.batcherGroup, pipeline.loaderGroup]).catch(() => undefined);
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
  await deleteS3Prefix(`tests/${schema}/`);
}

async function deleteS3Prefix(prefix: string): Promise<void> {
  const s3 = new S3Client({
    endpoint: stack.s3.endpoint,
    region: stack.s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: stack.s3.accessKeyId, secretAccessKey: stack.s3.secretAccessKey },
  });
  try {
    for (;;) {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: stack.s3.bucket, Prefix: prefix }));
      const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key! }));
      if (keys.length === 0) break;
      await s3.send(new DeleteObjectsCommand({ Bucket: stack.s3.bucket, Delete: { Objects: keys, Quiet: true } }));
      if (!listed.IsTruncated) break;
    }
  } finally {
    s3.destroy();
  }
}

/** The sum of a Prometheus metric's samples whose labels include `labels`. */
export function metricValue(exposition: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const match = /^([^{\s]+)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const sample = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => sample[k] === v)) total += Number(match[3]);
  }
  return total;
}

/** A service's /readyz answer: its status code and detail. */
export async function readiness(service: ServiceHandle): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${service.httpPort}/readyz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
