import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createRedshiftDialect, substitutesTableName } from '@pgshift/warehouse';
import { startTestConnector, type TestConnector } from '../support/connector.js';
import { kafka, listTopics } from '../support/kafka.js';
import { metricValue, readiness, withScenario } from '../support/scenario.js';
import { stack } from '../support/stack.js';
import { waitFor } from '../support/wait.js';
import { type WarehouseTarget, warehouseTargets } from '../support/warehouse-targets.js';

// Edge values end to end, through a connector of the test's own (connect-config/pgshift-source.json,
// decimal.handling.mode=string, its own slot and topic prefix, so the shared connector is left alone):
// infinities in every date and timestamp type, NaN and ±Infinity in numerics, numerics beyond 38 digits
// and with more fractional digits than Redshift's DECIMAL(38,10), timetz. The PostgreSQL warehouse
// holds every one of them as itself; Redshift holds the documented substitutes (typing/substitutes.ts),
// records each, and `pgshift verify` finds the table in sync with those cells counted apart. No table stops.

const root = fileURLToPath(new URL('../../', import.meta.url));
const SCENARIO_TIMEOUT_MS = 10 * 60_000;

const TABLE = `CREATE TABLE %s.edges (
  id int PRIMARY KEY, d date, ts timestamp, ts3 timestamp(3), tstz timestamptz,
  n numeric, n2 numeric(10,2), n50 numeric(50,4), tz timetz, na numeric[], vb varbit(16), vbl varbit, note text)`;

const ROWS = `INSERT INTO %s.edges VALUES
  (1, 'infinity', 'infinity', 'infinity', 'infinity', 'NaN', 'NaN', 'NaN', '05:06:07+02', '{1.5,2.25}', B'', ('1' || repeat('01', 300))::varbit, 'all positive'),
  (2, '-infinity', '-infinity', '-infinity', '-infinity', 'Infinity', 12.34, -1234567890123456789012345678901234567890.5, '23:59:59.999999-03:30', '{}', B'101', B'', 'all negative'),
  (3, '2020-02-29', '2020-02-29 12:34:56.789012', '1999-12-31 23:59:59.999', '2021-03-04 05:06:07.123456+05:30',
      123456789012345678901234567890123456789012.123456789012345, -99999999.99, 12345678901234567890123456789012345.1234, '00:00:00+00', NULL, NULL, NULL, 'too wide'),
  (4, '0044-03-15 BC', '1900-01-01 00:00:00', NULL, '1969-12-31 23:59:59.999999+00', 1.12345678901234, 0, 1.5, NULL, '{-0.0000000001}', B'1', B'1', 'too fine'),
  (5, NULL, NULL, NULL, NULL, 1.50, NULL, 9999999999999999999999999999999999.9999, NULL, NULL, NULL, NULL, 'fits'),
  (6, '2024-01-01', '2024-01-01 00:00:00', '2024-01-01 00:00:00', '2024-01-01 00:00:00+00', '-Infinity', 1, 0.0001, '12:00:00+14', '{1,2}', B'1111111111111111', B'10', 'one more')`;

/** Cells Redshift cannot hold, per row: infinities (4 date/time columns in rows 1 and 2), the numerics. */
const REDSHIFT_SUBSTITUTES = [
  ...['d', 'ts', 'ts3', 'tstz'].flatMap((c) => [`id=1 ${c}`, `id=2 ${c}`]),
  'id=1 n',
  'id=1 n2',
  'id=1 n50',
  'id=2 n',
  'id=2 n50',
  'id=3 n',
  'id=3 n50',
  'id=4 n',
  'id=6 n',
].sort();

interface VerifyReport {
  inSync: boolean;
  tables: { table: string; status: string; sourceRows: number; warehouseRows: number; substituted: number; differing: { count: number; samples: unknown[] } }[];
}

async function verify(target: WarehouseTarget, schema: string): Promise<{ code: number; report: VerifyReport }> {
  const env = target.loaderEnv();
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', 'packages/cli/src/main.ts', 'verify', '--schema', schema, '--json', '--wait-timeout', '0'],
    {
      cwd: root,
      env: { ...process.env, ...env, PGSHIFT_SOURCE_URL: stack.sourceUrl, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? -1)));
  return { code, report: JSON.parse(out) as VerifyReport };
}

for (const target of warehouseTargets()) {
  describe(`edge values into ${target.description}`, () => {
    before(() => target.start());
    after(() => target.close());

    test('infinities, NaN, numerics beyond 38 digits and timetz land without stopping the table, and verify finds it in sync', {
      timeout: SCENARIO_TIMEOUT_MS,
    }, async () => {
      let connector: TestConnector | null = null;
      let schemaName = '';
      try {
        await withScenario(target, { prefix: 'fidelity' }, async ({ schema, source, warehouse, pipeline, startBatcher, startLoader, qualified }) => {
          schemaName = schema;
          await source.query(TABLE.replace('%s', schema));
          connector = await startTestConnector(schema);
          pipeline.batcherEnv.PGSHIFT_TOPIC_PATTERN = `^${connector.topicPrefix}\\.${schema}\\.[^.]+$`;
          await startBatcher();
          const loader = await startLoader();
          await source.query(ROWS.replace('%s', schema));

          await waitFor(
            'the warehouse to hold every row',
            async () => {
              const exists = await warehouse.query(`SELECT to_regclass($1) AS t`, [`${schema}.edges`]);
              if (exists.rows[0].t === null) return false;
              return (await warehouse.query(`SELECT count(*)::int AS n FROM ${schema}.edges`)).rows[0].n === 6;
            },
            { timeoutMs: 180_000, intervalMs: 1000 },
          );
          const scrape = async () => (await fetch(`http://127.0.0.1:${loader.httpPort}/metrics`)).text();
          // The loader counts right after its transaction commits, a moment after the rows are visible.
          if (target.name === 'redshift') {
            await waitFor(
              'the substitutes to be counted',
              async () => metricValue(await scrape(), 'pgshift_loader_cells_substituted_total') === REDSHIFT_SUBSTITUTES.length,
              {
                timeoutMs: 30_000,
              },
            );
          }
          const ready = await readiness(loader);
          assert.equal(ready.status, 200, `no table stopped: ${JSON.stringify(ready.body)}`);
          const metrics = await scrape();
          assert.equal(metricValue(metrics, 'pgshift_loader_table_stopped', { table: qualified('edges') }), 0);

          await warehouse.query(`SET TimeZone = 'UTC'`);
          const { rows } = await warehouse.query(
            `SELECT id, d::text, ts::text, ts3::text, tstz::text, n::text, n2::text, n50::text,
                      (tz AT TIME ZONE 'UTC')::text AS tz FROM ${schema}.edges WHERE id IN (1, 2, 3, 4) ORDER BY id`,
          );
          if (target.name === 'postgres') {
            assert.deepEqual(
              rows.map((r) => [r.d, r.ts, r.ts3, r.tstz, r.n, r.n2, r.n50]),
              [
                ['infinity', 'infinity', 'infinity', 'infinity', 'NaN', 'NaN', 'NaN'],
                ['-infinity', '-infinity', '-infinity', '-infinity', 'Infinity', '12.34', '-1234567890123456789012345678901234567890.5000'],
                [
                  '2020-02-29',
                  '2020-02-29 12:34:56.789012',
                  '1999-12-31 23:59:59.999',
                  '2021-03-03 23:36:07.123456+00',
                  '123456789012345678901234567890123456789012.123456789012345',
                  '-99999999.99',
                  '12345678901234567890123456789012345.1234',
                ],
                ['0044-03-15 BC', '1900-01-01 00:00:00', null, '1969-12-31 23:59:59.999999+00', '1.12345678901234', '0.00', '1.5000'],
              ],
              'every value as itself',
            );
          } else {
            assert.deepEqual(
              rows.map((r) => [r.d, r.ts, r.ts3, r.tstz, r.n, r.n2, r.n50]),
              [
                ['9999-12-31', '9999-12-31 23:59:59.999999', '9999-12-31 23:59:59.999999', '9999-12-31 23:59:59.999999+00', null, null, null],
                ['0001-01-01', '0001-01-01 00:00:00', '0001-01-01 00:00:00', '0001-01-01 00:00:00+00', null, '12.34', null],
                ['2020-02-29', '2020-02-29 12:34:56.789012', '1999-12-31 23:59:59.999', '2021-03-03 23:36:07.123456+00', null, '-99999999.99', null],
                ['0044-03-15 BC', '1900-01-01 00:00:00', null, '1969-12-31 23:59:59.999999+00', null, '0.00', '1.5000'],
              ],
              'the documented substitutes, never a rounded or a wrong number',
            );
            const records = await warehouse.query(
              `SELECT target_key || ' ' || column_name AS cell, original, original_bytes, substitute, batch_id FROM ${substitutesTable(schema)} ORDER BY 1`,
            );
            assert.deepEqual(records.rows.map((r) => r.cell).sort(), REDSHIFT_SUBSTITUTES, 'one record per substituted cell');
            const wide = records.rows.find((r) => r.cell === 'id=3 n')!;
            assert.equal(wide.original, '123456789012345678901234567890123456789012.123456789012345');
            assert.equal(wide.original_bytes, 58);
            assert.equal(wide.substitute, 'NULL');
            assert.equal(records.rows.find((r) => r.cell === 'id=1 d')!.original, 'infinity');
            assert.ok(
              records.rows.every((r) => r.batch_id),
              'each record names its batch',
            );
            assert.equal(metricValue(metrics, 'pgshift_loader_cells_substituted_total', { table: qualified('edges') }), REDSHIFT_SUBSTITUTES.length);
          }
          assert.deepEqual(
            rows.map((r) => r.tz),
            ['03:06:07+00', '03:29:59.999999+00', '00:00:00+00', null],
            'timetz as the instant Debezium sends (UTC)',
          );

          const { code, report } = await verify(target, schema);
          if (target.name === 'redshift') await warehouse.query(`DROP TABLE IF EXISTS ${substitutesTable(schema)}`);
          const table = report.tables.find((t) => t.table === `${schema}.edges`)!;
          assert.equal(code, 0, JSON.stringify(report.tables));
          assert.equal(table.status, 'in-sync');
          assert.equal(table.differing.count, 0);
          assert.equal(table.substituted, target.name === 'postgres' ? 0 : REDSHIFT_SUBSTITUTES.length, 'substituted cells counted apart');
        });
      } finally {
        await (connector as TestConnector | null)?.remove();
        await deleteTopics(`${(connector as TestConnector | null)?.topicPrefix ?? 'none'}.${schemaName}.`);
      }
    });
  });
}

/** The target's record table (sql/substitutes.ts), quoted. */
function substitutesTable(schema: string): string {
  return substitutesTableName(createRedshiftDialect(), { schema, table: 'edges' });
}

async function deleteTopics(prefix: string): Promise<void> {
  const topics = (await listTopics()).filter((t) => t.startsWith(prefix));
  if (topics.length === 0) return;
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}
