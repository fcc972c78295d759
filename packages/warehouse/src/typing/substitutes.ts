import { splitType } from './type-text.js';

/**
 * Values a warehouse column cannot hold, and what lands instead (its documented substitute). One rule
 * per target column type, used by three readers that must agree:
 * - the merge (sql/merge.ts): such columns are staged as text, `toTarget` writes the substitute where
 *   `unrepresentable` holds, and the cells are recorded (sql/substitutes.ts);
 * - `pgshift verify`: the source side is compared through `sourceSubstitute`, and the cells counted
 *   apart through `sourceUnrepresentable` (PostgreSQL SQL on the source column);
 * - docs/type-mapping.md (typing/mapping.ts), which prints `edgeValues`.
 *
 * The PostgreSQL warehouse holds every PostgreSQL value natively: it has no rules. Redshift has no
 * infinity, no NaN, and DECIMAL stops at 38 digits:
 * - DATE / TIMESTAMP / TIMESTAMPTZ: `infinity` → 9999-12-31 (23:59:59.999999), `-infinity` → 0001-01-01
 *   (00:00:00). The conventional open ends, readable by every client and BI tool (years past 9999 and BC
 *   are not), sorting after / before every ordinary business value; each one is recorded, so a query
 *   can tell a substitute from a real 9999-12-31 by joining the record table.
 * - DECIMAL(p,s): NaN, ±Infinity, more than p − s integer digits, or more than s significant fractional
 *   digits (COPY would round them silently) → NULL. No number is wrong; a NULL is recorded.
 * Primary-key columns never get a substitute (two keys could merge into one): a key value the target
 * cannot hold stops the table.
 */
export interface SubstitutionRule {
  /** The staging column type: text that holds every value the batch can carry. */
  readonly stagingType: string;
  /** What the cell becomes, for the record table's `substitute` column. */
  readonly substituteText: string;
  /** The edge values and their substitutes, for docs/type-mapping.md. */
  readonly description: string;
  /** Warehouse SQL: the staged text cannot land as itself (NULL-safe: false for NULL). */
  unrepresentable(staged: string): string;
  /** Warehouse SQL: the staged text as the target type, the substitute where unrepresentable. */
  toTarget(staged: string): string;
  /** Warehouse SQL: a target value back to staged text (the merge keeps unchanged values). */
  fromTarget(value: string): string;
  /** PostgreSQL SQL on the source column (of the source type): the cell lands as its substitute. */
  sourceUnrepresentable(column: string): string;
  /** PostgreSQL SQL on the source column: the value the warehouse holds, in the source type. */
  sourceSubstitute(column: string): string;
}

export const REDSHIFT_INFINITY = {
  date: { positive: '9999-12-31', negative: '0001-01-01' },
  timestamp: { positive: '9999-12-31 23:59:59.999999', negative: '0001-01-01 00:00:00' },
  timestamptz: { positive: '9999-12-31 23:59:59.999999+00', negative: '0001-01-01 00:00:00+00' },
} as const;

/** Staged text of a date or a timestamp: `5877612-06-21 BC`, `2021-03-04 05:06:07.123456+05:30 BC`. */
const TEMPORAL_TEXT = 'VARCHAR(64)';
/** Staged text of a numeric: up to Redshift's longest VARCHAR (a longer one is cut by COPY and substituted). */
const NUMERIC_TEXT = 'VARCHAR(65535)';

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function infinityRule(targetType: 'DATE' | 'TIMESTAMP' | 'TIMESTAMPTZ'): SubstitutionRule {
  const ends = REDSHIFT_INFINITY[targetType.toLowerCase() as 'date' | 'timestamp' | 'timestamptz'];
  const positive = `CAST(${literal(ends.positive)} AS ${targetType})`;
  const negative = `CAST(${literal(ends.negative)} AS ${targetType})`;
  return {
    stagingType: TEMPORAL_TEXT,
    substituteText: `${ends.positive} for infinity, ${ends.negative} for -infinity`,
    description: `\`infinity\` → \`${ends.positive}\`, \`-infinity\` → \`${ends.negative}\` (recorded)`,
    unrepresentable: (staged) => `${staged} IN ('infinity', '-infinity')`,
    toTarget: (staged) =>
      `CASE WHEN ${staged} = 'infinity' THEN ${positive} WHEN ${staged} = '-infinity' THEN ${negative} ELSE CAST(${staged} AS ${targetType}) END`,
    fromTarget: (value) => `CAST(${value} AS ${TEMPORAL_TEXT})`,
    sourceUnrepresentable: (column) => `${column} IN ('infinity', '-infinity')`,
    sourceSubstitute: (column) =>
      `CASE WHEN ${column} = 'infinity' THEN CAST(${literal(ends.positive)} AS ${targetType}) WHEN ${column} = '-infinity' THEN CAST(${literal(ends.negative)} AS ${targetType}) ELSE ${column} END`,
  };
}

/**
 * DECIMAL(p,s): the staged text fits when it is a plain decimal with at most p − s integer digits and
 * nothing but zeros past s fractional digits (the decoder writes no exponent and no leading zeros).
 */
function decimalRule(precision: number, scale: number): SubstitutionRule {
  const integerDigits = precision - scale;
  const integerPart = integerDigits >= 1 ? `[0-9]{1,${integerDigits}}` : '0';
  const fraction = scale >= 1 ? `([.][0-9]{0,${scale}}0*)?` : '([.]0*)?';
  const fits = `'^-?${integerPart}${fraction}$'`;
  const target = `DECIMAL(${precision},${scale})`;
  // PostgreSQL's numeric: NaN = NaN is true there, and NaN sorts above every number.
  const special = (column: string) => `${column} IN ('NaN', 'Infinity', '-Infinity')`;
  const sourceUnrepresentable = (column: string) =>
    `(${special(column)} OR ABS(${column}) >= CAST('1e${integerDigits}' AS NUMERIC) OR ${column} <> TRUNC(${column}, ${scale}))`;
  return {
    stagingType: NUMERIC_TEXT,
    substituteText: 'NULL',
    description: `NaN, ±Infinity, more than ${integerDigits} integer digits or more than ${scale} fractional digits (other than zeros) → NULL (recorded; never rounded)`,
    unrepresentable: (staged) => `${staged} !~ ${fits}`,
    toTarget: (staged) => `CASE WHEN ${staged} ~ ${fits} THEN CAST(${staged} AS ${target}) END`,
    fromTarget: (value) => `CAST(${value} AS ${NUMERIC_TEXT})`,
    sourceUnrepresentable: (column) => `(${column} IS NOT NULL AND ${sourceUnrepresentable(column)})`,
    sourceSubstitute: (column) => `CASE WHEN ${sourceUnrepresentable(column)} THEN NULL ELSE ${column} END`,
  };
}

/** The rule for a Redshift column type (as redshiftType writes it); null when every value lands as itself. */
export function redshiftSubstitution(targetType: string): SubstitutionRule | null {
  const { base, args } = splitType(targetType);
  switch (base) {
    case 'date':
      return infinityRule('DATE');
    case 'timestamp':
      return infinityRule('TIMESTAMP');
    case 'timestamptz':
      return infinityRule('TIMESTAMPTZ');
    case 'decimal':
      return decimalRule(args[0] ?? 18, args[1] ?? 0);
    default:
      return null;
  }
}
