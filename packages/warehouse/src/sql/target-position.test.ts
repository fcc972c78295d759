import assert from 'node:assert/strict';
import { test } from 'node:test';
import { postgresDialect } from '../postgres/dialect.js';
import { createRedshiftDialect } from '../redshift/dialect.js';
import { selectLatestLsnStatement } from './target-position.js';

test('the newest change of a target is the largest _pgshift_lsn, names quoted', () => {
  assert.equal(selectLatestLsnStatement(postgresDialect, { schema: 'shop', table: 'Orders' }), 'SELECT max("_pgshift_lsn") AS "lsn" FROM "shop"."Orders"');
});

test('on Redshift, the same with folded names', () => {
  const dialect = createRedshiftDialect();
  assert.equal(selectLatestLsnStatement(dialect, { schema: 'shop', table: 'orders' }), 'SELECT max("_pgshift_lsn") AS "lsn" FROM "shop"."orders"');
});
