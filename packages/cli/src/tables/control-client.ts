import type { TableView } from '@pgshift/contracts';
import { UsageError } from '../cli-error.js';

export type { TableView };

export interface ActionResult {
  table: string;
  action: string;
  actor: string;
  changes: Record<string, { from: unknown; to: unknown }>;
  known: boolean;
  view: TableView | null;
}

export const DEFAULT_CONTROL_URL = 'http://127.0.0.1:59104';

/** The control API over HTTP, with the bearer token and the actor; every failure is one clear message. */
export class ControlClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly actor: string,
  ) {}

  async list(): Promise<TableView[]> {
    return ((await this.request('GET', '/v1/tables')) as { tables: TableView[] }).tables;
  }

  async act(table: string, action: 'pause' | 'resume' | 'retry'): Promise<ActionResult> {
    return (await this.request('POST', `/v1/tables/${encodeURIComponent(table)}/${action}`)) as ActionResult;
  }

  async schedule(table: string, schedule: string): Promise<ActionResult> {
    return (await this.request('PUT', `/v1/tables/${encodeURIComponent(table)}/schedule`, { schedule })) as ActionResult;
  }

  async replay(table: string, from: string): Promise<ActionResult> {
    return (await this.request('POST', `/v1/tables/${encodeURIComponent(table)}/replay`, { from })) as ActionResult;
  }

  private async request(method: string, path: string, body?: unknown): Promise<unknown> {
    const url = new URL(path, this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`);
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          'x-pgshift-actor': this.actor,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new UsageError(
        `cannot reach the control API at ${this.baseUrl} (${cause?.code ?? cause?.message ?? (error as Error).message}); is it running? (PGSHIFT_CONTROL_URL)`,
      );
    }
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      // Not JSON: reported as text below.
    }
    if (response.status === 401) throw new UsageError('the control API refused the token: set PGSHIFT_CONTROL_TOKEN to its token');
    if (!response.ok) throw new UsageError(`control API: ${(parsed as { error?: string } | null)?.error ?? `${response.status} ${text.slice(0, 200)}`}`);
    return parsed;
  }
}
