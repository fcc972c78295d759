import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { ShopWorkload } from '../fixtures/workload.js';
import { ensureConnector } from '../support/connector.js';
import { connect, createSampleSchema, type Pipeline, pipelineFor, rowsAsText } from '../support/pipeline.js';
import { stack, uniqueName } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

// The whole way: source PostgreSQL → Debezium → batcher → S3 → loader → warehouse PostgreSQL.

let source: pg.Client;
let warehouse: pg.Client;
let pipeline: Pipeline;
const schema = uniqueName('shop');

before(async () => {
  source = await connect(stack.sourceUrl);
  warehouse = await connect(stack.warehouseUrl);
  await ensureConnector();
  await createSampleSchema(source, schema);
  pipeline = pipelineFor(schema);
});

after(async () => {
  await pipeline?.stopAll();
  await source.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await warehouse.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await source.end();
  await warehouse.end();
});

/** Each table's rows on both sides, as text the two databases render the same way. */
const comparisons = (s: string) => ({
  customers: {
    source: `SELECT id, email, name, is_vip, balance::text, profile::text, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') FROM ${s}.customers ORDER BY id`,
    warehouse: `SELECT id, email, name, is_vip, balance::text, profile::text, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') FROM ${s}.customers ORDER BY id`,
  },
  products: {
    source: `SELECT sku, title, price::text, to_jsonb(tags)::text, md5(description), length(description), updated_at::text FROM ${s}.products ORDER BY sku`,
    warehouse: `SELECT sku, title, price::text, tags::text, md5(description), length(description), updated_at::text FROM ${s}.products ORDER BY sku`,
  },
  orders: {
    source: `SELECT id, customer_id, status::text, total::text, placed_on::text, external_id::text, notes FROM ${s}.orders ORDER BY id`,
    warehouse: `SELECT id, customer_id, status::text, total::text, placed_on::text, external_id::text, notes FROM ${s}.orders ORDER BY id`,
  },
  order_events: {
    source: `SELECT order_id, event, at::text FROM ${s}.order_events ORDER BY order_id, event, at`,
    warehouse: `SELECT order_id, event, at::text FROM ${s}.order_events ORDER BY order_id, event, at`,
  },
});

async function inSync(): Promise<boolean> {
  for (const [table, { source: sq, warehouse: wq }] of Object.entries(comparisons(schema))) {
    const exists = await warehouse.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2`, [schema, table]);
    if (exists.rowCount === 0) return false;
    const [a, b] = await Promise.all([rowsAsText(source, sq), rowsAsText(warehouse, wq)]);
    if (JSON.stringify(a) !== JSON.stringify(b)) return false;
  }
  return true;
}

test('inserts, updates and deletes reach the warehouse, TOAST values survive, appends stay complete', async () => {
  const workload = new ShopWorkload(source, schema);
  await workload.seed(30, 10);
  pipeline.startBatcher();
  pipeline.startLoader();
  await Promise.all(pipeline.services.map((s) => s.ready()));
  for (let i = 0; i < 300; i++) await workload.step();

  await waitFor('the warehouse to equal the source', inSync, { timeoutMs: 120_000, intervalMs: 1000 });

  const toasted = await warehouse.query(`SELECT count(*)::int AS n FROM ${schema}.products WHERE length(description) = 9600`);
  assert.equal(toasted.rows[0].n, 10, 'every product keeps its large description through price-only updates');
  const [{ n: sourceEvents }] = (await source.query(`SELECT count(*)::int AS n FROM ${schema}.order_events`)).rows;
  const [{ n: warehouseEvents }] = (await warehouse.query(`SELECT count(*)::int AS n FROM ${schema}.order_events`)).rows;
  assert.equal(warehouseEvents, sourceEvents, 'the table without a primary key has every appended row exactly once');
  const meta = await warehouse.query(`SELECT count(*)::int AS n FROM ${schema}.orders WHERE _pgshift_lsn IS NULL OR _pgshift_loaded_at IS NULL`);
  assert.equal(meta.rows[0].n, 0, 'every row carries its source LSN and load time');
});
