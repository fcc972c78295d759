import assert from 'node:assert/strict';
import { test } from 'node:test';
import { actorFrom, carriesToken } from './auth.js';

const token = 's3cret-token-of-some-length';

test('only the exact bearer token is let in', () => {
  assert.equal(carriesToken(`Bearer ${token}`, token), true);
  assert.equal(carriesToken(`bearer  ${token} `, token), true, 'the scheme is case-insensitive');
  for (const header of [undefined, '', token, `Basic ${token}`, `Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, 'Bearer ', `Bearer ${token} extra`]) {
    assert.equal(carriesToken(header, token), false, String(header));
  }
});

test('an action names its actor: a short printable name, never empty', () => {
  assert.equal(actorFrom(' alice '), 'alice');
  assert.equal(actorFrom('ops-bot@cluster/prod'), 'ops-bot@cluster/prod');
  assert.equal(actorFrom(['bob', 'eve']), 'bob');
  for (const bad of [undefined, '', '   ', 'x'.repeat(101), 'eve\nforged log line', 'a;rm']) assert.equal(actorFrom(bad), null, String(bad));
});
