import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { renderTypeMapping, TYPE_MAPPING } from './mapping.js';

test('docs/type-mapping.md is the rendering of the mapping the code uses', () => {
  const file = readFileSync(new URL('../../../../docs/type-mapping.md', import.meta.url), 'utf8');
  assert.equal(file, renderTypeMapping(), 'regenerate docs/type-mapping.md with typing/render-mapping.ts');
});

test('every mapping row has a reason and no Redshift target is a bare DECIMAL or TEXT', () => {
  for (const row of TYPE_MAPPING) {
    assert.ok(row.reason.length > 0, row.source);
    assert.notEqual(row.redshift, 'DECIMAL', row.source);
    assert.notEqual(row.redshift, 'TEXT', row.source);
  }
});
