import pg from 'pg';
import { textRow, type SqlRunner, type TextRow } from './sql-runner.js';

export interface PostgresRunnerOptions {
  connectionString: string;
  /** Shown in pg_stat_activity. */
  applicationName: string;
  /** Every statement is cancelled after this long: verify's statements are short by design. */
  statementTimeoutMs?: number;
}

/**
 * A small pool on one PostgreSQL database. Sessions run in UTC with ISO dates and PostgreSQL's
 * interval style, so that text forms of values do not depend on the server's or the user's settings.
 */
export class PostgresRunner implements SqlRunner {
  readonly flavour = 'postgres' as const;
  readonly #pool: pg.Pool;

  constructor(options: PostgresRunnerOptions) {
    const settings = ['TimeZone=UTC', 'DateStyle=ISO', 'IntervalStyle=postgres', 'extra_float_digits=1', 'lock_timeout=5000'];
    if (options.statementTimeoutMs) settings.push(`statement_timeout=${options.statementTimeoutMs}`);
    this.#pool = new pg.Pool({
      connectionString: options.connectionString,
      application_name: options.applicationName,
      options: settings.map((s) => `-c ${s}`).join(' '),
      max: 4,
      connectionTimeoutMillis: 10_000,
    });
    // An idle client's connection dropping must not crash the process; the next query reports it.
    this.#pool.on('error', () => undefined);
  }

  async query(sql: string): Promise<TextRow[]> {
    const result = await this.#pool.query(sql);
    return result.rows.map((row: Record<string, unknown>) => textRow(row));
  }

  async execute(sql: string): Promise<number> {
    const result = await this.#pool.query(sql);
    return result.rowCount ?? 0;
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
