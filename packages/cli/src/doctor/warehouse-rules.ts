import { LEDGER, TARGET_LEDGER_PREFIX, type TextRow } from '@pgshift/warehouse';
import { type Finding, findingIn } from './finding.js';

/** The warehouse's findings from its catalog rows (warehouse-sql.ts): pure. */

export interface WarehouseSession {
  user: string;
  database: string;
  canCreateSchema: boolean;
}

export interface SchemaPrivileges {
  schema: string;
  canCreate: boolean;
  canUse: boolean;
}

export interface LedgerTable {
  table: string;
  writable: boolean;
}

const finding = findingIn('warehouse');

export const parseSession = (row: TextRow): WarehouseSession => ({
  user: row.user_name ?? '',
  database: row.database_name ?? '',
  canCreateSchema: row.can_create_schema === '1',
});
export const parseSchemaPrivileges = (row: TextRow): SchemaPrivileges => ({
  schema: row.schema_name ?? '',
  canCreate: row.can_create === '1',
  canUse: row.can_use === '1',
});
export const parseLedgerTable = (row: TextRow): LedgerTable => ({ table: row.table_name ?? '', writable: row.writable === '1' });

/**
 * Each schema the loader writes into (the target schemas, and `pgshift` for the ledger): it exists and
 * the user may create tables in it, or it does not and the user may create it (the loader does, on the
 * first batch).
 */
export function schemaFindings(
  session: WarehouseSession,
  schemas: readonly string[],
  existing: readonly SchemaPrivileges[],
  purpose: (schema: string) => string,
): Finding[] {
  const findings: Finding[] = [];
  const ready: string[] = [];
  for (const schema of schemas) {
    const found = existing.find((e) => e.schema === schema || e.schema === schema.toLowerCase());
    const check = schema === LEDGER.schema ? 'ledger-schema' : 'target-schema';
    if (found?.canCreate && found.canUse) ready.push(schema);
    else if (found) {
      const missing = [...(found.canUse ? [] : ['USAGE']), ...(found.canCreate ? [] : ['CREATE'])];
      findings.push(
        finding(
          check,
          'error',
          `${session.user} lacks ${missing.join(' and ')} on schema ${schema} (${purpose(schema)}): the loader stops the tables it cannot write`,
          `GRANT USAGE, CREATE ON SCHEMA ${schema} TO ${session.user};`,
          [schema],
        ),
      );
    } else if (session.canCreateSchema) {
      findings.push(
        finding(
          check,
          'info',
          `schema ${schema} does not exist yet (${purpose(schema)}): the loader creates it with its first batch (${session.user} may create schemas)`,
          undefined,
          [schema],
        ),
      );
    } else {
      findings.push(
        finding(
          check,
          'error',
          `schema ${schema} does not exist (${purpose(schema)}) and ${session.user} may not create schemas in ${session.database}: the first batch fails`,
          `CREATE SCHEMA ${schema} AUTHORIZATION ${session.user}; (or GRANT CREATE ON DATABASE ${session.database} TO ${session.user};)`,
          [schema],
        ),
      );
    }
  }
  if (ready.length > 0)
    findings.push(
      finding(
        ready.includes(LEDGER.schema) && ready.length === 1 ? 'ledger-schema' : 'target-schema',
        'ok',
        `${session.user} may create tables in ${ready.join(', ')}`,
        undefined,
        ready,
      ),
    );
  return findings;
}

/** The ledger tables the user can read and write, and what the shared ledger read returned. */
export function ledgerFindings(session: WarehouseSession, tables: readonly LedgerTable[], sharedLedgerRows: number | null, schemaExists: boolean): Finding[] {
  if (!schemaExists) return [];
  const blocked = tables.filter((t) => !t.writable).map((t) => `${LEDGER.schema}.${t.table}`);
  if (blocked.length > 0) {
    return [
      finding(
        'ledger',
        'error',
        `${session.user} cannot read and write ${blocked.length} ledger ${blocked.length === 1 ? 'table' : 'tables'} (${blocked.slice(0, 5).join(', ')}): every batch of their targets fails`,
        `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${LEDGER.schema} TO ${session.user};`,
        blocked,
      ),
    ];
  }
  const perTarget = tables.filter((t) => t.table.startsWith(TARGET_LEDGER_PREFIX)).length;
  if (perTarget === 0 && sharedLedgerRows === null) {
    return [finding('ledger', 'info', 'no ledger table yet: no batch was loaded into this warehouse (the loader creates them)')];
  }
  return [
    finding(
      'ledger',
      'ok',
      `ledger readable and writable: ${perTarget} target ${perTarget === 1 ? 'ledger' : 'ledgers'}${sharedLedgerRows === null ? '' : `, shared ledger ${LEDGER.schema}.${LEDGER.table} readable (${sharedLedgerRows} rows)`}`,
    ),
  ];
}
