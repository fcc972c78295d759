import { PostgresTextQueries, postgresDialect, type WarehouseAdapter } from '@pgshift/warehouse';
import type { Connections } from './verify-table.js';

/** Source and warehouse as verify uses them; statements on the source are cancelled after a minute. */
export function verifyConnections(sourceUrl: string, warehouse: WarehouseAdapter): Connections {
  return {
    source: new PostgresTextQueries(sourceUrl, { applicationName: 'pgshift-verify', statementTimeoutMs: 60_000 }),
    warehouse,
    sourceSide: { role: 'source', dialect: postgresDialect, warehouse: warehouse.dialect },
    warehouseSide: { role: 'warehouse', dialect: warehouse.dialect, warehouse: warehouse.dialect },
    warehouseIdentifiers: warehouse.dialect.identifiers,
  };
}
