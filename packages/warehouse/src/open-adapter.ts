import type { S3Client } from '@aws-sdk/client-s3';
import type pg from 'pg';
import type { WarehouseAdapter } from './adapter.js';
import type { WarehouseConnection } from './config.js';
import { PostgresAdapter } from './postgres/adapter.js';
import { RedshiftAdapter } from './redshift/adapter.js';

export interface OpenAdapterOptions {
  /** Shown in Redshift's query list (the Data API's StatementName). */
  statementName: string;
  /** PostgreSQL: reads the batch files; only applyBatch needs it. */
  s3?: S3Client;
  /** Redshift: the batch bucket's region, given to COPY when it differs from the Data API's. */
  bucketRegion?: string;
  /** PostgreSQL: pool settings beside the connection string (session settings, pool size …). */
  postgresPool?: Omit<pg.PoolConfig, 'connectionString'>;
}

/** The adapter for a connection read by readWarehouseConnection: what the loader and the CLI both open. */
export function openWarehouseAdapter(connection: WarehouseConnection, options: OpenAdapterOptions): WarehouseAdapter {
  if (connection.kind === 'postgres') {
    return new PostgresAdapter({ connection: { ...options.postgresPool, connectionString: connection.url }, ...(options.s3 ? { s3: options.s3 } : {}) });
  }
  const { target, region, endpoint, iamRole, statementTimeoutMs } = connection;
  return new RedshiftAdapter({
    dataApi: { target, clientConfig: { region, ...(endpoint ? { endpoint } : {}) }, statementName: options.statementName, statementTimeoutMs },
    dialect: {
      ...(iamRole ? { iamRole } : {}),
      ...(options.bucketRegion && options.bucketRegion !== region ? { region: options.bucketRegion } : {}),
    },
  });
}
