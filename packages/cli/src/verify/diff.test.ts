import assert from 'node:assert/strict';
import { test } from 'node:test';
import { differingColumns, diffRowHashes } from './diff.js';

test('row hashes diff into missing, extra and differing keys', () => {
  const source = [
    { key: ['1'], hash: 'a' },
    { key: ['2'], hash: 'b' },
    { key: ['3'], hash: 'c' },
  ];
  const warehouse = [
    { key: ['1'], hash: 'a' },
    { key: ['3'], hash: 'x' },
    { key: ['4'], hash: 'd' },
  ];
  assert.deepEqual(diffRowHashes(source, warehouse), { missing: [['2']], extra: [['4']], differing: [['3']] });
});

test('composite keys match on every part, not on a joined string', () => {
  const diff = diffRowHashes([{ key: ['a,b', 'c'], hash: 'h' }], [{ key: ['a', 'b,c'], hash: 'h' }]);
  assert.deepEqual(diff, { missing: [['a,b', 'c']], extra: [['a', 'b,c']], differing: [] });
});

test('differing columns: NULL differs from the empty string, equal text does not differ', () => {
  assert.deepEqual(differingColumns(['id', 'note', 'amount'], ['1', null, '1.5'], ['1', '', '1.5']), ['note']);
  assert.deepEqual(differingColumns(['id'], ['1'], ['1']), []);
});
