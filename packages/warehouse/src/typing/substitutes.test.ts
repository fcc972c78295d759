import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redshiftSubstitution } from './substitutes.js';

test('Redshift dates and timestamps: infinity becomes 9999-12-31, -infinity 0001-01-01, everything else is cast', () => {
  const date = redshiftSubstitution('DATE')!;
  assert.equal(date.stagingType, 'VARCHAR(64)');
  assert.equal(date.unrepresentable('v'), "v IN ('infinity', '-infinity')");
  assert.equal(
    date.toTarget('v'),
    "CASE WHEN v = 'infinity' THEN CAST('9999-12-31' AS DATE) WHEN v = '-infinity' THEN CAST('0001-01-01' AS DATE) ELSE CAST(v AS DATE) END",
  );
  assert.equal(date.fromTarget('t.v'), 'CAST(t.v AS VARCHAR(64))');
  assert.equal(date.sourceUnrepresentable('c'), "c IN ('infinity', '-infinity')");
  assert.equal(
    redshiftSubstitution('TIMESTAMP')!.toTarget('v'),
    "CASE WHEN v = 'infinity' THEN CAST('9999-12-31 23:59:59.999999' AS TIMESTAMP) WHEN v = '-infinity' THEN CAST('0001-01-01 00:00:00' AS TIMESTAMP) ELSE CAST(v AS TIMESTAMP) END",
  );
  assert.equal(
    redshiftSubstitution('TIMESTAMPTZ')!.sourceSubstitute('c'),
    "CASE WHEN c = 'infinity' THEN CAST('9999-12-31 23:59:59.999999+00' AS TIMESTAMPTZ) WHEN c = '-infinity' THEN CAST('0001-01-01 00:00:00+00' AS TIMESTAMPTZ) ELSE c END",
  );
});

test('Redshift DECIMAL(p,s): NaN, ±Infinity, too many integer digits or significant fractional digits become NULL; never rounded', () => {
  const wide = redshiftSubstitution('DECIMAL(38,10)')!;
  assert.equal(wide.stagingType, 'VARCHAR(65535)');
  assert.equal(wide.substituteText, 'NULL');
  assert.equal(wide.unrepresentable('v'), "v !~ '^-?[0-9]{1,28}([.][0-9]{0,10}0*)?$'");
  assert.equal(wide.toTarget('v'), "CASE WHEN v ~ '^-?[0-9]{1,28}([.][0-9]{0,10}0*)?$' THEN CAST(v AS DECIMAL(38,10)) END");
  assert.equal(
    wide.sourceSubstitute('c'),
    "CASE WHEN (c IN ('NaN', 'Infinity', '-Infinity') OR ABS(c) >= CAST('1e28' AS NUMERIC) OR c <> TRUNC(c, 10)) THEN NULL ELSE c END",
  );
  assert.equal(redshiftSubstitution('DECIMAL(5,5)')!.unrepresentable('v'), "v !~ '^-?0([.][0-9]{0,5}0*)?$'");
  assert.equal(redshiftSubstitution('DECIMAL(12,0)')!.unrepresentable('v'), "v !~ '^-?[0-9]{1,12}([.]0*)?$'");
  // The pattern, read as JavaScript does POSIX here: which texts fit DECIMAL(38,10).
  const fits = /^-?[0-9]{1,28}([.][0-9]{0,10}0*)?$/;
  for (const text of ['0', '-1.5', '9'.repeat(28), `1.${'9'.repeat(10)}`, '1.50000000000000', '-0.0000000001']) assert.ok(fits.test(text), text);
  for (const text of ['NaN', 'Infinity', '-Infinity', '1'.repeat(29), '0.00000000001', `1.${'1'.repeat(11)}`, '']) assert.ok(!fits.test(text), text);
});

test('types every Redshift column holds as they are have no rule', () => {
  for (const type of ['VARCHAR(65535)', 'BIGINT', 'SUPER', 'VARBYTE(1024000)', 'TIME', 'TIMETZ', 'BOOLEAN'])
    assert.equal(redshiftSubstitution(type), null, type);
});
