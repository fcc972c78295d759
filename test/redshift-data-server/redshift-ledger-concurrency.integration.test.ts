/**
 * The Redshift adapter's ledger under Redshift's isolation, as the Data API emulator enforces it: batches
 * of different tables applied at the same time never abort each other with error 1023 (SERIALIZABLE),
 * and two loaders applying the same batch of one stream at the same time apply it once (SERIALIZABLE and
 * SNAPSHOT), also for a table without a primary key, where a second application would duplicate rows.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type BatchReady, type ColumnSpec, NULL_SENTINEL, STAGING_META_COLUMNS } from '@pgshift/contracts';
import { ledgerTableName, type MergePlan, mapColumns, planSchemaEvolution, schemaEvolutionStatements, type TargetTable } from '@pgshift/warehouse';
import { RedshiftAdapter } from '../../packages/warehouse/src/redshift/adapter.js';
import { RedshiftDataApiClient } from '../../packages/warehouse/src/redshift/data-api-client.js';
import { stack, uniqueName } from '../support/stack.js';
import { type RedshiftDataServer, startRedshiftDataServer } from './server.js';
import type { IsolationLevel } from './transactions.js';

const s3 = new S3Client({
  endpoint: stack.s3.endpoint,
  region: stack.s3.region,
  forcePathStyle: true,
  credentials: { accessKeyId: stack.s3.accessKeyId, secretAccessKey: stack.s3.secretAccessKey },
});
const schema = uniqueName('rsledger');
const servers: RedshiftDataServer[] = [];
const clients: RedshiftDataApiClient[] = [];
const used: TargetTable[] = [];

const keyed: ColumnSpec[] = [
  { name: 'id', sourceType: 'int4', nullable: false, primaryKey: true },
  { name: 'name', sourceType: 'varchar', length: 20, nullable: true, primaryKey: false },
];
const keyless: ColumnSpec[] = keyed.map((c) => ({ ...c, primaryKey: false }));

const topicOf = (target: TargetTable) => `pgshift.${target.schema}.${target.table}`;

/** A batch of `count` inserts at offsets from..from+count-1 on partition 0, as the batcher writes it. */
async function putBatch(target: TargetTable, columns: ColumnSpec[], from: number, count: number): Promise<BatchReady> {
  const batchId = randomUUID();
  const folder = `redshift-ledger-test/${schema}/${batchId}`;
  const header = [...columns.map((c) => c.name), ...STAGING_META_COLUMNS].join(',');
  const lines = Array.from({ length: count }, (_, i) =>
    [from + i, `"n${from + i}"`, 'c', 1000 + from + i, '2024-05-01 10:00:00', 0, from + i, NULL_SENTINEL].join(','),
  );
  const partKey = `${folder}/part-00000.csv.gz`;
  await s3.send(new PutObjectCommand({ Bucket: stack.s3.bucket, Key: partKey, Body: gzipSync(`${header}\n${lines.join('\n')}\n`) }));
  const manifest = { entries: [{ url: `s3://${stack.s3.bucket}/${partKey}`, mandatory: true, meta: { content_length: 1 } }] };
  await s3.send(new PutObjectCommand({ Bucket: stack.s3.bucket, Key: `${folder}/manifest.json`, Body: JSON.stringify(manifest) }));
  return {
    batchId,
    kind: 'rows',
    table: { topic: topicOf(target), schema: target.schema, table: target.table },
    createdAtMs: Date.now(),
    manifestUrl: `s3://${stack.s3.bucket}/${folder}/manifest.json`,
    files: [{ url: manifest.entries[0]!.url, bytes: 1, rows: count }],
    rowCount: count,
    rowsByOp: { c: count, u: 0, d: 0, r: 0 },
    eventCount: count,
    columns,
    schemaFingerprint: 'test',
    offsets: [{ partition: 0, first: from, last: from + count - 1 }],
    lsnRange: null,
    sourceTimeRange: null,
    oversizedValues: [],
    producer: 'test',
  };
}

/** A loader's adapter: its own Data API client, so that its batches run in transactions of their own. */
function loader(server: RedshiftDataServer): RedshiftAdapter {
  const client = new RedshiftDataApiClient({
    target: { clusterIdentifier: 'pgshift-test', database: 'warehouse', dbUser: 'pgshift' },
    clientConfig: { endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'any', secretAccessKey: 'any' } },
    pollInitialMs: 10,
    pollMaxMs: 50,
  });
  clients.push(client);
  return new RedshiftAdapter({ dataApi: client, dialect: { iamRole: 'arn:aws:iam::123456789012:role/pgshift-load' } });
}

function planFor(adapter: RedshiftAdapter, target: TargetTable, batch: BatchReady): MergePlan {
  used.push(target);
  return { batch, target, options: { deleteMode: 'hard', oversizePolicy: 'stop' }, columns: mapColumns(adapter.dialect, batch.columns) };
}

async function createTable(adapter: RedshiftAdapter, target: TargetTable, columns: ColumnSpec[]): Promise<void> {
  const mapped = mapColumns(adapter.dialect, columns);
  const plan = planSchemaEvolution(adapter.dialect, { target, columns: mapped, existing: await adapter.describeTable(target), deleteMode: 'hard' });
  await adapter.executeDdl(schemaEvolutionStatements(adapter.dialect, target, plan));
}

async function countRows(target: TargetTable): Promise<number> {
  const { rows } = await clients[0]!.query(`SELECT COUNT(*) AS n FROM "${target.schema}"."${target.table}"`);
  return Number(rows[0]!.n);
}

async function startServer(isolation: IsolationLevel): Promise<RedshiftDataServer> {
  const server = await startRedshiftDataServer({ port: 0, warehouseUrl: stack.warehouseUrl, s3: stack.s3, isolation });
  servers.push(server);
  return server;
}

let serializable: RedshiftDataServer;
let snapshot: RedshiftDataServer;

before(async () => {
  serializable = await startServer('serializable');
  snapshot = await startServer('snapshot');
});

after(async () => {
  await clients[0]?.execute(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
  await clients[0]?.execute(`DELETE FROM pgshift.ledger WHERE target_schema = '${schema}'`).catch(() => undefined);
  await clients[0]?.execute(`DELETE FROM pgshift.truncations WHERE target_schema = '${schema}'`).catch(() => undefined);
  const dialect = loader(servers[0]!).dialect;
  for (const target of used) await clients[0]?.execute(`DROP TABLE IF EXISTS ${ledgerTableName(dialect, target)}`).catch(() => undefined);
  for (const client of clients) client.close();
  for (const server of servers) await server.close();
  s3.destroy();
});

describe('the Redshift ledger under Redshift isolation', () => {
  it('applies batches of different tables at the same time without error 1023 (SERIALIZABLE)', async () => {
    const targets = ['t1', 't2', 't3'].map((table) => ({ schema, table }));
    const adapters = targets.map(() => loader(serializable));
    for (const [i, target] of targets.entries()) await createTable(adapters[i]!, target, keyed);
    for (let round = 0; round < 3; round++) {
      const batches = await Promise.all(targets.map((target) => putBatch(target, keyed, round * 10, 10)));
      const results = await Promise.allSettled(batches.map((batch, i) => adapters[i]!.applyBatch(planFor(adapters[i]!, targets[i]!, batch))));
      const failures = results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error).message)] : []));
      assert.deepEqual(failures, [], `round ${round}`);
    }
    for (const target of targets) assert.equal(await countRows(target), 30);
  });

  for (const isolation of ['serializable', 'snapshot'] as const) {
    it(`applies a batch once when two loaders apply it at the same time, table without a key (${isolation.toUpperCase()})`, async () => {
      const server = isolation === 'serializable' ? serializable : snapshot;
      const target = { schema, table: `appended_${isolation}` };
      const [first, second] = [loader(server), loader(server)];
      await createTable(first, target, keyless);
      for (let round = 0; round < 3; round++) {
        const batch = await putBatch(target, keyless, round * 5, 5);
        const results = await Promise.allSettled([first.applyBatch(planFor(first, target, batch)), second.applyBatch(planFor(second, target, batch))]);
        const failures = results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error).message)] : []));
        assert.deepEqual(failures, [], `round ${round}`);
        const written = results.map((r) => (r.status === 'fulfilled' ? (r.value.targetRowsWritten ?? 0) : -1));
        assert.deepEqual(written.sort(), [0, 5], `round ${round}: one loader wrote the batch, the other nothing`);
        assert.equal(await countRows(target), (round + 1) * 5);
      }
      assert.deepEqual(await first.readLedger({ topic: topicOf(target), target }), new Map([[0, 14n]]));
    });
  }

  it("carries a target's rows of the shared ledger of earlier versions into its own ledger table once, and a reset stays reset", async () => {
    const target = { schema, table: 'legacy' };
    used.push(target);
    const topic = topicOf(target);
    if (!clients[0]) loader(serializable);
    const sql = clients[0]!;
    await loader(serializable).readLedger({ topic: 'none', target: { schema, table: 'other' } }); // the shared tables exist
    used.push({ schema, table: 'other' });
    await sql.execute(
      `INSERT INTO pgshift.ledger (target_schema, target_table, topic, partition, last_offset, batch_id, updated_at) ` +
        `VALUES ('${schema}', 'legacy', '${topic}', 0, 41, 'b-1', SYSDATE), ('${schema}', 'legacy', '${topic}', 1, 7, 'b-2', SYSDATE)`,
    );
    await sql.execute(
      `INSERT INTO pgshift.truncations (target_schema, target_table, topic, lsn, batch_id, updated_at) VALUES ('${schema}', 'legacy', '${topic}', 5000, 'b-0', SYSDATE)`,
    );
    const adapter = loader(serializable);
    assert.deepEqual(
      await adapter.readLedger({ topic, target }),
      new Map([
        [0, 41n],
        [1, 7n],
      ]),
    );
    const watermark = await sql.query(`SELECT last_offset FROM ${ledgerTableName(adapter.dialect, target)} WHERE partition = -1`);
    assert.deepEqual(
      watermark.rows.map((r) => Number(r.last_offset)),
      [5000],
    );
    assert.equal(await adapter.clearLedger(target), 3);
    assert.deepEqual(await loader(serializable).readLedger({ topic, target }), new Map(), 'a new loader does not copy the old rows again');
  });
});
