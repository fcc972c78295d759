import { type RedshiftDataServer, startRedshiftDataServer } from '../redshift-data-server/server.js';
import { stack } from './stack.js';

/**
 * A warehouse the loader can be pointed at in an end-to-end test. Both write to the warehouse
 * PostgreSQL database: `postgres` directly, `redshift` through the Redshift Data API-compatible test
 * server started in the test process (Redshift SQL translated to PostgreSQL; SUPER is jsonb there,
 * VARBYTE a bytea domain).
 */
export interface WarehouseTarget {
  readonly name: 'postgres' | 'redshift';
  /** For test titles. */
  readonly description: string;
  start(): Promise<void>;
  close(): Promise<void>;
  /** Loader environment that selects this warehouse. */
  loaderEnv(): Record<string, string>;
  /** The warehouse column type (format_type spelling) of a source varchar(n): lengths are bytes on Redshift. */
  varcharType(length: number): string;
}

export const postgresTarget: WarehouseTarget = {
  name: 'postgres',
  description: 'a PostgreSQL warehouse',
  start: async () => undefined,
  close: async () => undefined,
  loaderEnv: () => ({ PGSHIFT_WAREHOUSE: 'postgres', PGSHIFT_WAREHOUSE_URL: stack.warehouseUrl }),
  varcharType: (length) => `character varying(${length})`,
};

export function redshiftTarget(): WarehouseTarget {
  let server: RedshiftDataServer | null = null;
  return {
    name: 'redshift',
    description: 'Redshift (Data API test server)',
    async start() {
      server ??= await startRedshiftDataServer({ port: 0, warehouseUrl: stack.warehouseUrl, s3: stack.s3 });
    },
    async close() {
      await server?.close();
      server = null;
    },
    loaderEnv() {
      if (!server) throw new Error('the Redshift Data API test server is not started');
      return {
        PGSHIFT_WAREHOUSE: 'redshift',
        PGSHIFT_REDSHIFT_ENDPOINT: server.url,
        PGSHIFT_REDSHIFT_CLUSTER_ID: 'test',
        PGSHIFT_REDSHIFT_DATABASE: 'warehouse',
        PGSHIFT_REDSHIFT_DB_USER: 'pgshift',
        PGSHIFT_REDSHIFT_IAM_ROLE: 'arn:aws:iam::000000000000:role/pgshift',
        PGSHIFT_REDSHIFT_REGION: stack.s3.region,
      };
    },
    varcharType: (length) => `character varying(${Math.min(4 * length, 65535)})`,
  };
}

/** Every warehouse the loader supports, each scenario runs against all of them. */
export function warehouseTargets(): WarehouseTarget[] {
  return [postgresTarget, redshiftTarget()];
}
