/**
 * The Redshift adapter end to end against the Data API emulator: DDL from the schema-evolution plan, a
 * batch of gzipped CSV files in S3 merged through one BatchExecuteStatement, the ledger, and the errors
 * the loader acts on.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type BatchReady, type ColumnSpec, LEGACY_STAGING_META_COLUMNS, NULL_SENTINEL } from '@pgshift/contracts';
import {
  BatchFileMissing,
  ledgerTableName,
  type MergePlan,
  mapColumns,
  planSchemaEvolution,
  StagedRowCountMismatch,
  schemaEvolutionStatements,
} from '@pgshift/warehouse';
import { RedshiftAdapter } from '../../packages/warehouse/src/redshift/adapter.js';
import { RedshiftDataApiClient, RedshiftStatementError } from '../../packages/warehouse/src/redshift/data-api-client.js';
import { stack, uniqueName } from '../support/stack.js';
import { type RedshiftDataServer, startRedshiftDataServer } from './server.js';

let server: RedshiftDataServer;
let adapter: RedshiftAdapter;
let sql: RedshiftDataApiClient;
const s3 = new S3Client({
  endpoint: stack.s3.endpoint,
  region: stack.s3.region,
  forcePathStyle: true,
  credentials: { accessKeyId: stack.s3.accessKeyId, secretAccessKey: stack.s3.secretAccessKey },
});
const schema = uniqueName('rsadapter');
const topic = `pgshift.${schema}.items`;
const target = { schema, table: 'items' };

const columns: ColumnSpec[] = [
  { name: 'id', sourceType: 'int4', nullable: false, primaryKey: true },
  { name: 'name', sourceType: 'varchar', length: 20, nullable: true, primaryKey: false },
  { name: 'doc', sourceType: 'jsonb', nullable: true, primaryKey: false },
  { name: 'bin', sourceType: 'bytea', nullable: true, primaryKey: false },
];

/** `partition` is 0 and `lsn` 1000 + offset unless given. */
type Row = {
  id: number;
  name: string | null;
  doc: string | null;
  bin: string | null;
  op: 'c' | 'u' | 'd' | 'r';
  offset: number;
  partition?: number;
  lsn?: number;
};

function csvField(value: string | null): string {
  return value === null ? NULL_SENTINEL : `"${value.replaceAll('"', '""')}"`;
}

/** Writes a batch the way the batcher does: gzipped CSV parts with a header, then a manifest. */
async function putBatch(rows: Row[], options: { rowCount?: number; dropPart?: boolean } = {}): Promise<BatchReady> {
  const batchId = randomUUID();
  const folder = `redshift-adapter-test/${schema}/${batchId}`;
  const header = [...columns.map((c) => c.name), ...LEGACY_STAGING_META_COLUMNS].join(',');
  const lines = rows.map((r) =>
    [r.id, csvField(r.name), csvField(r.doc), csvField(r.bin), r.op, r.lsn ?? 1000 + r.offset, '2024-05-01 10:00:00', r.partition ?? 0, r.offset, NULL_SENTINEL]
      .map(String)
      .join(','),
  );
  const partKey = `${folder}/part-00000.csv.gz`;
  if (!options.dropPart) await s3.send(new PutObjectCommand({ Bucket: stack.s3.bucket, Key: partKey, Body: gzipSync(`${header}\n${lines.join('\n')}\n`) }));
  const manifest = { entries: [{ url: `s3://${stack.s3.bucket}/${partKey}`, mandatory: true, meta: { content_length: 1 } }] };
  await s3.send(new PutObjectCommand({ Bucket: stack.s3.bucket, Key: `${folder}/manifest.json`, Body: JSON.stringify(manifest) }));
  const partitions = [...new Set(rows.map((r) => r.partition ?? 0))];
  const offsetsOf = (partition: number) => rows.filter((r) => (r.partition ?? 0) === partition).map((r) => r.offset);
  return {
    batchId,
    kind: 'rows',
    table: { topic, schema, table: 'items' },
    createdAtMs: Date.now(),
    manifestUrl: `s3://${stack.s3.bucket}/${folder}/manifest.json`,
    files: [{ url: manifest.entries[0]!.url, bytes: 1, rows: rows.length }],
    rowCount: options.rowCount ?? rows.length,
    rowsByOp: { c: 0, u: 0, d: 0, r: 0 },
    eventCount: rows.length,
    columns,
    schemaFingerprint: 'test',
    offsets: partitions.map((partition) => ({ partition, first: Math.min(...offsetsOf(partition)), last: Math.max(...offsetsOf(partition)) })),
    lsnRange: null,
    sourceTimeRange: null,
    oversizedValues: [],
    producer: 'test',
  };
}

/** A source TRUNCATE at `lsn`, consumed from `partition` at `offset` (its event has no key). */
function truncateBatch(partition: number, offset: number, lsn: number): BatchReady {
  return {
    batchId: randomUUID(),
    kind: 'truncate',
    table: { topic, schema, table: 'items' },
    createdAtMs: Date.now(),
    manifestUrl: null,
    files: [],
    rowCount: 0,
    rowsByOp: { c: 0, u: 0, d: 0, r: 0 },
    eventCount: 1,
    columns,
    schemaFingerprint: 'test',
    offsets: [{ partition, first: offset, last: offset }],
    lsnRange: { min: String(lsn), max: String(lsn) },
    sourceTimeRange: null,
    oversizedValues: [],
    producer: 'test',
  };
}

function planFor(batch: BatchReady): MergePlan {
  return { batch, target, options: { deleteMode: 'hard', oversizePolicy: 'stop' }, columns: mapColumns(adapter.dialect, batch.columns) };
}

async function evolve(): Promise<void> {
  const mapped = mapColumns(adapter.dialect, columns);
  const existing = await adapter.describeTable(target);
  const plan = planSchemaEvolution(adapter.dialect, { target, columns: mapped, existing, deleteMode: 'hard' });
  await adapter.executeDdl(schemaEvolutionStatements(adapter.dialect, target, plan));
}

before(async () => {
  server = await startRedshiftDataServer({ port: 0, warehouseUrl: stack.warehouseUrl, s3: stack.s3 });
  sql = new RedshiftDataApiClient({
    target: { clusterIdentifier: 'pgshift-test', database: 'warehouse', dbUser: 'pgshift' },
    clientConfig: { endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'any', secretAccessKey: 'any' } },
    pollInitialMs: 20,
  });
  adapter = new RedshiftAdapter({ dataApi: sql, dialect: { iamRole: 'arn:aws:iam::123456789012:role/pgshift-load' } });
});

after(async () => {
  await sql.execute(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
  await sql.execute(`DELETE FROM pgshift.ledger WHERE topic = '${topic}'`).catch(() => undefined);
  await sql.execute(`DELETE FROM pgshift.truncations WHERE topic = '${topic}'`).catch(() => undefined);
  await sql.execute(`DROP TABLE IF EXISTS ${ledgerTableName(adapter.dialect, target)}`).catch(() => undefined);
  await adapter.close();
  sql.close();
  s3.destroy();
  await server.close();
});

describe('RedshiftAdapter', () => {
  it('creates the table from the schema plan and describes it in Redshift types', async () => {
    assert.equal(await adapter.describeTable(target), null);
    await evolve();
    const described = await adapter.describeTable(target);
    assert.deepEqual(
      described?.filter((c) => !c.name.startsWith('_pgshift_')).map((c) => [c.name, c.type]),
      [
        ['id', 'INTEGER'],
        ['name', 'VARCHAR(80)'],
        ['doc', 'SUPER'],
        ['bin', 'VARBYTE(1024000)'],
      ],
    );
    await evolve(); // nothing left to change: the described types match the mapped ones
  });

  it('merges a batch in one transaction and advances the ledger', async () => {
    const first = await putBatch([
      { id: 1, name: 'one', doc: '{"a":1}', bin: 'cafe', op: 'c', offset: 10 },
      { id: 2, name: 'two', doc: null, bin: null, op: 'c', offset: 11 },
    ]);
    const applied = await adapter.applyBatch(planFor(first));
    assert.deepEqual(applied, {
      batchId: first.batchId,
      rowsStaged: 2,
      rowsSkipped: 0,
      rowsBeforeTruncation: 0,
      targetRowsRemoved: 0,
      targetRowsWritten: 2,
      alreadyApplied: false,
    });

    const second = await putBatch([
      { id: 1, name: null, doc: null, bin: null, op: 'd', offset: 12 },
      { id: 2, name: 'TWO', doc: '[1]', bin: '00ff', op: 'u', offset: 13 },
    ]);
    const merged = await adapter.applyBatch(planFor(second));
    assert.equal(merged.targetRowsRemoved, 2);
    assert.equal(merged.targetRowsWritten, 1);

    const rows = await sql.query(`SELECT id, name, doc, encode(bin, 'hex') AS bin FROM "${schema}".items ORDER BY id`);
    assert.deepEqual(rows.rows, [{ id: 2, name: 'TWO', doc: '[1]', bin: '00ff' }]);
    assert.deepEqual(await adapter.readLedger({ topic, target }), new Map([[0, 13n]]));

    assert.equal((await adapter.applyBatch(planFor(second))).alreadyApplied, true);
  });

  it('maps the row-count guard to StagedRowCountMismatch and leaves the target as it was', async () => {
    const batch = await putBatch([{ id: 3, name: 'three', doc: null, bin: null, op: 'c', offset: 20 }], { rowCount: 2 });
    await assert.rejects(adapter.applyBatch(planFor(batch)), StagedRowCountMismatch);
    assert.deepEqual(await adapter.readLedger({ topic, target }), new Map([[0, 13n]]));
  });

  it('maps a missing batch file to BatchFileMissing', async () => {
    const batch = await putBatch([{ id: 4, name: 'four', doc: null, bin: null, op: 'c', offset: 21 }], { dropPart: true });
    await assert.rejects(adapter.applyBatch(planFor(batch)), (error: unknown) => error instanceof BatchFileMissing && /part-00000\.csv\.gz/.test(error.url));
  });

  it('attaches SYS_LOAD_ERROR_DETAIL rows to a failed COPY', async () => {
    const batch = await putBatch([{ id: 5, name: 'x'.repeat(81), doc: null, bin: null, op: 'c', offset: 22 }]);
    const error = await adapter.applyBatch(planFor(batch)).catch((e: unknown) => e);
    assert.ok(error instanceof RedshiftStatementError);
    assert.match(error.message, /String length exceeds DDL length/);
    assert.deepEqual(
      (error.loadErrors as { columnName: string; lineNumber: number }[]).map((e) => [e.columnName, e.lineNumber]),
      [['name', 2]],
    );
  });

  it('applies a truncate by LSN across partitions: rows changed after it survive, changes from before it consumed late are dropped', async () => {
    // Row 2 (LSN 1013) is in the target. The truncate at LSN 2000 is on partition 1; row 7 was inserted
    // after it but is consumed first (partition 2), row 8 before it but is consumed last (partition 0).
    await adapter.applyBatch(planFor(await putBatch([{ id: 7, name: 'after', doc: null, bin: null, op: 'c', offset: 1, partition: 2, lsn: 2100 }])));
    const truncated = await adapter.applyBatch(planFor(truncateBatch(1, 1, 2000)));
    assert.equal(truncated.targetRowsRemoved, 1);
    const late = await adapter.applyBatch(planFor(await putBatch([{ id: 8, name: 'before', doc: null, bin: null, op: 'c', offset: 30, lsn: 1500 }])));
    assert.equal(late.rowsBeforeTruncation, 1);
    const rows = await sql.query(`SELECT id, name FROM "${schema}".items ORDER BY id`);
    assert.deepEqual(rows.rows, [{ id: 7, name: 'after' }]);
    const watermark = await sql.query(`SELECT last_offset AS lsn FROM ${ledgerTableName(adapter.dialect, target)} WHERE topic = '${topic}' AND partition = -1`);
    assert.deepEqual(
      watermark.rows.map((r) => Number(r.lsn)),
      [2000],
    );
  });

  it('clears the ledger and the truncation watermark of a target', async () => {
    assert.equal(await adapter.clearLedger(target), 4, 'three partitions and the watermark');
    assert.deepEqual(await adapter.readLedger({ topic, target }), new Map());
    assert.deepEqual((await sql.query(`SELECT last_offset FROM ${ledgerTableName(adapter.dialect, target)} WHERE topic = '${topic}'`)).rows, []);
  });
});
