import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type pg from 'pg';
import { ShopWorkload } from '../fixtures/workload.js';
import { between, loop, stackService } from '../support/chaos.js';
import { ensureConnector } from '../support/connector.js';
import { groupLag, kafka } from '../support/kafka.js';
import { connect, createSampleSchema, type Pipeline, pipelineFor } from '../support/pipeline.js';
import { readiness } from '../support/scenario.js';
import type { ServiceHandle } from '../support/services.js';
import { stack, uniqueName } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

// The pipeline under faults: a sustained write load (pgbench's TPC-B-like workload, whose
// pgbench_history has no primary key, plus the shop workload with TOASTed text, jsonb, deletes and a
// column added mid-run) while two batchers and two loaders are SIGKILLed at random and restarted, Kafka
// Connect restarts once and the S3 server is away for 20 seconds. Then the load stops, the pipeline
// drains, and `pgshift verify` must find every table in sync. Then both consumer groups are reset to
// the earliest offsets (as Kafka UI does) and verify must still find every table in sync.

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const PGBENCH = '/usr/lib/postgresql/15/bin/pgbench';
const LOAD_SECONDS = Number(process.env.PGSHIFT_FAULT_SECONDS ?? 50);

const schema = uniqueName('fault');
let source: pg.Client;
let warehouse: pg.Client;
let pipeline: Pipeline;

before(async () => {
  source = await connect(stack.sourceUrl);
  warehouse = await connect(stack.warehouseUrl);
  await ensureConnector();
  await createSampleSchema(source, schema);
  await new ShopWorkload(source, schema).seed(100, 40);
  // pgbench's tables in our schema, primary keys created before the data (init steps d t p G).
  await run(PGBENCH, ['-i', '-I', 'dtpG', '-s', '1', stack.sourceUrl], { env: { ...process.env, PGOPTIONS: `-c search_path=${schema}` } });
  pipeline = pipelineFor(schema, {
    batcher: { PGSHIFT_FLUSH_AGE: '2s', PGSHIFT_FLUSH_ROWS: '20000' },
    loader: { PGSHIFT_TABLE_CONCURRENCY: '4' },
  });
});

after(async () => {
  await pipeline?.stopAll();
  await stackService('start', 's3').catch(() => undefined);
  await source.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await warehouse.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await source.end();
  await warehouse.end();
});

interface VerifyReport {
  inSync: boolean;
  tables: { table: string; status: string; sourceRows: number; warehouseRows: number }[];
}

async function verify(timeout: string): Promise<{ code: number; report: VerifyReport }> {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', `${root}packages/cli/src/main.ts`, 'verify', '--schema', schema, '--json', '--wait-timeout', timeout],
    {
      cwd: root,
      env: { ...process.env, PGSHIFT_SOURCE_URL: stack.sourceUrl, PGSHIFT_WAREHOUSE: 'postgres', PGSHIFT_WAREHOUSE_URL: stack.warehouseUrl },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? -1)));
  return { code, report: JSON.parse(out) as VerifyReport };
}

async function placeholders(): Promise<number> {
  const { rows } = await warehouse.query(
    `SELECT (SELECT count(*) FROM ${schema}.products WHERE description LIKE '%__debezium_unavailable_value%')
          + (SELECT count(*) FROM ${schema}.orders WHERE notes LIKE '%__debezium_unavailable_value%')
          + (SELECT count(*) FROM ${schema}.customers WHERE profile::text LIKE '%__debezium_unavailable_value%') AS n`,
  );
  return Number(rows[0].n);
}

/** The offsets a group has committed, per `topic/partition` (-1 when it never committed one). */
async function committedOffsets(groupId: string, topics: string[]): Promise<Map<string, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = new Map<string, bigint>();
    for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics })) {
      for (const { partition, offset } of partitions) offsets.set(`${topic}/${partition}`, BigInt(offset));
    }
    return offsets;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Whether `groupId` has committed at least `target` on every partition. A target of 0 or less (an empty
 * partition, or one never committed) is met by anything, including the -2 ("earliest") a reset leaves
 * on a partition the group never reads a message from.
 */
async function reached(groupId: string, topics: string[], target: Map<string, bigint>): Promise<boolean> {
  const now = await committedOffsets(groupId, topics);
  return [...target].every(([key, offset]) => offset <= 0n || (now.get(key) ?? -1n) >= offset);
}

/** The batches topic's end offsets (written by an idempotent, non-transactional producer: no markers). */
async function endOffsets(topic: string): Promise<Map<string, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [`${topic}/${p.partition}`, BigInt(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

let instances: ServiceHandle[] = [];

/** Where the pipeline stands, for a failure message: both groups' lag and every instance's /readyz. */
async function pipelineState(services: ServiceHandle[]): Promise<string> {
  const lines = [await groupLag(pipeline.batcherGroup), await groupLag(pipeline.loaderGroup)];
  for (const service of services) {
    const state = await readiness(service).catch((error: Error) => ({ status: 'unreachable', body: error.message }));
    lines.push(`${service.name} (log ${service.logFile}): ${state.status} ${JSON.stringify(state.body)}`);
  }
  return lines.join('\n');
}

test('under kills, a Connect restart and an S3 outage, the warehouse ends equal to the source', async (t) => {
  const started = Date.now();
  instances = [pipeline.startBatcher('batcher-1'), pipeline.startBatcher('batcher-2'), pipeline.startLoader('loader-1'), pipeline.startLoader('loader-2')];
  await Promise.all(instances.map((s) => s.ready(120_000)));

  let stopping = false;
  const stopped = () => stopping;
  const pgbench = run(PGBENCH, ['-n', '-c', '2', '-T', String(LOAD_SECONDS), stack.sourceUrl], {
    env: { ...process.env, PGOPTIONS: `-c search_path=${schema}` },
  });
  const shop = new ShopWorkload(source, schema);
  await shop.resume();
  const shopRun = loop(() => shop.step(), stopped, 5);

  // Faults, on a timeline over the load.
  let kills = 0;
  const chaos = (async () => {
    const timeline = [
      { at: 0.25, action: () => stackService('restart', 'connect') },
      { at: 0.35, action: () => source.query(`ALTER TABLE ${schema}.orders ADD COLUMN coupon text`).then(() => undefined) },
      {
        at: 0.45,
        action: async () => {
          await stackService('stop', 's3');
          await sleep(20_000);
          await stackService('start', 's3');
        },
      },
    ];
    const deadline = started + LOAD_SECONDS * 1000;
    const faults = timeline.map(async ({ at, action }) => {
      await sleep(Math.max(0, started + at * LOAD_SECONDS * 1000 - Date.now()));
      await action();
    });
    while (Date.now() < deadline - 5_000) {
      await sleep(between(3_000, 6_000));
      const index = between(0, instances.length - 1);
      const victim = instances[index]!;
      await victim.kill();
      kills++;
      await sleep(between(500, 3_000));
      instances[index] = victim.name.startsWith('batcher') ? pipeline.startBatcher(victim.name) : pipeline.startLoader(victim.name);
    }
    await Promise.all(faults);
  })();

  await pgbench;
  stopping = true;
  const shopResult = await shopRun;
  await chaos;
  const loadEnded = Date.now();
  await Promise.all(instances.map((s) => s.ready(180_000)));

  const { code, report } = await verify('150s');
  const drainedSeconds = (Date.now() - loadEnded) / 1000;
  const counts = Object.fromEntries(report.tables.map((r) => [r.table, r.sourceRows]));
  t.diagnostic(
    `fault run: ${kills} kills, shop transactions ${shopResult.steps}, rows ${JSON.stringify(counts)}, drained and verified in ${drainedSeconds.toFixed(1)} s`,
  );
  if (code !== 0) {
    const differences = JSON.stringify(report.tables.filter((r) => r.status !== 'in-sync'));
    assert.fail(`verify found differences: ${differences}\n${await pipelineState(instances)}`);
  }
  assert.ok(report.inSync);
  assert.ok(kills >= 4, `the chaos loop actually killed instances (${kills})`);
  assert.equal(await placeholders(), 0, 'no Debezium placeholder text reached the warehouse');
});

test('after both consumer groups are reset to the earliest offsets, the warehouse is still equal to the source', async () => {
  // Replay: stop everything, reset both groups to the earliest offsets, run again.
  await Promise.all(instances.map((s) => s.stop()));
  const admin = kafka.admin();
  await admin.connect();
  const changeTopics = (await admin.listTopics()).filter((topic) => topic.startsWith(`${stack.topicPrefix}.${schema}.`));
  // Change topics are written in Kafka transactions: their end offsets count commit markers and
  // aborted records no consumer sees, so "replayed" means back where the group was before the reset.
  const batcherWasAt = await committedOffsets(pipeline.batcherGroup, changeTopics);
  for (const topic of changeTopics) await admin.resetOffsets({ groupId: pipeline.batcherGroup, topic, earliest: true });
  await admin.resetOffsets({ groupId: pipeline.loaderGroup, topic: pipeline.batchesTopic, earliest: true });
  await admin.disconnect();
  const replay = [pipeline.startBatcher('batcher-replay'), pipeline.startLoader('loader-replay')];
  await Promise.all(replay.map((s) => s.ready(120_000)));
  const explained = (waiting: Promise<unknown>) => waiting.catch(async (error: Error) => assert.fail(`${error.message}\n${await pipelineState(replay)}`));
  await explained(
    waitFor('the batcher to replay every change topic', () => reached(pipeline.batcherGroup, changeTopics, batcherWasAt), {
      timeoutMs: 300_000,
      intervalMs: 2_000,
    }),
  );
  await explained(
    waitFor(
      'the loader to apply every batch, replayed ones included',
      async () => reached(pipeline.loaderGroup, [pipeline.batchesTopic], await endOffsets(pipeline.batchesTopic)),
      { timeoutMs: 300_000, intervalMs: 2_000 },
    ),
  );
  const again = await verify('120s');
  if (again.code !== 0) {
    const differences = JSON.stringify(again.report.tables.filter((r) => r.status !== 'in-sync'));
    assert.fail(`after the replay verify found differences: ${differences}\n${await pipelineState(replay)}`);
  }
  assert.equal(await placeholders(), 0);
});
