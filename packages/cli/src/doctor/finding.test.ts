import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DOCTOR_EXIT, doctorExitCode, doctorReport, type Finding } from './finding.js';
import { formatDoctorReport } from './format-report.js';

const finding = (severity: Finding['severity'], check = 'c'): Finding => ({ area: 'source', check, severity, message: severity });

test('doctor exits 0 when every finding is ok, info or skipped', () => {
  assert.equal(doctorExitCode([finding('ok'), finding('info'), finding('skipped')]), DOCTOR_EXIT.healthy);
  assert.equal(doctorExitCode([]), 0);
});

test('an error exits 1 even when something else could not be checked', () => {
  assert.equal(doctorExitCode([finding('warn'), finding('unchecked'), finding('error')]), 1);
});

test('a check that could not run exits 3, distinct from findings, and wins over warnings', () => {
  assert.equal(doctorExitCode([finding('warn'), finding('unchecked')]), 3);
});

test('warnings alone exit 4 (2 stays every command’s usage mistake)', () => {
  assert.equal(doctorExitCode([finding('ok'), finding('warn')]), 4);
});

test('the report groups findings by area, in source, warehouse, pipeline order, with what to do under each', () => {
  const report = doctorReport([
    { area: 'pipeline', check: 'connector', severity: 'skipped', message: 'not configured' },
    { area: 'source', check: 'wal_level', severity: 'ok', message: 'wal_level is logical' },
    { area: 'source', check: 'replica-identity', severity: 'error', message: 'shop.log has no key', fix: 'ALTER TABLE shop.log REPLICA IDENTITY FULL' },
    { area: 'warehouse', check: 'connect', severity: 'unchecked', message: 'could not check: ECONNREFUSED', fix: 'check PGSHIFT_WAREHOUSE_URL' },
  ]);
  assert.equal(
    formatDoctorReport(report),
    [
      'source',
      '  ok         wal_level         wal_level is logical',
      '  ERROR      replica-identity  shop.log has no key',
      '                               what to do: ALTER TABLE shop.log REPLICA IDENTITY FULL',
      'warehouse',
      '  UNCHECKED  connect           could not check: ECONNREFUSED',
      '                               what to do: check PGSHIFT_WAREHOUSE_URL',
      'pipeline',
      '  skipped    connector         not configured',
      'ERRORS: 1 error, 0 warnings, 1 not checked, 0 info, 1 ok, 1 skipped (exit 1)',
      '',
    ].join('\n'),
  );
});

test('a report with warnings only says so in its last line', () => {
  const text = formatDoctorReport(doctorReport([finding('warn'), finding('ok')]));
  assert.match(text, /\nWARNINGS: 0 errors, 1 warning, 0 not checked, 0 info, 1 ok, 0 skipped \(exit 4\)\n$/);
});
