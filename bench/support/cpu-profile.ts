import { readdirSync, readFileSync, statSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/**
 * The main thread's profile among those written in `dir` after `since` (ms since the epoch): the largest,
 * as tsx's loader thread writes a small one of its own.
 */
export function mainThreadProfile(dir: string, since: number): string | null {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => ({ path: `${dir}/${f}`, ...statSync(`${dir}/${f}`) }))
    .filter((f) => f.mtimeMs >= since)
    .sort((a, b) => b.size - a.size);
  return files[0]?.path ?? null;
}

/** Self time per function (summed over call sites), the largest first, as shares of the sampled time. */
export function topSelfTime(path: string, count = 15): { fn: string; ms: number; share: number }[] {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<string, number>();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id)!;
    const delta = profile.timeDeltas[i] ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${url.replace(/^file:\/\/.*?\/(node_modules|packages|services)\//, '$1/')}:${lineNumber + 1}` : '';
    const name = `${functionName || '(anonymous)'} ${where}`.trim();
    selfUs.set(name, (selfUs.get(name) ?? 0) + delta);
    totalUs += delta;
  });
  return [...selfUs]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([fn, us]) => ({ fn, ms: us / 1000, share: us / totalUs }));
}

const AREAS: [area: string, test: RegExp][] = [
  ['idle', /^\(idle\)/],
  ['garbage collector', /^\(garbage collector\)/],
  ['kafkajs', /node_modules\/kafkajs\//],
  ['avsc (Avro decode)', /node_modules\/avsc\//],
  ['@pgshift/debezium (cells)', /packages\/debezium\//],
  ['@pgshift/csv (CSV encode)', /packages\/csv\//],
  ['batcher (coalesce, rows)', /services\/batcher\//],
  ['zlib', /node:zlib|processChunk|processCallback/],
  ['AWS SDK', /@aws-sdk|@smithy/],
  ['pino / prom-client', /pino|prom-client/],
];

/** Self time by area of the code (package or runtime), the largest first. */
export function selfTimeByArea(path: string): { area: string; ms: number; share: number }[] {
  const all = topSelfTime(path, Number.MAX_SAFE_INTEGER);
  const byArea = new Map<string, number>();
  for (const { fn, ms } of all) {
    const area = AREAS.find(([, test]) => test.test(fn))?.[0] ?? 'other (node internals, buffers, microtasks)';
    byArea.set(area, (byArea.get(area) ?? 0) + ms);
  }
  const totalMs = all.reduce((sum, f) => sum + f.ms, 0);
  return [...byArea].sort((a, b) => b[1] - a[1]).map(([area, ms]) => ({ area, ms, share: ms / totalMs }));
}
