/**
 * Warehouse errors and which of them are worth retrying.
 *
 * Retryable: the same batch can succeed later without anyone changing anything (connection lost, a
 * serialization conflict with another writer, throttling, a server restarting). Permanent: retrying
 * gives the same failure until a person or a later batch changes something (an incompatible schema
 * change, a staged row count that disagrees with the batch, a value too long under the `stop` policy,
 * a missing batch file, a SQL error). Anything not recognised is permanent: the loader stops with a
 * clear error rather than looping on a bug.
 */

/** The source changed a column in a way the target cannot follow by itself (e.g. integer → text). */
export class IncompatibleSchemaChange extends Error {
  constructor(
    readonly table: string,
    readonly column: string,
    readonly targetType: string,
    readonly batchType: string,
    readonly reason: string,
  ) {
    super(`incompatible schema change on ${table}.${column}: the warehouse has ${targetType}, the batch needs ${batchType} (${reason})`);
    this.name = 'IncompatibleSchemaChange';
  }
}

/** The staging table holds a different number of rows than the batch event announced. */
export class StagedRowCountMismatch extends Error {
  constructor(
    readonly batchId: string,
    readonly staged: number | null,
    readonly expected: number,
  ) {
    super(
      staged === null
        ? `batch ${batchId}: the staged row count differs from the batch's ${expected} rows (the count guard failed)`
        : `batch ${batchId}: staged ${staged} rows, batch says ${expected}`,
    );
    this.name = 'StagedRowCountMismatch';
  }
}

/** PGSHIFT_UNREPRESENTABLE=stop: the batch holds a value its warehouse column cannot hold (typing/substitutes.ts). */
export class UnrepresentableValues extends Error {
  constructor(
    readonly batchId: string,
    options?: ErrorOptions,
  ) {
    super(`batch ${batchId} holds values the warehouse cannot hold (infinity, NaN or a numeric beyond its DECIMAL) and PGSHIFT_UNREPRESENTABLE=stop`, options);
    this.name = 'UnrepresentableValues';
  }
}

/** A file the batch's manifest names is not in S3: the batch can never load as it is. */
export class BatchFileMissing extends Error {
  constructor(
    readonly url: string,
    options?: ErrorOptions,
  ) {
    super(`batch file missing: ${url}`, options);
    this.name = 'BatchFileMissing';
  }
}

/** A name the warehouse would silently truncate, or two names that fold to the same one. */
export class InvalidIdentifier extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidIdentifier';
  }
}

/** A generated statement breaks a limit of the warehouse or its API (statement size, count). */
export class StatementLimitExceeded extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StatementLimitExceeded';
  }
}

/**
 * A DDL statement lost a race with another loader doing the same (two tables of a new schema creating
 * it at once; an instance still finishing during a rebalance): retried, after which the loader looks at
 * the target again and finds nothing left to do.
 */
export class ConcurrentDdl extends Error {
  constructor(
    readonly statement: string,
    override readonly cause: unknown,
  ) {
    super(`${cause instanceof Error ? cause.message : String(cause)} (concurrent DDL: ${statement.slice(0, 200)})`);
    this.name = 'ConcurrentDdl';
  }
}

/** PostgreSQL SQLSTATEs of "someone else just created it": unique_violation on a catalog, duplicate_*. */
const CONCURRENT_DDL_SQLSTATES = new Set(['23505', '42P06', '42P07', '42701', '42710']);

/**
 * The same, by message: the Redshift Data API reports a failed statement as text, without a SQLSTATE
 * (`ERROR: duplicate key value violates unique constraint "pg_namespace_nspname_index"`).
 */
const CONCURRENT_DDL_MESSAGE = /already exists|duplicate key value violates unique constraint/i;

/** Runs one DDL statement, turning a lost creation race into ConcurrentDdl. */
export async function runDdl(statement: string, execute: (sql: string) => Promise<unknown>): Promise<void> {
  try {
    await execute(statement);
  } catch (error) {
    const e = error as { code?: unknown; message?: unknown };
    const duplicate =
      (typeof e.code === 'string' && CONCURRENT_DDL_SQLSTATES.has(e.code)) || (typeof e.message === 'string' && CONCURRENT_DDL_MESSAGE.test(e.message));
    throw duplicate ? new ConcurrentDdl(statement, error) : error;
  }
}

export type ErrorClass = 'retryable' | 'permanent';

/** PostgreSQL / Redshift SQLSTATEs that describe a passing condition. */
const RETRYABLE_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '58030', // io_error
]);

const RETRYABLE_NODE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);

/** AWS error names (S3, Redshift Data API) that mean "later". */
const RETRYABLE_AWS_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'SlowDown',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'InternalServerException',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'ActiveStatementsExceededException',
  'ActiveSessionsExceededException',
]);

const RETRYABLE_MESSAGES = [
  /serializable isolation violation/i, // Redshift: "1023 Serializable isolation violation on table …"
  /connection terminated/i,
  /connection (?:was )?(?:reset|closed|lost)/i,
  /server closed the connection unexpectedly/i,
  /terminating connection due to administrator command/i,
  /could not connect to server/i,
  /rate exceeded/i,
];

const PERMANENT_TYPES = [IncompatibleSchemaChange, StagedRowCountMismatch, BatchFileMissing, InvalidIdentifier, StatementLimitExceeded];

export function classifyError(error: unknown): ErrorClass {
  if (error instanceof ConcurrentDdl) return 'retryable';
  if (PERMANENT_TYPES.some((type) => error instanceof type)) return 'permanent';
  if (error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError) return 'permanent';
  if (typeof error !== 'object' || error === null) return 'permanent';
  const e = error as { code?: unknown; name?: unknown; message?: unknown; $metadata?: { httpStatusCode?: number }; $retryable?: unknown; cause?: unknown };
  if (typeof e.code === 'string') {
    if (RETRYABLE_NODE_CODES.has(e.code)) return 'retryable';
    if (RETRYABLE_SQLSTATES.has(e.code) || e.code.startsWith('08')) return 'retryable'; // 08xxx: connection exceptions
  }
  if (typeof e.name === 'string') {
    if (e.name === 'NoSuchKey' || e.name === 'NotFound' || e.name === 'NoSuchBucket') return 'permanent';
    if (RETRYABLE_AWS_NAMES.has(e.name)) return 'retryable';
  }
  if (e.$retryable) return 'retryable';
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && (status === 429 || status >= 500)) return 'retryable';
  if (typeof e.message === 'string' && RETRYABLE_MESSAGES.some((pattern) => pattern.test(e.message as string))) return 'retryable';
  if (e.cause !== undefined && e.cause !== error) return classifyError(e.cause);
  return 'permanent';
}

export function isRetryable(error: unknown): boolean {
  return classifyError(error) === 'retryable';
}

/** Whether an error says the ledger table does not exist yet (no batch was ever loaded): PostgreSQL's 42P01, or Redshift's text. */
export function isMissingLedger(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === '42P01' || /relation "?(pgshift\.)?"?ledger(_[a-z0-9_]*)?"? does not exist/i.test(e?.message ?? '');
}
