import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createSchemaRegistry } from '@pgshift/debezium';
import { DEAD_LETTER_HEADERS } from '@pgshift/runtime';
import type pg from 'pg';
import { ShopWorkload } from '../fixtures/workload.js';
import { between, loop, stackService } from '../support/chaos.js';
import { ensureConnector } from '../support/connector.js';
import { resetToEarliest } from '../support/consumer-groups.js';
import { groupLag, kafka, listTopics, readTopic } from '../support/kafka.js';
import { connect, createSampleSchema, type Pipeline, pipelineFor } from '../support/pipeline.js';
import { readiness } from '../support/scenario.js';
import type { ServiceHandle } from '../support/services.js';
import { stack, uniqueName } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

// The pipeline under faults: a sustained write load (pgbench's TPC-B-like workload, whose
// pgbench_history has no primary key, plus the shop workload with TOASTed text, jsonb, deletes, a column
// added mid-run and primary-key changes of rows whose TOASTed text is unchanged) while two batchers and
// two loaders are SIGKILLed at random and restarted, the schema registry is away for 20 seconds while
// services restart, Kafka Connect restarts once, the S3 server is away for 20 seconds, and a table is
// stopped by an int → text change while a third loader joins (a rebalance) and an operator fixes it.
// Then, with the load light, the warehouse itself is stopped for longer than a loader's retries once
// lasted; an old change event is re-driven from the dead-letter topic after its row changed. Then
// `pgshift verify` must find every table in sync. Then both consumer groups are reset to the earliest
// offsets (as Kafka UI does) and verify must still find every table in sync.

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const PGBENCH = '/usr/lib/postgresql/15/bin/pgbench';
const LOAD_SECONDS = Number(process.env.PGSHIFT_FAULT_SECONDS ?? 50);
/** Longer than the ten retries (92–151 s of backoff) after which a loader used to stop a table for good. */
const WAREHOUSE_OUTAGE_SECONDS = Number(process.env.PGSHIFT_FAULT_WAREHOUSE_OUTAGE_SECONDS ?? 170);

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
  // A table an int → text change will stop mid-run.
  await source.query(`CREATE TABLE ${schema}.gauges (id int PRIMARY KEY, value int NOT NULL)`);
  await source.query(`INSERT INTO ${schema}.gauges SELECT g, g FROM generate_series(1, 50) g`);
  // pgbench's tables in our schema, primary keys created before the data (init steps d t p G).
  await run(PGBENCH, ['-i', '-I', 'dtpG', '-s', '1', stack.sourceUrl], { env: { ...process.env, PGOPTIONS: `-c search_path=${schema}` } });
  pipeline = pipelineFor(schema, {
    batcher: { PGSHIFT_FLUSH_AGE: '2s', PGSHIFT_FLUSH_ROWS: '20000' },
    loader: { PGSHIFT_TABLE_CONCURRENCY: '4', PGSHIFT_STOPPED_RETRY: '3s', PGSHIFT_STOPPED_RETRY_MAX: '6s' },
  });
});

after(async () => {
  await pipeline?.stopAll();
  await stackService('start', 's3').catch(() => undefined);
  await stackService('start', 'registry').catch(() => undefined);
  await stackService('start', 'pg-warehouse').catch(() => undefined);
  warehouse = await reconnected(warehouse);
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

/** The test's own warehouse connection again, after the warehouse was stopped and started. */
async function reconnected(client: pg.Client): Promise<pg.Client> {
  await client.end().catch(() => undefined);
  return waitFor('the warehouse to accept connections', () => connect(stack.warehouseUrl).catch(() => false as const), { timeoutMs: 60_000, intervalMs: 500 });
}

/**
 * A dead letter from the past: the oldest change event of a products row, set aside as if the batcher
 * had dead-lettered it, for a row changed since. Re-driving it republishes that old image at a new,
 * higher offset: it must not overwrite the newer row.
 */
async function plantOldDeadLetter(): Promise<{ sku: string }> {
  const topic = `${stack.topicPrefix}.${schema}.products`;
  const messages = await readTopic(topic, (seen) => seen.length >= 40);
  // The project's client: Debezium's `ts_ns` is beyond 2^53, which avsc's default longs refuse.
  const registry = createSchemaRegistry(stack.registryUrl);
  let old: (typeof messages)[number] | undefined;
  let sku = '';
  for (const candidate of messages) {
    if (candidate.message.value === null) continue;
    const event = (await registry.decode(candidate.message.value)) as { after: { sku: string } | null };
    // Not one of the rows whose key the run changed (SKU-31 … SKU-40).
    if (event.after && /^SKU-([1-9]|[12]\d|30)$/.test(event.after.sku)) {
      old = candidate;
      sku = event.after.sku;
      break;
    }
  }
  assert.ok(old, 'an old products event to re-drive');
  await source.query(`UPDATE ${schema}.products SET price = price + 1000, title = title || ' (changed since)' WHERE sku = $1`, [sku]);
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({
      topic: `${pipeline.batchesTopic}.dead-letter`,
      messages: [
        {
          key: old.message.key,
          value: old.message.value,
          headers: {
            [DEAD_LETTER_HEADERS.reason]: 'unknown-schema-id',
            [DEAD_LETTER_HEADERS.error]: 'planted by the fault test: an old change event',
            [DEAD_LETTER_HEADERS.topic]: topic,
            [DEAD_LETTER_HEADERS.partition]: String(old.partition),
            [DEAD_LETTER_HEADERS.offset]: old.offset,
            [DEAD_LETTER_HEADERS.failedAt]: new Date().toISOString(),
            [DEAD_LETTER_HEADERS.service]: 'batcher',
          },
        },
      ],
    });
  } finally {
    await producer.disconnect();
  }
  return { sku };
}

async function redriveDeadLetters(): Promise<void> {
  await run(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      'tsx',
      `${root}packages/cli/src/main.ts`,
      'dead-letters',
      'redrive',
      '--topic',
      `${pipeline.batchesTopic}.dead-letter`,
      '--reason',
      'unknown-schema-id',
    ],
    { cwd: root, env: { ...process.env, PGSHIFT_KAFKA_BROKERS: stack.kafkaBrokers.join(',') } },
  );
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

test('under kills, registry, Connect, S3 and warehouse outages, a stopped table fixed during a rebalance, primary-key changes of TOASTed rows and a re-driven old change, the warehouse ends equal to the source', async (t) => {
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
  // Gauges change all along (a text value once the column is text); products change their key while
  // their TOASTed description stays unchanged (Debezium sends a placeholder for it).
  const gaugesRun = loop(
    () => source.query(`UPDATE ${schema}.gauges SET value = $1 WHERE id = $2`, [between(1, 1000), between(1, 50)]).then(() => undefined),
    stopped,
    100,
  );
  let keyChanges = 0;
  const keyChangeRun = loop(
    async () => {
      const n = 31 + (keyChanges % 10);
      const moved = await source.query(`UPDATE ${schema}.products SET sku = sku || '-moved' WHERE sku = $1`, [`SKU-${n}`]);
      keyChanges += moved.rowCount ?? 0;
    },
    stopped,
    3_000,
  );

  // Faults, on a timeline over the load.
  let kills = 0;
  const chaos = (async () => {
    // One restart of an instance at a time: the timeline and the kill loop picking the same one at once
    // started two processes of one name and lost one of them (it stayed in its group, unstopped).
    const restarting = new Set<string>();
    const restart = async (name: string, pause = async () => {}) => {
      if (restarting.has(name)) return;
      restarting.add(name);
      try {
        const index = instances.findIndex((s) => s.name === name);
        await instances[index]!.kill();
        kills++;
        await pause();
        instances[index] = name.startsWith('batcher') ? pipeline.startBatcher(name) : pipeline.startLoader(name);
      } finally {
        restarting.delete(name);
      }
    };
    const timeline = [
      {
        // One after another: services (re)start with cold caches while the registry is away (nothing
        // may be dead-lettered); once it is back, the schema changes (Connect registers their new
        // schemas: Apicurio's converter cannot do that during an outage), the stopped table, the
        // rebalance while it is stopped and its fix, then a Connect restart.
        at: 0.02,
        action: async () => {
          await stackService('stop', 'registry');
          await sleep(2_000);
          await restart('loader-1');
          await restart('batcher-1');
          await sleep(18_000);
          await stackService('start', 'registry');
          await source.query(`ALTER TABLE ${schema}.orders ADD COLUMN coupon text`);
          await source.query(`ALTER TABLE ${schema}.gauges ALTER COLUMN value TYPE text USING value::text`);
          await sleep(4_000);
          // A loader joins while gauges is stopped (a rebalance), then an operator fixes the cause.
          instances.push(pipeline.startLoader('loader-3'));
          await sleep(4_000);
          await warehouse.query(`ALTER TABLE ${schema}.gauges ALTER COLUMN value TYPE text USING value::text`);
          await stackService('restart', 'connect');
        },
      },
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
      const victim = instances[between(0, instances.length - 1)]!;
      await restart(victim.name, () => sleep(between(500, 3_000)).then(() => undefined));
    }
    await Promise.all(faults);
  })();

  await pgbench;
  stopping = true;
  const shopResult = await shopRun;
  await Promise.all([gaugesRun, keyChangeRun]);
  await chaos;

  // The warehouse goes away for longer than a loader's retries used to last, while the shop goes on.
  let outage = true;
  await stackService('stop', 'pg-warehouse');
  const outageRun = loop(
    () => shop.step(),
    () => !outage,
    200,
  );
  await sleep(WAREHOUSE_OUTAGE_SECONDS * 1000);
  await stackService('start', 'pg-warehouse');
  outage = false;
  const outageSteps = (await outageRun).steps;
  warehouse = await reconnected(warehouse);

  const loadEnded = Date.now();
  await Promise.all(instances.map((s) => s.ready(180_000)));

  // An old change of a row that changed since comes back from the dead-letter topic.
  const { sku } = await plantOldDeadLetter();
  await waitFor(
    'the newer price of the re-driven row in the warehouse',
    async () => {
      const { rows } = await warehouse.query(`SELECT title FROM ${schema}.products WHERE sku = $1`, [sku]);
      return rows[0]?.title?.endsWith('(changed since)') === true;
    },
    { timeoutMs: 120_000 },
  );
  await redriveDeadLetters();

  const { code, report } = await verify('150s');
  const drainedSeconds = (Date.now() - loadEnded) / 1000;
  const counts = Object.fromEntries(report.tables.map((r) => [r.table, r.sourceRows]));
  t.diagnostic(
    `fault run: ${kills} kills, shop transactions ${shopResult.steps} (+${outageSteps} during a ${WAREHOUSE_OUTAGE_SECONDS} s warehouse outage), ` +
      `${keyChanges} primary-key changes of TOASTed rows, rows ${JSON.stringify(counts)}, drained and verified in ${drainedSeconds.toFixed(1)} s`,
  );
  if (code !== 0) {
    const differences = JSON.stringify(report.tables.filter((r) => r.status !== 'in-sync'));
    assert.fail(`verify found differences: ${differences}\n${await pipelineState(instances)}`);
  }
  assert.ok(report.inSync);
  assert.ok(kills >= 4, `the chaos loop actually killed instances (${kills})`);
  assert.equal(await placeholders(), 0, 'no Debezium placeholder text reached the warehouse');
  assert.ok(keyChanges >= 3, `rows changed their primary key (${keyChanges})`);
  const moved = await warehouse.query(
    `SELECT count(*)::int AS n FROM ${schema}.products WHERE sku LIKE '%-moved' AND (description IS NULL OR length(description) < 1000)`,
  );
  assert.equal(moved.rows[0].n, 0, 'every row whose key changed kept its TOASTed description');
});

test('after both consumer groups are reset to the earliest offsets, the warehouse is still equal to the source', async () => {
  // Replay: stop everything, reset both groups to the earliest offsets, run again.
  // Every process the run started, not only the current instances: none may stay in a group.
  await Promise.all(pipeline.services.map((s) => s.stop()));
  const changeTopics = (await listTopics()).filter((topic) => topic.startsWith(`${stack.topicPrefix}.${schema}.`));
  // Change topics are written in Kafka transactions: their end offsets count commit markers and
  // aborted records no consumer sees, so "replayed" means back where the group was before the reset.
  const batcherWasAt = await committedOffsets(pipeline.batcherGroup, changeTopics);
  await resetToEarliest(pipeline.batcherGroup, changeTopics);
  await resetToEarliest(pipeline.loaderGroup, [pipeline.batchesTopic]);
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
