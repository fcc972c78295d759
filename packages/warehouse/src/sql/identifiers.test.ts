import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidIdentifier } from '../errors.js';
import { foldIdentifier, type IdentifierRules, quoteIdentifier, quoteQualified } from './identifiers.js';

const redshift: IdentifierRules = { maxBytes: 127, foldsToLowerCase: true };
const postgres: IdentifierRules = { maxBytes: 63, foldsToLowerCase: false };

test('every identifier is quoted, so reserved words and spaces are plain names', () => {
  for (const word of ['user', 'timestamp', 'partition', 'offset', 'order by']) {
    assert.equal(quoteIdentifier(word, postgres), `"${word}"`);
  }
});

test('a double quote inside a name is doubled', () => {
  assert.equal(quoteIdentifier('say "hi"', postgres), '"say ""hi"""');
});

test('Redshift folds ASCII letters to lower case; PostgreSQL keeps the case of quoted names', () => {
  assert.equal(quoteIdentifier('UserName', redshift), '"username"');
  assert.equal(quoteIdentifier('UserName', postgres), '"UserName"');
  assert.equal(foldIdentifier('ÉTÉ Ok', redshift), 'ÉtÉ ok', 'only ASCII letters fold');
  assert.equal(quoteIdentifier('UserName', { ...redshift, foldsToLowerCase: false }), '"UserName"', 'enable_case_sensitive_identifier');
});

test('a name longer than the warehouse keeps is refused, not truncated', () => {
  assert.equal(quoteIdentifier('a'.repeat(127), redshift), `"${'a'.repeat(127)}"`);
  assert.throws(
    () => quoteIdentifier('a'.repeat(128), redshift),
    (e: unknown) => e instanceof InvalidIdentifier && /128 bytes.*at most 127/.test(e.message),
  );
  assert.throws(() => quoteIdentifier('é'.repeat(32), postgres), /64 bytes.*at most 63/, 'the limit is in bytes, not characters');
  assert.throws(() => quoteIdentifier('', postgres), InvalidIdentifier);
});

test('schema-qualified names quote both parts', () => {
  assert.equal(quoteQualified('My Schema', 'order', redshift), '"my schema"."order"');
});
