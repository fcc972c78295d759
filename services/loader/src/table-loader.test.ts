import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type BatchReady, defaultControl, type TableControl } from '@pgshift/contracts';
import { createLogger } from '@pgshift/runtime';
import {
  type ApplyResult,
  type DdlStep,
  IncompatibleSchemaChange,
  type MergePlan,
  postgresDialect,
  type TargetColumn,
  type WarehouseAdapter,
} from '@pgshift/warehouse';
import pLimit from 'p-limit';
import { Registry } from 'prom-client';
import { createLoaderMetrics } from './metrics.js';
import { PartitionProgress } from './partition-progress.js';
import { TableLoader, type TableLoaderDeps } from './table-loader.js';

// The table loader's guarantees, against a warehouse fake that records what it was asked to apply.

const table = { topic: 'pgshift.shop.orders', schema: 'shop', table: 'orders' };

function batch(n: number, columns: BatchReady['columns'] = [{ name: 'id', sourceType: 'int4', nullable: false, primaryKey: true }]): BatchReady {
  return {
    batchId: `b${n}`,
    kind: 'rows',
    table,
    createdAtMs: 0,
    manifestUrl: `s3://bucket/b${n}/manifest.json`,
    files: [],
    rowCount: 1,
    rowsByOp: { c: 1, u: 0, d: 0, r: 0 },
    eventCount: 1,
    columns,
    schemaFingerprint: 'f',
    offsets: [{ partition: 0, first: n, last: n }],
    lsnRange: null,
    sourceTimeRange: null,
    oversizedValues: [],
    producer: 'test',
  };
}

/** A warehouse whose applyBatch fails as `failures` says, and that keeps a ledger like the real one. */
class FakeWarehouse implements Partial<WarehouseAdapter> {
  readonly dialect = postgresDialect;
  readonly applied: string[] = [];
  readonly ddl: string[][] = [];
  readonly ledger = new Map<number, bigint>();
  columns: TargetColumn[] | null = [{ name: 'id', type: 'integer', nullable: false }];
  latestLsn: bigint | null = null;
  failures = new Map<string, () => Error>();

  async describeTable(): Promise<TargetColumn[] | null> {
    return this.columns;
  }
  async executeDdl(statements: readonly DdlStep[]): Promise<void> {
    this.ddl.push(statements.flat());
  }
  async latestChangeLsn(): Promise<bigint | null> {
    return this.latestLsn;
  }
  async readLedger(): Promise<Map<number, bigint>> {
    return new Map(this.ledger);
  }
  async applyBatch({ batch }: MergePlan): Promise<ApplyResult> {
    const failure = this.failures.get(batch.batchId);
    if (failure) throw failure();
    const already = batch.offsets.every((r) => (this.ledger.get(r.partition) ?? -1n) >= BigInt(r.last));
    if (!already) {
      this.applied.push(batch.batchId);
      for (const r of batch.offsets) this.ledger.set(r.partition, BigInt(r.last));
    }
    return { batchId: batch.batchId, rowsStaged: 1, rowsSkipped: already ? 1 : 0, alreadyApplied: already };
  }
}

const transient = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5439'), { code: 'ECONNREFUSED' });
const permanent = () => new IncompatibleSchemaChange('shop.orders', 'id', 'integer', 'text', 'no implicit cast');

function loaderFor(
  warehouse: FakeWarehouse,
  withSlot: TableLoaderDeps['withSlot'] = pLimit(4),
  dropRemovedColumns = false,
  extra: Partial<Pick<TableLoaderDeps, 'resyncRequests'>> & { schemaChangePolicy?: 'resync' | 'stop' } = {},
) {
  const metrics = createLoaderMetrics(new Registry());
  const deps: TableLoaderDeps = {
    config: {
      targetSchema: undefined,
      deleteModeFor: () => 'hard',
      oversizePolicy: 'truncate',
      dropRemovedColumns,
      retry: { transient: { initialMs: 5, maxMs: 20 }, stopped: { initialMs: 30, maxMs: 60 } },
      ...(extra.schemaChangePolicy ? { schemaChangePolicy: extra.schemaChangePolicy } : {}),
    },
    ...(extra.resyncRequests ? { resyncRequests: extra.resyncRequests } : {}),
    warehouse: warehouse as unknown as WarehouseAdapter,
    metrics,
    logger: createLogger('loader-test', 'silent'),
    withSlot,
  };
  return { loader: new TableLoader(table, deps), metrics };
}

/** Callbacks that record what happened to each batch. */
function tracker() {
  const done: string[] = [];
  const parked: string[] = [];
  const stopped: string[] = [];
  return {
    done,
    parked,
    stopped,
    for: (id: string) => ({
      onDone: () => done.push(id),
      onParked: () => parked.push(id),
      onStopped: async () => void stopped.push(id),
      partition: 0,
    }),
  };
}

async function until(what: string, condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

test('batches are applied in the order they were consumed', async () => {
  const warehouse = new FakeWarehouse();
  const { loader } = loaderFor(warehouse);
  const t = tracker();
  for (const n of [1, 2, 3, 4]) loader.enqueue(batch(n), 0, t.for(`b${n}`));
  await until('every batch', () => t.done.length === 4);
  assert.deepEqual(warehouse.applied, ['b1', 'b2', 'b3', 'b4']);
  await loader.close();
});

test('a transient failure is retried for as long as it lasts, far past a fixed retry budget, and the table is reported waiting meanwhile', async () => {
  const warehouse = new FakeWarehouse();
  let failuresLeft = 40;
  warehouse.failures.set('b1', () => {
    if (--failuresLeft === 0) warehouse.failures.delete('b1');
    return transient();
  });
  const { loader, metrics } = loaderFor(warehouse);
  const t = tracker();
  loader.enqueue(batch(1), 0, t.for('b1'));
  loader.enqueue(batch(2), 0, t.for('b2'));
  await until('the table to wait', () => loader.waitingReason !== null);
  assert.equal((await metrics.tableWaiting.get()).values[0]?.value, 1, 'pgshift_loader_table_waiting is 1');
  assert.equal(loader.stoppedReason, null, 'a passing failure never stops the table');
  await until('both batches', () => t.done.length === 2, 10_000);
  assert.deepEqual(warehouse.applied, ['b1', 'b2']);
  assert.deepEqual(t.stopped, [], 'nothing dead-lettered');
  assert.equal(loader.waitingReason, null);
  assert.equal((await metrics.tableWaiting.get()).values[0]?.value, 0);
  await loader.close();
});

test('a stopped table parks its batches and retries the first by itself once its cause is gone, without a restart', async () => {
  const warehouse = new FakeWarehouse();
  warehouse.failures.set('b1', permanent);
  const { loader, metrics } = loaderFor(warehouse);
  const t = tracker();
  for (const n of [1, 2, 3]) loader.enqueue(batch(n), 0, t.for(`b${n}`));
  await until('the stop', () => loader.stoppedReason !== null);
  assert.deepEqual(t.stopped, ['b1'], 'one dead-letter copy of the batch that stopped it');
  await until('every batch parked', () => t.parked.length === 3);
  assert.equal((await metrics.tableState.get()).values[0]?.value, 1);
  await sleep(100); // a few retries fail the same way
  assert.deepEqual(t.stopped, ['b1'], 'a retry that fails the same way is not dead-lettered again');
  assert.deepEqual(warehouse.applied, [], 'nothing overtakes the failed batch');

  warehouse.failures.delete('b1'); // the operator fixes the cause
  await until('every batch applied', () => t.done.length === 3, 5_000);
  assert.deepEqual(warehouse.applied, ['b1', 'b2', 'b3']);
  assert.equal(loader.stoppedReason, null);
  assert.equal((await metrics.tableState.get()).values[0]?.value, 0);
  await loader.close();
});

test('a rebalance while a table is stopped never lets a later batch, already taken up, be applied before the earlier ones', async () => {
  // The loader's slots are all busy: the stopped table's later batch waits for one when the group rejoins.
  const warehouse = new FakeWarehouse();
  warehouse.failures.set('b1', permanent);
  let openGate: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (openGate = resolve));
  let slotCalls = 0;
  const slots = pLimit(1);
  const withSlot: TableLoaderDeps['withSlot'] = (work) =>
    slots(async () => {
      if (++slotCalls === 2) await gate;
      return work();
    });
  const { loader } = loaderFor(warehouse, withSlot);
  const t = tracker();
  for (const n of [1, 2, 3]) loader.enqueue(batch(n), 0, t.for(`b${n}`));
  await until('the stop', () => loader.stoppedReason !== null);
  loader.rejoined(1); // a loader joins: Kafka will deliver b1..b3 again
  warehouse.failures.delete('b1'); // and the cause is fixed meanwhile
  openGate();
  await sleep(50);
  assert.deepEqual(warehouse.applied, [], 'nothing consumed under the old generation is applied');
  for (const n of [1, 2, 3]) loader.enqueue(batch(n), 1, t.for(`b${n}'`));
  await until('the redelivered batches', () => t.done.length === 3);
  assert.deepEqual(warehouse.applied, ['b1', 'b2', 'b3'], 'in order, none dropped by the ledger');
  await loader.close();
});

test('a batch consumed under an older generation is ignored', async () => {
  const warehouse = new FakeWarehouse();
  const { loader } = loaderFor(warehouse);
  loader.rejoined(3);
  const t = tracker();
  loader.enqueue(batch(1), 2, t.for('b1'));
  await sleep(30);
  assert.deepEqual(warehouse.applied, []);
  await loader.close();
});

test('a batch the ledger already covers changes nothing, not even the schema: a replayed int batch after a fixed int → text change', async () => {
  const warehouse = new FakeWarehouse();
  warehouse.columns = [{ name: 'id', type: 'text', nullable: false }]; // the operator changed the column by hand
  warehouse.ledger.set(0, 10n);
  const { loader } = loaderFor(warehouse);
  const t = tracker();
  loader.enqueue(batch(5), 0, t.for('b5')); // an old batch of int ids, replayed
  await until('the batch acknowledged', () => t.done.length === 1 || t.stopped.length === 1);
  assert.deepEqual(t.stopped, [], 'the table is not stopped');
  assert.deepEqual(warehouse.ddl, [], 'no DDL');
  assert.equal(loader.stoppedReason, null);
  await loader.close();
});

test('a batch the ledger covers adds no column the target has dropped meanwhile', async () => {
  const warehouse = new FakeWarehouse();
  warehouse.ledger.set(0, 10n);
  const { loader } = loaderFor(warehouse);
  const t = tracker();
  const columns: BatchReady['columns'] = [
    { name: 'id', sourceType: 'int4', nullable: false, primaryKey: true },
    { name: 'legacy', sourceType: 'text', nullable: true, primaryKey: false },
  ];
  loader.enqueue(batch(4, columns), 0, t.for('b4'));
  await until('the batch acknowledged', () => t.done.length === 1);
  assert.deepEqual(warehouse.ddl, []);
  await loader.close();
});

test('close ends a wait for a stopped table and applies nothing more', async () => {
  const warehouse = new FakeWarehouse();
  warehouse.failures.set('b1', permanent);
  const { loader } = loaderFor(warehouse);
  const t = tracker();
  loader.enqueue(batch(1), 0, t.for('b1'));
  await until('the stop', () => loader.stoppedReason !== null);
  await loader.close();
  warehouse.failures.delete('b1');
  await sleep(100);
  assert.deepEqual(warehouse.applied, []);
});

describe('PGSHIFT_DROP_REMOVED_COLUMNS=true', () => {
  const withLegacy = async (warehouse: FakeWarehouse) => {
    warehouse.columns = [
      { name: 'id', type: 'integer', nullable: false },
      { name: 'legacy', type: 'text', nullable: true },
      ...['_pgshift_lsn', '_pgshift_source_ts', '_pgshift_loaded_at'].map((name) => ({ name, type: 'bigint', nullable: true })),
    ];
  };

  test('a batch without a column drops it only when it is newer than every change in the table', async () => {
    const warehouse = new FakeWarehouse();
    await withLegacy(warehouse);
    warehouse.latestLsn = 1_000n;
    const { loader } = loaderFor(warehouse, pLimit(4), true);
    const t = tracker();
    loader.enqueue({ ...batch(1), lsnRange: { min: '2000', max: '2100' } }, 0, t.for('b1'));
    await until('the batch', () => t.done.length === 1);
    assert.equal(warehouse.ddl.flat().filter((sql) => /DROP COLUMN "legacy"/.test(sql)).length, 1, `dropped: ${JSON.stringify(warehouse.ddl)}`);
    await loader.close();
  });

  test('an old-schema batch (a lagging partition, a zombie, a replay) never drops a live column', async () => {
    const warehouse = new FakeWarehouse();
    await withLegacy(warehouse);
    warehouse.latestLsn = 5_000n; // rows with `legacy` were applied up to here
    const { loader } = loaderFor(warehouse, pLimit(4), true);
    const t = tracker();
    loader.enqueue({ ...batch(1), lsnRange: { min: '2000', max: '2100' } }, 0, t.for('b1'));
    await until('the batch', () => t.done.length === 1);
    assert.deepEqual(
      warehouse.ddl.flat().filter((sql) => /DROP COLUMN/.test(sql)),
      [],
      'the column is kept',
    );
    assert.deepEqual(warehouse.applied, ['b1'], 'and the batch is applied (the column receives NULLs)');
    await loader.close();
  });
});

describe('operator control', () => {
  const control = (over: Partial<TableControl>): TableControl => ({ ...defaultControl('shop.orders'), updatedBy: 'alice', ...over });

  test('a paused table applies nothing, parks its batches (offsets held, not pending work) and reports paused; on resume it catches up, in order', async () => {
    const warehouse = new FakeWarehouse();
    const { loader } = loaderFor(warehouse);
    const t = tracker();
    loader.setControl(control({ paused: true }));
    for (const n of [1, 2, 3]) loader.enqueue(batch(n), 0, t.for(`b${n}`));
    await until('every batch parked', () => t.parked.length === 3);
    await sleep(50);
    assert.deepEqual(warehouse.applied, [], 'nothing applied while paused');
    const paused = loader.status('loader-1');
    assert.equal(paused.state, 'paused');
    assert.equal(paused.reason, 'paused by alice');
    assert.deepEqual(paused.lag, { seconds: 0, batches: 3 });
    loader.enqueue(batch(4), 0, t.for('b4'));
    assert.deepEqual(t.parked, ['b1', 'b2', 'b3', 'b4'], 'a batch arriving while paused is parked at once');

    loader.setControl(control({ paused: false }));
    await until('every batch applied', () => t.done.length === 4);
    assert.deepEqual(warehouse.applied, ['b1', 'b2', 'b3', 'b4']);
    const streaming = loader.status('loader-1');
    assert.equal(streaming.state, 'streaming');
    assert.equal(streaming.rowsApplied, 4);
    assert.equal(streaming.batchesQueued, 0);
    await loader.close();
  });

  test('a paused table on a shared partition holds the committable offset at its batch while another table on it keeps applying; resumed, the offset moves past both', async () => {
    const progress = new PartitionProgress();
    const commits: number[] = [];
    const callbacks = (offset: number) => ({
      onDone: () => {
        const next = progress.complete(offset);
        if (next !== null) commits.push(next);
      },
      onParked: () => progress.park(offset),
      onStopped: async () => undefined,
      partition: 0,
    });
    const pausedWarehouse = new FakeWarehouse();
    const { loader: paused } = loaderFor(pausedWarehouse);
    const otherWarehouse = new FakeWarehouse();
    const { loader: other } = loaderFor(otherWarehouse);
    paused.setControl(control({ paused: true }));
    for (const offset of [0, 1, 2, 3]) progress.start(offset);
    paused.enqueue(batch(0), 0, callbacks(0));
    other.enqueue(batch(1), 0, callbacks(1));
    paused.enqueue(batch(2), 0, callbacks(2));
    other.enqueue(batch(3), 0, callbacks(3));
    await until('the other table applied both', () => otherWarehouse.applied.length === 2);
    assert.deepEqual(commits, [], 'nothing committable past the paused batch at offset 0');
    assert.equal(progress.pending, 0, 'the paused batches are not pending work: consumption goes on');
    assert.equal(progress.parked, 2);
    paused.setControl(control({ paused: false }));
    await until('the paused table applied both', () => pausedWarehouse.applied.length === 2);
    assert.deepEqual(commits, [2, 4], 'offset 0 releases 1; offset 2 releases 3');
    await Promise.all([paused.close(), other.close()]);
  });

  test('a table taken up continues the counts of its latest status, whoever reported it', async () => {
    const warehouse = new FakeWarehouse();
    const { loader } = loaderFor(warehouse);
    loader.continueFrom({ rowsApplied: 500, batchesApplied: 7, lastBatchAt: '2026-12-02T05:00:00.000Z' });
    assert.equal(loader.status('l').lastBatchAt, '2026-12-02T05:00:00.000Z');
    const t = tracker();
    loader.enqueue(batch(1), 0, t.for('b1'));
    await until('applied', () => t.done.length === 1);
    const status = loader.status('l');
    assert.deepEqual([status.rowsApplied, status.batchesApplied], [501, 8]);
    assert.ok(status.lastBatchAt! > '2026-12-02T05:00:00.000Z');
    await loader.close();
  });

  test('lag is the age of the oldest change waiting, in seconds, and the batches waiting', async () => {
    const warehouse = new FakeWarehouse();
    const { loader } = loaderFor(warehouse);
    loader.setControl(control({ paused: true }));
    const now = Date.now();
    loader.enqueue({ ...batch(1), sourceTimeRange: { minMs: now - 42_000, maxMs: now - 40_000 } }, 0, tracker().for('b1'));
    loader.enqueue({ ...batch(2), sourceTimeRange: { minMs: now - 10_000, maxMs: now } }, 0, tracker().for('b2'));
    assert.deepEqual(loader.status('l', now).lag, { seconds: 42, batches: 2 });
    await loader.close();
  });

  test('a scheduled table applies only the batches created before its latest window opened; later ones wait, reported scheduled-waiting', async () => {
    const warehouse = new FakeWarehouse();
    const { loader } = loaderFor(warehouse);
    const t = tracker();
    loader.setControl(control({ schedule: 'every 1h' }));
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    loader.enqueue({ ...batch(1), createdAtMs: hour - 1000 }, 0, t.for('b1'));
    loader.enqueue({ ...batch(2), createdAtMs: hour + 1 }, 0, t.for('b2'));
    loader.enqueue({ ...batch(3), createdAtMs: hour - 5000 }, 0, t.for('b3'));
    await until('the batch before the window applied, the rest parked', () => t.done.length === 1 && t.parked.includes('b2'));
    await sleep(50);
    assert.deepEqual(warehouse.applied, ['b1'], 'b3 waits behind b2: order is kept');
    const status = loader.status('l');
    assert.equal(status.state, 'scheduled-waiting');
    assert.equal(status.nextWindowAt, new Date(hour + 3_600_000).toISOString());
    // Back to continuous: everything waiting goes, in order.
    loader.setControl(control({ schedule: 'continuous' }));
    await until('all applied', () => t.done.length === 3);
    assert.deepEqual(warehouse.applied, ['b1', 'b2', 'b3']);
    await loader.close();
  });

  test('a retry request makes a stopped table try its batch at once instead of after its backoff; a request seen before is no request', async () => {
    const warehouse = new FakeWarehouse();
    const metrics = createLoaderMetrics(new Registry());
    const deps: TableLoaderDeps = {
      config: {
        targetSchema: undefined,
        deleteModeFor: () => 'hard',
        oversizePolicy: 'truncate',
        dropRemovedColumns: false,
        retry: { transient: { initialMs: 5, maxMs: 20 }, stopped: { initialMs: 3_600_000, maxMs: 3_600_000 } },
      },
      warehouse: warehouse as unknown as WarehouseAdapter,
      metrics,
      logger: createLogger('loader-test', 'silent'),
      withSlot: pLimit(4),
    };
    const loader = new TableLoader(table, deps);
    loader.setControl(control({ retryRequestedAt: '2026-01-01T00:00:00.000Z' }), { initial: true });
    const t = tracker();
    warehouse.failures.set('b1', permanent);
    loader.enqueue(batch(1), 0, t.for('b1'));
    loader.enqueue(batch(2), 0, t.for('b2'));
    await until('the table to stop', () => loader.status('l').state === 'stopped');
    // An hour less up to 20% jitter (backoff.ts).
    assert.ok(loader.status('l').nextRetryAt! > new Date(Date.now() + 2_700_000).toISOString(), 'next attempt about an hour away');
    warehouse.failures.delete('b1'); // the cause is fixed
    loader.setControl(control({ retryRequestedAt: '2026-01-01T00:00:00.000Z', updatedBy: 'bob' }));
    await sleep(50);
    assert.deepEqual(warehouse.applied, [], 'the same request again is not a new one');
    loader.setControl(control({ retryRequestedAt: '2026-12-02T06:00:00.000Z' }));
    await until('both batches applied', () => t.done.length === 2);
    assert.deepEqual(warehouse.applied, ['b1', 'b2']);
    assert.equal(loader.status('l').state, 'streaming');
    await loader.close();
  });
});

describe('a schema change not reproducible on the rows already loaded (a rename)', () => {
  const id = { name: 'id', sourceType: 'int4', nullable: false, primaryKey: true };
  const before = [id, { name: 'name', sourceType: 'text', nullable: true, primaryKey: false }];
  const after = [id, { name: 'full_name', sourceType: 'text', nullable: true, primaryKey: false }];
  const renamedTable = () => {
    const warehouse = new FakeWarehouse();
    warehouse.columns = [
      { name: 'id', type: 'integer', nullable: false },
      { name: 'name', type: 'text', nullable: true },
    ];
    return warehouse;
  };

  test('resync (the default): the table streams on, reports itself incomplete with the reason, and a resync is requested', async () => {
    const warehouse = renamedTable();
    const requested: [string, string][] = [];
    const { loader } = loaderFor(warehouse, pLimit(4), false, { resyncRequests: { requestResync: async (t, reason) => void requested.push([t, reason]) } });
    const t = tracker();
    loader.enqueue(batch(1, before), 0, t.for('b1'));
    loader.enqueue(batch(2, after), 0, t.for('b2'));
    await until('both batches', () => t.done.length === 2);
    assert.deepEqual(warehouse.applied, ['b1', 'b2']);
    assert.equal(requested.length, 1);
    assert.equal(requested[0]![0], 'shop.orders');
    assert.match(requested[0]![1], /name gone and full_name new/);
    const status = loader.status('i1');
    assert.equal(status.state, 'streaming');
    assert.match(status.incomplete ?? '', /rename/);
    assert.match((loader.describe() as { incomplete?: string }).incomplete ?? '', /rename/);
    await loader.close();
  });

  test('stop: the table stops with the reason and the batch waits', async () => {
    const warehouse = renamedTable();
    const { loader } = loaderFor(warehouse, pLimit(4), false, { schemaChangePolicy: 'stop' });
    const t = tracker();
    loader.enqueue(batch(1, before), 0, t.for('b1'));
    loader.enqueue(batch(2, after), 0, t.for('b2'));
    await until('the stop', () => t.stopped.length === 1);
    assert.deepEqual(warehouse.applied, ['b1']);
    assert.match(loader.stoppedReason ?? '', /not reproducible .*PGSHIFT_SCHEMA_CHANGE_POLICY=stop.*name gone and full_name new/);
    assert.equal(loader.status('i1').incomplete, undefined);
    await loader.close();
  });

  test('incomplete carries over to the instance that takes the table up', () => {
    const { loader } = loaderFor(new FakeWarehouse());
    loader.continueFrom({ rowsApplied: 1, batchesApplied: 1, lastBatchAt: null, incomplete: 'shop.orders: a rename' });
    assert.equal(loader.status('i2').incomplete, 'shop.orders: a rename');
  });
});
