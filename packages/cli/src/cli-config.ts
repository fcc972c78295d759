import { type ConfigDocs, env, loadConfig, logLevelShape } from '@pgshift/runtime';
import { warehouseConnectionShape } from '@pgshift/warehouse';
import { z } from 'zod';

/**
 * The environment of the pgshift command, read through the same loadConfig as the services (every bad
 * variable reported at once). A flag, where there is one, overrides its variable. (The warehouse
 * variables are the warehouse package's shape.)
 */
export const cliConfigShape = {
  PGSHIFT_KAFKA_BROKERS: env
    .list()
    .optional()
    .meta({ description: 'dead-letters, doctor: Kafka bootstrap brokers, comma-separated `host:port`', whenUnset: 'give `--brokers`' }),
  PGSHIFT_SOURCE_URL: env
    .postgresUrl()
    .optional()
    .meta({ description: 'verify, doctor: the source PostgreSQL connection string', whenUnset: 'give `--source`' }),
  PGSHIFT_TARGET_SCHEMA: env
    .string()
    .optional()
    .meta({ description: "verify, doctor: the warehouse schema of every table, as the loader's (`--target-schema`)", whenUnset: "the source table's schema" }),
  PGSHIFT_CONNECT_URL: env
    .httpUrl()
    .optional()
    .meta({ description: "doctor: Kafka Connect's REST API, to check the connector and its tasks", whenUnset: 'not checked (`--connect-url`)' }),
  PGSHIFT_LOADER_URLS: env.httpUrlList().optional().meta({
    description: "doctor: each loader's ops endpoint (`http://host:<its PGSHIFT_HTTP_PORT>`), comma-separated, for its stopped and waiting tables",
    whenUnset: 'not checked (`--loader-url`)',
  }),
  PGSHIFT_CONTROL_URL: env.httpUrl().optional().meta({ description: 'tables: the control API base URL (`--url`)', whenUnset: '`http://127.0.0.1:59104`' }),
  PGSHIFT_CONTROL_TOKEN: z
    .string()
    .min(1)
    .optional()
    .meta({ description: "tables: the control API's bearer token (the control service's PGSHIFT_CONTROL_TOKEN)", whenUnset: 'required for `tables`' }),
  ...logLevelShape,
};

export type CliConfig = ReturnType<typeof readCliConfig>;

// The warehouse connection is read by the warehouse package's own reader (readWarehouseConnection), documented here too.
export const configDocs: ConfigDocs = { section: 'cli', shapes: [cliConfigShape, warehouseConnectionShape] };

export function readCliConfig(environment: NodeJS.ProcessEnv = process.env) {
  return loadConfig(cliConfigShape, environment);
}
