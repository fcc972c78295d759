/** A source table and the change topic it is published on. */
export interface TableRef {
  /** The Debezium change topic, `<prefix>.<schema>.<table>`. */
  topic: string;
  schema: string;
  table: string;
}

/** `schema.table` for logs, metrics and S3 keys. Not SQL: quote identifiers where SQL is built. */
export function qualifiedName(ref: Pick<TableRef, 'schema' | 'table'>): string {
  return `${ref.schema}.${ref.table}`;
}
