import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

// The installed command: the package's bin, which runs the compiled CLI (dist/), with plain node (no tsx).

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { bin: Record<string, string> };
const bin = fileURLToPath(new URL(`../${manifest.bin.pgshift}`, import.meta.url));

async function pgshift(...args: string[]) {
  // Plain node, no loader flags, and no source condition: what `npx pgshift` runs.
  return run(process.execPath, [bin, ...args], { env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' }, cwd: packageDir });
}

test('the compiled pgshift command answers --help, and so does every subcommand', { timeout: 120_000 }, async () => {
  await run(process.execPath, [fileURLToPath(import.meta.resolve('typescript/bin/tsc')), '-b', packageDir]);
  const top = await pgshift('--help');
  assert.match(top.stdout, /^Usage: pgshift \[options\] \[command\]/);
  for (const command of ['verify', 'ledger', 'dead-letters', 'doctor', 'tables']) assert.match(top.stdout, new RegExp(`^  ${command}\\b`, 'm'));
  for (const args of [['tables', 'pause'], ['verify'], ['ledger', 'reset'], ['dead-letters', 'redrive']]) {
    const { stdout } = await pgshift(...args, '--help');
    assert.match(stdout, new RegExp(`^Usage: pgshift ${args.join(' ')} `), args.join(' '));
    assert.match(stdout, /--json/, `${args.join(' ')} has --json`);
  }
});

test('a usage mistake exits 2 and says what to add', async () => {
  await assert.rejects(pgshift('tables', 'pause'), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 2);
    assert.match(error.stderr, /missing required argument 'table'/);
    return true;
  });
});
