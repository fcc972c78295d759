import { ConfigError, type ConfigProblem, env, loadConfig } from '@pgshift/runtime';
import type { RedshiftTarget } from './redshift/data-api-client.js';

/**
 * The variables that say which warehouse to connect to and how: one shape for every process that
 * connects (the loader composes it into its own; the CLI reads it alone).
 */
export const warehouseConnectionShape = {
  PGSHIFT_WAREHOUSE: env.oneOf(['postgres', 'redshift'] as const).describe('`postgres` or `redshift`'),
  PGSHIFT_WAREHOUSE_URL: env.postgresUrl().optional().meta({ description: 'postgres: the warehouse connection string', whenUnset: 'required for postgres' }),
  PGSHIFT_REDSHIFT_CLUSTER_ID: env.string().optional().meta({
    description: 'redshift: a provisioned cluster (with PGSHIFT_REDSHIFT_SECRET_ARN or PGSHIFT_REDSHIFT_DB_USER) …',
    whenUnset: 'this or a workgroup',
  }),
  PGSHIFT_REDSHIFT_WORKGROUP: env
    .string()
    .optional()
    .meta({ description: '… or a Serverless workgroup (it wins over a cluster)', whenUnset: 'this or a cluster' }),
  PGSHIFT_REDSHIFT_DATABASE: env.string().optional().meta({ description: 'redshift: the database', whenUnset: 'required for redshift' }),
  PGSHIFT_REDSHIFT_DB_USER: env
    .string()
    .optional()
    .meta({ description: 'redshift cluster: temporary credentials for this database user', whenUnset: 'this or a secret' }),
  PGSHIFT_REDSHIFT_SECRET_ARN: env
    .string()
    .optional()
    .meta({ description: 'redshift: a Secrets Manager secret with the credentials (wins over a DB user)', whenUnset: 'this or a DB user (cluster)' }),
  PGSHIFT_REDSHIFT_IAM_ROLE: env
    .string()
    .optional()
    .meta({ description: 'redshift: the IAM role COPY reads the batch files with', whenUnset: 'required to load batches' }),
  PGSHIFT_REDSHIFT_REGION: env.string().default('us-east-1').describe('region of the Data API (and of COPY, unless PGSHIFT_S3_REGION differs)'),
  PGSHIFT_REDSHIFT_STATEMENT_TIMEOUT: env
    .duration()
    .prefault('15m')
    .describe("how long one Data API statement (a batch's transaction) may run before it is cancelled; a timeout is retried a few times, then stops the table"),
  PGSHIFT_REDSHIFT_ENDPOINT: env
    .httpUrl()
    .optional()
    .meta({ description: "a Data API endpoint other than AWS's (a VPC endpoint, or the test server)", whenUnset: 'AWS' }),
};

export type WarehouseConnectionEnv = ReturnType<typeof loadConfig<typeof warehouseConnectionShape>>;

export type WarehouseConnection =
  | { kind: 'postgres'; url: string }
  | {
      kind: 'redshift';
      target: RedshiftTarget;
      /** The Data API's region. */
      region: string;
      endpoint?: string;
      /** PGSHIFT_REDSHIFT_STATEMENT_TIMEOUT. */
      statementTimeoutMs: number;
      /** COPY's role; set whenever the caller loads batches (WarehouseNeeds). */
      iamRole?: string;
    };

export interface WarehouseNeeds {
  /** The caller loads batches: Redshift's COPY needs PGSHIFT_REDSHIFT_IAM_ROLE. */
  loadsBatches?: boolean;
}

type Name = keyof typeof warehouseConnectionShape;

/**
 * What the variables that are set leave missing, every problem at once. Works on the raw environment,
 * so that it can be reported beside the problems of the variables themselves.
 */
export function warehouseConnectionProblems(environment: NodeJS.ProcessEnv, needs: WarehouseNeeds = {}): string[] {
  const has = (name: Name) => (environment[name]?.trim() ?? '') !== '';
  const kind = environment.PGSHIFT_WAREHOUSE?.trim();
  const required = (what: string) => `${what}: required when PGSHIFT_WAREHOUSE=${kind}`;
  const problems: string[] = [];
  if (kind === 'postgres' && !has('PGSHIFT_WAREHOUSE_URL')) problems.push(required('PGSHIFT_WAREHOUSE_URL'));
  if (kind === 'redshift') {
    if (!has('PGSHIFT_REDSHIFT_DATABASE')) problems.push(required('PGSHIFT_REDSHIFT_DATABASE'));
    if (!has('PGSHIFT_REDSHIFT_CLUSTER_ID') && !has('PGSHIFT_REDSHIFT_WORKGROUP'))
      problems.push(required('PGSHIFT_REDSHIFT_CLUSTER_ID or PGSHIFT_REDSHIFT_WORKGROUP'));
    if (has('PGSHIFT_REDSHIFT_CLUSTER_ID') && !has('PGSHIFT_REDSHIFT_WORKGROUP') && !has('PGSHIFT_REDSHIFT_DB_USER') && !has('PGSHIFT_REDSHIFT_SECRET_ARN')) {
      problems.push(required('PGSHIFT_REDSHIFT_DB_USER or PGSHIFT_REDSHIFT_SECRET_ARN'));
    }
    if (needs.loadsBatches && !has('PGSHIFT_REDSHIFT_IAM_ROLE')) problems.push(required('PGSHIFT_REDSHIFT_IAM_ROLE'));
  }
  return problems;
}

/**
 * The connection the parsed variables describe; a ConfigError with every missing variable otherwise.
 * Precedence, the same for every process: a workgroup over a cluster, and for a cluster a Secrets
 * Manager secret over temporary credentials for a DB user.
 */
export function warehouseConnectionOf(parsed: WarehouseConnectionEnv, needs: WarehouseNeeds = {}): WarehouseConnection {
  const problems = warehouseConnectionProblems(asEnvironment(parsed), needs);
  if (problems.length > 0) throw new ConfigError(problems);
  if (parsed.PGSHIFT_WAREHOUSE === 'postgres') return { kind: 'postgres', url: parsed.PGSHIFT_WAREHOUSE_URL! };
  const database = parsed.PGSHIFT_REDSHIFT_DATABASE!;
  const secretArn = parsed.PGSHIFT_REDSHIFT_SECRET_ARN;
  const target: RedshiftTarget = parsed.PGSHIFT_REDSHIFT_WORKGROUP
    ? { workgroupName: parsed.PGSHIFT_REDSHIFT_WORKGROUP, database, ...(secretArn ? { secretArn } : {}) }
    : secretArn
      ? { clusterIdentifier: parsed.PGSHIFT_REDSHIFT_CLUSTER_ID!, database, secretArn }
      : { clusterIdentifier: parsed.PGSHIFT_REDSHIFT_CLUSTER_ID!, database, dbUser: parsed.PGSHIFT_REDSHIFT_DB_USER! };
  return {
    kind: 'redshift',
    target,
    region: parsed.PGSHIFT_REDSHIFT_REGION,
    statementTimeoutMs: parsed.PGSHIFT_REDSHIFT_STATEMENT_TIMEOUT,
    ...(parsed.PGSHIFT_REDSHIFT_ENDPOINT ? { endpoint: parsed.PGSHIFT_REDSHIFT_ENDPOINT } : {}),
    ...(parsed.PGSHIFT_REDSHIFT_IAM_ROLE ? { iamRole: parsed.PGSHIFT_REDSHIFT_IAM_ROLE } : {}),
  };
}

/** The same check as a loadConfig rule, so a process reports it beside every other bad variable. */
export function warehouseConnectionRules(needs: WarehouseNeeds = {}) {
  return (parsed: Partial<WarehouseConnectionEnv>): ConfigProblem[] =>
    warehouseConnectionProblems(asEnvironment(parsed), needs).map((problem) => {
      const colon = problem.indexOf(': ');
      return { variable: problem.slice(0, colon), message: problem.slice(colon + 2) };
    });
}

/** Reads the warehouse connection from the environment, reporting every bad and every missing variable together. */
export function readWarehouseConnection(environment: NodeJS.ProcessEnv = process.env, needs: WarehouseNeeds = {}): WarehouseConnection {
  let parsed: WarehouseConnectionEnv;
  try {
    parsed = loadConfig(warehouseConnectionShape, environment);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError([...error.problems, ...warehouseConnectionProblems(environment, needs)]);
  }
  return warehouseConnectionOf(parsed, needs);
}

function asEnvironment(parsed: Partial<WarehouseConnectionEnv>): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(parsed)
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => [name, String(value)]),
  );
}
