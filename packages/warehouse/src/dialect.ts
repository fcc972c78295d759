import type { ColumnSpec } from '@pgshift/contracts';
import type { IdentifierRules } from './sql/identifiers.js';
import type { SubstitutionRule } from './typing/substitutes.js';
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
  /** An expression cast to text; `maxBytes` where the warehouse needs a length (Redshift's bare VARCHAR is VARCHAR(256)). */
  asText(expression: string, maxBytes?: number): string;
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
  /**
   * Values of a (non-key) column of this target type that the warehouse cannot hold, and their
   * substitute (typing/substitutes.ts); null when every value lands as itself. Such columns are staged
   * as text; the rule replaces stagingType, fromStaging and toStaging for them.
   */
  substitution(targetType: string): SubstitutionRule | null;
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
  /** The expressions `pgshift verify` compares values with (packages/cli/src/verify). */
  readonly compare: ComparisonSql;
}

/**
 * What differs between the warehouses in verify's comparisons. Each takes SQL expressions (usually a
 * quoted column) and returns one; verify builds everything else from the same SQL on both sides.
 */
export interface ComparisonSql {
  /** A text column as text (Redshift: the VARCHAR column itself). */
  textValue(column: string): string;
  /** A value in its type's output form (enums, inet …: what Debezium sends; CAST(inet AS TEXT) would add `/32`). */
  outputText(column: string): string;
  /** A uuid in lower-case text. */
  uuidText(column: string): string;
  /** The JSON text of a column the warehouse holds as jsonb / SUPER. */
  storedJsonText(column: string): string;
  /**
   * How the source PostgreSQL writes a json, jsonb, hstore or array column so that it equals this
   * warehouse's storedJsonText of the loaded value (PostgreSQL SQL, whichever the warehouse).
   */
  sourceJsonText(column: string): string;
  /** Bytes as lower-case hexadecimal. */
  bytesHex(column: string): string;
  /** A text expression compared in byte order (Redshift compares bytes already). */
  inByteOrder(expression: string): string;
  /** A text of 8 hexadecimal digits as a non-negative BIGINT. */
  hexToBigint(hex: string): string;
  /** A table's columns as verify matches them: `name`, and `collation` (NULL where the warehouse has none). */
  columnsStatement(schema: string, table: string): string;
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
