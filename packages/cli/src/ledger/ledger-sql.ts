import { foldIdentifier, LEDGER, ledgerTableName, quoteIdentifier, type Dialect, type TargetTable } from '@pgshift/warehouse';

/** Every ledger row, or one warehouse table's, as text columns (the same SQL on both warehouses). */
export function showLedgerSql(dialect: Dialect, target?: TargetTable): string {
  const q = (name: string) => quoteIdentifier(name, dialect.identifiers);
  const text = dialect.name === 'redshift' ? 'VARCHAR(40)' : 'TEXT';
  const where =
    target === undefined
      ? ''
      : ` WHERE ${q('target_schema')} = ${dialect.literal(foldIdentifier(target.schema, dialect.identifiers))}` +
        ` AND ${q('target_table')} = ${dialect.literal(foldIdentifier(target.table, dialect.identifiers))}`;
  return (
    `SELECT ${q('target_schema')} AS "target_schema", ${q('target_table')} AS "target_table", ${q('topic')} AS "topic", ` +
    `CAST(${q('partition')} AS ${text}) AS "partition", CAST(${q('last_offset')} AS ${text}) AS "last_offset", ${q('batch_id')} AS "batch_id", ` +
    `TO_CHAR(${q('updated_at')}, 'YYYY-MM-DD HH24:MI:SS') AS "updated_at" ` +
    `FROM ${ledgerTableName(dialect)}${where} ORDER BY 1, 2, 3, 4`
  );
}

/** Whether an error says the ledger table does not exist yet (no batch was ever loaded). */
export function isMissingLedger(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === '42P01' || new RegExp(`relation "?(${LEDGER.schema}\\.)?${LEDGER.table}"? does not exist`, 'i').test(e?.message ?? '');
}
