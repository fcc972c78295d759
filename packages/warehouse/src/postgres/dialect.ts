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
  timestampLiteral: (epochMs) => `CAST(${postgresLiteral(utcTimestampText(epochMs))} AS timestamp)`,
  columnType: postgresType,
  normaliseType: normalisePostgresType,
  typeShape: postgresTypeShape,
  metaTypes: { bigint: 'bigint', integer: 'integer', boolean: 'boolean', timestamp: 'timestamp', op: 'char(1)', positions: 'text' },
  stagingType: (type) => (type === 'bytea' ? 'text' : type),
  fromStaging: (expression, type) => (type === 'bytea' ? `decode(${expression}, 'hex')` : expression),
  toStaging: (expression, type) => (type === 'bytea' ? `encode(${expression}, 'hex')` : expression),
  loadedAt: "(transaction_timestamp() AT TIME ZONE 'UTC')",
  copyIntoStaging: (args) =>
    `COPY ${args.table} (${args.columns.join(', ')}) FROM STDIN WITH (FORMAT csv, HEADER true, NULL ${postgresLiteral(NULL_SENTINEL)})`,
  countGuardInSql: false,
};
