import { z } from 'zod';

/** Raised at start when the environment does not describe a valid configuration. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validates the environment against a shape whose keys are the variable names, so every error names the
 * variable that is wrong: `PGSHIFT_FLUSH_ROWS: expected an integer ≥ 1, got "ten"`.
 */
export function loadConfig<Shape extends z.ZodRawShape>(
  shape: Shape,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodObject<Shape>> {
  const input: Record<string, string | undefined> = {};
  for (const name of Object.keys(shape)) {
    const value = env[name];
    input[name] = value === undefined || value.trim() === '' ? undefined : value.trim();
  }
  const result = z.object(shape).safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '?');
      const got = input[name] === undefined ? 'it is not set' : `got ${JSON.stringify(input[name])}`;
      return `${name}: ${issue.message} (${got})`;
    }),
  );
}

/** Small, strict parsers for environment values. */
export const env = {
  string: () => z.string({ error: 'required' }).min(1),
  url: () => z.url({ error: 'expected a URL' }),
  integer: (min = 0) =>
    z
      .string({ error: 'required' })
      .regex(/^-?\d+$/, { error: `expected an integer ≥ ${min}` })
      .transform(Number)
      .pipe(z.number().int().min(min, { error: `expected an integer ≥ ${min}` })),
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
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  list: () =>
    z
      .string({ error: 'required' })
      .transform((v) => v.split(',').map((s) => s.trim()).filter((s) => s !== ''))
      .pipe(z.array(z.string()).min(1, { error: 'expected a comma-separated list' })),
  oneOf: <const T extends readonly [string, ...string[]]>(values: T) =>
    z.enum(values, { error: `expected one of ${values.join(', ')}` }),
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
