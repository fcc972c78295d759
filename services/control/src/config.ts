import { hostname } from 'node:os';
import { type ConfigDocs, controlTopicsOf, controlTopicsShape, env, loadConfig, logLevelShape } from '@pgshift/runtime';
import { z } from 'zod';

/** Every variable the control service reads; README.md's control table is rendered from it (`npm run docs`). */
export const controlConfigShape = {
  PGSHIFT_KAFKA_BROKERS: env.list().describe('Kafka bootstrap brokers, comma-separated `host:port`'),
  PGSHIFT_BATCHES_TOPIC: env.string().default('pgshift.batches').describe("the loaders' batches topic (the control and status topics are named after it)"),
  ...controlTopicsShape,
  PGSHIFT_CONTROL_TOKEN: z
    .string({ error: 'required: the bearer token every request must carry' })
    .min(16, { error: 'expected a token of at least 16 characters' })
    .meta({ description: 'the bearer token every API request must carry (`Authorization: Bearer …`); reads too', whenUnset: 'required' }),
  PGSHIFT_CONTROL_HOST: env
    .string()
    .default('127.0.0.1')
    .describe('address the control API listens on (loopback unless set: `0.0.0.0` behind a network policy)'),
  PGSHIFT_CONTROL_PORT: env.integer(0).prefault('59104').describe('port of the control API'),
  PGSHIFT_STATUS_STALE_AFTER: env.duration().prefault('1m').describe('a table whose last status is older than this is shown stale (no loader reports it)'),
  PGSHIFT_HTTP_PORT: env.integer(0).prefault('59103').describe('port of `/metrics`, `/healthz`, `/readyz`'),
  PGSHIFT_INSTANCE_ID: env
    .string()
    .default(`${hostname()}-${process.pid}`)
    .meta({ description: 'names this instance in Kafka client ids', whenUnset: 'host name and process id' }),
  ...logLevelShape,
};

export const configDocs: ConfigDocs = { section: 'control', shapes: [controlConfigShape] };

export type ControlConfig = ReturnType<typeof readControlConfig>;

export function readControlConfig(environment: NodeJS.ProcessEnv = process.env) {
  const c = loadConfig(controlConfigShape, environment);
  return {
    brokers: c.PGSHIFT_KAFKA_BROKERS,
    ...controlTopicsOf(c.PGSHIFT_BATCHES_TOPIC, c),
    token: c.PGSHIFT_CONTROL_TOKEN,
    api: { host: c.PGSHIFT_CONTROL_HOST, port: c.PGSHIFT_CONTROL_PORT },
    staleAfterMs: c.PGSHIFT_STATUS_STALE_AFTER,
    httpPort: c.PGSHIFT_HTTP_PORT,
    instanceId: c.PGSHIFT_INSTANCE_ID,
  };
}
