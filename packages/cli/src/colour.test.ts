import assert from 'node:assert/strict';
import { test } from 'node:test';
import { paint, useColour } from './colour.js';

test('output is coloured on a terminal only, never with NO_COLOR or TERM=dumb, always with FORCE_COLOR', () => {
  assert.equal(useColour({ isTTY: true }, {}), true);
  assert.equal(useColour({ isTTY: false }, {}), false);
  assert.equal(useColour({}, {}), false);
  assert.equal(useColour({ isTTY: true }, { NO_COLOR: '1' }), false);
  assert.equal(useColour({ isTTY: true }, { NO_COLOR: '' }), true);
  assert.equal(useColour({ isTTY: true }, { TERM: 'dumb' }), false);
  assert.equal(useColour({ isTTY: false }, { FORCE_COLOR: '1' }), true);
  assert.equal(useColour({ isTTY: false }, { FORCE_COLOR: '0' }), false);
  assert.equal(useColour({ isTTY: true }, { NO_COLOR: '1', FORCE_COLOR: '1' }), false);
  assert.equal(paint.red('x'), '\x1b[31mx\x1b[39m');
});
