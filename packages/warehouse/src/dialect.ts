import type { ColumnSpec } from '@pgshift/contracts';
import type { IdentifierRules } from './sql/identifiers.js';
import type { TypeShape } from './typing/type-shape.js';
import type { TypeModifiers } from './typing/type-text.js';

/**
 * Everything that differs between the warehouses' SQL. The statement builders (sql/ddl.ts,
 * sql/merge.ts, sql/ledger.ts, schema-evolution.ts) are pure functions of a dialect and their inputs;
 * the adapters only execute what they return.
 */
export interface Dialect {
  readonly name: 'redshift' | 'postgres';
  readonly identifiers: IdentifierRules;
  /** A string literal, safe for any value. */
  literal(value: string): string;
  /** A TIMESTAMP (UTC, no zone) literal for a time in epoch milliseconds. */
  timestampLiteral(epochMs: number): string;
  /** The target column type of a source column (typing/redshift.ts, typing/postgres.ts). */
  columnType(column: ColumnSpec): string;
  /** A type as the warehouse's catalog reports it, in the spelling columnType emits. */
  normaliseType(dataType: string, modifiers?: TypeModifiers): string;
  typeShape(type: string): TypeShape;
  /** Types of pgshift's own columns. */
  readonly metaTypes: { bigint: string; integer: string; boolean: string; timestamp: string; op: string; positions: string };
  /** The staging table's type for a target column type (what COPY can read from the CSV text). */
  stagingType(targetType: string): string;
  /** Expression turning a staged value into the target type. */
  fromStaging(expression: string, targetType: string): string;
  /** Expression turning a target value into the staged type (to keep unchanged TOAST values). */
  toStaging(expression: string, targetType: string): string;
  /** When the batch is committed, as a TIMESTAMP in UTC: one value for every row of a batch. */
  readonly loadedAt: string;
  /**
   * The COPY that loads the batch into the staging table. Redshift: from the S3 manifest. PostgreSQL:
   * `FROM STDIN`, which the adapter feeds with each part file in turn.
   */
  copyIntoStaging(args: CopyArgs): string;
  /**
   * Whether the staged row count is checked by a statement in the batch (Redshift: the transaction
   * fails on a division by zero) rather than by the adapter from COPY's own count (PostgreSQL).
   */
  readonly countGuardInSql: boolean;
}

export interface CopyArgs {
  /** Quoted staging table name. */
  table: string;
  /** Quoted column names, in the CSV's order. */
  columns: readonly string[];
  manifestUrl: string;
  /** `oversizePolicy: 'truncate'`: cut over-long strings instead of failing the load. */
  truncateColumns: boolean;
}
