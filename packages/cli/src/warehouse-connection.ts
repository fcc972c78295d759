import { ConfigError } from '@pgshift/runtime';
import { openWarehouseAdapter, readWarehouseConnection, textSessionPool, type WarehouseAdapter } from '@pgshift/warehouse';
import { UsageError } from './cli-error.js';

export interface WarehouseFlags {
  /** `postgres` or `redshift`: overrides PGSHIFT_WAREHOUSE. */
  warehouse?: string | undefined;
  /** overrides PGSHIFT_WAREHOUSE_URL. */
  warehouseUrl?: string | undefined;
}

/**
 * The warehouse the loader writes to, read from the same variables by the same reader
 * (packages/warehouse/src/config.ts), the command line's flags taking precedence. PostgreSQL sessions
 * read values as text the same way whatever the server's settings (textSessionPool).
 */
export function openWarehouse(flags: WarehouseFlags, environment: NodeJS.ProcessEnv = process.env): WarehouseAdapter {
  let connection: ReturnType<typeof readWarehouseConnection>;
  try {
    connection = readWarehouseConnection({
      ...environment,
      ...(flags.warehouse ? { PGSHIFT_WAREHOUSE: flags.warehouse } : {}),
      ...(flags.warehouseUrl ? { PGSHIFT_WAREHOUSE_URL: flags.warehouseUrl } : {}),
    });
  } catch (error) {
    if (error instanceof ConfigError)
      throw new UsageError(`${error.message}\n(--warehouse and --warehouse-url stand for PGSHIFT_WAREHOUSE and PGSHIFT_WAREHOUSE_URL)`);
    throw error;
  }
  return openWarehouseAdapter(connection, { statementName: 'pgshift-cli', postgresPool: textSessionPool({ applicationName: 'pgshift-cli' }) });
}
