import { type Dialect, foldIdentifier, LEDGER, ledgerTableName, TARGET_LEDGER_PREFIX, TRUNCATIONS } from '@pgshift/warehouse';

/**
 * The statements doctor reads the warehouse with, in SQL that PostgreSQL and Redshift both run
 * (catalog views and the has_*_privilege functions). Booleans come back as 1 / 0: the Data API and a
 * PostgreSQL text session spell true differently.
 */

const flag = (condition: string) => `CASE WHEN ${condition} THEN 1 ELSE 0 END`;

/** Who doctor is connected as, where, and whether that user may create schemas. */
export function warehouseSessionStatement(): string {
  return `SELECT current_user AS user_name, current_database() AS database_name, ${flag("has_database_privilege(current_database(), 'CREATE')")} AS can_create_schema`;
}

/** Of the schemas given (as the loader names them), those that exist, with the user's CREATE and USAGE on each. */
export function schemaPrivilegesStatement(dialect: Dialect, schemas: readonly string[]): string {
  const names = schemas.map((s) => dialect.literal(foldIdentifier(s, dialect.identifiers))).join(', ');
  return (
    `SELECT nspname AS schema_name, ${flag("has_schema_privilege(nspname, 'CREATE')")} AS can_create, ${flag("has_schema_privilege(nspname, 'USAGE')")} AS can_use ` +
    `FROM pg_namespace WHERE nspname IN (${names}) ORDER BY nspname`
  );
}

/** pgshift's ledger tables (the per-target ones and the shared ones of earlier versions), with whether the user may read and write each. */
export function ledgerPrivilegesStatement(dialect: Dialect): string {
  const name = `quote_ident(table_schema) || '.' || quote_ident(table_name)`;
  const may = (privilege: string) => `has_table_privilege(${name}, '${privilege}')`;
  return (
    `SELECT table_name, ${flag(['SELECT', 'INSERT', 'UPDATE', 'DELETE'].map(may).join(' AND '))} AS writable ` +
    `FROM information_schema.tables WHERE table_schema = ${dialect.literal(LEDGER.schema)} ` +
    `AND (table_name IN (${dialect.literal(LEDGER.table)}, ${dialect.literal(TRUNCATIONS.table)}) OR table_name LIKE ${dialect.literal(`${TARGET_LEDGER_PREFIX.replace('_', '\\_')}%`)}) ` +
    'ORDER BY table_name'
  );
}

/** Reads the shared ledger: proves the user can, and that the table is sound. */
export function readLedgerStatement(dialect: Dialect): string {
  return `SELECT count(*) AS ledger_rows FROM ${ledgerTableName(dialect)}`;
}
