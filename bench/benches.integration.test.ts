/**
 * Every bench still runs: each at its small size (--small, seconds), as the process a person runs, so a
 * change that breaks one fails the suite. The figures are not checked (benches are never timed tests),
 * but each bench checks its own outcome (every event batched, the merged table's counts) and exits 1
 * when that is wrong. The full-size figures stay a manual run (npm run bench:batcher, bench:loader, bench:e2e).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../', import.meta.url));

async function runSmall(bench: string): Promise<string> {
  try {
    const { stdout } = await run(process.execPath, ['--conditions=source', '--import', 'tsx', bench, '--small'], {
      cwd: root,
      timeout: 300_000,
      maxBuffer: 16 * 2 ** 20,
    });
    return stdout;
  } catch (error) {
    const { stdout, stderr, code, signal } = error as { stdout?: string; stderr?: string; code?: number; signal?: string };
    assert.fail(`${bench} --small exited with ${code ?? signal}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`);
  }
}

/** The machine-readable line every stack bench prints last (bench/support/report.ts). */
function summary(stdout: string): Record<string, unknown> {
  const line = stdout.split('\n').find((l) => l.startsWith('JSON '));
  assert.ok(line, `no JSON summary line in:\n${stdout}`);
  return JSON.parse(line.slice('JSON '.length)) as Record<string, unknown>;
}

describe('benches at small size', () => {
  it('bench:batcher batches every event of its small stream', async () => {
    const figures = summary(await runSmall('bench/batcher.bench.ts'));
    assert.equal(figures.events, 20_000);
    assert.equal(figures.deadLetters, 0);
  });

  it('bench:loader merges its small batch', async () => {
    const figures = summary(await runSmall('bench/loader.bench.ts'));
    assert.equal(figures.rows, 20_000);
  });

  it('bench:e2e replicates its small workload with pgshift and the JDBC sink, and measures both lags', async () => {
    const figures = summary(await runSmall('bench/e2e.bench.ts'));
    assert.ok((figures.events as number) > 20_000);
    const streaming = figures.streaming as { pgshift: { rows: number }; jdbcSink: { rows: number } };
    assert.ok(streaming.pgshift.rows > 0);
    assert.equal(streaming.jdbcSink.rows, streaming.pgshift.rows);
  });

  it('the batch file writer bench writes its rows at both gzip levels', async () => {
    const stdout = await runSmall('packages/csv/src/batch-file-writer.bench.ts');
    assert.match(stdout, /^encodeRow only .* rows\/s/m);
    assert.match(stdout, /^BatchFileWriter, gzip level 1 .* rows\/s/m);
    assert.match(stdout, /^BatchFileWriter, gzip level 6 .* rows\/s/m);
  });
});
