import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { DoctorReport, Finding } from '../doctor/finding.js';
import { CONNECT_URL, KAFKA_BROKER, SOURCE_URL, uniqueName, WAREHOUSE_URL, withClient } from '../test-support/databases.js';

const run = promisify(execFile);
const repository = fileURLToPath(new URL('../../../../', import.meta.url));
const schema = uniqueName('doctor');

/** The real `pgshift doctor`, as `npm run pgshift` runs it; only the environment given (plus PATH). */
async function pgshift(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--conditions=source', '--import', 'tsx', 'packages/cli/src/main.ts', ...args], {
      cwd: repository,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const stackEnv = { PGSHIFT_SOURCE_URL: SOURCE_URL, PGSHIFT_WAREHOUSE: 'postgres', PGSHIFT_WAREHOUSE_URL: WAREHOUSE_URL, PGSHIFT_CONNECT_URL: CONNECT_URL };
const about = (report: DoctorReport, subject: string): Finding[] => report.findings.filter((f) => f.subjects?.includes(subject));

/** The stack's connector, registered as the end-to-end tests do (idempotent), running. */
async function ensureConnector(): Promise<void> {
  const { name, config } = JSON.parse(readFileSync(new URL('../../../../connect-config/pgshift-source.json', import.meta.url), 'utf8'));
  const put = await fetch(`${CONNECT_URL}/connectors/${name}/config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(config),
  });
  assert.ok(put.ok, `registering ${name}: HTTP ${put.status}`);
  for (let i = 0; i < 120; i++) {
    const status = (await (await fetch(`${CONNECT_URL}/connectors/${name}/status`)).json()) as { connector?: { state: string }; tasks?: { state: string }[] };
    if (status.connector?.state === 'RUNNING' && status.tasks?.[0]?.state === 'RUNNING') return;
    await sleep(500);
  }
  assert.fail(`connector ${name} did not run`);
}

before(async () => {
  await ensureConnector();
  await withClient(SOURCE_URL, async (c) => {
    await c.query(`CREATE SCHEMA ${schema}`);
    // The publication is FOR ALL TABLES: PostgreSQL rejects an UPDATE of a keyless table outright. The
    // way a table gets there in production: it was updated while it had a key, then lost the key.
    await c.query(`CREATE TABLE ${schema}.audit_log (id int CONSTRAINT audit_log_pk PRIMARY KEY, note text)`);
    await c.query(`INSERT INTO ${schema}.audit_log SELECT i, 'n' || i FROM generate_series(1, 10) i`);
    await c.query(`UPDATE ${schema}.audit_log SET note = 'changed' WHERE id <= 4`);
    await c.query(`ALTER TABLE ${schema}.audit_log DROP CONSTRAINT audit_log_pk`);
    // A healthy table: keyed, updated and deleted from.
    await c.query(`CREATE TABLE ${schema}.orders (id int PRIMARY KEY, total numeric(10,2))`);
    await c.query(`INSERT INTO ${schema}.orders SELECT i, i FROM generate_series(1, 10) i`);
    await c.query(`UPDATE ${schema}.orders SET total = total + 1`);
    await c.query(`DELETE FROM ${schema}.orders WHERE id = 1`);
    // Keyless and only ever inserted into.
    await c.query(`CREATE TABLE ${schema}.events (at timestamptz, what text)`);
    await c.query(`INSERT INTO ${schema}.events VALUES (now(), 'started')`);
  });
  // The statistics reach pg_stat_user_tables when the session reports them (at its end at the latest).
  for (let i = 0; ; i++) {
    const counted = await withClient(SOURCE_URL, (c) =>
      c.query(`SELECT n_tup_upd FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'audit_log'`, [schema]),
    );
    if (Number(counted.rows[0]?.n_tup_upd ?? 0) >= 4) break;
    if (i > 50) assert.fail('the updates never reached pg_stat_user_tables');
    await sleep(200);
  }
});

after(async () => {
  await withClient(SOURCE_URL, (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
});

test('doctor flags a published keyless table that has received updates as an error with the fix, and not a healthy one', async () => {
  // What doctor warns about is real: the next UPDATE of that table fails in PostgreSQL itself.
  await assert.rejects(
    withClient(SOURCE_URL, (c) => c.query(`UPDATE ${schema}.audit_log SET note = 'again' WHERE id = 5`)),
    /cannot update table "audit_log" because it does not have a replica identity and publishes updates/,
  );
  const result = await pgshift({ ...stackEnv, PGSHIFT_KAFKA_BROKERS: KAFKA_BROKER }, 'doctor', '--schemas', schema, '--json');
  assert.equal(result.code, 1, result.stderr);
  const report = JSON.parse(result.stdout) as DoctorReport;

  const [flagged, ...others] = about(report, `${schema}.audit_log`);
  assert.equal(others.length, 0);
  assert.equal(flagged!.check, 'replica-identity');
  assert.equal(flagged!.severity, 'error');
  assert.match(flagged!.message, /has no primary key and REPLICA IDENTITY DEFAULT, is published with UPDATE and DELETE, and has received \d+ UPDATE/);
  assert.match(flagged!.fix!, new RegExp(`^ALTER TABLE ${schema}\\.audit_log REPLICA IDENTITY FULL;`));

  assert.deepEqual(about(report, `${schema}.orders`), [], 'the keyed table is not flagged');
  assert.deepEqual(
    about(report, `${schema}.events`).map((f) => [f.check, f.severity]),
    [['replica-identity', 'warn']],
    'the insert-only keyless table is a warning',
  );

  const severityOf = (check: string) => report.findings.filter((f) => f.check === check).map((f) => f.severity);
  assert.deepEqual(severityOf('wal_level'), ['ok']);
  assert.deepEqual(severityOf('publication'), ['info'], 'the stack publishes FOR ALL TABLES');
  // The running Connect: the connector and its task.
  assert.deepEqual(severityOf('connector'), ['ok']);
  assert.deepEqual(severityOf('connector-task'), ['ok']);
  assert.deepEqual(severityOf('slot'), ['ok'], 'the connector reads its slot');
  // The warehouse, through the loader's adapter: connected, the test schema creatable.
  assert.deepEqual(severityOf('connect'), ['ok']);
  assert.ok(about(report, schema).some((f) => f.check === 'target-schema' && f.severity !== 'error'));
  assert.ok(severityOf('consumer-lag').length === 2 && !severityOf('consumer-lag').includes('unchecked'), JSON.stringify(report.findings));

  // The text report says the same, with what to do under the finding.
  const text = await pgshift(stackEnv, 'doctor', '--schemas', schema);
  assert.equal(text.code, 1);
  assert.match(text.stdout, new RegExp(`ERROR +replica-identity +${schema}\\.audit_log has no primary key`));
  assert.match(text.stdout, new RegExp(`\\n +what to do: ALTER TABLE ${schema}\\.audit_log REPLICA IDENTITY FULL;`));
  assert.match(text.stdout, /\nERRORS: \d+ errors?, .* \(exit 1\)\n$/);

  // Following the advice clears the error, and the UPDATE goes through.
  await withClient(SOURCE_URL, async (c) => {
    await c.query(`ALTER TABLE ${schema}.audit_log REPLICA IDENTITY FULL`);
    await c.query(`UPDATE ${schema}.audit_log SET note = 'again' WHERE id = 5`);
  });
  const fixed = JSON.parse((await pgshift(stackEnv, 'doctor', '--schemas', schema, '--json')).stdout) as DoctorReport;
  assert.deepEqual(
    about(fixed, `${schema}.audit_log`).map((f) => [f.check, f.severity]),
    [['replica-identity', 'info']],
  );
});

test('a connector that is not registered is an error; an unreachable Connect is exit 3, not a finding', async () => {
  const missing = JSON.parse((await pgshift({ PGSHIFT_CONNECT_URL: CONNECT_URL }, 'doctor', '--connector', `${schema}-none`, '--json')).stdout) as DoctorReport;
  assert.deepEqual(
    missing.findings.filter((f) => f.area === 'pipeline' && f.severity !== 'skipped').map((f) => [f.check, f.severity]),
    [['connector', 'error']],
  );
  const unreachable = await pgshift({ PGSHIFT_CONNECT_URL: 'http://127.0.0.1:1' }, 'doctor');
  assert.equal(unreachable.code, 3, unreachable.stdout + unreachable.stderr);
  assert.match(unreachable.stdout, /UNCHECKED +connector +could not check: /);
  assert.match(unreachable.stdout, /skipped +source +no source configured/);
});

test('doctor exits 2 on a bad flag or variable, as every pgshift command, and when nothing is configured to check', async () => {
  assert.equal((await pgshift({}, 'doctor', '--topic-pattern', '(')).code, 2);
  assert.equal((await pgshift({ PGSHIFT_LOADER_URLS: 'loader:59102' }, 'doctor')).code, 2);
  const nothing = await pgshift({}, 'doctor');
  assert.equal(nothing.code, 2, 'nothing configured is not "healthy"');
  assert.match(nothing.stderr, /^pgshift: nothing to check: give at least one of --source/);
});
