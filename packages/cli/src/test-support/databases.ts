import { readFileSync } from 'node:fs';
import type { ColumnSpec } from '@pgshift/contracts';
import { createSchemaStatement, createTableStatement, postgresDialect, targetMetadataColumns } from '@pgshift/warehouse';
import pg from 'pg';

/** The native stack's fixed ports (stack/ports.env), as test/support/stack.ts reads them. */
const ports = Object.fromEntries(
  readFileSync(new URL('../../../../stack/ports.env', import.meta.url), 'utf8')
    .split('\n')
    .map((line) => /^([A-Z0-9_]+)=(.*)$/.exec(line.trim()))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => [match[1]!, match[2]!]),
);

/** The stack's databases: tests create their own schemas in them. */
export const SOURCE_URL = `postgresql://pgshift:pgshift@127.0.0.1:${ports.PG_SOURCE_PORT}/app`;
export const WAREHOUSE_URL = `postgresql://pgshift:pgshift@127.0.0.1:${ports.PG_WAREHOUSE_PORT}/warehouse`;
export const KAFKA_BROKER = `127.0.0.1:${ports.KAFKA_PORT}`;
export const CONNECT_URL = `http://127.0.0.1:${ports.CONNECT_PORT}`;

export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates a warehouse table the way the loader does: the warehouse package's DDL, the mapped column
 * types, pgshift's metadata columns (and the soft-delete ones when asked).
 */
export function warehouseTableDdl(schema: string, table: string, columns: ColumnSpec[], options: { softDelete?: boolean } = {}): string[] {
  const keys = columns.filter((c) => c.primaryKey).map((c) => c.name);
  const definitions = [
    ...columns.map((c) => ({ name: c.name, type: postgresDialect.columnType(c) })),
    ...targetMetadataColumns(postgresDialect, { deleteMode: options.softDelete ? 'soft' : 'hard', hasPrimaryKey: keys.length > 0 }),
  ];
  return [createSchemaStatement(postgresDialect, schema), createTableStatement(postgresDialect, { schema, table }, definitions, keys)];
}
