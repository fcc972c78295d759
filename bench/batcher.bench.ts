/**
 * Batcher throughput: 1,000,000 Debezium change events (Avro, Debezium's own registered schemas) for a
 * 12-column table, 70% inserts and 30% updates of earlier keys, on a 3-partition topic; the batcher
 * (services/batcher/src/main.ts, a child process) consumes them from the start until every offset is
 * committed. Then the same topic through a bare consumer that only decodes: the ceiling.
 *
 *   npm run bench:batcher [-- --reuse --events 200000 --small --cpu-prof --keep --env K=V --main F]
 *
 *   --reuse     produce to (and keep, with its two registry subjects) bench_batcher_reuse_<events>; later
 *               --reuse runs consume it as is when it holds exactly <events> messages whose schema ids resolve
 *   --events N  1,000,000 by default
 *   --small     20,000 events unless --events says otherwise: seconds, to prove the bench still runs (the
 *               full suite does, bench/benches.integration.test.ts); its figures mean little
 *   --cpu-prof  the batcher writes a V8 CPU profile to bench/out/; its top functions are printed
 *   --keep      leave the run's batches topic, consumer groups and S3 objects for inspection
 *   --env K=V   batcher setting on top of its defaults, repeatable (e.g. --env PGSHIFT_MEMORY_BUDGET=256MiB)
 *   --main F    run this batcher entry point instead of services/batcher/src/main.ts (a candidate change)
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { parseArgs } from 'node:util';
import { createChangeEventDecoder, createSchemaRegistry, type PgshiftSchemaRegistry } from '@pgshift/debezium';
import { Kafka, logLevel } from 'kafkajs';
import { stack, uniqueName } from '../test/support/stack.js';
import { readBatchEvents } from './support/batch-events.js';
import { benchOutDir, startBatcherProcess } from './support/batcher-process.js';
import { BENCH_COLUMNS, benchRow, benchRowId, rowCells } from './support/bench-table.js';
import { type EventTemplate, envelopeFor, produceChangeStream } from './support/change-stream.js';
import { mainThreadProfile, selfTimeByArea, topSelfTime } from './support/cpu-profile.js';
import { captureDebeziumSchemas, type DebeziumSchemas, deleteSubject, dropSourceSchema, schemaIdResolves } from './support/debezium-schemas.js';
import { decodeOnly } from './support/decode-ceiling.js';
import { deleteGroups, deleteTopics, endOffsets, topicExists, total, waitForCommitted } from './support/kafka-admin.js';
import { fmt, machineState, printFigures, progress } from './support/report.js';
import { createBenchS3Client, deletePrefix } from './support/s3.js';

const { values: args } = parseArgs({
  options: {
    reuse: { type: 'boolean', default: false },
    events: { type: 'string' },
    small: { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    env: { type: 'string', multiple: true, default: [] },
    main: { type: 'string' },
  },
});
const batcherSettings = Object.fromEntries(
  args.env.map((pair) => {
    const at = pair.indexOf('=');
    if (at < 1) throw new Error(`--env ${pair}: expected NAME=value`);
    return [pair.slice(0, at), pair.slice(at + 1)];
  }),
);
const EVENTS = Number(args.events ?? (args.small ? 20_000 : 1_000_000));
if (!Number.isSafeInteger(EVENTS) || EVENTS < 1) throw new Error(`--events ${args.events}: expected a positive integer`);
const PARTITIONS = 3;
const TARGET_EVENTS_PER_S = 50_000;
const TARGET_RSS_BYTES = 2 ** 30;

const run = uniqueName('bench_batcher');
const kafka = new Kafka({ clientId: run, brokers: [...stack.kafkaBrokers], logLevel: logLevel.NOTHING });
const admin = kafka.admin();
const registry = createSchemaRegistry(stack.registryUrl);
const s3 = createBenchS3Client();

const changeTopic = args.reuse ? `bench_batcher_reuse_${EVENTS}` : `${run}_changes`;
const batcherGroup = `${run}_batcher`;
const batchesTopic = `${run}_batches`;
const deadLetterTopic = `${batchesTopic}.dead-letter`;
const s3Prefix = `bench/${run}`;
const cleanup = {
  topics: [batchesTopic, deadLetterTopic],
  groups: [batcherGroup, `${run}_ceiling`, `${run}_reader`],
  subjects: [`${batchesTopic}-value`],
  sourceSchemas: [] as string[],
};
if (!args.reuse) cleanup.topics.push(changeTopic);

/** The first message's schema ids still resolve and the topic holds exactly EVENTS messages. */
async function reusable(): Promise<boolean> {
  if (!(await topicExists(admin, changeTopic))) return false;
  const end = await endOffsets(admin, changeTopic);
  if (end.size !== PARTITIONS || total(end) !== EVENTS) return false;
  const consumer = kafka.consumer({ groupId: `${run}_probe` });
  cleanup.groups.push(`${run}_probe`);
  try {
    await consumer.connect();
    const partition = [...end].find(([, offset]) => offset > 0)![0];
    const message = await new Promise<{ key: Buffer; value: Buffer }>((resolve) => {
      void consumer
        .subscribe({ topic: changeTopic, fromBeginning: true })
        .then(() =>
          consumer.run({ eachMessage: async ({ partition: p, message }) => void (p === partition && resolve(message as { key: Buffer; value: Buffer })) }),
        );
    });
    return (await schemaIdResolves(message.value.readInt32BE(1))) && (await schemaIdResolves(message.key.readInt32BE(1)));
  } finally {
    await consumer.disconnect();
  }
}

/**
 * The synthetic events are what Debezium sends: for each real event Debezium wrote, the synthetic event
 * for the same row and op decodes (through pgshift's decoder) to the same columns and cells.
 */
async function checkAgainstDebezium(schemas: DebeziumSchemas, template: EventTemplate, reg: PgshiftSchemaRegistry): Promise<void> {
  const decoder = createChangeEventDecoder({ registry: reg });
  for (const [i, { message }] of schemas.events.entries()) {
    const real = (await decoder.decode({ topic: schemas.topic, key: message.key, value: message.value }))!;
    // Consumption order is not write order across partitions: the key and op say which write it was.
    const id = benchRowId(real.key);
    const version = real.op === 'u' ? 1 : 0;
    const value = await reg.encode(schemas.valueSchemaId, envelopeFor({ op: real.op as 'c' | 'u', id, version }, i, template));
    const key = await reg.encode(schemas.keySchemaId, { id: BigInt(id) });
    assert.deepEqual(key, message.key, `key of row ${id}`);
    const synthetic = (await decoder.decode({ topic: schemas.topic, key, value }))!;
    assert.deepEqual(real.columns, BENCH_COLUMNS, 'the decoded column list');
    assert.deepEqual(real.values, rowCells(benchRow(id, version)), `Debezium's cells of row ${id} v${version}`);
    assert.deepEqual(synthetic.values, real.values, `synthetic cells of row ${id} v${version}`);
    assert.equal(synthetic.key, real.key);
    assert.equal(synthetic.fingerprint, real.fingerprint);
  }
}

async function produce(): Promise<{ ms: number; bytes: number }> {
  if (await topicExists(admin, changeTopic)) await deleteTopics(admin, [changeTopic]);
  const sourceSchema = `${run}_src`;
  cleanup.sourceSchemas.push(sourceSchema);
  progress(`creating ${sourceSchema}.events in the source and waiting for Debezium's events and schemas`);
  const schemas = await captureDebeziumSchemas(sourceSchema);
  // Deleted at the end, but Connect's producer may re-create it empty on its next metadata refresh
  // (the broker auto-creates topics) while it still tracks the topic: an empty topic can stay behind.
  cleanup.topics.push(schemas.topic);
  if (!args.reuse) cleanup.subjects.push(`${schemas.topic}-value`, `${schemas.topic}-key`);
  const { source } = (await registry.decode(schemas.events[0]!.message.value!)) as { source: Record<string, string | bigint> };
  const template: EventTemplate = {
    source: { version: String(source.version), connector: String(source.connector), name: String(source.name), db: String(source.db) },
    sourceSchema,
    table: schemas.table,
    lsn: Number(source.lsn),
    txId: Number(source.txId),
    tsUs: Number(source.ts_us),
  };
  await checkAgainstDebezium(schemas, template, registry);
  progress(`value schema id ${schemas.valueSchemaId}, key schema id ${schemas.keySchemaId}; ${schemas.events.length} real events match their synthetic twins`);
  await dropSourceSchema(sourceSchema);
  await admin.createTopics({ topics: [{ topic: changeTopic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
  progress(`producing ${fmt.int(EVENTS)} events to ${changeTopic}`);
  const produced = await produceChangeStream({
    kafka,
    registry,
    topic: changeTopic,
    events: EVENTS,
    valueSchemaId: schemas.valueSchemaId,
    keySchemaId: schemas.keySchemaId,
    template,
  });
  progress(`produced in ${fmt.ms(produced.ms)} (${fmt.rate((EVENTS / produced.ms) * 1000, 'events')}, ${fmt.mib(produced.bytes)})`);
  return produced;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function measureBatcher(end: ReadonlyMap<number, number>) {
  const httpPort = await freePort();
  const startedAt = Date.now();
  const batcher = startBatcherProcess(
    {
      PGSHIFT_TOPIC_PATTERN: `^${changeTopic}$`,
      PGSHIFT_CONSUMER_GROUP: batcherGroup,
      PGSHIFT_BATCHES_TOPIC: batchesTopic,
      PGSHIFT_DEAD_LETTER_TOPIC: deadLetterTopic,
      PGSHIFT_S3_PREFIX: s3Prefix,
      PGSHIFT_INSTANCE_ID: run,
      ...batcherSettings,
    },
    { httpPort, cpuProfile: args['cpu-prof'], ...(args.main ? { main: resolvePath(args.main) } : {}) },
  );
  try {
    const joinedAt = await batcher.joined;
    batcher.usage.sample();
    const cpuAtJoin = batcher.usage.cpuMs;
    progress(`batcher joined its group (pid ${batcher.child.pid}, log ${batcher.logFile}); consuming`);
    // Once everything is consumed, SIGTERM makes the batcher seal and flush at once instead of waiting
    // for the age limit (PGSHIFT_FLUSH_AGE, 10 s) of its last open batch: the time measured is work.
    let consumedAt = 0;
    const watchLag = (async () => {
      while (batcher.child.exitCode === null) {
        const lag = await batcher.lag(end.size).catch(() => null);
        if (lag === 0) {
          consumedAt = performance.now();
          await batcher.stop();
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const committedAt = await waitForCommitted(admin, batcherGroup, changeTopic, end, { stop: () => batcher.child.exitCode !== null });
    await watchLag;
    const exitCode = await batcher.exited;
    assert.equal(exitCode, 0, `the batcher exited with ${exitCode}; log: ${batcher.logFile}`);
    return {
      ms: committedAt - joinedAt,
      consumeMs: consumedAt - joinedAt,
      cpuMs: batcher.usage.cpuMs - cpuAtJoin,
      peakRss: batcher.usage.peakRssBytes,
      startedAt,
      logFile: batcher.logFile,
    };
  } finally {
    await batcher.stop();
  }
}

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0]!;
  await admin.connect();
  try {
    let produced: { ms: number; bytes: number } | null = null;
    if (args.reuse && (await reusable())) progress(`reusing ${changeTopic}`);
    else produced = await produce();
    const end = await endOffsets(admin, changeTopic);
    assert.equal(total(end), EVENTS, `${changeTopic} holds ${total(end)} events`);

    progress('running the batcher');
    const batcher = await measureBatcher(end);
    const announced = total(await endOffsets(admin, batchesTopic));
    const batches = await readBatchEvents(kafka, batchesTopic, `${run}_reader`, announced);
    const deadLetters = (await topicExists(admin, deadLetterTopic)) ? total(await endOffsets(admin, deadLetterTopic)) : 0;
    const rows = batches.reduce((sum, b) => sum + b.rowCount, 0);
    const eventsBatched = batches.reduce((sum, b) => sum + b.eventCount, 0);
    const compressed = batches.reduce((sum, b) => sum + b.files.reduce((s, f) => s + f.bytes, 0), 0);
    const files = batches.reduce((sum, b) => sum + b.files.length, 0);
    assert.equal(eventsBatched, EVENTS, 'every event is in a batch');
    assert.equal(deadLetters, 0, 'no dead letters');

    progress('running the decode-only consumer (ceiling)');
    const cpuBefore = process.cpuUsage();
    const ceiling = await decodeOnly(kafka, registry, changeTopic, `${run}_ceiling`, EVENTS);
    const ceilingCpu = process.cpuUsage(cpuBefore);
    const ceilingCpuMs = (ceilingCpu.user + ceilingCpu.system) / 1000;

    const batcherRate = (EVENTS / batcher.ms) * 1000;
    const ceilingRate = (EVENTS / ceiling.ms) * 1000;
    const profile = args['cpu-prof'] ? mainThreadProfile(benchOutDir, batcher.startedAt) : null;
    printFigures(
      `bench:batcher — ${fmt.int(EVENTS)} events, ${PARTITIONS} partitions, ${changeTopic}`,
      [
        ['batcher events/s (join → last commit)', `${fmt.rate(batcherRate, 'events')}  (${fmt.ms(batcher.ms)}; target ≥ ${fmt.int(TARGET_EVENTS_PER_S)})`],
        ['  of which consuming (join → lag 0)', fmt.ms(batcher.consumeMs)],
        ['batcher CPU time (join → exit)', `${fmt.ms(batcher.cpuMs)}  (${fmt.rate((EVENTS / batcher.cpuMs) * 1000, 'events')} per CPU-second)`],
        ['batcher peak RSS (VmHWM)', `${fmt.mib(batcher.peakRss)}  (target < 1024 MiB)`],
        ['batches', fmt.int(batches.length)],
        ['part files', fmt.int(files)],
        ['rows written (after coalescing)', `${fmt.int(rows)}  (${((1 - rows / EVENTS) * 100).toFixed(1)}% of events coalesced away)`],
        ['compressed bytes', `${fmt.int(compressed)}  (${fmt.mib(compressed)})`],
        ['dead letters', fmt.int(deadLetters)],
        ['ceiling: decode-only events/s', `${fmt.rate(ceilingRate, 'events')}  (${fmt.ms(ceiling.ms)}; CPU ${fmt.ms(ceilingCpuMs)})`],
        ['batcher / ceiling', `${((batcherRate / ceilingRate) * 100).toFixed(0)}%`],
        ['produce (this run)', produced ? `${fmt.rate((EVENTS / produced.ms) * 1000, 'events')}, ${fmt.mib(produced.bytes)}` : 'reused topic'],
        ['batcher settings', Object.keys(batcherSettings).length > 0 ? args.env.join(' ') : 'defaults'],
        ...(args.main ? ([['batcher entry point', args.main]] as [string, string][]) : []),
        ['machine', machineState(loadAtStart)],
        ['batcher log', batcher.logFile],
        ...(profile ? ([['cpu profile', profile]] as [string, string][]) : []),
      ],
      {
        bench: 'batcher',
        events: EVENTS,
        partitions: PARTITIONS,
        eventsPerSecond: Math.round(batcherRate),
        seconds: +(batcher.ms / 1000).toFixed(3),
        consumeSeconds: +(batcher.consumeMs / 1000).toFixed(3),
        cpuSeconds: +(batcher.cpuMs / 1000).toFixed(2),
        peakRssBytes: batcher.peakRss,
        batches: batches.length,
        files,
        rows,
        compressedBytes: compressed,
        deadLetters,
        ceilingEventsPerSecond: Math.round(ceilingRate),
        ceilingCpuSeconds: +(ceilingCpuMs / 1000).toFixed(2),
        ratio: +(batcherRate / ceilingRate).toFixed(3),
        reusedTopic: produced === null,
        settings: batcherSettings,
        loadAverage: [+loadAtStart.toFixed(2), +loadavg()[0]!.toFixed(2)],
        meetsTargets: batcherRate >= TARGET_EVENTS_PER_S && batcher.peakRss < TARGET_RSS_BYTES,
      },
    );
    if (profile) {
      console.log('\nbatcher CPU profile, top self time:');
      for (const { fn, ms, share } of topSelfTime(profile, 25)) console.log(`${(share * 100).toFixed(1).padStart(5)}%  ${fmt.int(ms).padStart(7)} ms  ${fn}`);
      console.log('\nby area:');
      for (const { area, ms, share } of selfTimeByArea(profile))
        console.log(`${(share * 100).toFixed(1).padStart(5)}%  ${fmt.int(ms).padStart(7)} ms  ${area}`);
    }
  } finally {
    await cleanUp();
    await admin.disconnect();
  }
}

async function cleanUp(): Promise<void> {
  const problems: string[] = [];
  for (const schema of cleanup.sourceSchemas) await dropSourceSchema(schema).catch((e: Error) => problems.push(`source schema ${schema}: ${e.message}`));
  if (!args.keep) {
    problems.push(...(await deleteTopics(admin, cleanup.topics)));
    problems.push(...(await deleteGroups(admin, cleanup.groups)));
    await deletePrefix(s3, `${s3Prefix}/`).catch((e: Error) => problems.push(`s3 ${s3Prefix}: ${e.message}`));
  }
  for (const subject of cleanup.subjects) await deleteSubject(subject).catch((e: Error) => problems.push(`subject ${subject}: ${e.message}`));
  progress(
    `cleaned up${args.keep ? ' (--keep: batches topic, groups and S3 objects left)' : ''}${args.reuse ? `; kept ${changeTopic} for --reuse` : ''}` +
      (problems.length > 0 ? `; could not remove: ${problems.join('; ')}` : ''),
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
