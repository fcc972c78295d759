/**
 * A thin executor over the Redshift Data API: submit, poll DescribeStatement with backoff until the
 * statement ends, fetch results page by page. It knows nothing of the SQL it runs.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  BatchExecuteStatementCommand,
  CancelStatementCommand,
  DescribeStatementCommand,
  type DescribeStatementResponse,
  ExecuteStatementCommand,
  type Field,
  GetStatementResultCommand,
  RedshiftDataClient,
  type RedshiftDataClientConfig,
  type SubStatementData,
} from '@aws-sdk/client-redshift-data';
import { withRetry } from '@pgshift/runtime';
import { isRetryable, StatementLimitExceeded } from '../errors.js';

/** A provisioned cluster (temporary credentials for DbUser, or a Secrets Manager secret) or a Serverless workgroup. */
export type RedshiftTarget =
  | { clusterIdentifier: string; database: string; dbUser: string; secretArn?: undefined; workgroupName?: undefined }
  | { clusterIdentifier: string; database: string; secretArn: string; dbUser?: undefined; workgroupName?: undefined }
  | { workgroupName: string; database: string; secretArn?: string; clusterIdentifier?: undefined; dbUser?: undefined };

export interface DataApiClientOptions {
  target: RedshiftTarget;
  /**
   * SDK client options: region, credentials, endpoint … (ignored when `client` is given). Its
   * `maxAttempts` is always 1: this client retries each call itself (see `retryCall`).
   */
  clientConfig?: RedshiftDataClientConfig;
  client?: RedshiftDataClient;
  /** First DescribeStatement delay; doubles up to pollMaxMs. */
  pollInitialMs?: number;
  pollMaxMs?: number;
  /** How long a statement may run before it is cancelled and reported as timed out (default 15 minutes). */
  statementTimeoutMs?: number;
  /**
   * How many times the same statement (or batch) may time out in a row and still be reported as
   * transient (retryable: a busy cluster, a resize); after that its timeout is permanent. Default 3.
   */
  timeoutRetries?: number;
  /** Retries of a call refused for load (throttling, too many active statements) or lost in transit (5xx, network). */
  throttleRetries?: number;
  throttleBaseMs?: number;
  throttleMaxMs?: number;
  /** Shown in the console's query list. */
  statementName?: string;
}

export const MAX_BATCH_STATEMENTS = 40;
export const MAX_SQL_BYTES = 100 * 1024;

/** What a finished statement reports. */
export interface StatementOutcome {
  id: string;
  /** Rows returned or affected (COPY: rows loaded); -1 when not applicable. */
  resultRows: number;
  hasResultSet: boolean;
  redshiftQueryId: number;
  createdAt: Date | undefined;
  /** For a batch: each statement's outcome, in order. */
  subStatements: { id: string; resultRows: number; hasResultSet: boolean; redshiftQueryId: number }[];
}

/** One field of a Data API result row (the API's Field, unwrapped); not @pgshift/contracts' CellValue, a batch-file cell. */
export type DataApiValue = string | number | boolean | Uint8Array | null;

export interface QueryResult {
  columns: { name: string; typeName: string }[];
  rows: Record<string, DataApiValue>[];
}

/** A statement that ended FAILED or ABORTED, with Redshift's own error text. */
export class RedshiftStatementError extends Error {
  /** Load errors from SYS_LOAD_ERROR_DETAIL when a COPY failed (load-errors.ts). */
  loadErrors?: unknown[];

  constructor(
    readonly statementId: string,
    readonly status: string,
    /** Redshift's error text, e.g. `ERROR: relation "x" does not exist`. */
    readonly redshiftError: string,
    /** 0-based position of the failing statement in a batch; 0 for a single statement. */
    readonly statementIndex: number,
    /** The failing statement, shortened. */
    readonly sql: string,
    readonly redshiftQueryId: number,
    readonly createdAt: Date | undefined,
  ) {
    super(`Redshift statement ${status}: ${redshiftError} [statement ${statementIndex + 1}: ${sql}]`);
    this.name = 'RedshiftStatementError';
  }
}

/**
 * A statement still running after statementTimeoutMs; it was cancelled. Retryable (`$retryable`, which
 * classifyError honours) until the same SQL has timed out more than timeoutRetries times in a row.
 */
export class RedshiftStatementTimeout extends Error {
  readonly $retryable: boolean;

  constructor(
    readonly statementId: string,
    timeoutMs: number,
    /** 1 for the first timeout of this SQL, 2 for the next one in a row … */
    readonly consecutive = 1,
    retries = 3,
  ) {
    super(
      `Redshift statement ${statementId} did not finish within ${timeoutMs} ms and was cancelled` +
        (consecutive > retries ? ` (timed out ${consecutive} times in a row: raise PGSHIFT_REDSHIFT_STATEMENT_TIMEOUT)` : ''),
    );
    this.name = 'RedshiftStatementTimeout';
    this.$retryable = consecutive <= retries;
  }
}

/** At most this many distinct timed-out statements are remembered (a retry comes soon, or never). */
const MAX_REMEMBERED_TIMEOUTS = 1000;

const THROTTLING_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'ActiveStatementsExceededException',
  'ActiveSessionsExceededException',
]);

export class RedshiftDataApiClient {
  private readonly client: RedshiftDataClient;
  private readonly ownsClient: boolean;
  private readonly pollInitialMs: number;
  private readonly pollMaxMs: number;
  private readonly statementTimeoutMs: number;
  private readonly throttleRetries: number;
  private readonly throttleBaseMs: number;
  private readonly throttleMaxMs: number;
  private readonly timeoutRetries: number;
  /** Per SQL (hashed): how many times in a row it timed out; forgotten when it finishes. */
  private readonly timeouts = new Map<string, number>();

  constructor(private readonly options: DataApiClientOptions) {
    this.ownsClient = !options.client;
    this.client = options.client ?? new RedshiftDataClient({ ...options.clientConfig, maxAttempts: 1 });
    this.pollInitialMs = options.pollInitialMs ?? 100;
    this.pollMaxMs = options.pollMaxMs ?? 2000;
    this.statementTimeoutMs = options.statementTimeoutMs ?? 15 * 60_000;
    this.throttleRetries = options.throttleRetries ?? 8;
    this.throttleBaseMs = options.throttleBaseMs ?? 200;
    this.throttleMaxMs = options.throttleMaxMs ?? 10_000;
    this.timeoutRetries = options.timeoutRetries ?? 3;
  }

  /** One statement, auto-committed. */
  async execute(sql: string): Promise<StatementOutcome> {
    checkSize(sql, 0);
    // One token for every attempt: a retried submit the service had in fact accepted is not run twice.
    const token = randomUUID();
    const { Id } = await this.retryCall(() =>
      this.client.send(new ExecuteStatementCommand({ ...this.targetFields(), Sql: sql, ClientToken: token, ...this.nameField() })),
    );
    return this.outcome(await this.waitFor(Id!, [sql]));
  }

  /** 1–40 statements in ONE transaction: all or nothing. */
  async executeBatch(sqls: readonly string[]): Promise<StatementOutcome> {
    if (sqls.length === 0 || sqls.length > MAX_BATCH_STATEMENTS) {
      throw new StatementLimitExceeded(`a batch holds 1 to ${MAX_BATCH_STATEMENTS} statements, not ${sqls.length}`);
    }
    sqls.forEach(checkSize);
    const token = randomUUID();
    const { Id } = await this.retryCall(() =>
      this.client.send(new BatchExecuteStatementCommand({ ...this.targetFields(), Sqls: [...sqls], ClientToken: token, ...this.nameField() })),
    );
    return this.outcome(await this.waitFor(Id!, sqls));
  }

  /** One statement's rows, typed from the Data API's fields (longs and doubles as numbers, VARBYTE as bytes). */
  async query(sql: string): Promise<QueryResult> {
    const outcome = await this.execute(sql);
    return outcome.hasResultSet ? this.fetchResult(outcome.id) : { columns: [], rows: [] };
  }

  /** The rows of a finished statement (or sub-statement `<id>:N`), every page. */
  async fetchResult(id: string): Promise<QueryResult> {
    const result: QueryResult = { columns: [], rows: [] };
    let token: string | undefined;
    do {
      const page = await this.retryCall(() => this.client.send(new GetStatementResultCommand({ Id: id, NextToken: token })));
      if (page.ColumnMetadata && result.columns.length === 0) {
        result.columns = page.ColumnMetadata.map((c) => ({ name: c.name ?? c.label ?? '', typeName: c.typeName ?? '' }));
      }
      for (const record of page.Records ?? []) {
        const row: Record<string, DataApiValue> = {};
        for (const [i, field] of record.entries()) row[result.columns[i]?.name ?? String(i)] = fieldValue(field);
        result.rows.push(row);
      }
      token = page.NextToken;
    } while (token);
    return result;
  }

  close(): void {
    if (this.ownsClient) this.client.destroy();
  }

  private targetFields() {
    const t = this.options.target;
    if (t.workgroupName !== undefined) return { WorkgroupName: t.workgroupName, Database: t.database, ...(t.secretArn ? { SecretArn: t.secretArn } : {}) };
    return { ClusterIdentifier: t.clusterIdentifier, Database: t.database, ...(t.dbUser ? { DbUser: t.dbUser } : { SecretArn: t.secretArn }) };
  }

  private nameField() {
    return this.options.statementName ? { StatementName: this.options.statementName } : {};
  }

  /** Polls until the statement ends; FAILED/ABORTED become a RedshiftStatementError. */
  private async waitFor(id: string, sqls: readonly string[]): Promise<DescribeStatementResponse> {
    const deadline = Date.now() + this.statementTimeoutMs;
    const key = createHash('sha256').update(sqls.join('\u0000')).digest('hex');
    let delay = this.pollInitialMs;
    for (;;) {
      const described = await this.retryCall(() => this.client.send(new DescribeStatementCommand({ Id: id })));
      if (described.Status === 'FINISHED' || described.Status === 'FAILED' || described.Status === 'ABORTED') this.timeouts.delete(key);
      if (described.Status === 'FINISHED') return described;
      if (described.Status === 'FAILED' || described.Status === 'ABORTED') throw statementError(described, sqls);
      if (Date.now() + delay > deadline) {
        await this.client.send(new CancelStatementCommand({ Id: id })).catch(() => undefined);
        const consecutive = (this.timeouts.get(key) ?? 0) + 1;
        this.timeouts.delete(key);
        this.timeouts.set(key, consecutive);
        if (this.timeouts.size > MAX_REMEMBERED_TIMEOUTS) this.timeouts.delete(this.timeouts.keys().next().value!);
        throw new RedshiftStatementTimeout(id, this.statementTimeoutMs, consecutive, this.timeoutRetries);
      }
      await sleep(delay);
      delay = Math.min(delay * 2, this.pollMaxMs);
    }
  }

  private outcome(described: DescribeStatementResponse): StatementOutcome {
    return {
      id: described.Id!,
      resultRows: described.ResultRows ?? -1,
      hasResultSet: described.HasResultSet ?? false,
      redshiftQueryId: described.RedshiftQueryId ?? 0,
      createdAt: described.CreatedAt,
      subStatements: (described.SubStatements ?? []).map((s) => ({
        id: s.Id!,
        resultRows: s.ResultRows ?? -1,
        hasResultSet: s.HasResultSet ?? false,
        redshiftQueryId: s.RedshiftQueryId ?? 0,
      })),
    };
  }

  /**
   * The one retry layer of a Data API call: the SDK's own retries are off (maxAttempts 1) because
   * they do not know the Data API's load errors (ActiveStatementsExceededException), and one layer
   * that does is easier to reason about than two multiplying. Retried: a call refused for load, and
   * one lost to a 5xx or the network. Safe for each call: submits carry a ClientToken (a repeat is not
   * run again), the others only read. A statement that ran and FAILED is not a call failure: whether
   * the batch is tried again is the loader's business (its retry is of the whole batch).
   */
  private retryCall<T>(call: () => Promise<T>): Promise<T> {
    return withRetry(call, {
      what: 'Redshift Data API call',
      retries: this.throttleRetries,
      minTimeoutMs: this.throttleBaseMs,
      maxTimeoutMs: this.throttleMaxMs,
      isRetryable: (error) => isThrottling(error) || isRetryable(error),
    });
  }
}

export function isThrottling(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return THROTTLING_NAMES.has(e?.name ?? '') || e?.$metadata?.httpStatusCode === 429;
}

function statementError(described: DescribeStatementResponse, sqls: readonly string[]): RedshiftStatementError {
  const subs: SubStatementData[] = described.SubStatements ?? [];
  const failedIndex = subs.findIndex((s) => s.Status === 'FAILED' || (s.Status === 'ABORTED' && s.Error));
  const index = failedIndex === -1 ? 0 : failedIndex;
  const failed = failedIndex === -1 ? undefined : subs[failedIndex];
  return new RedshiftStatementError(
    described.Id!,
    described.Status!,
    failed?.Error ?? described.Error ?? 'unknown error',
    index,
    shorten(sqls[index] ?? described.QueryString ?? ''),
    failed?.RedshiftQueryId ?? described.RedshiftQueryId ?? 0,
    described.CreatedAt,
  );
}

function checkSize(sql: string, index: number): void {
  const bytes = Buffer.byteLength(sql, 'utf8');
  if (bytes > MAX_SQL_BYTES) throw new StatementLimitExceeded(`statement ${index + 1} is ${bytes} bytes; the Data API takes at most ${MAX_SQL_BYTES}`);
}

function fieldValue(field: Field): DataApiValue {
  if (field.isNull) return null;
  if (field.longValue !== undefined) return field.longValue;
  if (field.doubleValue !== undefined) return field.doubleValue;
  if (field.booleanValue !== undefined) return field.booleanValue;
  if (field.stringValue !== undefined) return field.stringValue;
  if (field.blobValue !== undefined) return field.blobValue;
  return null;
}

export function shorten(sql: string, max = 300): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
