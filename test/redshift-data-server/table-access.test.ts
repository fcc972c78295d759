import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tableAccess } from './table-access.js';

test('a DELETE … USING reads and writes its target and reads the tables it joins', () => {
  const access = tableAccess(`DELETE FROM "_pgshift_stage" USING "pgshift"."ledger" WHERE "pgshift"."ledger"."topic" = 'from x'`);
  assert.deepEqual(access.writes, ['public._pgshift_stage']);
  assert.deepEqual(access.reads.sort(), ['pgshift.ledger', 'public._pgshift_stage']);
});

test('an INSERT … SELECT writes blindly and reads every table of its query, subqueries and joins included', () => {
  const access = tableAccess(
    `INSERT INTO "s"."t" (a) SELECT b.a FROM (SELECT 1 AS a) AS b, other o LEFT JOIN "pgshift"."ledger" AS "existing" ON x = y WHERE a IN (SELECT a FROM Third)`,
  );
  assert.deepEqual(access.writes, ['s.t']);
  assert.deepEqual(access.reads.sort(), ['pgshift.ledger', 'public.other', 'public.third']);
});

test('UPDATE … FROM, COPY, LOCK, TRUNCATE, CREATE TEMP and transaction control', () => {
  assert.deepEqual(tableAccess('UPDATE stage SET a = 1 FROM "S"."T" AS cur WHERE 1 = 1'), {
    reads: ['public.stage', 'S.T'],
    writes: ['public.stage'],
    locks: [],
    createsTemp: null,
    control: null,
  });
  assert.deepEqual(tableAccess(`COPY "s"."t" (a) FROM 's3://b/k' IAM_ROLE 'x' CSV`).writes, ['s.t']);
  assert.deepEqual(tableAccess(`COPY "s"."t" (a) FROM 's3://b/k' IAM_ROLE 'x' CSV`).reads, []);
  assert.deepEqual(tableAccess('LOCK "s"."t", other').locks, ['s.t', 'public.other']);
  assert.deepEqual(tableAccess('LOCK TABLE "s"."t"').locks, ['s.t']);
  assert.deepEqual(tableAccess('TRUNCATE TABLE s.t').writes, ['s.t']);
  assert.equal(tableAccess('CREATE TEMP TABLE "_pgshift_stage" (a int)').createsTemp, 'public._pgshift_stage');
  assert.deepEqual(tableAccess('CREATE TABLE IF NOT EXISTS "pgshift"."x" (a int)').writes, ['pgshift.x']);
  assert.equal(tableAccess('begin').control, 'begin');
  assert.equal(tableAccess('END TRANSACTION').control, 'commit');
  assert.equal(tableAccess('ROLLBACK').control, 'rollback');
});
