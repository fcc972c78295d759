/**
 * The statement store and its asynchronous execution on PostgreSQL. A submitted statement gets its id at
 * once and runs in the background (SUBMITTED → PICKED → STARTED → FINISHED | FAILED | ABORTED); clients poll,
 * as they must with Redshift. ExecuteStatement runs on a connection of its own (a pooled one, reset after
 * use), a batch runs inside BEGIN … COMMIT on one connection, and a session keeps one connection.
 * Transactions run in REPEATABLE READ (one snapshot per transaction, as on Redshift) under the table-level
 * conflict rules of transactions.ts.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { copyFromS3, createS3Client, type LoadError, type S3ServerConfig } from './copy-from-s3.js';
import { type ResultSet, TypeNames, textTypes, toResultSet } from './result-set.js';
import { splitStatements, tokenize } from './sql-lexer.js';
import { tableAccess } from './table-access.js';
import { type Conflict, type IsolationLevel, serializableViolationMessage, type TrackedTransaction, TransactionTracker } from './transactions.js';
import { bindParameters, type EmulatedType, isAlterColumnType, parseCopyFromS3, RedshiftSqlError, tableDesignOf, translateStatement } from './translate.js';

export type StatementStatus = 'SUBMITTED' | 'PICKED' | 'STARTED' | 'FINISHED' | 'FAILED' | 'ABORTED';

export interface SqlParameter {
  name: string;
  value: string;
}

/** Who the caller said it is; echoed back, never checked against anything. */
export interface ConnectionTarget {
  clusterIdentifier?: string;
  workgroupName?: string;
  database?: string;
  dbUser?: string;
  secretArn?: string;
}

export interface Statement {
  id: string;
  queryString: string;
  status: StatementStatus;
  createdAt: Date;
  updatedAt: Date;
  durationNs: number;
  error?: string;
  resultRows: number;
  resultSize: number;
  hasResultSet: boolean;
  redshiftQueryId: number;
  redshiftPid: number;
  result?: ResultSet;
  /** Set for a batch: one per SQL, ids `<id>:1` … */
  subStatements?: Statement[];
  target: ConnectionTarget;
  sessionId?: string;
  parameters: SqlParameter[];
  statementName?: string;
}

export interface SubmitRequest {
  sqls: string[];
  batch: boolean;
  parameters: SqlParameter[];
  target: ConnectionTarget;
  statementName?: string;
  sessionId?: string;
  sessionKeepAliveSeconds?: number;
}

export interface EngineOptions {
  warehouseUrl: string;
  s3: S3ServerConfig;
  /** The emulator's own schema, put on every connection's search_path after public. */
  systemSchema?: string;
  /** Redshift's isolation level to emulate (transactions.ts); SERIALIZABLE unless told. */
  isolation?: IsolationLevel;
}

/** What one connection is in the middle of: its open transaction, its temporary tables. */
interface ConnectionState {
  tx: TrackedTransaction | null;
  /** A statement of the open transaction failed: PostgreSQL (like Redshift) turns its COMMIT into a rollback. */
  failed: boolean;
  temps: Set<string>;
}

const BEGIN_SNAPSHOT = 'BEGIN ISOLATION LEVEL REPEATABLE READ';

/** A client error the protocol layer returns as `{__type, message}`. */
export class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

interface Session {
  id: string;
  client: Promise<pg.Client>;
  keepAliveSeconds: number;
  expiry: NodeJS.Timeout | null;
  /** Statements of one session run one after the other. */
  queue: Promise<void>;
  target: ConnectionTarget;
}

interface RunState {
  running: Set<Statement>;
  cancelled: Set<string>;
}

export class StatementEngine {
  private readonly statements = new Map<string, Statement>();
  private readonly sessions = new Map<string, Session>();
  private readonly pool: pg.Pool;
  private readonly s3;
  private readonly typeNames = new TypeNames();
  private readonly schema: string;
  private readonly state: RunState = { running: new Set(), cancelled: new Set() };
  private readonly background = new Set<Promise<void>>();
  /** For the emulator's own writes (load errors, types): never competes with statements for a connection. */
  private readonly adminPool: pg.Pool;
  private readonly createdTypes = new Set<string>();
  private readonly tracker: TransactionTracker;
  private readonly connections = new WeakMap<pg.ClientBase, ConnectionState>();

  constructor(private readonly options: EngineOptions) {
    this.schema = options.systemSchema ?? 'redshift_system';
    this.pool = new pg.Pool({ ...this.connectionConfig(), max: 20 });
    this.pool.on('error', () => undefined);
    this.adminPool = new pg.Pool({ ...this.connectionConfig(), max: 2 });
    this.adminPool.on('error', () => undefined);
    this.s3 = createS3Client(options.s3);
    this.tracker = new TransactionTracker(options.isolation ?? 'serializable');
  }

  private connectionConfig(): pg.ClientConfig {
    return {
      connectionString: this.options.warehouseUrl,
      options: `-c search_path="$user",public,${this.schema} -c TimeZone=UTC`,
      types: textTypes,
    };
  }

  /** Creates the emulated system tables and views (idempotent, safe with several servers at once). */
  async init(): Promise<void> {
    const s = this.schema;
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('pgshift redshift emulator schema'))`);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await client.query(`CREATE SEQUENCE IF NOT EXISTS ${s}.query_id_seq`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${s}.sys_load_error_detail (
        user_id integer, query_id bigint, transaction_id bigint, session_id integer, database_name text,
        table_id integer, start_time timestamp, file_name text, line_number bigint, column_name text,
        column_type text, column_length text, position integer, error_code integer, error_message text,
        raw_line text, raw_field_value text)`);
      await client.query(`CREATE OR REPLACE VIEW ${s}.stl_load_errors AS
        SELECT user_id AS userid, session_id AS slice, table_id AS tbl, start_time AS starttime, session_id AS session,
               query_id AS query, file_name AS filename, line_number, column_name AS colname, column_type AS type,
               column_length AS col_length, position, raw_line, raw_field_value, error_code AS err_code,
               error_message AS err_reason
          FROM ${s}.sys_load_error_detail`);
      await client.query(`CREATE OR REPLACE VIEW ${s}.pgshift_table_design AS
        SELECT n.nspname::text AS schema, c.relname::text AS "table", obj_description(c.oid, 'pg_class') AS design
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind = 'r' AND obj_description(c.oid, 'pg_class') IS NOT NULL`);
      await client.query(`CREATE OR REPLACE VIEW ${s}.svv_columns AS
        SELECT table_catalog::text, table_schema::text, table_name::text, column_name::text,
               ordinal_position::int, column_default::text, is_nullable::text,
               CASE WHEN domain_schema = '${s}' AND domain_name ~ '^varbyte_[0-9]+$' THEN 'binary varying'
                    WHEN domain_schema = '${s}' THEN domain_name
                    WHEN data_type = 'jsonb' THEN 'super'
                    WHEN data_type = 'bytea' THEN 'binary varying'
                    ELSE data_type END::text AS data_type,
               CASE WHEN domain_schema = '${s}' AND domain_name ~ '^varbyte_[0-9]+$' THEN substring(domain_name from 9)::int
                    ELSE character_maximum_length END::int AS character_maximum_length,
               numeric_precision::int, numeric_precision_radix::int, numeric_scale::int,
               datetime_precision::int, interval_type::text, interval_precision::int, NULL::text AS remarks
          FROM information_schema.columns`);
      // JSON_SERIALIZE(super): Redshift's compact JSON text (no blanks), for SUPER emulated as jsonb, keys
      // in jsonb's own order.
      await client.query(`CREATE OR REPLACE FUNCTION ${s}.json_serialize(value jsonb) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT AS $fn$
          SELECT CASE jsonb_typeof(value)
            WHEN 'object' THEN '{' || coalesce((SELECT string_agg(to_json(key)::text || ':' || ${s}.json_serialize(item), ',' ORDER BY n)
                                                   FROM jsonb_each(value) WITH ORDINALITY AS e(key, item, n)), '') || '}'
            WHEN 'array' THEN '[' || coalesce((SELECT string_agg(${s}.json_serialize(item), ',' ORDER BY n)
                                                  FROM jsonb_array_elements(value) WITH ORDINALITY AS a(item, n)), '') || ']'
            ELSE value::text END
        $fn$`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  submit(request: SubmitRequest): Statement {
    const session = this.sessionFor(request);
    const id = randomUUID();
    const now = new Date();
    const statement = this.newStatement(id, request.batch ? request.sqls.join('; ') : request.sqls[0]!, now, request, session?.id);
    if (request.batch) {
      statement.subStatements = request.sqls.map((sql, i) => this.newStatement(`${id}:${i + 1}`, sql, now, request, session?.id));
    }
    this.statements.set(id, statement);
    const run = (client: pg.ClientBase) => (request.batch ? this.runBatch(statement, client) : this.runSingle(statement, client));
    const job = session ? this.onSession(session, run) : this.onPooledConnection(run);
    const tracked = job.catch(() => undefined).finally(() => this.background.delete(tracked));
    this.background.add(tracked);
    return statement;
  }

  describe(id: string): Statement {
    const [parentId, sub] = id.split(':');
    const statement = this.statements.get(parentId!);
    if (!statement) throw new ServiceError('ResourceNotFoundException', `Query does not exist.`);
    if (sub === undefined) return statement;
    const subStatement = statement.subStatements?.[Number(sub) - 1];
    if (!subStatement) throw new ServiceError('ResourceNotFoundException', `Query does not exist.`);
    return subStatement;
  }

  result(id: string): ResultSet {
    const statement = this.describe(id);
    if (statement.subStatements) {
      throw new ServiceError('ValidationException', 'BatchExecuteStatement result can only be retrieved with sub-statement id.');
    }
    if (statement.status !== 'FINISHED') {
      throw new ServiceError('ValidationException', `Query is not finished: its status is ${statement.status}.`);
    }
    if (!statement.hasResultSet || !statement.result) {
      throw new ServiceError('ResourceNotFoundException', 'Query does not have result. Please check query status with DescribeStatement.');
    }
    return statement.result;
  }

  async cancel(id: string): Promise<boolean> {
    const statement = this.describe(id);
    if (['FINISHED', 'FAILED', 'ABORTED'].includes(statement.status)) {
      throw new ServiceError('ValidationException', `Could not cancel a query that is already in ${statement.status} state.`);
    }
    this.state.cancelled.add(statement.id);
    if (statement.status === 'STARTED' && statement.redshiftPid > 0) {
      await this.adminPool.query('SELECT pg_cancel_backend($1)', [statement.redshiftPid]);
    }
    return true;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.background]);
    for (const session of this.sessions.values()) await this.endSession(session);
    await this.pool.end();
    await this.adminPool.end();
    this.s3.destroy();
  }

  private newStatement(id: string, sql: string, now: Date, request: SubmitRequest, sessionId: string | undefined): Statement {
    return {
      id,
      queryString: sql,
      status: 'SUBMITTED',
      createdAt: now,
      updatedAt: now,
      durationNs: -1,
      resultRows: -1,
      resultSize: -1,
      hasResultSet: false,
      redshiftQueryId: 0,
      redshiftPid: 0,
      target: request.target,
      parameters: request.parameters,
      ...(sessionId ? { sessionId } : {}),
      ...(request.statementName ? { statementName: request.statementName } : {}),
    };
  }

  // ---- connections -------------------------------------------------------------------------------------

  private sessionFor(request: SubmitRequest): Session | null {
    if (request.sessionId) {
      const session = this.sessions.get(request.sessionId);
      if (!session) throw new ServiceError('ValidationException', `Session ${request.sessionId} is not available. It may have expired.`);
      if (request.sessionKeepAliveSeconds !== undefined) session.keepAliveSeconds = request.sessionKeepAliveSeconds;
      return session;
    }
    if (!request.sessionKeepAliveSeconds) return null;
    const client = new pg.Client(this.connectionConfig());
    client.on('error', () => undefined);
    const session: Session = {
      id: randomUUID(),
      client: client.connect().then(() => client),
      keepAliveSeconds: request.sessionKeepAliveSeconds,
      expiry: null,
      queue: Promise.resolve(),
      target: request.target,
    };
    session.client.catch(() => undefined);
    this.sessions.set(session.id, session);
    return session;
  }

  private onSession(session: Session, run: (client: pg.ClientBase) => Promise<void>): Promise<void> {
    if (session.expiry) clearTimeout(session.expiry);
    session.expiry = null;
    const job = session.queue.then(async () => {
      await run(await session.client);
    });
    session.queue = job
      .catch(() => undefined)
      .then(() => {
        session.expiry = setTimeout(() => void this.endSession(session), session.keepAliveSeconds * 1000);
        session.expiry.unref();
      });
    return job;
  }

  private async endSession(session: Session): Promise<void> {
    if (session.expiry) clearTimeout(session.expiry);
    this.sessions.delete(session.id);
    await session.queue;
    const client = await session.client.catch(() => null);
    if (client) this.forgetConnection(client);
    await client?.end().catch(() => undefined);
  }

  /** A connection of its own, returned to the pool with nothing left over (no transaction, no temp table). */
  private async onPooledConnection(run: (client: pg.ClientBase) => Promise<void>): Promise<void> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await run(client);
      await client.query('ROLLBACK');
      await client.query('DISCARD ALL');
    } catch (error) {
      broken = error as Error;
    } finally {
      this.forgetConnection(client);
      client.release(broken);
    }
  }

  // ---- execution ---------------------------------------------------------------------------------------

  private async runSingle(statement: Statement, client: pg.ClientBase): Promise<void> {
    if (!this.start(statement, client)) return;
    const started = process.hrtime.bigint();
    try {
      statement.redshiftQueryId = await this.nextQueryId();
      const pieces = splitStatements(statement.queryString);
      if (pieces.length === 0) throw new RedshiftSqlError('syntax error at end of input');
      for (const sql of pieces) Object.assign(statement, await this.runInSession(client, sql, statement));
      this.finish(statement, 'FINISHED', started);
    } catch (error) {
      this.fail(statement, error, started);
    }
  }

  private async runBatch(statement: Statement, client: pg.ClientBase): Promise<void> {
    if (!this.start(statement, client)) return;
    const started = process.hrtime.bigint();
    const subs = statement.subStatements!;
    const state = this.stateOf(client);
    // A batch on a session inside its own BEGIN joins that transaction (PostgreSQL ignores the second BEGIN).
    await client.query(BEGIN_SNAPSHOT);
    const tx = state.tx ?? this.tracker.begin(statement.redshiftPid);
    state.tx = tx;
    for (const [index, sub] of subs.entries()) {
      const subStarted = process.hrtime.bigint();
      this.start(sub, client);
      try {
        if (this.state.cancelled.has(statement.id)) throw cancelledError();
        sub.redshiftQueryId = await this.nextQueryId();
        if (isAlterColumnType(tokenize(sub.queryString))) {
          throw new RedshiftSqlError('ALTER TABLE ALTER COLUMN cannot run inside a transaction block');
        }
        await this.track(state, tx, sub.queryString);
        Object.assign(sub, await this.runOne(client, sub.queryString, sub));
        this.finish(sub, 'FINISHED', subStarted);
      } catch (error) {
        this.fail(sub, error, subStarted);
        for (const later of subs.slice(index + 1)) this.finish(later, 'ABORTED', subStarted);
        await client.query('ROLLBACK');
        this.endTransaction(state, tx, false);
        const failed = Object.assign(new Error(), { batchError: `Query #${index + 1} failed with ${sub.error}` });
        statement.redshiftQueryId = sub.redshiftQueryId;
        this.fail(statement, failed, started, sub.status);
        return;
      }
    }
    try {
      await this.commit(client, state, tx);
      const last = subs.at(-1)!;
      statement.hasResultSet = subs.some((s) => s.hasResultSet);
      statement.resultRows = last.resultRows;
      statement.redshiftQueryId = last.redshiftQueryId;
      this.finish(statement, 'FINISHED', started);
    } catch (error) {
      this.fail(statement, error, started);
    }
  }

  /**
   * One statement outside a batch: inside the session's open transaction (BEGIN … COMMIT sent as
   * statements of their own), or as a transaction of its own (autocommit).
   */
  private async runInSession(
    client: pg.ClientBase,
    sql: string,
    statement: Statement,
  ): Promise<Pick<Statement, 'hasResultSet' | 'resultRows' | 'resultSize' | 'result'>> {
    const state = this.stateOf(client);
    const none = { hasResultSet: false, resultRows: 0, resultSize: 0 };
    const { control } = tableAccess(sql);
    if (control === 'begin') {
      if (state.tx) return none; // Redshift warns and carries on
      await client.query(BEGIN_SNAPSHOT);
      state.tx = this.tracker.begin(statement.redshiftPid);
      return none;
    }
    if (control === 'commit' || control === 'rollback') {
      const tx = state.tx;
      if (!tx) return none;
      if (control === 'commit' && !state.failed) await this.commit(client, state, tx);
      else {
        await client.query('ROLLBACK');
        this.endTransaction(state, tx, false);
      }
      return none;
    }
    if (state.tx) {
      const tx = state.tx;
      try {
        await this.track(state, tx, sql);
      } catch (error) {
        // Redshift rolls back a transaction it aborts for a conflict.
        await client.query('ROLLBACK').catch(() => undefined);
        this.endTransaction(state, tx, false);
        throw error;
      }
      try {
        return await this.runOne(client, sql, statement);
      } catch (error) {
        state.failed = true;
        throw error;
      }
    }
    const tx = this.tracker.begin(statement.redshiftPid);
    state.tx = tx;
    try {
      await this.track(state, tx, sql);
      // PostgreSQL has committed it by now: the check before it ran is the only one.
      const result = await this.runOne(client, sql, statement);
      this.endTransaction(state, tx, true);
      return result;
    } catch (error) {
      this.endTransaction(state, tx, false);
      throw error;
    }
  }

  /** Records a statement's tables in its transaction; a cycle fails it with Redshift's 1023 before it runs. */
  private async track(state: ConnectionState, tx: TrackedTransaction, sql: string): Promise<void> {
    const access = tableAccess(sql);
    if (access.createsTemp) state.temps.add(access.createsTemp);
    const shared = (names: string[]) => names.filter((name) => !state.temps.has(name));
    const conflict = this.tracker.access(tx, shared(access.reads), shared(access.writes), access.locks.length === 0);
    if (conflict) throw await this.violation(conflict, tx);
  }

  private async commit(client: pg.ClientBase, state: ConnectionState, tx: TrackedTransaction): Promise<void> {
    const conflict = this.tracker.checkCommit(tx);
    if (conflict) {
      await client.query('ROLLBACK');
      this.endTransaction(state, tx, false);
      throw await this.violation(conflict, tx);
    }
    // Counted as committed before PostgreSQL's COMMIT returns: PostgreSQL releases the transaction's
    // locks as it commits, and a transaction that waited on one of them (a LOCK) may hear back first; the
    // snapshot it takes next must see this commit, as Redshift's does.
    this.endTransaction(state, tx, true);
    try {
      await client.query('COMMIT');
    } catch (error) {
      this.tracker.commitFailed(tx);
      throw error;
    }
  }

  private endTransaction(state: ConnectionState, tx: TrackedTransaction, committed: boolean): void {
    if (committed) this.tracker.committed(tx);
    else this.tracker.rolledBack(tx);
    if (state.tx === tx) {
      state.tx = null;
      state.failed = false;
    }
  }

  private async violation(conflict: Conflict, tx: TrackedTransaction): Promise<RedshiftSqlError> {
    const dot = conflict.table.indexOf('.');
    const { rows } = await this.adminPool.query<{ oid: string }>(
      `SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
      [conflict.table.slice(0, dot), conflict.table.slice(dot + 1)],
    );
    return new RedshiftSqlError(serializableViolationMessage(Number(rows[0]?.oid ?? 0), conflict, tx.pid));
  }

  private stateOf(client: pg.ClientBase): ConnectionState {
    let state = this.connections.get(client);
    if (!state) {
      state = { tx: null, failed: false, temps: new Set() };
      this.connections.set(client, state);
    }
    return state;
  }

  /** A connection going back to the pool or closed: its open transaction is rolled back, its temp tables gone. */
  private forgetConnection(client: pg.ClientBase): void {
    const state = this.connections.get(client);
    if (state?.tx) this.tracker.rolledBack(state.tx);
    this.connections.delete(client);
  }

  private async runOne(
    client: pg.ClientBase,
    sql: string,
    statement: Statement,
  ): Promise<Pick<Statement, 'hasResultSet' | 'resultRows' | 'resultSize' | 'result'>> {
    const copy = parseCopyFromS3(sql);
    if (copy) {
      const loaded = await copyFromS3(client, copy, {
        s3: this.s3,
        recordLoadError: (error) => this.recordLoadError(statement, error),
      });
      return { hasResultSet: false, resultRows: loaded, resultSize: 0 };
    }
    const translated = translateStatement(sql, this.schema);
    await this.ensureTypes(translated.types);
    const bound = statement.parameters.length > 0 ? bindParameters(translated.text, statement.parameters) : { text: translated.text, values: [] };
    const reply = (await client.query({ text: bound.text, values: bound.values, rowMode: 'array' })) as pg.QueryResult | pg.QueryResult[];
    const last = Array.isArray(reply) ? reply.at(-1)! : reply;
    // What a CREATE TABLE asked for (DISTSTYLE, SORTKEY, ENCODE), readable in pgshift_table_design.
    const design = tableDesignOf(sql);
    if (design) await client.query(`COMMENT ON TABLE ${design.table} IS '${design.design.replaceAll("'", "''")}'`);
    if (last.fields.length === 0) return { hasResultSet: false, resultRows: last.rowCount ?? 0, resultSize: 0 };
    await this.typeNames.resolve(
      client,
      last.fields.map((f) => f.dataTypeID),
    );
    const result = toResultSet(last, this.typeNames);
    return { hasResultSet: true, resultRows: result.records.length, resultSize: JSON.stringify(result.records).length, result };
  }

  private start(statement: Statement, client: pg.ClientBase): boolean {
    if (this.state.cancelled.has(statement.id)) {
      this.finish(statement, 'ABORTED', process.hrtime.bigint());
      statement.error = cancelledMessage(statement);
      return false;
    }
    statement.status = 'PICKED';
    statement.redshiftPid = (client as unknown as { processID?: number }).processID ?? 0;
    statement.status = 'STARTED';
    statement.updatedAt = new Date();
    return true;
  }

  private finish(statement: Statement, status: StatementStatus, started: bigint): void {
    statement.status = status;
    statement.updatedAt = new Date();
    statement.durationNs = status === 'FINISHED' ? Number(process.hrtime.bigint() - started) : -1;
  }

  private fail(statement: Statement, error: unknown, started: bigint, status?: StatementStatus): void {
    const e = error as { code?: string; message?: string; batchError?: string };
    const cancelled = e.code === '57014' || this.state.cancelled.has(statement.id.split(':')[0]!);
    this.finish(statement, status ?? (cancelled ? 'ABORTED' : 'FAILED'), started);
    if (e.batchError) statement.error = e.batchError;
    else if (cancelled) statement.error = cancelledMessage(statement);
    else if (e.code === '40001') {
      // A row-level conflict PostgreSQL found itself (REPEATABLE READ): Redshift reports every one as 1023.
      statement.error = `ERROR: 1023 DETAIL: Serializable isolation violation on table - 0, transactions forming the cycle are: (pid:${statement.redshiftPid}) [${e.message}]`;
    } else statement.error = `ERROR: ${e.message ?? String(error)}`;
  }

  /** Creates the domains a statement needs, outside its transaction (concurrent creators are fine). */
  private async ensureTypes(types: readonly EmulatedType[]): Promise<void> {
    for (const type of types) {
      if (this.createdTypes.has(type.name)) continue;
      try {
        await this.adminPool.query(`CREATE DOMAIN ${type.name} AS ${type.definition}`);
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code !== '42710' && code !== '23505') throw error;
      }
      this.createdTypes.add(type.name);
    }
  }

  /** On the admin pool: a query on the statement's connection would take its transaction's snapshot before a LOCK. */
  private async nextQueryId(): Promise<number> {
    const result = await this.adminPool.query<[string]>({ text: `SELECT nextval('${this.schema}.query_id_seq')`, rowMode: 'array' });
    return Number(result.rows[0]![0]);
  }

  private async recordLoadError(statement: Statement, error: LoadError): Promise<void> {
    await this.adminPool.query(
      `INSERT INTO ${this.schema}.sys_load_error_detail
         (user_id, query_id, transaction_id, session_id, database_name, table_id, start_time, file_name, line_number,
          column_name, column_type, column_length, position, error_code, error_message, raw_line, raw_field_value)
       VALUES (100, $1, $1, $2, current_database(), $3, now() at time zone 'UTC', $4, $5, $6, $7, $8, 0, $9, $10, $11, $12)`,
      [
        statement.redshiftQueryId,
        statement.redshiftPid,
        error.tableId,
        error.fileName,
        error.lineNumber,
        error.columnName,
        error.columnType,
        error.columnLength,
        error.errorCode,
        error.errorMessage,
        error.rawLine,
        error.rawFieldValue,
      ],
    );
  }
}

function cancelledError(): Error {
  return Object.assign(new Error('canceling statement due to user request'), { code: '57014' });
}

function cancelledMessage(statement: Statement): string {
  return `Query (${statement.redshiftQueryId}) cancelled on user's request`;
}
