import { RedshiftDataApiClient, type DataApiClientOptions } from '@pgshift/warehouse';
import { textRow, type SqlRunner, type TextRow } from './sql-runner.js';

/** Redshift through the warehouse package's Data API client: each statement on its own, auto-committed. */
export class RedshiftRunner implements SqlRunner {
  readonly flavour = 'redshift' as const;
  readonly #client: RedshiftDataApiClient;

  constructor(options: DataApiClientOptions) {
    this.#client = new RedshiftDataApiClient({ statementName: 'pgshift-cli', ...options });
  }

  async query(sql: string): Promise<TextRow[]> {
    const { rows } = await this.#client.query(sql);
    return rows.map((row) => textRow(row));
  }

  async execute(sql: string): Promise<number> {
    return Math.max(0, (await this.#client.execute(sql)).resultRows);
  }

  async close(): Promise<void> {
    this.#client.close();
  }
}
