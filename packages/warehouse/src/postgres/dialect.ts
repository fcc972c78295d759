import { NULL_SENTINEL } from '@pgshift/contracts';
import type { Dialect } from '../dialect.js';
import { postgresLiteral, utcTimestampText } from '../sql/literals.js';
import { normalisePostgresType, postgresType, postgresTypeShape } from '../typing/postgres.js';

/**
 * PostgreSQL as a warehouse. bytea is staged as text and decoded from hexadecimal (COPY would read
 * plain hex as bytea's escape format); everything else is staged with its target type.
 */
export const postgresDialect: Dialect = {
  name: 'postgres',
  identifiers: { maxBytes: 63, foldsToLowerCase: false },
  literal: postgresLiteral,
  asText: (expression) => `CAST(${expression} AS TEXT)`,
  timestampLiteral: (epochMs) => `CAST(${postgresLiteral(utcTimestampText(epochMs))} AS timestamp)`,
  columnType: postgresType,
  normaliseType: normalisePostgresType,
  typeShape: postgresTypeShape,
  metaTypes: { bigint: 'bigint', integer: 'integer', boolean: 'boolean', timestamp: 'timestamp', op: 'char(1)', positions: 'text' },
  stagingType: (type) => (type === 'bytea' ? 'text' : type),
  fromStaging: (expression, type) => (type === 'bytea' ? `decode(${expression}, 'hex')` : expression),
  toStaging: (expression, type) => (type === 'bytea' ? `encode(${expression}, 'hex')` : expression),
  // PostgreSQL holds every PostgreSQL value: infinities, NaN, any numeric.
  substitution: () => null,
  loadedAt: "(transaction_timestamp() AT TIME ZONE 'UTC')",
  copyIntoStaging: (args) =>
    `COPY ${args.table} (${args.columns.join(', ')}) FROM STDIN WITH (FORMAT csv, HEADER true, NULL ${postgresLiteral(NULL_SENTINEL)})`,
  countGuardInSql: false,
  compare: {
    textValue: (column) => `CAST(${column} AS TEXT)`,
    outputText: (column) => `CASE WHEN ${column} IS NULL THEN NULL ELSE FORMAT('%s', ${column}) END`,
    uuidText: (column) => `CAST(${column} AS TEXT)`,
    storedJsonText: (column) => `CAST(${column} AS TEXT)`,
    // to_jsonb writes arrays as the JSON arrays the warehouse holds, in jsonb's text form.
    sourceJsonText: (column) => `CAST(TO_JSONB(${column}) AS TEXT)`,
    bytesHex: (column) => `ENCODE(${column}, 'hex')`,
    inByteOrder: (expression) => `${expression} COLLATE "C"`,
    hexToBigint: (hex) => `CAST(CAST('x' || ${hex} AS BIT(32)) AS BIGINT)`,
    columnsStatement: (schema, table) =>
      `SELECT c.column_name AS "name", COALESCE(c.collation_name, db.datcollate) AS "collation"
    FROM information_schema.columns c CROSS JOIN (SELECT datcollate FROM pg_database WHERE datname = current_database()) db
    WHERE c.table_schema = ${postgresLiteral(schema)} AND c.table_name = ${postgresLiteral(table)} ORDER BY c.ordinal_position`,
  },
};
