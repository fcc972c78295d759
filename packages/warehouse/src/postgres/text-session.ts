import pg from 'pg';
import { type TextQueries, type TextRow, textRow } from '../text-queries.js';

export interface TextSessionOptions {
  /** Shown in pg_stat_activity. */
  applicationName: string;
  /** Every statement is cancelled after this long. */
  statementTimeoutMs?: number;
}

/**
 * Pool settings for sessions whose values are read as text (verify): UTC, ISO dates, PostgreSQL's
 * interval style and shortest exact floats, so that text forms do not depend on the server's or the
 * user's settings; a small pool, short lock waits.
 */
export function textSessionPool(options: TextSessionOptions): Omit<pg.PoolConfig, 'connectionString'> {
  const settings = ['TimeZone=UTC', 'DateStyle=ISO', 'IntervalStyle=postgres', 'extra_float_digits=1', 'lock_timeout=5000'];
  if (options.statementTimeoutMs) settings.push(`statement_timeout=${options.statementTimeoutMs}`);
  return {
    application_name: options.applicationName,
    options: settings.map((s) => `-c ${s}`).join(' '),
    max: 4,
    connectionTimeoutMillis: 10_000,
  };
}

/** A PostgreSQL database that is not the warehouse (verify's source), read through text sessions. */
export class PostgresTextQueries implements TextQueries {
  readonly #pool: pg.Pool;

  constructor(connectionString: string, options: TextSessionOptions) {
    this.#pool = new pg.Pool({ ...textSessionPool(options), connectionString });
    // An idle client's connection dropping must not crash the process; the next query reports it.
    this.#pool.on('error', () => undefined);
  }

  async queryText(sql: string): Promise<TextRow[]> {
    const { rows } = await this.#pool.query(sql);
    return rows.map((row: Record<string, unknown>) => textRow(row));
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
