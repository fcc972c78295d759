import { z } from 'zod';

/** Raised at start when the environment does not describe a valid configuration. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** A problem that involves more than one variable: `variable` is the one to set or change. */
export interface ConfigProblem {
  variable: string;
  message: string;
}

/**
 * Cross-variable rules (`X is required when Y=…`, `X must be below Y`). They see the variables that
 * parsed; a variable that failed its own check is absent, and a rule's problem about a variable that
 * already has one is not reported twice.
 */
export type ConfigRules<Config> = (config: Partial<Config>) => ConfigProblem[];

/**
 * Validates the environment against a shape whose keys are the variable names, so every error names the
 * variable that is wrong: `PGSHIFT_FLUSH_ROWS: expected an integer ≥ 1 (got "ten")`. Every variable is
 * checked, then the rules, and every problem is reported in one ConfigError.
 */
export function loadConfig<Shape extends z.ZodRawShape>(
  shape: Shape,
  env: NodeJS.ProcessEnv = process.env,
  rules?: ConfigRules<z.infer<z.ZodObject<Shape>>>,
): z.infer<z.ZodObject<Shape>> {
  const input: Record<string, string | undefined> = {};
  const parsed: Record<string, unknown> = {};
  const problems: string[] = [];
  const bad = new Set<string>();
  const got = (name: string) => (input[name] === undefined ? 'it is not set' : `got ${shownValue(name, input[name])}`);
  for (const [name, schema] of Object.entries(shape)) {
    const value = env[name];
    input[name] = value === undefined || value.trim() === '' ? undefined : value.trim();
    const result = (schema as z.ZodType).safeParse(input[name]);
    if (result.success) {
      if (result.data !== undefined) parsed[name] = result.data;
      continue;
    }
    bad.add(name);
    for (const issue of result.error.issues) {
      const where = issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
      problems.push(`${name}: ${issue.message}${where} (${got(name)})`);
    }
  }
  for (const problem of rules?.(parsed as Partial<z.infer<z.ZodObject<Shape>>>) ?? []) {
    if (!bad.has(problem.variable)) problems.push(`${problem.variable}: ${problem.message} (${got(problem.variable)})`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return parsed as z.infer<z.ZodObject<Shape>>;
}

/** Names of variables whose value is a credential: an error shows that they are set, never what they hold. */
const CREDENTIAL_NAME = /PASSWORD|TOKEN|SECRET_ACCESS_KEY|ACCESS_KEY_ID/;

/**
 * A variable's value as a config error may show it (it is logged): a credential's value is hidden, and a
 * URL's password is masked (`postgres://pgshift:***@warehouse/db`), so no secret reaches the logs.
 */
export function shownValue(name: string, value: string): string {
  if (CREDENTIAL_NAME.test(name)) return `a value (hidden: ${name} is a credential)`;
  return JSON.stringify(value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#:@\s]*):[^/?#@\s]*@/i, '$1:***@'));
}

/** pino's levels; `silent` turns logging off. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Small, strict parsers for environment values. */
export const env = {
  string: () => z.string({ error: 'required' }).min(1),
  /** An http:// or https:// URL (a REST endpoint: the schema registry, S3, the Data API). */
  httpUrl: () => z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  /** The same as httpUrl: every endpoint pgshift calls speaks HTTP. */
  url: () => env.httpUrl(),
  /** A PostgreSQL connection string as a URL: postgres://user:password@host:port/database?… */
  postgresUrl: () => z.url({ protocol: /^postgres(?:ql)?$/, error: 'expected a postgres:// or postgresql:// URL' }),
  integer: (min = 0) =>
    z
      .string({ error: 'required' })
      .regex(/^-?\d+$/, { error: `expected an integer ≥ ${min}` })
      .transform(Number)
      .pipe(
        z
          .number()
          .int()
          .min(min, { error: `expected an integer ≥ ${min}` }),
      ),
  /** Byte sizes: `67108864`, `64MiB`, `512KiB`, `1GiB`. */
  bytes: () =>
    z
      .string({ error: 'required' })
      .regex(/^\d+\s*(B|KiB|MiB|GiB)?$/i, { error: 'expected a size such as 64MiB' })
      .transform(parseBytes),
  /** Durations: `10000` (ms), `500ms`, `10s`, `5m`. */
  duration: () =>
    z
      .string({ error: 'required' })
      .regex(/^\d+\s*(ms|s|m|h)?$/, { error: 'expected a duration such as 10s' })
      .transform(parseDurationMs),
  boolean: () =>
    z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' }).transform((v) => v === 'true' || v === '1' || v === 'yes'),
  list: () =>
    z
      .string({ error: 'required' })
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== ''),
      )
      .pipe(z.array(z.string()).min(1, { error: 'expected a comma-separated list' })),
  /** Comma-separated http:// or https:// URLs (several instances of one service). */
  httpUrlList: () => env.list().pipe(z.array(env.httpUrl())),
  oneOf: <const T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { error: `expected one of ${values.join(', ')}` }),
  logLevel: () => env.oneOf(LOG_LEVELS),
};

/** PGSHIFT_LOG_LEVEL, in the shape of every service and of the CLI. */
export const logLevelShape = {
  PGSHIFT_LOG_LEVEL: env.logLevel().prefault('info').describe('pino log level: fatal, error, warn, info, debug, trace or silent'),
};

const BYTE_UNITS: Record<string, number> = { b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };
export function parseBytes(text: string): number {
  const match = /^(\d+)\s*([a-z]*)$/i.exec(text.trim());
  if (!match) throw new Error(`not a size: ${text}`);
  return Number(match[1]) * (BYTE_UNITS[(match[2] || 'b').toLowerCase()] ?? 1);
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
export function parseDurationMs(text: string): number {
  const match = /^(\d+)\s*([a-z]*)$/.exec(text.trim());
  if (!match) throw new Error(`not a duration: ${text}`);
  return Number(match[1]) * (DURATION_UNITS[match[2] || 'ms'] ?? 1);
}
