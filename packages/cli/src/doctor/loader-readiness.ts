import { type Finding, findingIn, unchecked } from './finding.js';

/** A loader's `/readyz` body (services/loader/src/loader.ts readiness()). */
export interface LoaderReadiness {
  status?: string;
  joined?: boolean;
  waitingForSchemaRegistry?: string;
  error?: string;
  tables?: Record<string, { state: string; reason?: string; since?: string; attempts?: number; nextRetry?: string; queued?: number }>;
}

const finding = findingIn('pipeline');

/** Stopped tables (a permanent failure: quarantined until fixed), waiting ones (a passing one), and the loader's own state. */
export function loaderFindings(url: string, readiness: LoaderReadiness): Finding[] {
  const findings: Finding[] = [];
  if (readiness.error) findings.push(finding('loader', 'error', `loader ${url} has crashed: ${readiness.error}`, 'read its log and restart it', [url]));
  if (readiness.joined === false)
    findings.push(
      finding(
        'loader',
        'warn',
        `loader ${url} is not in its consumer group (starting, or rebalancing)`,
        'look again in a minute; if it stays so, read its log',
        [url],
      ),
    );
  if (readiness.waitingForSchemaRegistry) {
    findings.push(
      finding(
        'loader',
        'warn',
        `loader ${url} waits for the schema registry: ${readiness.waitingForSchemaRegistry}`,
        'bring the schema registry back; the loader retries by itself',
        [url],
      ),
    );
  }
  const tables = Object.entries(readiness.tables ?? {});
  for (const [table, t] of tables) {
    const since = t.since ? ` since ${t.since}` : '';
    const attempts = t.attempts ? `, ${t.attempts} ${t.attempts === 1 ? 'attempt' : 'attempts'}` : '';
    if (t.state === 'stopped') {
      findings.push(
        finding(
          'loader-table',
          'error',
          `${table} is stopped on loader ${url}${since}${attempts}: ${t.reason ?? 'no reason given'}; its batches wait (${t.queued ?? 0} queued)`,
          `fix the cause; the loader tries the batch again${t.nextRetry ? ` at ${t.nextRetry}` : ''} (the batch is also in the dead-letter topic: pgshift dead-letters list)`,
          [table],
        ),
      );
    } else if (t.state === 'waiting') {
      findings.push(
        finding(
          'loader-table',
          'warn',
          `${table} is waiting on loader ${url}${since}${attempts}: ${t.reason ?? 'a passing failure'}`,
          'the loader retries by itself; if it lasts, bring back what it waits for (the warehouse, S3)',
          [table],
        ),
      );
    }
  }
  if (findings.length === 0)
    findings.push(
      finding('loader', 'ok', `loader ${url} is ready: ${tables.length} ${tables.length === 1 ? 'table' : 'tables'}, none stopped or waiting`, undefined, [
        url,
      ]),
    );
  return findings;
}

export async function checkLoader(url: string, fetchImpl: typeof fetch = fetch): Promise<Finding[]> {
  const endpoint = `${url.replace(/\/+$/, '')}/readyz`;
  try {
    const response = await fetchImpl(endpoint, { signal: AbortSignal.timeout(10_000) });
    // 503 is "not ready" with the same detail; anything else is not a loader's answer.
    if (response.status !== 200 && response.status !== 503) throw new Error(`GET ${endpoint}: HTTP ${response.status}`);
    return loaderFindings(url, (await response.json()) as LoaderReadiness);
  } catch (error) {
    return [unchecked('pipeline', 'loader', error, `check PGSHIFT_LOADER_URLS (or --loader-url): GET ${endpoint} (the loader's PGSHIFT_HTTP_PORT)`)];
  }
}
