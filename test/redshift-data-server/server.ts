/**
 * A Redshift Data API-compatible HTTP server that runs the SQL on PostgreSQL, so that the Redshift adapter
 * can be tested through the real `@aws-sdk/client-redshift-data` client.
 */
import Fastify from 'fastify';
import type { S3ServerConfig } from './copy-from-s3.js';
import { epochSeconds, type Operation, optionalNumber, optionalString, registerJsonProtocol, requiredString } from './protocol.js';
import { type ConnectionTarget, ServiceError, type SqlParameter, type Statement, StatementEngine } from './statements.js';
import type { IsolationLevel } from './transactions.js';

export interface RedshiftDataServerOptions {
  /** 0 for any free port. */
  port: number;
  host?: string;
  warehouseUrl: string;
  s3: S3ServerConfig;
  /** Records per GetStatementResult page; small values exercise the client's NextToken handling. */
  resultPageSize?: number;
  /**
   * Redshift's isolation level to emulate: 'serializable' (provisioned clusters; the default here) fails
   * one of two concurrent transactions that conflict on a table with error 1023; 'snapshot' (Serverless)
   * never does. See transactions.ts.
   */
  isolation?: IsolationLevel;
}

export interface RedshiftDataServer {
  url: string;
  close(): Promise<void>;
  /** Makes the next `count` calls of `operation` fail with `errorType` (e.g. ThrottlingException). */
  failNext(operation: string, count: number, errorType: string): void;
}

const MAX_SQL_BYTES = 100 * 1024;
const MAX_BATCH_SQLS = 40;

export async function startRedshiftDataServer(options: RedshiftDataServerOptions): Promise<RedshiftDataServer> {
  const engine = new StatementEngine({ warehouseUrl: options.warehouseUrl, s3: options.s3, ...(options.isolation ? { isolation: options.isolation } : {}) });
  await engine.init();
  const pageSize = options.resultPageSize ?? 1000;
  const injected = new Map<string, { count: number; errorType: string }>();

  const operations: Record<string, Operation> = {
    ExecuteStatement: (input) => {
      const sql = requiredString(input, 'Sql');
      checkSqlSize(sql);
      const statement = engine.submit({ sqls: [sql], batch: false, ...submitOptions(input) });
      return submitted(statement);
    },
    BatchExecuteStatement: (input) => {
      const sqls = input.Sqls;
      if (!Array.isArray(sqls) || sqls.length < 1 || sqls.length > MAX_BATCH_SQLS || !sqls.every((s) => typeof s === 'string' && s !== '')) {
        throw new ServiceError('ValidationException', `Sqls must hold between 1 and ${MAX_BATCH_SQLS} non-empty SQL statements`);
      }
      sqls.forEach(checkSqlSize);
      const statement = engine.submit({ sqls: sqls as string[], batch: true, ...submitOptions(input) });
      return submitted(statement);
    },
    DescribeStatement: (input) => describe(engine.describe(requiredString(input, 'Id'))),
    GetStatementResult: (input) => {
      const id = requiredString(input, 'Id');
      const result = engine.result(id);
      const token = optionalString(input, 'NextToken');
      const offset = token === undefined ? 0 : Number(Buffer.from(token, 'base64').toString('utf8'));
      if (!Number.isInteger(offset) || offset < 0 || offset > result.records.length) {
        throw new ServiceError('ValidationException', 'Invalid NextToken');
      }
      const end = offset + pageSize;
      return {
        Records: result.records.slice(offset, end),
        ColumnMetadata: result.columns,
        TotalNumRows: result.records.length,
        ...(end < result.records.length ? { NextToken: Buffer.from(String(end)).toString('base64') } : {}),
      };
    },
    CancelStatement: async (input) => ({ Status: await engine.cancel(requiredString(input, 'Id')) }),
  };

  const app = Fastify({ logger: false, bodyLimit: 8 * 1024 * 1024 });
  registerJsonProtocol(app, operations, (name) => {
    const failure = injected.get(name);
    if (failure && failure.count > 0) {
      failure.count--;
      throw new ServiceError(failure.errorType, `Rate exceeded (injected ${failure.errorType})`);
    }
  });
  const address = await app.listen({ port: options.port, host: options.host ?? '127.0.0.1' });

  return {
    url: address,
    async close() {
      await app.close();
      await engine.close();
    },
    failNext(operation, count, errorType) {
      injected.set(operation, { count, errorType });
    },
  };
}

function checkSqlSize(sql: unknown): void {
  if (typeof sql === 'string' && Buffer.byteLength(sql) > MAX_SQL_BYTES) {
    throw new ServiceError('ValidationException', `The SQL statement is ${Buffer.byteLength(sql)} bytes; the maximum is 100 KB`);
  }
}

function submitOptions(input: Record<string, unknown>) {
  const sessionId = optionalString(input, 'SessionId');
  const sessionKeepAliveSeconds = optionalNumber(input, 'SessionKeepAliveSeconds');
  const target: ConnectionTarget = {};
  for (const [field, key] of [
    ['ClusterIdentifier', 'clusterIdentifier'],
    ['WorkgroupName', 'workgroupName'],
    ['Database', 'database'],
    ['DbUser', 'dbUser'],
    ['SecretArn', 'secretArn'],
  ] as const) {
    const value = optionalString(input, field);
    if (value !== undefined) target[key] = value;
  }
  if (!sessionId) {
    if (target.clusterIdentifier && target.workgroupName) {
      throw new ServiceError('ValidationException', 'Specify either ClusterIdentifier or WorkgroupName, not both');
    }
    if (!target.clusterIdentifier && !target.workgroupName) {
      throw new ServiceError('ValidationException', 'Either ClusterIdentifier or WorkgroupName (or a SessionId) is required');
    }
    if (target.clusterIdentifier && !target.dbUser && !target.secretArn) {
      throw new ServiceError('ValidationException', 'A provisioned cluster needs DbUser or SecretArn');
    }
    if (!target.database) throw new ServiceError('ValidationException', 'Database is required');
  } else if (target.clusterIdentifier || target.workgroupName) {
    throw new ServiceError('ValidationException', 'SessionId cannot be combined with ClusterIdentifier or WorkgroupName');
  }
  const parameters = parseParameters(input.Parameters);
  const statementName = optionalString(input, 'StatementName');
  return {
    target,
    parameters,
    ...(statementName ? { statementName } : {}),
    ...(sessionId ? { sessionId } : {}),
    ...(sessionKeepAliveSeconds !== undefined ? { sessionKeepAliveSeconds } : {}),
  };
}

function parseParameters(value: unknown): SqlParameter[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length === 0) throw new ServiceError('ValidationException', 'Parameters must be a non-empty list');
  return value.map((p: { name?: unknown; value?: unknown }) => {
    if (typeof p?.name !== 'string' || typeof p.value !== 'string' || p.name === '') {
      throw new ServiceError('ValidationException', 'Each parameter needs a name and a non-null string value');
    }
    return { name: p.name, value: p.value };
  });
}

function submitted(statement: Statement) {
  return {
    Id: statement.id,
    CreatedAt: epochSeconds(statement.createdAt),
    ...targetFields(statement.target),
    ...(statement.sessionId ? { SessionId: statement.sessionId } : {}),
  };
}

function targetFields(target: ConnectionTarget) {
  return {
    ...(target.clusterIdentifier ? { ClusterIdentifier: target.clusterIdentifier } : {}),
    ...(target.workgroupName ? { WorkgroupName: target.workgroupName } : {}),
    ...(target.database ? { Database: target.database } : {}),
    ...(target.dbUser ? { DbUser: target.dbUser } : {}),
    ...(target.secretArn ? { SecretArn: target.secretArn } : {}),
  };
}

function statementFields(statement: Statement) {
  return {
    Id: statement.id,
    Status: statement.status,
    CreatedAt: epochSeconds(statement.createdAt),
    UpdatedAt: epochSeconds(statement.updatedAt),
    Duration: statement.durationNs,
    QueryString: statement.queryString,
    HasResultSet: statement.hasResultSet,
    ResultRows: statement.resultRows,
    ResultSize: statement.resultSize,
    RedshiftQueryId: statement.redshiftQueryId,
    ...(statement.error ? { Error: statement.error } : {}),
  };
}

function describe(statement: Statement) {
  return {
    ...statementFields(statement),
    ...targetFields(statement.target),
    RedshiftPid: statement.redshiftPid,
    ...(statement.sessionId ? { SessionId: statement.sessionId } : {}),
    ...(statement.parameters.length > 0 ? { QueryParameters: statement.parameters } : {}),
    ...(statement.subStatements ? { SubStatements: statement.subStatements.map(statementFields) } : {}),
  };
}
