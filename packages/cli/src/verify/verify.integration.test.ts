import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ColumnSpec } from '@pgshift/contracts';
import { openWarehouseAdapter, textSessionPool } from '@pgshift/warehouse';
import { SOURCE_URL, uniqueName, WAREHOUSE_URL, warehouseTableDdl, withClient } from '../test-support/databases.js';
import { verifyConnections } from './open-connections.js';
import { verify } from './verify.js';
import type { Connections } from './verify-table.js';

const schema = uniqueName('verify');
let connections: Connections;

const itemColumns: ColumnSpec[] = [
  { name: 'id', sourceType: 'int4', nullable: false, primaryKey: true },
  { name: 'name', sourceType: 'text', nullable: true, primaryKey: false },
  { name: 'amount', sourceType: 'numeric', nullable: true, primaryKey: false },
  { name: 'happened_at', sourceType: 'timestamptz', nullable: true, primaryKey: false },
  { name: 'note', sourceType: 'text', nullable: true, primaryKey: false },
  { name: 'tags', sourceType: '_text', nullable: true, primaryKey: false },
  { name: 'flag', sourceType: 'bool', nullable: true, primaryKey: false },
  { name: 'payload', sourceType: 'bytea', nullable: true, primaryKey: false },
  { name: 'day', sourceType: 'date', nullable: true, primaryKey: false },
  { name: 'price', sourceType: 'numeric', length: 10, scale: 2, nullable: true, primaryKey: false },
];

before(async () => {
  await withClient(SOURCE_URL, async (source) => {
    await source.query(`CREATE SCHEMA ${schema}`);
    await source.query(`CREATE TABLE ${schema}.items (
      id int PRIMARY KEY, name text, amount numeric, happened_at timestamptz, note text, tags text[], flag boolean, payload bytea, day date, price numeric(10,2))`);
    await source.query(`INSERT INTO ${schema}.items
      SELECT i, 'item ' || i, i * 1.25, timestamptz '2024-05-01 12:00:00.123456+00' + i * interval '1 hour', 'note ' || i,
             ARRAY['a', 'b' || i], i % 2 = 0, decode(lpad(to_hex(i), 4, '0'), 'hex'), date '2024-01-01' + i, i + 0.5
        FROM generate_series(1, 25) AS i`);
    // Written with another zone offset: the same instant as the warehouse's UTC value.
    await source.query(`UPDATE ${schema}.items SET happened_at = '2024-05-01 14:00:00+02' WHERE id = 3`);
    // 1.5 in an unconstrained numeric: the warehouse holds 1.50.
    await source.query(`UPDATE ${schema}.items SET amount = 1.5 WHERE id = 4`);
    await source.query(`UPDATE ${schema}.items SET note = NULL WHERE id = 15`);

    await source.query(`CREATE TABLE ${schema}.accounts (tenant int, code text, balance numeric(12,2), PRIMARY KEY (tenant, code))`);
    await source.query(`INSERT INTO ${schema}.accounts SELECT t, 'acct-' || c, t * c FROM generate_series(1, 3) t, generate_series(1, 9) c`);

    await source.query(`CREATE TABLE ${schema}.events (kind text, at timestamp)`);
    await source.query(`INSERT INTO ${schema}.events VALUES ('open', '2024-01-01 00:00:00'), ('close', '2024-01-02 00:00:00.5')`);

    await source.query(`CREATE TABLE ${schema}.customers (id bigint PRIMARY KEY, email text)`);
    await source.query(`INSERT INTO ${schema}.customers VALUES (1, 'a@example.com'), (2, 'b@example.com')`);
  });

  await withClient(WAREHOUSE_URL, async (warehouse) => {
    for (const statement of warehouseTableDdl(schema, 'items', itemColumns)) await warehouse.query(statement);
    await warehouse.query(`INSERT INTO ${schema}.items (id, name, amount, happened_at, note, tags, flag, payload, day, price, _pgshift_lsn, _pgshift_source_ts, _pgshift_loaded_at)
      SELECT i, 'item ' || i, i * 1.25, timestamptz '2024-05-01 12:00:00.123456+00' + i * interval '1 hour', 'note ' || i,
             jsonb_build_array('a', 'b' || i), i % 2 = 0, decode(lpad(to_hex(i), 4, '0'), 'hex'), date '2024-01-01' + i, i + 0.5,
             1000 + i, now(), now()
        FROM generate_series(1, 25) AS i WHERE i <> 7`);
    await warehouse.query(`UPDATE ${schema}.items SET happened_at = '2024-05-01 12:00:00+00' WHERE id = 3`);
    await warehouse.query(`UPDATE ${schema}.items SET amount = 1.50 WHERE id = 4`);
    await warehouse.query(`UPDATE ${schema}.items SET amount = 15.01 WHERE id = 12`);
    await warehouse.query(`UPDATE ${schema}.items SET note = '' WHERE id = 15`);
    await warehouse.query(`INSERT INTO ${schema}.items (id, name, _pgshift_lsn) VALUES (1000, 'stray', 5000)`);

    const accounts: ColumnSpec[] = [
      { name: 'tenant', sourceType: 'int4', nullable: false, primaryKey: true },
      { name: 'code', sourceType: 'text', nullable: false, primaryKey: true },
      { name: 'balance', sourceType: 'numeric', length: 12, scale: 2, nullable: true, primaryKey: false },
    ];
    for (const statement of warehouseTableDdl(schema, 'accounts', accounts, { softDelete: true })) await warehouse.query(statement);
    await warehouse.query(
      `INSERT INTO ${schema}.accounts (tenant, code, balance, _pgshift_deleted) SELECT t, 'acct-' || c, t * c, false FROM generate_series(1, 3) t, generate_series(1, 9) c`,
    );
    // Deleted at the source, kept marked deleted in the warehouse: not a difference.
    await warehouse.query(`INSERT INTO ${schema}.accounts (tenant, code, balance, _pgshift_deleted) VALUES (2, 'acct-10', 1, true)`);

    const events: ColumnSpec[] = [
      { name: 'kind', sourceType: 'text', nullable: true, primaryKey: false },
      { name: 'at', sourceType: 'timestamp', nullable: true, primaryKey: false },
    ];
    for (const statement of warehouseTableDdl(schema, 'events', events)) await warehouse.query(statement);
    await warehouse.query(`INSERT INTO ${schema}.events (kind, at) VALUES ('close', '2024-01-02 00:00:00.5'), ('open', '2024-01-01 00:00:00')`);
  });

  const warehouse = openWarehouseAdapter(
    { kind: 'postgres', url: WAREHOUSE_URL },
    { statementName: 'pgshift-cli-test', postgresPool: textSessionPool({ applicationName: 'pgshift-cli-test' }) },
  );
  connections = verifyConnections(SOURCE_URL, warehouse);
});

after(async () => {
  await Promise.allSettled([connections?.source.close(), connections?.warehouse.close()]);
  await withClient(SOURCE_URL, (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
  await withClient(WAREHOUSE_URL, (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
});

test('verify reports the rows missing, extra and differing, and the columns that differ', async () => {
  const report = await verify(connections, { selection: { tables: [{ schema, table: 'items' }] }, chunkRows: 10, samples: 5, waitTimeoutMs: 0 });
  const [items] = report.tables;
  assert.deepEqual(
    { ...items, maxLsn: items!.maxLsn },
    {
      table: `${schema}.items`,
      warehouseTable: `${schema}.items`,
      status: 'differs',
      primaryKey: ['id'],
      sourceRows: 25,
      warehouseRows: 25,
      missing: { count: 1, samples: ['id=7'] },
      extra: { count: 1, samples: ['id=1000'] },
      // id 3 (same instant, another offset) and id 4 (1.5 vs 1.50) compare equal.
      differing: {
        count: 2,
        samples: [
          { key: 'id=12', columns: ['amount'] },
          { key: 'id=15', columns: ['note'] },
        ],
      },
      substituted: 0,
      chunks: 3,
      chunksDiffering: 3,
      softDelete: false,
      missingColumns: [],
      uncomparedColumns: [],
      maxLsn: '5000',
    },
  );
  assert.equal(report.inSync, false);
  assert.deepEqual(report.summary, { tables: 1, inSync: 0, rowsMissing: 1, rowsExtra: 1, rowsDiffering: 2, errors: 0 });
  assert.equal(report.warehouseMaxLsn, '0/1388');
  assert.match(report.sourceLsn, /^[0-9A-F]+\/[0-9A-F]+$/);
});

test('verify finds equal tables in sync: composite keys across chunks, soft deletes, tables without a key', async () => {
  const report = await verify(connections, {
    selection: { tables: ['accounts', 'events', 'customers'].map((table) => ({ schema, table })) },
    chunkRows: 4,
    samples: 5,
    waitTimeoutMs: 0,
  });
  const brief = report.tables.map((t) => ({
    table: t.table,
    status: t.status,
    rows: t.sourceRows,
    chunks: t.chunks,
    key: t.primaryKey,
    softDelete: t.softDelete,
  }));
  assert.deepEqual(brief, [
    { table: `${schema}.accounts`, status: 'in-sync', rows: 27, chunks: 7, key: ['tenant', 'code'], softDelete: true },
    { table: `${schema}.events`, status: 'in-sync', rows: 2, chunks: 1, key: [], softDelete: false },
    { table: `${schema}.customers`, status: 'missing-table', rows: 2, chunks: 0, key: ['id'], softDelete: false },
  ]);
  assert.equal(report.tables[2]!.missing.count, 2);
});

test('verify re-compares a table until it is in sync or the wait timeout passes', async () => {
  const name = { schema, table: 'customers' };
  const started = Date.now();
  const waiting = verify(connections, { selection: { tables: [name] }, chunkRows: 10, samples: 5, waitTimeoutMs: 20_000, pollIntervalMs: 200 });
  // The "pipeline" catches up while verify waits.
  setTimeout(() => {
    void withClient(WAREHOUSE_URL, async (warehouse) => {
      for (const statement of warehouseTableDdl(schema, 'customers', [
        { name: 'id', sourceType: 'int8', nullable: false, primaryKey: true },
        { name: 'email', sourceType: 'text', nullable: true, primaryKey: false },
      ]))
        await warehouse.query(statement);
      await warehouse.query(`INSERT INTO ${schema}.customers (id, email, _pgshift_lsn) VALUES (1, 'a@example.com', 7), (2, 'b@example.com', 8)`);
    });
  }, 1000);
  const report = await waiting;
  assert.equal(report.inSync, true);
  assert.ok(report.passes >= 2, `passes: ${report.passes}`);
  assert.ok(Date.now() - started < 20_000);
  assert.equal(report.tables[0]!.maxLsn, '8');
});

test('a chunk with far more warehouse rows than the chunk size is split on warehouse keys and counted exactly', async () => {
  await withClient(SOURCE_URL, async (c) => {
    await c.query(`CREATE TABLE ${schema}.stale (id int PRIMARY KEY, v text)`);
    await c.query(`INSERT INTO ${schema}.stale SELECT i, 'v' || i FROM generate_series(1, 5) i`);
  });
  await withClient(WAREHOUSE_URL, async (c) => {
    const ddl = warehouseTableDdl(schema, 'stale', [
      { name: 'id', sourceType: 'int4', nullable: false, primaryKey: true },
      { name: 'v', sourceType: 'text', nullable: true, primaryKey: false },
    ]);
    for (const statement of ddl) await c.query(statement);
    // Rows deleted at the source whose deletes never arrived, some among the source's keys, most after them.
    await c.query(`INSERT INTO ${schema}.stale (id, v) SELECT i, 'v' || i FROM generate_series(1, 100) i`);
  });
  const report = await verify(connections, { selection: { tables: [{ schema, table: 'stale' }] }, chunkRows: 4, samples: 3, waitTimeoutMs: 0 });
  const [stale] = report.tables;
  assert.deepEqual(
    {
      status: stale!.status,
      sourceRows: stale!.sourceRows,
      warehouseRows: stale!.warehouseRows,
      missing: stale!.missing,
      extra: stale!.extra,
      differing: stale!.differing.count,
    },
    {
      status: 'differs',
      sourceRows: 5,
      warehouseRows: 100,
      missing: { count: 0, samples: [] },
      extra: { count: 95, samples: ['id=6', 'id=7', 'id=8'] },
      differing: 0,
    },
  );
});
