/**
 * The PostgreSQL adapter against the real warehouse PostgreSQL and the real S3 server of the stack.
 * Batch files are written here with a minimal CSV writer (the contract: `"`-quoted fields, NULL as the
 * unquoted sentinel, a header row, gzip) so that this test depends on nothing but the contract.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  type BatchReady,
  batchFolder,
  type ColumnSpec,
  type CopyManifest,
  encodeUnchanged,
  LEGACY_STAGING_META_COLUMNS,
  manifestKey,
  NULL_SENTINEL,
  type PartitionRange,
  partKey,
  STAGING_META_COLUMNS,
  s3Url,
} from '@pgshift/contracts';
import pg from 'pg';
import type { ApplyResult, MergeOptions, TargetTable } from '../adapter.js';
import { mapColumns } from '../columns.js';
import { BatchFileMissing, IncompatibleSchemaChange, StagedRowCountMismatch } from '../errors.js';
import { planSchemaEvolution, schemaEvolutionStatements } from '../schema-evolution.js';
import { movedRowsTable } from '../sql/key-change.js';
import { ledgerTableName } from '../sql/ledger.js';
import { PostgresAdapter } from './adapter.js';
import { postgresDialect } from './dialect.js';

function readPorts(): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const line of readFileSync(new URL('../../../../stack/ports.env', import.meta.url), 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match) entries[match[1]!] = match[2]!;
  }
  return entries;
}
const ports = readPorts();
const warehouseUrl = `postgresql://pgshift:pgshift@127.0.0.1:${ports.PG_WAREHOUSE_PORT}/warehouse`;
const bucket = ports.S3_BUCKET!;
const s3 = new S3Client({
  endpoint: `http://127.0.0.1:${ports.S3_PORT}`,
  region: ports.S3_REGION!,
  credentials: { accessKeyId: ports.S3_ACCESS_KEY!, secretAccessKey: ports.S3_SECRET_KEY! },
  forcePathStyle: true,
});

const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const schema = `wh_adapter_${run}`;
const adapter = new PostgresAdapter({ connection: warehouseUrl, s3 });
const db = new pg.Pool({ connectionString: warehouseUrl });

before(async () => {
  await db.query(`CREATE SCHEMA "${schema}"`);
});
after(async () => {
  await db.query(`DROP SCHEMA "${schema}" CASCADE`);
  await db.query(`DELETE FROM pgshift.ledger WHERE target_schema = $1`, [schema]);
  await db.query(`DELETE FROM pgshift.truncations WHERE target_schema = $1`, [schema]);
  const ledgers = await db.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'pgshift' AND table_name LIKE $1`,
    [`ledger_${schema.toLowerCase()}%`],
  );
  for (const { name } of ledgers.rows) await db.query(`DROP TABLE pgshift."${name}"`);
  await db.end();
  await adapter.close();
  for (const key of writtenKeys) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  s3.destroy();
});

// ---- batch files ---------------------------------------------------------------------------------

type Op = 'c' | 'u' | 'd' | 'r';
interface Row {
  values: (string | null)[];
  op: Op;
  offset: number;
  partition?: number;
  /** The change's source LSN; 1000 + offset unless given. */
  lsn?: number;
  /** The change's transaction position (`_pgshift_tx_lsn`); its LSN unless given. */
  txLsn?: number;
  /** A primary-key change's old key. */
  oldKey?: string;
  /** The delete of a primary-key change's old key: the new key. */
  newKey?: string;
  unchanged?: number[];
}

function csvField(value: string | null): string {
  return value === null ? NULL_SENTINEL : `"${value.replaceAll('"', '""')}"`;
}

function csvFile(columns: readonly ColumnSpec[], rows: readonly Row[]): Buffer {
  const header = [...columns.map((c) => c.name), ...STAGING_META_COLUMNS].map(csvField).join(',');
  const lines = rows.map((row) =>
    [
      ...row.values,
      row.op,
      String(row.lsn ?? 1000 + row.offset),
      '2026-01-01 10:00:00.000001',
      String(row.partition ?? 0),
      String(row.offset),
      encodeUnchanged(row.unchanged ?? []),
      String(row.txLsn ?? row.lsn ?? 1000 + row.offset),
      row.oldKey ?? null,
      row.newKey ?? null,
    ]
      .map(csvField)
      .join(','),
  );
  return gzipSync(`${[header, ...lines].join('\n')}\n`);
}

let batchNumber = 0;
const writtenKeys: string[] = [];

async function put(key: string, body: Buffer | string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  writtenKeys.push(key);
}

/** Writes the rows as part files (split in two when there are several) plus a manifest, and returns the batch event. */
async function writeBatch(table: TargetTable, columns: ColumnSpec[], rows: Row[], overrides: Partial<BatchReady> = {}): Promise<BatchReady> {
  const batchId = `b${++batchNumber}-${run}`;
  const folder = batchFolder(`test/warehouse/${run}`, table, new Date(), batchId);
  const parts = rows.length > 1 ? [rows.slice(0, Math.ceil(rows.length / 2)), rows.slice(Math.ceil(rows.length / 2))] : [rows];
  const manifest: CopyManifest = { entries: [] };
  for (const [index, partRows] of parts.entries()) {
    const body = csvFile(columns, partRows);
    const key = partKey(folder, index);
    await put(key, body);
    manifest.entries.push({ url: s3Url(bucket, key), mandatory: true, meta: { content_length: body.length } });
  }
  await put(manifestKey(folder), JSON.stringify(manifest));
  return {
    batchId,
    kind: 'rows',
    table: { topic: topicOf(table), schema: table.schema, table: table.table },
    createdAtMs: Date.now(),
    manifestUrl: s3Url(bucket, manifestKey(folder)),
    files: manifest.entries.map((e, i) => ({ url: e.url, bytes: e.meta.content_length, rows: parts[i]!.length })),
    rowCount: rows.length,
    rowsByOp: { c: 0, u: 0, d: 0, r: 0 },
    eventCount: rows.length,
    columns,
    schemaFingerprint: 'test',
    offsets: rangesOf(rows),
    lsnRange: null,
    sourceTimeRange: { minMs: Date.UTC(2026, 0, 1, 10), maxMs: Date.UTC(2026, 0, 1, 10) },
    oversizedValues: [],
    producer: 'adapter.test',
    stagingColumns: [...STAGING_META_COLUMNS],
    ...overrides,
  };
}

/** A truncate at `offset` of `partition` (0 unless given), at LSN `lsn` (1000 + offset unless given). */
function truncateBatch(table: TargetTable, columns: ColumnSpec[], offset: number, at: { lsn?: number; partition?: number } = {}): BatchReady {
  const lsn = String(at.lsn ?? 1000 + offset);
  return {
    batchId: `t${++batchNumber}-${run}`,
    kind: 'truncate',
    table: { topic: topicOf(table), schema: table.schema, table: table.table },
    createdAtMs: Date.now(),
    manifestUrl: null,
    files: [],
    rowCount: 0,
    rowsByOp: { c: 0, u: 0, d: 0, r: 0 },
    eventCount: 1,
    columns,
    schemaFingerprint: 'test',
    offsets: [{ partition: at.partition ?? 0, first: offset, last: offset }],
    lsnRange: { min: lsn, max: lsn },
    sourceTimeRange: { minMs: Date.UTC(2026, 0, 2), maxMs: Date.UTC(2026, 0, 2) },
    oversizedValues: [],
    producer: 'adapter.test',
  };
}

function rangesOf(rows: readonly Row[]): PartitionRange[] {
  const ranges = new Map<number, PartitionRange>();
  for (const row of rows) {
    const partition = row.partition ?? 0;
    const range = ranges.get(partition);
    if (!range) ranges.set(partition, { partition, first: row.offset, last: row.offset });
    else {
      range.first = Math.min(range.first, row.offset);
      range.last = Math.max(range.last, row.offset);
    }
  }
  return [...ranges.values()];
}

const topicOf = (table: TargetTable) => `pgshift.test.${table.schema}.${table.table}`;

// ---- what the loader does per batch: evolve the target, then apply --------------------------------

async function load(batch: BatchReady, target: TargetTable, options: Partial<MergeOptions> & { dropRemovedColumns?: boolean } = {}): Promise<ApplyResult> {
  const mergeOptions: MergeOptions = { deleteMode: options.deleteMode ?? 'hard', oversizePolicy: options.oversizePolicy ?? 'stop' };
  const columns = mapColumns(adapter.dialect, batch.columns);
  const evolution = planSchemaEvolution(adapter.dialect, {
    target,
    columns,
    existing: await adapter.describeTable(target),
    deleteMode: mergeOptions.deleteMode,
    dropRemovedColumns: options.dropRemovedColumns ?? false,
  });
  await adapter.executeDdl(schemaEvolutionStatements(adapter.dialect, target, evolution));
  return adapter.applyBatch({ batch, target, options: mergeOptions, columns });
}

async function rows(target: TargetTable, columns = '*', orderBy = '"id"'): Promise<Record<string, unknown>[]> {
  const result = await db.query(`SELECT ${columns} FROM "${target.schema}"."${target.table}" ORDER BY ${orderBy}`);
  return result.rows;
}

function tableNamed(name: string): TargetTable {
  return { schema, table: name };
}

// ---- the tests ----------------------------------------------------------------------------------

const people: ColumnSpec[] = [
  { name: 'id', sourceType: 'int8', nullable: false, primaryKey: true },
  { name: 'Full Name', sourceType: 'varchar', length: 40, nullable: true, primaryKey: false },
  { name: 'doc', sourceType: 'jsonb', nullable: true, primaryKey: false },
  { name: 'avatar', sourceType: 'bytea', nullable: true, primaryKey: false },
  { name: 'balance', sourceType: 'numeric', length: 12, scale: 2, nullable: true, primaryKey: false },
  { name: 'user', sourceType: 'text', nullable: true, primaryKey: false },
  { name: 'tags', sourceType: '_text', nullable: true, primaryKey: false },
  { name: 'seen_at', sourceType: 'timestamptz', nullable: true, primaryKey: false },
];

describe('a table with a primary key', () => {
  const target = tableNamed('people');
  let first: BatchReady;
  let second: BatchReady;

  test('the first batch creates the table with mapped types and inserts its rows', async () => {
    assert.equal(await adapter.describeTable(target), null);
    first = await writeBatch(target, people, [
      { op: 'r', offset: 1, values: ['1', 'Ada "the first" Lovelace', '{"a": [1, 2]}', 'deadbeef', '10.50', '', '["x","y"]', '2026-01-01 10:00:00+00'] },
      { op: 'r', offset: 2, values: ['2', 'Grace, Hopper', null, null, null, null, null, null] },
      { op: 'c', offset: 3, values: ['3', 'line\nbreak', '"just a string"', '', '0', 'u3', '[]', '2026-01-01 12:30:00.123456+02'] },
    ]);
    const result = await load(first, target);
    assert.deepEqual(result, {
      batchId: first.batchId,
      rowsStaged: 3,
      rowsSkipped: 0,
      rowsBeforeTruncation: 0,
      targetRowsRemoved: 0,
      targetRowsWritten: 3,
      alreadyApplied: false,
    });

    const described = await adapter.describeTable(target);
    assert.deepEqual(
      described?.map((c) => `${c.name} ${c.type}`),
      [
        'id bigint',
        'Full Name varchar(40)',
        'doc jsonb',
        'avatar bytea',
        'balance numeric(12,2)',
        'user text',
        'tags jsonb',
        'seen_at timestamptz',
        '_pgshift_lsn bigint',
        '_pgshift_tx_lsn bigint',
        '_pgshift_source_ts timestamp',
        '_pgshift_loaded_at timestamp',
      ],
    );
    const loaded = await rows(target, `id, "Full Name" AS name, doc, encode(avatar, 'hex') AS avatar, balance, "user", tags, seen_at, _pgshift_lsn AS lsn`);
    assert.deepEqual(loaded, [
      {
        id: '1',
        name: 'Ada "the first" Lovelace',
        doc: { a: [1, 2] },
        avatar: 'deadbeef',
        balance: '10.50',
        user: '',
        tags: ['x', 'y'],
        seen_at: new Date('2026-01-01T10:00:00Z'),
        lsn: '1001',
      },
      { id: '2', name: 'Grace, Hopper', doc: null, avatar: null, balance: null, user: null, tags: null, seen_at: null, lsn: '1002' },
      {
        id: '3',
        name: 'line\nbreak',
        doc: 'just a string',
        avatar: '',
        balance: '0.00',
        user: 'u3',
        tags: [],
        seen_at: new Date('2026-01-01T10:30:00.123456Z'),
        lsn: '1003',
      },
    ]);
    assert.deepEqual(await adapter.readLedger({ topic: first.table.topic, target }), new Map([[0, 3n]]));
  });

  test('updates replace rows, deletes remove them, inserts add them', async () => {
    second = await writeBatch(target, people, [
      { op: 'u', offset: 4, values: ['1', 'Ada King', '{"a": 3}', 'cafe', '11.00', 'ada', '[]', null] },
      { op: 'd', offset: 5, values: ['2', null, null, null, null, null, null, null] },
      { op: 'c', offset: 6, values: ['4', 'Alan', null, null, '1.25', null, null, null] },
    ]);
    const result = await load(second, target);
    assert.equal(result.alreadyApplied, false);
    assert.equal(result.targetRowsRemoved, 2, 'the old image of 1 and the deleted 2');
    assert.equal(result.targetRowsWritten, 2);
    assert.deepEqual(await rows(target, `id, "Full Name" AS name, balance`), [
      { id: '1', name: 'Ada King', balance: '11.00' },
      { id: '3', name: 'line\nbreak', balance: '0.00' },
      { id: '4', name: 'Alan', balance: '1.25' },
    ]);
    assert.deepEqual(await adapter.readLedger({ topic: second.table.topic, target }), new Map([[0, 6n]]));
  });

  test('a batch applied twice changes nothing', async () => {
    const before = await rows(target);
    const result = await load(second, target);
    assert.equal(result.alreadyApplied, true);
    assert.deepEqual(await rows(target), before);
  });

  test('an older batch after a newer one changes nothing (a delete is not undone)', async () => {
    const before = await rows(target);
    const result = await load(first, target);
    assert.equal(result.alreadyApplied, true);
    assert.deepEqual(await rows(target), before);
  });

  test('a batch straddling the ledger applies only the offsets after it', async () => {
    const straddling = await writeBatch(target, people, [
      { op: 'u', offset: 6, values: ['4', 'stale Alan', null, null, null, null, null, null] },
      { op: 'u', offset: 7, values: ['3', 'fresh three', null, null, null, null, null, null] },
    ]);
    const result = await load(straddling, target);
    assert.equal(result.rowsStaged, 2);
    assert.equal(result.rowsSkipped, 1);
    assert.deepEqual(await rows(target, `id, "Full Name" AS name`), [
      { id: '1', name: 'Ada King' },
      { id: '3', name: 'fresh three' },
      { id: '4', name: 'Alan' },
    ]);
  });

  test('unchanged TOAST columns keep the value the target has', async () => {
    // Columns 2 (doc) and 3 (avatar) did not come with the change.
    const batch = await writeBatch(target, people, [
      { op: 'u', offset: 8, values: ['1', 'Ada again', null, null, '12.00', 'ada', '[]', null], unchanged: [2, 3] },
    ]);
    await load(batch, target);
    assert.deepEqual(await rows(target, `id, "Full Name" AS name, doc, encode(avatar, 'hex') AS avatar, balance`, 'id LIMIT 1'), [
      { id: '1', name: 'Ada again', doc: { a: 3 }, avatar: 'cafe', balance: '12.00' },
    ]);
  });

  test('a duplicate key in one batch keeps its last change', async () => {
    const batch = await writeBatch(target, people, [
      { op: 'u', offset: 10, values: ['4', 'Alan 10', null, null, null, null, null, null] },
      { op: 'u', offset: 9, values: ['4', 'Alan 9', null, null, null, null, null, null] },
    ]);
    await load(batch, target);
    assert.deepEqual(await rows(target, `id, "Full Name" AS name`, 'id DESC LIMIT 1'), [{ id: '4', name: 'Alan 10' }]);
  });

  test('a staged row count that differs from the batch fails and leaves target and ledger untouched', async () => {
    const before = await rows(target);
    const ledgerBefore = await adapter.readLedger({ topic: topicOf(target), target });
    const batch = await writeBatch(target, people, [
      { op: 'c', offset: 11, values: ['5', 'five', null, null, null, null, null, null] },
      { op: 'c', offset: 12, values: ['6', 'six', null, null, null, null, null, null] },
    ]);
    await assert.rejects(
      load({ ...batch, rowCount: 3 }, target),
      (e: unknown) => e instanceof StagedRowCountMismatch && e.message.endsWith('staged 2 rows, batch says 3'),
    );
    assert.deepEqual(await rows(target), before);
    assert.deepEqual(await adapter.readLedger({ topic: topicOf(target), target }), ledgerBefore);
  });

  test('a batch file missing from S3 is a permanent BatchFileMissing error', async () => {
    const batch = await writeBatch(target, people, [{ op: 'c', offset: 13, values: ['7', 'seven', null, null, null, null, null, null] }]);
    await assert.rejects(load({ ...batch, manifestUrl: batch.manifestUrl!.replace('manifest.json', 'nope.json') }, target), BatchFileMissing);
  });

  test('clearing the ledger lets old batches apply again, but their older images never overwrite newer rows', async () => {
    const before = await rows(target, `id, "Full Name" AS name`);
    assert.equal(await adapter.clearLedger(target), 1);
    assert.deepEqual(await adapter.readLedger({ topic: topicOf(target), target }), new Map());
    const result = await load(first, target);
    assert.equal(result.alreadyApplied, false);
    // Row 2 was deleted later: its tombstone keeps the replayed insert out.
    assert.deepEqual(await rows(target, `id, "Full Name" AS name`), before);
  });
});

describe('a table without a primary key', () => {
  const target = tableNamed('events');
  const columns: ColumnSpec[] = [
    { name: 'kind', sourceType: 'text', nullable: true, primaryKey: false },
    { name: 'n', sourceType: 'int4', nullable: true, primaryKey: false },
  ];

  test('every change is appended with its op and position, and a replay appends nothing', async () => {
    const batch = await writeBatch(target, columns, [
      { op: 'c', offset: 1, values: ['a', '1'] },
      { op: 'c', offset: 2, values: ['a', '1'] },
      { op: 'd', offset: 1, partition: 1, values: ['a', '1'] },
    ]);
    await load(batch, target);
    await load(batch, target);
    assert.deepEqual(await rows(target, 'kind, n, _pgshift_op AS op, _pgshift_partition AS p, _pgshift_offset AS o', '_pgshift_partition, _pgshift_offset'), [
      { kind: 'a', n: 1, op: 'c', p: 0, o: '1' },
      { kind: 'a', n: 1, op: 'c', p: 0, o: '2' },
      { kind: 'a', n: 1, op: 'd', p: 1, o: '1' },
    ]);
    assert.deepEqual(
      await adapter.readLedger({ topic: batch.table.topic, target }),
      new Map([
        [0, 2n],
        [1, 1n],
      ]),
    );
  });
});

describe('soft-delete mode', () => {
  const target = tableNamed('accounts');
  const columns: ColumnSpec[] = [
    { name: 'id', sourceType: 'int4', nullable: false, primaryKey: true },
    { name: 'email', sourceType: 'text', nullable: true, primaryKey: false },
    { name: 'score', sourceType: 'int4', nullable: true, primaryKey: false },
  ];

  test('a deleted row stays, marked deleted, with the values it had', async () => {
    await load(
      await writeBatch(target, columns, [
        { op: 'c', offset: 1, values: ['1', 'a@x', '10'] },
        { op: 'c', offset: 2, values: ['2', 'b@x', '20'] },
      ]),
      target,
      { deleteMode: 'soft' },
    );
    // A delete event carries the key only: the batcher marks the other columns unchanged.
    await load(await writeBatch(target, columns, [{ op: 'd', offset: 3, values: ['1', null, null], unchanged: [1, 2] }]), target, { deleteMode: 'soft' });
    assert.deepEqual(await rows(target, 'id, email, score, _pgshift_deleted AS deleted, _pgshift_deleted_at::text AS deleted_at'), [
      { id: 1, email: 'a@x', score: 10, deleted: true, deleted_at: '2026-01-01 10:00:00.000001' },
      { id: 2, email: 'b@x', score: 20, deleted: false, deleted_at: null },
    ]);
  });

  test('a re-inserted key is live again', async () => {
    await load(await writeBatch(target, columns, [{ op: 'c', offset: 4, values: ['1', 'new@x', '1'] }]), target, { deleteMode: 'soft' });
    assert.deepEqual(await rows(target, 'id, email, _pgshift_deleted AS deleted', 'id LIMIT 1'), [{ id: 1, email: 'new@x', deleted: false }]);
  });

  test('a truncate marks every live row deleted, once', async () => {
    const truncate = truncateBatch(target, columns, 5);
    await load(truncate, target, { deleteMode: 'soft' });
    assert.deepEqual(await rows(target, 'id, _pgshift_deleted AS deleted'), [
      { id: 1, deleted: true },
      { id: 2, deleted: true },
    ]);
    assert.equal((await load(truncate, target, { deleteMode: 'soft' })).alreadyApplied, true);
  });
});

describe('truncate in hard mode', () => {
  const target = tableNamed('carts');
  const columns: ColumnSpec[] = [{ name: 'id', sourceType: 'int4', nullable: false, primaryKey: true }];

  test('a truncate batch empties the table, and replaying it later does not remove newer rows', async () => {
    await load(
      await writeBatch(target, columns, [
        { op: 'c', offset: 1, values: ['1'] },
        { op: 'c', offset: 2, values: ['2'] },
      ]),
      target,
    );
    const truncate = truncateBatch(target, columns, 3);
    const result = await load(truncate, target);
    assert.equal(result.targetRowsRemoved, 2);
    assert.deepEqual(await rows(target), []);
    await load(await writeBatch(target, columns, [{ op: 'c', offset: 4, values: ['9'] }]), target);
    assert.equal((await load(truncate, target)).alreadyApplied, true);
    assert.deepEqual(await rows(target, 'id'), [{ id: 9 }]);
  });
});

describe('truncate before the target exists', () => {
  const target = tableNamed('not_yet');
  const columns: ColumnSpec[] = [{ name: 'id', sourceType: 'int4', nullable: false, primaryKey: true }];

  // pgbench -i truncates its tables before filling them: the truncate is the table's first change.
  test('deletes nothing, records its watermark and ledger; rows from before it never land', async () => {
    const truncate = truncateBatch(target, columns, 0, { lsn: 500, partition: 1 });
    const options: MergeOptions = { deleteMode: 'hard', oversizePolicy: 'stop' };
    const result = await adapter.applyBatch({ batch: truncate, target, options, columns: mapColumns(adapter.dialect, columns), targetExists: false });
    assert.equal(result.alreadyApplied, false);
    assert.equal(await adapter.describeTable(target), null, 'no table is created for a truncate');
    assert.equal(await watermarkOf(target), '500');
    assert.deepEqual(await adapter.readLedger({ topic: topicOf(target), target }), new Map([[1, 0n]]));
    await load(
      await writeBatch(target, columns, [
        { op: 'c', offset: 1, partition: 0, lsn: 400, values: ['1'] },
        { op: 'c', offset: 2, partition: 0, lsn: 600, values: ['2'] },
      ]),
      target,
    );
    assert.deepEqual(await rows(target, 'id'), [{ id: 2 }]);
  });
});

/** The topic's truncation watermark, or null when it has none. */
async function watermarkOf(target: TargetTable): Promise<string | null> {
  const result = await db.query<{ lsn: string }>(
    `SELECT last_offset AS lsn FROM ${ledgerTableName(postgresDialect, target)} WHERE topic = $1 AND partition = -1`,
    [topicOf(target)],
  );
  return result.rows[0]?.lsn ?? null;
}

// A truncate event has no key: it lands on partition 0 here while the rows' changes are on partitions 1
// and 2, and the partitions are consumed independently, so batches arrive out of LSN order.
describe('truncate on a topic with several partitions', () => {
  const target = tableNamed('baskets');
  const columns: ColumnSpec[] = [
    { name: 'id', sourceType: 'int4', nullable: false, primaryKey: true },
    { name: 'note', sourceType: 'text', nullable: true, primaryKey: false },
  ];
  const firstTruncate = truncateBatch(target, columns, 1, { lsn: 200 });
  const secondTruncate = truncateBatch(target, columns, 2, { lsn: 400 });

  test('a row inserted before the truncate but applied after it is not in the warehouse', async () => {
    await load(
      await writeBatch(target, columns, [
        { op: 'c', offset: 1, partition: 1, lsn: 100, values: ['1', 'before'] },
        { op: 'c', offset: 2, partition: 1, lsn: 110, values: ['2', 'before'] },
      ]),
      target,
    );
    const truncated = await load(firstTruncate, target);
    assert.equal(truncated.targetRowsRemoved, 2);
    assert.equal(await watermarkOf(target), '200');

    const late = await load(
      await writeBatch(target, columns, [
        { op: 'c', offset: 3, partition: 1, lsn: 150, values: ['3', 'inserted before the truncate'] },
        { op: 'c', offset: 1, partition: 2, lsn: 250, values: ['4', 'inserted after the truncate'] },
      ]),
      target,
    );
    assert.equal(late.rowsBeforeTruncation, 1);
    assert.deepEqual(await rows(target, 'id, note'), [{ id: 4, note: 'inserted after the truncate' }]);
  });

  test('a row inserted after the truncate but applied before it survives the truncate', async () => {
    await load(
      await writeBatch(target, columns, [
        { op: 'c', offset: 4, partition: 1, lsn: 350, values: ['5', 'before the second truncate'] },
        { op: 'c', offset: 2, partition: 2, lsn: 450, values: ['6', 'after the second truncate'] },
      ]),
      target,
    );
    assert.deepEqual(
      (await rows(target, 'id')).map((r) => r.id),
      [4, 5, 6],
    );
    const truncated = await load(secondTruncate, target);
    assert.equal(truncated.targetRowsRemoved, 2, 'rows 4 and 5, last changed before LSN 400');
    assert.deepEqual(await rows(target, 'id, note, _pgshift_lsn AS lsn'), [{ id: 6, note: 'after the second truncate', lsn: '450' }]);
    assert.equal(await watermarkOf(target), '400');
  });

  test('a replayed truncate batch changes nothing', async () => {
    const before = await rows(target);
    assert.equal((await load(secondTruncate, target)).alreadyApplied, true);
    assert.equal((await load(firstTruncate, target)).alreadyApplied, true);
    assert.deepEqual(await rows(target), before);
    assert.equal(await watermarkOf(target), '400');
  });

  test('an older truncate consumed after a newer one deletes nothing newer and leaves the watermark where it is', async () => {
    const before = await rows(target);
    const older = truncateBatch(target, columns, 1, { lsn: 300, partition: 3 });
    const result = await load(older, target);
    assert.equal(result.alreadyApplied, false);
    assert.equal(result.targetRowsRemoved, 0);
    assert.deepEqual(await rows(target), before);
    assert.equal(await watermarkOf(target), '400');
    assert.deepEqual(
      await adapter.readLedger({ topic: topicOf(target), target }),
      new Map([
        [0, 2n],
        [1, 4n],
        [2, 2n],
        [3, 1n],
      ]),
    );
  });

  test('clearing the ledger clears the truncation watermark, so a reload applies changes from before it', async () => {
    assert.equal(await adapter.clearLedger(target), 5, 'four partitions and the watermark row');
    assert.equal(await watermarkOf(target), null);
    const reload = await load(await writeBatch(target, columns, [{ op: 'c', offset: 1, partition: 1, lsn: 100, values: ['1', 'reloaded'] }]), target);
    assert.equal(reload.rowsBeforeTruncation, 0);
    assert.deepEqual((await rows(target, 'id, note'))[0], { id: 1, note: 'reloaded' });
  });
});

describe('truncate in soft mode on a topic with several partitions', () => {
  const target = tableNamed('wallets');
  const columns: ColumnSpec[] = [
    { name: 'id', sourceType: 'int4', nullable: false, primaryKey: true },
    { name: 'owner', sourceType: 'text', nullable: true, primaryKey: false },
  ];

  test('a truncate marks deleted only the rows last changed before it; a late change from before it is dropped', async () => {
    await load(
      await writeBatch(target, columns, [
        { op: 'c', offset: 1, partition: 1, lsn: 100, values: ['1', 'before'] },
        { op: 'c', offset: 1, partition: 2, lsn: 300, values: ['2', 'after'] },
      ]),
      target,
      { deleteMode: 'soft' },
    );
    const truncate = truncateBatch(target, columns, 1, { lsn: 200 });
    assert.equal((await load(truncate, target, { deleteMode: 'soft' })).targetRowsRemoved, 1);
    const late = await load(await writeBatch(target, columns, [{ op: 'u', offset: 2, partition: 1, lsn: 150, values: ['1', 'late update'] }]), target, {
      deleteMode: 'soft',
    });
    assert.equal(late.rowsBeforeTruncation, 1);
    const expected = [
      { id: 1, owner: 'before', deleted: true, deleted_at: '2026-01-02 00:00:00', lsn: '200' },
      { id: 2, owner: 'after', deleted: false, deleted_at: null, lsn: '300' },
    ];
    const marked = 'id, owner, _pgshift_deleted AS deleted, _pgshift_deleted_at::text AS deleted_at, _pgshift_lsn AS lsn';
    assert.deepEqual(await rows(target, marked), expected);
    assert.equal((await load(truncate, target, { deleteMode: 'soft' })).alreadyApplied, true);
    assert.deepEqual(await rows(target, marked), expected);
  });
});

describe('schema evolution', () => {
  const target = tableNamed('products');
  const v1: ColumnSpec[] = [
    { name: 'id', sourceType: 'int4', nullable: false, primaryKey: true },
    { name: 'code', sourceType: 'varchar', length: 5, nullable: true, primaryKey: false },
    { name: 'legacy', sourceType: 'text', nullable: true, primaryKey: false },
  ];

  test('a new source column is added; existing rows have NULL in it', async () => {
    await load(await writeBatch(target, v1, [{ op: 'c', offset: 1, values: ['1', 'abc', 'old'] }]), target);
    const v2 = [...v1, { name: 'price', sourceType: 'numeric', length: 8, scale: 2, nullable: true, primaryKey: false }];
    await load(await writeBatch(target, v2, [{ op: 'c', offset: 2, values: ['2', 'def', 'x', '9.99'] }]), target);
    assert.deepEqual(await rows(target, 'id, code, price'), [
      { id: 1, code: 'abc', price: null },
      { id: 2, code: 'def', price: '9.99' },
    ]);
  });

  test('a column dropped at the source is kept and receives NULLs', async () => {
    const v3 = [v1[0]!, v1[1]!, { name: 'price', sourceType: 'numeric', length: 8, scale: 2, nullable: true, primaryKey: false }];
    await load(await writeBatch(target, v3, [{ op: 'u', offset: 3, values: ['2', 'def', '10.00'] }]), target);
    assert.deepEqual(await rows(target, 'id, legacy'), [
      { id: 1, legacy: 'old' },
      { id: 2, legacy: null },
    ]);
    assert.ok((await adapter.describeTable(target))!.some((c) => c.name === 'legacy'));
  });

  test('a widened varchar widens the target column', async () => {
    const wider = [v1[0]!, { ...v1[1]!, length: 20 }];
    await load(await writeBatch(target, wider, [{ op: 'c', offset: 4, values: ['3', 'a much longer code'] }]), target);
    assert.equal((await adapter.describeTable(target))!.find((c) => c.name === 'code')!.type, 'varchar(20)');
    assert.deepEqual(await rows(target, 'id, code', 'id DESC LIMIT 1'), [{ id: 3, code: 'a much longer code' }]);
  });

  test('a type change that is no widening: of a key column it raises IncompatibleSchemaChange and changes nothing; of another column it is planned as a replacement, reported not reproducible', async () => {
    const before = await rows(target);
    const keyRetyped = [{ ...v1[0]!, sourceType: 'bool' }, v1[1]!];
    const batch = await writeBatch(target, keyRetyped, [{ op: 'c', offset: 5, values: ['t', 'x'] }]);
    await assert.rejects(load(batch, target), (e: unknown) => e instanceof IncompatibleSchemaChange && e.column === 'id');
    assert.deepEqual(await rows(target), before);
    const plan = planSchemaEvolution(adapter.dialect, {
      target,
      columns: mapColumns(adapter.dialect, [v1[0]!, { name: 'code', sourceType: 'bool', nullable: true, primaryKey: false }]),
      existing: await adapter.describeTable(target),
      deleteMode: 'hard',
      dropRemovedColumns: false,
    });
    assert.ok(
      plan.nonReproducible.some((n) => n.kind === 'retype' && n.columns.includes('code')),
      JSON.stringify(plan.nonReproducible),
    );
  });
});

describe('source order against the target', () => {
  const columns: ColumnSpec[] = [
    { name: 'id', sourceType: 'int4', nullable: false, primaryKey: true },
    { name: 'v', sourceType: 'text', nullable: true, primaryKey: false },
    { name: 'doc', sourceType: 'text', nullable: true, primaryKey: false },
  ];
  const values = async (target: TargetTable) => (await rows(target, 'id, v, doc')).map((r) => `${r.id}:${r.v}:${r.doc}`);

  test('an older image consumed later (a re-driven change at a new offset) does not overwrite the newer row', async () => {
    const target = tableNamed('redriven');
    await load(await writeBatch(target, columns, [{ op: 'c', offset: 1, lsn: 100, values: ['1', 'first', 'd'] }]), target);
    await load(await writeBatch(target, columns, [{ op: 'u', offset: 2, lsn: 300, values: ['1', 'newest', 'd'] }]), target);
    await load(await writeBatch(target, columns, [{ op: 'u', offset: 3, lsn: 200, values: ['1', 'stale', 'd'] }]), target);
    assert.deepEqual(await values(target), ['1:newest:d']);
    assert.deepEqual(await adapter.readLedger({ topic: topicOf(target), target }), new Map([[0, 3n]]), 'the stale change is covered all the same');
  });

  test('transactions are ordered by the commit before them, not by change LSN', async () => {
    const target = tableNamed('txorder');
    await load(await writeBatch(target, columns, [{ op: 'c', offset: 1, lsn: 900, txLsn: 1000, values: ['1', 'committed later', 'd'] }]), target);
    await load(await writeBatch(target, columns, [{ op: 'u', offset: 1, partition: 1, lsn: 950, txLsn: 800, values: ['1', 'committed first', 'd'] }]), target);
    assert.deepEqual(await values(target), ['1:committed later:d']);
  });

  test('hard mode: a stale image does not resurrect a row deleted at a later position; a newer one does', async () => {
    const target = tableNamed('resurrect');
    await load(
      await writeBatch(target, columns, [
        { op: 'c', offset: 1, lsn: 100, values: ['1', 'a', 'd'] },
        { op: 'c', offset: 2, lsn: 110, values: ['2', 'b', 'd'] },
      ]),
      target,
    );
    await load(await writeBatch(target, columns, [{ op: 'd', offset: 3, lsn: 300, values: ['1', null, null], unchanged: [1, 2] }]), target);
    await load(await writeBatch(target, columns, [{ op: 'u', offset: 4, lsn: 200, values: ['1', 'ghost', 'd'] }]), target);
    assert.deepEqual(await values(target), ['2:b:d']);
    await load(await writeBatch(target, columns, [{ op: 'c', offset: 5, lsn: 400, values: ['1', 'reborn', 'd'] }]), target);
    assert.deepEqual(await values(target), ['1:reborn:d', '2:b:d']);
    await load(await writeBatch(target, columns, [{ op: 'u', offset: 6, lsn: 350, values: ['1', 'ghost again', 'd'] }]), target);
    assert.deepEqual(await values(target), ['1:reborn:d', '2:b:d'], 'the target row guards once the key lives again');
  });

  test('soft mode: a stale image does not un-delete a row', async () => {
    const target = tableNamed('undelete');
    await load(await writeBatch(target, columns, [{ op: 'c', offset: 1, lsn: 100, values: ['1', 'a', 'd'] }]), target, { deleteMode: 'soft' });
    await load(await writeBatch(target, columns, [{ op: 'd', offset: 2, lsn: 300, values: ['1', 'a', 'd'] }]), target, { deleteMode: 'soft' });
    await load(await writeBatch(target, columns, [{ op: 'u', offset: 3, lsn: 200, values: ['1', 'ghost', 'd'] }]), target, { deleteMode: 'soft' });
    assert.deepEqual(await rows(target, 'id, v, _pgshift_deleted AS deleted'), [{ id: 1, v: 'a', deleted: true }]);
  });

  test('a snapshot read never overwrites a streamed change at its position; a read after it does', async () => {
    const target = tableNamed('reads');
    await load(await writeBatch(target, columns, [{ op: 'u', offset: 1, lsn: 500, txLsn: 480, values: ['1', 'streamed', 'd'] }]), target);
    await load(await writeBatch(target, columns, [{ op: 'r', offset: 2, lsn: 500, txLsn: 480, values: ['1', 'read', 'd'] }]), target);
    assert.deepEqual(await values(target), ['1:streamed:d']);
    await load(await writeBatch(target, columns, [{ op: 'r', offset: 3, lsn: 700, txLsn: 680, values: ['1', 'read later', 'd'] }]), target);
    assert.deepEqual(await values(target), ['1:read later:d']);
  });

  test("a primary-key change takes an unchanged TOAST value from the old key's target row", async () => {
    const target = tableNamed('moved');
    await load(await writeBatch(target, columns, [{ op: 'c', offset: 1, lsn: 100, values: ['1', 'a', 'big document'] }]), target);
    await load(
      await writeBatch(target, columns, [
        { op: 'd', offset: 2, lsn: 200, values: ['1', null, null], unchanged: [1, 2] },
        { op: 'c', offset: 3, lsn: 200, values: ['1001', 'a', null], unchanged: [2], oldKey: '1' },
      ]),
      target,
    );
    assert.deepEqual(await values(target), ['1001:a:big document']);
  });

  test("a primary-key change still takes an unchanged TOAST value when its old key's delete was applied first, in a batch of its own", async () => {
    const target = tableNamed('moved_apart');
    await load(await writeBatch(target, columns, [{ op: 'c', offset: 1, lsn: 100, values: ['1', 'a', 'big document'] }]), target);
    // One UPDATE of the key: the delete (partition 0) and the create (partition 1) share the transaction.
    await load(
      await writeBatch(
        target,
        columns,
        [{ op: 'd', partition: 0, offset: 2, lsn: 200, txLsn: 150, values: ['1', null, null], unchanged: [1, 2], newKey: '1001' }],
        { keyChanges: 1 },
      ),
      target,
    );
    assert.deepEqual(await values(target), []);
    await load(
      await writeBatch(
        target,
        columns,
        [{ op: 'c', partition: 1, offset: 1, lsn: 200, txLsn: 150, values: ['1001', 'a', null], unchanged: [2], oldKey: '1' }],
        { keyChanges: 1 },
      ),
      target,
    );
    assert.deepEqual(await values(target), ['1001:a:big document']);
    const moved = movedRowsTable(target, mapColumns(postgresDialect, columns));
    const { rows: kept } = await db.query(`SELECT count(*)::int AS n FROM pgshift."${moved.table}"`);
    assert.equal(kept[0].n, 0, 'the moved row is forgotten once taken');

    // The same create again (a replay after a ledger reset): the old row and the moved row are gone, and
    // the change, at the target row's own position, changes nothing.
    await adapter.clearLedger(target);
    await load(
      await writeBatch(
        target,
        columns,
        [{ op: 'c', partition: 1, offset: 1, lsn: 200, txLsn: 150, values: ['1001', 'a', null], unchanged: [2], oldKey: '1' }],
        { keyChanges: 1 },
      ),
      target,
    );
    assert.deepEqual(await values(target), ['1001:a:big document']);
  });

  test('a batch of an older batcher (six metadata columns, no transaction position) still applies', async () => {
    const target = tableNamed('legacy');
    const batch = await writeBatch(target, columns, [{ op: 'c', offset: 1, lsn: 100, values: ['1', 'a', 'd'] }]);
    const legacy = await writeLegacyBatch(target, columns, [{ op: 'u', offset: 2, lsn: 200, values: ['1', 'b', 'd'] }]);
    await load(batch, target);
    await load(legacy, target);
    assert.deepEqual(await values(target), ['1:b:d']);
    assert.deepEqual(await rows(target, 'id, _pgshift_tx_lsn AS tx'), [{ id: 1, tx: null }]);
  });
});

/** A batch as batchers before `stagingColumns` wrote it: the six legacy metadata columns. */
async function writeLegacyBatch(table: TargetTable, columns: ColumnSpec[], rows: Row[]): Promise<BatchReady> {
  const batch = await writeBatch(table, columns, rows);
  const header = [...columns.map((c) => c.name), ...LEGACY_STAGING_META_COLUMNS].map(csvField).join(',');
  const lines = rows.map((row) =>
    [
      ...row.values,
      row.op,
      String(row.lsn ?? 1000 + row.offset),
      '2026-01-01 10:00:00.000001',
      String(row.partition ?? 0),
      String(row.offset),
      encodeUnchanged(row.unchanged ?? []),
    ]
      .map(csvField)
      .join(','),
  );
  const body = gzipSync(`${[header, ...lines].join('\n')}\n`);
  const manifest = { entries: [{ url: batch.files[0]!.url, mandatory: true, meta: { content_length: body.length } }] };
  await put(batch.files[0]!.url.replace(`s3://${bucket}/`, ''), body);
  await put(batch.manifestUrl!.replace(`s3://${bucket}/`, ''), JSON.stringify(manifest));
  const { stagingColumns: _, ...legacy } = batch;
  return { ...legacy, files: [batch.files[0]!] };
}
