import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const root = new URL('../../', import.meta.url).pathname;
export const chartDir = join(root, 'deploy/helm/pgshift');

/** deploy/tools/versions.env, the versions scripts/check-deploy.sh builds. */
export function toolVersions(): Record<string, string> {
  const text = readFileSync(join(root, 'deploy/tools/versions.env'), 'utf8');
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => line.split('=', 2) as [string, string]),
  );
}

/** The helm that scripts/check-deploy.sh built (PGSHIFT_HELM, or the cache), or null. */
export function findHelm(): string | null {
  if (process.env.PGSHIFT_HELM) return process.env.PGSHIFT_HELM;
  const cache = process.env.PGSHIFT_CACHE_DIR || join(homedir(), '.cache/pgshift');
  const path = join(cache, 'go/bin', `helm-${toolVersions().HELM_VERSION}`);
  return existsSync(path) ? path : null;
}

/**
 * `skip` for the chart tests: in the unit loop on a machine where helm is not built yet they are skipped with
 * this reason; under scripts/check-deploy.sh (PGSHIFT_DEPLOY_TOOLS_REQUIRED=1, the full suite) never.
 */
export function chartTestsSkip(): string | false {
  if (findHelm() || process.env.PGSHIFT_DEPLOY_TOOLS_REQUIRED === '1') return false;
  return 'helm is not built on this machine: scripts/check-deploy.sh builds it and runs these tests (npm test does)';
}

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: rendered YAML, read by the tests
  spec?: any;
  data?: Record<string, string>;
}

const rendered = new Map<string, Manifest[]>();

/** `helm template` of the chart with value files (from its ci/ folder) and --set pairs, parsed (once per arguments). */
export function render(valueFiles: string[], set: string[] = []): Manifest[] {
  const key = JSON.stringify([valueFiles, set]);
  const known = rendered.get(key);
  if (known) return known;
  const manifests = renderNow(valueFiles, set);
  rendered.set(key, manifests);
  return manifests;
}

function renderNow(valueFiles: string[], set: string[]): Manifest[] {
  const helm = findHelm();
  if (!helm) throw new Error('helm is not built: run scripts/check-deploy.sh');
  const args = ['template', 'pgshift', chartDir, '--namespace', 'pgshift', '--kube-version', toolVersions().KUBE_VERSION ?? '1.33.0'];
  for (const file of valueFiles) args.push('-f', join(chartDir, 'ci', file));
  for (const pair of set) args.push('--set', pair);
  const out = execFileSync(helm, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return parseAllDocuments(out)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

/** The error helm prints when the chart refuses the values. */
export function renderError(valueFiles: string[], set: string[] = []): string {
  try {
    render(valueFiles, set);
  } catch (error) {
    return String((error as { stderr?: string }).stderr ?? error);
  }
  return '';
}
