import { InvalidArgumentError } from 'commander';

/** Exit codes of every pgshift command. */
export const EXIT = {
  ok: 0,
  /** verify: something is not in sync. */
  notInSync: 1,
  /** Bad arguments, missing configuration, a database or broker that cannot be reached. */
  usage: 2,
} as const;

/** A mistake in the command line or the environment: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `schema.table` → its parts (the first dot separates them). */
export function parseTableName(text: string): { schema: string; table: string } {
  const dot = text.indexOf('.');
  if (dot <= 0 || dot === text.length - 1) throw new UsageError(`expected schema.table, got ${JSON.stringify(text)}`);
  return { schema: text.slice(0, dot), table: text.slice(dot + 1) };
}

/** An option parser for counts; commander reports a bad value as a usage error. */
export function parsePositiveInteger(name: string) {
  return (text: string): number => {
    if (!/^\d+$/.test(text) || Number(text) < 1) throw new InvalidArgumentError(`${name} takes a whole number ≥ 1`);
    return Number(text);
  };
}
