import { createRedshiftDialect, postgresDialect, type Dialect, type RedshiftTarget } from '@pgshift/warehouse';
import { UsageError } from '../cli-error.js';
import { PostgresRunner } from './postgres-runner.js';
import { RedshiftRunner } from './redshift-runner.js';
import type { SqlRunner } from './sql-runner.js';

export interface WarehouseChoice {
  /** `postgres` or `redshift`; default PGSHIFT_WAREHOUSE. */
  kind?: string | undefined;
  /** postgres: the connection string; default PGSHIFT_WAREHOUSE_URL. */
  url?: string | undefined;
}

export interface OpenWarehouse {
  runner: SqlRunner;
  dialect: Dialect;
}

/**
 * Connects to the warehouse the way the loader does (services/loader/src/config.ts): PGSHIFT_WAREHOUSE
 * and PGSHIFT_WAREHOUSE_URL for PostgreSQL; PGSHIFT_REDSHIFT_* for Redshift through the Data API.
 */
export function openWarehouse(choice: WarehouseChoice, env: NodeJS.ProcessEnv = process.env, statementTimeoutMs?: number): OpenWarehouse {
  const kind = choice.kind ?? env.PGSHIFT_WAREHOUSE;
  if (kind === 'postgres') {
    const url = choice.url ?? env.PGSHIFT_WAREHOUSE_URL;
    if (!url) throw new UsageError('the PostgreSQL warehouse needs --warehouse-url or PGSHIFT_WAREHOUSE_URL');
    return { runner: new PostgresRunner({ connectionString: url, applicationName: 'pgshift-cli', statementTimeoutMs }), dialect: postgresDialect };
  }
  if (kind === 'redshift') {
    const endpoint = env.PGSHIFT_REDSHIFT_ENDPOINT;
    const runner = new RedshiftRunner({
      target: redshiftTarget(env),
      clientConfig: { region: env.PGSHIFT_REDSHIFT_REGION || 'us-east-1', ...(endpoint ? { endpoint } : {}) },
      ...(statementTimeoutMs ? { statementTimeoutMs } : {}),
    });
    return { runner, dialect: createRedshiftDialect() };
  }
  throw new UsageError(`choose the warehouse with --warehouse postgres|redshift or PGSHIFT_WAREHOUSE (got ${JSON.stringify(kind ?? '')})`);
}

export function redshiftTarget(env: NodeJS.ProcessEnv): RedshiftTarget {
  const database = env.PGSHIFT_REDSHIFT_DATABASE;
  if (!database) throw new UsageError('Redshift needs PGSHIFT_REDSHIFT_DATABASE');
  const secretArn = env.PGSHIFT_REDSHIFT_SECRET_ARN || undefined;
  if (env.PGSHIFT_REDSHIFT_WORKGROUP) return { workgroupName: env.PGSHIFT_REDSHIFT_WORKGROUP, database, ...(secretArn ? { secretArn } : {}) };
  const clusterIdentifier = env.PGSHIFT_REDSHIFT_CLUSTER_ID;
  if (!clusterIdentifier) throw new UsageError('Redshift needs PGSHIFT_REDSHIFT_CLUSTER_ID or PGSHIFT_REDSHIFT_WORKGROUP');
  if (env.PGSHIFT_REDSHIFT_DB_USER) return { clusterIdentifier, database, dbUser: env.PGSHIFT_REDSHIFT_DB_USER };
  if (secretArn) return { clusterIdentifier, database, secretArn };
  throw new UsageError('a Redshift cluster needs PGSHIFT_REDSHIFT_DB_USER or PGSHIFT_REDSHIFT_SECRET_ARN');
}
