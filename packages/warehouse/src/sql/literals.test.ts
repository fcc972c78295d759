import assert from 'node:assert/strict';
import { test } from 'node:test';
import { postgresLiteral, redshiftLiteral, utcTimestampText } from './literals.js';

test('quotes are doubled in both dialects', () => {
  assert.equal(redshiftLiteral("it's"), "'it''s'");
  assert.equal(postgresLiteral("it's"), "'it''s'");
});

test('Redshift literals escape backslashes and write control characters in octal', () => {
  assert.equal(redshiftLiteral('a\\b'), "'a\\\\b'");
  assert.equal(redshiftLiteral('\u0001N'), "'\\001N'");
});

test('PostgreSQL literals switch to E-strings only when needed', () => {
  assert.equal(postgresLiteral('plain'), "'plain'");
  assert.equal(postgresLiteral('\u0001N'), "E'\\x01N'");
  assert.equal(postgresLiteral("a\\b'"), "E'a\\\\b'''");
});

test('timestamps are written in UTC without a zone', () => {
  assert.equal(utcTimestampText(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), '2026-01-02 03:04:05.678');
});
