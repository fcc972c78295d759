import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type pg from 'pg';
import { tableMatches, waitForTableMatch, warehouseColumnTypes } from '../support/compare.js';
import { ensureConnector, readConnectorConfig } from '../support/connector.js';
import { withScenario } from '../support/scenario.js';
import { waitFor } from '../support/wait.js';
import { warehouseTargets } from '../support/warehouse-targets.js';

// What the loader guarantees for row changes, proven end to end (source → Debezium → batcher → S3 →
// loader → warehouse) once per warehouse adapter. Every scenario has its own schema and pipeline.

before(() => ensureConnector());

/** A safety net against a hung service: the waits inside time out long before. */
const SCENARIO_TIMEOUT_MS = 10 * 60_000;

/** Debezium drops TRUNCATE events unless `skipped.operations` leaves `t` out (its default is `t`). */
const skippedOperations = (readConnectorConfig('pgshift-source.json').config['skipped.operations'] ?? 't').split(',').map((op) => op.trim());
const truncatesReachKafka = !skippedOperations.includes('t');

/** Incompressible text of `blocks` × 32 characters, different per row: PostgreSQL stores it out of line (TOAST). */
const randomText = (blocks: number, salt: string) =>
  `(SELECT string_agg(md5(random()::text || ${salt}::text || x::text), '') FROM generate_series(1, ${blocks}) x)`;

/** The source server's clock, as the warehouse stores source times: a UTC timestamp. */
async function sourceNow(source: pg.Client): Promise<Date> {
  const { rows } = await source.query<{ now: string }>(`SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS now`);
  return new Date(rows[0]!.now);
}

for (const target of warehouseTargets()) {
  describe(`row changes into ${target.description}`, { concurrency: true }, () => {
    before(() => target.start());
    after(() => target.close());

    test(
      'inserts, updates (the key included) and deletes leave the warehouse equal to the source, with the mapped column types',
      { timeout: SCENARIO_TIMEOUT_MS },
      () =>
        withScenario(target, { prefix: 'crud' }, async ({ schema, source, warehouse, start }) => {
          await source.query(`CREATE TABLE ${schema}.items (
          id int PRIMARY KEY, name text NOT NULL, qty int, price numeric(10,2), tags text[], attrs jsonb,
          seen_at timestamptz, active boolean, blob bytea, ref uuid, code varchar(20))`);
          await start();
          await source.query(`INSERT INTO ${schema}.items
          SELECT g, 'item ' || g, g * 3, g * 1.25, ARRAY['t' || g, 'x'], jsonb_build_object('n', g, 'odd', g % 2 = 1),
                 timestamptz '2024-03-01 10:00:00.123456+02' + g * interval '1 hour', g % 2 = 0,
                 decode(md5(g::text), 'hex'), gen_random_uuid(), 'c-' || g
          FROM generate_series(1, 40) g`);
          await source.query(`UPDATE ${schema}.items SET qty = qty + 100, price = price * 2 WHERE id <= 10`);
          await source.query(`UPDATE ${schema}.items SET name = 'quote " comma , newline' || chr(10) || 'end', attrs = NULL, blob = NULL WHERE id = 11`);
          await source.query(`DELETE FROM ${schema}.items WHERE id > 30`);
          await source.query(`UPDATE ${schema}.items SET id = 105 WHERE id = 5`);
          await source.query('BEGIN');
          await source.query(`DELETE FROM ${schema}.items WHERE id = 6`);
          await source.query(`INSERT INTO ${schema}.items (id, name, qty) VALUES (6, 'item 6, again', 0)`);
          await source.query(`INSERT INTO ${schema}.items (id, name) SELECT g, 'short-lived ' || g FROM generate_series(41, 45) g`);
          await source.query(`DELETE FROM ${schema}.items WHERE id = 45`);
          await source.query('COMMIT');

          await waitForTableMatch(source, warehouse, schema, 'items');

          const ids = (await warehouse.query<{ id: number }>(`SELECT id FROM ${schema}.items ORDER BY id`)).rows.map((r) => r.id);
          assert.deepEqual(ids, [1, 2, 3, 4, 6, ...Array.from({ length: 24 }, (_, i) => i + 7), 41, 42, 43, 44, 105]);
          const types = Object.fromEntries(await warehouseColumnTypes(warehouse, schema, 'items'));
          const expected =
            target.name === 'postgres'
              ? {
                  name: 'text',
                  price: 'numeric(10,2)',
                  tags: 'jsonb',
                  attrs: 'jsonb',
                  seen_at: 'timestamp with time zone',
                  active: 'boolean',
                  blob: 'bytea',
                  ref: 'uuid',
                  code: 'character varying(20)',
                }
              : // SUPER is jsonb and VARBYTE a bytea domain in the Redshift test server.
                {
                  name: 'character varying(65535)',
                  price: 'numeric(10,2)',
                  tags: 'jsonb',
                  attrs: 'jsonb',
                  seen_at: 'timestamp with time zone',
                  active: 'boolean',
                  blob: 'redshift_system.varbyte_1024000',
                  ref: 'character(36)',
                  code: 'character varying(80)',
                };
          for (const [column, type] of Object.entries(expected)) assert.equal(types[column], type, `type of items.${column}`);
          const meta = await warehouse.query(`SELECT count(*)::int AS n FROM ${schema}.items WHERE _pgshift_lsn IS NULL OR _pgshift_loaded_at IS NULL`);
          assert.equal(meta.rows[0].n, 0, 'every row carries its source LSN and load time');
        }),
    );

    test(
      'a TOASTed text column untouched by many updates keeps its value, also when its row was loaded in an earlier batch',
      { timeout: SCENARIO_TIMEOUT_MS },
      () =>
        withScenario(target, { prefix: 'toast' }, async ({ schema, source, warehouse, start }) => {
          await source.query(`CREATE TABLE ${schema}.docs (id int PRIMARY KEY, version int NOT NULL, body text, note text)`);
          await start();
          await source.query(`INSERT INTO ${schema}.docs SELECT i, 1, ${randomText(400, 'i')}, 'first' FROM generate_series(1, 5) i`);
          const stored = await source.query(`SELECT min(pg_column_size(body))::int AS bytes FROM ${schema}.docs`);
          assert.ok(stored.rows[0].bytes > 8000, `the body is stored uncompressed out of line (${stored.rows[0].bytes} bytes)`);
          // Flush between: the rows are in the warehouse before any update, so the updates' batches must
          // take the body from the warehouse.
          await waitForTableMatch(source, warehouse, schema, 'docs');

          for (let round = 0; round < 3; round++) {
            for (let k = 0; k < 10; k++) await source.query(`UPDATE ${schema}.docs SET version = version + 1 WHERE id = $1`, [(k % 5) + 1]);
            await source.query(`UPDATE ${schema}.docs SET note = 'round ${round}' WHERE id IN (2, 4)`);
            if (round === 1) await source.query(`UPDATE ${schema}.docs SET body = ${randomText(300, "'new'")} WHERE id = 3`);
            // Rows inserted and updated within one batch: the body comes from the insert event.
            await source.query(
              `INSERT INTO ${schema}.docs SELECT i, 1, ${randomText(400, 'i')}, NULL FROM generate_series(${10 + round * 2}, ${11 + round * 2}) i`,
            );
            await source.query(`UPDATE ${schema}.docs SET version = version + 1 WHERE id >= 10`);
            await waitForTableMatch(source, warehouse, schema, 'docs');
          }

          const bodies = await warehouse.query(
            `SELECT count(*)::int AS rows, count(body)::int AS bodies, min(length(body))::int AS shortest FROM ${schema}.docs`,
          );
          assert.deepEqual(bodies.rows[0], { rows: 11, bodies: 11, shortest: 300 * 32 });
          const versions = await warehouse.query(`SELECT sum(version)::int AS total FROM ${schema}.docs WHERE id <= 5`);
          assert.equal(versions.rows[0].total, 5 + 3 * 10, 'every update arrived');
        }),
    );

    test('a table without a primary key gets every inserted row exactly once, duplicates included', { timeout: SCENARIO_TIMEOUT_MS }, () =>
      withScenario(target, { prefix: 'nopk' }, async ({ schema, source, warehouse, start }) => {
        await source.query(`CREATE TABLE ${schema}.log (source_id int NOT NULL, event text NOT NULL, amount numeric(8,2))`);
        await start();
        for (let t = 0; t < 12; t++) {
          await source.query(`INSERT INTO ${schema}.log SELECT g % 7, 'event ' || (g % 5), (g % 3) * 1.5 FROM generate_series(1, 25) g`);
          // An exact duplicate of a row already inserted: two rows in the source, two in the warehouse.
          await source.query(`INSERT INTO ${schema}.log VALUES (1, 'duplicate', 9.99)`);
        }
        await waitForTableMatch(source, warehouse, schema, 'log');
        const counts = await warehouse.query(
          `SELECT count(*)::int AS rows, count(DISTINCT (_pgshift_partition, _pgshift_offset))::int AS positions,
                  count(*) FILTER (WHERE event = 'duplicate')::int AS duplicates FROM ${schema}.log`,
        );
        assert.deepEqual(counts.rows[0], { rows: 12 * 26, positions: 12 * 26, duplicates: 12 }, 'one warehouse row per source change, none twice');
      }),
    );

    test('a truncate in the source, then new inserts, leaves exactly the new rows', { timeout: SCENARIO_TIMEOUT_MS }, () =>
      withScenario(target, { prefix: 'trunc' }, async ({ schema, source, warehouse, start }) => {
        assert.ok(truncatesReachKafka, 'the connector must publish truncates (skipped.operations=none), or no truncate reaches the loader');
        await source.query(`CREATE TABLE ${schema}.stock (sku text PRIMARY KEY, qty int NOT NULL)`);
        await start();
        await source.query(`INSERT INTO ${schema}.stock SELECT 'sku-' || g, g FROM generate_series(1, 20) g`);
        await waitForTableMatch(source, warehouse, schema, 'stock');
        await source.query(`TRUNCATE ${schema}.stock`);
        await source.query(`INSERT INTO ${schema}.stock VALUES ('sku-1', 1001), ('sku-2', 1002), ('new-1', 1), ('new-2', 2)`);
        await source.query(`UPDATE ${schema}.stock SET qty = qty + 1 WHERE sku = 'sku-1'`);
        await waitForTableMatch(source, warehouse, schema, 'stock');
        const rows = await warehouse.query(`SELECT sku, qty FROM ${schema}.stock ORDER BY sku`);
        assert.deepEqual(rows.rows, [
          { sku: 'new-1', qty: 1 },
          { sku: 'new-2', qty: 2 },
          { sku: 'sku-1', qty: 1002 },
          { sku: 'sku-2', qty: 1002 },
        ]);
      }),
    );

    test(
      'soft-delete mode for one table keeps its deleted rows marked, with their values and deletion time; the other table deletes',
      { timeout: SCENARIO_TIMEOUT_MS },
      () =>
        withScenario(
          target,
          { prefix: 'soft', loader: (schema) => ({ PGSHIFT_SOFT_DELETE_TABLES: `${schema}.members` }) },
          async ({ schema, source, warehouse, start }) => {
            for (const table of ['members', 'guests']) {
              await source.query(`CREATE TABLE ${schema}.${table} (id int PRIMARY KEY, name text NOT NULL, points int)`);
            }
            await start();
            for (const table of ['members', 'guests']) {
              await source.query(`INSERT INTO ${schema}.${table} SELECT g, '${table} ' || g, g * 10 FROM generate_series(1, 20) g`);
            }
            await waitForTableMatch(source, warehouse, schema, 'members', { warehouseWhere: '_pgshift_deleted IS NOT TRUE' });
            await waitForTableMatch(source, warehouse, schema, 'guests');

            const before = await sourceNow(source);
            for (const table of ['members', 'guests']) {
              await source.query(`DELETE FROM ${schema}.${table} WHERE id <= 5`);
              await source.query(`UPDATE ${schema}.${table} SET points = -1 WHERE id BETWEEN 6 AND 8`);
            }
            const afterDelete = await sourceNow(source);

            await waitFor(
              'the deleted members to be marked',
              async () =>
                (await tableMatches(source, warehouse, schema, 'members', { warehouseWhere: '_pgshift_deleted IS NOT TRUE' })) &&
                (await warehouse.query(`SELECT count(*)::int AS n FROM ${schema}.members WHERE _pgshift_deleted`)).rows[0].n === 5,
              { timeoutMs: 180_000, intervalMs: 1000 },
            );
            await waitForTableMatch(source, warehouse, schema, 'guests');

            const deleted = await warehouse.query(
              `SELECT id, name, points, _pgshift_deleted AS deleted,
                    to_char(_pgshift_deleted_at, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS deleted_at
               FROM ${schema}.members WHERE _pgshift_deleted ORDER BY id`,
            );
            assert.deepEqual(
              deleted.rows.map(({ deleted_at, ...row }) => row),
              [1, 2, 3, 4, 5].map((id) => ({ id, name: `members ${id}`, points: id * 10, deleted: true })),
              'deleted rows keep their last values',
            );
            for (const row of deleted.rows) {
              const at = new Date(row.deleted_at).getTime();
              // Source commit times may come in milliseconds: allow that much below the first reading.
              assert.ok(
                at >= before.getTime() - 1 && at <= afterDelete.getTime(),
                `deleted_at ${row.deleted_at} is the delete's commit time (between ${before.toISOString()} and ${afterDelete.toISOString()})`,
              );
            }
            const live = await warehouse.query(
              `SELECT count(*)::int AS n FROM ${schema}.members WHERE _pgshift_deleted = false AND _pgshift_deleted_at IS NULL`,
            );
            assert.equal(live.rows[0].n, 15, 'live rows are marked not deleted');
            const guestColumns = await warehouseColumnTypes(warehouse, schema, 'guests');
            assert.equal(guestColumns.has('_pgshift_deleted'), false, 'the hard-delete table has no deletion marker');
          },
        ),
    );
  });
}
