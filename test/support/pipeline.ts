import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { allocatePort, type ServiceHandle, startService } from './services.js';
import { stack, uniqueName } from './stack.js';

/** The sample schema (fixtures/sample-schema.sql) created under `schema` in the source. */
export async function createSampleSchema(source: pg.Client, schema: string): Promise<void> {
  const sql = readFileSync(fileURLToPath(new URL('../fixtures/sample-schema.sql', import.meta.url)), 'utf8');
  await source.query(sql.replaceAll(':schema', schema));
}

export interface Pipeline {
  schema: string;
  batchesTopic: string;
  batcherGroup: string;
  loaderGroup: string;
  batcherEnv: Record<string, string>;
  loaderEnv: Record<string, string>;
  /** The compacted topics of table control records and of the loaders' table status. */
  controlTopic: string;
  statusTopic: string;
  startBatcher(label?: string): ServiceHandle;
  startLoader(label?: string): ServiceHandle;
  /** The control service (the API behind `pgshift tables`) of this pipeline, on a port of its own. */
  startControl(label?: string): ControlHandle;
  services: ServiceHandle[];
  stopAll(): Promise<void>;
}

export interface ControlHandle extends ServiceHandle {
  /** The control API's base URL and token: what `pgshift tables` needs (PGSHIFT_CONTROL_URL, PGSHIFT_CONTROL_TOKEN). */
  url: string;
  token: string;
  cliEnv: Record<string, string>;
}

/** The token the tests' control services require. */
export const TEST_CONTROL_TOKEN = 'pgshift-test-control-token';

/**
 * A pipeline of its own for one test: the change topics of `schema` only, its own batches topic and
 * consumer groups, landing in a warehouse schema of the same name. Tests never share state.
 */
export function pipelineFor(schema: string, overrides: { batcher?: Record<string, string>; loader?: Record<string, string> } = {}): Pipeline {
  const batchesTopic = `${uniqueName('batches')}`;
  const batcherGroup = uniqueName('batcher');
  const loaderGroup = uniqueName('loader');
  const batcherEnv = {
    PGSHIFT_TOPIC_PATTERN: `^${stack.topicPrefix}\\.${schema}\\.[^.]+$`,
    PGSHIFT_CONSUMER_GROUP: batcherGroup,
    PGSHIFT_BATCHES_TOPIC: batchesTopic,
    PGSHIFT_DEAD_LETTER_TOPIC: `${batchesTopic}.dead-letter`,
    PGSHIFT_S3_PREFIX: `tests/${schema}`,
    PGSHIFT_FLUSH_AGE: '1s',
    PGSHIFT_TOPIC_REFRESH: '2s',
    ...overrides.batcher,
  };
  const loaderEnv = {
    PGSHIFT_CONSUMER_GROUP: loaderGroup,
    PGSHIFT_BATCHES_TOPIC: batchesTopic,
    PGSHIFT_DEAD_LETTER_TOPIC: `${batchesTopic}.dead-letter`,
    PGSHIFT_STATUS_INTERVAL: '1s',
    ...overrides.loader,
  };
  const services: ServiceHandle[] = [];
  return {
    schema,
    batchesTopic,
    batcherGroup,
    loaderGroup,
    batcherEnv,
    loaderEnv,
    controlTopic: `${batchesTopic}.control`,
    statusTopic: `${batchesTopic}.status`,
    services,
    startBatcher(label = 'batcher') {
      const handle = startService('batcher', batcherEnv, label);
      services.push(handle);
      return handle;
    },
    startLoader(label = 'loader') {
      const handle = startService('loader', loaderEnv, label);
      services.push(handle);
      return handle;
    },
    startControl(label = 'control') {
      const apiPort = allocatePort();
      const handle = startService(
        'control',
        { PGSHIFT_BATCHES_TOPIC: batchesTopic, PGSHIFT_CONTROL_TOKEN: TEST_CONTROL_TOKEN, PGSHIFT_CONTROL_PORT: String(apiPort) },
        label,
      );
      services.push(handle);
      const url = `http://127.0.0.1:${apiPort}`;
      return { ...handle, url, token: TEST_CONTROL_TOKEN, cliEnv: { PGSHIFT_CONTROL_URL: url, PGSHIFT_CONTROL_TOKEN: TEST_CONTROL_TOKEN } };
    },
    async stopAll() {
      await Promise.all(services.map((s) => s.kill()));
    },
  };
}

/** Rows of a table as text, ordered, for comparing the source with the warehouse. */
export async function rowsAsText(client: pg.Client, query: string): Promise<string[]> {
  const { rows } = await client.query({ text: query, rowMode: 'array' });
  return rows.map((row: unknown[]) => JSON.stringify(row));
}

export async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  // A database the test stops on purpose ends its connections with an 'error' event: without a listener
  // that is an uncaught exception, which fails the whole file after its tests passed. The next query on
  // the client fails with the reason anyway.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}
