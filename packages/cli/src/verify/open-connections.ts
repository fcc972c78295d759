import { postgresLiteral } from '@pgshift/warehouse';
import { PostgresRunner } from '../warehouse/postgres-runner.js';
import type { OpenWarehouse } from '../warehouse/open-warehouse.js';
import type { Connections } from './verify-table.js';

/** Source and warehouse as verify uses them; statements on the source are cancelled after a minute. */
export function verifyConnections(sourceUrl: string, warehouse: OpenWarehouse): Connections {
  const flavour = warehouse.dialect.name;
  return {
    source: new PostgresRunner({ connectionString: sourceUrl, applicationName: 'pgshift-verify', statementTimeoutMs: 60_000 }),
    warehouse: warehouse.runner,
    sourceSide: { role: 'source', flavour: 'postgres', warehouse: flavour, literal: postgresLiteral },
    warehouseSide: { role: 'warehouse', flavour, warehouse: flavour, literal: warehouse.dialect.literal },
    warehouseIdentifiers: warehouse.dialect.identifiers,
  };
}
