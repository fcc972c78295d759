import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redshiftRefuses } from './copy-from-s3.js';

test('COPY refuses what Redshift refuses and PostgreSQL would take: infinite dates and timestamps, NaN and ±Infinity decimals, years past 294276', () => {
  assert.equal(redshiftRefuses('date', 'infinity')?.errorCode, 1205);
  assert.equal(redshiftRefuses('date', '-infinity')?.errorCode, 1205);
  assert.equal(redshiftRefuses('date', '300000-01-01')?.errorCode, 1205);
  assert.equal(redshiftRefuses('timestamp', 'infinity')?.errorCode, 1206);
  assert.equal(redshiftRefuses('timestamptz', '-infinity')?.errorCode, 1206);
  assert.equal(redshiftRefuses('numeric', 'NaN')?.errorCode, 1207);
  assert.equal(redshiftRefuses('numeric', '-Infinity')?.errorCode, 1207);
  for (const [type, value] of [
    ['date', '9999-12-31'],
    ['date', '0044-03-15 BC'],
    ['date', '294276-12-31'],
    ['timestamptz', '2021-03-04 05:06:07.123456+05:30'],
    ['numeric', '-1234.5'],
    ['varchar', 'infinity'],
    ['varchar', 'NaN'],
  ] as const) {
    assert.equal(redshiftRefuses(type, value), null, `${type} ${value}`);
  }
});
