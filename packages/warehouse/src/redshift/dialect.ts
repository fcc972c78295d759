import { NULL_SENTINEL } from '@pgshift/contracts';
import type { ComparisonSql, CopyArgs, Dialect } from '../dialect.js';
import { redshiftLiteral, utcTimestampText } from '../sql/literals.js';
import { normaliseRedshiftType, REDSHIFT_MAX_VARCHAR, redshiftType, redshiftTypeShape } from '../typing/redshift.js';
import { redshiftSubstitution } from '../typing/substitutes.js';

export interface RedshiftDialectOptions {
  /** IAM role ARN that COPY assumes to read the batch files. Needed for merge statements only. */
  iamRole?: string;
  /** The bucket's region, when it differs from the cluster's. */
  region?: string;
  /** The cluster runs with `enable_case_sensitive_identifier` on: names keep their case. */
  caseSensitiveIdentifiers?: boolean;
}

/**
 * Amazon Redshift SQL. Notes on the choices that are not obvious:
 * - SUPER and VARBYTE columns are staged with their own types: COPY reads serialized JSON from CSV
 *   into SUPER and hexadecimal into VARBYTE directly, so values over VARCHAR's 65,535 bytes still load
 *   (staging them as VARCHAR + JSON_PARSE / TO_VARBYTE would cap them at 64 KB, and keeping an
 *   unchanged TOAST value would need JSON_SERIALIZE, capped likewise).
 * - `SYSDATE` is the start of the transaction: every row of a batch gets the same `_pgshift_loaded_at`.
 */
export function createRedshiftDialect(options: RedshiftDialectOptions = {}): Dialect {
  return {
    name: 'redshift',
    identifiers: { maxBytes: 127, foldsToLowerCase: !options.caseSensitiveIdentifiers },
    literal: redshiftLiteral,
    asText: (expression, maxBytes = REDSHIFT_MAX_VARCHAR) => `CAST(${expression} AS VARCHAR(${maxBytes}))`,
    timestampLiteral: (epochMs) => `CAST(${redshiftLiteral(utcTimestampText(epochMs))} AS TIMESTAMP)`,
    columnType: redshiftType,
    normaliseType: normaliseRedshiftType,
    typeShape: redshiftTypeShape,
    metaTypes: {
      bigint: 'BIGINT',
      integer: 'INTEGER',
      boolean: 'BOOLEAN',
      timestamp: 'TIMESTAMP',
      op: 'CHAR(1)',
      positions: `VARCHAR(${REDSHIFT_MAX_VARCHAR})`,
    },
    stagingType: (type) => type,
    fromStaging: (expression) => expression,
    toStaging: (expression) => expression,
    substitution: redshiftSubstitution,
    loadedAt: 'SYSDATE',
    copyIntoStaging: (args) => redshiftCopy(args, options),
    countGuardInSql: true,
    compare: redshiftComparison,
  };
}

/** Verify's expressions in Redshift functions only (MD5, STRTOL, TO_CHAR, RTRIM, JSON_SERIALIZE, FROM_VARBYTE). */
const redshiftComparison: ComparisonSql = {
  textValue: (column) => column,
  outputText: (column) => column,
  uuidText: (column) => `LOWER(${column})`,
  storedJsonText: (column) => `JSON_SERIALIZE(${column})`,
  // JSON_SERIALIZE writes compact JSON: the source drops the blanks jsonb puts after `:` and `,` (outside strings).
  sourceJsonText: (column) => `REGEXP_REPLACE(CAST(TO_JSONB(${column}) AS TEXT), '("(?:[^"\\\\]|\\\\.)*")|[ \\n]+', '\\1', 'g')`,
  bytesHex: (column) => `FROM_VARBYTE(${column}, 'hex')`,
  inByteOrder: (expression) => expression,
  hexToBigint: (hex) => `STRTOL(${hex}, 16)`,
  columnsStatement: (schema, table) =>
    `SELECT column_name AS "name", CAST(NULL AS VARCHAR(128)) AS "collation" FROM svv_columns WHERE table_schema = ${redshiftLiteral(schema)} AND table_name = ${redshiftLiteral(table)} ORDER BY ordinal_position`,
};

function redshiftCopy(args: CopyArgs, options: RedshiftDialectOptions): string {
  if (!options.iamRole) throw new Error('the redshift dialect needs an IAM role (iamRole) to COPY from S3');
  const clauses = [
    `COPY ${args.table} (${args.columns.join(', ')})`,
    `FROM ${redshiftLiteral(args.manifestUrl)}`,
    `IAM_ROLE ${redshiftLiteral(options.iamRole)}`,
    'MANIFEST',
    'FORMAT AS CSV',
    'GZIP',
    'IGNOREHEADER 1',
    `NULL AS ${redshiftLiteral(NULL_SENTINEL)}`,
    "TIMEFORMAT 'auto'",
    "DATEFORMAT 'auto'",
    'ACCEPTINVCHARS',
    'COMPUPDATE OFF',
    'STATUPDATE OFF',
  ];
  if (options.region) clauses.push(`REGION ${redshiftLiteral(options.region)}`);
  if (args.truncateColumns) clauses.push('TRUNCATECOLUMNS');
  return clauses.join(' ');
}
