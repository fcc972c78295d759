/**
 * Loader throughput on the PostgreSQL warehouse: a batch of 1,000,000 rows of the bench table (30%
 * updates of existing keys, 5% deletes, the rest new keys) applied with PostgresAdapter.applyBatch to a
 * table already holding 1,000,000 rows, timed per statement (COPY, then the merge).
 *
 *   npm run bench:loader [-- --rows 200000 --small --explain --keep]
 *
 *   --rows N   1,000,000 by default (the batch, and the rows already in the table)
 *   --small    20,000 rows unless --rows says otherwise: seconds, to prove the bench still runs (the full
 *              suite does, bench/benches.integration.test.ts); its figures mean little
 *   --explain  before the timed run, EXPLAIN (ANALYZE, BUFFERS) each merge statement of the same batch
 *              in a transaction that is rolled back (then VACUUM ANALYZE), and print the plans
 *   --keep     leave the warehouse schema, ledger rows and S3 objects for inspection
 */
import assert from 'node:assert/strict';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { TableRef } from '@pgshift/contracts';
import {
  type MergePlan,
  mapColumns,
  mergeStatements,
  PostgresAdapter,
  planSchemaEvolution,
  type StatementTiming,
  schemaEvolutionStatements,
  type TargetTable,
} from '@pgshift/warehouse';
import pg from 'pg';
import { stack, uniqueName } from '../test/support/stack.js';
import { type StagedRow, writeBatch } from './support/batch-files.js';
import { BENCH_COLUMNS, benchRow, rowCells } from './support/bench-table.js';
import { explainMerge } from './support/explain.js';
import { fmt, machineState, printFigures, progress } from './support/report.js';
import { createBenchS3Client, deletePrefix } from './support/s3.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string' },
    small: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    explain: { type: 'boolean', default: false },
  },
});
const ROWS = Number(args.rows ?? (args.small ? 20_000 : 1_000_000));
if (!Number.isSafeInteger(ROWS) || ROWS < 1) throw new Error(`--rows ${args.rows}: expected a positive integer`);
const EXISTING = ROWS;
const UPDATES = Math.round(ROWS * 0.3);
const DELETES = Math.round(ROWS * 0.05);
const INSERTS = ROWS - UPDATES - DELETES;
const PARTITIONS = 3;
const TARGET_SECONDS = 30;

const run = uniqueName('bench_loader');
const target: TargetTable = { schema: run, table: 'events' };
const table: TableRef = { topic: `${run}.events`, schema: run, table: 'events' };
const prefix = `bench/${run}`;
const s3 = createBenchS3Client();
const timings: StatementTiming[] = [];
const adapter = new PostgresAdapter({ connection: stack.warehouseUrl, s3, onStatement: (t) => timings.push(t) });
const columns = mapColumns(adapter.dialect, BENCH_COLUMNS);

/** Deterministic shuffle (the batcher writes keys in the order it first saw them: effectively random). */
function shuffle<T extends Int32Array | number[]>(items: T, seed: number): T {
  let state = seed >>> 0;
  for (let i = items.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    const j = Math.floor((state / 4_294_967_296) * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** Kafka positions: each partition's offsets go on from where the previous batch stopped. */
class Positions {
  readonly next = new Array<number>(PARTITIONS).fill(0);
  lsn = 50_000_000n;
  tsUs = 1_750_000_000_000_000n;

  stage(op: StagedRow['op'], id: number, cells: StagedRow['cells']): StagedRow {
    const partition = id % PARTITIONS;
    this.lsn += 296n;
    this.tsUs += 20n;
    return { op, cells, lsn: this.lsn, sourceTsUs: this.tsUs, partition, offset: this.next[partition]!++ };
  }
}

const positions = new Positions();

function* initialRows(): Generator<StagedRow> {
  for (let id = 1; id <= EXISTING; id++) yield positions.stage('c', id, rowCells(benchRow(id, 0)));
}

/** Ids 1..EXISTING shuffled: the first UPDATES are updated, the next DELETES deleted; new ids follow EXISTING. */
function changeKeys(): { updated: Int32Array; deleted: Int32Array } {
  const existing = shuffle(
    Int32Array.from({ length: EXISTING }, (_, i) => i + 1),
    11,
  );
  return { updated: existing.subarray(0, UPDATES), deleted: existing.subarray(UPDATES, UPDATES + DELETES) };
}

function* changeRows(updated: Int32Array, deleted: Int32Array): Generator<StagedRow> {
  // Op and id packed in one number: id * 4 + op code (0 insert, 1 update, 2 delete), shuffled together.
  const packed = new Array<number>(ROWS);
  let n = 0;
  for (const id of updated) packed[n++] = id * 4 + 1;
  for (const id of deleted) packed[n++] = id * 4 + 2;
  for (let i = 1; i <= INSERTS; i++) packed[n++] = (EXISTING + i) * 4;
  shuffle(packed, 13);
  for (const code of packed) {
    const id = Math.floor(code / 4);
    const op = code % 4;
    if (op === 2) yield positions.stage('d', id, [String(id), ...new Array<null>(BENCH_COLUMNS.length - 1).fill(null)]);
    else yield positions.stage(op === 1 ? 'u' : 'c', id, rowCells(benchRow(id, op === 1 ? 1 : 0)));
  }
}

async function apply(plan: MergePlan): Promise<{ ms: number; timings: StatementTiming[] }> {
  timings.length = 0;
  const started = performance.now();
  const result = await adapter.applyBatch(plan);
  const ms = performance.now() - started;
  assert.equal(result.alreadyApplied, false);
  assert.equal(result.rowsStaged, plan.batch.rowCount);
  return { ms, timings: [...timings] };
}

function planFor(event: MergePlan['batch']): MergePlan {
  return { batch: event, target, columns, options: { deleteMode: 'hard', oversizePolicy: 'truncate' } };
}

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0]!;
  const warehouse = new pg.Client({ connectionString: stack.warehouseUrl });
  await warehouse.connect();
  try {
    const existingColumns = await adapter.describeTable(target);
    const evolution = planSchemaEvolution(adapter.dialect, { target, columns, existing: existingColumns, deleteMode: 'hard' });
    await adapter.executeDdl(schemaEvolutionStatements(adapter.dialect, target, evolution));

    progress(`writing the initial batch: ${fmt.int(EXISTING)} inserts`);
    const initial = await writeBatch(s3, { table, columns: BENCH_COLUMNS, rows: initialRows(), batchId: `${run}-initial`, prefix });
    progress(`applying it to ${run}.events`);
    const load = await apply(planFor(initial.event));
    // As autovacuum would soon after a load this size: the merge then plans against real statistics.
    await warehouse.query(`VACUUM ANALYZE "${run}".events`);

    progress(`writing the change batch: ${fmt.int(UPDATES)} updates, ${fmt.int(DELETES)} deletes, ${fmt.int(INSERTS)} inserts`);
    const { updated, deleted } = changeKeys();
    const writeStarted = performance.now();
    const change = await writeBatch(s3, { table, columns: BENCH_COLUMNS, rows: changeRows(updated, deleted), batchId: `${run}-change`, prefix });
    const writeMs = performance.now() - writeStarted;
    if (args.explain) {
      progress('EXPLAIN ANALYZE of the merge statements for this batch (rolled back)');
      for (const { kind, plan } of await explainMerge(warehouse, s3, mergeStatements(adapter.dialect, planFor(change.event)), change.event)) {
        console.log(`\n=== ${kind}\n${plan}`);
      }
      // The rolled-back rows are dead tuples in the target and its index: clear them before timing.
      await warehouse.query(`VACUUM ANALYZE "${run}".events`);
    }
    progress('applying it (timed)');
    const merge = await apply(planFor(change.event));

    // The outcome, so that a fast wrong merge cannot pass: counts, one updated row, one deleted key.
    const {
      rows: [counts],
    } = await warehouse.query<{ rows: string; max_id: string }>(`SELECT count(*) AS rows, max(id) AS max_id FROM "${run}".events`);
    assert.equal(Number(counts!.rows), EXISTING - DELETES + INSERTS, 'rows after the merge');
    assert.equal(Number(counts!.max_id), EXISTING + INSERTS);
    const probe = updated[0]!;
    const {
      rows: [row],
    } = await warehouse.query<{ updated_at: string }>(`SELECT updated_at::text FROM "${run}".events WHERE id = $1`, [probe]);
    assert.equal(row?.updated_at, rowCells(benchRow(probe, 1))[8], `row ${probe} carries its update`);
    const { rows: gone } = await warehouse.query(`SELECT 1 FROM "${run}".events WHERE id = $1`, [deleted[0]!]);
    assert.equal(gone.length, 0, `row ${deleted[0]} is deleted`);

    const sum = (timings: StatementTiming[]) => timings.reduce((total, t) => total + t.ms, 0);
    // Everything between COPY and the ledger is the merge (whatever statements merge.ts generates today).
    const bookkeeping: StatementTiming['kind'][] = ['create-staging', 'ledger-update', 'ledger-insert', 'drop-staging', 'commit'];
    const copyMs = sum(merge.timings.filter((t) => t.kind === 'copy'));
    const mergeMs = sum(merge.timings.filter((t) => t.kind !== 'copy' && !bookkeeping.includes(t.kind)));
    const bookkeepingMs = sum(merge.timings.filter((t) => bookkeeping.includes(t.kind)));
    const otherMs = merge.ms - sum(merge.timings);
    const rate = (ms: number) => fmt.rate((ROWS / ms) * 1000, 'rows');
    printFigures(
      `bench:loader — ${fmt.int(ROWS)}-row batch into ${fmt.int(EXISTING)} rows (PostgreSQL warehouse)`,
      [
        [
          'batch',
          `${fmt.int(UPDATES)} updates, ${fmt.int(DELETES)} deletes, ${fmt.int(INSERTS)} inserts; ${change.event.files.length} parts, ${fmt.mib(change.uncompressedBytes)} CSV → ${fmt.mib(change.event.files.reduce((s, f) => s + f.bytes, 0))} gzip`,
        ],
        ['applyBatch total', `${fmt.ms(merge.ms)}  ${rate(merge.ms)}  (target < ${TARGET_SECONDS} s)`],
        ['  COPY (S3 → gunzip → COPY FROM STDIN)', `${fmt.ms(copyMs)}  ${rate(copyMs)}`],
        ['  merge (filter, delete, insert)', `${fmt.ms(mergeMs)}  ${rate(mergeMs)}`],
        ['  staging, ledger, commit', fmt.ms(bookkeepingMs)],
        ['  other (begin, lock, ledger read)', fmt.ms(otherMs)],
        ['per statement', ''],
        ...merge.timings.map((t) => [`  ${t.kind}`, `${fmt.ms(t.ms)}  ${fmt.int(t.rows)} rows`] as [string, string]),
        ['initial load (1st batch, empty table)', `${fmt.ms(load.ms)}  ${fmt.rate((EXISTING / load.ms) * 1000, 'rows')}`],
        ['writing the batch files (not timed above)', fmt.ms(writeMs)],
        ['machine', machineState(loadAtStart)],
      ],
      {
        bench: 'loader',
        rows: ROWS,
        existingRows: EXISTING,
        updates: UPDATES,
        deletes: DELETES,
        inserts: INSERTS,
        seconds: +(merge.ms / 1000).toFixed(3),
        rowsPerSecond: Math.round((ROWS / merge.ms) * 1000),
        copySeconds: +(copyMs / 1000).toFixed(3),
        copyRowsPerSecond: Math.round((ROWS / copyMs) * 1000),
        mergeSeconds: +(mergeMs / 1000).toFixed(3),
        mergeRowsPerSecond: Math.round((ROWS / mergeMs) * 1000),
        statements: Object.fromEntries(merge.timings.map((t) => [t.kind, +(t.ms / 1000).toFixed(3)])),
        initialLoadSeconds: +(load.ms / 1000).toFixed(3),
        meetsTarget: merge.ms < TARGET_SECONDS * 1000,
        loadAverage: [+loadAtStart.toFixed(2), +loadavg()[0]!.toFixed(2)],
      },
    );
  } finally {
    if (!args.keep) {
      await warehouse.query(`DROP SCHEMA IF EXISTS "${run}" CASCADE`).catch((e: Error) => progress(`could not drop ${run}: ${e.message}`));
      await adapter.clearLedger(target).catch((e: Error) => progress(`could not clear the ledger: ${e.message}`));
      await deletePrefix(s3, `${prefix}/`).catch((e: Error) => progress(`could not delete s3 ${prefix}: ${e.message}`));
      progress('cleaned up');
    } else progress(`--keep: left schema ${run}, its ledger rows and s3://${stack.s3.bucket}/${prefix}/`);
    await warehouse.end();
    await adapter.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
