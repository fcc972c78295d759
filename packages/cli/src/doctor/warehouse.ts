import { isMissingLedger, LEDGER, type WarehouseAdapter } from '@pgshift/warehouse';
import { type Finding, unchecked } from './finding.js';
import { ledgerFindings, parseLedgerTable, parseSchemaPrivileges, parseSession, schemaFindings } from './warehouse-rules.js';
import { ledgerPrivilegesStatement, readLedgerStatement, schemaPrivilegesStatement, warehouseSessionStatement } from './warehouse-sql.js';

export interface WarehouseCheckOptions {
  /** The loader's PGSHIFT_TARGET_SCHEMA, when every table goes to one schema. */
  targetSchema?: string | undefined;
  /** Otherwise the source schemas of the published tables (each lands in a schema of its name). */
  sourceSchemas: readonly string[];
}

/** Connects to the warehouse (through the loader's own adapter) and checks what the loader needs of it. */
export async function checkWarehouse(warehouse: WarehouseAdapter, options: WarehouseCheckOptions): Promise<Finding[]> {
  const kind = warehouse.dialect.name;
  let session: ReturnType<typeof parseSession>;
  try {
    const [row] = await warehouse.queryText(warehouseSessionStatement());
    session = parseSession(row ?? {});
  } catch (error) {
    return [
      unchecked(
        'warehouse',
        'connect',
        error,
        kind === 'postgres'
          ? 'check PGSHIFT_WAREHOUSE_URL (or --warehouse-url)'
          : 'check the PGSHIFT_REDSHIFT_* variables, the AWS credentials and that the Data API reaches the cluster or workgroup',
      ),
    ];
  }
  const findings: Finding[] = [
    { area: 'warehouse', check: 'connect', severity: 'ok', message: `connected to ${kind} database ${session.database} as ${session.user}` },
  ];
  try {
    const targets = options.targetSchema ? [options.targetSchema] : [...options.sourceSchemas];
    const schemas = [...new Set([...targets, LEDGER.schema])];
    const existing = (await warehouse.queryText(schemaPrivilegesStatement(warehouse.dialect, schemas))).map(parseSchemaPrivileges);
    if (targets.length === 0) {
      findings.push({
        area: 'warehouse',
        check: 'target-schema',
        severity: 'skipped',
        message: 'no target schema known (no published source table checked)',
        fix: 'give --target-schema (PGSHIFT_TARGET_SCHEMA) or a source with published tables',
      });
    }
    findings.push(
      ...schemaFindings(session, schemas, existing, (schema) =>
        schema === LEDGER.schema ? "pgshift's ledger" : options.targetSchema ? 'PGSHIFT_TARGET_SCHEMA' : `the tables of source schema ${schema}`,
      ),
    );
    const ledgerSchema = existing.find((e) => e.schema === LEDGER.schema);
    if (ledgerSchema?.canUse) {
      const tables = (await warehouse.queryText(ledgerPrivilegesStatement(warehouse.dialect))).map(parseLedgerTable);
      let sharedRows: number | null = null;
      if (tables.some((t) => t.table === LEDGER.table && t.writable)) {
        try {
          sharedRows = Number((await warehouse.queryText(readLedgerStatement(warehouse.dialect)))[0]?.ledger_rows ?? 0);
        } catch (error) {
          if (!isMissingLedger(error)) throw error;
        }
      }
      findings.push(...ledgerFindings(session, tables, sharedRows, true));
    }
  } catch (error) {
    findings.push(
      unchecked('warehouse', 'catalog', error, `doctor reads pg_namespace, information_schema.tables and the ledger: connect as the loader's user`),
    );
  }
  return findings;
}
