import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { BufferGauges } from './buffer-gauges.js';
import { BufferedTables } from './buffered-tables.js';
import { createBatcherMetrics } from './metrics.js';

test('the buffered gauges count open and sealed rows and bytes of every table', async () => {
  const metrics = createBatcherMetrics(new Registry());
  const tables = new BufferedTables(
    () => ({ rows: 2, bytes: 1 << 30, ageMs: 60_000 }),
    () => {},
  );
  const gauges = new BufferGauges(tables, metrics);
  const columns = [{ name: 'id', sourceType: 'int4', nullable: false, primaryKey: true }];
  for (const name of ['a', 'b']) {
    const ref = { topic: `pgshift.app.${name}`, schema: 'app', table: name };
    // three rows: two sealed (the row limit), one open
    for (let id = 0; id < 3; id++)
      tables.for(ref.topic).add(ref, columns, 'f', { op: 'c', key: String(id), values: [String(id)], lsn: 1n, sourceTsUs: 0n }, 0, id);
  }
  gauges.update();
  const value = async (gauge: typeof metrics.bufferedRows) => (await gauge.get()).values[0]?.value;
  assert.equal(await value(metrics.bufferedRows), 6);
  assert.equal(await value(metrics.bufferedBytes), tables.bufferedBytes);
  assert.ok(tables.bufferedBytes > 0);
  assert.ok(
    [...tables.all()].every((t) => t.hasSealed),
    'sealed batches are counted too',
  );
});
