import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

// The statement builders are pure: they must not import the code that executes their SQL.
test('sql/* imports nothing from adapter.ts or the adapters', () => {
  const folder = new URL('./', import.meta.url);
  for (const file of readdirSync(folder).filter((name) => name.endsWith('.ts'))) {
    const imports = [...readFileSync(new URL(file, folder), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
    const execution = imports.filter((path) => /(^|\/)adapter\.js$|\/(postgres|redshift)\/(adapter|data-api-client|load-errors)\.js$/.test(path));
    assert.deepEqual(execution, [], `${file} imports ${execution.join(', ')}`);
  }
});
